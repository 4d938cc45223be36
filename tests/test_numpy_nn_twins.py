"""The NumPy layers as twins of torch.nn (issue 19): random configurations against torch.

For each layer, CONFIGS random configurations, drawn by one seeded generator, cover every
constructor argument and every value of each option, batched, unbatched and empty inputs, and
the edge cases torch's documentation describes. Each runs forward and backward in float64 in
both libraries: output, ∂J/∂x and every parameter gradient must agree to 1e-10 (relative to
the largest value, at least 1), NaN where torch has NaN. Where torch refuses a configuration
(an input too small for reflect padding, 'same' with a stride, ...), the NumPy layer must
refuse it too. Each sweep asserts how often each argument value was exercised;

    python tests/test_numpy_nn_twins.py

prints those counts.
"""

import sys
from collections import Counter

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from dlbasics import numpy_nn

TOL = 1e-10
CONFIGS = 200          # per layer, compared with torch
MIN_COUNT = 3          # every argument value is exercised by at least this many configurations
ERRORS = (ValueError, TypeError, IndexError, RuntimeError)
NUMPY_TO_TORCH = {np.float32: torch.float32, np.float64: torch.float64}


def close(ours, theirs):
    """Relative error of ours against torch's (arrays of one shape; NaN must match NaN)."""
    ours, theirs = np.asarray(ours, np.float64), np.asarray(theirs, np.float64)
    if ours.shape != theirs.shape:
        return f"shape {ours.shape} vs torch {theirs.shape}"
    if not np.array_equal(np.isnan(ours), np.isnan(theirs)):
        return "NaN in different places"
    ours, theirs = np.nan_to_num(ours, nan=0.0), np.nan_to_num(theirs, nan=0.0)
    if not np.array_equal(np.isinf(ours), np.isinf(theirs)):
        return "±inf in different places"
    finite = np.isfinite(theirs)
    diff = np.abs(ours[finite] - theirs[finite])
    err = np.max(diff, initial=0) / max(1.0, np.max(np.abs(theirs[finite]), initial=0))
    return None if err < TOL and np.array_equal(ours[~finite], theirs[~finite]) else f"{err:.1e}"


def torch_forward_backward(module, x, rng):
    """torch's output (and indices), random dout, ∂J/∂x and parameter gradients."""
    xt = torch.tensor(x, requires_grad=True)
    out = module(xt)
    out, indices = out if isinstance(out, tuple) else (out, None)
    dout = np.asarray(rng.standard_normal(tuple(out.shape)))
    out.backward(torch.from_numpy(dout))
    dx = np.zeros_like(x) if xt.grad is None else xt.grad.numpy()
    grads = {name: np.zeros(tuple(p.shape)) if p.grad is None else p.grad.numpy()
             for name, p in module.named_parameters()}
    return out.detach().numpy(), indices, dout, dx, grads


def compare_layer(make_ours, make_theirs, x, rng):
    """None if the NumPy layer and its torch twin agree on x (or both refuse), else what differs.

    make_ours() and make_theirs() build the two layers (float64, same weights)."""
    try:
        theirs = make_theirs()
        t_out, t_indices, dout, t_dx, t_grads = torch_forward_backward(theirs, x, rng)
    except ERRORS as torch_error:
        try:
            make_ours().forward(x)
        except ERRORS:
            return None
        return f"torch refuses ({torch_error}) but the NumPy layer does not"
    ours = make_ours()
    out = ours.forward(x)
    out, indices = out if isinstance(out, tuple) else (out, None)
    problems = {"forward": close(out, t_out), "dx": close(ours.backward(dout), t_dx)}
    if t_indices is not None:
        same = np.array_equal(indices, t_indices.numpy()) and indices.dtype == np.int64
        problems["indices"] = None if same else "differ"
    if set(ours.grads) != set(t_grads):
        problems["parameters"] = f"{sorted(ours.grads)} vs torch {sorted(t_grads)}"
    for name, grad in ours.grads.items():
        problems[f"d{name}"] = close(grad, t_grads.get(name, np.nan)) if grad.dtype == x.dtype \
            else f"dtype {grad.dtype}"
    problems = {k: v for k, v in problems.items() if v}
    return problems or None


def sweep(draw, run, labels, seed):
    """Configurations from one seeded generator until CONFIGS of them ran in torch and were
    compared (those torch refuses must be refused by the NumPy layer as well): the failures
    and, for the compared ones, how many exercised each labelled argument value."""
    rng = np.random.default_rng(seed)
    failures, counts = [], Counter()
    for _ in range(3 * CONFIGS):
        cfg = draw(rng)
        problem, accepted = run(cfg, rng)
        if problem:
            failures.append(f"{cfg}: {problem}")
        if accepted:
            counts.update(["(all: configurations compared with torch)", *labels(cfg)])
        else:
            counts["(all: refused by torch and by the NumPy layer)"] += not problem
        if counts["(all: configurations compared with torch)"] == CONFIGS:
            break
    return failures, counts


