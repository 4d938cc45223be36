import numpy as np
import pytest

from dlbasics.gradcheck import numerical_gradient, rel_error


def test_numerical_gradient_of_a_quadratic_and_x_is_restored():
    A = np.array([[2.0, 1.0], [1.0, 3.0]])
    x = np.array([0.5, -1.5])
    before = x.copy()
    grad = numerical_gradient(lambda: 0.5 * x @ A @ x, x)
    np.testing.assert_allclose(grad, A @ x, rtol=1e-8)
    np.testing.assert_array_equal(x, before)


def test_numerical_gradient_needs_floats():
    with pytest.raises(TypeError, match="float"):
        numerical_gradient(lambda: 0.0, np.arange(3))


def test_rel_error_detects_a_wrong_gradient_and_ignores_tiny_entries():
    a = np.array([1.0, 2.0, 1e-13])
    assert rel_error(a, a * (1 + 1e-9)) < 1e-8
    assert rel_error(a, a + np.array([0, 0, 1e-13])) < 1e-8  # no blow-up on near-zero entries
    assert rel_error(a, -a) == 1.0
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0
    with pytest.raises(ValueError, match="shapes"):
        rel_error(np.zeros(2), np.zeros(3))
