"""NumPy 층 (layers) with the constructor arguments and weight layout of their torch.nn twins.

Every layer has ``forward(x)`` and ``backward(dout)``: ``forward`` keeps exactly what
``backward`` needs, and ``backward`` returns ∂J/∂x and stores ∂J/∂(each parameter) in
``layer.grads`` (overwritten, not accumulated as in torch). Parameters live in ``layer.params``
under torch's names (``weight``, ``bias``; ``0.weight`` ... inside a :class:`Sequential`), so
weights copy across with :meth:`Module.load_torch` and :meth:`Module.to_torch`.

Arrays are NCHW like torch: x has shape (N, C, H, W). Computation runs in the input's dtype
(float32 for training, float64 for checks); weights are cast to it when they differ.

The convolution is an im2col matrix product: the input is copied once into a matrix whose
columns are the receptive fields, so that one BLAS call does the multiply-adds. Inside the
convolution, arrays are kept sample-last (C, H, W, N) in memory: a kernel offset then meets
one long contiguous stretch per channel, which makes the copies of im2col and the additions
of col2im fast. Outputs are transposed *views* with NCHW shape.
"""

from typing import NamedTuple

import numpy as np

from .functional import log_softmax, softmax
from .summary import conv_output_size

PADDING_MODES = ("zeros", "replicate")


def _pair(value, name):
    """An int or a pair of ints to a pair of non-negative ints."""
    pair = (value, value) if np.isscalar(value) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, (int, np.integer)) and v >= 0 for v in pair):
        raise ValueError(f"{name} must be a non-negative int or a pair of them, got {value!r}")
    return tuple(int(v) for v in pair)


def _check_input(x, name, channels=None):
    """x as a float array of shape (N, C, H, W); errors name the expected shape."""
    x = np.asarray(x)
    expected = f"(N, {channels}, H, W)" if channels is not None else "(N, C, H, W)"
    if x.ndim != 4:
        raise ValueError(f"{name} expects a 4-D input {expected}, got shape {x.shape}")
    if channels is not None and x.shape[1] != channels:
        raise ValueError(f"{name} expects {channels} input channels, i.e. shape {expected}, "
                         f"got shape {x.shape}")
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"{name} expects a float array, got dtype {x.dtype}")
    return x


def _positive_int(value, name):
    """value as an int ≥ 1 (channel and feature counts)."""
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return int(value)


def _check_weight(weight, bias):
    """weight as an array (O, C, kh, kw) and bias as an array (O,) or None."""
    weight = np.asarray(weight)
    if weight.ndim != 4:
        raise ValueError("Conv2d expects a weight of shape (out_channels, in_channels, kh, kw), "
                         f"got shape {weight.shape}")
    if bias is not None:
        bias = np.asarray(bias)
        if bias.shape != weight.shape[:1]:
            raise ValueError(f"Conv2d expects a bias of shape ({weight.shape[0]},), one value per "
                             f"output channel, got shape {bias.shape}")
    return weight, bias


def _check_dout(name, dout, shape, dtype=None):
    """dout as an array of the layer's output shape; the error names that shape."""
    dout = np.asarray(dout, dtype=dtype)
    if dout.shape != tuple(shape):
        raise ValueError(f"{name}.backward expects dout of shape {tuple(shape)} (the shape of "
                         f"its forward output), got {dout.shape}")
    return dout


def _output_size(name, shape, kernel, stride, padding):
    """(Ho, Wo) = floor((H + 2p − h)/s) + 1 per axis; a kernel too large raises ValueError."""
    H, W = shape[2:]
    (kh, kw), (ph, pw) = kernel, padding
    if kh > H + 2 * ph or kw > W + 2 * pw:
        raise ValueError(
            f"{name}: kernel {kh}×{kw} is larger than the padded input "
            f"{H + 2 * ph}×{W + 2 * pw} (H + 2·{ph}, W + 2·{pw}); expected an input of shape "
            f"(N, C, H, W) with H ≥ {max(kh - 2 * ph, 1)} and W ≥ {max(kw - 2 * pw, 1)}, "
            f"got {tuple(shape)}")
    return (conv_output_size(H, kh, stride[0], ph), conv_output_size(W, kw, stride[1], pw))


