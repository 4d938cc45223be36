"""풀링층 (pooling): MaxPool2d and AvgPool2d, with torch's arguments and rules.

A window of kh×kw positions slides with the stride over the padded input; each of its
kernel offsets (y, x) is seen as one strided view of the padded array, so the pooling is
kh·kw element-wise operations on whole arrays. ceil_mode lets a last window hang over the
right edge (it must start inside the input or the left padding, as in torch); such windows
read −∞ (max) or 0 (average) beyond the padding and do not count it.
"""

import numpy as np

from .base import (
    Module,
    _check_dout,
    _image_batch,
    _masked,
    _output_size,
    _pair,
    _positive_pair,
)
from .padding import _pad, _unpad


def _window(a, offset, stride, out_size):
    """The view a[..., y + s·j, x + s·i] for output positions j < Ho, i < Wo."""
    (y, x), (sh, sw), (Ho, Wo) = offset, stride, out_size
    return a[..., y:y + sh * (Ho - 1) + 1:sh, x:x + sw * (Wo - 1) + 1:sw]


class _Pool2d(Module):
    """Shared set-up of max and average pooling (no learnable parameters)."""

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
        super().__init__()
        self.kernel_size = _positive_pair(kernel_size, "kernel_size")
        self.stride = _positive_pair(kernel_size if stride is None else stride, "stride")
        self.padding = _pair(padding, "padding")
        self.dilation = _positive_pair(dilation, "dilation")
        self.ceil_mode = bool(ceil_mode)
        if any(2 * p > k for p, k in zip(self.padding, self.kernel_size, strict=True)):
            raise ValueError(f"padding {self.padding} must be at most half the kernel size "
                             f"{self.kernel_size}")
        self.cache = None

    def _pad_and_views(self, x, fill):
        """x (N, C, H, W) → the padded input, the (N, C, Ho, Wo) views x_pad[..., d·y + s·j,
        d·x + s·i] for every kernel offset (y, x) in row-major order, and the pads."""
        name = type(self).__name__
        if 0 in x.shape[1:]:
            raise ValueError(f"{name} expects non-empty (C, H, W), got shape {x.shape}")
        ph, pw = self.padding
        out_size = _output_size(name, x.shape, self.kernel_size, self.stride,
                                ((ph, ph), (pw, pw)), self.dilation, self.ceil_mode)
        self._check_windows(x.shape[2:], out_size)
        pads = self._pads(x.shape[2:], out_size)
        x_pad = _pad(x, pads, value=fill)
        views = [_window(x_pad, self._offset(k), self.stride, out_size)
                 for k in range(self.kernel_size[0] * self.kernel_size[1])]
        return x_pad, views, pads

    def _offset(self, k):
        """Where the k-th kernel position (row-major) sits in the window: (d·y, d·x)."""
        (dh, dw), kw = self.dilation, self.kernel_size[1]
        return dh * (k // kw), dw * (k % kw)

    def _check_windows(self, in_size, out_size):
        """With dilation a window can fall on padding only; torch leaves it undefined (its
        index points outside the input), so it is refused."""
        for axis, n, o, s, k, d, p in zip(("row", "column"), in_size, out_size, self.stride,
                                          self.kernel_size, self.dilation, self.padding,
                                          strict=True):
            if d == 1:
                continue    # a window without dilation always reaches the input
            reach = (np.arange(o) * s - p)[:, None] + d * np.arange(k)
            empty = ~((reach >= 0) & (reach < n)).any(axis=1)
            if empty.any():
                raise ValueError(
                    f"{type(self).__name__}: the window at output {axis} {np.argmax(empty)} "
                    f"covers padding only (kernel_size {k}, dilation {d}, padding {p}, input "
                    f"size {n}); torch leaves such a window undefined, so it is not supported")

    def _pads(self, in_size, out_size):
        """((top, bottom), (left, right)): the padding, and at the bottom and right as much more
        as a last ceil_mode window needs."""
        pads = []
        for n, o, s, k, d, p in zip(in_size, out_size, self.stride, self.kernel_size,
                                    self.dilation, self.padding, strict=True):
            reach = (o - 1) * s + d * (k - 1) + 1        # 마지막 창의 끝 (덧댄 배열에서)
            pads.append((p, max(p, reach - n - p)))
        return tuple(pads)

    def _scatter(self, offset_grad, dtype, padded_shape, pads, out_size):
        """∂J/∂x: add offset_grad(k) (N, C, Ho, Wo) back where offset k's view came from."""
        dx_pad = np.zeros(padded_shape, dtype)
        for k in range(self.kernel_size[0] * self.kernel_size[1]):
            _window(dx_pad, self._offset(k), self.stride, out_size)[...] += offset_grad(k)
        return _unpad(dx_pad, pads)

    def _options(self):
        return ""

    def __repr__(self):
        return (f"{type(self).__name__}(kernel_size={self.kernel_size}, stride={self.stride}, "
                f"padding={self.padding}{self._options()})")


class MaxPool2d(_Pool2d):
    """최대 풀링: (N, C, H, W) or (C, H, W) → (N, C, Ho, Wo) or (C, Ho, Wo).

    torch.nn.MaxPool2d's arguments: kernel_size, stride (None: kernel_size), padding (at most
    half the kernel; padding counts as −∞), dilation, return_indices (forward also returns
    each maximum's position h·W + w in its input channel, int64), ceil_mode. The gradient goes
    to the first maximum of each window (row-major); a NaN counts as the maximum (the last NaN
    of a window), as in torch.
    """

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False):
        super().__init__(kernel_size, stride, padding, dilation, ceil_mode)
        self.return_indices = bool(return_indices)

    def forward(self, x):
        x, unbatched = _image_batch(x, "MaxPool2d")
        x_pad, views, pads = self._pad_and_views(x, fill=-np.inf)
        out = views[0].copy()
        arg = np.zeros(out.shape, np.min_scalar_type(len(views) - 1))  # 최댓값의 자리 k
        for k, view in enumerate(views[1:], start=1):
            greater = (view > out).view(np.uint8)  # strictly: a tie keeps the first maximum
            np.maximum(out, view, out=out)
            arg += greater * (k - arg)             # arg = k where greater (no masked copy)
        if out.size and not np.isfinite(out.min()):  # a NaN, or a window of −∞ only
            arg = self._torch_argmax(views, x.shape, pads, out.shape)
        self.cache = (arg, x_pad.shape, pads, unbatched)  # arg: (N, C, Ho, Wo)
        if unbatched:
            out = out[0]
        if self.return_indices:
            indices = self._flat_indices(arg, x.shape, pads)
            return out, (indices[0] if unbatched else indices)
        return out

    def _torch_argmax(self, views, x_shape, pads, out_shape):
        """torch's rule, for windows with NaN or −∞: start at the window's first position
        inside the input, move on to a greater value or to a NaN."""
        inside = _pad(np.ones(x_shape[2:], bool), pads, value=False)
        best, arg = np.full(out_shape, -np.inf, views[0].dtype), np.full(out_shape, -1)
        for k, view in enumerate(views):
            valid = _window(inside, self._offset(k), self.stride, out_shape[2:])
            take = valid & ((arg < 0) | (view > best) | np.isnan(view))
            best, arg = np.where(take, view, best), np.where(take, k, arg)
        return arg

    def _flat_indices(self, arg, x_shape, pads):
        """Each maximum's position h·W + w in its (H, W) input channel (torch's indices)."""
        (sh, sw), (Ho, Wo) = self.stride, arg.shape[2:]
        y, x = self._offset(arg.astype(np.int64))     # 창 안에서 최댓값의 자리
        h = np.arange(Ho)[:, None] * sh - pads[0][0] + y
        w = np.arange(Wo) * sw - pads[1][0] + x
        return (h * x_shape[3] + w).astype(np.int64)

    def backward(self, dout):
        """dout: ∂J/∂(the pooled output) → ∂J/∂x, each value sent to its window's maximum."""
        arg, padded_shape, pads, unbatched = self._cache()
        dout = _check_dout("MaxPool2d", dout, arg.shape[1:] if unbatched else arg.shape)
        dout = dout.reshape(arg.shape)
        dx = self._scatter(lambda k: _masked(dout, arg == k), dout.dtype, padded_shape, pads,
                           arg.shape[2:])
        return dx[0] if unbatched else dx

    def _options(self):
        return "".join([f", dilation={self.dilation}" if self.dilation != (1, 1) else "",
                        ", return_indices=True" if self.return_indices else "",
                        ", ceil_mode=True" if self.ceil_mode else ""])


