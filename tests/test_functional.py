import numpy as np
import pytest
import torch

from dlbasics import functional as F
from dlbasics.gradcheck import numerical_gradient, rel_error

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "identity"])
def test_activation_derivative_matches_finite_differences(name):
    tau, tau_grad = F.activation(name)
    s = RNG.normal(size=(4, 5))
    s[np.abs(s) < 1e-3] = 0.5  # keep ReLU's kink away from the finite-difference step
    numeric = numerical_gradient(lambda: tau(s).sum(), s)
    assert rel_error(tau_grad(s), numeric) < 1e-8


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu"])
def test_activations_match_torch(name):
    s = RNG.normal(size=(3, 7)) * 5
    tau, _ = F.activation(name)
    expected = getattr(torch, name)(torch.from_numpy(s)).numpy()
    np.testing.assert_allclose(tau(s), expected, rtol=1e-12, atol=1e-15)


def test_sigmoid_does_not_overflow_and_its_slope_is_at_most_a_quarter():
    s = np.array([-1000.0, -30.0, 0.0, 30.0, 1000.0])
    with np.errstate(over="raise"):
        z = F.sigmoid(s)
    assert z[0] == 0 and z[-1] == 1 and z[2] == 0.5
    assert F.sigmoid_grad(np.linspace(-10, 10, 101)).max() == 0.25


def test_step_has_no_gradient():
    s = np.array([-1.0, 0.0, 2.0])
    assert F.step(s).tolist() == [0, 0, 1] and not F.step_grad(s).any()


def test_unknown_activation_lists_the_known_ones():
    with pytest.raises(ValueError, match="relu"):
        F.activation("gelu")


def test_softmax_and_cross_entropy_match_torch():
    s = RNG.normal(size=(6, 10)) * 10
    y = RNG.integers(0, 10, size=6)
    np.testing.assert_allclose(F.softmax(s), torch.softmax(torch.from_numpy(s), 1).numpy())
    ts = torch.from_numpy(s).requires_grad_()
    loss = torch.nn.functional.cross_entropy(ts, torch.from_numpy(y))
    loss.backward()
    assert abs(F.cross_entropy(s, y) - loss.item()) < 1e-12
    assert rel_error(F.cross_entropy_grad(s, y), ts.grad.numpy()) < 1e-12


def test_softmax_survives_huge_scores():
    assert np.isfinite(F.softmax(np.array([[1e4, 0.0, -1e4]]))).all()


def test_mse_and_its_gradient():
    o, y = RNG.normal(size=(5, 3)), RNG.normal(size=(5, 3))
    assert np.isclose(F.mse(o, y), 0.5 * ((y - o) ** 2).sum() / 5)
    assert rel_error(F.mse_grad(o, y), numerical_gradient(lambda: F.mse(o, y), o)) < 1e-8
    with pytest.raises(ValueError, match=r"\(5, 3\).*\(5, 2\)"):
        F.mse(o, y[:, :2])


def test_one_hot_checks_its_labels():
    assert F.one_hot(np.array([2, 0]), 3).tolist() == [[0, 0, 1], [1, 0, 0]]
    with pytest.raises(ValueError, match="0..2"):
        F.one_hot(np.array([3]), 3)
    with pytest.raises(ValueError, match="1-D integer"):
        F.one_hot(np.array([0.5]), 3)


def test_cross_entropy_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match=r"\(N, c\)"):
        F.cross_entropy(np.zeros(10), np.array([1]))


# ---- τ' at the edge points its docstring names ---------------------------------------------

@pytest.mark.parametrize("s", [0, 0.0, -0.0, np.zeros(3), np.zeros((2, 2), np.float32)])
def test_relu_grad_is_zero_at_zero(s):
    assert not np.any(F.relu_grad(s)), "τ'(0) of ReLU must be 0, as in PyTorch"
    assert np.all(F.relu_grad(np.asarray(s) + 1e-12) == 1)  # just right of the kink: 1
    assert not np.any(F.relu_grad(np.asarray(s) - 1e-12))  # just left of it: 0


def test_relu_grad_at_zero_is_torchs():
    s = torch.tensor([-1.0, 0.0, 1.0], dtype=torch.float64, requires_grad=True)
    torch.relu(s).sum().backward()
    np.testing.assert_array_equal(F.relu_grad(s.detach().numpy()), s.grad.numpy())


@pytest.mark.parametrize("name, at_zero", [("step", 0.0), ("sigmoid", 0.25), ("tanh", 1.0),
                                           ("relu", 0.0), ("identity", 1.0)])
def test_activation_derivatives_at_zero(name, at_zero):
    _, tau_grad = F.activation(name)
    assert float(tau_grad(0.0)) == at_zero
    np.testing.assert_array_equal(tau_grad(np.zeros((2, 3))), np.full((2, 3), at_zero))


def test_sigmoid_and_tanh_slopes_are_largest_at_zero():
    s = np.linspace(-6, 6, 1201)  # contains 0
    assert s[np.argmax(F.sigmoid_grad(s))] == 0 and s[np.argmax(F.tanh_grad(s))] == 0
