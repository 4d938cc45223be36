"""학습 곡선 (learning curves): one panel per recorded quantity, one line per run."""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

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
