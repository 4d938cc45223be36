import pytest
import torch
from torch import nn

from dlbasics.summary import conv_output_size, layer_rows, layer_table


def lenet5():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 120, 5), nn.ReLU(), nn.Flatten(),
        nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def test_layer_rows_give_lenet5_shapes_and_parameters():
    rows = layer_rows(lenet5(), (1, 28, 28))
    shapes = [shape for _, kind, shape, _ in rows if kind in ("Conv2d", "MaxPool2d")]
    assert shapes == [(6, 28, 28), (6, 14, 14), (16, 10, 10), (16, 5, 5), (120, 1, 1)]
    assert [p for *_, p in rows if p] == [156, 2416, 48120, 10164, 850]


def test_layer_table_totals_and_keeps_training_mode():
    net = lenet5().train()
    table = layer_table(net, (1, 28, 28))
    assert table.splitlines()[-1] == "합계 (total): 61,706"
    assert "16×5×5" in table and net.training


def test_nested_modules_are_listed_at_the_asked_depth():
    net = nn.Sequential(nn.Sequential(nn.Linear(4, 3), nn.ReLU()), nn.Linear(3, 2))
    assert [r[0] for r in layer_rows(net, (4,), depth=2)] == ["0.0", "0.1"]
    with pytest.raises(ValueError, match="depth 3"):
        layer_rows(net, (4,), depth=3)


def test_layer_rows_uses_the_network_device_and_removes_hooks():
    net = nn.Linear(2, 2)
    layer_rows(nn.Sequential(net), (2,))
    assert not net._forward_hooks
    assert torch.equal(net(torch.ones(1, 2)), net(torch.ones(1, 2)))


@pytest.mark.parametrize(("n", "h", "s", "p", "out"), [
    (28, 5, 1, 2, 28), (28, 2, 2, 0, 14), (14, 5, 1, 0, 10), (224, 11, 4, 2, 55), (5, 5, 1, 0, 1)])
def test_conv_output_size(n, h, s, p, out):
    assert conv_output_size(n, h, s, p) == out


def test_conv_output_size_rejects_a_kernel_larger_than_the_padded_input():
    with pytest.raises(ValueError, match="larger than the padded input"):
        conv_output_size(3, 7, 1, 1)
