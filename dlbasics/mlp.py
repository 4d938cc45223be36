"""PyTorch MLPs for chapter 4.1: a fully connected net by its layer sizes, and a deep narrow one."""

from torch import nn

ACTIVATION_MODULES = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU}
INITS = {"xavier": nn.init.xavier_normal_, "he": nn.init.kaiming_normal_}


def mlp(sizes, activation="relu", init=None, dropout=0.0):
    """nn.Sequential of Linear layers n_0 -> n_1 -> ... -> n_L with ``activation`` between them.

    Input (N, n_0), output the scores s^L: (N, n_L) (nn.CrossEntropyLoss adds the softmax).
    init: the weights of layer l are drawn from N(0, σ²), biases 0; "he" (kaiming_normal_):
    σ = √(2 / n_{l-1}), "xavier" (xavier_normal_): σ = √(2 / (n_{l-1} + n_l)); by default "he"
    for ReLU and "xavier" otherwise. dropout: probability p of nn.Dropout after every hidden
    activation (0 = none); in training it zeroes each output of each sample independently and
    scales the kept ones by 1/(1 − p) (inverted dropout), in eval mode it passes them unchanged.
    """
    sizes = list(sizes)
    if len(sizes) < 2 or not all(isinstance(n, int) and n >= 1 for n in sizes):
        raise ValueError(f"sizes must be [n_0, ..., n_L] of positive ints with L ≥ 1, got {sizes}")
    if activation not in ACTIVATION_MODULES:
        raise ValueError(f"activation must be one of {sorted(ACTIVATION_MODULES)}, "
                         f"got {activation!r}")
    init = init or ("he" if activation == "relu" else "xavier")
    if init not in INITS:
        raise ValueError(f"init must be one of {sorted(INITS)}, got {init!r}")
    if not 0 <= dropout < 1:
        raise ValueError(f"dropout must lie in [0, 1), got {dropout!r}")
    layers = []
    for l in range(1, len(sizes)):
        linear = nn.Linear(sizes[l - 1], sizes[l])
        INITS[init](linear.weight)
        nn.init.zeros_(linear.bias)
        layers.append(linear)
        if l < len(sizes) - 1:  # hidden layer: activation, then dropout
            layers.append(ACTIVATION_MODULES[activation]())
            if dropout:
                layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


def deep_mlp(depth, activation, width=64, in_features=784, out_features=10, init=None):
    """An MLP with ``depth`` Linear layers: depth − 1 hidden layers of ``width`` nodes."""
    if not isinstance(depth, int) or depth < 2:
        raise ValueError(f"depth must be an int ≥ 2 (layers with weights), got {depth!r}")
    return mlp([in_features] + [width] * (depth - 1) + [out_features], activation, init)
