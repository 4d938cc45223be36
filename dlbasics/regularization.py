"""규제 (regularization) for chapter 4.1: data augmentation, early stopping, ensembles.

Weight decay (가중치 축소) and dropout need no code here: they are
``torch.optim.SGD(..., weight_decay=λ)`` and ``nn.Dropout(p)`` (see ``dlbasics.mlp.mlp``).
"""

import copy

import numpy as np
import torch
from torch import nn

from .train import fit


def augment(X, rng, noise_std=0.05, max_shift=2.0, max_degrees=15.0):
    """데이터 확대: each image moved by up to ``max_shift`` pixels along each axis, rotated by
    up to ``max_degrees`` degrees (bilinear interpolation), then Gaussian noise N(0, noise_std²)
    is added and values are clipped to [0, 1].

    X: (N, C, H, W) float images in [0, 1]; rng: numpy Generator. Returns float32 (N, C, H, W).
    """
    X = np.asarray(X)
    if X.ndim != 4:
        raise ValueError(f"X must be images of shape (N, C, H, W), got {X.shape}")
    N, _, H, W = X.shape
    angle = np.deg2rad(rng.uniform(-max_degrees, max_degrees, N))
    shift = rng.uniform(-max_shift, max_shift, (N, 2)) * 2 / np.array([W, H])  # 정규 좌표
    theta = np.zeros((N, 2, 3))
    theta[:, 0, 0], theta[:, 0, 1] = np.cos(angle), -np.sin(angle)
    theta[:, 1, 0], theta[:, 1, 1] = np.sin(angle), np.cos(angle)
    theta[:, :, 2] = shift
    images = torch.as_tensor(X, dtype=torch.float32)
    grid = nn.functional.affine_grid(torch.as_tensor(theta, dtype=torch.float32),
                                     list(images.shape), align_corners=False)
    moved = nn.functional.grid_sample(images, grid, align_corners=False).numpy()
    noisy = moved + rng.normal(0.0, noise_std, moved.shape) if noise_std else moved
    return np.clip(noisy, 0, 1).astype(np.float32)


def enlarge(X, y, copies, rng, **augment_kwargs):
    """The training set and ``copies`` augmented copies of it: (N (copies + 1), C, H, W), labels."""
    if not isinstance(copies, int) or copies < 0:
        raise ValueError(f"copies must be a non-negative int, got {copies!r}")
    X_big = [np.asarray(X, dtype=np.float32)]
    X_big += [augment(X, rng, **augment_kwargs) for _ in range(copies)]
    return np.concatenate(X_big), np.tile(np.asarray(y), copies + 1)


@torch.no_grad()
def predict_proba(net, X, batch_size=1000):
    """softmax outputs of ``net`` in eval mode for X: (N, ...) -> (N, c) NumPy array."""
    X = torch.as_tensor(np.asarray(X, dtype=np.float32), device=next(net.parameters()).device)
    was_training = net.training
    net.eval()
    probs = torch.cat([torch.softmax(net(X[i:i + batch_size]), dim=1)
                       for i in range(0, len(X), batch_size)])
    net.train(was_training)
    return probs.cpu().numpy()


def ensemble_proba(nets, X):
    """앙상블 (ensemble): the mean of the members' softmax outputs, (N, c)."""
    if not nets:
        raise ValueError("an ensemble needs at least one network")
    return np.mean([predict_proba(net, X) for net in nets], axis=0)


def mean_loss(net, X, y):
    """Cross entropy of ``net`` on X, y (eval mode), averaged over the samples."""
    return _cross_entropy(predict_proba(net, X), y)


def _cross_entropy(probs, y):
    return float(-np.mean(np.log(np.maximum(probs[np.arange(len(y)), y], 1e-12))))


def fit_tracked(net, X, y, X_val, y_val, *, epochs, patience=None, seed=0, **fit_kwargs):
    """``dlbasics.fit`` one epoch at a time, recording the validation loss after each epoch.

    patience: 조기 멈춤 (early stopping) -- stop when the validation loss has not improved for
    ``patience`` epochs and restore the weights of the best epoch. History: per-epoch lists
    ``loss``, ``train_acc`` (from fit), ``val_acc``, ``val_loss`` (both from one pass over the
    validation set), and ``best_epoch`` (1-based).
    """
    history = {"loss": [], "train_acc": [], "val_acc": [], "val_loss": []}
    best_loss, best_state, best_epoch = np.inf, None, 0
    for epoch in range(1, epochs + 1):
        h = fit(net, X, y, epochs=1, seed=seed + epoch, progress=False, **fit_kwargs)
        for key in ("loss", "train_acc"):
            history[key] += h[key]
        probs = predict_proba(net, X_val)  # one pass gives both validation numbers
        history["val_acc"].append(float(np.mean(probs.argmax(axis=1) == np.asarray(y_val))))
        history["val_loss"].append(_cross_entropy(probs, y_val))
        if history["val_loss"][-1] < best_loss:
            best_loss, best_epoch = history["val_loss"][-1], epoch
            best_state = copy.deepcopy(net.state_dict()) if patience is not None else None
        elif patience is not None and epoch - best_epoch >= patience:
            break
    if patience is not None:
        net.load_state_dict(best_state)
    history["best_epoch"] = best_epoch
    return history
