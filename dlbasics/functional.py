"""활성함수와 목적함수 (activations τ and their derivatives τ', losses) in NumPy.

Rows are samples: ``s`` has shape (N, n) for a minibatch of N samples with n nodes.
"""

import numpy as np


def step(s):
    """계단함수 (step): 1 where s > 0, else 0."""
    return (s > 0).astype(np.result_type(s, np.float32))


def step_grad(s):
    """The step's derivative is 0 wherever it exists; at s = 0, where it does not exist, we
    take 0 as well. So τ' = 0 everywhere and no gradient flows back."""
    return np.zeros_like(s, dtype=np.result_type(s, np.float32))


def sigmoid(s):
    """로지스틱 시그모이드 τ(s) = 1 / (1 + e^{-s}), computed without overflow."""
    s = np.asarray(s)
    e = np.exp(-np.abs(s))
    return np.where(s >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_grad(s):
    """τ'(s) = τ(s)(1 - τ(s)); its largest value is τ'(0) = 0.25, which is why the gradient
    of a deep sigmoid net vanishes."""
    z = sigmoid(s)
    return z * (1 - z)


def tanh(s):
    """τ(s) = tanh(s) = (e^s − e^{-s}) / (e^s + e^{-s})."""
    return np.tanh(s)


def tanh_grad(s):
    """τ'(s) = 1 − tanh²(s); its largest value is τ'(0) = 1."""
    return 1 - np.tanh(s) ** 2


def relu(s):
    """ReLU τ(s) = max(0, s)."""
    return np.maximum(s, 0)


def relu_grad(s):
    """τ'(s) = 1 for s > 0, else 0. At the kink s = 0 we take τ'(0) = 0, as PyTorch does."""
    return (np.asarray(s) > 0).astype(np.result_type(s, np.float32))


def identity(s):
    """τ(s) = s (a linear output layer)."""
    return s


def identity_grad(s):
    """τ'(s) = 1 everywhere."""
    return np.ones_like(s, dtype=np.result_type(s, np.float32))


ACTIVATIONS = {
    "step": (step, step_grad),
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (tanh, tanh_grad),
    "relu": (relu, relu_grad),
    "identity": (identity, identity_grad),
}


def activation(name):
    """Return the pair (τ, τ') for an activation name such as 'relu'."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(f"unknown activation {name!r}; expected one of {sorted(ACTIVATIONS)}") \
            from None


def softmax(s, axis=-1):
    """softmax along ``axis``, shifted by the maximum so that exp never overflows."""
    e = np.exp(s - np.max(s, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(s, axis=-1):
    shifted = s - np.max(s, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def one_hot(y, c):
    """Labels (N,) in 0..c-1 to one-hot rows (N, c) of float64."""
    y = np.asarray(y)
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"labels must be a 1-D integer array, got shape {y.shape} {y.dtype}")
    if y.size and (y.min() < 0 or y.max() >= c):
        raise ValueError(f"labels must lie in 0..{c - 1}, got {y.min()}..{y.max()}")
    return np.eye(c)[y]


def _check_pair(o, y):
    if o.shape != y.shape:
        raise ValueError(f"outputs o {o.shape} and targets y {y.shape} must have the same shape")


def mse(o, y):
    """평균제곱오차: J = (1/N) Σ_samples ½‖y − o‖², the note's MSE averaged over the batch."""
    _check_pair(o, y)
    return 0.5 * np.sum((y - o) ** 2) / len(o)


def mse_grad(o, y):
    """∂J/∂o = −(y − o)/N."""
    _check_pair(o, y)
    return -(y - o) / len(o)


def cross_entropy(s, y):
    """교차 엔트로피 of softmax(s) against integer labels y, averaged over the batch."""
    s = np.asarray(s)
    if s.ndim != 2 or len(s) != len(y):
        raise ValueError(f"scores must be (N, c) with N = len(y) = {len(y)}, got {s.shape}")
    return -np.mean(log_softmax(s)[np.arange(len(y)), y])


def cross_entropy_grad(s, y):
    """∂J/∂s = (softmax(s) − onehot(y))/N: softmax and cross entropy differentiate together."""
    return (softmax(s) - one_hot(y, s.shape[1])) / len(y)