def pad2d(x, padding, mode="zeros", value=0.0, sample_last=False):
    """Pad the last two axes of ``x`` by (ph, pw) on each side.

    mode "zeros" fills with ``value`` (0 by default; max pooling uses −∞), "replicate" copies
    the nearest edge value (그림 4-7). The result is a new C-contiguous array unless there is
    nothing to pad. sample_last=True (x of shape (N, C, H, W)) returns the padded array in
    the convolution's layout, (C, Hp, Wp, N).
    """
    ph, pw = _pair(padding, "padding")
    if mode not in PADDING_MODES:
        raise ValueError(f"padding_mode must be one of {PADDING_MODES}, got {mode!r}")
    if ph == pw == 0:
        return x.transpose(1, 2, 3, 0) if sample_last else x
    H, W = x.shape[-2:]
    shape = (*x.shape[:-2], H + 2 * ph, W + 2 * pw)
    if sample_last:
        padded = np.full((*shape[1:], shape[0]), value, x.dtype)
        out = padded.transpose(3, 0, 1, 2)    # the same memory seen as (N, C, Hp, Wp)
    else:
        padded = out = np.full(shape, value, x.dtype)
    if mode == "replicate":
        out[...] = np.pad(x, [(0, 0)] * (x.ndim - 2) + [(ph, ph), (pw, pw)], mode="edge")
    else:
        out[..., ph:ph + H, pw:pw + W] = x
    return padded


def unpad2d(dx_pad, padding, mode="zeros"):
    """Backward of :func:`pad2d`: the gradient of the unpadded array.

    With "replicate" each padded cell was a copy of an edge cell, so its gradient is added
    to that edge cell (rows first, then columns, which also routes the corners).
    """
    ph, pw = _pair(padding, "padding")
    H, W = dx_pad.shape[-2] - 2 * ph, dx_pad.shape[-1] - 2 * pw
    if mode == "replicate" and (ph or pw):
        dx_pad = dx_pad.copy()
        dx_pad[..., ph, :] += dx_pad[..., :ph, :].sum(axis=-2)
        dx_pad[..., ph + H - 1, :] += dx_pad[..., ph + H:, :].sum(axis=-2)
        dx_pad[..., pw] += dx_pad[..., :pw].sum(axis=-1)
        dx_pad[..., pw + W - 1] += dx_pad[..., pw + W:].sum(axis=-1)
    return dx_pad[..., ph:ph + H, pw:pw + W]


def _window(a, ky, kx, stride, out_size):
    """The view a[..., ky + s·j, kx + s·i] for output positions j < Ho, i < Wo."""
    (sh, sw), (Ho, Wo) = stride, out_size
    return a[..., ky:ky + sh * (Ho - 1) + 1:sh, kx:kx + sw * (Wo - 1) + 1:sw]


class ConvGeometry(NamedTuple):
    """Where a convolution's kernel offsets meet its padded input.

    The padded input is sample-last, (C, Hp, Wp, N), and im2col has one column per output
    position (j, i, n). For stride 1 the entries that one kernel offset meets in a channel
    are Ho runs of Wo·N contiguous values, so the copies of im2col and the additions of
    col2im run over long stretches of memory.
    """

    kernel: tuple
    stride: tuple
    out_size: tuple
    padded_size: tuple

    def patch(self, a, y, x):
        """The view a[c, s·j + y, s·i + x, n] (C, Ho, Wo, N) of a sample-last padded array:
        the entries that kernel offset (y, x) meets."""
        (sh, sw), (Ho, Wo) = self.stride, self.out_size
        return a[:, y:y + sh * (Ho - 1) + 1:sh, x:x + sw * (Wo - 1) + 1:sw]


