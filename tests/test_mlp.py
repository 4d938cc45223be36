import pytest
import torch
from torch import nn

from dlbasics.mlp import deep_mlp, mlp


def kinds(net):
    return [type(m).__name__ for m in net]


def test_mlp_layers_and_zero_biases():
    net = mlp([784, 32, 16, 10])
    assert kinds(net) == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    assert [m.out_features for m in net if isinstance(m, nn.Linear)] == [32, 16, 10]
    assert all(not m.bias.any() for m in net if isinstance(m, nn.Linear))
    assert net(torch.zeros(3, 784)).shape == (3, 10)


def test_dropout_follows_every_hidden_activation_and_acts_only_in_training():
    net = mlp([20, 50, 50, 5], activation="sigmoid", dropout=0.5)
    assert kinds(net) == ["Linear", "Sigmoid", "Dropout", "Linear", "Sigmoid", "Dropout", "Linear"]
    x = torch.ones(4, 20)
    net.eval()
    assert torch.equal(net(x), net(x))
    net.train()
    torch.manual_seed(0)
    assert not torch.equal(net(x), net(x))


def test_default_init_is_he_for_relu_and_xavier_otherwise():
    torch.manual_seed(0)
    assert mlp([1000, 1000])[0].weight.std().item() == pytest.approx((2 / 1000) ** 0.5, rel=0.02)
    assert mlp([1000, 1000], "tanh")[0].weight.std().item() == pytest.approx(
        (2 / 2000) ** 0.5, rel=0.02)


@pytest.mark.parametrize("kwargs, message", [
    ({"sizes": [5]}, "sizes"), ({"sizes": [5, 0]}, "sizes"),
    ({"sizes": [5, 2], "activation": "step"}, "activation"),
    ({"sizes": [5, 2], "init": "orthogonal"}, "init"),
    ({"sizes": [5, 2], "dropout": 1.0}, "dropout"),
])
def test_bad_arguments_name_what_is_expected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        mlp(**kwargs)


def test_deep_mlp_has_depth_linear_layers():
    net = deep_mlp(10, "sigmoid", width=8, in_features=6, out_features=3)
    linears = [m for m in net if isinstance(m, nn.Linear)]
    assert len(linears) == 10 and linears[0].in_features == 6 and linears[-1].out_features == 3
    with pytest.raises(ValueError, match="depth"):
        deep_mlp(1, "relu")
