"""수치 미분으로 그레이디언트 검사 (gradient checking by centred finite differences)."""

import numpy as np


def numerical_gradient(f, x, eps=1e-6):
    """∂f/∂x by centred differences; ``f()`` reads ``x``, which is changed and restored in place."""
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"x must be a float array, got {x.dtype}")
    grad = np.zeros_like(x, dtype=np.float64)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + eps
        f_plus = f()
        x[idx] = old - eps
        f_minus = f()
        x[idx] = old
        grad[idx] = (f_plus - f_minus) / (2 * eps)
    return grad


def rel_error(a, b):
    """‖a − b‖ / (‖a‖ + ‖b‖): about 1e-7 or less means two float64 gradients agree.

    Norms rather than element-wise ratios, so that entries that are almost zero in both
    arrays do not blow the error up.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"cannot compare shapes {a.shape} and {b.shape}")
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    return float(np.linalg.norm(a - b) / scale) if scale > 0 else 0.0
