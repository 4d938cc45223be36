"""NumPy layers (dlbasics.numpy_nn) against PyTorch on the CPU: ``make bench``.

Both libraries run in float32 with the same number of threads (``--threads``, default: the
number of CPU cores). Each case is timed as the median of repeated runs, NumPy and torch
taking turns. The table gives the ratio NumPy/torch, the case's floating-point operations
(a multiply-add counts as two) and the rate each library reaches, next to NumPy's own float32
matrix-multiply rate on this machine: an im2col convolution is matrix products plus copies,
so it cannot beat that rate.

    python benchmarks/run.py [--threads N] [--quick] [--markdown FILE]
"""

import argparse
import os
import platform
import sys


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=os.cpu_count(),
                        help="threads for NumPy's BLAS and for torch (default: all cores)")
    parser.add_argument("--quick", action="store_true",
                        help="few repeats and no 56×56 layer: a smoke test, not a measurement")
    parser.add_argument("--markdown", help="also write the table to this Markdown file")
    return parser.parse_args(argv)


ARGS = parse_args()
# NumPy's BLAS reads its thread count when it is loaded, so the variables come first.
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(ARGS.threads)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from common import (  # noqa: E402
    conv_flops,
    lenet_flops,
    lenet_pair,
    median_times,
    numpy_step,
    random_batch,
    torch_step,
)
from torch import nn  # noqa: E402

from dlbasics import numpy_nn  # noqa: E402

torch.set_num_threads(ARGS.threads)
TARGETS = {"conv_lenet": 1.5, "conv_3x3": 3.0, "lenet_step": 2.0}


def timed(*fns, **kwargs):
    if ARGS.quick:
        kwargs.update(min_repeats=2, min_seconds=0.0, warmup=1)
    return median_times(*fns, **kwargs)


def conv_case(name, N, C, O, H, k, padding, target):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, C, H, H)).astype(np.float32)
    t_conv = nn.Conv2d(C, O, k, padding=padding)
    conv = numpy_nn.Conv2d(C, O, k, padding=padding).load_torch(t_conv)
    Ho = H + 2 * padding - k + 1
    dout = rng.standard_normal((N, O, Ho, Ho)).astype(np.float32)
    x_t, dout_t = torch.from_numpy(x).requires_grad_(), torch.from_numpy(dout)

    def numpy_run():
        conv.forward(x)
        conv.backward(dout)

    def torch_run():
        x_t.grad = None
        t_conv.zero_grad()
        t_conv(x_t).backward(dout_t)

    numpy_time, torch_time = timed(numpy_run, torch_run, warmup=1 if N * H * H > 1e5 else 2)
    return dict(name=name, flops=3 * conv_flops(N, C, O, k, Ho, Ho), target=target,
                numpy=numpy_time, torch=torch_time)


def pool_case(name, N, C, H, k=2):
    x = np.random.default_rng(0).standard_normal((N, C, H, H)).astype(np.float32)
    pool, t_pool = numpy_nn.MaxPool2d(k), nn.MaxPool2d(k)
    dout = np.ones((N, C, H // k, H // k), np.float32)
    x_t, dout_t = torch.from_numpy(x).requires_grad_(), torch.from_numpy(dout)

    def numpy_run():
        pool.forward(x)
        pool.backward(dout)

    def torch_run():
        x_t.grad = None
        t_pool(x_t).backward(dout_t)

    numpy_time, torch_time = timed(numpy_run, torch_run)
    # no multiply-adds: the bytes moved instead (read x, write out; read dout, write ∂x)
    return dict(name=name, flops=None, bytes=4 * 2 * (x.size + dout.size),
                numpy=numpy_time, torch=torch_time)


def step_case(name, numpy_run, t_net, X, y, flops, target=None):
    numpy_time, torch_time = timed(numpy_run, torch_step(t_net, X, y))
    return dict(name=name, flops=flops, target=target, numpy=numpy_time, torch=torch_time)


def dmlp_case(N=64, sizes=(784, 256, 256, 10)):
    """The DMLP of chapter 4.2 (dlbasics.dmlp) when it is there, else the MLP in numpy_nn."""
    X, y = random_batch((N, sizes[0]), sizes[-1])
    t_layers, np_layers = [], []
    for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
        t_layers += [nn.Linear(n_in, n_out), nn.ReLU()]
        np_layers += [numpy_nn.Linear(n_in, n_out), numpy_nn.ReLU()]
    t_net = nn.Sequential(*t_layers[:-1])
    flops = 3 * 2 * N * sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True))
    try:
        run, label = dmlp_step(sizes, X, y), "dlbasics.dmlp"
    except (ImportError, AttributeError, TypeError):
        mlp = numpy_nn.Sequential(*np_layers[:-1]).load_torch(t_net)
        run, label = numpy_step(mlp, X, y), "numpy_nn"
    name = f"DMLP step {'-'.join(map(str, sizes))} (N={N}, {label})"
    return step_case(name, run, t_net, X, y, flops)


