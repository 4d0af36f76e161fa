"""Datasets: MNIST with checksummed fallbacks, IDX files, your own images, and the tf.data input pipeline.

Arrays follow Keras's conventions: raw images are uint8 of shape (N, 28, 28) in [0, 255]; model inputs are
float32 of shape (N, 28, 28, 1) in [-1, 1], the range of the generator's tanh output.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .files import project_root
from .sources import (
    FASHION_SHA256,
    FASHION_SOURCES,
    MNIST_SHA256,
    MNIST_SOURCES,
    fetch_file,
    gunzip_if_needed,
    keras_dataset,
)

FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                   "Ankle boot")

IMAGE_SIZE = 28


def data_dir() -> Path:
    """Where datasets are cached (git-ignored): ``<project>/data``."""
    return project_root() / "data"


def load_idx(path) -> np.ndarray:
    """Read an IDX file (the MNIST / Fashion-MNIST format), gzipped or not, into a numpy array."""
    path = Path(path)
    raw = gunzip_if_needed(path.read_bytes())
    dtypes = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in dtypes:
        raise ValueError(f"{path} is not an IDX file (bad magic number {raw[:4].hex()}).")
    ndim = raw[3]
    dims = np.frombuffer(raw, ">u4", count=ndim, offset=4).astype(int)
    dtype = np.dtype(dtypes[raw[2]])
    expected = 4 + 4 * ndim + int(np.prod(dims)) * dtype.itemsize
    if len(raw) != expected:
        raise ValueError(f"{path} is truncated or padded: {len(raw)} bytes, expected {expected} for shape "
                         f"{tuple(dims)}. Delete it and load again to re-download.")
    return np.frombuffer(raw, dtype, offset=4 + 4 * ndim).reshape(dims).astype(dtype.newbyteorder("="))


def load_idx_set(files: dict, dest_dir=None, sources=MNIST_SOURCES, prefix=("train", "t10k")):
    """Fetch and read an MNIST-style IDX set: ``files`` maps the four names to their SHA-256.

    Returns ``((x_train, y_train), (x_test, y_test))``; x is uint8 (N, 28, 28), y is uint8 (N,).
    """
    dest_dir = Path(dest_dir) if dest_dir is not None else data_dir()
    arrays = {name: load_idx(fetch_file(name, sha, dest_dir, sources)) for name, sha in files.items()}

    def pick(split, kind):
        return next(arr for name, arr in arrays.items() if name.startswith(split) and kind in name)

    return tuple((pick(split, "images"), pick(split, "labels")) for split in prefix)


def _load_dataset(keras_name: str, files: dict, dest_dir: Path, sources, use_keras: bool):
    """Keras's cache, then verified files in ``dest_dir``, then Keras's download, then the IDX ``sources``."""
    local = all((dest_dir / n).exists() for n in files)
    if use_keras and not local:
        for download in (False, True):
            result = keras_dataset(keras_name, download)
            if result is not None:
                return result
    return load_idx_set(files, dest_dir, sources)


def load_mnist(dest_dir=None, sources=MNIST_SOURCES, use_keras: bool = True):
    """MNIST exactly as ``keras.datasets.mnist.load_data()`` returns it.

    Returns ``((x_train, y_train), (x_test, y_test))``: uint8 images (60000, 28, 28) and (10000, 28, 28),
    uint8 labels (60000,) and (10000,). Tries Keras's cache, then ``data/``, then Keras's download, then the
    IDX ``sources`` (checksummed, written atomically to ``data/`` so later runs work offline).

    Args:
        dest_dir: where the IDX files are cached (default ``data/``).
        sources: where to fetch them from, in order (see ``sources.py``).
        use_keras: try Keras's cache and download first.

    Returns:
        tuple: ``((x_train, y_train), (x_test, y_test))``, uint8 (60000, 28, 28), (60000,), (10000, 28, 28), (10000,).
    """
    return _load_dataset("mnist", MNIST_SHA256, Path(dest_dir) if dest_dir is not None else data_dir(), sources,
                         use_keras)


def load_fashion_mnist(dest_dir=None, sources=FASHION_SOURCES, use_keras: bool = True):
    """Fashion-MNIST as ``keras.datasets.fashion_mnist.load_data()`` returns it (same shapes as MNIST).

    Class names are in ``FASHION_CLASSES``. Same path as MNIST: Keras's cache, then ``data/fashion``, then
    Keras's download, then the checksummed IDX sources (Zalando's host, then Debian's package).

    Args:
        dest_dir: where the IDX files are cached (default ``data/fashion``).
        sources: where to fetch them from, in order.
        use_keras: try Keras's cache and download first.

    Returns:
        tuple: ``((x_train, y_train), (x_test, y_test))``, shaped as MNIST's.
    """
    return _load_dataset("fashion_mnist", FASHION_SHA256,
                         Path(dest_dir) if dest_dir is not None else data_dir() / "fashion", sources, use_keras)


def check_images(images) -> np.ndarray:
    """The images as an array, or one clear error if they are not uint8 (N, 28, 28): what the judge and the
    metrics take. Needs no TensorFlow, so a command line can refuse bad input before it starts TensorFlow.

    Args:
        images: uint8 (N, 28, 28).

    Returns:
        np.ndarray: the same images.
    """
    images = np.asarray(images)
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (28, 28):
        raise ValueError(f"expected uint8 images of shape (N, 28, 28), got {images.dtype} {images.shape}")
    return images


def to_model_range(images) -> np.ndarray:
    """uint8 images (N, H, W) or (N, H, W, 1) in [0, 255] -> float32 (N, H, W, 1) in [-1, 1] (tanh's range).

    Args:
        images: uint8 (N, 28, 28) or (N, 28, 28, 1) in [0, 255].

    Returns:
        numpy.ndarray: float32 (N, 28, 28, 1) in [-1, 1].
    """
    if isinstance(images, (list, tuple)):
        sizes = sorted({np.shape(im) for im in images})
        if len(sizes) > 1:
            raise ValueError(f"the images have different sizes ({sizes[0]} and {sizes[-1]}, …): load them with "
                             "ganlib.data.load_images, which brings every image to 28×28.")
    x = np.asarray(images)
    if x.ndim == 3:
        x = x[..., None]
    if x.ndim != 4:
        raise ValueError(f"expected images of shape (N, H, W) or (N, H, W, C), got {x.shape}")
    return (x.astype("float32") - 127.5) / 127.5


def to_uint8(images) -> np.ndarray:
    """Model outputs in [-1, 1], shape (N, H, W, 1) or (N, H, W) -> uint8 (N, H, W) in [0, 255].

    Args:
        images: floats in [-1, 1], (N, 28, 28, 1) or (N, 28, 28) (values outside are clipped).

    Returns:
        numpy.ndarray: uint8 (N, 28, 28).
    """
    x = np.asarray(images, dtype="float32")
    if x.ndim == 4:
        x = x[..., 0]
    return np.clip(np.rint(x * 127.5 + 127.5), 0, 255).astype("uint8")


def training_set(n: int | None = None, seed: int = 0, hold_out: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The MNIST training digits ready for the GAN, with their labels: float32 (n, 28, 28, 1) in [-1, 1] and
    uint8 (n,).

    ``n=None`` takes all 60,000 (less the held-out ones); a smaller ``n`` takes a fixed random subset (quick
    mode, tests). ``hold_out`` leaves out the last ``hold_out`` digits of the 60,000 (``held_out_set``).

    Args:
        n: how many training digits (None: all that are not held out).
        seed: which ones, when n is smaller.
        hold_out: how many of the last training digits never to return (a validation split).

    Returns:
        tuple: ``(x, y)``: float32 (n, 28, 28, 1) in [-1, 1] and their int labels (n,).
    """
    (x, y), _ = load_mnist()
    x, y = x[:len(x) - hold_out], y[:len(y) - hold_out]
    if n is not None and n < len(x):
        pick = np.random.default_rng(seed).choice(len(x), n, replace=False)
        x, y = x[pick], y[pick]
    return to_model_range(x), y


def held_out_set(n: int) -> tuple[np.ndarray, np.ndarray]:
    """The last ``n`` MNIST training digits, the ones ``training_set(hold_out=n)`` leaves out: uint8
    (n, 28, 28) and their labels uint8 (n,).

    Args:
        n: how many.

    Returns:
        tuple: ``(images, labels)``: uint8 (n, 28, 28) and (n,).
    """
    (x, y), _ = load_mnist()
    return x[len(x) - n:], y[len(y) - n:]


def training_images(n: int | None = None, seed: int = 0) -> np.ndarray:
    """``training_set``'s images alone: float32 (n, 28, 28, 1) in [-1, 1].

    Args:
        n: how many training digits (None: all 60,000).
        seed: which ones, when n is smaller.

    Returns:
        numpy.ndarray: float32 (n, 28, 28, 1) in [-1, 1].
    """
    return training_set(n, seed)[0]


def make_dataset(x, batch_size: int, seed: int = 0, first_epoch: int = 0, epochs: int = 10_000, y=None):
    """A ``tf.data`` pipeline of shuffled batches, shape (batch_size, 28, 28, 1), from in-memory images.

    With labels ``y`` (N,), each element is ``(images, labels)`` with labels int32 (batch_size,).

    The order of epoch ``e`` depends only on ``(seed, e)``, so a run resumed at epoch ``e`` sees exactly the
    batches an uninterrupted run would. The data stay in one tensor; each batch is a cheap gather.
    Yields ``len(x) // batch_size`` batches per epoch (the last partial batch is dropped).

    Args:
        x: images float32 (N, 28, 28, 1).
        batch_size: images per batch (the last partial batch of an epoch is dropped).
        seed: decides each epoch's order.
        first_epoch, epochs: the epochs the dataset covers (a resumed run starts later).
        y: int labels (N,) for a conditional GAN, or None.

    Returns:
        tf.data.Dataset: batches (batch, 28, 28, 1), or (images, labels) pairs.
    """
    import tensorflow as tf

    x = tf.constant(np.asarray(x, dtype="float32"))
    n = int(x.shape[0])
    if batch_size > n:
        raise ValueError(f"batch_size={batch_size} is larger than the {n} training images; lower it.")

    def epoch_batches(epoch):
        order = tf.random.experimental.stateless_shuffle(tf.range(n), seed=tf.stack([tf.cast(seed, tf.int64),
                                                                                     epoch]))
        return tf.data.Dataset.from_tensor_slices(order).batch(batch_size, drop_remainder=True)

    ds = tf.data.Dataset.range(first_epoch, epochs).flat_map(epoch_batches)
    if y is not None and len(y) != n:
        raise ValueError(f"{len(y)} labels for {n} images: give one label per image.")
    labels = None if y is None else tf.constant(np.asarray(y, dtype="int32"))

    def take(idx):
        return tf.gather(x, idx) if labels is None else (tf.gather(x, idx), tf.gather(labels, idx))

    # A fixed pipeline, not tf.data's autotuner: a gather per batch needs no tuning, and the autotuner's
    # thread sleeps for up to a minute at a time, which the end of ``fit`` then waits out.
    options = tf.data.Options()
    options.autotune.enabled = False
    return ds.map(take).prefetch(2).with_options(options)


def _image_to_array(path: Path, size: int) -> np.ndarray:
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(path) as img:
            img.load()
            img = ImageOps.exif_transpose(img)
            if img.mode in ("RGBA", "LA", "P"):
                img = img.convert("RGBA")
                backdrop = Image.new("RGBA", img.size, (0, 0, 0, 255))
                img = Image.alpha_composite(backdrop, img)
            gray = img.convert("L")
            return np.asarray(ImageOps.fit(gray, (size, size), Image.Resampling.LANCZOS), dtype="uint8")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
        raise ValueError(f"{path}: not a readable image ({type(e).__name__}: {e}). Remove or replace this file."
                         ) from None


def _load_npz(path: Path, size: int):
    with np.load(path, allow_pickle=False) as f:
        keys = list(f.keys())
        x_key = next((k for k in ("x", "images", "x_train") if k in f), None)
        if x_key is None:
            raise ValueError(f"{path}: no image array found. It has keys {keys}; save the images as 'x' or "
                             f"'images' (and optional labels as 'y' or 'labels').")
        x = np.asarray(f[x_key])
        y_key = next((k for k in ("y", "labels", "y_train") if k in f), None)
        y = np.asarray(f[y_key]).astype("int64") if y_key else np.full(len(x), -1, "int64")
    if x.ndim == 4 and x.shape[-1] in (1, 3, 4):
        x = x[..., :3].mean(-1) if x.shape[-1] >= 3 else x[..., 0]
    if x.ndim != 3 or len(x) == 0:
        raise ValueError(f"{path}: '{x_key}' has shape {x.shape}; expected (N, H, W) or (N, H, W, C) with N > 0.")
    if x.dtype != np.uint8:
        x = x.astype("float64")
        if not np.isfinite(x).all():
            raise ValueError(f"{path}: '{x_key}' contains NaN or infinite values; clean the data first.")
        x = np.clip(x * 255 if x.max() <= 1.0 else x, 0, 255).astype("uint8")
    if len(y) != len(x):
        raise ValueError(f"{path}: {len(x)} images but {len(y)} labels.")
    if x.shape[1:] != (size, size):
        from PIL import Image

        x = np.stack([np.asarray(Image.fromarray(im).resize((size, size), Image.Resampling.LANCZOS)) for im in x])
    return x, y, []


def load_images(path, size: int = IMAGE_SIZE, invert: bool = False):
    """Your own digits (or anything): a folder of image files, or an ``.npz`` file, as MNIST-like arrays.

    Images of any size, format or colour become ``size``×``size`` grayscale (centre-cropped to a square).
    In a folder with sub-folders, each sub-folder is a class, labelled 0, 1, … in name order; without
    sub-folders every label is -1. ``invert=True`` turns dark-on-light scans into MNIST's light-on-dark.

    Returns ``(x, y, class_names)``: x uint8 (N, size, size), y int64 (N,), class_names a list of str.
    Raises ``ValueError`` naming the file when one is corrupt or not an image, or when there are no images.

    Args:
        path: a folder of image files or an .npz file.
        size: the side of the square images returned.
        invert: turn dark-on-light scans into MNIST's light-on-dark.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist; give a folder of images or an .npz file.")
    if path.is_file():
        if path.suffix != ".npz":
            raise ValueError(f"{path}: give a folder of images or an .npz file with an 'x' or 'images' array.")
        x, y, names = _load_npz(path, size)
    else:
        visible = sorted(p for p in path.iterdir() if not p.name.startswith("."))
        class_dirs = [p for p in visible if p.is_dir()]
        loose = [p for p in visible if p.is_file()]
        if class_dirs and loose:
            raise ValueError(f"{path} mixes files ({loose[0].name}, …) and class folders ({class_dirs[0].name}, …): "
                             "put every image inside a class folder, or use no class folders at all.")
        groups = [(i, sorted(p for p in d.rglob("*") if p.is_file() and not any(
            part.startswith(".") for part in p.relative_to(d).parts))) for i, d in enumerate(class_dirs)]
        if not class_dirs:
            groups = [(-1, loose)]
        files = [(label, f) for label, fs in groups for f in fs]
        if not files:
            raise ValueError(f"{path} holds no images; add image files (PNG, JPEG, …) or class folders of them.")
        x = np.stack([_image_to_array(f, size) for _, f in files])
        y = np.array([label for label, _ in files], dtype="int64")
        names = [d.name for d in class_dirs]
    return (255 - x if invert else x), y, names


def training_data(config, x=None, y=None):
    """A run's training images and labels, checked (or loaded, for MNIST), less the ``config.validation``
    held-out images: what ``training.train`` trains on.

    Args:
        config: the run's ``GANConfig`` (its ``n_train``, ``validation``, ``seed``, ``batch_size`` and
            conditioning).
        x: float32 images (N, 28, 28, 1) in [-1, 1], or None for MNIST's training digits.
        y: int labels (N,) of ``x`` (a conditional GAN needs them), or None.

    Returns:
        tuple: ``(x, y, held_out)``: the images float32 (n, 28, 28, 1), their labels int (n,) or None for an
        unconditional GAN, and the held-out images uint8 (validation, 28, 28) or None.
    """
    v = config.validation
    if x is None:
        x, y = training_set(config.n_train, seed=config.seed, hold_out=v)
        held_out = held_out_set(v)[0] if v else None
    else:
        if v >= len(x):
            raise ValueError(f"GANConfig.validation={v} holds out all {len(x)} training images: hold out fewer.")
        # Like MNIST's: the last images are held out, then n_train are taken from the rest.
        held_out = to_uint8(x[len(x) - v:]) if v else None
        x, y = x[:len(x) - v], None if y is None else y[:len(y) - v]
        if config.n_train is not None:
            x, y = x[: config.n_train], None if y is None else y[: config.n_train]
    classes = config.conditioning.size
    if not config.labelled:
        y = None
    elif y is None:
        raise ValueError("a conditional GAN needs the labels of the training images: train(config, out, x, y=labels).")
    else:
        y = np.asarray(y)
        if y.shape != (len(x),) or y.min() < 0 or y.max() >= classes:
            raise ValueError(f"labels must be ints 0 to {classes - 1}, one per image: got shape {y.shape}, "
                             f"range {y.min()} to {y.max()} for {len(x)} images.")
    x = np.asarray(x)
    if x.ndim != 4 or x.shape[1:] != (28, 28, 1):
        raise ValueError(f"training images must have shape (N, 28, 28, 1), got {x.shape}: use "
                         "ganlib.data.to_model_range on uint8 images (N, 28, 28).")
    if not np.isfinite(x).all():
        raise ValueError(f"the training images contain {int((~np.isfinite(x)).sum())} NaN or infinite values: "
                         "clean or reload the data (ganlib.data.load_images reports such files).")
    if len(x) < config.batch_size:
        raise ValueError(f"{len(x)} training images are fewer than one batch of {config.batch_size}: use more "
                         "images or a smaller batch_size.")
    return x, y, held_out
