"""Where the course lives on disk, and writing files so that a crash never leaves half of one."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

# What ships inside the package (the judges, the pretrained generators, the measurements the chapters show), so
# that a chapter runs from the wheel alone.
ASSETS = Path(__file__).resolve().parent / "assets"
RESULTS = ASSETS / "results"


def project_root() -> Path:
    """The course folder: ``$GANLIB_ROOT``, else the checkout that holds this package, else the cwd.

    Returns:
        Path: the course folder.
    """
    if os.environ.get("GANLIB_ROOT"):
        return Path(os.environ["GANLIB_ROOT"]).resolve()
    here = Path(__file__).resolve().parents[1]
    if (here / "pyproject.toml").exists() and (here / "ganlib").is_dir():
        return here
    return Path.cwd()


def course_result(name: str) -> dict:
    """A committed measurement that a chapter shows, read from the package (``ganlib/assets/results/<name>``),
    so it is there in a checkout and in an installed wheel alike. Each file records the command that made it
    (``benchmarks/README.md`` lists them).

    Args:
        name: the file's name, e.g. ``"extras.json"``.

    Returns:
        dict: the file's JSON.
    """
    path = RESULTS / name
    if not path.is_file():
        known = ", ".join(sorted(p.name for p in RESULTS.glob("*.json"))) or "none"
        raise FileNotFoundError(f"no course result {name!r} in {RESULTS} (it has: {known}); reinstall ganlib, or "
                                "rerun the benchmark that writes it (benchmarks/README.md).")
    return json.loads(path.read_text())


def _atomic(path, write, suffix: str = ".part") -> Path:
    """Call ``write(temporary_path)``, then rename the temporary file to ``path``: readers see the old file or
    the new one, never half of one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    os.close(fd)
    os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide data and run records from other users of a shared machine
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write(path, payload: bytes) -> Path:
    """Write bytes to ``path`` atomically (a temporary file, flushed to disk, then renamed)."""

    def write(tmp: Path):
        with open(tmp, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())

    return _atomic(path, write)


def atomic_save_model(model, path) -> Path:
    """``model.save(path)`` atomically: a whole Keras model file, ``path`` ending in ``.keras``."""
    if not str(path).endswith(".keras"):
        raise ValueError(f"{path}: a Keras model file must end in .keras")
    return _atomic(path, lambda tmp: model.save(tmp), suffix=".part.keras")


def atomic_save_weights(model, path) -> Path:
    """``model.save_weights(path)`` atomically; ``path`` ends in ``.weights.h5``."""
    if not str(path).endswith(".weights.h5"):
        raise ValueError(f"{path}: a Keras weights file must end in .weights.h5")
    return _atomic(path, lambda tmp: model.save_weights(tmp), suffix=".part.weights.h5")


def kept_arrays(path, shapes: list, compute, also=()) -> tuple:
    """``compute()``'s numpy arrays, kept at ``path`` (``.npy`` for one array, ``.npz`` for several) and read
    from there, or from one of the paths ``also`` looked in first, while the file holds finite arrays of
    ``shapes``. A missing or damaged file is computed again and written (atomically); a read-only folder
    computes it every time.

    Args:
        path: where to keep the arrays.
        shapes: the arrays' shapes, in order.
        compute: a function returning the arrays (a tuple or list).
        also: paths to read first (such as a copy shipped with ganlib), never written.

    Returns:
        tuple: the arrays.
    """
    import io
    import zipfile

    import numpy as np

    for place in (*also, path):
        try:
            saved = np.load(place)  # an array for .npy, an archive of arrays for .npz
            if isinstance(saved, np.ndarray):
                arrays = (saved,)
            else:
                with saved:
                    arrays = tuple(saved[k] for k in saved.files)
        except (OSError, ValueError, EOFError, zipfile.BadZipFile):  # not there, or damaged: look on, or compute
            continue
        if [a.shape for a in arrays] == [tuple(s) for s in shapes] and all(np.isfinite(a).all() for a in arrays):
            return arrays
    arrays = tuple(compute())
    buffer = io.BytesIO()
    if len(arrays) == 1:
        np.save(buffer, arrays[0])
    else:
        np.savez(buffer, *arrays)
    try:
        atomic_write(path, buffer.getvalue())
    except OSError:  # a read-only folder: compute it again next time
        pass
    return arrays