def conv_geometry(x_shape, kernel, stride, padding):
    """The :class:`ConvGeometry` of a convolution of an (N, C, H, W) input."""
    out_size = _output_size("Conv2d", x_shape, kernel, stride, padding)
    padded_size = tuple(n + 2 * p for n, p in zip(x_shape[2:], padding, strict=True))
    return ConvGeometry(kernel, stride, out_size, padded_size)


def im2col(x_pad, geometry):
    """Receptive fields as columns.

    x_pad: padded input, sample-last (C, Hp, Wp, N). Returns (kh·kw·C, Ho·Wo·N): row
    (y, x, c), column (j, i, n) holds x_pad[c, s·j + y, s·i + x, n], so that the weight as an
    (O, kh·kw·C) matrix times cols is the convolution.
    """
    (kh, kw), (Ho, Wo) = geometry.kernel, geometry.out_size
    C, N = x_pad.shape[0], x_pad.shape[-1]
    cols = np.empty((kh, kw, C, Ho, Wo, N), x_pad.dtype)
    for y in range(kh):
        for x in range(kw):
            cols[y, x] = geometry.patch(x_pad, y, x)
    return cols.reshape(kh * kw * C, -1)


def col2im(cols, channels, geometry):
    """Backward of :func:`im2col`: add each column entry back where it was copied from.

    cols: (kh·kw·C, Ho·Wo·N); returns the sample-last padded gradient (C, Hp, Wp, N).
    """
    (kh, kw), (Ho, Wo) = geometry.kernel, geometry.out_size
    cols = cols.reshape(kh, kw, channels, Ho, Wo, -1)
    dx_pad = np.zeros((channels, *geometry.padded_size, cols.shape[-1]), cols.dtype)
    for y in range(kh):
        for x in range(kw):
            geometry.patch(dx_pad, y, x)[...] += cols[y, x]
    return dx_pad


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


def conv2d(x, weight, bias=None, stride=1, padding=0, padding_mode="zeros"):
    """Convolution (cross-correlation, as torch.nn.functional.conv2d computes it).

    x: (N, C, H, W), weight: (O, C, kh, kw), bias: (O,) or None → (N, O, Ho, Wo).
    """
    return _conv_forward(x, weight, bias, _pair(stride, "stride"), _pair(padding, "padding"),
                         padding_mode)[0]


def _conv_forward(x, weight, bias, stride, padding, padding_mode):
    """Returns the output and the cache that the backward pass needs."""
    weight, bias = _check_weight(weight, bias)
    O, C, kh, kw = weight.shape
    x = _check_input(x, "Conv2d", C)
    geometry = conv_geometry(x.shape, (kh, kw), stride, padding)
    cols = im2col(pad2d(x, padding, padding_mode, sample_last=True), geometry)
    s = _times_wide(_weight_matrix(weight, x.dtype), cols)  # (O, Ho·Wo·N)
    if bias is not None:
        s += bias.astype(x.dtype, copy=False)[:, None]    # 그림 4-8: 바이어스를 더한다
    return s.reshape(O, *geometry.out_size, len(x)).transpose(3, 0, 1, 2), (cols, geometry, x.shape)


