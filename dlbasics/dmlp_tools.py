"""4.2절 DMLP의 도구 (the DMLP's tools): 본문이 가르치지 않는 것 (what the chapter does not teach).

What 4.2 teaches (the class DMLP, its forward and backward passes, Algorithm 4-1, train and
sgd_runs) is written in the chapter's cells and collected into :mod:`dlbasics.dmlp` by
``make collect``.
This hand-written module holds what those cells use but do not teach:

- input checks that name the expected shape (``check_*``), in Korean and English;
- :class:`DMLPTools`, the base class of ``DMLP``: ``repr``, ``copy``, ``num_parameters`` and the
  conversions to and from PyTorch (``to_torch``, ``from_torch``);
- J and ∂J/∂U^l by torch.autograd (:func:`torch_loss`, :func:`torch_gradient`), to compare with;
- the learning-rate and minibatch-size explorer's plot (:func:`sgd_figure`).

Importing this module loads neither torch nor matplotlib: the functions that need them import
them when called (``TORCH_ACTIVATIONS`` too, on first use).
"""

import numpy as np

LOSSES = ("mse", "cross_entropy")
# torch.nn module names of the activations; TORCH_ACTIVATIONS (the classes) is built on first use
_TORCH_ACTIVATION_NAMES = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "ReLU",
                           "identity": "Identity"}


def __getattr__(name):
    """``TORCH_ACTIVATIONS``: {name: torch.nn class}, importing torch only when asked for."""
    if name == "TORCH_ACTIVATIONS":
        from torch import nn

        return {key: getattr(nn, cls) for key, cls in _TORCH_ACTIVATION_NAMES.items()}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ---- 입력 검사 (input checks) ----------------------------------------------------------------

def check_sizes(sizes):
    """[n_0, ..., n_L] as ints, with L ≥ 1 and every n_l ≥ 1."""
    sizes = [int(n) for n in sizes]
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"층 크기는 L ≥ 1, n_l ≥ 1인 [n_0, ..., n_L]이어야 합니다: {sizes} "
                         f"(sizes must be [n_0, ..., n_L] with L ≥ 1 and every n_l ≥ 1, "
                         f"got {sizes})")
    return sizes


def check_weights(U):
    """{l: U^l} with keys 1..L and U^l of shape (n_l, n_{l-1} + 1), in key order."""
    U = {l: np.asarray(U[l]) for l in sorted(U)}
    if list(U) != list(range(1, len(U) + 1)):
        raise ValueError(f"U의 열쇠는 층 번호 1..L이어야 합니다: {list(U)} "
                         f"(U must have the keys 1..L, got {list(U)})")
    for l in U:
        if U[l].ndim != 2 or U[l].shape[1] < 2:
            raise ValueError(f"U^{l}은 0번 열이 바이어스인 (n_{l}, n_{l - 1} + 1) 행렬이어야 "
                             f"합니다: {U[l].shape} (U^{l} must be a matrix of shape "
                             f"(n_{l}, n_{l - 1} + 1) with the bias in column 0, got shape "
                             f"{U[l].shape})")
        expected = U[l - 1].shape[0] + 1 if l > 1 else U[l].shape[1]
        if U[l].shape[1] != expected:
            raise ValueError(f"U^{l}의 모양은 (n_{l}, n_{l - 1} + 1) = (n_{l}, {expected})이어야 "
                             f"합니다: {U[l].shape} (U^{l} must have shape (n_{l}, n_{l - 1} + 1)"
                             f" = (n_{l}, {expected}), got {U[l].shape})")
    return U


def check_setting(output, loss):
    """Cross entropy goes with a softmax output layer, MSE with an element-wise one."""
    if loss not in LOSSES:
        raise ValueError(f"목적함수는 {LOSSES} 가운데 하나여야 합니다: {loss!r} "
                         f"(loss must be one of {LOSSES}, got {loss!r})")
    if (loss == "cross_entropy") != (output == "softmax"):
        raise ValueError(f"교차 엔트로피는 output='softmax'와, 평균제곱오차는 원소별 출력 함수와 "
                         f"짝입니다: output={output!r}, loss={loss!r} (cross entropy goes with "
                         f"output='softmax' and mse with an element-wise output)")


