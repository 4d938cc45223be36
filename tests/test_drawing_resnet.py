"""그림 4-28 and 4-29: the residual block beside the plain one, and ResNet-34 beside its plain twin,
drawn from the modules of 4.4.3 (dlbasics.casestudies). What the drawings hold is counted (boxes,
sums, shortcuts and their labels), and nothing in them collides."""

from collections import Counter

import matplotlib
import pytest
import torch
from matplotlib.patches import FancyArrowPatch, Rectangle
from torch import nn

from dlbasics import casestudies as cs
from dlbasics import drawing

matplotlib.use("Agg")

TITLES = ["평범한 블록\ny = τ(F(x))", "잔류 블록\ny = τ(F(x) + x)"]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    matplotlib.pyplot.close("all")


def figure_4_28(plain=None, residual=None, shape=(64, 56, 56)):
    return drawing.module_graphs(
        [plain or cs.PlainBlock(64, 64), residual or cs.ResidualBlock(64, 64)], shape,
        fold=False, show_shapes=False, row_height=0.45, box_width=1.6, titles=TITLES,
        brackets={"F(x)": (1, 5)}, shortcut="x (항등)", title="그림 4-28 잔류 학습의 구조와 동작")


@pytest.fixture(scope="module")
def nets34():
    with torch.device("meta"):
        return cs.plain34(), cs.resnet34()


def figure_4_29(nets, columns=2):
    return drawing.network_stacks(list(nets), (3, 224, 224), names=["평범한 34층", "ResNet-34"],
                                  columns=columns, title="그림 4-29 ResNet 예제(34층)")


def texts(ax):
    return [t.get_text() for t in ax.texts]


def shortcuts(ax):
    return [p for p in ax.patches if drawing._is_shortcut(p)]


def test_figure_4_28_draws_the_same_layers_and_one_shortcut_in_the_residual_block():
    fig = figure_4_28()
    plain, residual = fig.axes
    assert [ax.get_title() for ax in fig.axes] == TITLES
    assert fig._suptitle.get_text() == "그림 4-28 잔류 학습의 구조와 동작"
    layers = ["입력", "3×3 conv, 64", "BN", "ReLU", "3×3 conv, 64", "BN"]
    assert [t for t in texts(plain) if t != "F(x)"] == [*layers, "ReLU"]  # y = τ(F(x))
    assert [t for t in texts(residual) if t not in ("F(x)", "x (항등)")] == [*layers, "+", "ReLU"]
    assert len(shortcuts(plain)) == 0 and len(shortcuts(residual)) == 1
    assert texts(residual).count("x (항등)") == 1
    for ax in fig.axes:  # F(x) bracketed beside its five layers
        assert [line.get_gid() for line in ax.lines] == ["bracket"] and "F(x)" in texts(ax)


