"""작은 PyTorch 학습 루프 (a small training loop shared by the chapters and labs).

Training logs change with the thread count and the device, so notebooks print them in cells
tagged ``nbval-ignore-output`` and guard the results with an ``assert`` with a tolerance.
"""

import time

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from .env import device as best_device


def as_tensors(X, y, device=None):
    """NumPy arrays to tensors on ``device``: X float32, y int64."""
    X = torch.as_tensor(np.asarray(X, dtype=np.float32))
    y = torch.as_tensor(np.asarray(y, dtype=np.int64))
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} samples but y has {len(y)}")
    return X.to(device or "cpu"), y.to(device or "cpu")


def minibatches(n, batch_size, generator=None):
    """Index tensors of shuffled minibatches of size ``batch_size`` (the last may be smaller)."""
    order = torch.randperm(n, generator=generator)
    return torch.split(order, batch_size)


@torch.no_grad()
def evaluate(net, X, y, batch_size=1000, device=None):
    """Accuracy of ``net`` (in eval mode) on NumPy arrays or tensors X, y."""
    device = device or next(net.parameters()).device
    X, y = as_tensors(X, y, device)
    was_training = net.training
    net.eval()
    correct = sum((net(X[i:i + batch_size]).argmax(1) == y[i:i + batch_size]).sum().item()
                  for i in range(0, len(X), batch_size))
    net.train(was_training)
    return correct / len(X)


def fit(net, X, y, *, epochs, lr=0.1, batch_size=64, optimizer=None, loss_fn=None,
        X_val=None, y_val=None, device=None, seed=0, progress=True):
    """Train ``net`` with minibatch SGD (or ``optimizer``) and return the history.

    History: dict of per-epoch lists ``loss`` (mean training loss), ``train_acc``,
    ``val_acc`` (when X_val is given) and ``seconds``.
    """
    device = device or best_device()
    net.to(device)
    X, y = as_tensors(X, y, device)
    optimizer = optimizer or torch.optim.SGD(net.parameters(), lr=lr)
    loss_fn = loss_fn or nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(seed)
    history = {"loss": [], "train_acc": [], "val_acc": [], "seconds": []}
    for _ in tqdm(range(epochs), desc="epoch", disable=not progress, leave=False):
        start, total = time.perf_counter(), 0.0
        net.train()
        for idx in minibatches(len(X), batch_size, generator):
            idx = idx.to(device)
            loss = loss_fn(net(X[idx]), y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(idx)
        history["seconds"].append(time.perf_counter() - start)
        history["loss"].append(total / len(X))
        history["train_acc"].append(evaluate(net, X, y))
        if X_val is not None:
            history["val_acc"].append(evaluate(net, X_val, y_val, device=device))
    return history
