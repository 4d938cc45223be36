"""Minibatch SGD and the training loop for NumPy networks (like dlbasics.train for torch)."""

import numpy as np

from .loss import CrossEntropyLoss


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

    from ..train import minibatches

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