def report(name, failures, counts, required):
    """Print the coverage table; fail on any failure or any required label seen too rarely."""
    print(f"\n{name}: configurations per argument value")
    for label in sorted(counts):
        print(f"  {label:45s} {counts[label]:4d}")
    assert not failures, f"{len(failures)} configurations differ from torch:\n" + "\n".join(
        failures[:10])
    assert counts["(all: configurations compared with torch)"] == CONFIGS
    rare = {label: counts[label] for label in required if counts[label] < MIN_COUNT}
    assert not rare, f"{name}: argument values exercised fewer than {MIN_COUNT} times: {rare}"


def draw_pair(rng, low, high):
    """An int or a pair of ints in [low, high], half of the time each."""
    if rng.random() < 0.5:
        return int(rng.integers(low, high + 1))
    return tuple(int(v) for v in rng.integers(low, high + 1, size=2))


def pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)


def draw_batch(rng, shape):
    """(N, *shape) with N 1-3, N = 0 (an empty batch) or shape alone (unbatched)."""
    kind = rng.choice(["batched"] * 4 + ["unbatched", "empty"])
    n = {"batched": int(rng.integers(1, 4)), "empty": 0, "unbatched": None}[kind]
    return str(kind), (tuple(shape) if n is None else (n, *shape))


# ---------------------------------------------------------------------------- Conv2d

def draw_conv(rng):
    groups = int(rng.choice([1, 1, 2, 3]))
    kernel, dilation = draw_pair(rng, 1, 4), draw_pair(rng, 1, 3)
    stride = draw_pair(rng, 1, 3) if rng.random() < 0.7 else 1
    padding = rng.choice(["int", "pair", "valid", "same"], p=[0.35, 0.25, 0.1, 0.3])
    if padding == "same" and rng.random() < 0.85:
        stride = 1      # torch refuses 'same' with a stride
    padding = {"int": int(rng.integers(0, 3)), "pair": tuple(int(p) for p in rng.integers(0, 3, 2)),
               "valid": "valid", "same": "same"}[padding]
    span = [d * (k - 1) + 1 for k, d in zip(pair(kernel), pair(dilation), strict=True)]
    H, W = (max(1, s - 2 * p + int(rng.integers(-1, 5)))
            for s, p in zip(span, pair(0 if isinstance(padding, str) else padding), strict=True))
    kind, shape = draw_batch(rng, (groups * int(rng.integers(1, 3)), H, W))
    return dict(in_channels=shape[-3], out_channels=groups * int(rng.integers(1, 4)),
                kernel_size=kernel, stride=stride, padding=padding, dilation=dilation,
                groups=groups, bias=bool(rng.random() < 0.7),
                padding_mode=str(rng.choice(numpy_nn.PADDING_MODES)),
                dtype=[None, np.float32, np.float64, torch.float32, torch.float64][
                    rng.integers(0, 5)],
                device=[None, "cpu"][rng.integers(0, 2)], input=kind, shape=shape)


def run_conv(cfg, rng):
    kwargs = {k: v for k, v in cfg.items() if k not in ("input", "shape")}
    t_kwargs = {**kwargs, "dtype": NUMPY_TO_TORCH.get(cfg["dtype"], cfg["dtype"])}
    try:
        ours = numpy_nn.Conv2d(**kwargs, rng=rng)
    except ERRORS as error:
        try:
            nn.Conv2d(**t_kwargs)
        except ERRORS:
            return None, False
        return f"refused ({error}) where torch accepts", False
    theirs = nn.Conv2d(**t_kwargs)
    if ours.params["weight"].dtype != theirs.weight.detach().numpy().dtype:
        return f"weight dtype {ours.params['weight'].dtype} vs torch {theirs.weight.dtype}", False
    ours.astype(np.float64).to_torch(theirs.double())
    x = rng.standard_normal(cfg["shape"])
    accepted = _accepts(lambda: theirs(torch.from_numpy(x)))
    return compare_layer(lambda: numpy_nn.Conv2d(**kwargs).astype(np.float64).load_torch(theirs),
                         lambda: theirs, x, rng), accepted


def _accepts(fn):
    try:
        fn()
    except ERRORS:
        return False
    return True


