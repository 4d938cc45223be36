"""콘볼루션층 (Conv2d) as an im2col matrix product.

The input is copied once into a matrix whose columns are the receptive fields, so that one
BLAS call does the multiply-adds. Inside the convolution, arrays are kept sample-last
(C, H, W, N) in memory: a kernel offset then meets one long contiguous stretch per channel,
which makes the copies of im2col and the additions of col2im fast. Outputs are transposed
*views* with NCHW shape.

With groups=G the channels split into G groups that do not see each other (AlexNet's two
GPUs): group g's O/G output channels see only its C/G input channels, so the layer is G
smaller im2col products side by side.
"""

from typing import NamedTuple

import numpy as np

from .base import (
    Module,
    _check_device,
    _check_dout,
    _float_dtype,
    _image_batch,
    _output_size,
    _pair,
    _positive_int,
    _positive_pair,
    _uniform,
)
from .padding import PADDING_MODES, _pad, _pads, _unpad


class ConvGeometry(NamedTuple):
    """Where a convolution's kernel offsets meet its padded input.

    The padded input is sample-last, (C, Hp, Wp, N), and im2col has one column per output
    position (j, i, n). For stride 1 the entries that one kernel offset meets in a channel
    are Ho runs of Wo·N contiguous values, so the copies of im2col and the additions of
    col2im run over long stretches of memory. Kernel offset (y, x) sits at (d·y, d·x) for
    dilation d.
    """

    kernel: tuple
    stride: tuple
    out_size: tuple
    padded_size: tuple
    dilation: tuple = (1, 1)

    def patch(self, a, y, x):
        """The view a[c, s·j + d·y, s·i + d·x, n] (C, Ho, Wo, N) of a sample-last padded
        array: the entries that kernel offset (y, x) meets."""
        (sh, sw), (Ho, Wo), (dh, dw) = self.stride, self.out_size, self.dilation
        y, x = dh * y, dw * x
        return a[:, y:y + sh * (Ho - 1) + 1:sh, x:x + sw * (Wo - 1) + 1:sw]


def conv_geometry(x_shape, kernel, stride, padding, dilation=(1, 1)):
    """The :class:`ConvGeometry` of a convolution of an (N, C, H, W) input.

    padding: (ph, pw) on both sides, or ((top, bottom), (left, right)).
    """
    return _geometry(x_shape, kernel, stride, _pads(padding), dilation)


def _geometry(x_shape, kernel, stride, pads, dilation):
    """:func:`conv_geometry` for checked pads ((top, bottom), (left, right))."""
    out_size = _output_size("Conv2d", x_shape, kernel, stride, pads, dilation)
    padded_size = tuple(n + sum(p) for n, p in zip(x_shape[2:], pads, strict=True))
    return ConvGeometry(kernel, stride, out_size, padded_size, dilation)


def im2col(x_pad, geometry):
    """Receptive fields as columns.

    x_pad: padded input, sample-last (C, Hp, Wp, N). Returns (kh·kw·C, Ho·Wo·N): row
    (y, x, c), column (j, i, n) holds x_pad[c, s·j + d·y, s·i + d·x, n], so that the weight as
    an (O, kh·kw·C) matrix times cols is the convolution.
    """
    (kh, kw), (Ho, Wo) = geometry.kernel, geometry.out_size
    C, N = x_pad.shape[0], x_pad.shape[-1]
    cols = np.empty((kh, kw, C, Ho, Wo, N), x_pad.dtype)
    for y in range(kh):
        for x in range(kw):
            cols[y, x] = geometry.patch(x_pad, y, x)
    return cols.reshape(kh * kw * C, -1)


def col2im(cols, channels, geometry, out=None):
    """Backward of :func:`im2col`: add each column entry back where it was copied from.

    cols: (kh·kw·C, Ho·Wo·N); returns the sample-last padded gradient (C, Hp, Wp, N), added
    into ``out`` when given.
    """
    (kh, kw), (Ho, Wo) = geometry.kernel, geometry.out_size
    cols = cols.reshape(kh, kw, channels, Ho, Wo, -1)
    if out is None:
        out = np.zeros((channels, *geometry.padded_size, cols.shape[-1]), cols.dtype)
    for y in range(kh):
        for x in range(kw):
            geometry.patch(out, y, x)[...] += cols[y, x]
    return out


def _weight_matrix(weight, dtype):
    """weight (O, C, kh, kw) as the (O, kh·kw·C) matrix whose columns match im2col's rows."""
    return weight.transpose(0, 2, 3, 1).reshape(len(weight), -1).astype(dtype, copy=False)


# BLAS multiplies a small matrix (LeNet-5's C1 weights are 6×25) by a very wide one up to
# three times faster in blocks of a few thousand columns than in one call.
SMALL_MATRIX, BLOCK = 4096, 4096


def _blocks(n):
    return [slice(i, i + BLOCK) for i in range(0, n, BLOCK)]


