"""The NumPy layers of an earlier commit against those of the working tree, in CPU time.

    python benchmarks/compare.py REV [--rounds 11]

Both versions run in the same process, one thread, float32, taking turns; each case is
timed with ``time.process_time`` (CPU time of this process), so other programs on the same
cores disturb the comparison much less than the wall-clock times of ``make bench``. The table
gives the medians and the ratio after/before: a check that a change to ``dlbasics.numpy_nn``
did not slow its common path down (issue 19 compared against cf940ad).
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"   # before NumPy loads its BLAS

import importlib.util  # noqa: E402

import numpy as np  # noqa: E402

from dlbasics import numpy_nn  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def load_numpy_nn(rev, where):
    """dlbasics.numpy_nn as it was at git revision ``rev``, imported as dlbasics_<rev>."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "dlbasics"],
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", where], input=archive, check=True)
    name = f"dlbasics_{rev.replace('-', '_').replace('~', '_').replace('^', '_')}"
    package = Path(where) / "dlbasics"
    spec = importlib.util.spec_from_file_location(name, package / "__init__.py",
                                                  submodule_search_locations=[str(package)])
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return importlib.import_module(f"{name}.numpy_nn")


def lenet(lib):
    """LeNet-5 as dlbasics.lenet builds it, from the layer classes of ``lib``."""
    rng = np.random.default_rng(2)
    net = lib.Sequential(
        lib.Conv2d(1, 6, 5, padding=2, rng=rng), lib.ReLU(), lib.MaxPool2d(2),
        lib.Conv2d(6, 16, 5, rng=rng), lib.ReLU(), lib.MaxPool2d(2),
        lib.Conv2d(16, 120, 5, rng=rng), lib.ReLU(), lib.Flatten(),
        lib.Linear(120, 84, rng=rng), lib.ReLU(), lib.Linear(84, 10, rng=rng))
    net[0].input_grad = False
    return net


def cases(lib):
    """name → a function of no arguments running one forward and backward pass with ``lib``."""
    rng = np.random.default_rng(0)
    runs = {}
    for name, (N, C, O, H, k, p) in {
            "conv C1 1→6, 5×5, p=2, 28×28 (N=32)": (32, 1, 6, 28, 5, 2),
            "conv C2 6→16, 5×5, 14×14 (N=32)": (32, 6, 16, 14, 5, 0),
            "conv C3 16→120, 5×5, 5×5 (N=32)": (32, 16, 120, 5, 5, 0),
            "conv 64→64, 3×3, p=1, 56×56 (N=8)": (8, 64, 64, 56, 3, 1)}.items():
        conv = lib.Conv2d(C, O, k, padding=p, rng=np.random.default_rng(1))
        x = rng.standard_normal((N, C, H, H)).astype(np.float32)
        dout = rng.standard_normal((N, O, H + 2 * p - k + 1, H + 2 * p - k + 1)).astype(
            np.float32)
        runs[name] = lambda conv=conv, x=x, dout=dout: (conv.forward(x), conv.backward(dout))
    for name, (N, C, H) in {"max pool 2×2, 6×28×28 (N=32)": (32, 6, 28),
                            "max pool 2×2, 64×56×56 (N=16)": (16, 64, 56)}.items():
        pool = lib.MaxPool2d(2)
        x = rng.standard_normal((N, C, H, H)).astype(np.float32)
        dout = np.ones((N, C, H // 2, H // 2), np.float32)
        runs[name] = lambda pool=pool, x=x, dout=dout: (pool.forward(x), pool.backward(dout))
    net, loss = lenet(lib), lib.CrossEntropyLoss()
    X, y = rng.random((32, 1, 28, 28), dtype=np.float32), rng.integers(0, 10, 32)
    optimizer = lib.SGD(net, 0.01)

    def step():
        loss(net.forward(X), y)
        net.backward(loss.backward())
        optimizer.step()

    runs["LeNet-5 step (N=32)"] = step
    scores, ce = rng.standard_normal((32, 10)).astype(np.float32), lib.CrossEntropyLoss()
    runs["cross entropy (32, 10)"] = lambda: (ce(scores, y), ce.backward())
    relu, z = lib.ReLU(), rng.standard_normal((32, 6, 28, 28)).astype(np.float32)
    runs["ReLU 32×6×28×28"] = lambda: (relu.forward(z), relu.backward(z))
    fc = lib.Linear(120, 84, rng=np.random.default_rng(3))
    h, dh = (rng.standard_normal((32, n)).astype(np.float32) for n in (120, 84))
    runs["Linear 120→84 (N=32)"] = lambda: (fc.forward(h), fc.backward(dh))
    return runs


def cpu_times(before, after, rounds, repeats=5):
    """Median CPU seconds per call of before() and after(), taking turns."""
    times = ([], [])
    for fn in (before, after):
        fn()
        fn()
    for r in range(rounds):
        order = (0, 1) if r % 2 == 0 else (1, 0)
        for i in order:
            fn = (before, after)[i]
            start = time.process_time()
            for _ in range(repeats):
                fn()
            times[i].append((time.process_time() - start) / repeats)
    return [float(np.median(t)) for t in times]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rev", help="the earlier git revision, e.g. cf940ad or HEAD~3")
    parser.add_argument("--rounds", type=int, default=11)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as where:
        old = load_numpy_nn(args.rev, where)
        before, after = cases(old), cases(numpy_nn)
        print(f"NumPy {np.__version__}, 1 thread, float32, CPU time (median of "
              f"{args.rounds} rounds); before = {args.rev}, after = the working tree\n")
        print("| case (forward + backward) | before ms | after ms | after/before |")
        print("|---|---|---|---|")
        for name in before:
            t_before, t_after = cpu_times(before[name], after[name], args.rounds)
            print(f"| {name} | {t_before * 1e3:.3f} | {t_after * 1e3:.3f} | "
                  f"{t_after / t_before:.2f} |", flush=True)


if __name__ == "__main__":
    main()
