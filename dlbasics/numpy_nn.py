"""NumPy 층 (layers) with the constructor arguments and weight layout of their torch.nn twins.

Every layer has ``forward(x)`` and ``backward(dout)``: ``forward`` keeps exactly what
``backward`` needs, and ``backward`` returns ∂J/∂x and stores ∂J/∂(each parameter) in
``layer.grads`` (overwritten, not accumulated as in torch). Parameters live in ``layer.params``
under torch's names (``weight``, ``bias``; ``0.weight`` ... inside a :class:`Sequential`), so
weights copy across with :meth:`Module.load_torch` and :meth:`Module.to_torch`.

Arrays are NCHW like torch: x has shape (N, C, H, W). Computation runs in the input's dtype
(float32 for training, float64 for checks); weights are cast to it when they differ.

The convolution is an im2col matrix product: the input is copied once into a matrix whose
columns are the receptive fields, so that one BLAS call does the multiply-adds. Intermediate
arrays are kept channel-major (C, N, H, W) in memory, which makes both the copy and the
matrix products contiguous; outputs are transposed *views* with NCHW shape.
"""

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


def pad2d(x, padding, mode="zeros", value=0.0):
    """Pad the last two axes of ``x`` by (ph, pw) on each side.

    mode "zeros" fills with ``value`` (0 by default; max pooling uses −∞), "replicate" copies
    the nearest edge value (그림 4-7).
    """
    ph, pw = _pair(padding, "padding")
    if ph == pw == 0:
        return x
    if mode not in PADDING_MODES:
        raise ValueError(f"padding_mode must be one of {PADDING_MODES}, got {mode!r}")
    if mode == "replicate":
        return np.pad(x, [(0, 0)] * (x.ndim - 2) + [(ph, ph), (pw, pw)], mode="edge")
    out = np.full((*x.shape[:-2], x.shape[-2] + 2 * ph, x.shape[-1] + 2 * pw), value, x.dtype)
    out[..., ph:ph + x.shape[-2], pw:pw + x.shape[-1]] = x
    return out


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


def im2col(x_pad_t, kernel, stride, out_size):
    """Receptive fields as columns.

    x_pad_t: padded input, channel-major (C, N, Hp, Wp). Returns (C·kh·kw, N·Ho·Wo): row
    (c, y, x), column (n, j, i) holds x_pad[n, c, s·j + y, s·i + x], so that
    weight.reshape(O, C·kh·kw) @ cols is the convolution.
    """
    (kh, kw), (Ho, Wo) = kernel, out_size
    C, N = x_pad_t.shape[:2]
    cols = np.empty((C, kh, kw, N, Ho, Wo), x_pad_t.dtype)
    for y in range(kh):
        for x in range(kw):
            cols[:, y, x] = _window(x_pad_t, y, x, stride, out_size)
    return cols.reshape(C * kh * kw, N * Ho * Wo)


def col2im(cols, padded_shape, kernel, stride, out_size):
    """Backward of :func:`im2col`: add each column entry back where it was copied from.

    cols: (C·kh·kw, N·Ho·Wo); returns the channel-major padded gradient (C, N, Hp, Wp).
    """
    (kh, kw), (Ho, Wo) = kernel, out_size
    C, N = padded_shape[:2]
    cols = cols.reshape(C, kh, kw, N, Ho, Wo)
    dx_pad = np.zeros(padded_shape, cols.dtype)
    for y in range(kh):
        for x in range(kw):
            _window(dx_pad, y, x, stride, out_size)[...] += cols[:, y, x]
    return dx_pad


def conv2d(x, weight, bias=None, stride=1, padding=0, padding_mode="zeros"):
    """Convolution (cross-correlation, as torch.nn.functional.conv2d computes it).

    x: (N, C, H, W), weight: (O, C, kh, kw), bias: (O,) or None → (N, O, Ho, Wo).
    """
    return _conv_forward(x, weight, bias, _pair(stride, "stride"), _pair(padding, "padding"),
                         padding_mode)[0]


