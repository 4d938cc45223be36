"""학습 기록 (tracking a training run): the plumbing of chapter 4.1's regularisation experiments.

``fit_tracked`` calls ``dlbasics.fit`` one epoch at a time and records the validation loss and
accuracy after each epoch; ``predict_proba`` runs a network in eval mode, in batches, on the
device that holds it. These teach nothing of their own. What chapter 4.1 teaches about
regularisation (early stopping's keep-the-best-weights rule, data augmentation, the ensemble's
average) is written in the chapter's cells and collected into ``dlbasics.regularization``.
"""

import numpy as np
import torch

from .train import fit


@torch.no_grad()
def predict_proba(net, X, batch_size=1000):
    """softmax outputs of ``net`` in eval mode for X: (N, ...) -> (N, c) NumPy array.

    The network's training/eval mode is restored afterwards.
    """
    X = torch.as_tensor(np.asarray(X, dtype=np.float32), device=next(net.parameters()).device)
    was_training = net.training
    net.eval()
    probs = torch.cat([torch.softmax(net(X[i:i + batch_size]), dim=1)
                       for i in range(0, len(X), batch_size)])
    net.train(was_training)
    return probs.cpu().numpy()


def cross_entropy(probs, y):
    """Mean of −log(probability of the true class): probs (N, c), integer labels y (N,)."""
    y = np.asarray(y)
    return float(-np.mean(np.log(np.maximum(probs[np.arange(len(y)), y], 1e-12))))


def mean_loss(net, X, y):
    """Cross entropy of ``net`` on X, y (eval mode), averaged over the samples."""
    return cross_entropy(predict_proba(net, X), y)


def fit_tracked(net, X, y, X_val, y_val, *, epochs, stopper=None, seed=0, **fit_kwargs):
    """``dlbasics.fit`` one epoch at a time, recording the validation loss after each epoch.

    Epoch e trains with minibatch seed ``seed + e``. History: per-epoch lists ``loss``,
    ``train_acc`` (from fit), ``val_acc``, ``val_loss`` (both from one pass over the validation
    set), and ``best_epoch`` (1-based, the first epoch with the lowest validation loss).

    stopper: None, or an object with ``stop(net, epoch, val_loss) -> bool``, asked after every
    epoch whether to stop, and ``restore(net)``, called once at the end (chapter 4.1's
    ``EarlyStopping``: stop after ``patience`` epochs without improvement and restore the
    weights of the best epoch).
    """
    history = {"loss": [], "train_acc": [], "val_acc": [], "val_loss": []}
    for epoch in range(1, epochs + 1):
        h = fit(net, X, y, epochs=1, seed=seed + epoch, progress=False, **fit_kwargs)
        for key in ("loss", "train_acc"):
            history[key] += h[key]
        probs = predict_proba(net, X_val)  # one pass gives both validation numbers
        history["val_acc"].append(float(np.mean(probs.argmax(axis=1) == np.asarray(y_val))))
        history["val_loss"].append(cross_entropy(probs, y_val))
        if stopper is not None and stopper.stop(net, epoch, history["val_loss"][-1]):
            break
    if stopper is not None:
        stopper.restore(net)
    history["best_epoch"] = int(np.argmin(history["val_loss"])) + 1
    return history