class Module:
    """Base class: ``params`` and ``grads`` are dicts under torch's parameter names."""

    def __init__(self):
        self.params, self.grads = {}, {}

    def __call__(self, x):
        return self.forward(x)

    def forward(self, x):
        raise NotImplementedError

    def backward(self, dout):
        raise NotImplementedError

    def named_parameters(self):
        """[(name, array)] in torch's order; the arrays are the live parameters."""
        return list(self.params.items())

    def named_grads(self):
        """[(name, ∂J/∂parameter)] from the last backward pass."""
        return list(self.grads.items())

    def parameters(self):
        return [p for _, p in self.named_parameters()]

    def state_dict(self):
        return dict(self.named_parameters())

    def load_state_dict(self, state):
        """Copy arrays (or torch tensors) into the parameters, keeping the source dtype."""
        own = self.state_dict()
        if set(state) != set(own):
            raise KeyError(f"parameter names differ: expected {sorted(own)}, got {sorted(state)}")
        for name, value in state.items():
            value = _to_numpy(value)
            if value.shape != own[name].shape:
                raise ValueError(f"{name}: expected shape {own[name].shape}, got {value.shape}")
            self._set_param(name, value.copy())
        return self

    def _set_param(self, name, value):
        self.params[name] = value

    def load_torch(self, module):
        """Copy the weights of a torch module with the same structure into this one."""
        return self.load_state_dict(dict(module.named_parameters()))

    def to_torch(self, module):
        """Copy this module's weights into a torch module with the same structure."""
        import torch

        own = self.state_dict()
        theirs = dict(module.named_parameters())
        if set(theirs) != set(own):
            raise KeyError(f"parameter names differ: expected {sorted(own)}, got {sorted(theirs)}")
        with torch.no_grad():
            for name, p in theirs.items():
                p.copy_(torch.as_tensor(own[name]))
        return module

    def astype(self, dtype):
        """Cast every parameter to ``dtype`` (like torch's ``.double()``); returns self."""
        for name, p in self.named_parameters():
            self._set_param(name, p.astype(dtype))
        return self

    def _cache(self):
        if self.cache is None:
            raise RuntimeError(f"{type(self).__name__}: call forward before backward")
        return self.cache


def _to_numpy(value):
    if hasattr(value, "detach"):  # a torch tensor
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def _uniform(rng, bound, shape, dtype):
    """torch's default initialisation: U(−1/√fan_in, 1/√fan_in) for weights and biases."""
    rng = np.random if rng is None else rng
    return rng.uniform(-bound, bound, size=shape).astype(dtype)


