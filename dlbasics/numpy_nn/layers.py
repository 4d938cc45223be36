"""완전연결층 (Linear), ReLU, Flatten and Sequential."""

import math

import numpy as np

from .base import (
    Module,
    _check_device,
    _check_dout,
    _float_dtype,
    _masked,
    _positive_int,
    _uniform,
)


class Linear(Module):
    """완전연결층: weight (out_features, in_features), bias (out_features,).

    forward: x (*, in_features) → (*, out_features) for any leading dimensions (N, none, or
    more), as torch.nn.Linear. dtype None is float32; device None or 'cpu'.
    """

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None, *,
                 rng=None):
        super().__init__()
        _check_device(device, "Linear")
        dtype = _float_dtype(dtype, "Linear")
        self.in_features = _positive_int(in_features, "in_features")
        self.out_features = _positive_int(out_features, "out_features")
        bound = 1 / np.sqrt(in_features)
        self.params["weight"] = _uniform(rng, bound, (out_features, in_features), dtype)
        if bias:
            self.params["bias"] = _uniform(rng, bound, (out_features,), dtype)
        self.cache = None

    def forward(self, x):
        x = np.asarray(x)
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ValueError(f"Linear expects input of shape (N, {self.in_features}) or, with "
                             f"any leading dimensions, (*, {self.in_features}); got {x.shape}")
        if not np.issubdtype(x.dtype, np.floating):
            raise TypeError(f"Linear expects a float array, got dtype {x.dtype}")
        z = x.reshape(-1, self.in_features)              # the samples as rows
        self.cache = (z, x.shape)
        s = z @ self.params["weight"].astype(x.dtype, copy=False).T
        if "bias" in self.params:
            s += self.params["bias"].astype(x.dtype, copy=False)
        return s.reshape(*x.shape[:-1], self.out_features)

    def backward(self, dout):
        z, x_shape = self._cache()
        dout = _check_dout("Linear", dout, (*x_shape[:-1], self.out_features), z.dtype)
        dout = dout.reshape(-1, self.out_features)
        weight = self.params["weight"]
        self.grads["weight"] = (dout.T @ z).astype(weight.dtype)
        if "bias" in self.params:
            self.grads["bias"] = dout.sum(axis=0).astype(self.params["bias"].dtype)
        return (dout @ weight.astype(z.dtype, copy=False)).reshape(x_shape)

    def __repr__(self):
        return (f"Linear(in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={'bias' in self.params})")


class ReLU(Module):
    """τ(s) = max(0, s); τ'(s) = 1 for s > 0, else 0 (also at 0, as in torch).

    inplace=True overwrites the input array with the output, as torch does. A NaN passes
    through, and so does its gradient (torch's rule: the gradient is 0 where s ≤ 0).
    """

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = bool(inplace)
        self.cache = None

    def forward(self, x):
        if self.inplace and not isinstance(x, np.ndarray):
            raise TypeError(f"ReLU(inplace=True) needs a NumPy array to overwrite, got "
                            f"{type(x).__name__}")
        out = np.maximum(x, 0, out=x if self.inplace else None)
        self.cache = out != 0     # s > 0, or NaN: where torch passes the gradient on
        return out

    def backward(self, dout):
        passes = self._cache()
        dout = _check_dout("ReLU", dout, passes.shape)
        return _masked(dout, passes)

    def __repr__(self):
        return "ReLU(inplace=True)" if self.inplace else "ReLU()"


def _dim(d, ndim, name):
    """Axis d (negative counts from the end) of an ndim-dimensional array, as an index ≥ 0."""
    if not isinstance(d, (int, np.integer)) or isinstance(d, bool):
        raise TypeError(f"Flatten: {name} must be an int, got {d!r}")
    if not -ndim <= d < ndim:
        raise IndexError(f"Flatten: {name}={d} is out of range for a {ndim}-D input (expected "
                         f"{-ndim} to {ndim - 1})")
    return int(d) % ndim


class Flatten(Module):
    """Axes start_dim..end_dim into one, like torch.nn.Flatten (default: (N, d1, d2, ...) →
    (N, d1·d2·...)). A 0-d input counts as 1-d, as in torch."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim
        self.cache = None

    def forward(self, x):
        x = np.asarray(x)
        shape = x.shape or (1,)
        start = _dim(self.start_dim, len(shape), "start_dim")
        end = _dim(self.end_dim, len(shape), "end_dim")
        if start > end:
            raise ValueError(f"Flatten: start_dim={self.start_dim} comes after "
                             f"end_dim={self.end_dim} for a {len(shape)}-D input")
        flat = math.prod(shape[start:end + 1])
        out = x.reshape(*shape[:start], flat, *shape[end + 1:])
        self.cache = (x.shape, out.shape)
        return out

    def backward(self, dout):
        x_shape, out_shape = self._cache()
        return _check_dout("Flatten", dout, out_shape).reshape(x_shape)

    def __repr__(self):
        return f"Flatten(start_dim={self.start_dim}, end_dim={self.end_dim})"


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
