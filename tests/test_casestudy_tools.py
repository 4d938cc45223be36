"""The case studies' tools (dlbasics/casestudy_tools.py): multiply-add and depth counting, BN
statistics, and the training of the small versions. They work on any torch module, including
the networks the chapters define (dlbasics/casestudies.py)."""

import numpy as np
import torch
from torch import nn

from dlbasics import casestudies as cs
from dlbasics import count_parameters
from dlbasics.casestudy_tools import count_macs, depth, refresh_batchnorm, train_small
from dlbasics.data import MNIST


def test_count_macs_of_a_convolution_a_grouped_one_and_a_linear_layer():
    conv = nn.Conv2d(4, 6, 3, padding=1)
    assert count_macs(conv, (4, 5, 5)) == 6 * 5 * 5 * 4 * 3 * 3
    grouped = nn.Conv2d(4, 6, 3, padding=1, groups=2)
    assert count_macs(grouped, (4, 5, 5)) == 6 * 5 * 5 * 2 * 3 * 3
    assert count_macs(nn.Linear(7, 3), (7,)) == 21
    assert count_macs(nn.MaxPool2d(2), (4, 6, 6)) == 0  # no parameters, no products
    assert not conv._forward_hooks


def test_count_macs_leaves_the_training_mode_as_it_was():
    net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Dropout())
    count_macs(net.train(), (1, 5, 5))
    assert net.training
    count_macs(net.eval(), (1, 5, 5))
    assert not net.training


def test_depth_counts_the_longest_path_with_and_without_pooling():
    net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.MaxPool2d(2), nn.ReLU(), nn.Flatten(),
                        nn.Linear(2, 2))
    assert depth(net) == 2
    assert depth(net, count_pooling=True) == 3
    assert depth(cs.Inception(8, 2, 2, 2, reduce3=1, reduce5=1, pool_proj=2)) == 2
    assert depth(cs.Inception(8, 2, 2, 2)) == 1
    assert depth(cs.ResidualBlock(4, 8, stride=2)) == 2  # the 1×1 projection runs beside F


def test_refresh_batchnorm_sets_the_statistics_of_the_data():
    net = nn.Sequential(nn.BatchNorm2d(3))
    X = torch.randn(40, 3, 4, 4) * 2 + 5
    refresh_batchnorm(net.eval(), X, batch_size=10)
    bn = net[0]
    torch.testing.assert_close(bn.running_mean, X.mean((0, 2, 3)))
    assert bn.momentum == 0.1 and not net.training
    var = X.transpose(0, 1).reshape(3, 4, -1).var(2).mean(1)  # mean of per-batch variances
    torch.testing.assert_close(bn.running_var, var)


def test_train_small_learns_a_tiny_problem():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 64)
    X = np.zeros((64, 1, 28, 28), np.float32)
    X[y == 1, :, :14] = 1.0  # class 1: the top half is bright
    data = MNIST(X, y, X, y)
    net, result = train_small(lambda: cs.nin_small(num_classes=2), data, epochs=3, device="cpu")
    assert result["params"] == count_parameters(net)
    assert result["test_acc"] == 1.0
    assert result["seconds"] > 0
