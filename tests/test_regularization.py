import numpy as np
import pytest
import torch
from torch import nn

from dlbasics.mlp import mlp
from dlbasics.regularization import (
    EarlyStopping,
    augment,
    enlarge,
    ensemble_proba,
    random_affine,
)
from dlbasics.tracking import cross_entropy, fit_tracked, mean_loss, predict_proba
from dlbasics.train import evaluate


def digits(n=6, seed=0):
    """Small random 'images' with a bright square in the middle."""
    rng = np.random.default_rng(seed)
    X = np.zeros((n, 1, 12, 12), dtype=np.float32)
    X[:, :, 4:8, 4:8] = rng.uniform(0.5, 1.0, (n, 1, 1, 1))
    return X


def test_augment_without_any_change_returns_the_images():
    X = digits()
    out = augment(X, np.random.default_rng(0), noise_std=0, max_shift=0, max_degrees=0)
    assert out.shape == X.shape and out.dtype == np.float32
    np.testing.assert_allclose(out, X, atol=1e-6)


def test_augment_moves_images_adds_noise_and_stays_in_range():
    X = digits(50)
    moved = augment(X, np.random.default_rng(0), noise_std=0, max_shift=2, max_degrees=15)
    assert not np.allclose(moved, X, atol=1e-3)
    assert moved.min() >= 0 and moved.max() <= 1
    # small shifts and rotations keep the square inside the frame: ink is roughly preserved
    np.testing.assert_allclose(moved.sum(axis=(1, 2, 3)), X.sum(axis=(1, 2, 3)), rtol=0.1)
    noisy = augment(X, np.random.default_rng(0), noise_std=0.1, max_shift=0, max_degrees=0)
    assert np.std(noisy[X == 0]) > 0.03  # Gaussian noise, clipped at 0


def test_random_affine_is_a_rotation_and_a_shift_in_affine_grid_units():
    theta = random_affine(500, 28, 14, np.random.default_rng(0), max_shift=2, max_degrees=15)
    assert theta.shape == (500, 2, 3)
    rotation = theta[:, :, :2]
    np.testing.assert_allclose(rotation @ rotation.transpose(0, 2, 1),
                               np.broadcast_to(np.eye(2), (500, 2, 2)), atol=1e-12)  # orthogonal
    np.testing.assert_allclose(np.linalg.det(rotation), 1)  # a rotation, not a reflection
    angles = np.degrees(np.arctan2(rotation[:, 1, 0], rotation[:, 0, 0]))
    assert 14 < np.abs(angles).max() <= 15
    # ±2 pixels on a 14-wide, 28-high image: ±2·2/14 along x, ±2·2/28 along y
    assert 0.9 * 4 / 14 < np.abs(theta[:, 0, 2]).max() <= 4 / 14
    assert 0.9 * 4 / 28 < np.abs(theta[:, 1, 2]).max() <= 4 / 28
    identity = random_affine(3, 28, 28, np.random.default_rng(0), max_shift=0, max_degrees=0)
    np.testing.assert_array_equal(identity, np.tile([[1.0, 0, 0], [0, 1, 0]], (3, 1, 1)))


def test_augment_is_reproducible_with_the_same_generator():
    X = digits()
    a = augment(X, np.random.default_rng(3))
    np.testing.assert_array_equal(a, augment(X, np.random.default_rng(3)))
    assert not np.array_equal(a, augment(X, np.random.default_rng(4)))


def test_augment_needs_image_batches():
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        augment(np.zeros((3, 12, 12)), np.random.default_rng(0))


def test_enlarge_keeps_the_originals_first_and_repeats_the_labels():
    X, y = digits(4), np.array([0, 1, 2, 3])
    X_big, y_big = enlarge(X, y, copies=2, rng=np.random.default_rng(0))
    assert X_big.shape == (12, 1, 12, 12)
    np.testing.assert_array_equal(X_big[:4], X)
    np.testing.assert_array_equal(y_big, [0, 1, 2, 3] * 3)
    with pytest.raises(ValueError, match="copies"):
        enlarge(X, y, copies=-1, rng=np.random.default_rng(0))


def test_predict_proba_is_a_distribution_and_keeps_the_training_mode():
    torch.manual_seed(0)
    net = mlp([5, 8, 3], dropout=0.5)
    X = np.random.default_rng(0).normal(size=(7, 5)).astype(np.float32)
    probs = predict_proba(net, X)
    assert probs.shape == (7, 3) and net.training
    np.testing.assert_allclose(probs.sum(axis=1), 1, rtol=1e-6)
    np.testing.assert_array_equal(probs, predict_proba(net, X))  # eval mode: no dropout