def dmlp_step(sizes, X, y, lr=0.01):
    """One step of Algorithm 4-1 with dlbasics.dmlp.DMLP (U^l with the bias in column 0)."""
    from dlbasics.dmlp import DMLP
    from dlbasics.functional import one_hot

    net = DMLP.create(list(sizes), np.random.default_rng(0), dtype=np.float32)
    Y = one_hot(y, sizes[-1]).astype(np.float32)

    def step():
        dU = net.gradient(X, Y)
        for l in net.U:
            net.U[l] -= lr * dU[l]

    step()  # fails here if the module's interface is not the one expected
    return step


def cases():
    lenet = TARGETS["conv_lenet"]
    yield conv_case("conv C1 1→6, 5×5, p=2, 28×28 (N=32)", 32, 1, 6, 28, 5, 2, lenet)
    yield conv_case("conv C2 6→16, 5×5, 14×14 (N=32)", 32, 6, 16, 14, 5, 0, lenet)
    yield conv_case("conv C3 16→120, 5×5, 5×5 (N=32)", 32, 16, 120, 5, 5, 0, lenet)
    if not ARGS.quick:
        yield conv_case("conv 64→64, 3×3, p=1, 56×56 (N=64)", 64, 64, 64, 56, 3, 1,
                        TARGETS["conv_3x3"])
    yield pool_case("max pool 2×2, 6×28×28 (N=32)", 32, 6, 28)
    yield pool_case("max pool 2×2, 64×56×56 (N=64)", 64, 64, 56)
    yield dmlp_case()
    numpy_run, t_net, X, y = lenet_pair(32)
    yield step_case("LeNet-5 step (N=32)", numpy_run, t_net, X, y, lenet_flops(32),
                    TARGETS["lenet_step"])


def matmul_rate(n=2048):
    """NumPy's float32 matrix-multiply rate (GFLOP/s) for n×n @ n×n: the ceiling."""
    a, b = np.ones((n, n), np.float32), np.ones((n, n), np.float32)
    return 2 * n ** 3 / timed(lambda: a @ b)[0] / 1e9


def format_table(rows, ceiling):
    header = ("case (forward + backward)", "NumPy ms", "torch ms", "NumPy/torch", "target",
              "GFLOP", "NumPy GFLOP/s", "torch GFLOP/s")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in rows:
        ratio = r["numpy"] / r["torch"]
        target = (f"≤ {r['target']} {'ok' if ratio <= r['target'] else 'missed'}"
                  if r.get("target") else "")
        if r["flops"]:
            work = (f"{r['flops'] / 1e9:.3f}", f"{r['flops'] / r['numpy'] / 1e9:.1f}",
                    f"{r['flops'] / r['torch'] / 1e9:.1f}")
        else:
            work = (f"({r['bytes'] / 1e6:.0f} MB)", f"{r['bytes'] / r['numpy'] / 1e9:.1f} GB/s",
                    f"{r['bytes'] / r['torch'] / 1e9:.1f} GB/s")
        lines.append("| " + " | ".join([r["name"], f"{r['numpy'] * 1e3:.2f}",
                                        f"{r['torch'] * 1e3:.2f}", f"{ratio:.2f}", target,
                                        *work]) + " |")
    lines += ["", f"NumPy float32 matmul 2048×2048: {ceiling:.1f} GFLOP/s (the ceiling of an "
                  "im2col convolution on this machine)."]
    return "\n".join(lines)


def main():
    print(f"{platform.machine()}, {os.cpu_count()} cores; threads: {ARGS.threads} (NumPy BLAS "
          f"and torch); NumPy {np.__version__}, torch {torch.__version__}; float32; medians"
          + (" (--quick: not a measurement)" if ARGS.quick else ""), flush=True)
    load_before = os.getloadavg()[0]
    ceiling = matmul_rate()
    rows = []
    for row in cases():
        rows.append(row)
        print(f"  {row['name']}: NumPy {row['numpy'] * 1e3:.2f} ms, "
              f"torch {row['torch'] * 1e3:.2f} ms", flush=True)
    table = format_table(rows, ceiling)
    table += (f"\nLoad average of the machine (1 min) before and after: {load_before:.1f}, "
              f"{os.getloadavg()[0]:.1f}; other processes on the same cores slow both libraries "
              "down, torch's threads most.")
    print("\n" + table)
    if ARGS.markdown:
        with open(ARGS.markdown, "w", encoding="utf-8") as f:
            f.write(table + "\n")


if __name__ == "__main__":
    main()