class Conv2d(Module):
    """콘볼루션층: weight (out_channels, in_channels, kh, kw), bias (out_channels,).

    forward: x (N, in_channels, H, W) → (N, out_channels, Ho, Wo),
    Ho = floor((H + 2·padding − kh)/stride) + 1.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, *,
                 bias=True, padding_mode="zeros", rng=None, dtype=np.float32):
        super().__init__()
        if padding_mode not in PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {PADDING_MODES}, got {padding_mode!r}")
        self.in_channels = _positive_int(in_channels, "in_channels")
        self.out_channels = _positive_int(out_channels, "out_channels")
        self.kernel_size = _pair(kernel_size, "kernel_size")
        self.stride, self.padding = _pair(stride, "stride"), _pair(padding, "padding")
        if min(self.kernel_size) < 1 or min(self.stride) < 1:
            raise ValueError("kernel_size and stride must be at least 1")
        self.padding_mode = padding_mode
        bound = 1 / np.sqrt(in_channels * self.kernel_size[0] * self.kernel_size[1])
        self.params["weight"] = _uniform(rng, bound, (out_channels, in_channels,
                                                      *self.kernel_size), dtype)
        if bias:
            self.params["bias"] = _uniform(rng, bound, (out_channels,), dtype)
        self.input_grad = True
        self.cache = None

    def forward(self, x):
        out, self.cache = _conv_forward(x, self.params["weight"], self.params.get("bias"),
                                        self.stride, self.padding, self.padding_mode)
        return out

    def backward(self, dout):
        """dout: (N, out_channels, Ho, Wo) → ∂J/∂x (N, in_channels, H, W).

        With ``input_grad = False`` (the first layer of a network, whose input needs no
        gradient) only the weight gradients are computed and None is returned, as torch skips
        ∂J/∂x for an input without requires_grad.
        """
        cols, geometry, x_shape = self._cache()
        weight = self.params["weight"]
        O = weight.shape[0]
        dout = _check_dout("Conv2d", dout, (x_shape[0], O, *geometry.out_size), cols.dtype)
        d_s = dout.transpose(1, 2, 3, 0).reshape(O, -1)   # δ as (O, Ho·Wo·N)
        d_weight = _times_wide_transposed(d_s, cols)  # (O, kh·kw·C)
        self.grads["weight"] = (d_weight.reshape(O, *weight.shape[2:], -1).transpose(0, 3, 1, 2)
                                .astype(weight.dtype, order="C"))
        if "bias" in self.params:
            self.grads["bias"] = d_s.sum(axis=1).astype(self.params["bias"].dtype)
        if not self.input_grad:
            return None
        d_cols = _times_wide(_weight_matrix(weight, cols.dtype).T, d_s)
        dx_pad = col2im(d_cols, x_shape[1], geometry)
        return unpad2d(dx_pad.transpose(3, 0, 1, 2), self.padding, self.padding_mode)

    def __repr__(self):
        extra = "" if self.padding_mode == "zeros" else f", padding_mode={self.padding_mode!r}"
        return (f"Conv2d({self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size},"
                f" stride={self.stride}, padding={self.padding}{extra})")


class _Pool2d(Module):
    """Shared set-up of max and average pooling (no learnable parameters)."""

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size = _pair(kernel_size, "kernel_size")
        self.stride = _pair(kernel_size if stride is None else stride, "stride")
        self.padding = _pair(padding, "padding")
        if min(self.kernel_size) < 1 or min(self.stride) < 1:
            raise ValueError("kernel_size and stride must be at least 1")
        if any(2 * p > k for p, k in zip(self.padding, self.kernel_size, strict=True)):
            raise ValueError(f"padding {self.padding} must be at most half the kernel size "
                             f"{self.kernel_size}")
        self.cache = None

    def _offset_views(self, x, fill):
        """x (N, C, H, W) → the views x_pad[..., y + s·j, x + s·i] (N, C, Ho, Wo) for every
        kernel offset (y, x) in row-major order, the padded shape and (Ho, Wo)."""
        x = _check_input(x, type(self).__name__)
        out_size = _output_size(type(self).__name__, x.shape, self.kernel_size, self.stride,
                                self.padding)
        x_pad = pad2d(x, self.padding, value=fill)
        kh, kw = self.kernel_size
        views = [_window(x_pad, y, x_, self.stride, out_size)
                 for y in range(kh) for x_ in range(kw)]
        return views, x_pad.shape, out_size

    def _dout(self, dout, padded_shape, out_size):
        """dout checked against the forward output's shape (N, C, Ho, Wo)."""
        return _check_dout(type(self).__name__, dout, (*padded_shape[:2], *out_size))

    def _scatter(self, offset_grad, dtype, padded_shape, out_size):
        """∂J/∂x: add offset_grad(k) (N, C, Ho, Wo) back where offset k's view came from."""
        kh, kw = self.kernel_size
        dx_pad = np.zeros(padded_shape, dtype)
        for k in range(kh * kw):
            _window(dx_pad, k // kw, k % kw, self.stride, out_size)[...] += offset_grad(k)
        return unpad2d(dx_pad, self.padding)

    def __repr__(self):
        return (f"{type(self).__name__}(kernel_size={self.kernel_size}, stride={self.stride}, "
                f"padding={self.padding})")


class MaxPool2d(_Pool2d):
    """최대 풀링: (N, C, H, W) → (N, C, Ho, Wo); padding counts as −∞, as in torch.

    The gradient goes to the first maximum of each window (row-major), as in torch.
    """

    def forward(self, x):
        views, padded_shape, out_size = self._offset_views(x, fill=-np.inf)
        out = views[0].copy()
        arg = np.zeros(out.shape, np.min_scalar_type(len(views) - 1))  # 최댓값의 자리 k
        for k, view in enumerate(views[1:], start=1):
            greater = (view > out).view(np.uint8)  # strictly: a tie keeps the first maximum
            np.maximum(out, view, out=out)
            arg += greater * (k - arg)             # arg = k where greater (no masked copy)
        self.cache = (arg, padded_shape, out_size)
        return out

    def backward(self, dout):
        arg, padded_shape, out_size = self._cache()
        dout = self._dout(dout, padded_shape, out_size)
        return self._scatter(lambda k: dout * (arg == k), dout.dtype, padded_shape, out_size)


class AvgPool2d(_Pool2d):
    """평균 풀링: (N, C, H, W) → (N, C, Ho, Wo); padded zeros count in the mean, as in torch."""

    def forward(self, x):
        views, padded_shape, out_size = self._offset_views(x, fill=0.0)
        self.cache = (padded_shape, out_size)
        out = views[0].copy()
        for view in views[1:]:
            out += view
        return out / len(views)

    def backward(self, dout):
        padded_shape, out_size = self._cache()
        kh, kw = self.kernel_size
        share = self._dout(dout, padded_shape, out_size) / (kh * kw)  # 창 안의 모든 자리에 똑같이
        return self._scatter(lambda k: share, share.dtype, padded_shape, out_size)


class Linear(Module):
    """완전연결층: weight (out, in), bias (out,); x (N, in_features) → (N, out_features)."""

    def __init__(self, in_features, out_features, bias=True, *, rng=None, dtype=np.float32):
        super().__init__()
        self.in_features = _positive_int(in_features, "in_features")
        self.out_features = _positive_int(out_features, "out_features")
        bound = 1 / np.sqrt(in_features)
        self.params["weight"] = _uniform(rng, bound, (out_features, in_features), dtype)
        if bias:
            self.params["bias"] = _uniform(rng, bound, (out_features,), dtype)
        self.cache = None

    def forward(self, x):
        x = np.asarray(x)
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise ValueError(f"Linear expects input of shape (N, {self.in_features}), "
                             f"got {x.shape}")
        self.cache = x
        s = x @ self.params["weight"].astype(x.dtype, copy=False).T
        if "bias" in self.params:
            s += self.params["bias"].astype(x.dtype, copy=False)
        return s

    def backward(self, dout):
        x = self._cache()
        dout = _check_dout("Linear", dout, (len(x), self.out_features), x.dtype)
        weight = self.params["weight"]
        self.grads["weight"] = (dout.T @ x).astype(weight.dtype)
        if "bias" in self.params:
            self.grads["bias"] = dout.sum(axis=0).astype(self.params["bias"].dtype)
        return dout @ weight.astype(x.dtype, copy=False)

    def __repr__(self):
        return f"Linear(in_features={self.in_features}, out_features={self.out_features})"


class ReLU(Module):
    """τ(s) = max(0, s); τ'(s) = 1 for s > 0, else 0 (also at 0, as in torch)."""

    def __init__(self):
        super().__init__()
        self.cache = None

    def forward(self, x):
        self.cache = x > 0
        return np.maximum(x, 0)

    def backward(self, dout):
        positive = self._cache()
        return _check_dout("ReLU", dout, positive.shape) * positive

    def __repr__(self):
        return "ReLU()"


class Flatten(Module):
    """(N, d1, d2, ...) → (N, d1·d2·...), like torch.nn.Flatten()."""

    def __init__(self):
        super().__init__()
        self.cache = None

    def forward(self, x):
        self.cache = x.shape
        return np.reshape(x, (len(x), -1))

    def backward(self, dout):
        shape = self._cache()
        dout = _check_dout("Flatten", dout, (shape[0], int(np.prod(shape[1:]))))
        return dout.reshape(shape)

    def __repr__(self):
        return "Flatten()"


class Sequential(Module):
    """Layers applied in order; parameters are named "<index>.<name>" as in torch.nn.Sequential."""

    def __init__(self, *layers):
        super().__init__()
        self.layers = list(layers)

    def __getitem__(self, index):
        return self.layers[index]

    def __len__(self):
        return len(self.layers)

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dout):
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout

    def named_parameters(self):
        return [(f"{i}.{name}", p) for i, layer in enumerate(self.layers)
                for name, p in layer.named_parameters()]

    def named_grads(self):
        return [(f"{i}.{name}", g) for i, layer in enumerate(self.layers)
                for name, g in layer.named_grads()]

    def _set_param(self, name, value):
        index, rest = name.split(".", 1)
        self.layers[int(index)]._set_param(rest, value)

    def __repr__(self):
        body = "".join(f"\n  ({i}): {layer!r}" for i, layer in enumerate(self.layers))
        return f"Sequential({body}\n)"


