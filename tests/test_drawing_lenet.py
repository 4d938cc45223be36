"""그림 4-19: LeNet-5 drawn from the model (4.3.2), and the helpers that fit a tensor flow to the
page. What the drawing holds is counted (cuboids, labels, brackets), and nothing in it collides."""

from itertools import pairwise

import matplotlib
import pytest
from torch import nn

from dlbasics import casestudies as cs
from dlbasics import drawing
from dlbasics.lenet import lenet5_torch

matplotlib.use("Agg")

NAMES = ["C1", "S2", "C3", "S4", "C5", "F6", "출력"]
GROUPS = {"특징 추출 (C-P-C-P-C)": ("C1", "C5"), "분류 (MLP)": ("F6", "출력")}


@pytest.fixture(autouse=True)
def close_figures():
    yield
    matplotlib.pyplot.close("all")


def figure_4_19(net=None):
    fig = drawing.feature_map_flow(net or lenet5_torch(), (1, 28, 28), names=NAMES,
                                   title="그림 4-19 LeNet-5 구조", scale=0.45)
    return drawing.fit_flow(fig, groups=GROUPS)


def texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_figure_4_19_has_every_tensor_with_its_size_and_the_papers_name():
    fig = figure_4_19()
    labels = texts(fig)
    sizes = ["1×28×28", "6×28×28", "6×14×14", "16×10×10", "16×5×5", "120×1×1", "84", "10"]
    for size, name in zip(sizes, ["입력", *NAMES], strict=True):
        assert f"{size}\n{name}" in labels
    cuboids = [p for p in fig.axes[0].patches if p.get_gid() == "cuboid"]
    assert len(cuboids) == len(drawing.tensor_extents(fig)) == 8
    assert fig.axes[0].get_title() == "그림 4-19 LeNet-5 구조"


def test_figure_4_19_brackets_feature_extraction_and_the_classifier():
    fig = figure_4_19()
    brackets = [line for line in fig.axes[0].lines if line.get_gid() == "bracket"]
    assert len(brackets) == 2 and set(GROUPS) <= set(texts(fig))
    extents = drawing.tensor_extents(fig)
    features, classifier = (line.get_xdata() for line in brackets)
    assert (features[0], features[-1]) == (extents[1][0], extents[5][1])  # C1 … C5
    assert (classifier[0], classifier[-1]) == (extents[6][0], extents[7][1])  # F6, 출력


def test_figure_4_19_is_readable_nothing_overlaps_and_labels_fit_between_tensors():
    fig = figure_4_19()
    assert drawing.overlaps(fig) == []
    ops = [t for t in fig.axes[0].texts if t.get_verticalalignment() == "bottom"
           and t.get_text() not in GROUPS]
    assert [t.get_text() for t in ops] == ["5×5 conv\n6", "2×2 max\npool /2", "5×5 conv\n16",
                                           "2×2 max\npool /2", "5×5 conv\n120", "FC 84", "FC 10"]
    assert all(t.get_fontsize() >= 9 for t in fig.axes[0].texts)
    width, height = fig.get_size_inches()
    assert width <= 11.5 and height <= 3.5  # about 1,100 pixels wide at 100 dpi


def test_changing_a_layer_changes_figure_4_19():
    net = lenet5_torch()
    net[0] = nn.Conv2d(1, 8, 5, padding=2)
    net[3] = nn.Conv2d(8, 16, 5)
    labels = texts(figure_4_19(net))
    assert "8×28×28\nC1" in labels and "8×14×14\nS2" in labels and "6×28×28\nC1" not in labels


def test_fit_flow_refuses_a_group_of_unknown_tensors():
    fig = drawing.feature_map_flow(lenet5_torch(), (1, 28, 28), names=NAMES)
    with pytest.raises(ValueError, match="no tensor named \\['C7'\\]"):
        drawing.fit_flow(fig, groups={"분류": ("F6", "C7")})


def test_tensor_extents_count_grouped_channels_once():
    fig = drawing.feature_map_flow(cs.alexnet(grouped=True), (3, 224, 224))
    extents = drawing.tensor_extents(fig)
    assert len(extents) == 1 + 11  # the input, 5 convolutions, 3 poolings, 3 FC layers
    assert all(a[1] < b[0] for a, b in pairwise(extents))  # left to right, apart


@pytest.mark.parametrize("text, lines", [("5×5 conv, 6", ["5×5 conv", "6"]),
                                         ("2×2 max pool /2", ["2×2 max", "pool /2"]),
                                         ("FC 84", ["FC 84"]),
                                         ("전역 평균 풀링", ["전역 평균 풀링"]),
                                         ("verylongword here", ["verylongword", "here"])])
def test_wrap_label_breaks_at_commas_then_spaces(text, lines):
    assert drawing.wrap_label(text).split("\n") == lines


def test_overlaps_finds_colliding_texts_and_shapes():
    fig, ax = matplotlib.pyplot.subplots(figsize=(3, 2))
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    ax.text(2, 2, "가나다라마")
    ax.text(2.2, 2, "바사아")
    ax.text(7, 8, "홀로")
    ax.add_patch(matplotlib.patches.Rectangle((6.5, 7.5), 1, 1, gid="cuboid"))
    assert drawing.overlaps(fig) == [("가나다라마", "바사아"), ("홀로", "cuboid")]