def _conv_forward(x, weight, bias, stride, padding, padding_mode):
    """Returns the output and the cache that the backward pass needs."""
    O, C, kh, kw = weight.shape
    x = _check_input(x, "Conv2d", C)
    Ho, Wo = _output_size("Conv2d", x.shape, (kh, kw), stride, padding)
    x_pad_t = pad2d(x.transpose(1, 0, 2, 3), padding, padding_mode)
    cols = im2col(x_pad_t, (kh, kw), stride, (Ho, Wo))
    W = weight.reshape(O, -1).astype(x.dtype, copy=False)
    s = W @ cols                                          # (O, N·Ho·Wo)
    if bias is not None:
        s += bias.astype(x.dtype, copy=False)[:, None]    # 그림 4-8: 바이어스를 더한다
    out = s.reshape(O, len(x), Ho, Wo).transpose(1, 0, 2, 3)
    return out, (cols, x_pad_t.shape, x.shape, (Ho, Wo))


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
        self.in_channels, self.out_channels = in_channels, out_channels
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
        self.cache = None

    def forward(self, x):
        out, self.cache = _conv_forward(x, self.params["weight"], self.params.get("bias"),
                                        self.stride, self.padding, self.padding_mode)
        return out

    def backward(self, dout):
        """dout: (N, out_channels, Ho, Wo) → ∂J/∂x (N, in_channels, H, W)."""
        cols, padded_shape, x_shape, out_size = self._cache()
        weight = self.params["weight"]
        O = weight.shape[0]
        dout = np.asarray(dout, dtype=cols.dtype)
        if dout.shape != (x_shape[0], O, *out_size):
            raise ValueError(f"Conv2d.backward expects dout of shape "
                             f"{(x_shape[0], O, *out_size)}, got {dout.shape}")
        d_s = dout.transpose(1, 0, 2, 3).reshape(O, -1)  # (O, N·Ho·Wo)
        self.grads["weight"] = (d_s @ cols.T).reshape(weight.shape).astype(weight.dtype)
        if "bias" in self.params:
            self.grads["bias"] = d_s.sum(axis=1).astype(self.params["bias"].dtype)
        d_cols = weight.reshape(O, -1).astype(cols.dtype, copy=False).T @ d_s
        dx_pad = col2im(d_cols, padded_shape, self.kernel_size, self.stride, out_size)
        return unpad2d(dx_pad, self.padding, self.padding_mode).transpose(1, 0, 2, 3)

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

    def _windows(self, x, fill):
        """x (N, C, H, W) → windows (N, C, Ho, Wo, kh·kw) as a copy, and (Ho, Wo)."""
        x = _check_input(x, type(self).__name__)
        out_size = _output_size(type(self).__name__, x.shape, self.kernel_size, self.stride,
                                self.padding)
        x_pad = pad2d(x, self.padding, value=fill)
        kh, kw = self.kernel_size
        windows = np.stack([_window(x_pad, y, x_, self.stride, out_size)
                            for y in range(kh) for x_ in range(kw)], axis=-1)
        return windows, x_pad.shape, out_size

    def _scatter(self, d_windows, padded_shape, out_size):
        """Add d_windows (N, C, Ho, Wo, kh·kw) back into the input's shape."""
        kh, kw = self.kernel_size
        dx_pad = np.zeros(padded_shape, d_windows.dtype)
        for k in range(kh * kw):
            _window(dx_pad, k // kw, k % kw, self.stride, out_size)[...] += d_windows[..., k]
        return unpad2d(dx_pad, self.padding)

    def __repr__(self):
        return (f"{type(self).__name__}(kernel_size={self.kernel_size}, stride={self.stride}, "
                f"padding={self.padding})")


class MaxPool2d(_Pool2d):
    """최대 풀링: (N, C, H, W) → (N, C, Ho, Wo); padding counts as −∞, as in torch.

    The gradient goes to the first maximum of each window (row-major), as in torch.
    """

    def forward(self, x):
        windows, padded_shape, out_size = self._windows(x, fill=-np.inf)
        arg = windows.argmax(axis=-1)
        self.cache = (arg, padded_shape, out_size)
        return np.take_along_axis(windows, arg[..., None], axis=-1)[..., 0]

    def backward(self, dout):
        arg, padded_shape, out_size = self._cache()
        kh, kw = self.kernel_size
        d_windows = np.zeros((*arg.shape, kh * kw), np.asarray(dout).dtype)
        np.put_along_axis(d_windows, arg[..., None], np.asarray(dout)[..., None], axis=-1)
        return self._scatter(d_windows, padded_shape, out_size)


class AvgPool2d(_Pool2d):
    """평균 풀링: (N, C, H, W) → (N, C, Ho, Wo); padded zeros count in the mean, as in torch."""

    def forward(self, x):
        windows, padded_shape, out_size = self._windows(x, fill=0.0)
        self.cache = (padded_shape, out_size)
        return windows.mean(axis=-1)

    def backward(self, dout):
        padded_shape, out_size = self._cache()
        kh, kw = self.kernel_size
        d_windows = np.broadcast_to(np.asarray(dout)[..., None] / (kh * kw),
                                    (*np.shape(dout), kh * kw))
        return self._scatter(d_windows, padded_shape, out_size)


class Linear(Module):
    """완전연결층: weight (out, in), bias (out,); x (N, in_features) → (N, out_features)."""

    def __init__(self, in_features, out_features, bias=True, *, rng=None, dtype=np.float32):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
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
        dout = np.asarray(dout, dtype=x.dtype)
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
        return dout * self._cache()

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
        return np.reshape(dout, self._cache())

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


def count_parameters(module):
    """Number of learnable parameters."""
    return sum(p.size for p in module.parameters())


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
