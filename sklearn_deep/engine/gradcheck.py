"""Numerical gradient checking: compare backprop with central differences in float64."""

import numpy as np

from .sparse import RowSparseGrad
from .tensor import Tensor, no_grad

__all__ = ["GradientCheckError", "check_grad"]


class GradientCheckError(AssertionError):
    """Raised by :func:`check_grad` when analytic and numerical gradients disagree."""


def check_grad(f, *inputs, eps=1e-6, tol=1e-5, atol=1e-4, max_full_size=256,
               n_directions=8, random_state=0, raise_error=True):
    """Check the gradients of ``f`` at ``inputs`` against central differences.

    ``f`` takes one :class:`Tensor` per input and returns a tensor of any shape; a non-scalar
    output ``y`` is reduced to the scalar ``Σ r ⊙ y`` with a fixed random ``r`` (so every
    output entry is checked). Everything runs in float64.

    For an input with at most ``max_full_size`` entries every partial derivative is
    checked: ``(L(x + ε e_i) − L(x − ε e_i)) / 2ε``. Larger inputs are checked along
    ``n_directions`` random unit directions ``v`` (the directional derivative
    ``⟨∇L, v⟩``), which costs two evaluations per direction whatever the size.

    The error of a pair (analytic ``a``, numerical ``n``) is
    ``|a − n| / max(|a| + |n|, atol)``: relative for ordinary gradients, absolute (scaled by
    ``1/atol``) for near-zero ones, whose finite differences are dominated by round-off.

    Parameters
    ----------
    f : callable
        ``f(*tensors) -> Tensor``.
    *inputs : array-like
        Points at which to check; each becomes a float64 tensor requiring a gradient.
    eps : float, default=1e-6
        Finite-difference step.
    tol : float, default=1e-5
        Largest acceptable error.
    atol : float, default=1e-4
        Floor of the error's denominator (see above).
    max_full_size : int, default=256
        Inputs up to this size are checked entry by entry.
    n_directions : int, default=8
        Random directions for larger inputs.
    random_state : int, default=0
        Seed for the output projection and the directions.
    raise_error : bool, default=True
        Raise :class:`GradientCheckError` when the worst error exceeds ``tol``.

    Returns
    -------
    worst_error : float
        The largest error over all inputs and checked entries or directions.
    """
    rng = np.random.default_rng(random_state)
    arrays = [np.array(x, dtype=np.float64, copy=True) for x in inputs]
    tensors = [Tensor(a, requires_grad=True) for a in arrays]
    out = f(*tensors)
    if not isinstance(out, Tensor):
        raise TypeError(f"f must return a Tensor, got {type(out).__name__}")
    if out.dtype != np.float64:
        raise TypeError(f"f returned dtype {out.dtype} for float64 inputs; gradient checks "
                        "need float64 all the way through")
    projection = np.ones(out.shape) if out.size == 1 else rng.standard_normal(out.shape)
    if not out.requires_grad:
        raise ValueError("f's output does not depend on any input that requires a gradient")
    out.backward(projection)

    def objective(arrs):
        with no_grad():
            value = f(*[Tensor(a) for a in arrs])
        return float(np.sum(value.data * projection))

    worst, where = 0.0, None
    for i, (array, tensor) in enumerate(zip(arrays, tensors)):
        grad = tensor.grad
        if grad is None:
            grad = np.zeros_like(array)
        elif isinstance(grad, RowSparseGrad):
            grad = grad.to_dense()
        if array.size <= max_full_size:
            pairs = _entrywise(objective, arrays, i, grad, eps)
        else:
            pairs = _directional(objective, arrays, i, grad, eps, n_directions, rng)
        for label, analytic, numeric in pairs:
            err = abs(analytic - numeric) / max(abs(analytic) + abs(numeric), atol)
            if err > worst:
                worst, where = err, (i, label, analytic, numeric)
    if raise_error and worst > tol:
        i, label, analytic, numeric = where
        raise GradientCheckError(
            f"gradient check failed for input {i} at {label}: backprop gives {analytic:.10g}, "
            f"central differences give {numeric:.10g} (error {worst:.3g} > tol {tol:.3g})"
        )
    return worst


def _entrywise(objective, arrays, i, grad, eps):
    x = arrays[i]
    for idx in np.ndindex(x.shape):
        original = x[idx]
        x[idx] = original + eps
        plus = objective(arrays)
        x[idx] = original - eps
        minus = objective(arrays)
        x[idx] = original
        yield f"entry {idx}", float(grad[idx]), (plus - minus) / (2 * eps)


def _directional(objective, arrays, i, grad, eps, n_directions, rng):
    x = arrays[i]
    original = x.copy()
    for k in range(n_directions):
        v = rng.standard_normal(x.shape)
        v /= np.linalg.norm(v)
        x[...] = original + eps * v
        plus = objective(arrays)
        x[...] = original - eps * v
        minus = objective(arrays)
        x[...] = original
        yield f"random direction {k}", float(np.vdot(grad, v)), (plus - minus) / (2 * eps)