class CrossEntropyLoss:
    """softmax + 교차 엔트로피, averaged over the batch, like torch.nn.CrossEntropyLoss.

    forward(s, y): scores s (N, c), integer labels y (N,) → J; backward() → ∂J/∂s (N, c).
    """

    def __init__(self):
        self.cache = None

    def __call__(self, s, y):
        return self.forward(s, y)

    def forward(self, s, y):
        s, y = np.asarray(s), np.asarray(y)
        if s.ndim != 2 or y.shape != (len(s),):
            raise ValueError(f"expected scores (N, c) and labels (N,), got {s.shape} and {y.shape}")
        self.cache = (s, y)
        return float(-log_softmax(s)[np.arange(len(y)), y].mean())

    def backward(self):
        if self.cache is None:
            raise RuntimeError("CrossEntropyLoss: call forward before backward")
        s, y = self.cache
        d_s = softmax(s)
        d_s[np.arange(len(y)), y] -= 1   # ∂J/∂s = (softmax(s) − onehot(y)) / N
        return d_s / len(y)


class SGD:
    """Minibatch SGD: every parameter u ← u − ρ · ∂J/∂u, in place (알고리즘 4-1, line 22)."""

    def __init__(self, module, lr):
        if lr <= 0:
            raise ValueError(f"learning rate must be positive, got {lr}")
        self.module, self.lr = module, lr

    def step(self):
        grads = dict(self.module.named_grads())
        for name, p in self.module.named_parameters():
            if name not in grads:
                raise RuntimeError(f"no gradient for {name}: call backward before step")
            p -= self.lr * grads[name]