def _times_wide(a, b):
    """a @ b for a (M, K) and a wide b (K, L), in column blocks when a is small."""
    if a.size > SMALL_MATRIX or b.shape[1] <= BLOCK:
        return a @ b
    out = np.empty((a.shape[0], b.shape[1]), np.result_type(a, b))
    for block in _blocks(b.shape[1]):
        np.matmul(a, b[:, block], out=out[:, block])
    return out


def _times_wide_transposed(a, b):
    """a @ b.T for a (M, L) and b (K, L), both wide: the sum over L, in blocks when M·K is
    small. (b @ a.T).T is the faster order for BLAS here."""
    if a.shape[0] * b.shape[0] > SMALL_MATRIX or a.shape[1] <= BLOCK:
        return (b @ a.T).T
    return sum(b[:, block] @ a[:, block].T for block in _blocks(a.shape[1])).T


def _stack_rows(parts):
    """The groups' results one above the other (no copy for a single group)."""
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _group_channels(g, size):
    """The channels of group g, when each group has ``size`` of them."""
    return slice(g * size, (g + 1) * size)


def _split_rows(a, groups):
    """a's rows in ``groups`` equal parts (views), one per group."""
    size = len(a) // groups
    return [a[_group_channels(g, size)] for g in range(groups)]


def _check_weight(weight, bias, groups):
    """weight as an array (O, C/groups, kh, kw) and bias as an array (O,) or None."""
    weight = np.asarray(weight)
    if weight.ndim != 4:
        raise ValueError("Conv2d expects a weight of shape (out_channels, in_channels/groups, kh,"
                         f" kw), got shape {weight.shape}")
    if len(weight) % groups:
        raise ValueError(f"Conv2d: out_channels {len(weight)} (the weight's first axis) must be "
                         f"divisible by groups={groups}")
    if bias is not None:
        bias = np.asarray(bias)
        if bias.shape != weight.shape[:1]:
            raise ValueError(f"Conv2d expects a bias of shape ({weight.shape[0]},), one value per "
                             f"output channel, got shape {bias.shape}")
    return weight, bias


