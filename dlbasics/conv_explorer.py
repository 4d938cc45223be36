"""콘볼루션·풀링 탐색기 (convolution and pooling explorers for chapter 4.3).

The plain functions (:func:`feature_map`, :func:`pool_map`, :func:`parse_kernel`, the plots)
do the work and are unit-tested; :func:`convolution_explorer` and :func:`pooling_explorer`
only wire them to ipywidgets controls for JupyterLab.
"""

import matplotlib.pyplot as plt
import numpy as np

# The kernels of the lecture note (3절 b) are defined in chapter 4.3.1 and collected into
# dlbasics.conv; they are re-exported here for the widgets and for older imports.
from .conv import NOTE_KERNELS
from .numpy_nn import AvgPool2d, MaxPool2d, conv2d

POOL_KINDS = ("max", "avg", "weighted")
POOL_NAMES = {"max": "최대 풀링", "avg": "평균 풀링", "weighted": "가중치 평균 풀링"}


def _check_image(image):
    image = np.asarray(image, dtype=np.float64).squeeze()
    if image.ndim != 2:
        raise ValueError(f"expected a 2-D image (H, W) or (1, H, W), got shape {np.shape(image)}")
    return image


def parse_kernel(text):
    """"−1 0 1; −1 0 1; −1 0 1" (rows split by ';' or new lines) → array (h, w)."""
    rows = [r.replace(",", " ").split() for r in text.replace("\n", ";").split(";") if r.strip()]
    if not rows or len({len(row) for row in rows}) != 1:
        raise ValueError(f"every kernel row needs the same number of entries, got {text!r}")
    try:
        return np.array([[float(v.replace("−", "-")) for v in row] for row in rows])
    except ValueError:
        raise ValueError(f"kernel entries must be numbers, got {text!r}") from None


def feature_map(image, kernel, stride=1, padding=0, padding_mode="zeros", bias=0.0):
    """One kernel on one image: image (H, W), kernel (h, w) → feature map (Ho, Wo).

    Ho = floor((H + 2·padding − h)/stride) + 1; computed by :func:`dlbasics.numpy_nn.conv2d`.
    """
    image, kernel = _check_image(image), np.asarray(kernel, dtype=np.float64)
    if kernel.ndim != 2:
        raise ValueError(f"expected a 2-D kernel (h, w), got shape {kernel.shape}")
    return conv2d(image[None, None], kernel[None, None], np.array([bias]), stride, padding,
                  padding_mode)[0, 0]


def weighted_pool_kernel(size):
    """가중치 평균 풀링의 가중치: the outer product of binomial rows, summing to 1 (size×size).

    size 3 gives [[1, 2, 1], [2, 4, 2], [1, 2, 1]] / 16: the centre counts most.
    """
    row = np.array([1.0])
    for _ in range(size - 1):
        row = np.convolve(row, [1.0, 1.0])
    return np.outer(row, row) / row.sum() ** 2


def pool_map(image, kind="max", size=2, stride=None):
    """Pool one image (H, W) with a size×size window → (Ho, Wo); stride defaults to size.

    kind: "max" (최대), "avg" (평균) or "weighted" (가중치 평균, :func:`weighted_pool_kernel`).
    """
    image = _check_image(image)
    stride = size if stride is None else stride
    if kind == "weighted":
        return feature_map(image, weighted_pool_kernel(size), stride)
    if kind not in POOL_KINDS:
        raise ValueError(f"kind must be one of {POOL_KINDS}, got {kind!r}")
    layer = MaxPool2d(size, stride) if kind == "max" else AvgPool2d(size, stride)
    return layer.forward(image[None, None])[0, 0]


