"""softmax + 교차 엔트로피 (CrossEntropyLoss) with torch's arguments."""

import numpy as np

from ..functional import log_softmax
from .base import _to_numpy

REDUCTIONS = ("none", "mean", "sum")


class CrossEntropyLoss:
    """softmax + 교차 엔트로피, like torch.nn.CrossEntropyLoss.

    forward(s, y): scores s of shape (N, c), (c,) or (N, c, d1, ...) and either class labels y
    (integers, s's shape without the class axis) or class probabilities (floats, s's shape) →
    J, a float (reduction 'mean' or 'sum') or an array of one loss per sample (and position)
    ('none'). backward(dout=1.0) → ∂J/∂s; with 'none', dout has the shape of the losses.

    Per sample n with label y_n (torch's formulas): l_n = −w[y_n] log p_n[y_n], and with
    label_smoothing ε, l_n = (1 − ε)·(that) − (ε/c)·Σ_k w[k] log p_n[k]. Samples whose label
    is ignore_index add nothing; 'mean' divides by Σ w[y_n] over the others (nan when that is
    0, e.g. when every label is ignored). With probabilities t: l_n = −Σ_k w[k] t'_nk log p_nk,
    t' = (1 − ε) t + ε/c, and 'mean' divides by the number of samples (and positions).
    torch's deprecated size_average and reduce are refused: use reduction.
    """

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None,
                 reduction="mean", label_smoothing=0.0):
        for name, value in (("size_average", size_average), ("reduce", reduce)):
            if value is not None:
                raise ValueError(f"CrossEntropyLoss: {name} is not supported (torch deprecated "
                                 "it): use reduction='mean', 'sum' or 'none'")
        if reduction not in REDUCTIONS:
            raise ValueError(f"{reduction!r} is not a valid value for reduction: expected one of "
                             f"{REDUCTIONS}")
        if not 0.0 <= label_smoothing <= 1.0:
            raise ValueError(f"label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
        if not isinstance(ignore_index, (int, np.integer)) or isinstance(ignore_index, bool):
            raise TypeError(f"ignore_index must be an int, got {ignore_index!r}")
        if weight is not None:
            weight = _to_numpy(weight)
            if weight.ndim != 1 or not np.issubdtype(weight.dtype, np.floating):
                raise ValueError(f"weight must be a 1-D float array, one value per class, got "
                                 f"shape {weight.shape} and dtype {weight.dtype}")
        self.weight, self.ignore_index = weight, int(ignore_index)
        self.reduction, self.label_smoothing = reduction, float(label_smoothing)
        self.cache = None

    def __call__(self, s, y):
        return self.forward(s, y)

    def forward(self, s, y):
        s, y = np.asarray(s), np.asarray(y)
        if s.ndim == 0 or not np.issubdtype(s.dtype, np.floating):
            raise ValueError(f"expected float scores of shape (N, c), (c,) or (N, c, d1, ...), "
                             f"got shape {s.shape} and dtype {s.dtype}")
        class_axis = 0 if s.ndim == 1 else 1
        c = s.shape[class_axis]
        weight = np.ones(c, s.dtype) if self.weight is None else self.weight.astype(s.dtype)
        if len(weight) != c:
            raise ValueError(f"weight has {len(weight)} values but the scores have {c} classes")
        logp = log_softmax(np.moveaxis(s, class_axis, -1).reshape(-1, c))  # 행마다 한 샘플
        if y.shape == s.shape:
            losses, grad = self._probability_targets(logp, y, class_axis, weight)
            valid, total = None, len(logp)
        else:
            losses, grad, valid, total = self._class_targets(logp, s.shape, y, class_axis, weight)
        self.cache = (grad, valid, total, s.shape, class_axis)
        if self.reduction == "none":
            return losses.reshape(s.shape[:class_axis] + s.shape[class_axis + 1:])
        if self.reduction == "sum":
            return float(losses.sum())
        with np.errstate(invalid="ignore", divide="ignore"):
            return float(losses.sum() / total)    # 0/0 = nan, as in torch

    def _class_targets(self, logp, s_shape, y, class_axis, weight):
        """Losses and ∂l_n/∂s for integer labels; which samples count and Σ w[y_n] over them."""
        expected = s_shape[:class_axis] + s_shape[class_axis + 1:]
        if y.shape != expected:
            raise ValueError(f"expected labels of shape {expected} (the scores' shape without the"
                             f" class axis) or probabilities of shape {s_shape}, got {y.shape}")
        if not np.issubdtype(y.dtype, np.integer):
            raise TypeError(f"class labels must be integers, got dtype {y.dtype} (probabilities "
                            f"need the scores' shape {s_shape})")
        c = logp.shape[1]
        y = y.reshape(-1)
        valid = y != self.ignore_index
        bad = valid & ((y < 0) | (y >= c))
        if bad.any():
            raise IndexError(f"label {y[bad][0]} is out of range for {c} classes (0..{c - 1}, or "
                             f"ignore_index={self.ignore_index})")
        rows, y = np.arange(len(y)), np.where(valid, y, 0)
        w_y = weight[y] * valid                                # 무시한 샘플의 가중치는 0
        p = np.exp(logp)
        losses = -w_y * logp[rows, y]
        grad = w_y[:, None] * p                                # w[y]·(softmax(s) − onehot(y))
        grad[rows, y] -= w_y
        eps = self.label_smoothing
        if eps:
            smooth = -(logp * weight).sum(axis=1) * valid
            losses = (1 - eps) * losses + eps / c * smooth
            grad = (1 - eps) * grad + eps / c * (p * weight.sum() - weight) * valid[:, None]
        return losses, grad, valid, w_y.sum()

    def _probability_targets(self, logp, t, class_axis, weight):
        """Losses and ∂l_n/∂s for class probabilities t (the scores' shape)."""
        if not np.issubdtype(t.dtype, np.floating):
            raise TypeError(f"class probabilities must be floats, got dtype {t.dtype} (labels "
                            f"need the scores' shape without the class axis)")
        if self.ignore_index >= 0:
            raise ValueError(f"ignore_index={self.ignore_index} is not supported for class "
                             "probabilities (torch refuses an ignore_index ≥ 0 there)")
        c = logp.shape[1]
        t = np.moveaxis(t, class_axis, -1).reshape(-1, c).astype(logp.dtype, copy=False)
        eps = self.label_smoothing
        if eps:
            t = (1 - eps) * t + eps / c
        wt = weight * t
        losses = -(wt * logp).sum(axis=1)
        grad = np.exp(logp) * wt.sum(axis=1, keepdims=True) - wt
        return losses, grad

    def backward(self, dout=None):
        """∂J/∂s of the last forward: dout (default 1) is ∂(something)/∂J, or per sample with
        reduction='none'."""
        if self.cache is None:
            raise RuntimeError("CrossEntropyLoss: call forward before backward")
        grad, valid, total, s_shape, class_axis = self.cache
        if self.reduction == "none":
            if dout is None:
                raise ValueError("CrossEntropyLoss(reduction='none').backward needs dout, one "
                                 "value per loss")
            dout = np.asarray(dout, grad.dtype)
            expected = s_shape[:class_axis] + s_shape[class_axis + 1:]
            if dout.shape != expected:
                raise ValueError(f"CrossEntropyLoss.backward expects dout of shape {expected} "
                                 f"(the shape of its forward output), got {dout.shape}")
            dscores = grad * dout.reshape(-1, 1)
        else:
            scale = 1.0 if dout is None else np.asarray(dout, grad.dtype)
            if np.ndim(scale) != 0:
                raise ValueError(f"CrossEntropyLoss(reduction={self.reduction!r}).backward "
                                 f"expects a scalar dout, got shape {np.shape(dout)}")
            if self.reduction == "mean" and total == 0:
                grad = np.full_like(grad, np.nan)  # 0/0: torch's gradient is nan (0 if ignored)
            elif self.reduction == "mean":
                scale = scale / total
            dscores = grad * scale
        if valid is not None and not valid.all():
            dscores[~valid] = 0
        c = s_shape[class_axis]
        moved = s_shape[:class_axis] + s_shape[class_axis + 1:] + (c,)
        return np.moveaxis(dscores.reshape(moved), -1, class_axis)
