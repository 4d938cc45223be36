"""The convolution pictures of 4.3.1 hold what they depict: counted cells, windows, cuboids and
labels with the real sizes, not pixels."""

import matplotlib
import numpy as np
import pytest
from matplotlib.patches import FancyArrowPatch

from dlbasics import drawing
from dlbasics.conv import conv1d_loops, conv2d_loops, im2col, pad

matplotlib.use("Agg")


def patches(fig, gid):
    return [p for ax in fig.axes for p in ax.patches if p.get_gid() == gid]


def texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def arrows(fig):
    return [p for ax in fig.axes for p in ax.patches if isinstance(p, FancyArrowPatch)]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    matplotlib.pyplot.close("all")


def test_a_padded_row_greys_only_its_two_end_cells():
    z = np.arange(1.0, 9.0)
    fig, ax = matplotlib.pyplot.subplots()
    width, height = drawing.draw_array(ax, pad(z[None], (0, 1))[0], padding=(0, 1),
                                       windows=[(0, 0, 1, 3), (0, 2, 1, 3, "black")])
    assert (width, height) == (10, 1)
    assert len(patches(fig, "pad")) == 2 and len(patches(fig, "cell")) == 8
    frames = patches(fig, "window")
    assert len(frames) == 2 and frames[1].get_edgecolor()[:3] == (0.0, 0.0, 0.0)
    assert frames[1].get_width() < frames[0].get_width()  # drawn inside: shared edges stay apart


def test_convolution_rows_draw_every_cell_window_and_symbol():
    z_line, u = np.array([2.0, 1, 20, 2, 4, 4]), np.array([0.3, 0.4, 0.3])
    z_edge, u_edge = np.array([[2.0, 2, 9, 9, 9]] * 5), np.array([[-1, 0, 1]] * 3)
    s_line, s_edge = conv1d_loops(z_line, u), conv2d_loops(z_edge, u_edge)
    fig = drawing.grid_rows([
        dict(label="1차원", symbols=("*", "="), panels=[
            dict(values=z_line, windows=[(0, 1, 1, 3)]), dict(values=u),
            dict(values=s_line, windows=[(0, 1, 1, 1)], fmt="{:.1f}", title="특징 맵 s")]),
        dict(label="2차원", symbols=("*", "="), panels=[
            dict(values=z_edge, windows=[(0, 0, 3, 3)]), dict(values=u_edge),
            dict(values=s_edge, windows=[(0, 0, 1, 1)])])], title="그림 4-6 콘볼루션 연산")
    assert len(patches(fig, "cell")) == (6 + 3 + 4) + (25 + 9 + 9)
    assert len(patches(fig, "window")) == 4
    labels = texts(fig)
    assert labels.count("*") == 2 and labels.count("=") == 2
    assert {"1차원", "2차원", "특징 맵 s", "8.9", "21"} <= set(labels)
    assert fig.axes[0].get_title() == "그림 4-6 콘볼루션 연산"


def test_padding_is_grey_in_a_padded_grid_and_the_output_keeps_the_size():
    z = np.arange(16.0).reshape(4, 4)
    zp = pad(z, 1)
    fig = drawing.grid_rows([dict(symbols=("*", "="), panels=[
        dict(values=zp, padding=1), dict(values=np.ones((3, 3))),
        dict(values=conv2d_loops(z, np.ones((3, 3)), padding=1))])])
    assert len(patches(fig, "pad")) == 36 - 16
    assert len(patches(fig, "cell")) == 16 + 9 + 16


def test_an_arrow_symbol_is_an_arrow_with_its_label():
    cols = im2col(np.arange(16.0).reshape(1, 1, 4, 4), 3, 3)
    fig = drawing.grid_rows([dict(symbols=("→ im2col",), gap=3.0, panels=[
        dict(values=np.arange(16).reshape(4, 4)),
        dict(values=cols, windows=[(0, k, 9, 1) for k in range(4)])])])
    assert len(arrows(fig)) == 1 and "im2col" in texts(fig)
    assert len(patches(fig, "cell")) == 16 + 9 * 4 and len(patches(fig, "window")) == 4


def test_cuboid_rows_draw_a_cuboid_per_tensor_with_its_size_and_arrows_for_operations():
    fig = drawing.cuboid_rows([[dict(shape=(3, 28, 28), label="입력"), "*",
                                dict(shape=(3, 3, 3), label="커널 1개"), "=", (1, 28, 28)],
                               [(1, 28, 28), "→ 3×3 conv, 6", (6, 28, 28), "→ ReLU",
                                (6, 28, 28), "→ 2×2 max pool /2", (6, 14, 14)]],
                              title="그림 4-15")
    assert len(patches(fig, "cuboid")) == 3 + 4
    labels = texts(fig)
    for size in ["3×28×28\n입력", "3×3×3\n커널 1개", "1×28×28", "6×28×28", "6×14×14"]:
        assert size in labels, size
    assert len(arrows(fig)) == 3 and {"*", "=", "3×3 conv, 6", "ReLU"} <= set(labels)


def test_a_cuboid_needs_three_sizes():
    with pytest.raises(ValueError, match=r"\(C, H, W\)"):
        drawing.cuboid_rows([[(28, 28)]])


def test_kernels_stand_above_their_maps():
    kernels = np.stack([np.array([[-1, 0, 1]] * 3), np.array([[-1, 0, 1]] * 3).T])
    maps = np.random.default_rng(0).standard_normal((2, 8, 8))
    fig = drawing.kernel_map_panels(kernels, maps, image=np.zeros((8, 8)),
                                    names=["수직 에지", "수평 에지"])
    assert len(fig.axes) == 2 * 3
    assert len(patches(fig, "cell")) == 2 * 9  # each kernel as its nine numbers
    assert sum(len(ax.images) for ax in fig.axes) == 1 + 2  # the input and two maps
    assert {"수직 에지", "수평 에지", "입력"} <= {ax.get_title() for ax in fig.axes}
    as_images = drawing.kernel_map_panels(kernels, maps, fmt=None)
    assert sum(len(ax.images) for ax in as_images.axes) == 2 + 2
    with pytest.raises(ValueError, match="same K"):
        drawing.kernel_map_panels(kernels, maps[:1])