def predict(module, X, batch_size=500):
    """Class scores of ``module`` for X, in batches: (N, ...) → (N, c)."""
    return np.concatenate([module.forward(X[i:i + batch_size])
                           for i in range(0, len(X), batch_size)])


def evaluate(module, X, y, batch_size=500):
    """Accuracy: the fraction of samples whose argmax score is the label."""
    return float(np.mean(predict(module, X, batch_size).argmax(axis=1) == np.asarray(y)))


def fit(module, X, y, *, epochs, lr=0.1, batch_size=64, X_val=None, y_val=None, seed=0,
        progress=True):
    """Minibatch SGD with softmax cross-entropy, like :func:`dlbasics.train.fit` for torch.

    The minibatches are drawn by the same seeded generator as ``dlbasics.train.fit``, so a
    NumPy network and a torch network that start from the same weights see the same samples
    in the same order. Returns the history dict (loss, train_acc, val_acc, seconds).
    """
    import time

    import torch
    from tqdm.auto import tqdm

    from .train import minibatches

    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} samples but y has {len(y)}")
    loss_fn, optimizer = CrossEntropyLoss(), SGD(module, lr)
    generator = torch.Generator().manual_seed(seed)
    history = {"loss": [], "train_acc": [], "val_acc": [], "seconds": []}
    for _ in tqdm(range(epochs), desc="epoch", disable=not progress, leave=False):
        start, total = time.perf_counter(), 0.0
        for idx in minibatches(len(X), batch_size, generator):
            idx = idx.numpy()
            total += loss_fn(module.forward(X[idx]), y[idx]) * len(idx)
            module.backward(loss_fn.backward())
            optimizer.step()
        history["seconds"].append(time.perf_counter() - start)
        history["loss"].append(total / len(X))
        history["train_acc"].append(evaluate(module, X, y))
        if X_val is not None:
            history["val_acc"].append(evaluate(module, X_val, y_val))
    return history
