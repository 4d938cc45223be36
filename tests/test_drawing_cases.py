"""The case studies' figures (4.4.1, 4.4.2) drawn from the modules: 그림 4-21 to 4-27 and 4-31.

What a drawing holds is counted (cuboids, sheets, boxes, connectors, labels with the real sizes),
and nothing in it collides (drawing.overlaps for cuboid drawings; drawing.collisions where labels
sit inside their boxes). The figures are built with the chapters' own calls.
"""

import matplotlib
import numpy as np
import pytest
import torch
from matplotlib import cbook
from matplotlib.colors import to_rgba
from torch import nn

from dlbasics import casestudies as cs
from dlbasics import drawing

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    matplotlib.pyplot.close("all")


def texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def patches(fig, gid):
    return [p for ax in fig.axes for p in ax.patches if p.get_gid() == gid]


def lines(fig, gid):
    return [line for ax in fig.axes for line in ax.lines if line.get_gid() == gid]


def fits_the_page(fig, width=11.5, height=8.0):
    w, h = fig.get_size_inches()
    return w <= width and h <= height


# ---- layer_flow -----------------------------------------------------------------------------

def test_layer_flow_records_alexnets_tensors_groups_and_layer_names():
    flow = drawing.layer_flow(cs.alexnet(grouped=True), (3, 224, 224))
    assert flow["shapes"][:3] == [(3, 224, 224), (96, 55, 55), (96, 27, 27)]
    assert flow["shapes"][-4:] == [(256, 6, 6), (4096,), (4096,), (1000,)]
    assert flow["layers"] == ["conv1", "pool1", "conv2", "pool2", "conv3", "conv4", "conv5",
                             "pool5", "fc6", "fc7", "fc8"]
    assert flow["splits"] == [1, 1, 1, 2, 1, 1, 2, 2, 1, 1, 1, 1]
    assert flow["ops"][0] == "11×11 conv, 96 /4" and flow["ops"][2] == "5×5 conv, 256, 그룹 2"


def test_layer_flow_folds_vggs_stacked_convolutions_into_one_step_each():
    flow = drawing.layer_flow(cs.vgg16(), (3, 224, 224), repeats=True)
    assert flow["ops"][:2] == ["3×3 conv, 64 ×2", "2×2 max pool /2"]
    assert "3×3 conv, 512 ×3" in flow["ops"] and flow["ops"][-2:] == ["FC 4096 ×2", "FC 1000"]
    convs = sum(int(op.rpartition("×")[2]) if "×2" in op or "×3" in op else 1
                for op in flow["ops"] if "conv" in op)
    assert convs == 13 and len(flow["shapes"]) == 13
    unfolded = drawing.layer_flow(cs.vgg16(), (3, 224, 224))
    assert len(unfolded["shapes"]) == 1 + 13 + 5 + 3


# ---- 그림 4-21, 4-22: flows wrapped onto rows -------------------------------------------------

def figure_4_21(net=None):
    return drawing.feature_map_rows(net or cs.alexnet(grouped=True), (3, 224, 224), breaks=(5,),
                                    names=True, title="그림 4-21 AlexNet 구조")


def test_figure_4_21_draws_every_tensor_with_its_size_and_layer_name():
    fig = figure_4_21()
    labels = texts(fig)
    for label in ["3×224×224\n입력", "96×55×55\nconv1", "256×27×27\nconv2", "256×6×6\npool5",
                  "4096\nfc6", "1000\nfc8"]:
        assert label in labels, label
    assert len(patches(fig, "cuboid")) == 12 + 3  # conv2, conv4 and conv5 in two groups
    assert "5×5 conv\n256\n그룹 2" in labels  # the op label, wrapped
    assert "3×3 conv\n384" in labels  # conv3, the layer from the first row to the second


def test_figure_4_21_goes_on_in_a_second_row_and_nothing_collides():
    fig = figure_4_21()
    assert len(lines(fig, "connector")) == 4 and len(patches(fig, "connector")) == 1
    assert drawing.overlaps(fig) == [] and drawing.collisions(fig) == []
    assert fits_the_page(fig)
    assert all(t.get_fontsize() >= 9 for t in fig.axes[0].texts)


def test_changing_alexnet_changes_figure_4_21():
    net = cs.alexnet(grouped=True)
    net.conv1 = nn.Conv2d(3, 64, 11, stride=4, padding=2)
    net.conv2 = nn.Conv2d(64, 256, 5, padding=2, groups=2)
    labels = texts(figure_4_21(net))
    assert "64×55×55\nconv1" in labels and "96×55×55\nconv1" not in labels


def test_figure_4_22_draws_vgg16_in_three_rows_with_its_sixteen_layers():
    fig = drawing.feature_map_rows(cs.vgg16(), (3, 224, 224), breaks=(4, 8), repeats=True,
                                   title="그림 4-22 VGGNet 구조")
    labels = texts(fig)
    for size in ["64×224×224", "128×112×112", "256×56×56", "512×28×28", "512×7×7", "4096",
                 "1000"]:
        assert size in labels, size
    assert "3×3 conv\n64 ×2" in labels and "3×3 conv\n512 ×3" in labels
    assert len(patches(fig, "cuboid")) == 13
    assert len(lines(fig, "connector")) == 2 * 4  # two row changes
    assert drawing.overlaps(fig) == [] and drawing.collisions(fig) == []
    assert fits_the_page(fig)