def conv_labels(cfg):
    kernel, stride, dilation = (pair(cfg[k]) for k in ("kernel_size", "stride", "dilation"))
    padding, groups = cfg["padding"], cfg["groups"]
    pads = (0, 0) if isinstance(padding, str) else pair(padding)
    labels = [f"kernel_size={'int' if isinstance(cfg['kernel_size'], int) else 'pair'}",
              *{f"stride={s}" for s in stride}, *{f"dilation={d}" for d in dilation},
              f"groups={groups}", f"bias={cfg['bias']}", f"padding_mode={cfg['padding_mode']}",
              f"dtype={getattr(cfg['dtype'], '__name__', cfg['dtype'])}",
              f"device={cfg['device']}", f"input={cfg['input']}"]
    if isinstance(padding, str):
        labels.append(f"padding='{padding}'")
    else:
        labels += [f"padding={'int' if isinstance(padding, int) else 'pair'}",
                   *{f"padding={p}" for p in pads}]
    if padding == "same" and any(k % 2 == 0 for k in kernel):
        labels.append("padding='same', even kernel (asymmetric)")
    if max(dilation) > 1 and (max(pads) > 0 or padding == "same"):
        labels.append("dilation with padding")
    if groups > 1 and cfg["out_channels"] > groups:
        labels.append("groups, out_channels a multiple > 1 of groups")
    if groups > 1 and cfg["in_channels"] == groups:
        labels.append("groups = in_channels (depthwise)")
    if max(pads) > 0 or (padding == "same" and max(dilation) * max(kernel) > 1):
        labels.append(f"padding_mode={cfg['padding_mode']} with padding > 0")
    if kernel[0] != kernel[1]:
        labels.append("kernel_size non-square")
    if any(k % 2 == 0 for k in kernel):
        labels.append("kernel_size even")
    return labels


CONV_REQUIRED = [
    "kernel_size=int", "kernel_size=pair", "kernel_size non-square", "kernel_size even",
    "stride=1", "stride=2", "stride=3", "dilation=1", "dilation=2", "dilation=3",
    "padding=int", "padding=pair", "padding=0", "padding=1", "padding=2", "padding='valid'",
    "padding='same'", "padding='same', even kernel (asymmetric)", "dilation with padding",
    "groups=1", "groups=2", "groups=3", "groups, out_channels a multiple > 1 of groups",
    "groups = in_channels (depthwise)", "bias=True", "bias=False",
    *(f"padding_mode={m} with padding > 0" for m in numpy_nn.PADDING_MODES),
    "dtype=None", "dtype=float32", "dtype=float64", "dtype=torch.float32", "dtype=torch.float64",
    "device=None", "device=cpu", "input=batched", "input=unbatched", "input=empty",
]


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel:UserWarning")
def test_conv2d_twin_of_torch_over_random_configurations():
    failures, counts = sweep(draw_conv, run_conv, conv_labels, seed=19)
    report("Conv2d", failures, counts, CONV_REQUIRED)


# ---------------------------------------------------------------------------- pooling

