"""CNN 사례연구 (4.4절)의 도구: counting and training helpers the chapters use but do not teach.

The networks themselves (AlexNet, VGG, NIN, GoogLeNet, ResNet and their small versions, top-k
error, LRN, global average pooling) are written in the chapters' cells and collected into
:mod:`dlbasics.casestudies` by ``make collect``. This hand-written module holds the plumbing:

- :func:`count_macs`: multiply-adds of one forward pass (forward hooks on Conv2d and Linear);
- :func:`depth`: layers on the longest path, through modules with parallel ``branches``;
- :func:`refresh_batchnorm` and :func:`train_small`: training the small versions on MNIST.

It imports nothing from :mod:`dlbasics.casestudies`, so it works on any torch module, including
one a student defines or edits in a chapter.
"""

import time

import torch
from torch import nn

from .env import device as best_device
from .env import seed_everything
from .summary import count_parameters
from .train import evaluate, fit

POOLING = (nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d)


# ---------------------------------------------------------------- counting
def count_macs(net, input_shape):
    """Multiply-adds of one forward pass on one input of ``input_shape`` (no batch axis).

    Counts the products of every Conv2d (C_out·H'·W' outputs × C_in/groups·h·h each) and
    Linear layer (in × out); biases, normalisation, activations and pooling are not counted.
    """
    total = 0

    def conv(mod, _, out):
        nonlocal total
        total += out[0].numel() * mod.weight[0].numel()

    def linear(mod, _, out):
        nonlocal total
        total += out[0].numel() * mod.in_features

    hooks = [m.register_forward_hook(conv if isinstance(m, nn.Conv2d) else linear)
             for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    param = next(net.parameters(), None)
    was_training = net.training
    try:
        net.eval()
        with torch.no_grad():
            net(torch.zeros(1, *input_shape, device=param.device if param is not None else "cpu"))
    finally:
        net.train(was_training)
        for hook in hooks:
            hook.remove()
    return total


def depth(module, count_pooling=False):
    """Layers on the longest path through ``module``: Conv2d and Linear layers (and pooling
    layers when ``count_pooling``). A module with parallel ``branches`` (an inception module,
    a residual block: the chapters' classes set this attribute) adds the depth of its deepest
    branch.
    """
    if isinstance(module, (nn.Conv2d, nn.Linear)):
        return 1
    if isinstance(module, POOLING):
        return int(count_pooling)
    branches = getattr(module, "branches", None)
    if branches is not None:
        return max(depth(b, count_pooling) for b in branches)
    return sum(depth(child, count_pooling) for child in module.children())


# ---------------------------------------------------------------- training the small versions
@torch.no_grad()
def refresh_batchnorm(net, X, batch_size=1000):
    """Recompute every BatchNorm layer's running mean and variance over the images X.

    During training BN keeps moving averages of minibatch statistics; after a short run
    with a large learning rate they lag behind the weights. This sets them to the averages
    over X (N, C, H, W) for the final weights, so that eval mode matches the training data.
    """
    norms = [m for m in net.modules()
             if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d))]
    if not norms:
        return net
    device = next(net.parameters()).device
    X = torch.as_tensor(X, dtype=torch.float32)
    saved = [(m, m.momentum) for m in norms]
    was_training = net.training
    try:
        for m in norms:
            m.reset_running_stats()
            m.momentum = None  # a cumulative average over the batches below
        net.train()
        for i in range(0, len(X), batch_size):
            net(X[i:i + batch_size].to(device))
    finally:
        for m, momentum in saved:
            m.momentum = momentum
        net.train(was_training)
    return net


def train_small(build, data, epochs=2, lr=3e-3, batch_size=64, seed=0, device=None):
    """Build a network with ``build()`` after seeding, train it with Adam on the training
    images of ``data`` (an MNIST tuple, standardised with the training mean and standard
    deviation), refresh its BN statistics and test it.

    On the CPU the network and images use the channels_last memory format ((N, H, W, C)
    order, same values): CPU convolution and pooling kernels run faster on it (4.4.1
    measures the small VGG's training step about 1.5-3× faster than in (N, C, H, W) order).

    Returns (net, result): result holds ``params``, ``test_acc``, ``train_acc`` and
    ``seconds`` (training time, which depends on the machine).
    """
    device = torch.device(device or best_device())
    seed_everything(seed)
    net = build()
    mean, std = data.X_train.mean(), data.X_train.std()
    X = torch.as_tensor((data.X_train - mean) / std)
    X_test = (data.X_test - mean) / std
    if device.type == "cpu":  # CPU convolution and pooling are faster on (N, H, W, C) memory
        net = net.to(memory_format=torch.channels_last)
        X = X.contiguous(memory_format=torch.channels_last)
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    start = time.perf_counter()
    fit(net, X, data.y_train, epochs=epochs, batch_size=batch_size, optimizer=optimizer,
        device=device, seed=seed, progress=False)
    refresh_batchnorm(net, X)
    seconds = time.perf_counter() - start
    return net, {"params": count_parameters(net), "seconds": seconds,
                 "train_acc": evaluate(net, X, data.y_train),
                 "test_acc": evaluate(net, X_test, data.y_test)}
