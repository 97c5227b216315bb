"""Fused, numerically stable losses and penalties — the one place to add a loss.

Every data loss takes raw scores (logits) of shape ``(n_samples, n_outputs)`` (or
``(n_samples,)``), a constant target, and an optional ``sample_weight``, and returns the
weighted mean over samples ``Σ_i w_i L_i / Σ_i w_i`` as a 0-d tensor. A batch whose weights
sum to zero has loss 0 and gradient 0 (it must not crash a minibatch loop).

Fusing the output non-linearity with the loss gives both stability (log-sum-exp,
``log1p(exp(−|x|))``) and the canonical-link gradient: softmax + cross-entropy → ``P − Y``,
sigmoid + binary cross-entropy → ``σ(x) − y``.
"""

import numpy as np
from scipy.special import expit, xlogy

from ..function import Function
from .basic import constant

__all__ = [
    "LOSSES", "BinaryCrossEntropyWithLogits", "L1Penalty", "L2Penalty", "MulticlassHinge",
    "PoissonWithLogLink", "SoftmaxCrossEntropy", "SquaredError",
    "binary_cross_entropy_with_logits", "get_loss", "l1_penalty", "l2_penalty",
    "multiclass_hinge", "poisson_with_log_link", "softmax_cross_entropy", "squared_error",
]


def _sample_weights(sample_weight, n, dtype):
    """Per-sample factors w_i / Σw (1/n when unweighted; zeros when Σw = 0); the
    unweighted factors are a shared read-only array."""
    if sample_weight is None:
        return constant("uniform", n, np.dtype(dtype))
    w = np.asarray(sample_weight, dtype=dtype).reshape(-1)
    if w.shape[0] != n:
        raise ValueError(f"sample_weight has {w.shape[0]} entries for {n} samples")
    total = w.sum()
    return w / total if total > 0 else np.zeros_like(w)


def _check_labels(target, n_classes):
    """ValueError unless every integer label lies in ``[0, n_classes)``."""
    if target.size and (target.min() < 0 or target.max() >= n_classes):
        raise ValueError(f"class labels must lie in [0, {n_classes}), got "
                         f"[{target.min()}, {target.max()}]")


def _label_scores(scores, target):
    """``(rows, s)``: ``rows = arange(n)`` and each row's score at its label,
    ``s = scores[rows, target]``, with the labels checked as :func:`_check_labels` does
    (the indexing itself refuses labels too large: one reduction less)."""
    rows = constant("rows", scores.shape[0], None)
    if target.dtype.kind == "i" and target.size and target.min() < 0:
        _check_labels(target, scores.shape[-1])
    try:
        return rows, scores[rows, target]
    except IndexError:
        _check_labels(target, scores.shape[-1])
        raise


def _class_targets(target, scores):
    """Targets as a matrix Y of the scores' shape (int labels become one-hot)."""
    target = np.asarray(target)
    if target.ndim == scores.ndim - 1 and target.dtype.kind in "iu":
        _check_labels(target, scores.shape[-1])
        y = np.zeros(scores.shape, dtype=scores.dtype)
        np.put_along_axis(y, target[..., None], 1, axis=-1)
        return y
    if target.shape != scores.shape:
        raise ValueError(f"target of shape {target.shape} does not match scores of shape "
                         f"{scores.shape}")
    return target.astype(scores.dtype, copy=False)


def _target_like(target, pred):
    """The target as an array of the predictions' dtype and (checked) shape."""
    t = np.asarray(target, dtype=pred.dtype)
    if t.shape != pred.shape:
        raise ValueError(f"target of shape {t.shape} does not match predictions of shape "
                         f"{pred.shape}")
    return t


def _per_row(w, ndim):
    """Per-sample factors shaped to broadcast over an ``ndim``-dimensional gradient."""
    return w.reshape((-1,) + (1,) * (ndim - 1))


def _per_sample(values):
    """Sum a per-element loss over everything but the sample axis."""
    return values.reshape(values.shape[0], -1).sum(axis=1) if values.ndim > 1 else values


def _shifted_exp(scores):
    """``(E, m, z)`` with ``m`` the row maxima of ``scores``, ``E = exp(scores − m)`` (a new
    array) and ``z`` its row sums; ``m`` and ``z`` have the shape ``scores.shape[:-1]``.

    For a matrix with few columns the work is done on its transpose: whole-row
    elementwise maxima and sums instead of one short reduction per row (several times
    faster for 10 classes; the maxima and exponentials are the same, the sums are added in
    another order). ``E`` is then the transpose of a C-contiguous array.
    """
    if scores.ndim == 2 and scores.shape[1] <= 64:
        e = np.array(scores.T, order="C")
        m = e.max(axis=0)
        np.subtract(e, m, out=e)
        np.exp(e, out=e)
        return e.T, m, e.sum(axis=0)
    m = scores.max(axis=-1, keepdims=True)
    e = np.subtract(scores, m)
    np.exp(e, out=e)
    return e, m[..., 0], e.sum(axis=-1)


