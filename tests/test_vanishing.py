import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from dlbasics import use_korean_font  # noqa: E402
from dlbasics.curves import plot_gradient_norms  # noqa: E402
from dlbasics.mlp import deep_mlp  # noqa: E402
from dlbasics.vanishing import gradient_norms, vanishing_figure  # noqa: E402


def data(n=128, d=50, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, d)).astype(np.float32), rng.integers(0, 10, n)


def test_gradient_norms_has_one_entry_per_layer_and_matches_autograd():
    X, y = data()
    torch.manual_seed(0)
    net = deep_mlp(4, "relu", width=16, in_features=50)
    norms = gradient_norms(net, X, y)
    assert norms.shape == (4,)
    last = net[-1]
    dU = torch.cat([last.bias.grad[:, None], last.weight.grad], dim=1)  # U^L = [bias | weight]
    assert norms[-1] == pytest.approx(dU.norm().item())
    assert norms[-1] > last.weight.grad.norm().item()  # the bias gradient counts


def test_sigmoid_gradients_vanish_and_relu_gradients_do_not():
    X, y = data()
    torch.manual_seed(0)
    sigmoid = gradient_norms(deep_mlp(10, "sigmoid", in_features=50), X, y)
    relu = gradient_norms(deep_mlp(10, "relu", in_features=50), X, y)
    assert sigmoid[0] / sigmoid[-1] < 1e-3
    assert relu[0] / relu[-1] > 0.1


def test_gradient_norms_rejects_images():
    X, y = data()
    with pytest.raises(ValueError, match=r"\(N, in_features\)"):
        gradient_norms(deep_mlp(3, "relu", in_features=50), X.reshape(128, 1, 5, 10), y)


def test_vanishing_figure_plots_one_line_per_activation_on_a_log_axis():
    use_korean_font()
    X, y = data()
    fig, norms = vanishing_figure(X, y, depth=6, activations=("sigmoid", "tanh", "relu"))
    ax = fig.axes[0]
    assert list(norms) == ["sigmoid", "tanh", "relu"] and all(len(v) == 6 for v in norms.values())
    assert ax.get_yscale() == "log" and len(ax.get_lines()) == 3
    assert "6층" in ax.get_title()
    plt.close(fig)


def test_plot_gradient_norms_draws_on_a_given_axis():
    use_korean_font()
    fig, ax = plt.subplots()
    assert plot_gradient_norms({"a": np.array([1e-4, 1e-2, 1.0])}, ax) is ax
    np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), [1, 2, 3])
    plt.close(fig)
