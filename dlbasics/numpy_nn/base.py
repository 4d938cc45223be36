"""What every NumPy layer shares: the Module base class and the checks of arguments and inputs."""

import numpy as np


def _pair(value, name):
    """An int or a pair of ints to a pair of non-negative ints."""
    pair = (value, value) if np.isscalar(value) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                                 and v >= 0 for v in pair):
        raise ValueError(f"{name} must be a non-negative int or a pair of them, got {value!r}")
    return tuple(int(v) for v in pair)


def _positive_pair(value, name):
    """A pair of ints ≥ 1 (kernel sizes, strides, dilations)."""
    pair = _pair(value, name)
    if min(pair) < 1:
        raise ValueError(f"{name} must be at least 1, got {value!r}")
    return pair


def _positive_int(value, name):
    """value as an int ≥ 1 (channel and feature counts)."""
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return int(value)


def _float_dtype(dtype, layer):
    """A layer's ``dtype`` argument as a NumPy float dtype; None is float32, as in torch.

    torch dtypes (torch.float64) are accepted by name, so a line copied from a torch model works.
    """
    if dtype is None:
        return np.dtype(np.float32)
    if type(dtype).__module__.startswith("torch"):
        dtype = str(dtype).removeprefix("torch.")
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{layer}: dtype={dtype!r} is not supported: NumPy has no such "
                        "type") from None
    if not np.issubdtype(dtype, np.floating):
        raise TypeError(f"{layer}: dtype must be a floating-point type, got {dtype}")
    return dtype


def _check_device(device, layer):
    """The NumPy layers compute on the CPU: device None or 'cpu', anything else is refused."""
    if device is not None and str(device).split(":")[0] != "cpu":
        raise ValueError(f"{layer}: device={device!r} is not supported: the NumPy layers "
                         "compute on the CPU (device=None or 'cpu')")


def _image_batch(x, name, channels=None):
    """x as a float array (N, C, H, W), and whether it came unbatched as (C, H, W)."""
    x = np.asarray(x)
    c = "C" if channels is None else channels
    if x.ndim not in (3, 4):
        raise ValueError(f"{name} expects a 3-D input ({c}, H, W) or a 4-D input (N, {c}, H, W),"
                         f" got shape {x.shape}")
    if channels is not None and x.shape[-3] != channels:
        raise ValueError(f"{name} expects {channels} input channels, i.e. shape (N, {c}, H, W) "
                         f"or ({c}, H, W), got shape {x.shape}")
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"{name} expects a float array, got dtype {x.dtype}")
    return (x[None], True) if x.ndim == 3 else (x, False)


def _check_dout(name, dout, shape, dtype=None):
    """dout as an array of the layer's output shape; the error names that shape."""
    dout = np.asarray(dout, dtype=dtype)
    if dout.shape != tuple(shape):
        raise ValueError(f"{name}.backward expects dout of shape {tuple(shape)} (the shape of "
                         f"its forward output), got {dout.shape}")
    return dout


def _masked(dout, mask):
    """dout where mask holds, else 0, as torch routes a gradient. A product is fast, but
    0·inf is NaN where torch gives 0: a NaN in the product sends dout through np.where."""
    out = dout * mask
    if out.size and np.isnan(out.max()):
        out = np.where(mask, dout, 0)
    return out


def _output_size(name, shape, kernel, stride, pads, dilation=(1, 1), ceil_mode=False):
    """(Ho, Wo) of a sliding window over the last two axes of ``shape``.

    Per axis Ho = floor((H + top + bottom − d·(kh − 1) − 1)/s) + 1; with ceil_mode the division
    rounds up, but a last window that would start in the right padding is dropped (as in
    torch). No window: ValueError.
    """
    sizes, spans = [], []
    for n, k, s, (before, after), d in zip(shape[-2:], kernel, stride, pads, dilation,
                                           strict=True):
        spans.append(d * (k - 1) + 1)
        room = n + before + after - spans[-1]
        size = (-(-room // s) if ceil_mode else room // s) + 1
        if ceil_mode and (size - 1) * s >= n + before:
            size -= 1
        sizes.append(size)
    if min(sizes) < 1:
        (kh, kw), (H, W), ((pt, pb), (pl, pr)) = kernel, shape[-2:], pads
        dilated = (f" with dilation {dilation[0]}×{dilation[1]} spans {spans[0]}×{spans[1]} and"
                   if tuple(dilation) != (1, 1) else "")
        raise ValueError(
            f"{name}: kernel {kh}×{kw}{dilated} is larger than the padded input "
            f"{H + pt + pb}×{W + pl + pr} (H + {pt} + {pb}, W + {pl} + {pr}); expected an input "
            f"of shape (N, C, H, W) with H ≥ {max(spans[0] - pt - pb, 1)} and "
            f"W ≥ {max(spans[1] - pl - pr, 1)}, got {tuple(shape)}")
    return tuple(sizes)


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