class AvgPool2d(_Pool2d):
    """평균 풀링: (N, C, H, W) or (C, H, W) → (N, C, Ho, Wo) or (C, Ho, Wo).

    torch.nn.AvgPool2d's arguments: kernel_size, stride (None: kernel_size), padding (at most
    half the kernel), ceil_mode, count_include_pad (True: padded zeros count in the divisor;
    the overhang of a ceil_mode window never does), divisor_override (a fixed divisor).
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True, divisor_override=None):
        super().__init__(kernel_size, stride, padding, ceil_mode=ceil_mode)
        self.count_include_pad = bool(count_include_pad)
        if divisor_override is not None and (
                not isinstance(divisor_override, (int, np.integer))
                or isinstance(divisor_override, bool) or divisor_override == 0):
            raise ValueError(f"divisor_override must be a non-zero int or None, "
                             f"got {divisor_override!r}")
        self.divisor_override = divisor_override

    def forward(self, x):
        x, unbatched = _image_batch(x, "AvgPool2d")
        x_pad, views, pads = self._pad_and_views(x, fill=0.0)
        out = views[0].copy()
        for view in views[1:]:
            out += view
        divisor = self._divisor(x.shape[2:], out.shape[2:], x.dtype)
        self.cache = (divisor, out.shape, x_pad.shape, pads, unbatched)
        out /= divisor
        return out[0] if unbatched else out

    def _divisor(self, in_size, out_size, dtype):
        """What each window's sum is divided by: a number where every window has the same
        (the common case), else an (Ho, Wo) array."""
        if self.divisor_override is not None:
            return int(self.divisor_override)
        if self.count_include_pad and not self.ceil_mode:   # every window fits in the padding
            return self.kernel_size[0] * self.kernel_size[1]
        counts = []
        for n, o, s, k, p in zip(in_size, out_size, self.stride, self.kernel_size, self.padding,
                                 strict=True):
            start = np.arange(o) * s - p
            end = np.minimum(start + k, n + p)       # 덧댄 칸까지만 (ceil_mode의 나머지는 빼고)
            counts.append(end - start if self.count_include_pad
                          else np.minimum(end, n) - np.maximum(start, 0))
        divisor = counts[0][:, None] * counts[1]
        if np.all(divisor == divisor.flat[0]):
            return int(divisor.flat[0])
        return divisor.astype(dtype)

    def backward(self, dout):
        """dout → ∂J/∂x: every position of a window receives dout / divisor (모든 자리에 똑같이)."""
        divisor, out_shape, padded_shape, pads, unbatched = self._cache()
        dout = _check_dout("AvgPool2d", dout, out_shape[1:] if unbatched else out_shape)
        share = dout.reshape(out_shape) / divisor
        dx = self._scatter(lambda k: share, share.dtype, padded_shape, pads, out_shape[2:])
        return dx[0] if unbatched else dx

    def _options(self):
        return "".join([", ceil_mode=True" if self.ceil_mode else "",
                        ", count_include_pad=False" if not self.count_include_pad else "",
                        f", divisor_override={self.divisor_override}"
                        if self.divisor_override is not None else ""])
