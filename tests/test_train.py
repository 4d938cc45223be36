import numpy as np
import pytest
import torch
from torch import nn

from dlbasics import train


def blobs(n=200, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    X = rng.normal(size=(n, 2)) + 3 * y[:, None]
    return X.astype(np.float32), y


def test_fit_learns_separable_blobs_and_reports_history():
    torch.manual_seed(0)
    X, y = blobs()
    net = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 2))
    history = train.fit(net, X, y, epochs=5, lr=0.1, batch_size=20, X_val=X, y_val=y,
                        device="cpu", progress=False)
    assert len(history["loss"]) == len(history["val_acc"]) == len(history["seconds"]) == 5
    assert history["loss"][-1] < history["loss"][0]
    assert train.evaluate(net, X, y) >= 0.95


def test_fit_is_reproducible_with_the_same_seed():
    X, y = blobs()

    def run():
        torch.manual_seed(1)
        net = nn.Linear(2, 2)
        train.fit(net, X, y, epochs=2, batch_size=16, device="cpu", seed=3, progress=False)
        return net.weight.detach().clone()

    assert torch.equal(run(), run())


def test_minibatches_cover_every_index_once():
    batches = train.minibatches(10, 4, torch.Generator().manual_seed(0))
    assert [len(b) for b in batches] == [4, 4, 2]
    assert sorted(torch.cat(batches).tolist()) == list(range(10))


def test_evaluate_keeps_the_training_mode():
    net = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5))
    net.train()
    train.evaluate(net, *blobs(10))
    assert net.training


def test_as_tensors_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="3 samples but y has 2"):
        train.as_tensors(np.zeros((3, 2)), np.zeros(2))

