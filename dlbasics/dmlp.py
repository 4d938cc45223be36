"""깊은 다층 퍼셉트론 (deep MLP, DMLP) in NumPy, in the lecture note's notation.

A DMLP with L layers has n_0 = d input nodes, hidden layers 1..L−1 and n_L = c outputs.
Its weights are the dict ``U = {1: U^1, ..., L: U^L}`` (keys are the note's layer numbers);
U^l has shape (n_l, n_{l-1} + 1) and its column 0 holds the biases u_j0^l.

Every z^l carries the constant node z_0^l = 1 in position 0 (알고리즘 4-1, line 7), so that
s^l = U^l z^{l-1} needs no separate bias. The output is o = z^L without that node.
In the vectorised functions rows are samples: z^l has shape (N, n_l + 1), s^l (N, n_l).

Signs and names follow the note. ``delta`` is only ever δ^l = −∂J/∂s^l:
δ^L = τ'_L(s^L)(y − o) (식 4.6) and δ^l = τ'_l(s^l) Σ_p δ_p^{l+1} u_pj^{l+1} (식 4.8).
ΔU^l (``dU``) accumulates −δ_j^l z_i^{l-1} over the samples of a minibatch, because
∂J/∂u_kr^L = −δ_k^L z_r^{L-1} (식 4.5) and ∂J/∂u_ji^l = −δ_j^l z_i^{l-1} (식 4.7).
J is averaged over the samples, so ∂J/∂U^l (``grad``) = (1/t) ΔU^l, the (1/t) of line 22.

Importing this module loads neither torch nor matplotlib: the functions that need them
(to_torch, from_torch, torch_loss, torch_gradient, sgd_figure) import them when called.
"""

import numpy as np

from . import functional as F
from .gradcheck import numerical_gradient

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


def init_weights(sizes, rng, method="he", dtype=np.float64):
    """Random U^l for layer sizes [n_0, ..., n_L]: {l: (n_l, n_{l-1} + 1)}, biases 0.

    method "he": N(0, 2/n_{l-1}) (for ReLU); "xavier": N(0, 2/(n_{l-1} + n_l)) (for sigmoid
    and tanh); a float: N(0, method²).
    """
    sizes = _check_sizes(sizes)
    U = {}
    for l in range(1, len(sizes)):
        n_in, n_out = sizes[l - 1], sizes[l]
        if method == "he":
            std = np.sqrt(2 / n_in)
        elif method == "xavier":
            std = np.sqrt(2 / (n_in + n_out))
        elif isinstance(method, (int, float)) and method > 0:
            std = float(method)
        else:
            raise ValueError(f"method must be 'he', 'xavier' or a positive std, got {method!r}")
        U[l] = np.zeros((n_out, n_in + 1), dtype=dtype)
        U[l][:, 1:] = rng.normal(0.0, std, size=(n_out, n_in))
    return U


def num_parameters(sizes):
    """Σ_l n_l (n_{l-1} + 1): the number of weights u_ji^l, biases included."""
    sizes = _check_sizes(sizes)
    return sum(sizes[l] * (sizes[l - 1] + 1) for l in range(1, len(sizes)))


def with_bias(z):
    """Put the constant node 1 in front: (N, n) -> (N, n + 1), or (n,) -> (n + 1,)."""
    ones = np.ones(z.shape[:-1] + (1,), dtype=z.dtype)
    return np.concatenate([ones, z], axis=-1)


def _check_sizes(sizes):
    sizes = [int(n) for n in sizes]
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"sizes must be [n_0, ..., n_L] with L ≥ 1 and every n_l ≥ 1, "
                         f"got {sizes}")
    return sizes