def test_flow_rows_checks_its_arguments():
    row = dict(shapes=[(1, 8, 8), (4, 4, 4)], ops=["conv"])
    with pytest.raises(ValueError, match="need 1 ops"):
        drawing.flow_rows([dict(shapes=[(1, 8, 8), (4, 4, 4)], ops=[])])
    with pytest.raises(ValueError, match="one heading per row"):
        drawing.flow_rows([row], labels=["a", "b"])
    with pytest.raises(ValueError, match="not in one row"):
        drawing.flow_rows([row, row], brackets={"둘": (1, 2)})
    with pytest.raises(ValueError, match="breaks"):
        drawing.feature_map_rows(cs.alexnet(), (3, 224, 224), breaks=(0,))


def test_flow_rows_draws_a_bracket_over_its_tensors():
    row = dict(shapes=[(1, 8, 8), (4, 4, 4), (8, 2, 2)], ops=["conv", "conv"])
    fig = drawing.flow_rows([row], brackets={"특징": (1, 2)})
    assert len(lines(fig, "bracket")) == 1 and "특징" in texts(fig)
    assert drawing.overlaps(fig) == []


# ---- 그림 4-25: independent rows with headings ------------------------------------------------

def test_figure_4_25_compares_the_heads_with_their_parameter_counts():
    heads = {"완전연결층 하나": nn.Sequential(nn.Flatten(), nn.Linear(192 * 8 * 8, 10)),
             "전역 평균 풀링": nn.Sequential(nn.Conv2d(192, 10, 1), cs.global_average_pooling())}
    layers = drawing.SHAPE_LAYERS + ("Flatten",)
    rows = [drawing.layer_flow(head, (192, 8, 8), layers=layers) for head in heads.values()]
    labels = [f"{name}: 매개변수 {sum(p.numel() for p in head.parameters()):,}"
              for name, head in heads.items()]
    fig = drawing.flow_rows(rows, labels=labels, title="그림 4-25")
    drawn = texts(fig)
    assert "완전연결층 하나: 매개변수 122,890" in drawn
    assert "전역 평균 풀링: 매개변수 1,930" in drawn
    assert {"12288", "10×8×8", "10×1×1", "flatten", "전역 평균 풀링"} <= set(drawn)
    assert len(patches(fig, "cuboid")) == 3 + 4
    assert drawing.overlaps(fig) == [] and fits_the_page(fig)


# ---- 그림 4-23: stacks of maps ----------------------------------------------------------------

def test_figure_4_23_stacks_eight_maps_four_kernels_and_four_maps():
    layer = nn.Conv2d(8, 4, kernel_size=1, bias=False)
    x = torch.zeros(1, 8, 3, 4)
    s = layer(x)
    colors = ["tab:red", "tab:blue", "tab:green", "tab:purple"]
    fig = drawing.sheet_stacks([
        dict(shape=x.shape[1:], label="입력 (맵 8장)", mark=(0, 3)), "*",
        dict(shape=layer.weight.shape[1:], repeat=len(layer.weight), label="커널 4개",
             colors=colors), "=",
        dict(shape=s.shape[1:], label="출력 (맵 4장)", mark=(0, 3), colors=colors)],
        title="그림 4-23")
    assert len(patches(fig, "sheet")) == 8 + 4 * 8 + 4
    assert len(patches(fig, "cell")) == 8 * 12 + 4 * 8 + 4 * 12
    marked = [p for p in patches(fig, "cell") if p.get_facecolor() != to_rgba("#deebf7")]
    assert len(marked) == 8 + 32 + 4  # one cell per input and output map, every kernel weight
    assert {"8×3×4\n입력 (맵 8장)", "8×1×1\n커널 4개", "4×3×4\n출력 (맵 4장)", "*",
            "="} <= set(texts(fig))
    assert drawing.overlaps(fig) == [] and fits_the_page(fig)


# ---- 그림 4-24, 4-26, 4-27: module graphs in panels -------------------------------------------

def inception_panels(reduced=None):
    naive = cs.Inception(192, 64, 128, 32)
    reduced = reduced or cs.inception(192, 64, 96, 128, 16, 32, 32)
    return drawing.graph_panels([dict(model=naive, input_shape=(192, 28, 28), title="(a)"),
                                 dict(model=reduced, input_shape=(192, 28, 28), title="(b)")],
                                folded=False, box_width=1.05, lane_gap=0.2,
                                highlight="1×1 conv", title="그림 4-26")


