"""콘볼루션을 강의 노트의 식 그대로 반복문으로 (readable loops that follow the note's formula).

These functions are slow on purpose: every multiply-add of

    s(i)    = Σ_x z(i+x) u(x)                      (1차원)
    s(j, i) = Σ_y Σ_x z(j+y, i+x) u(y, x)          (2차원)

is one line of Python, with y, x running from −(h−1)/2 to (h−1)/2 around the centre (j, i), as
in the note. Like PyTorch, this is cross-correlation: the kernel is not flipped. The fast
version is :func:`dlbasics.numpy_nn.conv2d`; the chapter checks that both agree.

:func:`conv2d_loops_backward` is the backward pass in the same style. It takes the upstream
gradient dout(j, i) = ∂J/∂s(j, i), the sign torch's autograd passes to ``backward`` (in the
note's notation dout = −δ, since δ = −∂J/∂s), and returns dz, du, db with the three formulas
of chapter 4.3.1 §10:

    ∂J/∂u(y, x)   = Σ_j Σ_i dout(j, i) z(j+y, i+x)
    ∂J/∂b         = Σ_j Σ_i dout(j, i)
    ∂J/∂z(j', i') = Σ_y Σ_x dout(j'−y, i'−x) u(y, x)    (dout with the flipped kernel, stride 1)

With a stride or padding, ∂J/∂z is accumulated on the padded input, centre by centre, and then
routed back to the unpadded input.
"""

import numpy as np

from .numpy_nn import pad2d


def _half_width(h):
    """(h − 1)/2 for an odd kernel size h: the note's kernels are centred on a node."""
    if h % 2 == 0:
        raise ValueError(f"the note's centred formula needs an odd kernel size h, got h={h}")
    return (h - 1) // 2


def conv1d_loops(z, u, b=0.0, stride=1, padding=0, padding_mode="zeros"):
    """1차원 콘볼루션 s(i) = b + Σ_{x=−(h−1)/2}^{(h−1)/2} z(i+x)·u(x).

    z: (n,), u: (h,) with odd h → s: (floor((n + 2p − h)/stride) + 1,).
    """
    z, u = np.asarray(z, dtype=float), np.asarray(u, dtype=float)
    if z.ndim != 1 or u.ndim != 1:
        raise ValueError(f"expected z of shape (n,) and u of shape (h,), got {z.shape}, {u.shape}")
    r = _half_width(len(u))
    zp = pad2d(z[None, :], (0, padding), padding_mode)[0]
    s = []
    for i in range(r, len(zp) - r, stride):          # i: 커널 중심의 위치
        total = b
        for x in range(-r, r + 1):
            total += zp[i + x] * u[x + r]            # z(i+x) u(x)
        s.append(total)
    return np.array(s)


def _as_tensor_and_kernel(z, u):
    """z (m, n) with u (h, h), or z (k, m, n) with u (k, h, h), as floats (k, m, n), (k, h, h)."""
    z, u = np.asarray(z, dtype=float), np.asarray(u, dtype=float)
    if z.ndim == 2 and u.ndim == 2:
        z, u = z[None], u[None]
    if z.ndim != 3 or u.ndim != 3 or len(z) != len(u) or u.shape[1] != u.shape[2]:
        raise ValueError(f"expected z (m, n) with u (h, h), or z (k, m, n) with u (k, h, h); "
                         f"got z {z.shape} and u {u.shape}")
    return z, u


def _centres(zp, r, stride):
    """Rows and columns of the padded input zp where the kernel centre (j, i) is placed."""
    return range(r, zp.shape[1] - r, stride), range(r, zp.shape[2] - r, stride)


def conv2d_loops(z, u, b=0.0, stride=1, padding=0, padding_mode="zeros"):
    """2차원 콘볼루션 s(j, i) = b + Σ_y Σ_x z(j+y, i+x)·u(y, x).

    z: (m, n) or a tensor (k, m, n); u: (h, h) or (k, h, h) with odd h, the same k
    (그림 4-14: a k×h×h kernel on a k×m×n tensor gives one 1×m'×n' feature map).
    Returns s: (m', n') with m' = floor((m + 2p − h)/stride) + 1.
    """
    z, u = _as_tensor_and_kernel(z, u)
    r = _half_width(u.shape[1])
    zp = pad2d(z, padding, padding_mode)
    rows, cols = _centres(zp, r, stride)
    s = np.zeros((len(rows), len(cols)))
    for a, j in enumerate(rows):                     # (j, i): 커널 중심의 위치
        for c, i in enumerate(cols):
            total = b
            for channel in range(len(z)):            # 텐서: 채널마다 더한다
                for y in range(-r, r + 1):
                    for x in range(-r, r + 1):
                        total += zp[channel, j + y, i + x] * u[channel, y + r, x + r]
            s[a, c] = total
    return s


