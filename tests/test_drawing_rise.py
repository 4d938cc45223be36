"""그림 4-2's drawing (4.1): what a network makes of one input, layer by layer.

The drawings are read for what they hold (maps per layer, bars per class, the labels with the
real sizes and the layers in between), not for their pixels.
"""

import matplotlib
import numpy as np
import pytest
import torch
from matplotlib.image import AxesImage
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from torch import nn

from dlbasics import drawing
from dlbasics.lenet import lenet5_torch

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    matplotlib.pyplot.close("all")


@pytest.fixture
def lenet():
    torch.manual_seed(0)
    return lenet5_torch()


def digit():
    image = np.zeros((1, 28, 28), dtype=np.float32)
    image[0, 6:22, 13:15] = 1.0  # a vertical stroke, a "1"
    return image


def texts(fig):
    return [t.get_text() for t in fig.findobj(Text)]


def maps(fig):
    return [im for im in fig.findobj(AxesImage) if im.get_gid() == "map"]


def score_bars(fig):
    return [p for p in fig.findobj(Rectangle) if p.get_gid() == "score"]


def test_layer_outputs_are_the_feature_maps_of_one_input(lenet):
    (c1, c2), scores = drawing.layer_outputs(lenet, digit(), [lenet[1], lenet[4]])
    assert c1.shape == (6, 28, 28) and c2.shape == (16, 10, 10) and scores.shape == (10,)
    assert c1.min() >= 0 and c2.min() >= 0  # taken after the ReLUs
    with torch.no_grad():
        expected = lenet(torch.as_tensor(digit())[None])[0].numpy()
    assert np.allclose(scores, expected)
    batched, _ = drawing.layer_outputs(lenet, digit()[None], [lenet[0]])
    assert np.allclose(batched[0][None], lenet[0](torch.as_tensor(digit())[None]).detach())


def test_layer_outputs_leave_the_model_in_its_mode(lenet):
    lenet.train()
    drawing.layer_outputs(lenet, digit(), [lenet[1]])
    assert lenet.training
    lenet.eval()
    drawing.layer_outputs(lenet, digit(), [lenet[1]])
    assert not lenet.training


def test_layer_outputs_refuse_a_batch_and_a_foreign_layer(lenet):
    with pytest.raises(ValueError, match="one input"):
        drawing.layer_outputs(lenet, np.zeros((2, 1, 28, 28)), [lenet[1]])
    with pytest.raises(ValueError, match="not a submodule"):
        drawing.layer_outputs(lenet, digit(), [nn.ReLU()])


def test_sequential_steps_name_the_layers_between_the_drawn_ones(lenet):
    assert drawing.sequential_steps(lenet, [lenet[1], lenet[4]]) == [
        "5×5 conv, 6 · ReLU",
        "2×2 max pool /2\n5×5 conv, 16 · ReLU",
        "2×2 max pool /2\n5×5 conv, 120 · ReLU\nFC 84 · ReLU\nFC 10",  # flatten left out
    ]
    assert drawing.sequential_steps(lenet, [lenet[4], lenet[1]]) is None  # not in order
    assert drawing.sequential_steps(nn.ModuleList([nn.ReLU()]), []) is None


def test_stages_draw_every_map_a_bar_per_class_and_the_real_sizes(lenet):
    fig = drawing.feature_map_stages(lenet, digit(), [lenet[1], lenet[4]],
                                     names=["C1의 특징 맵", "C2의 특징 맵"], title="그림 4-2")
    assert len(maps(fig)) == 6 + 16
    bars = score_bars(fig)
    assert len(bars) == 10
    _, scores = drawing.layer_outputs(lenet, digit(), [lenet[1]])
    top = int(np.argmax(scores))
    red = matplotlib.colors.to_rgba("tab:red")
    assert [i for i, bar in enumerate(bars) if bar.get_facecolor() == red] == [top]
    labels = texts(fig)
    assert "입력\n28×28" in labels
    assert "C1의 특징 맵\n6×28×28" in labels and "C2의 특징 맵\n16×10×10" in labels
    assert "부류 점수\n10" in labels and f"가장 큰 점수: {top}" in labels
    assert "5×5 conv, 6 · ReLU" in labels and "그림 4-2" in labels


def test_each_map_has_its_own_scale_from_zero(lenet):
    fig = drawing.feature_map_stages(lenet, digit(), [lenet[1]])
    (c1,), _ = drawing.layer_outputs(lenet, digit(), [lenet[1]])
    for image, fmap in zip(maps(fig), c1, strict=True):
        low, high = image.get_clim()
        assert low == 0 and high == pytest.approx(max(fmap.max(), 1e-12))


def test_a_vector_output_is_drawn_as_bars_and_steps_can_be_left_out(lenet):
    fig = drawing.feature_map_stages(lenet, digit(), [lenet[1], lenet[10]], steps=False,
                                     classes=list("abcdefghij"))
    assert len(maps(fig)) == 6
    assert len(score_bars(fig)) == 10
    assert "ReLU\n84" in texts(fig)  # the default name is the layer's class
    assert not any("conv" in t for t in texts(fig))


def test_stages_check_their_arguments(lenet):
    with pytest.raises(ValueError, match="one name per layer"):
        drawing.feature_map_stages(lenet, digit(), [lenet[1]], names=["C1", "C2"])
    with pytest.raises(ValueError, match="10 scores"):
        drawing.feature_map_stages(lenet, digit(), [lenet[1]], classes=range(9))
    with pytest.raises(ValueError, match="a text per arrow"):
        drawing.feature_map_stages(lenet, digit(), [lenet[1]], steps=["a"])