def test_figure_4_26_shows_both_modules_four_branches_joined():
    fig = inception_panels()
    naive, reduced = ([t.get_text() for t in ax.texts] for ax in fig.axes)
    assert len(naive) == 1 + 4 + 1 + 1 and len(reduced) == 1 + 7 + 1 + 1  # boxes and a title
    assert "연결 (concat)\n416×28×28" in naive and "연결 (concat)\n256×28×28" in reduced
    assert "1×1 conv, 96\n96×28×28" in reduced and "5×5 conv, 32\n32×28×28" in reduced
    green = [p for p in patches(fig, "node") if p.get_facecolor() == to_rgba("#c7e9c0")]
    assert len(green) == 1 + 4  # the 1×1 convolutions
    assert drawing.collisions(fig) == [] and fits_the_page(fig)


def test_the_short_branch_goes_down_its_own_lane_past_the_others():
    fig = inception_panels()
    reduced = fig.axes[1]
    assert len(reduced.lines) == 1  # 1×1 conv, 64 → concat: straight down first
    (x0, x1), (y0, y1) = reduced.lines[0].get_xdata(), reduced.lines[0].get_ydata()
    assert x0 == x1 and y0 > y1


def test_changing_the_inception_module_changes_figure_4_26():
    fig = inception_panels(cs.inception(192, 48, 96, 128, 16, 32, 32))
    assert "1×1 conv, 48\n48×28×28" in [t.get_text() for t in fig.axes[1].texts]


def test_figure_4_24_draws_a_convolution_and_an_mlpconv_layer():
    fig = drawing.graph_panels([
        dict(model=cs.conv_unit(3, 4, 3), input_shape=(3, 8, 8), title="(a) 매개변수 112"),
        dict(model=cs.mlpconv(3, (6, 5, 4), 3), input_shape=(3, 8, 8), title="(b) 매개변수 227")],
        highlight="1×1 conv", title="그림 4-24\n두 줄 제목")
    plain, mlp = ([t.get_text() for t in ax.texts] for ax in fig.axes)
    assert "3×3 conv, 4\nReLU\n4×8×8" in plain
    assert mlp[2:4] == ["1×1 conv, 5\nReLU\n5×8×8", "1×1 conv, 4\nReLU\n4×8×8"]
    assert drawing.collisions(fig) == [] and fits_the_page(fig)


def test_figure_4_27_keeps_the_nine_inception_modules_whole_in_four_columns():
    net = cs.googlenet()
    fig = drawing.graph_panels([dict(model=net, input_shape=(3, 224, 224),
                                     leaves=(cs.Inception,), columns=4)],
                               folded=False, highlight="Inception", title="그림 4-27")
    labels = texts(fig)
    assert sum(t.startswith("Inception") for t in labels) == 9
    assert "Inception\n(inception5b)\n1024×7×7" in labels and "FC 1000\n1000" in labels
    assert len(patches(fig, "node")) == len(drawing.graph_boxes(net, (3, 224, 224),
                                                                leaves=(cs.Inception,)))
    assert drawing.collisions(fig) == [] and fits_the_page(fig)


# ---- 그림 4-31: boxes on a photograph, and the collision test itself --------------------------

def test_figure_4_31_draws_labelled_boxes_on_the_photograph():
    photo = matplotlib.pyplot.imread(cbook.get_sample_data("grace_hopper.jpg"))
    fig, ax = matplotlib.pyplot.subplots(figsize=(4, 4.6))
    boxes = [dict(label="사람", box=(12, 14, 508, 596), where="inside"),
             dict(label="모자", box=(150, 24, 362, 150), where="inside"),
             dict(label="안경", box=(175, 168, 355, 240), where="below"),
             dict(label="넥타이", box=(205, 402, 305, 472))]
    drawing.photo_boxes(ax, photo, boxes, title="(c) 검출")
    assert photo.shape == (600, 512, 3)
    assert len(patches(fig, "box")) == 4 and texts(fig) == ["사람", "모자", "안경", "넥타이"]
    assert drawing.collisions(fig) == []
    with pytest.raises(ValueError, match="x0 < x1"):
        drawing.photo_boxes(ax, photo, [dict(label="거꾸로", box=(50, 0, 10, 10))])


def test_collisions_ignore_a_label_inside_its_box_but_not_one_across_an_edge():
    fig, ax = matplotlib.pyplot.subplots(figsize=(3, 3))
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    ax.add_patch(matplotlib.patches.Rectangle((1, 1), 4, 4, fill=False, gid="box"))
    ax.text(3, 3, "안", ha="center", va="center")
    assert drawing.collisions(fig) == [] and drawing.overlaps(fig) == [("안", "box")]
    ax.text(5, 3, "걸침", ha="center", va="center")
    ax.add_patch(matplotlib.patches.FancyArrowPatch((6, 9), (9, 6)))
    ax.text(6.2, 6.4, "옆")  # inside the arrow's bounding box, off its path
    ax.text(7.5, 7.5, "위", ha="center", va="center")  # on its path
    found = drawing.collisions(fig)
    assert ("걸침", "box") in found and ("위", "FancyArrowPatch") in found
    assert not [pair for pair in found if pair[0] in ("안", "옆")]


def test_sheet_stacks_draw_an_array_shape_as_given():
    fig = drawing.sheet_stacks([dict(shape=np.zeros((2, 2, 3)).shape, label="둘")])
    assert len(patches(fig, "sheet")) == 2 and len(patches(fig, "cell")) == 12
