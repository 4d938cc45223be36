"""수작업 특징 (hand-made features), the old way of 그림 4-1: designed by people, then fed to a
separately trained classifier. Chapter 4.1 sets them beside features a network learns.
"""

import numpy as np
import torch
from torch import nn

from .conv_explorer import NOTE_KERNELS
from .plotting import show_images

# The note's 3×3 edge kernels (4.3절): vertical, horizontal and the two diagonal edges,
# taken from the one list of the note's kernels in conv_explorer.
EDGE_KERNELS = {name: NOTE_KERNELS[name]
                for name in ("수직 에지", "수평 에지", "대각선 에지 1", "대각선 에지 2")}


def _check_images(X):
    X = np.asarray(X)
    if X.ndim != 4 or X.shape[1] != 1:
        raise ValueError(f"X must be grey images of shape (N, 1, H, W), got {X.shape}")
    return torch.as_tensor(X, dtype=torch.float32)


def edge_maps(X):
    """Responses of the four EDGE_KERNELS (cross-correlation, zero padding 1).

    X: (N, 1, H, W) -> (N, 4, H, W) float32 NumPy array.
    """
    kernels = torch.tensor(np.stack(list(EDGE_KERNELS.values())), dtype=torch.float32)[:, None]
    return nn.functional.conv2d(_check_images(X), kernels, padding=1).numpy()


def hand_features(X, zones=4):
    """Zone averages of the image and of its four |edge maps| over a zones × zones grid.

    X: (N, 1, H, W) -> (N, 5 zones²) float32: 16 ink densities and 64 edge strengths for
    zones = 4. The size of every zone is H // zones (adaptive pooling when H is not a multiple).
    """
    if not isinstance(zones, int) or zones < 1:
        raise ValueError(f"zones must be a positive int, got {zones!r}")
    maps = np.concatenate([np.asarray(X, dtype=np.float32), np.abs(edge_maps(X))], axis=1)
    pooled = nn.functional.adaptive_avg_pool2d(torch.as_tensor(maps), zones)
    return pooled.reshape(len(maps), -1).numpy()


def standardize(train, *others):
    """Scale every column to mean 0 and std 1 with the statistics of ``train`` (N, D)."""
    mean, std = train.mean(axis=0), train.std(axis=0) + 1e-8
    return [(a - mean) / std for a in (train, *others)]


def show_signed(images, titles=None, ncols=10, size=1.2, suptitle=None):
    """``show_images`` on one red (+) / white (0) / blue (−) scale centred at 0 and shared by
    all images, so that their strengths compare; for weights and filter responses.
    images: (n, H, W) or (n, 1, H, W). Returns the figure."""
    limit = max(float(np.abs(np.asarray(img)).max()) for img in images) or 1.0
    return show_images(images, titles, ncols=ncols, cmap="RdBu_r", size=size,
                       suptitle=suptitle, vmin=-limit, vmax=limit)