def _conv_padding(padding, kernel, stride, dilation):
    """torch's padding argument (p, (ph, pw), 'valid' or 'same') and the pads it means,
    ((top, bottom), (left, right)). 'same' pads d·(k − 1) in all, the odd one at the end."""
    if not isinstance(padding, str):
        ph, pw = _pair(padding, "padding")
        return (ph, pw), ((ph, ph), (pw, pw))
    if padding == "valid":
        return padding, ((0, 0), (0, 0))
    if padding != "same":
        raise ValueError(f"padding must be an int, a pair of ints, 'valid' or 'same', "
                         f"got {padding!r}")
    if stride != (1, 1):
        raise ValueError(f"padding='same' is not supported for strided convolutions "
                         f"(stride={stride}), as in torch")
    totals = [d * (k - 1) for k, d in zip(kernel, dilation, strict=True)]
    return padding, tuple((t // 2, t - t // 2) for t in totals)


def conv2d(x, weight, bias=None, stride=1, padding=0, padding_mode="zeros", *, dilation=1,
           groups=1):
    """Convolution (cross-correlation, as torch.nn.functional.conv2d computes it).

    x: (N, C, H, W) or (C, H, W), weight: (O, C/groups, kh, kw), bias: (O,) or None →
    (N, O, Ho, Wo) or (O, Ho, Wo). padding: p, (ph, pw), 'valid' or 'same'. padding_mode
    (which F.conv2d lacks) is the sixth argument; dilation and groups are keyword-only here.
    """
    if padding_mode not in PADDING_MODES:
        raise ValueError(f"padding_mode must be one of {PADDING_MODES}, got {padding_mode!r}")
    groups = _positive_int(groups, "groups")
    weight, bias = _check_weight(weight, bias, groups)
    stride, dilation = _positive_pair(stride, "stride"), _positive_pair(dilation, "dilation")
    _, pads = _conv_padding(padding, weight.shape[2:], stride, dilation)
    return _conv_forward(x, weight, bias, stride, pads, dilation, groups, padding_mode)[0]


def _conv_forward(x, weight, bias, stride, pads, dilation, groups, padding_mode):
    """Returns the output and the cache that the backward pass needs."""
    weight, bias = _check_weight(weight, bias, groups)
    O, Cg, kh, kw = weight.shape
    x, unbatched = _image_batch(x, "Conv2d", Cg * groups)
    geometry = _geometry(x.shape, (kh, kw), stride, pads, dilation)
    x_pad = _pad(x, pads, padding_mode, sample_last=True)         # (C, Hp, Wp, N)
    cols = [im2col(x_pad[_group_channels(g, Cg)], geometry) for g in range(groups)]
    weights = _split_rows(_weight_matrix(weight, x.dtype), groups)   # 그룹마다 (O/G, kh·kw·C/G)
    s = _stack_rows([_times_wide(w, c) for w, c in zip(weights, cols, strict=True)])
    if bias is not None:
        s += bias.astype(x.dtype, copy=False)[:, None]    # 그림 4-8: 바이어스를 더한다
    out = s.reshape(O, *geometry.out_size, len(x)).transpose(3, 0, 1, 2)   # (N, O, Ho, Wo)
    return (out[0] if unbatched else out), (cols, geometry, x.shape, unbatched)


class Conv2d(Module):
    """콘볼루션층: weight (out_channels, in_channels/groups, kh, kw), bias (out_channels,).

    The arguments, defaults and weight layout of torch.nn.Conv2d: padding p, (ph, pw), 'valid'
    or 'same' (stride 1; an odd total goes to the bottom and right, as in torch), dilation,
    groups, bias, padding_mode zeros / reflect / replicate / circular, dtype (None: float32;
    NumPy or torch dtypes), device None or 'cpu'. ``rng`` (keyword) draws the initial weights.

    forward: x (N, in_channels, H, W) or (in_channels, H, W) → (N, out_channels, Ho, Wo) or
    (out_channels, Ho, Wo), Ho = floor((H + 2·padding − dilation·(kh − 1) − 1)/stride) + 1.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", device=None, dtype=None, *, rng=None):
        super().__init__()
        _check_device(device, "Conv2d")
        dtype = _float_dtype(dtype, "Conv2d")
        self.in_channels = _positive_int(in_channels, "in_channels")
        self.out_channels = _positive_int(out_channels, "out_channels")
        self.groups = _positive_int(groups, "groups")
        for name, count in (("in_channels", in_channels), ("out_channels", out_channels)):
            if count % groups:
                raise ValueError(f"{name} must be divisible by groups, got {name}={count} and "
                                 f"groups={groups}")
        self.kernel_size = _positive_pair(kernel_size, "kernel_size")
        self.stride = _positive_pair(stride, "stride")
        self.dilation = _positive_pair(dilation, "dilation")
        self.padding, self.pads = _conv_padding(padding, self.kernel_size, self.stride,
                                                self.dilation)
        if padding_mode not in PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {PADDING_MODES}, got {padding_mode!r}")
        self.padding_mode = padding_mode
        fan_in = in_channels // groups * self.kernel_size[0] * self.kernel_size[1]
        bound = 1 / np.sqrt(fan_in)
        self.params["weight"] = _uniform(rng, bound, (out_channels, in_channels // groups,
                                                      *self.kernel_size), dtype)
        if bias:
            self.params["bias"] = _uniform(rng, bound, (out_channels,), dtype)
        self.input_grad = True
        self.cache = None

    def forward(self, x):
        out, self.cache = _conv_forward(x, self.params["weight"], self.params.get("bias"),
                                        self.stride, self.pads, self.dilation, self.groups,
                                        self.padding_mode)
        return out

    def backward(self, dout):
        """dout: (N, out_channels, Ho, Wo) → ∂J/∂x (N, in_channels, H, W) (unbatched: no N).

        With ``input_grad = False`` (the first layer of a network, whose input needs no
        gradient) only the weight gradients are computed and None is returned, as torch skips
        ∂J/∂x for an input without requires_grad.
        """
        cols, geometry, x_shape, unbatched = self._cache()
        weight = self.params["weight"]
        O, G = len(weight), self.groups
        out_shape = (x_shape[0], O, *geometry.out_size)
        expected = out_shape[1:] if unbatched else out_shape
        dout = _check_dout("Conv2d", dout, expected, cols[0].dtype).reshape(out_shape)
        dout_cols = dout.transpose(1, 2, 3, 0).reshape(O, -1)   # dout as (O, Ho·Wo·N)
        dout_groups = _split_rows(dout_cols, G)
        d_weight = _stack_rows([_times_wide_transposed(d, c)     # (O, kh·kw·C/G)
                                for d, c in zip(dout_groups, cols, strict=True)])
        self.grads["weight"] = (d_weight.reshape(O, *weight.shape[2:], -1).transpose(0, 3, 1, 2)
                                .astype(weight.dtype, order="C"))
        if "bias" in self.params:
            self.grads["bias"] = dout_cols.sum(axis=1).astype(self.params["bias"].dtype)
        if not self.input_grad:
            return None
        C, N = x_shape[1], x_shape[0]
        dx_pad = np.zeros((C, *geometry.padded_size, N), cols[0].dtype)
        weights = _split_rows(_weight_matrix(weight, cols[0].dtype), G)
        for g, (w, d) in enumerate(zip(weights, dout_groups, strict=True)):
            col2im(_times_wide(w.T, d), C // G, geometry, out=dx_pad[_group_channels(g, C // G)])
        dx = _unpad(dx_pad.transpose(3, 0, 1, 2), self.pads, self.padding_mode)
        return dx[0] if unbatched else dx

    def __repr__(self):
        text = (f"Conv2d({self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size},"
                f" stride={self.stride}")
        if self.padding != (0, 0):
            text += f", padding={self.padding}"
        if self.dilation != (1, 1):
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if "bias" not in self.params:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text + ")"