class DMLP:
    """A DMLP: weights U = {l: U^l}, hidden activation τ_1..τ_{L−1}, output τ_L and loss J.

    loss "cross_entropy" needs output "softmax"; loss "mse" takes an element-wise output
    activation such as "sigmoid" (J = (1/N) Σ ½‖y − o‖², the note's MSE).
    """

    def __init__(self, U, hidden="relu", output="softmax", loss="cross_entropy"):
        self.U = {l: np.asarray(U[l]) for l in sorted(U)}
        self.L = len(self.U)
        if list(self.U) != list(range(1, self.L + 1)):
            raise ValueError(f"U must have the keys 1..L, got {list(U)}")
        for l in range(1, self.L + 1):
            if self.U[l].ndim != 2 or self.U[l].shape[1] < 2:
                raise ValueError(f"U^{l} must be a matrix of shape (n_{l}, n_{l - 1} + 1) with "
                                 f"the bias in column 0, got shape {self.U[l].shape}")
            expected = self.U[l - 1].shape[0] + 1 if l > 1 else self.U[l].shape[1]
            if self.U[l].shape[1] != expected:
                raise ValueError(f"U^{l} must have shape (n_{l}, n_{l - 1} + 1) = "
                                 f"(n_{l}, {expected}), got {self.U[l].shape}")
        if loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
        if (loss == "cross_entropy") != (output == "softmax"):
            raise ValueError(f"cross entropy goes with output='softmax' and mse with an "
                             f"element-wise output; got output={output!r}, loss={loss!r}")
        self.hidden, self.output, self.loss_name = hidden, output, loss
        self.tau, self.tau_grad = F.activation(hidden)
        self.tau_L, self.tau_L_grad = ((F.softmax, None) if output == "softmax"
                                       else F.activation(output))

    @classmethod
    def create(cls, sizes, rng, hidden="relu", output="softmax", loss="cross_entropy",
               init=None, dtype=np.float64):
        """A DMLP with random weights (알고리즘 4-1, line 1); init defaults to 'he' for ReLU
        and 'xavier' otherwise."""
        init = init or ("he" if hidden == "relu" else "xavier")
        return cls(init_weights(sizes, rng, init, dtype), hidden, output, loss)

    def __repr__(self):
        return (f"DMLP(sizes={self.sizes}, hidden={self.hidden!r}, output={self.output!r}, "
                f"loss={self.loss_name!r})")

    @property
    def sizes(self):
        """[n_0, n_1, ..., n_L]."""
        return [self.U[1].shape[1] - 1] + [self.U[l].shape[0] for l in self.U]

    @property
    def num_parameters(self):
        """Number of weights u_ji^l, biases included: Σ_l n_l (n_{l-1} + 1)."""
        return sum(Ul.size for Ul in self.U.values())

    def copy(self):
        """A DMLP with copies of the weights (training one does not change the other)."""
        return DMLP({l: Ul.copy() for l, Ul in self.U.items()}, self.hidden, self.output,
                    self.loss_name)

    # ---- 전방 계산 (forward) -------------------------------------------------------------

    def forward(self, X):
        """Vectorised forward pass. X: (N, n_0) -> (s, z) with s[l]: (N, n_l) for l = 1..L and
        z[l]: (N, n_l + 1) for l = 0..L, column 0 of z[l] being 1."""
        X = self._check_X(X)
        z, s = {0: with_bias(X)}, {}  # 식 (4.3): z^0 = [1, x]
        for l in range(1, self.L + 1):
            s[l] = z[l - 1] @ self.U[l].T  # 식 (4.4): s^l = U^l z^{l-1}, 모든 행을 한꺼번에
            tau = self.tau if l < self.L else self.tau_L
            z[l] = with_bias(tau(s[l]))  # 식 (4.4): z^l = τ_l(s^l)
        return s, z

    def forward_loop(self, x):
        """Forward pass of one sample x: (n_0,), node by node as in lines 7-13 of Algorithm 4-1.

        Returns (s, z): s[l]: (n_l,) where s[l][j - 1] is s_j^l (nodes are numbered from 1),
        z[l]: (n_l + 1,) where z[l][j] is z_j^l and z[l][0] = 1.
        """
        x = np.asarray(x)
        if x.shape != (self.sizes[0],):
            raise ValueError(f"x must be one sample of shape ({self.sizes[0]},), got {x.shape}")
        n, dtype = self.sizes, np.result_type(x, self.U[1])
        s = {l: np.zeros(n[l], dtype) for l in range(1, self.L + 1)}
        z = {l: np.zeros(n[l] + 1, dtype) for l in range(self.L + 1)}
        for l in range(self.L + 1):  # 7행: x_0, z_0^1, ..., z_0^L 을 1로
            z[l][0] = 1
        # 8행은 의사코드의 주석 줄 (// 전방 계산)
        z[0][1:] = x  # 9행: x 를 z^0 에 대입, 식 (4.3)
        for l in range(1, self.L + 1):  # 10행: 왼쪽 층에서 오른쪽 층으로
            tau = self.tau if l < self.L else self.tau_L
            for j in range(1, n[l] + 1):  # 11행: 각 노드에 대해
                s[l][j - 1] = self.U[l][j - 1] @ z[l - 1]  # 12행: s_j^l = u_j^l z^{l-1}, 식 (4.4)
                if self.output != "softmax" or l < self.L:
                    z[l][j] = tau(s[l][j - 1])  # 13행: z_j^l = τ_l(s_j^l), 식 (4.4)
            if self.output == "softmax" and l == self.L:
                z[l][1:] = self.tau_L(s[l])  # softmax 는 s^L 전체가 있어야 계산된다
        return s, z

    def predict(self, X):
        """Outputs o = z^L without its constant node: (N, n_L)."""
        return self.forward(X)[1][self.L][:, 1:]

    def accuracy(self, X, y):
        """Fraction of samples whose largest output is the label y: (N,) ints."""
        return float(np.mean(self.predict(X).argmax(axis=1) == np.asarray(y)))

    def loss(self, X, Y):
        """J averaged over the N samples; Y: one-hot targets (N, n_L)."""
        s, z = self.forward(X)
        return self._loss(s, z, self._check_Y(Y, len(s[1])))

    def _loss(self, s, z, Y):
        if self.loss_name == "mse":
            return float(F.mse(z[self.L][:, 1:], Y))
        return float(F.cross_entropy(s[self.L], Y.argmax(axis=1)))

    # ---- 오류 역전파 (backward) ---------------------------------------------------------

    def backward(self, s, z, Y):
        """∂J/∂U^l for every l, vectorised over the N rows of a forward pass (식 4.5-4.8).

        Y: one-hot targets (N, n_L). ``delta`` holds δ^l = −∂J/∂s^l, one row per sample.
        Returns grad = {l: (n_l, n_{l-1} + 1)} = (1/N) ΔU^l, where ΔU^l sums −δ^l z^{l-1}.
        """
        L, N = self.L, len(s[1])
        Y = self._check_Y(Y, N)
        o = z[L][:, 1:]
        delta = Y - o  # softmax + 교차 엔트로피: δ^L = y − o (τ'_L 이 약분된다)
        if self.loss_name == "mse":
            delta = self.tau_L_grad(s[L]) * delta  # 식 (4.6): δ^L = τ'_L(s^L)(y − o)
        grad = {}
        for l in range(L, 0, -1):
            # 식 (4.5) (l = L), 식 (4.7) (l < L): ∂J/∂u_ji^l = −δ_j^l z_i^{l-1}, 샘플 평균
            grad[l] = -(delta.T @ z[l - 1]) / N
            if l > 1:  # 식 (4.8): δ^{l-1} = τ'(s^{l-1}) Σ_p δ_p^l u_pj^l (바이어스 열 제외)
                delta = self.tau_grad(s[l - 1]) * (delta @ self.U[l][:, 1:])
        return grad

    def backward_loop(self, s, z, y, dU):
        """Lines 14-19 of Algorithm 4-1 for one sample: add its −δ_j^l z_i^{l-1} to ΔU^l.

        s, z: from :meth:`forward_loop`; y: one-hot target (n_L,); dU: ΔU = {l: (n_l,
        n_{l-1} + 1)}, changed in place and returned. δ^l = −∂J/∂s^l is kept in ``delta``.
        """
        L, n = self.L, self.sizes
        o = z[L][1:]
        delta = {l: np.zeros(n[l], dU[l].dtype) for l in range(1, L + 1)}
        # 14행: 오류 역전파의 단계 1, 그레이디언트 계산
        for k in range(1, n[L] + 1):  # 15행, 식 (4.6); softmax + 교차 엔트로피는 τ'_L 자리에 1
            tau_grad = 1 if self.output == "softmax" else self.tau_L_grad(s[L][k - 1])
            delta[L][k - 1] = tau_grad * (y[k - 1] - o[k - 1])
        for k in range(1, n[L] + 1):  # 16행, 식 (4.5): ∂J/∂u_kr^L = −δ_k^L z_r^{L-1}
            for r in range(0, n[L - 1] + 1):
                dU[L][k - 1, r] += -delta[L][k - 1] * z[L - 1][r]
        for l in range(L - 1, 0, -1):  # 17행: 오른쪽 층에서 왼쪽 층으로
            for j in range(1, n[l] + 1):  # 18행, 식 (4.8)
                total = sum(delta[l + 1][p - 1] * self.U[l + 1][p - 1, j]
                            for p in range(1, n[l + 1] + 1))
                delta[l][j - 1] = self.tau_grad(s[l][j - 1]) * total
            for j in range(1, n[l] + 1):  # 19행, 식 (4.7): ∂J/∂u_ji^l = −δ_j^l z_i^{l-1}
                for i in range(0, n[l - 1] + 1):
                    dU[l][j - 1, i] += -delta[l][j - 1] * z[l - 1][i]
        return dU

    def gradient(self, X, Y):
        """∂J/∂U^l = (1/N) ΔU^l on the minibatch X: (N, n_0), Y: (N, n_L), by one forward and
        one backward pass: {l: (n_l, n_{l-1} + 1)}."""
        s, z = self.forward(X)
        return self.backward(s, z, Y)

    def numerical_gradient(self, X, Y, eps=1e-6):
        """∂J/∂U^l by centred finite differences (slow: two forward passes per weight)."""
        return {l: numerical_gradient(lambda: self.loss(X, Y), Ul, eps)
                for l, Ul in self.U.items()}

    # ---- PyTorch ------------------------------------------------------------------------

    def to_torch(self, dtype=None, device=None):
        """The same network as nn.Sequential: nn.Linear weight = U^l[:, 1:], bias = U^l[:, 0].

        dtype: a torch dtype, torch.float32 when None. For cross entropy the model ends with
        s^L (nn.CrossEntropyLoss applies the softmax); for MSE it ends with τ_L.
        """
        import torch
        from torch import nn

        dtype = torch.float32 if dtype is None else dtype
        names = [self.hidden] + ([] if self.output == "softmax" else [self.output])
        for name in names:
            if name not in _TORCH_ACTIVATION_NAMES:
                raise ValueError(f"no torch module for activation {name!r}; expected one of "
                                 f"{sorted(_TORCH_ACTIVATION_NAMES)}")
        activation = {key: getattr(nn, cls) for key, cls in _TORCH_ACTIVATION_NAMES.items()}
        layers = []
        for l, Ul in self.U.items():
            linear = nn.Linear(Ul.shape[1] - 1, Ul.shape[0], dtype=dtype)
            with torch.no_grad():
                linear.weight.copy_(torch.as_tensor(Ul[:, 1:]))
                linear.bias.copy_(torch.as_tensor(Ul[:, 0]))
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
            raise ValueError("model has no nn.Linear layer")
        U = {l: np.hstack([m.bias.detach().cpu().numpy()[:, None],
                           m.weight.detach().cpu().numpy()]).astype(dtype)
             for l, m in enumerate(linears, start=1)}
        return cls(U, hidden, output, loss)

    # ---- 입력 검사 ----------------------------------------------------------------------

    def _check_X(self, X):
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] != self.sizes[0]:
            raise ValueError(f"X must have shape (N, n_0) = (N, {self.sizes[0]}), got {X.shape}"
                             + ("; flatten images with X.reshape(len(X), -1)" if X.ndim > 2
                                else ""))
        return X.astype(self.U[1].dtype, copy=False)

    def _check_Y(self, Y, N):
        Y = np.asarray(Y)
        if Y.shape != (N, self.sizes[-1]):
            raise ValueError(f"Y must be one-hot targets of shape (N, n_L) = "
                             f"({N}, {self.sizes[-1]}), got {Y.shape}; "
                             f"use functional.one_hot(y, {self.sizes[-1]})")
        return Y.astype(self.U[1].dtype, copy=False)