def conv2d_loops_backward(dout, z, u, stride=1, padding=0, padding_mode="zeros"):
    """콘볼루션의 역전파: dout(j, i) = ∂J/∂s(j, i) → (dz, du, db) = (∂J/∂z, ∂J/∂u, ∂J/∂b).

    z, u, stride, padding and padding_mode are those of the forward :func:`conv2d_loops`;
    dout has the shape (m', n') of its output (dout = −δ in the note's notation). Returns dz
    shaped like z, du shaped like u, and db as a float. The gradients are summed over every
    centre (j, i) the forward visited, because the kernel is shared (가중치 공유).
    """
    single = np.ndim(z) == 2                         # z (m, n) with u (h, h)
    z, u = _as_tensor_and_kernel(z, u)
    r = _half_width(u.shape[1])
    zp = pad2d(z, padding, padding_mode)
    rows, cols = _centres(zp, r, stride)
    dout = np.asarray(dout, dtype=float)
    if dout.shape != (len(rows), len(cols)):
        raise ValueError(f"dout must have the forward output's shape {(len(rows), len(cols))}, "
                         f"got {dout.shape}")
    dz = _unpad_loops(_padded_input_gradient(dout, u, r, zp.shape, rows, cols), z.shape,
                      padding_mode)
    du = _kernel_gradient(dout, zp, r, rows, cols)
    db = float(np.sum(dout))                         # ∂J/∂b = Σ_j Σ_i dout(j, i)
    return (dz[0], du[0], db) if single else (dz, du, db)


def _kernel_gradient(dout, zp, r, rows, cols):
    """∂J/∂u(y, x) = Σ_j Σ_i dout(j, i) z(j+y, i+x), per channel: (k, h, h).

    (a, c) is the index of the centre (j, i) in dout, as in the forward's output s.
    """
    du = np.zeros((len(zp), 2 * r + 1, 2 * r + 1))
    for channel in range(len(zp)):
        for y in range(-r, r + 1):
            for x in range(-r, r + 1):
                for a, j in enumerate(rows):
                    for c, i in enumerate(cols):
                        # dout(j, i) z(j+y, i+x)
                        du[channel, y + r, x + r] += dout[a, c] * zp[channel, j + y, i + x]
    return du


def _padded_input_gradient(dout, u, r, padded_shape, rows, cols):
    """∂J/∂z on the padded input: each centre (j, i) hands dout(j, i)·u(y, x) back to z(j+y, i+x).

    Summed, this is ∂J/∂z(j', i') = Σ_y Σ_x dout(j'−y, i'−x) u(y, x), dout convolved with the
    flipped kernel; written as a hand-back it also covers a stride (only visited centres hand
    back).
    """
    dzp = np.zeros(padded_shape)
    for a, j in enumerate(rows):
        for c, i in enumerate(cols):
            for channel in range(len(u)):
                for y in range(-r, r + 1):
                    for x in range(-r, r + 1):
                        # dout(j, i) u(y, x)
                        dzp[channel, j + y, i + x] += dout[a, c] * u[channel, y + r, x + r]
    return dzp


def _unpad_loops(dzp, shape, padding_mode):
    """The gradient of the unpadded input (k, m, n) from that of the padded one.

    A zero-padded cell is a constant, so its gradient is dropped; a replicate-padded cell is a
    copy of the nearest edge cell, so its gradient is added to that cell.
    """
    k, m, n = shape
    ph, pw = (dzp.shape[1] - m) // 2, (dzp.shape[2] - n) // 2
    dz = np.zeros(shape)
    for channel in range(k):
        for row in range(dzp.shape[1]):
            for col in range(dzp.shape[2]):
                a, c = row - ph, col - pw               # 덧대기 전의 위치
                if padding_mode == "replicate":
                    a, c = min(max(a, 0), m - 1), min(max(c, 0), n - 1)
                elif not (0 <= a < m and 0 <= c < n):
                    continue
                dz[channel, a, c] += dzp[channel, row, col]
    return dz