def check_X(X, n_0, dtype):
    """X: (N, n_0) as an array of ``dtype``."""
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != n_0:
        hint = ("; 영상은 X.reshape(len(X), -1)로 펴세요 (flatten images with "
                "X.reshape(len(X), -1))" if X.ndim > 2 else "")
        raise ValueError(f"X의 모양은 (N, n_0) = (N, {n_0})이어야 합니다: {X.shape} "
                         f"(X must have shape (N, n_0) = (N, {n_0}), got {X.shape}){hint}")
    return X.astype(dtype, copy=False)


def check_sample(v, n, name):
    """One sample ``name`` (x or y) of shape (n,)."""
    v = np.asarray(v)
    if v.shape != (n,):
        raise ValueError(f"{name}는 샘플 하나, 모양 ({n},)이어야 합니다: {v.shape} "
                         f"({name} must be one sample of shape ({n},), got {v.shape})")
    return v


def check_Y(Y, N, c, dtype):
    """One-hot targets Y: (N, c) as an array of ``dtype``."""
    Y = np.asarray(Y)
    if Y.shape != (N, c):
        raise ValueError(f"Y는 원핫 목푯값, 모양 (N, n_L) = ({N}, {c})이어야 합니다: {Y.shape}; "
                         f"functional.one_hot(y, {c})으로 만드세요 (Y must be one-hot targets "
                         f"of shape (N, n_L) = ({N}, {c}), got {Y.shape}; "
                         f"use functional.one_hot(y, {c}))")
    return Y.astype(dtype, copy=False)


def check_sgd_args(rho, t, steps, N):
    """ρ > 0, minibatch size t an int in 1..N, steps an int ≥ 0."""
    if not rho > 0:
        raise ValueError(f"학습률 ρ는 양수여야 합니다: {rho!r} "
                         f"(learning rate rho must be positive, got {rho!r})")
    if not (isinstance(t, int | np.integer) and 1 <= t <= N):
        raise ValueError(f"미니배치 크기 t는 1..N = 1..{N}의 정수여야 합니다: {t!r} "
                         f"(minibatch size t must be an int in 1..N = 1..{N}, got {t!r})")
    if not (isinstance(steps, int | np.integer) and steps >= 0):
        raise ValueError(f"반복 횟수 steps는 0 이상의 정수여야 합니다: {steps!r} "
                         f"(steps must be a non-negative int, got {steps!r})")


# ---- DMLP의 바탕 클래스: 표시, 복사, PyTorch 변환 -----------------------------------------