# ---- 알고리즘 4-1: DMLP를 위한 미니배치 스토캐스틱 경사 하강법 --------------------------------

def algorithm_4_1_loop(net, X, Y, rho, t, steps, rng):
    """Algorithm 4-1 line by line (slow; for small networks). Updates net.U in place.

    X: (N, n_0), Y: one-hot (N, n_L), ρ = rho, minibatch size t; ``steps`` repetitions
    stand for the stopping condition; ``rng`` draws the minibatches.
    """
    X, Y = net._check_X(X), net._check_Y(Y, len(X))
    _check_sgd_args(rho, t, steps, len(X))
    L, n = net.L, net.sizes
    # 1행: U^l 의 초기화는 net 을 만들 때 (DMLP.create) 이미 했다.
    for _ in range(steps):  # 2행: repeat
        batch = rng.choice(len(X), size=t, replace=False)  # 3행: t개를 무작위로 뽑는다
        dU = {l: np.zeros_like(net.U[l]) for l in range(1, L + 1)}  # 4행: ΔU^l = 0
        for m in batch:  # 5행: 미니배치의 샘플 각각에 대해
            x, y = X[m], Y[m]  # 6행
            s, z = net.forward_loop(x)  # 7-13행: 전방 계산 (forward_loop 참고)
            net.backward_loop(s, z, y, dU)  # 14-19행: 그레이디언트 누적 (backward_loop 참고)
        # 20행: 오류 역전파의 단계 2, 가중치 갱신. 5행의 반복문이 끝난 뒤 한 번 한다
        # (노트는 20-22행을 5행 안쪽으로 들여 썼지만, 22행의 1/t는 t개를 모두 더한 ΔU의 평균이다).
        for l in range(L, 0, -1):  # 21행
            for j in range(1, n[l] + 1):  # 22행
                for i in range(0, n[l - 1] + 1):
                    net.U[l][j - 1, i] = net.U[l][j - 1, i] - rho * (1 / t) * dU[l][j - 1, i]
    return net  # 23행: until (멈춤 조건) — 여기서는 steps 번 반복


