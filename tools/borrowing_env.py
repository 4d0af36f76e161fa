"""A virtual environment that borrows the pinned packages of the Python that runs this (the course's .venv).

    python -m tools.borrowing_env build/wheel-env

The new environment has no packages of its own and no pip; a ``pinned.pth`` file in it holds the path of this
Python's site-packages, so TensorFlow, Keras and the rest are the pinned ones without a second install. The
path is added as a plain folder, so the ``.pth`` files inside it are not run: the checkout's editable install
of ganlib is not among the borrowed packages, and ganlib comes from whatever is installed into the new
environment (the wheel, for ``make test``). ``make test``, the export and nbgrader environments and the
packaging test build theirs this way.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path


def site_packages(python) -> str:
    """The site-packages folder of the environment whose Python is ``python``."""
    return subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()


def borrowing_env(folder) -> Path:
    """Create (or replace) the environment at ``folder``; returns its Python."""
    folder = Path(folder)
    shutil.rmtree(folder, ignore_errors=True)
    venv.create(folder, with_pip=False, symlinks=True)  # as `python -m venv` makes it
    python = folder / "bin" / "python"
    Path(site_packages(python), "pinned.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m tools.borrowing_env FOLDER", file=sys.stderr)
        return 2
    print(f"{borrowing_env(args[0])}: borrows {sysconfig.get_paths()['purelib']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