class SoftmaxCrossEntropy(Function):
    """L_i = −Σ_j Y_ij log softmax(s_i)_j = logsumexp(s_i) − Σ_j Y_ij s_ij.

    ``target`` holds integer class labels of shape ``(n,)`` or a probability / one-hot
    matrix of shape ``(n, n_classes)``. Gradient: ``(P − Y) · w_i / Σw``.

    With integer labels no one-hot matrix is formed: the loss reads ``s_{i,y_i}`` and the
    gradient subtracts 1 at the labels, in place on ``P`` (the same floating-point
    operations as with the one-hot ``Y``). Unweighted, the per-row factor ``1/n`` is one
    scalar.
    """

    @staticmethod
    def forward(ctx, scores, target, sample_weight=None):
        target = np.asarray(target)
        labels = scores.ndim == 2 and target.ndim == 1 and target.dtype.kind in "iu"
        p, m, z = _shifted_exp(scores)
        log_z = np.log(z)
        log_z += m  # m + log Z, in the new array
        if labels:
            rows, picked = _label_scores(scores, target)
            losses = np.subtract(log_z, picked, out=log_z)
            ctx.labels, ctx.y = (rows, target), None
        else:
            y = _class_targets(target, scores)
            # Σ_j Y_ij (log Z_i − s_ij), so that Y rows summing to 1 give log Z − s_y.
            losses = (y * (log_z[..., None] - scores)).sum(axis=-1)
            ctx.labels, ctx.y = None, y
        w = _sample_weights(sample_weight, scores.shape[0], scores.dtype)
        p /= z[..., None]
        ctx.p, ctx.w, ctx.uniform = p, w, sample_weight is None
        return np.asarray(np.dot(w, losses), dtype=scores.dtype)

    @staticmethod
    def backward(ctx, grad):
        if ctx.labels is not None:
            # P is not needed after the last backward: the gradient is made in it
            g = ctx.p if getattr(ctx, "last_backward", False) else ctx.p.copy(order="K")
            g[ctx.labels] -= 1
        else:
            g = ctx.p * ctx.y.sum(axis=-1, keepdims=True) - ctx.y
        if ctx.uniform:  # every factor is w_0 · grad
            g *= ctx.w[0] * grad if ctx.w.shape[0] else 0
        else:
            g *= ctx.w[:, None] * grad
        return g


class MulticlassHinge(Function):
    """CS231n's multiclass SVM loss L_i = Σ_{j≠y_i} max(0, s_j − s_{y_i} + margin).

    ``target`` holds integer class labels of shape ``(n,)``.
    """

    @staticmethod
    def forward(ctx, scores, target, sample_weight=None, margin=1.0):
        target = np.asarray(target)
        if target.ndim != 1 or target.dtype.kind not in "iu":
            raise ValueError("multiclass hinge needs integer class labels of shape (n,)")
        _check_labels(target, scores.shape[-1])
        n = scores.shape[0]
        rows = np.arange(n)
        margins = scores - scores[rows, target][:, None] + margin
        margins[rows, target] = 0
        active = margins > 0
        w = _sample_weights(sample_weight, n, scores.dtype)
        ctx.active, ctx.target, ctx.w = active, target, w
        return np.asarray(np.dot(w, np.where(active, margins, 0).sum(axis=1)),
                          dtype=scores.dtype)

    @staticmethod
    def backward(ctx, grad):
        g = ctx.active.astype(ctx.w.dtype)
        rows = np.arange(g.shape[0])
        g[rows, ctx.target] = -g.sum(axis=1)
        return g * (ctx.w[:, None] * grad)


class BinaryCrossEntropyWithLogits(Function):
    """L_i = Σ_k [max(x_ik, 0) − x_ik t_ik + log(1 + e^(−|x_ik|))], the cross-entropy of
    σ(x) against targets t in [0, 1], summed over outputs (binary and multilabel), without
    ever forming log σ(x). Gradient: ``(σ(x) − t) · w_i / Σw``."""

    @staticmethod
    def forward(ctx, logits, target, sample_weight=None):
        t = _target_like(target, logits)
        values = np.maximum(logits, 0) - logits * t + np.log1p(np.exp(-np.abs(logits)))
        w = _sample_weights(sample_weight, logits.shape[0], logits.dtype)
        ctx.logits, ctx.t, ctx.w = logits, t, w
        return np.asarray(np.dot(w, _per_sample(values)), dtype=logits.dtype)

    @staticmethod
    def backward(ctx, grad):
        g = expit(ctx.logits)  # the same operations, in one new array
        g -= ctx.t
        g *= _per_row(ctx.w, ctx.logits.ndim) * grad
        return g


class SquaredError(Function):
    """½ · mean over outputs of the weighted mean over samples of (ŷ − y)², scikit-learn's
    MLP convention (its ``squared_loss``), so that gradients match it exactly."""

    @staticmethod
    def forward(ctx, pred, target, sample_weight=None):
        diff = pred - _target_like(target, pred)
        w = _sample_weights(sample_weight, pred.shape[0], pred.dtype)
        n_outputs = diff[0].size if diff.shape[0] else 1
        ctx.diff, ctx.w, ctx.n_outputs = diff, w, n_outputs
        return np.asarray(0.5 * np.dot(w, _per_sample(diff * diff)) / n_outputs,
                          dtype=pred.dtype)

    @staticmethod
    def backward(ctx, grad):
        factor = _per_row(ctx.w, ctx.diff.ndim) * (grad / ctx.n_outputs)
        if getattr(ctx, "last_backward", False):  # the difference is not needed after
            ctx.diff *= factor
            return ctx.diff
        return ctx.diff * factor


