"""그림 도우미 (plot helpers) for chapters 4.1 and 4.2: learning curves, per-layer gradient norms,
signed images on one colour scale.

Plot layout only: the experiments that produce the numbers are written in the chapters.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from .plotting import show_images

LABELS = {"loss": "훈련 손실 J", "train_acc": "훈련 정확도", "val_acc": "검증 정확도",
          "val_loss": "검증 손실", "test_acc": "테스트 정확도", "test_loss": "테스트 손실"}


def plot_histories(histories, keys=("loss", "val_acc"), suptitle=None, logy=(), titles=None,
                   size=(4.5, 3.2)):
    """Plot per-epoch lists ``history[key]`` against the epoch 1, 2, ...

    histories: {run label: history dict}; keys: which lists to draw, one panel each, titled
    from ``titles`` or ``LABELS``; logy: keys drawn on a log scale. Returns the figure.
    """
    if not histories:
        raise ValueError("histories must map at least one label to a history dict")
    titles = {**LABELS, **(titles or {})}
    fig, axes = plt.subplots(1, len(keys), figsize=(size[0] * len(keys), size[1]),
                             squeeze=False)
    for ax, key in zip(axes[0], keys, strict=True):
        for label, history in histories.items():
            if key not in history:
                raise KeyError(f"history {label!r} has no {key!r}; it has {sorted(history)}")
            values = history[key]
            ax.plot(np.arange(1, len(values) + 1), values, label=label)
        if key in logy:
            ax.set_yscale("log")
        ax.set_title(titles.get(key, key))
        ax.set_xlabel("에포크")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(True, alpha=0.3)
    axes[0][0].legend(fontsize=8)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def plot_gradient_norms(norms, ax=None, title="층별 그레이디언트 크기 (초기화 직후)"):
    """Semilog plot of per-layer gradient norms; ``norms`` maps a label to an array (L,)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    for label, values in norms.items():
        ax.plot(np.arange(1, len(values) + 1), values, "o-", label=label)
    ax.set_yscale("log")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("층 l (1 = 입력 쪽)")
    ax.set_ylabel(r"$\|\partial J / \partial U^l\|$")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    return ax


def show_signed(images, titles=None, ncols=10, size=1.2, suptitle=None):
    """``show_images`` on one red (+) / white (0) / blue (−) scale centred at 0 and shared by
    all images, so that their strengths compare; for weights and filter responses.
    images: (n, H, W) or (n, 1, H, W). Returns the figure."""
    limit = max(float(np.abs(np.asarray(img)).max()) for img in images) or 1.0
    return show_images(images, titles, ncols=ncols, cmap="RdBu_r", size=size,
                       suptitle=suptitle, vmin=-limit, vmax=limit)
