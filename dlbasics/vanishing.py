"""그레이디언트 소멸 (gradient vanishing): per-layer gradient norms of a deep MLP in PyTorch.

Backpropagation multiplies δ by τ'(s) once per layer (식 4.8). The sigmoid's τ' is at most
0.25, so in a deep sigmoid network the gradients of the first layers shrink geometrically;
ReLU's τ' is 1 on its active half, so they do not.
"""

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.ticker import MaxNLocator
from torch import nn

from .mlp import deep_mlp


def gradient_norms(net, X, y):
    """‖∂J/∂U^l‖ (Frobenius) of every nn.Linear, first layer first, for cross entropy J on
    X: (N, in_features) and integer labels y: (N,). U^l = [bias | weight] as in the note, so
    the bias gradient counts too. Returns a NumPy array of length L."""
    param = next(net.parameters())
    X = torch.as_tensor(np.asarray(X), dtype=param.dtype, device=param.device)
    y = torch.as_tensor(np.asarray(y), dtype=torch.long, device=param.device)
    if X.ndim != 2 or len(X) != len(y):
        raise ValueError(f"X must have shape (N, in_features) with N = len(y) = {len(y)}, "
                         f"got {tuple(X.shape)}")
    net.zero_grad()
    nn.functional.cross_entropy(net(X), y).backward()
    linears = [m for m in net.modules() if isinstance(m, nn.Linear)]
    return np.array([torch.cat([m.bias.grad[:, None], m.weight.grad], dim=1).norm().item()
                     for m in linears])


def plot_gradient_norms(norms, ax=None, title="층별 그레이디언트 크기 (초기화 직후)"):
    """Semilog plot of per-layer gradient norms; ``norms`` maps a label to an array (L,)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    for label, values in norms.items():
        ax.plot(np.arange(1, len(values) + 1), values, "o-", label=label)
    ax.set_yscale("log")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("층 l (1 = 입력 쪽)")
    ax.set_ylabel(r"$\|\partial J / \partial U^l\|$")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    return ax


def vanishing_figure(X, y, depth=10, activations=("sigmoid", "relu"), width=64, init=None,
                     out_features=10, seed=0):
    """The explorer's plot: gradient norms at initialisation of a ``depth``-layer MLP for each
    activation; returns (figure, {activation: norms})."""
    norms = {}
    for name in activations:
        torch.manual_seed(seed)
        net = deep_mlp(depth, name, width, X.shape[1], out_features, init)
        norms[name] = gradient_norms(net, X, y)
    fig, ax = plt.subplots(figsize=(6, 3.5))
    plot_gradient_norms(norms, ax, title=f"{depth}층 MLP의 층별 그레이디언트 크기 (초기화 직후)")
    return fig, norms
