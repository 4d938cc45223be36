"""Timing helpers and training steps shared by run.py (CPU) and gpu_check.py (GPU).

Import this module only after the thread-count environment variables are set: NumPy's BLAS
reads them when it is loaded.
"""

import time

import numpy as np
import torch
from torch import nn

from dlbasics import numpy_nn
from dlbasics.lenet import lenet5_numpy, lenet5_torch


def median_times(*fns, min_repeats=7, min_seconds=1.0, warmup=2, sync=None, pause=0.2):
    """Median wall time of each fn() over at least ``min_repeats`` runs and ``min_seconds``.

    The functions take turns in blocks, so that a change in the machine's load affects all of
    them alike and their ratio stays fair. Before each block the process sleeps ``pause``
    seconds: OpenBLAS and OpenMP worker threads keep spinning for a while after their last
    task, and would otherwise steal cores from the next library. ``sync`` (e.g.
    torch.cuda.synchronize) is called after every run, so that queued GPU work is counted.
    """
    sync = sync or (lambda: None)
    times = [[] for _ in fns]
    start = time.perf_counter()
    while len(times[0]) < min_repeats or time.perf_counter() - start < min_seconds * len(fns):
        for fn, record in zip(fns, times, strict=True):
            time.sleep(pause)
            for i in range(warmup + max(1, min_repeats // 2)):
                t0 = time.perf_counter()
                fn()
                sync()
                if i >= warmup:
                    record.append(time.perf_counter() - t0)
    return [float(np.median(t)) for t in times]


def conv_flops(N, C, O, k, Ho, Wo):
    """Forward multiply-adds ×2; the backward pass (∂W and ∂x) costs twice the forward."""
    return 2 * N * O * C * k * k * Ho * Wo


def lenet_flops(N):
    """One training step of LeNet-5 on N images: forward, then ∂W and ∂x of every layer
    (twice the forward) except ∂x of C1, which no one needs."""
    c1 = conv_flops(N, 1, 6, 5, 28, 28)
    forward = (c1 + conv_flops(N, 6, 16, 5, 10, 10) + conv_flops(N, 16, 120, 5, 1, 1)
               + 2 * N * (120 * 84 + 84 * 10))
    return 3 * forward - c1


def random_batch(shape, classes, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random(shape, dtype=np.float32), rng.integers(0, classes, shape[0])


def numpy_step(net, X, y, lr=0.01):
    """One SGD step of a numpy_nn network on (X, y), as a function of no arguments."""
    loss_fn, opt = numpy_nn.CrossEntropyLoss(), numpy_nn.SGD(net, lr)

    def step():
        loss_fn(net.forward(X), y)
        net.backward(loss_fn.backward())
        opt.step()

    return step


def torch_step(net, X, y, device="cpu", lr=0.01):
    """One SGD step of a torch network on (X, y) on ``device``; the batch is moved there once."""
    net = net.to(device)
    loss_fn, opt = nn.CrossEntropyLoss(), torch.optim.SGD(net.parameters(), lr=lr)
    X_t, y_t = torch.from_numpy(X).to(device), torch.from_numpy(y).to(device)

    def step():
        opt.zero_grad()
        loss_fn(net(X_t), y_t).backward()
        opt.step()

    return step


def lenet_pair(N):
    """(NumPy step, torch network, X, y) for LeNet-5 with the same weights on N images."""
    X, y = random_batch((N, 1, 28, 28), 10)
    t_net = lenet5_torch()
    return numpy_step(lenet5_numpy().load_torch(t_net), X, y), t_net, X, y
