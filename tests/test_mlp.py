import pytest
import torch
from torch import nn

from dlbasics.mlp import deep_mlp, init_std, mlp


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


@pytest.mark.parametrize("activation, std", [("relu", (2 / 1000) ** 0.5),
                                             ("sigmoid", (2 / (1000 + 250)) ** 0.5)])
def test_init_std_uses_fan_in_for_he_and_fan_in_plus_fan_out_for_xavier(activation, std):
    """The formulas chapter 4.1 states, on a non-square layer where the two differ."""
    torch.manual_seed(0)
    assert mlp([1000, 250], activation)[0].weight.std().item() == pytest.approx(std, rel=0.02)


@pytest.mark.parametrize("init, torch_init", [("he", nn.init.kaiming_normal_),
                                              ("xavier", nn.init.xavier_normal_)])
def test_init_draws_exactly_what_torchs_own_initialisers_draw(init, torch_init):
    """The chapter writes the two formulas out; PyTorch's initialisers draw the same weights,
    bit for bit, from the same random state (so the chapter's numbers did not change)."""
    sizes = [784, 256, 64, 10]
    torch.manual_seed(0)
    ours = [m for m in mlp(sizes, "relu", init) if isinstance(m, nn.Linear)]
    torch.manual_seed(0)
    for mine, n_in, n_out in zip(ours, sizes[:-1], sizes[1:], strict=True):
        reference = nn.Linear(n_in, n_out)  # draws torch's default first, as linear_layer does
        torch_init(reference.weight)
        assert torch.equal(mine.weight, reference.weight)
        assert not mine.bias.any()
    assert init_std("he", 784, 256) == pytest.approx((2 / 784) ** 0.5, rel=1e-15)
    assert init_std("xavier", 784, 256) == pytest.approx((2 / (784 + 256)) ** 0.5, rel=1e-15)
    with pytest.raises(ValueError, match="init"):
        init_std("lecun", 10, 10)


def test_dropout_masks_each_sample_and_scales_the_kept_outputs_by_one_over_one_minus_p():
    """Chapter 4.1: masks are drawn per sample (not per minibatch), kept outputs × 1/(1 − p)."""
    torch.manual_seed(0)
    hidden = mlp([8, 64, 3], dropout=0.25)[:3]  # Linear, ReLU, Dropout
    x = torch.randn(1, 8).repeat(16, 1)  # 16 copies of one sample
    hidden.eval()
    clean = hidden(x)
    hidden.train()
    dropped = hidden(x)
    kept = dropped != 0
    assert torch.allclose(dropped[kept], (clean / 0.75)[kept])
    assert len({tuple(row) for row in kept.tolist()}) > 1, "every sample gets its own mask"


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