def test_ensemble_is_the_mean_of_the_members_and_its_loss_is_at_most_their_mean():
    X = np.random.default_rng(0).normal(size=(30, 5)).astype(np.float32)
    y = np.random.default_rng(1).integers(0, 3, 30)
    members = []
    for seed in range(3):
        torch.manual_seed(seed)
        members.append(mlp([5, 8, 3]))
    probs = ensemble_proba(members, X)
    np.testing.assert_allclose(probs, np.mean([predict_proba(m, X) for m in members], axis=0))
    ensemble_loss = -np.mean(np.log(probs[np.arange(30), y]))
    assert ensemble_loss <= np.mean([mean_loss(m, X, y) for m in members])  # Jensen
    with pytest.raises(ValueError, match="하나 이상"):
        ensemble_proba([], X)


def test_cross_entropy_of_probabilities():
    probs = np.array([[0.5, 0.5], [0.1, 0.9]])
    assert cross_entropy(probs, [0, 1]) == pytest.approx(-(np.log(0.5) + np.log(0.9)) / 2)
    assert cross_entropy(np.array([[1.0, 0.0]]), [1]) == pytest.approx(-np.log(1e-12))  # finite


def test_mean_loss_is_torch_cross_entropy():
    torch.manual_seed(0)
    net = mlp([5, 8, 3])
    X = np.random.default_rng(0).normal(size=(9, 5)).astype(np.float32)
    y = np.arange(9) % 3
    expected = nn.functional.cross_entropy(net(torch.as_tensor(X)), torch.as_tensor(y)).item()
    assert mean_loss(net, X, y) == pytest.approx(expected, rel=1e-5)


def blobs(n=200, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    return (rng.normal(size=(n, 2)) + 2.5 * y[:, None]).astype(np.float32), y


def test_fit_tracked_records_every_epoch():
    X, y = blobs()
    torch.manual_seed(0)
    net = mlp([2, 8, 2])
    X_val, y_val = blobs(50, seed=1)
    history = fit_tracked(net, X, y, X_val, y_val, epochs=4, lr=0.1, batch_size=20,
                          device="cpu")
    assert [len(history[k]) for k in ("loss", "train_acc", "val_acc", "val_loss")] == [4] * 4
    assert history["val_acc"][-1] == evaluate(net, X_val, y_val)
    assert history["val_loss"][-1] == pytest.approx(mean_loss(net, X_val, y_val))
    assert history["best_epoch"] == int(np.argmin(history["val_loss"])) + 1


def test_early_stopping_stops_and_restores_the_best_weights():
    X, y = blobs()
    X_val, y_val = blobs(seed=1)
    y_val = 1 - y_val  # validation labels disagree with training: val loss rises at once
    torch.manual_seed(0)
    net = mlp([2, 8, 2])
    stopper = EarlyStopping(patience=3)
    history = fit_tracked(net, X, y, X_val, y_val, epochs=30, stopper=stopper, lr=0.1,
                          batch_size=20, device="cpu")
    assert len(history["val_loss"]) == history["best_epoch"] + 3 < 30
    assert stopper.best_epoch == history["best_epoch"]
    assert stopper.best_loss == min(history["val_loss"])
    assert mean_loss(net, X_val, y_val) == pytest.approx(min(history["val_loss"]), rel=1e-6)


class Counter(torch.nn.Module):
    """A 'network' whose one parameter says which epoch's weights it holds."""

    def __init__(self):
        super().__init__()
        self.epoch = torch.nn.Parameter(torch.zeros(()))


def test_early_stopping_keeps_the_weights_of_the_first_lowest_loss_and_waits_patience_epochs():
    net, stopper = Counter(), EarlyStopping(patience=2)
    answers = []
    for epoch, loss in enumerate([3.0, 2.0, 2.5, 1.0, 1.5, 1.0, 0.5, 0.4], start=1):
        with torch.no_grad():
            net.epoch.fill_(epoch)
        answers.append(stopper.stop(net, epoch, loss))
        if answers[-1]:
            break
    # epoch 4 improves; epoch 5 does not, epoch 6 only ties it: 2 epochs without improvement
    assert answers == [False, False, False, False, False, True]
    assert (stopper.best_epoch, stopper.best_loss) == (4, 1.0)
    stopper.restore(net)
    assert net.epoch.item() == 4  # a copy, not the live weights of epoch 6


@pytest.mark.parametrize("patience", [0, -1, 2.5, None])
def test_early_stopping_needs_a_positive_integer_patience(patience):
    with pytest.raises(ValueError, match="patience"):
        EarlyStopping(patience)
