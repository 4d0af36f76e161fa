import gzip
import hashlib
import http.server
import threading
from functools import partial

import numpy as np
import pytest
from PIL import Image

from ganlib import data, sources

NAME = "t10k-labels-idx1-ubyte"


def test_load_mnist_matches_keras_format(mnist):
    (x, y), (xt, yt) = mnist
    assert x.shape == (60000, 28, 28) and xt.shape == (10000, 28, 28)
    assert y.shape == (60000,) and yt.shape == (10000,)
    assert x.dtype == y.dtype == np.uint8
    assert x.max() == 255 and x.min() == 0 and set(np.unique(y)) == set(range(10))
    assert list(y[:5]) == [5, 0, 4, 1, 9]  # the famous first digits of the training set


@pytest.fixture(scope="module")
def label_file(mnist):
    """The bytes of the real t10k labels IDX file (its SHA-256 is the canonical one)."""
    src = sources.fetch_file(NAME, sources.MNIST_SHA256[NAME], data.data_dir())
    payload = src.read_bytes()
    assert hashlib.sha256(payload).hexdigest() == sources.MNIST_SHA256[NAME]
    return payload


@pytest.fixture
def server(tmp_path, label_file):
    """A local HTTP server: /bad/ serves a wrong file under the right name, /good/ the right one (gzipped)."""
    (tmp_path / "bad").mkdir()
    (tmp_path / "good").mkdir()
    (tmp_path / "bad" / f"{NAME}.gz").write_bytes(gzip.compress(label_file[:-1] + b"\x07"))
    (tmp_path / "good" / f"{NAME}.gz").write_bytes(gzip.compress(label_file))
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *a: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_fetch_falls_back_past_a_wrong_file(server, tmp_path, label_file):
    dest = tmp_path / "dest"
    path = sources.fetch_file(NAME, sources.MNIST_SHA256[NAME], dest, sources=[f"{server}/bad/", f"{server}/good/"])
    assert path.read_bytes() == label_file
    assert not list(dest.glob("*.part"))


def test_fetch_refuses_a_bad_checksum_and_says_where_to_put_the_file(server, tmp_path):
    dest = tmp_path / "dest"
    with pytest.raises(sources.DownloadError) as err:
        sources.fetch_file(NAME, sources.MNIST_SHA256[NAME], dest, sources=[f"{server}/bad/", f"{server}/missing/"])
    msg = str(err.value)
    assert "checksum mismatch" in msg and "refused" in msg
    assert str(dest / NAME) in msg and sources.MNIST_SHA256[NAME] in msg
    assert not (dest / NAME).exists()


def test_damaged_local_file_is_kept_aside_and_refetched(server, tmp_path, label_file):
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / NAME).write_bytes(b"garbage")
    sources.fetch_file(NAME, sources.MNIST_SHA256[NAME], dest, sources=[f"{server}/good/"])
    assert (dest / NAME).read_bytes() == label_file
    assert (dest / f"{NAME}.bad").read_bytes() == b"garbage"


def test_load_idx_reads_and_rejects(tmp_path, label_file):
    path = tmp_path / NAME
    path.write_bytes(label_file)
    labels = data.load_idx(path)
    assert labels.shape == (10000,) and labels.dtype == np.uint8 and labels[:3].tolist() == [7, 2, 1]
    path.write_bytes(label_file[:-10])
    with pytest.raises(ValueError, match="truncated"):
        data.load_idx(path)
    path.write_bytes(b"\x89PNG not idx")
    with pytest.raises(ValueError, match="not an IDX file"):
        data.load_idx(path)


def test_scaling_round_trip(mnist):
    (x, _), _ = mnist
    scaled = data.to_model_range(x[:100])
    assert scaled.shape == (100, 28, 28, 1) and scaled.dtype == np.float32
    assert scaled.min() == -1.0 and scaled.max() == 1.0
    np.testing.assert_array_equal(data.to_uint8(scaled), x[:100])


