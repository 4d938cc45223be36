import subprocess
import sys
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from dlbasics import functional as F  # noqa: E402
from dlbasics import use_korean_font  # noqa: E402
from dlbasics.dmlp import (  # noqa: E402
    DMLP,
    algorithm_4_1,
    algorithm_4_1_loop,
    init_weights,
    num_parameters,
    sgd_runs,
    train,
    with_bias,
)
from dlbasics.dmlp_tools import sgd_figure, torch_gradient, torch_loss  # noqa: E402
from dlbasics.gradcheck import rel_error  # noqa: E402

CONFIGS = [("sigmoid", "sigmoid", "mse"), ("tanh", "identity", "mse"),
           ("relu", "softmax", "cross_entropy"), ("sigmoid", "softmax", "cross_entropy")]


def make(config, sizes=(5, 4, 3, 3), seed=0):
    rng = np.random.default_rng(seed)
    net = DMLP.create(list(sizes), rng, *config)
    X = rng.normal(size=(6, sizes[0]))
    Y = F.one_hot(rng.integers(0, sizes[-1], 6), sizes[-1])
    return net, X, Y


def blobs(n=300, seed=0):
    """Three well separated Gaussian clouds in 2-D."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    centres = np.array([[0.0, 4.0], [4.0, -2.0], [-4.0, -2.0]])
    return (centres[y] + rng.normal(size=(n, 2))).astype(np.float32), y


# ---- structure -----------------------------------------------------------------------------

def test_init_weights_has_the_notes_shapes_and_zero_biases():
    U = init_weights([784, 256, 10], np.random.default_rng(0))
    assert list(U) == [1, 2]
    assert U[1].shape == (256, 785) and U[2].shape == (10, 257)
    assert not U[1][:, 0].any() and not U[2][:, 0].any()
    assert U[1][:, 1:].std() == pytest.approx(np.sqrt(2 / 784), rel=0.02)  # He


def test_init_weights_xavier_and_a_fixed_std():
    rng = np.random.default_rng(0)
    assert init_weights([400, 600], rng, "xavier")[1][:, 1:].std() == pytest.approx(
        np.sqrt(2 / 1000), rel=0.02)
    assert init_weights([400, 600], rng, 0.01)[1][:, 1:].std() == pytest.approx(0.01, rel=0.02)
    with pytest.raises(ValueError, match="method"):
        init_weights([3, 2], rng, "lecun")


def test_num_parameters_counts_biases():
    assert num_parameters([784, 256, 128, 10]) == 256 * 785 + 128 * 257 + 10 * 129 == 235146
    assert DMLP.create([4, 3, 2], np.random.default_rng(0)).num_parameters == 3 * 5 + 2 * 4
    with pytest.raises(ValueError, match="sizes"):
        num_parameters([5])


def test_with_bias_puts_a_one_in_front():
    np.testing.assert_array_equal(with_bias(np.array([[2.0, 3.0]])), [[1.0, 2.0, 3.0]])
    np.testing.assert_array_equal(with_bias(np.array([5.0])), [1.0, 5.0])


def test_bad_weights_and_settings_are_rejected_with_the_expected_shape():
    U = init_weights([4, 3, 2], np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"U\^2 must have shape \(n_2, n_1 \+ 1\) = \(n_2, 4\)"):
        DMLP({1: U[1], 2: U[2][:, :3]})
    with pytest.raises(ValueError, match=r"U\^1 must be a matrix .* got shape \(5,\)"):
        DMLP({1: U[1][0], 2: U[2]})
    with pytest.raises(ValueError, match="keys 1..L"):
        DMLP({0: U[1], 1: U[2]})
    with pytest.raises(ValueError, match="softmax"):
        DMLP(U, output="sigmoid", loss="cross_entropy")
    with pytest.raises(ValueError, match="loss"):
        DMLP(U, loss="hinge")
    with pytest.raises(ValueError, match="activation"):
        DMLP(U, hidden="swish")


def test_repr_and_sizes():
    net = DMLP.create([784, 64, 10], np.random.default_rng(0))
    assert net.sizes == [784, 64, 10] and net.L == 2
    assert repr(net) == ("DMLP(sizes=[784, 64, 10], hidden='relu', output='softmax', "
                         "loss='cross_entropy')")


# ---- forward -------------------------------------------------------------------------------

@pytest.mark.parametrize("config", CONFIGS + [("step", "sigmoid", "mse")])
def test_node_by_node_forward_equals_the_vectorised_one(config):
    net, X, _ = make(config)
    s, z = net.forward(X)
    for i, x in enumerate(X):
        s_loop, z_loop = net.forward_loop(x)
        for l in range(1, net.L + 1):
            np.testing.assert_allclose(s_loop[l], s[l][i], rtol=1e-13, atol=1e-15)
        for l in range(net.L + 1):
            np.testing.assert_allclose(z_loop[l], z[l][i], rtol=1e-13, atol=1e-15)


def test_forward_keeps_the_constant_node_and_layer_shapes():
    net, X, _ = make(CONFIGS[2])
    s, z = net.forward(X)
    assert [s[l].shape for l in s] == [(6, 4), (6, 3), (6, 3)]
    assert [z[l].shape for l in z] == [(6, 6), (6, 5), (6, 4), (6, 4)]
    assert all((z[l][:, 0] == 1).all() for l in z)
    np.testing.assert_allclose(net.predict(X).sum(axis=1), 1.0)  # softmax outputs
    np.testing.assert_allclose(z[1][:, 1:], F.relu(with_bias(X) @ net.U[1].T))


def test_forward_rejects_bad_inputs_naming_the_expected_shape():
    net, X, _ = make(CONFIGS[0])
    with pytest.raises(ValueError, match=r"X must have shape \(N, n_0\) = \(N, 5\)"):
        net.forward(X[:, :4])
    with pytest.raises(ValueError, match="flatten"):
        net.forward(np.zeros((2, 1, 5, 1)))
    with pytest.raises(ValueError, match=r"shape \(5,\)"):
        net.forward_loop(X[:2])
    korean = r"X의 모양은 \(N, n_0\) = \(N, 5\)이어야 합니다: \(6, 4\)"
    with pytest.raises(ValueError, match=korean):  # the message is in Korean and in English
        net.forward(X[:, :4])
    with pytest.raises(ValueError, match=r"x는 샘플 하나, 모양 \(5,\)"):
        net.forward_loop(X[:2])


# ---- backward ------------------------------------------------------------------------------

@pytest.mark.parametrize("config", CONFIGS)
def test_backpropagation_matches_finite_differences(config):
    net, X, Y = make(config)
    analytic, numeric = net.gradient(X, Y), net.numerical_gradient(X, Y)
    for l in net.U:
        assert analytic[l].shape == net.U[l].shape
        assert rel_error(analytic[l], numeric[l]) < 1e-6, f"U^{l}"


@pytest.mark.parametrize("config", CONFIGS)
def test_loss_and_gradients_agree_with_torch_autograd_in_float64(config):
    net, X, Y = make(config, sizes=(7, 6, 5, 4))
    J, grad = torch_gradient(net.to_torch(torch.float64), X, Y, net.loss_name)
    assert abs(J - net.loss(X, Y)) < 1e-12
    mine = net.gradient(X, Y)
    for l in net.U:
        assert rel_error(mine[l], grad[l]) < 1e-10, f"U^{l}"


def test_a_wrong_gradient_fails_the_check():
    net, X, Y = make(CONFIGS[0])
    wrong = net.gradient(X, Y)[1] * 1.01
    assert rel_error(wrong, net.numerical_gradient(X, Y)[1]) > 1e-3


@pytest.mark.parametrize("config", CONFIGS)
def test_per_sample_accumulation_equals_the_batch_gradient(config):
    net, X, Y = make(config)
    dU = {l: np.zeros_like(U) for l, U in net.U.items()}
    for x, y in zip(X, Y, strict=True):
        s, z = net.forward_loop(x)
        net.backward_loop(s, z, y, dU)
    batch = net.gradient(X, Y)
    for l in net.U:
        np.testing.assert_allclose(dU[l] / len(X), batch[l], rtol=1e-12, atol=1e-15)


def test_output_delta_is_the_functional_modules_loss_gradient():
    net, X, Y = make(CONFIGS[2])
    s, z = net.forward(X)
    dJ_ds = F.cross_entropy_grad(s[net.L], Y.argmax(1))  # = −δ^L / N
    np.testing.assert_allclose(net.gradient(X, Y)[net.L], dJ_ds.T @ z[net.L - 1])
    net, X, Y = make(CONFIGS[0])
    s, z = net.forward(X)
    dJ_ds = F.mse_grad(z[net.L][:, 1:], Y) * F.sigmoid_grad(s[net.L])
    np.testing.assert_allclose(net.gradient(X, Y)[net.L], dJ_ds.T @ z[net.L - 1])


def test_step_activation_passes_no_gradient_to_hidden_layers():
    net, X, Y = make(("step", "sigmoid", "mse"))
    grad = net.gradient(X, Y)
    assert not grad[1].any() and not grad[2].any() and grad[3].any()
    net, X, Y = make(("step", "step", "mse"))
    assert not any(g.any() for g in net.gradient(X, Y).values())


def test_targets_must_be_one_hot_rows_of_the_output_size():
    net, X, Y = make(CONFIGS[2])
    with pytest.raises(ValueError, match=r"\(6, 3\)"):
        net.loss(X, Y[:, :2])
    with pytest.raises(ValueError, match="one_hot"):
        net.gradient(X, Y[:5])
    with pytest.raises(ValueError, match=r"Y는 원핫 목푯값, 모양 \(N, n_L\) = \(6, 3\)"):
        net.gradient(X, Y[:, :2])
    s, z = net.forward_loop(X[0])
    dU = {l: np.zeros_like(U) for l, U in net.U.items()}
    with pytest.raises(ValueError, match=r"y must be one sample of shape \(3,\), got \(2,\)"):
        net.backward_loop(s, z, Y[0, :2], dU)


# ---- Algorithm 4-1 -------------------------------------------------------------------------

@pytest.mark.parametrize("config", CONFIGS[:3])
def test_algorithm_line_by_line_equals_the_vectorised_one(config):
    start, _, _ = make(config)
    rng = np.random.default_rng(1)
    X = rng.normal(size=(20, 5))
    Y = F.one_hot(rng.integers(0, 3, 20), 3)
    by_lines, vectorised = start.copy(), start.copy()
    algorithm_4_1_loop(by_lines, X, Y, rho=0.5, t=4, steps=3, rng=np.random.default_rng(2))
    algorithm_4_1(vectorised, X, Y, rho=0.5, t=4, steps=3, rng=np.random.default_rng(2))
    for l in start.U:
        assert not np.allclose(by_lines.U[l], start.U[l])
        np.testing.assert_allclose(by_lines.U[l], vectorised.U[l], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("N, t", [(50, 8), (48, 8), (30, 30)])
def test_one_epoch_of_train_is_algorithm_4_1_for_N_over_t_updates(N, t):
    """train: one epoch = Algorithm 4-1 run for exactly N // t steps, from the same weights
    and the same random stream (N // t − 1 or N // t + 1 updates give other weights)."""
    X, y = blobs(N)
    Y = F.one_hot(y, 3)
    start = DMLP.create([2, 6, 3], np.random.default_rng(3))
    trained, rng_train = start.copy(), np.random.default_rng(5)
    train(trained, X, y, rho=0.3, t=t, epochs=1, rng=rng_train)

    def same_as_trained(net):
        return all(np.array_equal(net.U[l], trained.U[l]) for l in start.U)

    for steps in (N // t - 1, N // t + 1):  # the test tells one update more or less apart
        other = algorithm_4_1(start.copy(), X, Y, 0.3, t, steps, np.random.default_rng(5))
        assert not same_as_trained(other), (f"one epoch of train equals {steps} updates of "
                                            f"Algorithm 4-1, not N // t = {N // t}")
    reference, rng_reference = start.copy(), np.random.default_rng(5)
    algorithm_4_1(reference, X, Y, rho=0.3, t=t, steps=N // t, rng=rng_reference)
    assert same_as_trained(reference), "one epoch of train is not N // t updates of Algorithm 4-1"
    # both drew exactly N // t minibatches: their random streams are at the same place
    assert rng_train.random() == rng_reference.random()


@pytest.mark.parametrize("module", ["dlbasics.dmlp", "dlbasics.dmlp_tools"])
def test_importing_dmlp_loads_neither_torch_nor_matplotlib(module):
    code = (f"import sys, {module}; "
            "print(sorted(m for m in ('torch', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", f"import {module} loads {out.stdout.strip()}"


def test_torch_activations_are_torch_modules():
    from dlbasics import dmlp_tools

    assert dmlp_tools.TORCH_ACTIVATIONS["relu"] is torch.nn.ReLU
    assert set(dmlp_tools.TORCH_ACTIVATIONS) == {"sigmoid", "tanh", "relu", "identity"}
    with pytest.raises(AttributeError, match="nothing"):
        dmlp_tools.nothing  # noqa: B018


def test_dmlp_is_generated_from_the_chapter_and_its_methods_are_the_chapters():
    """The DMLP that 4.1, the benchmarks and these tests import is the one 4.2 defines."""
    from dlbasics import dmlp
    from dlbasics.tools.collect import GENERATED

    assert Path(dmlp.__file__).read_text(encoding="utf-8").startswith(GENERATED)
    for name in ("create", "forward_loop", "forward", "predict", "accuracy", "loss",
                 "backward_loop", "backward", "gradient", "numerical_gradient"):
        assert getattr(DMLP, name).__module__ == "dlbasics.dmlp", name
    for name in ("to_torch", "from_torch", "copy"):  # the tools the chapter does not teach
        assert getattr(DMLP, name).__module__ == "dlbasics.dmlp_tools", name


def test_add_to_class_reaches_networks_made_before():
    """A method cell edited and re-run in the chapter changes the networks already made."""
    from dlbasics.dmlp import add_to_class

    class Net:
        pass

    net = Net()

    @add_to_class(Net)
    def double(self, x):
        return 2 * x

    assert net.double(3) == 6 and double is None


def test_different_minibatches_give_different_weights():
    start, X, Y = make(CONFIGS[0])
    a = algorithm_4_1(start.copy(), X, Y, 0.5, 2, 2, np.random.default_rng(0))
    b = algorithm_4_1(start.copy(), X, Y, 0.5, 2, 2, np.random.default_rng(1))
    assert not np.allclose(a.U[1], b.U[1])


def test_one_step_equals_torch_sgd():
    net, X, Y = make(CONFIGS[2])
    model = net.to_torch(torch.float64)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.3)
    optimizer.zero_grad()
    torch_loss(model(torch.as_tensor(X)), torch.as_tensor(Y), "cross_entropy").backward()
    optimizer.step()
    stepped = algorithm_4_1(net.copy(), X, Y, rho=0.3, t=len(X), steps=1,
                            rng=np.random.default_rng(0))
    after = DMLP.from_torch(model)
    for l in net.U:
        np.testing.assert_allclose(after.U[l], stepped.U[l], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("bad, message", [({"rho": 0.0}, "rho"), ({"t": 7}, "1..N = 1..6"),
                                          ({"t": 2.0}, "int"), ({"steps": -1}, "steps")])
def test_algorithm_arguments_are_checked(bad, message):
    net, X, Y = make(CONFIGS[2])
    args = {"rho": 0.1, "t": 2, "steps": 1, **bad}
    for algorithm in (algorithm_4_1, algorithm_4_1_loop):
        with pytest.raises(ValueError, match=message):
            algorithm(net, X, Y, rng=np.random.default_rng(0), **args)


def test_train_learns_blobs_and_records_the_history():
    X, y = blobs()
    rng = np.random.default_rng(0)
    net = DMLP.create([2, 16, 3], rng, dtype=np.float32)
    history = train(net, X, y, rho=0.1, t=10, epochs=4, rng=rng, X_test=X, y_test=y)
    assert [len(v) for v in history.values()] == [4, 4, 4]
    assert history["loss"][-1] < history["loss"][0]
    assert history["test_acc"][-1] > 0.95 and net.accuracy(X, y) == history["test_acc"][-1]
    assert net.U[1].dtype == np.float32


def test_train_stops_quietly_when_the_loss_diverges():
    X, y = blobs()
    X = X * 1e3
    rng = np.random.default_rng(0)
    net = DMLP.create([2, 16, 3], rng, dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = train(net, X, y, rho=1e6, t=10, epochs=5, rng=rng)
    assert len(history["loss"]) < 5 and not np.isfinite(history["loss"][-1])


def test_sgd_runs_start_from_the_same_weights_and_the_explorer_plots():
    use_korean_font()
    X, y = blobs(120)
    runs = sgd_runs(X, y, X, y, [(0.1, 10), (0.1, 10), (0.01, 10)], sizes=[2, 8, 3], epochs=2)
    assert list(runs) == ["ρ=0.1, t=10", "ρ=0.01, t=10"]  # equal settings share a label
    again = sgd_runs(X, y, X, y, [(0.1, 10)], sizes=[2, 8, 3], epochs=2)
    assert again["ρ=0.1, t=10"] == runs["ρ=0.1, t=10"]
    fig, history = sgd_figure(X, y, X, y, rho=0.1, t=10, sizes=[2, 8, 3], epochs=2)
    assert len(fig.axes) == 2 and len(history["test_acc"]) == 2
    assert "ρ = 0.1" in fig._suptitle.get_text()
    plt.close(fig)


# ---- PyTorch -------------------------------------------------------------------------------

def test_to_torch_copies_weight_and_bias_and_from_torch_restores_them():
    net, X, _ = make(CONFIGS[0])
    model = net.to_torch(torch.float64)
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    assert isinstance(model[-1], torch.nn.Sigmoid)  # τ_L for MSE
    for l, linear in enumerate(linears, start=1):
        np.testing.assert_array_equal(linear.weight.detach().numpy(), net.U[l][:, 1:])
        np.testing.assert_array_equal(linear.bias.detach().numpy(), net.U[l][:, 0])
    np.testing.assert_allclose(model(torch.as_tensor(X)).detach().numpy(), net.predict(X))
    back = DMLP.from_torch(model, "sigmoid", "sigmoid", "mse")
    assert all(np.array_equal(back.U[l], net.U[l]) for l in net.U)


def test_torch_conversion_errors():
    net, _, _ = make(("step", "sigmoid", "mse"))
    with pytest.raises(ValueError, match="no torch module for activation 'step'"):
        net.to_torch()
    with pytest.raises(ValueError, match="nn.Linear"):
        DMLP.from_torch(torch.nn.Sequential(torch.nn.ReLU()))
    with pytest.raises(ValueError, match="loss"):
        torch_loss(torch.zeros(2, 2), torch.zeros(2, 2), "hinge")
