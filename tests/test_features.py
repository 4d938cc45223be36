import numpy as np
import pytest

from dlbasics.conv_explorer import NOTE_KERNELS
from dlbasics.features import EDGE_KERNELS, edge_maps, hand_features, standardize


def vertical_edge():
    X = np.zeros((1, 1, 8, 8), dtype=np.float32)
    X[..., 4:] = 1.0  # dark left half, bright right half
    return X


def test_edge_maps_apply_the_notes_kernels_as_cross_correlation():
    maps = edge_maps(vertical_edge())
    assert maps.shape == (1, 4, 8, 8) and list(EDGE_KERNELS)[0] == "수직 에지"
    vertical, horizontal = maps[0, 0], maps[0, 1]
    assert vertical[2:6, 3].tolist() == [3.0] * 4 and vertical[2:6, 4].tolist() == [3.0] * 4
    assert not vertical[2:6, :3].any() and not horizontal[2:6, 2:6].any()


def test_edge_kernels_are_the_four_edge_kernels_of_the_one_note_list():
    assert list(EDGE_KERNELS) == ["수직 에지", "수평 에지", "대각선 에지 1", "대각선 에지 2"]
    assert all(EDGE_KERNELS[name] is NOTE_KERNELS[name] for name in EDGE_KERNELS)
    np.testing.assert_array_equal(EDGE_KERNELS["대각선 에지 1"],
                                  [[0, -1, -1], [1, 0, -1], [1, 1, 0]])


def test_hand_features_are_zone_means_of_ink_and_edge_strength():
    X = np.ones((2, 1, 28, 28), dtype=np.float32)
    features = hand_features(X)
    assert features.shape == (2, 80)
    np.testing.assert_allclose(features[:, :16], 1.0)  # ink density of a white image
    assert hand_features(vertical_edge(), zones=2).shape == (1, 20)
    with pytest.raises(ValueError, match="zones"):
        hand_features(X, zones=0)
    with pytest.raises(ValueError, match=r"\(N, 1, H, W\)"):
        hand_features(X[:, 0])


def test_standardize_uses_the_training_statistics():
    rng = np.random.default_rng(0)
    train, test = rng.normal(3, 2, (500, 4)), rng.normal(3, 2, (100, 4))
    train_s, test_s = standardize(train, test)
    np.testing.assert_allclose(train_s.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(train_s.std(axis=0), 1, atol=1e-6)
    np.testing.assert_allclose(test_s, (test - train.mean(0)) / (train.std(0) + 1e-8))
