"""콘볼루션을 강의 노트의 식 그대로 반복문으로 (readable loops that follow the note's formula).

These functions are slow on purpose: every multiply-add of

    s(i)    = Σ_x z(i+x) u(x)                      (1차원)
    s(j, i) = Σ_y Σ_x z(j+y, i+x) u(y, x)          (2차원)

is one line of Python, with y, x running from −(h−1)/2 to (h−1)/2 around the centre (j, i), as
in the note. Like PyTorch, this is cross-correlation: the kernel is not flipped. The fast
version is :func:`dlbasics.numpy_nn.conv2d`; the chapter checks that both agree.
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


def conv2d_loops(z, u, b=0.0, stride=1, padding=0, padding_mode="zeros"):
    """2차원 콘볼루션 s(j, i) = b + Σ_y Σ_x z(j+y, i+x)·u(y, x).

    z: (m, n) or a tensor (k, m, n); u: (h, h) or (k, h, h) with odd h, the same k
    (그림 4-14: a k×h×h kernel on a k×m×n tensor gives one 1×m'×n' feature map).
    Returns s: (m', n') with m' = floor((m + 2p − h)/stride) + 1.
    """
    z, u = np.asarray(z, dtype=float), np.asarray(u, dtype=float)
    if z.ndim == 2 and u.ndim == 2:
        z, u = z[None], u[None]
    if z.ndim != 3 or u.ndim != 3 or len(z) != len(u) or u.shape[1] != u.shape[2]:
        raise ValueError(f"expected z (m, n) with u (h, h), or z (k, m, n) with u (k, h, h); "
                         f"got z {z.shape} and u {u.shape}")
    r = _half_width(u.shape[1])
    zp = pad2d(z, padding, padding_mode)
    rows = range(r, zp.shape[1] - r, stride)
    cols = range(r, zp.shape[2] - r, stride)
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