class DMLPTools:
    """Base class of the chapter's ``DMLP`` (which sets ``U``, ``L``, ``hidden``, ``output``,
    ``loss_name`` and ``sizes``): what a DMLP does besides its forward and backward passes."""

    def __repr__(self):
        return (f"{type(self).__name__}(sizes={self.sizes}, hidden={self.hidden!r}, "
                f"output={self.output!r}, loss={self.loss_name!r})")

    @property
    def num_parameters(self):
        """Number of weights u_ji^l, biases included: Σ_l n_l (n_{l-1} + 1)."""
        return sum(U_l.size for U_l in self.U.values())

    def copy(self):
        """A DMLP with copies of the weights (training one does not change the other)."""
        return type(self)({l: U_l.copy() for l, U_l in self.U.items()}, self.hidden,
                          self.output, self.loss_name)

    def to_torch(self, dtype=None, device=None):
        """The same network as nn.Sequential: nn.Linear weight = U^l[:, 1:], bias = U^l[:, 0].

        dtype: a torch dtype, torch.float32 when None. For cross entropy the model ends with
        s^L (nn.CrossEntropyLoss applies the softmax); for MSE it ends with τ_L.
        """
        import torch
        from torch import nn

        dtype = torch.float32 if dtype is None else dtype
        for name in [self.hidden] + ([] if self.output == "softmax" else [self.output]):
            if name not in _TORCH_ACTIVATION_NAMES:
                raise ValueError(f"활성함수 {name!r}에 맞는 torch 모듈이 없습니다; "
                                 f"{sorted(_TORCH_ACTIVATION_NAMES)} 가운데 하나를 쓰세요 "
                                 f"(no torch module for activation {name!r}; expected one of "
                                 f"{sorted(_TORCH_ACTIVATION_NAMES)})")
        activation = {key: getattr(nn, cls) for key, cls in _TORCH_ACTIVATION_NAMES.items()}
        layers = []
        for l, U_l in self.U.items():
            linear = nn.Linear(U_l.shape[1] - 1, U_l.shape[0], dtype=dtype)
            with torch.no_grad():
                linear.weight.copy_(torch.as_tensor(U_l[:, 1:]))
                linear.bias.copy_(torch.as_tensor(U_l[:, 0]))
            layers.append(linear)
            if l < self.L:
                layers.append(activation[self.hidden]())
            elif self.output != "softmax":
                layers.append(activation[self.output]())
        return nn.Sequential(*layers).to(device or "cpu")

    @classmethod
    def from_torch(cls, model, hidden="relu", output="softmax", loss="cross_entropy",
                   dtype=np.float64):
        """A DMLP with U^l = [bias | weight] of the nn.Linear layers of ``model``, in order."""
        from torch import nn

        linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
        if not linears:
            raise ValueError("model에 nn.Linear 층이 없습니다 (model has no nn.Linear layer)")
        U = {l: np.hstack([m.bias.detach().cpu().numpy()[:, None],
                           m.weight.detach().cpu().numpy()]).astype(dtype)
             for l, m in enumerate(linears, start=1)}
        return cls(U, hidden, output, loss)


# ---- PyTorch로 같은 손실과 그레이디언트 ------------------------------------------------------

def torch_loss(out, Y, loss):
    """J of a torch model's output: 'mse' J = (1/N) Σ ½‖Y − o‖² (out = o), 'cross_entropy'
    from the scores (out = s^L); Y: one-hot tensor (N, c)."""
    import torch

    if loss == "mse":
        return 0.5 * ((Y - out) ** 2).sum() / len(out)
    if loss == "cross_entropy":
        return -(Y * torch.log_softmax(out, dim=1)).sum() / len(out)
    raise ValueError(f"목적함수는 {LOSSES} 가운데 하나여야 합니다: {loss!r} "
                     f"(loss must be one of {LOSSES}, got {loss!r})")


def torch_gradient(model, X, Y, loss):
    """J and ∂J/∂U^l by torch.autograd, arranged like U^l: (J, {l: (n_l, n_{l-1} + 1)}).

    torch's ``.grad`` is +∂J/∂U^l, the same quantity as ``DMLP.gradient`` returns."""
    import torch
    from torch import nn

    param = next(model.parameters())
    X = torch.as_tensor(np.asarray(X), dtype=param.dtype, device=param.device)
    Y = torch.as_tensor(np.asarray(Y), dtype=param.dtype, device=param.device)
    model.zero_grad()
    J = torch_loss(model(X), Y, loss)
    J.backward()
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    grad = {l: torch.cat([m.bias.grad[:, None], m.weight.grad], dim=1).cpu().numpy()
            for l, m in enumerate(linears, start=1)}
    return J.item(), grad


# ---- 학습률과 미니배치 크기 탐색기의 그림 (the explorer's plot, 4.2 section 6) ----------------

def sgd_figure(X, y, X_test, y_test, rho, t, *, sizes, epochs=3, seed=0):
    """The learning-rate and minibatch-size explorer's plot: training loss and test accuracy
    per epoch of Algorithm 4-1 with ρ = rho and minibatch size t. Returns (figure, history)."""
    from .curves import plot_histories
    from .dmlp import sgd_runs

    histories = sgd_runs(X, y, X_test, y_test, [(rho, t)], sizes=sizes, epochs=epochs, seed=seed)
    fig = plot_histories(histories, keys=("loss", "test_acc"), logy=("loss",),
                         suptitle=f"알고리즘 4-1: 학습률 ρ = {rho:g}, 미니배치 크기 t = {t}")
    fig.axes[1].set_ylim(0, 1)
    return fig, next(iter(histories.values()))
