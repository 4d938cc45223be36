"""덧대기 (padding) of the last two axes, and its backward pass."""

import numpy as np

from .base import _pair

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _pads(padding, name="padding"):
    """int, (ph, pw) or ((top, bottom), (left, right)) → ((top, bottom), (left, right))."""
    if not np.isscalar(padding) and len(padding) == 2 and not np.isscalar(padding[0]):
        return tuple(_pair(p, name) for p in padding)
    ph, pw = _pair(padding, name)
    return (ph, ph), (pw, pw)


def _source_index(n, before, after, mode):
    """For each of the n + before + after padded positions, the position it copies.

    "replicate" repeats the edge, "reflect" mirrors around it (without repeating it),
    "circular" wraps around. torch's limits apply: reflect needs padding < n, circular ≤ n.
    """
    if mode == "reflect" and max(before, after) >= n:
        raise ValueError(f"padding_mode='reflect' needs padding smaller than the input size: "
                         f"got padding ({before}, {after}) for a size of {n}")
    if mode == "circular" and max(before, after) > n:
        raise ValueError(f"padding_mode='circular' pads by at most the input size (it would "
                         f"wrap around more than once): got padding ({before}, {after}) for a "
                         f"size of {n}")
    if n == 0:
        raise ValueError(f"padding_mode={mode!r} cannot pad an empty axis")
    i = np.arange(-before, n + after)
    if mode == "replicate":
        return np.clip(i, 0, n - 1)
    if mode == "reflect":
        i = np.abs(i)
        return np.where(i > n - 1, 2 * (n - 1) - i, i)
    return i % n


def pad2d(x, padding, mode="zeros", value=0.0, sample_last=False):
    """Pad the last two axes of ``x``: padding is p, (ph, pw) or ((top, bottom), (left, right)).

    mode "zeros" fills with ``value`` (0 by default; max pooling uses −∞), "replicate" copies
    the nearest edge value (그림 4-7), "reflect" mirrors the values next to the edge and
    "circular" wraps around, as torch's padding modes do. The result is a new C-contiguous
    array unless there is nothing to pad. sample_last=True (x of shape (N, C, H, W)) returns
    the padded array in the convolution's layout, (C, Hp, Wp, N).
    """
    if mode not in PADDING_MODES:
        raise ValueError(f"padding_mode must be one of {PADDING_MODES}, got {mode!r}")
    return _pad(x, _pads(padding), mode, value, sample_last)


def _pad(x, pads, mode="zeros", value=0.0, sample_last=False):
    """:func:`pad2d` for checked pads ((top, bottom), (left, right)) and mode."""
    (pt, pb), (pl, pr) = pads
    if pt == pb == pl == pr == 0:
        return x.transpose(1, 2, 3, 0) if sample_last else x
    H, W = x.shape[-2:]
    shape = (*x.shape[:-2], H + pt + pb, W + pl + pr)
    if sample_last:
        padded = _new((*shape[1:], shape[0]), mode, value, x.dtype)
        out = padded.transpose(3, 0, 1, 2)    # the same memory seen as (N, C, Hp, Wp)
    else:
        padded = out = _new(shape, mode, value, x.dtype)
    if mode == "zeros":
        out[..., pt:pt + H, pl:pl + W] = x
    else:
        rows, cols = _source_index(H, pt, pb, mode), _source_index(W, pl, pr, mode)
        out[...] = x[..., rows[:, None], cols]
    return padded


def _new(shape, mode, value, dtype):
    """The array to pad into: filled with value for "zeros", else every cell is copied in."""
    return np.full(shape, value, dtype) if mode == "zeros" else np.empty(shape, dtype)


def unpad2d(dx_pad, padding, mode="zeros"):
    """Backward of :func:`pad2d`: the gradient of the unpadded array.

    With "replicate", "reflect" and "circular" each padded cell was a copy of a cell inside, so
    its gradient is added to that cell (rows first, then columns, which also routes the corners).
    """
    return _unpad(dx_pad, _pads(padding), mode)


def _unpad(dx_pad, pads, mode="zeros"):
    """:func:`unpad2d` for checked pads ((top, bottom), (left, right))."""
    (pt, pb), (pl, pr) = pads
    H, W = dx_pad.shape[-2] - pt - pb, dx_pad.shape[-1] - pl - pr
    if mode == "zeros" or pt == pb == pl == pr == 0:
        return dx_pad[..., pt:pt + H, pl:pl + W]
    rows = _fold(dx_pad, -2, _source_index(H, pt, pb, mode), pt, H)
    return _fold(rows, -1, _source_index(W, pl, pr, mode), pl, W)


def _fold(grad, axis, source, before, n):
    """Add the gradient of every padded position along ``axis`` to the position it copied."""
    grad = np.moveaxis(grad, axis, 0)
    out = grad[before:before + n].copy()
    for i in [*range(before), *range(before + n, len(source))]:
        out[source[i]] += grad[i]
    return np.moveaxis(out, 0, axis)