def draw_pool_common(rng):
    kernel = draw_pair(rng, 1, 4)
    kh, kw = pair(kernel)
    if rng.random() < 0.9:   # torch's rule: padding at most half the kernel
        padding = (int(rng.integers(0, kh // 2 + 1)), int(rng.integers(0, kw // 2 + 1)))
        padding = padding[0] if rng.random() < 0.5 else padding
    else:
        padding = int(rng.integers(1, 3)) + max(kh, kw) // 2
    stride = None if rng.random() < 0.25 else draw_pair(rng, 1, 3)
    return dict(kernel_size=kernel, stride=stride, padding=padding,
                ceil_mode=bool(rng.random() < 0.5))


def draw_pool_input(rng, cfg, span):
    pads = pair(cfg["padding"])
    H, W = (max(1, s - 2 * p + int(rng.integers(-1, 6))) for s, p in zip(span, pads, strict=True))
    kind, shape = draw_batch(rng, (int(rng.integers(1, 3)), H, W))
    return {**cfg, "input": kind, "shape": shape}


def draw_max_pool(rng):
    cfg = draw_pool_common(rng)
    cfg.update(dilation=draw_pair(rng, 1, 3), return_indices=bool(rng.random() < 0.4),
               values=str(rng.choice(["distinct"] * 5 + ["ties", "-inf", "nan"])))
    span = [d * (k - 1) + 1 for k, d in zip(pair(cfg["kernel_size"]), pair(cfg["dilation"]),
                                            strict=True)]
    return draw_pool_input(rng, cfg, span)


def pool_input(cfg, rng):
    x = rng.standard_normal(cfg["shape"])
    values = cfg.get("values")
    if values == "ties":          # as after a ReLU: many equal values in a window
        x = np.maximum(np.round(x), 0)
    elif values == "-inf":
        x[rng.random(x.shape) < 0.4] = -np.inf
    elif values == "nan":
        x[rng.random(x.shape) < 0.1] = np.nan
    return x


def run_pool(kind, cfg, rng):
    kwargs = {k: v for k, v in cfg.items() if k not in ("input", "shape", "values")}
    make_ours = lambda: getattr(numpy_nn, kind)(**kwargs)  # noqa: E731
    make_theirs = lambda: getattr(nn, kind)(**kwargs)  # noqa: E731
    try:
        make_theirs()
    except ERRORS:
        return (None if not _accepts(make_ours) else "refused by torch only"), False
    x = pool_input(cfg, rng)
    try:
        out = make_theirs()(torch.from_numpy(x))
    except ERRORS:
        return compare_layer(make_ours, make_theirs, x, rng), False
    if padding_only_window(cfg, (out[0] if isinstance(out, tuple) else out).shape[-2:]):
        # torch computes −∞ there with an index outside the input, and its backward pass
        # writes out of bounds (it can crash the process): the NumPy layer refuses
        return (None if not _accepts(lambda: make_ours().forward(x))
                else "a window on padding only is not refused"), False
    return compare_layer(make_ours, make_theirs, x, rng), True


def padding_only_window(cfg, out_size):
    """Whether some (dilated) window meets padding only, no position of the input."""
    stride = pair(cfg["stride"] if cfg["stride"] is not None else cfg["kernel_size"])
    for n, o, k, s, p, d in zip(cfg["shape"][-2:], out_size, pair(cfg["kernel_size"]), stride,
                                pair(cfg["padding"]), pair(cfg.get("dilation", 1)), strict=True):
        reach = (np.arange(o) * s - p)[:, None] + d * np.arange(k)
        if not ((reach >= 0) & (reach < n)).any(axis=1).all():
            return True
    return False


def dropped_window(cfg):
    """Whether ceil_mode's rule drops a last window that would start in the right padding."""
    if not cfg["ceil_mode"]:
        return False
    stride = pair(cfg["stride"] if cfg["stride"] is not None else cfg["kernel_size"])
    dilation = pair(cfg.get("dilation", 1))
    for n, k, s, p, d in zip(cfg["shape"][-2:], pair(cfg["kernel_size"]), stride,
                             pair(cfg["padding"]), dilation, strict=True):
        room = n + 2 * p - d * (k - 1) - 1
        if room >= 0 and -(-room // s) * s >= n + p:
            return True
    return False


def overhanging_window(cfg):
    """Whether ceil_mode adds a last window that reaches past the right padding."""
    if not cfg["ceil_mode"]:
        return False
    stride = pair(cfg["stride"] if cfg["stride"] is not None else cfg["kernel_size"])
    dilation = pair(cfg.get("dilation", 1))
    return any((n + 2 * p - d * (k - 1) - 1) % s and -(-(n + 2 * p - d * (k - 1) - 1) // s) * s
               < n + p for n, k, s, p, d in zip(cfg["shape"][-2:], pair(cfg["kernel_size"]),
                                                 stride, pair(cfg["padding"]), dilation,
                                                 strict=True))


def pool_labels(cfg):
    kernel, padding = pair(cfg["kernel_size"]), pair(cfg["padding"])
    labels = [f"kernel_size={'int' if isinstance(cfg['kernel_size'], int) else 'pair'}",
              f"stride={'None' if cfg['stride'] is None else 'given'}",
              *{f"padding={p}" for p in padding}, f"ceil_mode={cfg['ceil_mode']}",
              f"input={cfg['input']}"]
    if cfg["stride"] is not None:
        labels += [f"stride={s}" for s in set(pair(cfg["stride"]))]
    if dropped_window(cfg):
        labels.append("ceil_mode, a window that would start in the right padding (dropped)")
    if overhanging_window(cfg):
        labels.append("ceil_mode, a last window past the right padding")
    if kernel[0] != kernel[1]:
        labels.append("kernel_size non-square")
    return labels


def max_pool_labels(cfg):
    labels = pool_labels(cfg) + [f"return_indices={cfg['return_indices']}",
                                 f"values={cfg['values']}"]
    labels += [f"dilation={d}" for d in set(pair(cfg["dilation"]))]
    if max(pair(cfg["dilation"])) > 1 and max(pair(cfg["padding"])) > 0:
        labels.append("dilation with padding")
    return labels


POOL_REQUIRED = [
    "kernel_size=int", "kernel_size=pair", "kernel_size non-square", "stride=None",
    "stride=1", "stride=2", "stride=3", "padding=0", "padding=1", "padding=2",
    "ceil_mode=True", "ceil_mode=False",
    "ceil_mode, a window that would start in the right padding (dropped)",
    "ceil_mode, a last window past the right padding",
    "input=batched", "input=unbatched", "input=empty",
]


def test_max_pool2d_twin_of_torch_over_random_configurations():
    failures, counts = sweep(draw_max_pool, lambda cfg, rng: run_pool("MaxPool2d", cfg, rng),
                             max_pool_labels, seed=20)
    report("MaxPool2d", failures, counts, POOL_REQUIRED + [
        "dilation=1", "dilation=2", "dilation=3", "dilation with padding",
        "return_indices=True", "return_indices=False",
        "values=distinct", "values=ties", "values=-inf", "values=nan"])


def draw_avg_pool(rng):
    cfg = draw_pool_common(rng)
    cfg.update(count_include_pad=bool(rng.random() < 0.5),
               divisor_override=[None, None, 1, 3, -2][rng.integers(0, 5)])
    return draw_pool_input(rng, cfg, pair(cfg["kernel_size"]))


def avg_pool_labels(cfg):
    labels = pool_labels(cfg) + [f"count_include_pad={cfg['count_include_pad']}",
                                 f"divisor_override={cfg['divisor_override']}"]
    if max(pair(cfg["padding"])) > 0:
        labels.append(f"count_include_pad={cfg['count_include_pad']} with padding > 0")
    if cfg["divisor_override"] and max(pair(cfg["padding"])) > 0:
        labels.append("divisor_override with padding > 0")
    return labels


def test_avg_pool2d_twin_of_torch_over_random_configurations():
    failures, counts = sweep(draw_avg_pool, lambda cfg, rng: run_pool("AvgPool2d", cfg, rng),
                             avg_pool_labels, seed=21)
    report("AvgPool2d", failures, counts, POOL_REQUIRED + [
        "count_include_pad=True with padding > 0", "count_include_pad=False with padding > 0",
        "divisor_override=None", "divisor_override=1", "divisor_override=3",
        "divisor_override=-2", "divisor_override with padding > 0"])


# ---------------------------------------------------------------------------- Linear

def draw_linear(rng):
    leading = [(), (int(rng.integers(0, 4)),), tuple(int(d) for d in rng.integers(0, 3, 2)),
               tuple(int(d) for d in rng.integers(1, 3, 3))][rng.integers(0, 4)]
    in_features = int(rng.integers(1, 7))
    return dict(in_features=in_features, out_features=int(rng.integers(1, 7)),
                bias=bool(rng.random() < 0.7), device=[None, "cpu"][rng.integers(0, 2)],
                dtype=[None, np.float32, np.float64, torch.float32, torch.float64][
                    rng.integers(0, 5)], shape=(*leading, in_features))


def run_linear(cfg, rng):
    kwargs = {k: v for k, v in cfg.items() if k != "shape"}
    t_kwargs = {**kwargs, "dtype": NUMPY_TO_TORCH.get(cfg["dtype"], cfg["dtype"])}
    ours, theirs = numpy_nn.Linear(**kwargs, rng=rng), nn.Linear(**t_kwargs)
    if ours.params["weight"].dtype != theirs.weight.detach().numpy().dtype:
        return f"weight dtype {ours.params['weight'].dtype} vs torch {theirs.weight.dtype}", False
    ours.astype(np.float64).to_torch(theirs.double())
    x = rng.standard_normal(cfg["shape"])
    return compare_layer(lambda: ours, lambda: theirs, x, rng), True


def linear_labels(cfg):
    shape = cfg["shape"]
    return [f"input dimensions={len(shape)}", f"bias={cfg['bias']}", f"device={cfg['device']}",
            f"dtype={getattr(cfg['dtype'], '__name__', cfg['dtype'])}",
            *(["input empty (a leading dimension 0)"] if 0 in shape else [])]


def test_linear_twin_of_torch_over_random_configurations():
    failures, counts = sweep(draw_linear, run_linear, linear_labels, seed=22)
    report("Linear", failures, counts, [
        *(f"input dimensions={d}" for d in (1, 2, 3, 4)), "input empty (a leading dimension 0)",
        "bias=True", "bias=False", "device=None", "device=cpu", "dtype=None", "dtype=float32",
        "dtype=float64", "dtype=torch.float32", "dtype=torch.float64"])


# ---------------------------------------------------------------------------- ReLU, Flatten

def draw_shape(rng, max_dims=4):
    return tuple(int(d) for d in rng.integers(0 if rng.random() < 0.15 else 1, 4,
                                              size=int(rng.integers(0, max_dims + 1))))


def draw_relu(rng):
    return dict(inplace=bool(rng.random() < 0.5), shape=draw_shape(rng),
                nan=bool(rng.random() < 0.2))


def run_relu(cfg, rng):
    x = rng.standard_normal(cfg["shape"])
    x[rng.random(x.shape) < 0.2] = 0.0       # at s = 0 both use τ'(0) = 0
    if cfg["nan"]:
        x[rng.random(x.shape) < 0.2] = np.nan
    relu = numpy_nn.ReLU(cfg["inplace"])
    mine = x.copy()
    out = relu.forward(mine)
    xt = torch.tensor(x, requires_grad=True)
    t_out = nn.ReLU(cfg["inplace"])(xt * 1.0)   # torch's in-place ReLU needs a non-leaf tensor
    dout = rng.standard_normal(x.shape)
    t_out.backward(torch.from_numpy(dout))
    problems = {"forward": close(out, t_out.detach().numpy()),
                "dx": close(relu.backward(dout), xt.grad.numpy())}
    if cfg["inplace"] and (out is not mine or close(mine, t_out.detach().numpy())):
        problems["inplace"] = "the input array was not overwritten with the output"
    if not cfg["inplace"] and close(mine, x):
        problems["inplace"] = "the input changed"
    return {k: v for k, v in problems.items() if v} or None, True


def relu_labels(cfg):
    return [f"inplace={cfg['inplace']}", f"input dimensions={len(cfg['shape'])}",
            *(["input empty"] if 0 in cfg["shape"] else []), *(["NaN input"] if cfg["nan"]
                                                              else [])]


def test_relu_twin_of_torch_over_random_configurations():
    failures, counts = sweep(draw_relu, run_relu, relu_labels, seed=23)
    report("ReLU", failures, counts, ["inplace=True", "inplace=False", "input empty",
                                      "NaN input", *(f"input dimensions={d}" for d in range(5))])


def draw_flatten(rng):
    shape = draw_shape(rng)
    ndim = max(len(shape), 1)
    if rng.random() < 0.3:
        return dict(shape=shape)   # the defaults
    low, high = (-ndim - 1, ndim + 1) if rng.random() < 0.2 else (-ndim, ndim)  # out of range?
    start, end = (int(d) for d in rng.integers(low, high, size=2))
    return dict(start_dim=start, end_dim=end, shape=shape)


def run_flatten(cfg, rng):
    kwargs = {k: v for k, v in cfg.items() if k != "shape"}
    x = rng.standard_normal(cfg["shape"])
    accepted = _accepts(lambda: nn.Flatten(**kwargs)(torch.from_numpy(x)))
    return compare_layer(lambda: numpy_nn.Flatten(**kwargs), lambda: nn.Flatten(**kwargs), x,
                         rng), accepted


def flatten_labels(cfg):
    ndim = max(len(cfg["shape"]), 1)
    if "start_dim" not in cfg:
        return ["defaults (1, -1)", f"input dimensions={len(cfg['shape'])}"]
    return ["start_dim negative" if cfg["start_dim"] < 0 else "start_dim ≥ 0",
            "end_dim negative" if cfg["end_dim"] < 0 else "end_dim ≥ 0",
            *(["start_dim = end_dim"] if cfg["start_dim"] % ndim == cfg["end_dim"] % ndim
              else []),
            f"input dimensions={len(cfg['shape'])}", *(["input empty"] if 0 in cfg["shape"]
                                                      else [])]


def test_flatten_twin_of_torch_over_random_configurations():
    failures, counts = sweep(draw_flatten, run_flatten, flatten_labels, seed=24)
    report("Flatten", failures, counts, [
        "defaults (1, -1)", "start_dim negative", "start_dim ≥ 0", "end_dim negative",
        "end_dim ≥ 0", "start_dim = end_dim", "input empty",
        *(f"input dimensions={d}" for d in range(5))])


# ---------------------------------------------------------------------------- CrossEntropyLoss

def draw_cross_entropy(rng):
    c = int(rng.integers(1, 6))
    kind = str(rng.choice(["(C)", "(N, C)", "(N, C)", "(N, C, d1)", "(N, C, d1, d2)"]))
    n = int(rng.integers(0, 5)) if rng.random() < 0.9 else 0
    extra = tuple(int(d) for d in rng.integers(1, 4, size=kind.count("d")))
    shape = (c,) if kind == "(C)" else (n, c, *extra)
    targets = str(rng.choice(["labels"] * 3 + ["probabilities"]))
    return dict(shape=shape, input=kind, targets=targets, weight=bool(rng.random() < 0.5),
                ignore_index=[-100, -100, -1, 0, 2][rng.integers(0, 5)],
                ignored=str(rng.choice(["none", "some", "some", "all"])),
                reduction=str(rng.choice(["mean", "sum", "none"])),
                label_smoothing=[0.0, 0.0, 0.1, 0.5, 1.0][rng.integers(0, 5)])


def run_cross_entropy(cfg, rng):
    shape, c = cfg["shape"], cfg["shape"][0 if len(cfg["shape"]) == 1 else 1]
    s = 3 * rng.standard_normal(shape)
    label_shape = shape[1:] if len(shape) == 1 else shape[:1] + shape[2:]
    if cfg["targets"] == "probabilities":
        y = np.moveaxis(rng.dirichlet(np.ones(c), size=label_shape), -1, min(1, len(shape) - 1))
        y_t = torch.from_numpy(y)
    else:
        y = rng.integers(0, c, size=label_shape)
        ignored = {"none": 0.0, "some": 0.3, "all": 1.0}[cfg["ignored"]]
        y = np.where(rng.random(label_shape) < ignored, cfg["ignore_index"], y)
        y_t = torch.from_numpy(np.asarray(y))
    weight = rng.random(c) + 0.1 if cfg["weight"] else None
    kwargs = dict(ignore_index=cfg["ignore_index"], reduction=cfg["reduction"],
                  label_smoothing=cfg["label_smoothing"])
    st = torch.tensor(s, requires_grad=True)
    try:
        t_loss = F.cross_entropy(st, y_t, weight=None if weight is None else torch.from_numpy(
            weight), **kwargs)
    except ERRORS as torch_error:
        try:
            numpy_nn.CrossEntropyLoss(weight, **kwargs)(s, y)
        except ERRORS:
            return None, False
        return f"torch refuses ({torch_error}) but the NumPy loss does not", False
    dout = np.asarray(rng.standard_normal(tuple(t_loss.shape)))
    t_loss.backward(torch.from_numpy(dout))
    loss = numpy_nn.CrossEntropyLoss(weight, **kwargs)
    J = loss(s, y)
    problems = {"forward": close(J, t_loss.detach().numpy()),
                "ds": close(loss.backward(dout), st.grad.numpy())}
    if cfg["reduction"] != "none" and not isinstance(J, float):
        problems["type"] = f"the loss is a {type(J).__name__}, not a float"
    return {k: v for k, v in problems.items() if v} or None, True


def cross_entropy_labels(cfg):
    labels = [f"input={cfg['input']}", f"targets={cfg['targets']}", f"weight={cfg['weight']}",
              f"reduction={cfg['reduction']}", f"label_smoothing={cfg['label_smoothing']}"]
    if cfg["input"] != "(C)" and cfg["shape"][0] == 0:
        labels.append("input empty (N = 0)")
    if cfg["targets"] == "labels":
        labels += [f"ignore_index={cfg['ignore_index']}", f"ignored={cfg['ignored']}"]
        if cfg["ignored"] == "all" and cfg["reduction"] == "mean":
            labels.append("every target ignored, reduction=mean (nan)")
    if cfg["label_smoothing"] and cfg["weight"]:
        labels.append(f"label_smoothing with weight, targets={cfg['targets']}")
    return labels


def test_cross_entropy_loss_twin_of_torch_over_random_configurations():
    failures, counts = sweep(draw_cross_entropy, run_cross_entropy, cross_entropy_labels,
                             seed=25)
    report("CrossEntropyLoss", failures, counts, [
        "input=(C)", "input=(N, C)", "input=(N, C, d1)", "input=(N, C, d1, d2)",
        "input empty (N = 0)", "targets=labels", "targets=probabilities", "weight=True",
        "weight=False", "reduction=mean", "reduction=sum", "reduction=none",
        "label_smoothing=0.0", "label_smoothing=0.1", "label_smoothing=0.5",
        "label_smoothing=1.0", "ignore_index=-100", "ignore_index=-1", "ignore_index=0",
        "ignore_index=2", "ignored=none", "ignored=some", "ignored=all",
        "every target ignored, reduction=mean (nan)",
        "label_smoothing with weight, targets=labels",
        "label_smoothing with weight, targets=probabilities"])


@pytest.mark.parametrize(("shape", "weight", "kwargs"), [
    ((2, 4, 7, 6), (6, 2, 3, 2), dict(stride=2, padding=1, groups=2)),
    ((2, 3, 8, 8), (3, 1, 3, 3), dict(padding="same", dilation=2, groups=3)),
    ((3, 6, 6), (4, 3, 4, 4), dict(padding="same")),                      # unbatched, even kernel
    ((1, 2, 9, 5), (2, 2, 2, 3), dict(padding=(2, 0), dilation=(3, 1))),
    ((0, 2, 5, 5), (3, 2, 3, 3), dict(padding="valid")),
])
def test_functional_conv2d_matches_torch(shape, weight, kwargs):
    rng = np.random.default_rng(len(shape) + weight[0])
    x, w, b = rng.standard_normal(shape), rng.standard_normal(weight), rng.standard_normal(
        weight[0])
    theirs = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b), **kwargs)
    assert close(numpy_nn.conv2d(x, w, b, **kwargs), theirs.numpy()) is None


# ---------------------------------------------------------------------------- refusals

@pytest.mark.parametrize(("make", "message"), [
    (lambda: numpy_nn.Conv2d(1, 2, 3, device="cuda"), r"device='cuda' is not supported"),
    (lambda: numpy_nn.Linear(1, 2, device="meta"), r"device='meta' is not supported"),
    (lambda: numpy_nn.Conv2d(1, 2, 3, dtype="bfloat16"), r"dtype='bfloat16' is not supported"),
    (lambda: numpy_nn.Linear(1, 2, dtype=np.int64), r"dtype must be a floating-point type"),
    (lambda: numpy_nn.CrossEntropyLoss(size_average=False), r"size_average is not supported"),
    (lambda: numpy_nn.CrossEntropyLoss(reduce=False), r"reduce is not supported"),
    (lambda: numpy_nn.CrossEntropyLoss(reduction="avg"), r"'avg' is not a valid value"),
    (lambda: numpy_nn.CrossEntropyLoss(label_smoothing=1.5), r"label_smoothing must be"),
    (lambda: numpy_nn.Conv2d(2, 3, 3, groups=2), r"out_channels must be divisible by groups"),
    (lambda: numpy_nn.Conv2d(3, 2, 3, groups=2), r"in_channels must be divisible by groups"),
    (lambda: numpy_nn.Conv2d(1, 1, 3, stride=2, padding="same"), r"'same' is not supported"),
    (lambda: numpy_nn.Conv2d(1, 1, 3, padding="full"), r"'valid' or 'same'"),
    (lambda: numpy_nn.Conv2d(1, 1, 3, dilation=0), r"dilation must be at least 1"),
    (lambda: numpy_nn.MaxPool2d(2, padding=2), r"at most half"),
    (lambda: numpy_nn.AvgPool2d(2, divisor_override=0), r"divisor_override must be a non-zero"),
])
def test_what_torch_refuses_or_numpy_cannot_do_is_a_clear_error(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()


def test_torch_dtypes_and_cpu_devices_are_accepted_by_name():
    conv = numpy_nn.Conv2d(1, 2, 3, dtype=torch.float64, device=torch.device("cpu"))
    assert conv.params["weight"].dtype == np.float64
    assert numpy_nn.Linear(2, 3).params["weight"].dtype == np.float32  # torch's default


@pytest.mark.parametrize(("layer", "x", "message"), [
    (numpy_nn.Conv2d(1, 1, 3, padding=2, padding_mode="reflect"), np.zeros((1, 1, 2, 5)),
     r"'reflect' needs padding smaller than the input size"),
    (numpy_nn.Conv2d(1, 1, 3, padding=4, padding_mode="circular"), np.zeros((1, 1, 3, 5)),
     r"'circular' pads by at most the input size"),
    (numpy_nn.MaxPool2d(2), np.zeros((1, 0, 4, 4)), r"non-empty \(C, H, W\)"),
    (numpy_nn.Flatten(2, 1), np.zeros((2, 3, 4)), r"start_dim=2 comes after end_dim=1"),
])
def test_inputs_torch_refuses_are_refused_with_the_reason(layer, x, message):
    with pytest.raises(ValueError, match=message):
        layer.forward(x)


def test_cross_entropy_refuses_bad_targets_like_torch():
    s = np.zeros((3, 4))
    loss = numpy_nn.CrossEntropyLoss()
    with pytest.raises(IndexError, match="label 4 is out of range for 4 classes"):
        loss(s, np.array([0, 4, 1]))
    with pytest.raises(TypeError, match="class labels must be integers"):
        loss(s, np.array([0.0, 1.0, 1.0]))
    with pytest.raises(TypeError, match="class probabilities must be floats"):
        loss(s, np.zeros((3, 4), int))
    with pytest.raises(ValueError, match=r"labels of shape \(3,\)"):
        loss(s, np.zeros((3, 2), int))
    none = numpy_nn.CrossEntropyLoss(reduction="none")
    none(s, np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="needs dout"):
        none.backward()


def test_max_pool_indices_locate_the_maxima_in_the_unpadded_input():
    x = np.random.default_rng(0).standard_normal((2, 3, 7, 6))
    out, indices = numpy_nn.MaxPool2d(3, 2, 1, dilation=2, return_indices=True,
                                      ceil_mode=True).forward(x)
    flat = x.reshape(2, 3, -1)
    np.testing.assert_array_equal(np.take_along_axis(flat, indices.reshape(2, 3, -1), -1),
                                  out.reshape(2, 3, -1))


@pytest.mark.parametrize("layer", [
    numpy_nn.Conv2d(4, 6, 3, padding="same", dilation=2, groups=2, padding_mode="reflect"),
    numpy_nn.MaxPool2d(3, 2, 1, dilation=2, ceil_mode=True),
    numpy_nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False),
    numpy_nn.Linear(7, 3), numpy_nn.ReLU(inplace=True), numpy_nn.Flatten(0, 2),
], ids=repr)
def test_float32_in_float32_out_with_the_options(layer):
    x = np.random.default_rng(0).standard_normal((2, 4, 7, 7)).astype(np.float32)
    out = layer.forward(x)
    assert out.dtype == np.float32
    assert layer.backward(np.ones_like(out)).dtype == np.float32
    assert all(g.dtype == np.float32 for g in layer.grads.values())


def test_cross_entropy_computes_in_the_scores_dtype():
    s = np.random.default_rng(0).standard_normal((3, 4, 2)).astype(np.float32)
    loss = numpy_nn.CrossEntropyLoss(weight=np.ones(4), label_smoothing=0.1, reduction="none")
    assert loss(s, np.zeros((3, 2), int)).dtype == np.float32
    assert loss.backward(np.ones((3, 2))).dtype == np.float32


def test_repr_names_the_options_that_differ_from_the_defaults():
    assert repr(numpy_nn.Conv2d(4, 4, 3, padding="same", dilation=2, groups=2, bias=False,
                                padding_mode="circular")) == (
        "Conv2d(4, 4, kernel_size=(3, 3), stride=(1, 1), padding=same, dilation=(2, 2), "
        "groups=2, bias=False, padding_mode=circular)")
    assert repr(numpy_nn.Conv2d(1, 6, 3, padding=1)) == repr(nn.Conv2d(1, 6, 3, padding=1))
    assert repr(numpy_nn.MaxPool2d(3, 2, ceil_mode=True)).endswith(", ceil_mode=True)")
    assert repr(numpy_nn.Linear(3, 2)) == repr(nn.Linear(3, 2))
    assert repr(numpy_nn.Flatten()) == repr(nn.Flatten())
    assert repr(numpy_nn.ReLU(inplace=True)) == repr(nn.ReLU(inplace=True))


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-s", "-k", "random_configurations"]))