def test_figure_4_28_is_readable():
    fig = figure_4_28()
    assert drawing.graph_collisions(fig) == []
    assert all(t.get_fontsize() >= 9 for ax in fig.axes for t in ax.texts)
    width, height = fig.get_size_inches()
    assert width <= 10 and height <= 6
    plain, residual = fig.axes  # the rows line up: a data unit is an inch in both
    for ax in fig.axes:
        (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
        box = ax.get_position()
        assert box.width * width == pytest.approx(x1 - x0)
        assert box.height * height == pytest.approx(y1 - y0)
    assert plain.get_position().y1 == pytest.approx(residual.get_position().y1)


def test_changing_a_block_changes_figure_4_28():
    fig = figure_4_28(cs.PlainBlock(32, 32), cs.ResidualBlock(32, 32), (32, 56, 56))
    assert "3×3 conv, 32" in texts(fig.axes[1]) and "3×3 conv, 64" not in texts(fig.axes[1])


def test_module_graphs_needs_a_title_and_a_bracket_dict_per_model_and_boxes_that_exist():
    blocks = [cs.PlainBlock(8, 8), cs.ResidualBlock(8, 8)]
    with pytest.raises(ValueError, match="2 titles"):
        drawing.module_graphs(blocks, (8, 8, 8), titles=["하나"])
    with pytest.raises(ValueError, match="2 bracket dicts"):
        drawing.module_graphs(blocks, (8, 8, 8), brackets=[{"F(x)": (1, 2)}])
    with pytest.raises(ValueError, match="boxes 1…9"):
        drawing.module_graphs(blocks, (8, 8, 8), brackets={"F(x)": (1, 9)})


def test_figure_4_29_stacks_the_same_34_layers_and_adds_16_shortcuts(nets34):
    fig = figure_4_29(nets34)
    ax = fig.axes[0]
    boxes = [p for p in ax.patches if p.get_gid() == "node"]
    assert len(boxes) == 2 * 37  # input, 7×7 conv, pool, 32 convs, GAP, FC in each
    assert len([p for p in ax.patches if p.get_gid() == "sum"]) == 16  # one ⊕ per block
    identity = [p for p in ax.patches if p.get_gid() == "shortcut"]
    projection = [p for p in ax.patches if p.get_gid() == "projection"]
    assert len(identity) == 13 and len(projection) == 3
    assert all(p.get_linestyle() == "-" for p in identity)
    assert all(p.get_linestyle() != "-" for p in projection)  # dotted
    for label in ("1×1 conv\n128 /2", "1×1 conv\n256 /2", "1×1 conv\n512 /2"):
        assert texts(ax).count(label) == 1
    layers = [t for t in texts(ax) if "conv" in t and "1×1" not in t]
    assert len(layers) == 2 * 33 and layers.count("3×3 conv, 128 /2") == 2
    assert texts(ax).count("평범한 34층") == texts(ax).count("ResNet-34") == 2  # two columns
    assert ax.get_title() == "그림 4-29 ResNet 예제(34층)"


def test_figure_4_29_puts_the_same_layer_of_both_networks_at_the_same_height(nets34):
    ax = figure_4_29(nets34).axes[0]
    rows = {}
    for t in ax.texts:  # the labels in the boxes, by height
        box_label = t.get_verticalalignment() == "center" and t.get_color() == "black"
        if box_label and t.get_text() != "+":
            rows.setdefault(round(t.get_position()[1], 6), []).append(t.get_text())
    assert sum(map(len, rows.values())) == 2 * 37
    for row in rows.values():  # each plain layer has the same residual layer beside it
        assert all(n % 2 == 0 for n in Counter(row).values()), row


def test_figure_4_29_is_readable_and_wraps_without_cutting_a_shortcut(nets34):
    for columns in (2, 3):
        fig = figure_4_29(nets34, columns)
        assert drawing.graph_collisions(fig) == []
        ax = fig.axes[0]
        assert len([p for p in ax.patches if p.get_gid() == "node"]) == 2 * 37
        for arrow in ax.patches:
            if arrow.get_gid() in ("shortcut", "projection"):  # each stays beside one block
                assert arrow.get_path().get_extents().height < 4 * 0.3 + 0.3
        if columns == 2:
            width, height = fig.get_size_inches()
            assert width <= 10 and height <= 10


def test_changing_a_layer_changes_figure_4_29():
    small = cs.resnet(blocks=(1, 2), widths=(8, 16), in_channels=1, num_classes=10, stem="small")
    ax = drawing.network_stacks([small], (1, 28, 28), names=["작은 ResNet"]).axes[0]
    assert "3×3 conv, 16 /2" in texts(ax) and "FC 10" in texts(ax)
    assert len([p for p in ax.patches if p.get_gid() == "sum"]) == 3
    assert len([p for p in ax.patches if p.get_gid() == "projection"]) == 1
    small.conv3_x[0].shortcut = nn.Sequential(nn.Conv2d(8, 16, 3, 2, padding=1, bias=False),
                                              nn.BatchNorm2d(16))
    ax = drawing.network_stacks([small], (1, 28, 28), names=["작은 ResNet"]).axes[0]
    assert "3×3 conv\n16 /2" in texts(ax)


def test_network_stacks_refuses_branches_that_are_not_shortcuts():
    with pytest.raises(ValueError, match="module_graph"):
        drawing.network_stacks([cs.inception(192, 64, 96, 128, 16, 32, 32)], (192, 28, 28),
                               names=["인셉션"])
    with pytest.raises(ValueError, match="1 names"):
        drawing.network_stacks([cs.ResidualBlock(8, 8)], (8, 8, 8), names=["a", "b"])


def test_graph_collisions_sees_a_label_sticking_out_of_its_box_but_not_one_inside():
    fig, ax = matplotlib.pyplot.subplots(figsize=(4, 2))
    ax.set(xlim=(0, 4), ylim=(0, 2))
    ax.add_patch(Rectangle((0.5, 0.5), 2, 1, gid="node"))
    ax.text(1.5, 1.0, "안", ha="center", va="center")
    assert drawing.graph_collisions(fig) == []
    ax.text(2.5, 1.0, "밖으로 나온 글", ha="center", va="center")
    assert ("밖으로 나온 글", "node") in drawing.graph_collisions(fig)
    ax.add_patch(FancyArrowPatch((3.0, 0.2), (3.0, 1.8)))
    assert ("밖으로 나온 글", "FancyArrowPatch") in drawing.graph_collisions(fig)


def test_text_inches_grow_with_the_text_and_its_size():
    short, long = drawing.text_inches("F(x)", 9), drawing.text_inches("3×3 conv, 128 /2", 9)
    assert 0 < short[0] < long[0] and short[1] == long[1]
    assert drawing.text_inches("F(x)", 18)[0] == pytest.approx(2 * short[0], rel=0.05)
    assert drawing.text_inches("한 줄\n두 줄", 9)[1] == pytest.approx(2 * short[1])