def plot_feature_map(image, kernel, stride=1, padding=0, padding_mode="zeros", title=None):
    """Draw the image, the kernel (with its numbers) and the feature map; returns the figure."""
    image, kernel = _check_image(image), np.asarray(kernel, dtype=np.float64)
    s = feature_map(image, kernel, stride, padding, padding_mode)
    fig, axes = plt.subplots(1, 3, figsize=(8.4, 3.0),
                             gridspec_kw={"width_ratios": [1, 0.6, 1]})
    axes[0].imshow(image, cmap="gray")
    axes[0].set_title(f"입력 {image.shape[0]}×{image.shape[1]}")
    limit = np.abs(kernel).max() or 1.0
    axes[1].imshow(kernel, cmap="RdBu_r", vmin=-limit, vmax=limit)
    for (y, x), value in np.ndenumerate(kernel):
        color = "white" if abs(value) > limit / 2 else "black"
        axes[1].text(x, y, f"{value:g}", ha="center", va="center", fontsize=10, color=color)
    axes[1].set_title(f"커널 {kernel.shape[0]}×{kernel.shape[1]}")
    limit = np.abs(s).max() or 1.0
    axes[2].imshow(s, cmap="RdBu_r", vmin=-limit, vmax=limit)
    axes[2].set_title(f"특징 맵 {s.shape[0]}×{s.shape[1]} (보폭 {stride}, 덧대기 {padding})")
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_pooling(feature, kind="max", size=2, stride=None, title=None):
    """Draw a map and its pooled version side by side; returns the figure."""
    feature = _check_image(feature)
    pooled = pool_map(feature, kind, size, stride)
    fig, axes = plt.subplots(1, 2, figsize=(6.0, 3.0))
    for ax, img, name in zip(axes, (feature, pooled), ("입력", POOL_NAMES[kind]), strict=True):
        ax.imshow(img, cmap="gray")
        ax.set_title(f"{name} {img.shape[0]}×{img.shape[1]}")
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(title or f"{POOL_NAMES[kind]} {size}×{size}, 보폭 {stride or size}")
    fig.tight_layout()
    return fig


CUSTOM = "직접 입력"


def convolution_explorer(images, labels=None):
    """Widgets: pick a digit, a kernel (the note's or typed in), stride, padding → feature map.

    images: (N, 1, H, W) or (N, H, W). Returns the ``ipywidgets.interactive`` object; its
    ``result`` is the last feature map.
    """
    import ipywidgets as widgets

    def show(index, kernel_name, custom, stride, padding, padding_mode):
        kernel = parse_kernel(custom) if kernel_name == CUSTOM else NOTE_KERNELS[kernel_name]
        label = "" if labels is None else f" (숫자 {labels[index]})"
        plot_feature_map(images[index], kernel, stride, padding, padding_mode,
                         title=f"{index}번 영상{label}")
        plt.show()
        return feature_map(images[index], kernel, stride, padding, padding_mode)

    return widgets.interactive(
        show,
        index=widgets.IntSlider(0, 0, len(images) - 1, description="영상 번호"),
        kernel_name=widgets.Dropdown(options=[*NOTE_KERNELS, CUSTOM], description="커널"),
        custom=widgets.Text("0 1 0; 1 -4 1; 0 1 0", description="직접 입력"),
        stride=widgets.IntSlider(1, 1, 3, description="보폭"),
        padding=widgets.IntSlider(0, 0, 2, description="덧대기"),
        padding_mode=widgets.Dropdown(options=[("0 덧대기", "zeros"), ("복사 덧대기", "replicate")],
                                      description="덧대기 방식"),
    )


def pooling_explorer(images):
    """Widgets: pick an image, max/avg/weighted pooling, window size and stride → pooled map.

    Returns the ``ipywidgets.interactive`` object; its ``result`` is the last pooled map.
    """
    import ipywidgets as widgets

    def show(index, kind, size, stride):
        plot_pooling(images[index], kind, size, stride)
        plt.show()
        return pool_map(images[index], kind, size, stride)

    return widgets.interactive(
        show,
        index=widgets.IntSlider(0, 0, len(images) - 1, description="영상 번호"),
        kind=widgets.Dropdown(options=[(POOL_NAMES[k], k) for k in POOL_KINDS],
                              description="풀링"),
        size=widgets.IntSlider(2, 1, 4, description="크기"),
        stride=widgets.IntSlider(2, 1, 4, description="보폭"),
    )
