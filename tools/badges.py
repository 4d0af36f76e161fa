"""The course's public address, in one place, and the Colab badges and install lines written from it.

The repository's address is ``[project.urls] Repository`` in ``pyproject.toml``. Until it is set, the chapters
show no Colab badge and tell a Colab user how to install the course from its wheel; once it is set,
``python -m tools.badges URL`` (from the repository's folder) stores it and writes every chapter's badge and the
README's install line.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from ganlib.files import atomic_write, project_root

BADGE_MARK = "colab-badge.svg"
SETUP_MARK = "**On Colab**"
README_START, README_END = "<!-- install: written by `python -m tools.badges` -->", "<!-- /install -->"


def repository_url(root=None) -> str | None:
    """The course's repository address from ``pyproject.toml``, or None while it is not set.

    Args:
        root: the course folder (default: ``files.project_root()``).

    Returns:
        str or None: the URL.
    """
    text = Path(root or project_root(), "pyproject.toml").read_text()
    match = re.search(r'^\[project\.urls\]\s*\n(?:.*\n)*?Repository\s*=\s*"([^"]+)"', text, re.M)
    return match.group(1) if match else None


def _colab_link(url: str, notebook: str) -> str | None:
    match = re.match(r"https://github\.com/([\w.-]+)/([\w.-]+?)(?:\.git)?/?$", url)
    if not match:
        return None  # Colab opens notebooks straight from GitHub only
    return f"https://colab.research.google.com/github/{match[1]}/{match[2]}/blob/main/notebooks/{notebook}"


def setup_note(url: str | None, index: bool = True) -> str:
    """The paragraph under a Setup heading that tells a Colab user how to install the course: the whole
    instructions on the index, one line that links to them in each chapter."""
    if not index:
        return f"{SETUP_MARK} or a JupyterHub, install the course as [the index](index.ipynb#how-to-run-it) says."
    if url:
        return f"{SETUP_MARK}, install the course first: `!pip install -q git+{url}`."
    return (f"{SETUP_MARK} (or on any JupyterHub), upload a chapter and the course's wheel (`make wheel` "
            "builds `dist/ganlib-0.1.0-py3-none-any.whl`), then install it once: "
            "`!pip install -q ganlib-0.1.0-py3-none-any.whl`. A chapter needs nothing else: its data is "
            "downloaded and its results and generators come with the wheel.")


def _readme_install(url: str | None) -> str:
    if url:
        return f"**Colab:** open a chapter with its badge, then run `!pip install -q git+{url}` in its first cell."
    return ("**Colab:** upload a chapter and the wheel that `make wheel` builds, then install it in the chapter's "
            "first cell (`!pip install -q ganlib-0.1.0-py3-none-any.whl`): a chapter needs nothing else, and "
            "`make test` runs every chapter that way. The chapters have no Colab badge until the course's repository "
            "address is set: `python -m tools.badges URL`.")


def render(root=None, url: str | None = None, write: bool = True) -> dict:
    """Write every chapter's first cell (badge or none) and Setup note, and the README's install lines,
    from the repository address.

    Args:
        root: the course folder (default: ``files.project_root()``).
        url: the address; None reads it from ``pyproject.toml``.
        write: False only computes.

    Returns:
        dict: file path -> the text it should hold.
    """
    root = Path(root or project_root())
    url = url or repository_url(root)
    out = {}
    # The solved copies get the same first cell as their chapter, so the chapter stays their student edition.
    notebooks = root / "notebooks"
    for path in [*sorted(notebooks.glob("*.ipynb")), *sorted((notebooks / "solutions").glob("*.ipynb"))]:
        nb = json.loads(path.read_text())
        first = "".join(nb["cells"][0]["source"]).split("\n")
        body = "\n".join(first[2:] if first and BADGE_MARK in first[0] else first)
        link = url and _colab_link(url, path.name)
        badge = f"[![Open In Colab](https://colab.research.google.com/assets/{BADGE_MARK})]({link})\n\n" if link else ""
        nb["cells"][0]["source"] = (badge + body).splitlines(True)
        for cell in nb["cells"]:
            text = "".join(cell["source"])
            if cell["cell_type"] == "markdown" and SETUP_MARK in text:
                note = setup_note(url, index=path.name == "index.ipynb")
                text = re.sub(re.escape(SETUP_MARK) + r".*", note.replace("\\", "\\\\"), text, flags=re.S)
                cell["source"] = text.splitlines(True)
        out[path] = json.dumps(nb, indent=1, ensure_ascii=False) + "\n"
    readme = root / "README.md"
    text = readme.read_text()
    block = f"{README_START}\n{_readme_install(url)}\n{README_END}"
    out[readme] = re.sub(re.escape(README_START) + r".*?" + re.escape(README_END), block.replace("\\", "\\\\"), text,
                         flags=re.S)
    if write:
        for path, content in out.items():
            if path.read_text() != content:
                atomic_write(path, content.encode())
    return out


def set_repository(url: str, root=None) -> None:
    """Store the repository address in ``pyproject.toml`` and write the badges and install lines from it.

    Args:
        url: the course's public repository, e.g. ``https://github.com/OWNER/REPO``.
        root: the course folder (default: ``files.project_root()``).
    """
    if not re.match(r"https://\S+$", url):
        raise ValueError(f"{url!r} is not an https address: give the repository's URL, e.g. "
                         "https://github.com/OWNER/REPO.")
    root = Path(root or project_root())
    pyproject = root / "pyproject.toml"
    text = re.sub(r'\n\[project\.urls\]\s*\nRepository\s*=\s*"[^"]*"\n', "\n", pyproject.read_text())
    text = text.replace("\n[project.scripts]", f'\n[project.urls]\nRepository = "{url}"\n\n[project.scripts]', 1)
    atomic_write(pyproject, text.encode())
    render(root, url)


def main(argv=None) -> int:
    from tools import command

    def act(url):
        set_repository(url)
        return f"pyproject.toml, the chapters' Colab badges and the README's install line now point at {url}"

    return command(sys.argv[1:] if argv is None else argv, 1,
                   "python -m tools.badges URL   (the public repository, e.g. https://github.com/OWNER/REPO)", act)


if __name__ == "__main__":
    sys.exit(main())