def algorithm_4_1(net, X, Y, rho, t, steps, rng):
    """Algorithm 4-1 vectorised: the same minibatches as :func:`algorithm_4_1_loop` for the same
    ``rng`` state, whole layers at once. Updates net.U in place and returns net."""
    X, Y = net._check_X(X), net._check_Y(Y, len(X))
    _check_sgd_args(rho, t, steps, len(X))
    for _ in range(steps):  # 2행, 23행
        batch = rng.choice(len(X), size=t, replace=False)  # 3행
        grad = net.gradient(X[batch], Y[batch])  # 4-19행: (1/t) ΔU^l, 식 (4.3)-(4.8)
        for l in range(net.L, 0, -1):  # 21-22행: U^l ← U^l − ρ (1/t) ΔU^l
            net.U[l] -= rho * grad[l]
    return net


def _check_sgd_args(rho, t, steps, N):
    if not rho > 0:
        raise ValueError(f"learning rate rho must be positive, got {rho!r}")
    if not (isinstance(t, (int, np.integer)) and 1 <= t <= N):
        raise ValueError(f"minibatch size t must be an int in 1..N = 1..{N}, got {t!r}")
    if not (isinstance(steps, (int, np.integer)) and steps >= 0):
        raise ValueError(f"steps must be a non-negative int, got {steps!r}")