def test_dataset_batches_are_fixed_by_seed_and_epoch(small_x):
    def first_batch(first_epoch):
        return next(iter(data.make_dataset(small_x, 64, seed=3, first_epoch=first_epoch))).numpy()

    ds = data.make_dataset(small_x, 64, seed=3)
    batches = [b.numpy() for b in ds.take(9)]  # 8 per epoch: the 9th is epoch 1's first
    assert batches[0].shape == (64, 28, 28, 1)
    np.testing.assert_array_equal(batches[8], first_batch(1))
    assert not np.array_equal(batches[0], batches[8])
    np.testing.assert_array_equal(batches[0], first_batch(0))
    # No autotuner: its thread sleeps up to a minute at a time, and the end of fit() would wait for it.
    assert ds.options().autotune.enabled is False


def _write_digits(folder, images, mode="L", size=None):
    folder.mkdir(parents=True, exist_ok=True)
    for i, im in enumerate(images):
        img = Image.fromarray(im).convert(mode)
        img = img.resize(size) if size else img
        jpeg = i % 2 == 0 and mode != "RGBA"  # JPEG has no alpha channel
        img.save(folder / (f"{i}.jpg" if jpeg else f"{i}.png"))


def test_load_images_folder_with_classes(mnist, tmp_path):
    (x, y), _ = mnist
    _write_digits(tmp_path / "a_three", x[y == 3][:5], mode="RGB", size=(56, 56))
    _write_digits(tmp_path / "b_seven", x[y == 7][:4], mode="RGBA", size=(40, 30))
    images, labels, names = data.load_images(tmp_path)
    assert images.shape == (9, 28, 28) and images.dtype == np.uint8
    assert labels.tolist() == [0] * 5 + [1] * 4 and names == ["a_three", "b_seven"]
    assert images.max() > 200  # still bright strokes on dark ground


def test_load_images_names_the_corrupt_file(mnist, tmp_path):
    (x, _), _ = mnist
    _write_digits(tmp_path, x[:3])
    good = (tmp_path / "1.png").read_bytes()
    (tmp_path / "truncated.png").write_bytes(good[: len(good) // 2])
    with pytest.raises(ValueError, match="truncated.png"):
        data.load_images(tmp_path)
    (tmp_path / "truncated.png").unlink()
    (tmp_path / "notes.txt").write_text("not an image")
    with pytest.raises(ValueError, match="notes.txt"):
        data.load_images(tmp_path)


def test_load_images_npz_and_bad_input(mnist, tmp_path):
    (x, y), _ = mnist
    np.savez(tmp_path / "ok.npz", images=x[:6].astype("float32") / 255.0, labels=y[:6])
    images, labels, _ = data.load_images(tmp_path / "ok.npz")
    assert images.shape == (6, 28, 28) and labels.tolist() == y[:6].tolist()
    assert np.abs(images.astype(int) - x[:6]).max() <= 1
    np.savez(tmp_path / "wrong.npz", pictures=x[:2])
    with pytest.raises(ValueError, match="pictures"):
        data.load_images(tmp_path / "wrong.npz")
    nan = x[:2].astype("float32")
    nan[0, 0, 0] = np.nan
    np.savez(tmp_path / "nan.npz", x=nan)
    with pytest.raises(ValueError, match="NaN"):
        data.load_images(tmp_path / "nan.npz")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no images"):
        data.load_images(tmp_path / "empty")


@pytest.mark.network
@pytest.mark.skipif(__import__("shutil").which("apt-get") is None, reason="needs Debian's apt-get")
def test_fashion_mnist_through_the_checksummed_idx_path(tmp_path):
    (x, y), (xt, yt) = data.load_fashion_mnist(tmp_path, sources=("apt:dataset-fashion-mnist",), use_keras=False)
    assert x.shape == (60000, 28, 28) and xt.shape == (10000, 28, 28) and x.dtype == np.uint8
    assert y[:5].tolist() == [9, 0, 0, 3, 0] and len(data.FASHION_CLASSES) == 10
    assert all(sources.sha256_of(tmp_path / n) == sha for n, sha in sources.FASHION_SHA256.items())


def test_images_of_mixed_sizes_get_a_clear_error(mnist):
    (x, _), _ = mnist
    with pytest.raises(ValueError, match="different sizes"):
        data.to_model_range([x[0], np.zeros((32, 32), np.uint8)])
