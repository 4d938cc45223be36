"""The drawings hold what they depict: counted shapes and labels, not pixels."""

import matplotlib
import numpy as np
import pytest
from torch import nn

from dlbasics import casestudies as cs
from dlbasics import drawing
from dlbasics.lenet import lenet5_torch

matplotlib.use("Agg")


def patches(fig, gid):
    return [p for ax in fig.axes for p in ax.patches if p.get_gid() == gid]


def texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    matplotlib.pyplot.close("all")


def test_grid_rows_draw_every_cell_padding_grey_and_the_windows():
    z = np.arange(9).reshape(3, 3)
    fig = drawing.grid_rows([dict(panels=[dict(values=np.pad(z, 1), padding=1,
                                               windows=[(0, 0, 3, 3)]),
                                          dict(values=[0.3, 0.4, 0.3], fmt="{:.1f}"),
                                          dict(values=z, windows=[(1, 1, 1, 1)])],
                                  symbols=("*", "="))])
    assert len(patches(fig, "pad")) == 25 - 9
    assert len(patches(fig, "cell")) == 9 + 3 + 9
    assert len(patches(fig, "window")) == 2
    assert {"*", "=", "0.4", "8"} <= set(texts(fig))


def test_grid_refuses_three_dimensional_values():
    with pytest.raises(ValueError, match="1-D or 2-D"):
        drawing.grid_rows([dict(panels=[dict(values=np.zeros((2, 2, 2)))])])


def test_lenet5_flow_has_a_cuboid_per_tensor_labelled_with_its_size():
    fig = drawing.feature_map_flow(lenet5_torch(), (1, 28, 28))
    labels = texts(fig)
    for size in ["1×28×28", "6×28×28", "6×14×14", "16×10×10", "16×5×5", "120×1×1", "84", "10"]:
        assert any(t.startswith(size) for t in labels), size
    assert len(patches(fig, "cuboid")) == 1 + 7  # the input and seven layers' outputs


def test_alexnet_flow_draws_grouped_convolutions_in_two_parts():
    grouped = drawing.feature_map_flow(cs.alexnet(grouped=True), (3, 224, 224))
    plain = drawing.feature_map_flow(cs.alexnet(grouped=False), (3, 224, 224))
    assert len(patches(grouped, "cuboid")) == len(patches(plain, "cuboid")) + 3  # conv2, 4, 5
    assert any(t.startswith("96×55×55") for t in texts(grouped))


def test_flow_needs_a_name_per_layer():
    with pytest.raises(ValueError, match="one name per drawn layer"):
        drawing.feature_map_flow(lenet5_torch(), (1, 28, 28), names=["C1"])


def test_dmlp_graph_has_its_nodes_bias_nodes_and_all_connections():
    sizes = [4, 3, 2]
    fig = drawing.layer_graph(sizes)
    assert len(patches(fig, "node")) == sum(sizes)
    assert len(patches(fig, "bias")) == len(sizes) - 1
    full = 4 * 3 + 3 * 2
    assert len(fig.axes[0].lines) == full + 3 + 2  # weights, then the bias's dashed lines


def test_receptive_field_grows_by_h_minus_one_per_layer():
    fig = drawing.layer_graph([9, 9, 9], kernel=3, bias=False, receptive_field=4)
    hot = [p for p in patches(fig, "node") if p.get_facecolor()[:3] != (1.0, 1.0, 1.0)]
    assert len(hot) == 1 + 3 + 5
    with pytest.raises(ValueError, match="odd"):
        drawing.layer_graph([4, 4], kernel=2)


def test_inception_graph_shows_four_branches_joined_with_their_sizes():
    module = cs.inception(192, 64, 96, 128, 16, 32, 32)
    boxes = drawing.graph_boxes(module, (192, 28, 28))
    labels = [b.label for b in boxes]
    assert labels[0] == "입력" and labels[-1] == "연결 (concat)"
    assert len(boxes[-1].preds) == 4
    assert {b.shape for b in boxes[-1].preds} == {(64, 28, 28), (128, 28, 28), (32, 28, 28)}
    assert boxes[-1].shape == (256, 28, 28)
    fig = drawing.module_graph(module, (192, 28, 28))
    assert len(patches(fig, "node")) == len(boxes) == 1 + 7 + 1
    assert "1×1 conv, 64 · ReLU\n64×28×28" in texts(fig)


def test_changing_a_layer_changes_the_drawing():
    before = [b.label for b in drawing.graph_boxes(cs.inception(192, 64, 96, 128, 16, 32, 32),
                                                   (192, 28, 28))]
    after = [b.label for b in drawing.graph_boxes(cs.inception(192, 48, 96, 128, 16, 32, 32),
                                                  (192, 28, 28))]
    assert "1×1 conv, 64 · ReLU" in before and "1×1 conv, 48 · ReLU" in after
    net = nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2))
    net[0] = nn.Conv2d(1, 8, 3)
    assert [b.label for b in drawing.graph_boxes(net, (1, 28, 28))][1] == "3×3 conv, 8 · ReLU"


def test_residual_block_has_a_shortcut_to_the_sum_and_the_plain_block_none():
    boxes = drawing.graph_boxes(cs.ResidualBlock(64, 64), (64, 56, 56))
    total = boxes[-1]
    assert total.label == "+ · ReLU" and boxes[0] in total.preds  # the identity shortcut x
    plain = drawing.graph_boxes(cs.PlainBlock(64, 64), (64, 56, 56))
    assert not any(b.is_merge for b in plain)
    projection = drawing.graph_boxes(cs.ResidualBlock(64, 128, stride=2), (64, 56, 56))
    assert "1×1 conv, 128 /2 · BN" in [b.label for b in projection]


def test_a_module_that_cannot_be_traced_is_one_box_and_leaves_stay_whole():
    labels = [b.label for b in drawing.graph_boxes(cs.googlenet(), (3, 64, 64),
                                                   leaves=(cs.Inception,))]
    assert "LRN (norm1)" in labels  # its forward branches on values: kept whole
    assert sum(label.startswith("Inception") for label in labels) == 9


def test_long_networks_wrap_into_columns_without_losing_boxes():
    net = cs.resnet34()
    boxes = drawing.graph_boxes(net, (3, 64, 64))
    fig = drawing.module_graph(net, (3, 64, 64), columns=4, show_shapes=False)
    assert len(patches(fig, "node")) == len(boxes)
    assert sum(b.is_merge for b in boxes) == 16  # one sum per residual block


def test_box_flow_frames_what_is_learnt():
    rows = {"고전": ["입력", "특징 추출", "분류기"], "딥러닝": ["입력", "특징 학습", "분류기"]}
    fig = drawing.box_flow(rows, learned={"고전": (2, 2), "딥러닝": (1, 2)})
    assert len(patches(fig, "box")) == 6 and len(patches(fig, "learned")) == 2


def test_two_drawings_can_share_one_figure():
    fig, (left, right) = matplotlib.pyplot.subplots(1, 2)
    assert drawing.layer_graph([3, 3], bias=False, ax=left) is fig
    assert drawing.tensor_flow([(1, 8, 8), (4, 4, 4)], ops=["conv"], ax=right) is fig
    assert len(patches(fig, "node")) == 6 and len(patches(fig, "cuboid")) == 2