def train(net, X, y, *, rho, t, epochs, rng, X_test=None, y_test=None):
    """Run Algorithm 4-1 for ``epochs`` epochs of N // t updates each and record the history.

    X: (N, n_0), y: integer labels (N,). History: per-epoch lists ``loss`` (J on the training
    set), ``train_acc`` and ``test_acc`` (when X_test is given). A run whose loss overflows
    (too large a ρ) stops there; its last loss is then inf or nan.
    """
    Y = F.one_hot(y, net.sizes[-1])
    history = {"loss": [], "train_acc": [], "test_acc": []}
    for _ in range(epochs):
        with np.errstate(over="ignore", invalid="ignore"):  # 발산은 아래에서 손실로 확인한다
            algorithm_4_1(net, X, Y, rho, t, steps=len(X) // t, rng=rng)  # 1 ≤ t ≤ N
            s, z = net.forward(X)
            history["loss"].append(net._loss(s, z, net._check_Y(Y, len(X))))
        history["train_acc"].append(float(np.mean(z[net.L][:, 1:].argmax(1) == y)))
        if X_test is not None:
            history["test_acc"].append(net.accuracy(X_test, y_test))
        if not np.isfinite(history["loss"][-1]):
            break
    return history


def sgd_runs(X, y, X_test, y_test, settings, *, sizes, epochs, seed=0, **net_kwargs):
    """Train a fresh DMLP from the same initial weights for every (ρ, t) in ``settings``.

    net_kwargs go to :meth:`DMLP.create` (hidden, output, loss, init); weights are float32
    for speed. Returns {"ρ=…, t=…": history of :func:`train`}.
    """
    histories = {}
    for rho, t in settings:
        rng = np.random.default_rng(seed)
        net = DMLP.create(sizes, rng, dtype=np.float32, **net_kwargs)
        histories[f"ρ={rho:g}, t={t}"] = train(net, X, y, rho=rho, t=t, epochs=epochs, rng=rng,
                                               X_test=X_test, y_test=y_test)
    return histories


def sgd_figure(X, y, X_test, y_test, rho, t, *, sizes, epochs=3, seed=0):
    """The learning-rate and minibatch-size explorer's plot: training loss and test accuracy
    per epoch of Algorithm 4-1 with ρ = rho and minibatch size t. Returns (figure, history)."""
    from .curves import plot_histories

    histories = sgd_runs(X, y, X_test, y_test, [(rho, t)], sizes=sizes, epochs=epochs, seed=seed)
    fig = plot_histories(histories, keys=("loss", "test_acc"), logy=("loss",),
                         suptitle=f"알고리즘 4-1: 학습률 ρ = {rho:g}, 미니배치 크기 t = {t}")
    fig.axes[1].set_ylim(0, 1)
    return fig, next(iter(histories.values()))


# ---- PyTorch 로 같은 손실과 그레이디언트 ---------------------------------------------------

def torch_loss(out, Y, loss):
    """J of a torch model's output: 'mse' J = (1/N) Σ ½‖Y − o‖² (out = o), 'cross_entropy'
    from the scores (out = s^L); Y: one-hot tensor (N, c)."""
    import torch

    if loss == "mse":
        return 0.5 * ((Y - out) ** 2).sum() / len(out)
    if loss == "cross_entropy":
        return -(Y * torch.log_softmax(out, dim=1)).sum() / len(out)
    raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")


def torch_gradient(model, X, Y, loss):
    """J and ∂J/∂U^l by torch.autograd, arranged like U^l: (J, {l: (n_l, n_{l-1} + 1)}).

    torch's ``.grad`` is +∂J/∂U^l, the same quantity as :meth:`DMLP.gradient` returns."""
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
