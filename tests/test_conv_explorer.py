import matplotlib.pyplot as plt
import numpy as np
import pytest

from dlbasics.conv import conv2d_loops
from dlbasics.conv_explorer import (
    NOTE_KERNELS,
    convolution_explorer,
    feature_map,
    parse_kernel,
    plot_feature_map,
    plot_pooling,
    pool_map,
    pooling_explorer,
    weighted_pool_kernel,
)
from dlbasics.plotting import use_korean_font

STRIPE = np.zeros((6, 6))
STRIPE[:, 3:] = 1.0  # a vertical edge between columns 2 and 3


@pytest.fixture(autouse=True)
def korean_font_and_closed_figures():
    use_korean_font()
    yield
    plt.close("all")


def test_note_kernels_hold_the_notes_numbers():
    expected = {"평균 (0.3, 0.4, 0.3)": [[0.3, 0.4, 0.3]], "변화 (−0.5, 0, 0.5)": [[-0.5, 0, 0.5]],
                "수직 에지": [[-1, 0, 1]] * 3, "수평 에지": [[-1, -1, -1], [0, 0, 0], [1, 1, 1]],
                "대각선 에지 1": [[0, -1, -1], [1, 0, -1], [1, 1, 0]],
                "대각선 에지 2": [[-1, -1, 0], [-1, 0, 1], [0, 1, 1]]}
    assert list(NOTE_KERNELS) == list(expected)
    for name, kernel in expected.items():
        np.testing.assert_array_equal(NOTE_KERNELS[name], kernel, err_msg=name)
        assert NOTE_KERNELS[name].dtype == np.float64


def test_feature_map_is_the_loop_convolution():
    image = np.random.default_rng(0).random((7, 8))
    kernel = NOTE_KERNELS["대각선 에지 1"]
    for stride, padding, mode in [(1, 0, "zeros"), (2, 1, "replicate")]:
        np.testing.assert_allclose(feature_map(image, kernel, stride, padding, mode),
                                   conv2d_loops(image, kernel, 0.0, stride, padding, mode))


def test_edge_kernels_respond_to_their_edges_only():
    vertical = feature_map(STRIPE, NOTE_KERNELS["수직 에지"])
    horizontal = feature_map(STRIPE, NOTE_KERNELS["수평 에지"])
    np.testing.assert_array_equal(vertical[:, :3].max(axis=0), [0, 3, 3])
    assert np.all(vertical[:, 3] == 0) and np.all(horizontal == 0)
    change = feature_map(STRIPE, NOTE_KERNELS["변화 (−0.5, 0, 0.5)"])
    np.testing.assert_array_equal(np.flatnonzero(change[0]), [1, 2])


def test_feature_map_size_follows_stride_and_padding():
    digit = np.ones((1, 28, 28))
    assert feature_map(digit, NOTE_KERNELS["수직 에지"]).shape == (26, 26)
    assert feature_map(digit, NOTE_KERNELS["수직 에지"], padding=1).shape == (28, 28)
    assert feature_map(digit, NOTE_KERNELS["수직 에지"], stride=2, padding=1).shape == (14, 14)
    with pytest.raises(ValueError, match="2-D image"):
        feature_map(np.ones((2, 5, 5)), NOTE_KERNELS["수직 에지"])
    with pytest.raises(ValueError, match="2-D kernel"):
        feature_map(np.ones((5, 5)), [1.0, 2.0])


def test_parse_kernel_reads_rows_and_refuses_junk():
    np.testing.assert_array_equal(parse_kernel("−1 0 1; 2, 3, 4"), [[-1, 0, 1], [2, 3, 4]])
    np.testing.assert_array_equal(parse_kernel("1 2\n3 4"), [[1, 2], [3, 4]])
    with pytest.raises(ValueError, match="numbers"):
        parse_kernel("1 a")
    with pytest.raises(ValueError, match="same number"):
        parse_kernel("1 2; 3")


def test_pooling_kinds():
    x = np.arange(16.0).reshape(4, 4)
    np.testing.assert_array_equal(pool_map(x, "max"), [[5, 7], [13, 15]])
    np.testing.assert_array_equal(pool_map(x, "avg"), [[2.5, 4.5], [10.5, 12.5]])
    assert pool_map(x, "max", 2, 1).shape == (3, 3)
    np.testing.assert_allclose(weighted_pool_kernel(3) * 16, [[1, 2, 1], [2, 4, 2], [1, 2, 1]])
    assert pool_map(x, "weighted", 3, 1)[0, 0] == pytest.approx(np.sum(x[:3, :3]
                                                                       * weighted_pool_kernel(3)))
    with pytest.raises(ValueError, match="kind must be one of"):
        pool_map(x, "median")


def test_plots_have_the_panels_and_korean_titles():
    fig = plot_feature_map(STRIPE, NOTE_KERNELS["수직 에지"], padding=1)
    assert [ax.get_title() for ax in fig.axes] == ["입력 6×6", "커널 3×3",
                                                  "특징 맵 6×6 (보폭 1, 덧대기 1)"]
    fig = plot_pooling(STRIPE, "avg", 2)
    assert [ax.get_title() for ax in fig.axes] == ["입력 6×6", "평균 풀링 3×3"]


def test_explorers_recompute_when_a_control_changes():
    images = np.random.default_rng(1).random((3, 1, 10, 10))
    explorer = convolution_explorer(images, labels=[7, 2, 1])
    assert explorer.result.shape == (10, 8)  # the first kernel is the note's 1×3 average
    controls = {c.description: c for c in explorer.children[:-1]}
    controls["커널"].value = "수직 에지"
    assert explorer.result.shape == (8, 8)
    controls["보폭"].value = 2
    assert explorer.result.shape == (4, 4)
    controls["커널"].value = "직접 입력"
    controls["직접 입력"].value = "1"
    np.testing.assert_allclose(explorer.result, images[0, 0, ::2, ::2])
    pooling = pooling_explorer(images)
    assert pooling.result.shape == (5, 5)
    {c.description: c for c in pooling.children[:-1]}["보폭"].value = 1
    assert pooling.result.shape == (9, 9)