class PoissonWithLogLink(Function):
    """Half Poisson deviance with a log link: the prediction is μ = exp(x) and
    L_i = Σ_k [y log(y / μ) − y + μ] (the same value as scikit-learn's MLP ``poisson_loss``,
    including its constant), so the gradient is the canonical ``(μ − y) · w_i / Σw``.
    Targets must be non-negative."""

    @staticmethod
    def forward(ctx, raw, target, sample_weight=None):
        y = _target_like(target, raw)
        if (y < 0).any():
            raise ValueError("Poisson loss needs non-negative targets")
        mu = np.exp(raw)
        values = xlogy(y, y) - y * raw - y + mu
        w = _sample_weights(sample_weight, raw.shape[0], raw.dtype)
        ctx.mu, ctx.y, ctx.w = mu, y, w
        return np.asarray(np.dot(w, _per_sample(values)), dtype=raw.dtype)

    @staticmethod
    def backward(ctx, grad):
        return (ctx.mu - ctx.y) * (_per_row(ctx.w, ctx.mu.ndim) * grad)


class L2Penalty(Function):
    """``scale`` · ½ Σ_k ‖W_k‖² over any number of parameter arrays (weight decay);
    gradient ``scale · W_k``. The scale (``alpha / n`` in a training objective) is the
    same as multiplying the result by it, in one node. The gradients are written into the
    weights' gradient storage when the engine offers it (``Context.grad_into``)."""

    @staticmethod
    def forward(ctx, *weights, scale=1.0):
        ctx.weights, ctx.scale = weights, scale
        total = 0  # Σ_k ‖W_k‖², added in the order of the weights (plain loops: no generator
        for w in weights:  # objects, this runs at every training step)
            total = total + np.vdot(w, w)
        value = np.asarray(0.5 * total, dtype=np.result_type(*weights))
        return value if scale == 1.0 else value * scale

    @staticmethod
    def backward(ctx, grad):
        if ctx.scale != 1.0:
            grad = grad * ctx.scale
        into = getattr(ctx, "grad_into", None) or [None] * len(ctx.weights)
        grads = []
        for w, need, out in zip(ctx.weights, ctx.needs_input_grad, into):
            if need and out is not None and out.dtype == np.result_type(w, grad):
                grads.append(np.multiply(w, grad, out=out))
            else:
                grads.append(np.multiply(w, grad) if need else None)
        return tuple(grads)


class L1Penalty(Function):
    """Σ_k ‖W_k‖₁ over any number of parameter arrays; gradient sign(W_k) (0 at 0)."""

    @staticmethod
    def forward(ctx, *weights):
        ctx.weights = weights
        dtype = np.result_type(*weights)
        return np.asarray(sum(np.abs(w).sum() for w in weights), dtype=dtype)

    @staticmethod
    def backward(ctx, grad):
        return tuple(np.sign(w) * grad if need else None
                     for w, need in zip(ctx.weights, ctx.needs_input_grad))


# ------------------------------------------------------------------ functional forms
def softmax_cross_entropy(scores, target, sample_weight=None):
    return SoftmaxCrossEntropy.apply(scores, target=target, sample_weight=sample_weight)


def multiclass_hinge(scores, target, sample_weight=None, margin=1.0):
    return MulticlassHinge.apply(scores, target=target, sample_weight=sample_weight,
                                 margin=margin)


def binary_cross_entropy_with_logits(logits, target, sample_weight=None):
    return BinaryCrossEntropyWithLogits.apply(logits, target=target,
                                              sample_weight=sample_weight)


def squared_error(pred, target, sample_weight=None):
    return SquaredError.apply(pred, target=target, sample_weight=sample_weight)


def poisson_with_log_link(raw, target, sample_weight=None):
    return PoissonWithLogLink.apply(raw, target=target, sample_weight=sample_weight)


def l2_penalty(*weights, scale=1.0):
    return L2Penalty.apply(*weights, scale=scale)


def l1_penalty(*weights):
    return L1Penalty.apply(*weights)


#: Data losses by name: ``name -> function(scores, target, sample_weight=None)``.
LOSSES = {
    "softmax_cross_entropy": softmax_cross_entropy,
    "multiclass_hinge": multiclass_hinge,
    "binary_cross_entropy_with_logits": binary_cross_entropy_with_logits,
    "squared_error": squared_error,
    "poisson_with_log_link": poisson_with_log_link,
}


def get_loss(name):
    """The loss function registered as ``name``; ValueError listing valid names."""
    try:
        return LOSSES[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown loss {name!r}; expected one of {sorted(LOSSES)}") from None
