"""Elementwise arithmetic, reductions and shape primitives.

Each primitive is one :class:`~sklearn_deep.engine.function.Function` with its forward and
backward next to each other. Binary elementwise ops follow NumPy broadcasting; their
backward sums the gradient back to each operand's shape with
:func:`~sklearn_deep.engine.function.unbroadcast`, the one place that knows about it.
"""

import math
from functools import lru_cache

import numpy as np

from ..function import Function, unbroadcast

__all__ = [
    "Abs", "Add", "Clip", "Concatenate", "Div", "Exp", "GetItem", "Log", "LogSumExp", "Max",
    "Mean", "Mul", "Neg", "Pow", "Reshape", "Softmax", "Sqrt", "Sub", "Sum", "Transpose",
    "Where",
]


# constant() keeps arrays of at most this many elements (a minibatch's); larger ones are
# made at each call, so that a full-batch fit leaves nothing large behind.
_CONSTANT_MAX_SIZE = 2**17


def constant(kind, shape, dtype):
    """A read-only array, made once and kept for the few shapes a training loop's
    minibatches have (when small): ``'zeros'`` of ``shape``; ``'uniform'``, ``shape`` = n
    factors ``1/n`` (the unweighted sample factors); or ``'rows'``, ``arange(shape)``.
    Primitives reuse it at every step instead of making it anew."""
    size = math.prod(shape) if isinstance(shape, tuple) else shape
    if size <= _CONSTANT_MAX_SIZE:
        return _kept_constant(kind, shape, dtype)
    return _make_constant(kind, shape, dtype)


def _make_constant(kind, shape, dtype):
    if kind == "zeros":
        a = np.zeros(shape, dtype)
    elif kind == "uniform":
        a = np.full(shape, 1.0 / shape if shape else 0.0, dtype=dtype)
    else:
        a = np.arange(shape)
    a.flags.writeable = False
    return a


_kept_constant = lru_cache(maxsize=16)(_make_constant)


def _normalize_axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if np.isscalar(axis) else tuple(axis)
    return tuple(sorted(int(a) % ndim if ndim else 0 for a in axes))


def _expand_reduced(grad, shape, axes, keepdims):
    """Broadcast the gradient of a reduction back over the reduced axes (read-only view)."""
    if not keepdims:
        grad = np.expand_dims(grad, axes)
    return np.broadcast_to(grad, shape)


# --------------------------------------------------------------------------- arithmetic
class Add(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (np.shape(a), np.shape(b))
        return np.add(a, b)

    @staticmethod
    def backward(ctx, grad):
        need_a, need_b = ctx.needs_input_grad
        sa, sb = ctx.shapes
        return (unbroadcast(grad, sa) if need_a else None,
                unbroadcast(grad, sb) if need_b else None)


class Sub(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (np.shape(a), np.shape(b))
        return np.subtract(a, b)

    @staticmethod
    def backward(ctx, grad):
        need_a, need_b = ctx.needs_input_grad
        sa, sb = ctx.shapes
        return (unbroadcast(grad, sa) if need_a else None,
                unbroadcast(-grad, sb) if need_b else None)


class Mul(Function):
    """CS231n's "mul swaps the multipliers": d(ab)/da = b, d(ab)/db = a."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.a, ctx.b = a, b
        return np.multiply(a, b)

    @staticmethod
    def backward(ctx, grad):
        need_a, need_b = ctx.needs_input_grad
        a, b = ctx.a, ctx.b
        return (unbroadcast(grad * b, np.shape(a)) if need_a else None,
                unbroadcast(grad * a, np.shape(b)) if need_b else None)


class Div(Function):
    @staticmethod
    def forward(ctx, a, b):
        out = np.divide(a, b)
        ctx.a, ctx.b, ctx.out = a, b, out
        return out

    @staticmethod
    def backward(ctx, grad):
        need_a, need_b = ctx.needs_input_grad
        a, b = ctx.a, ctx.b
        ga = grad / b
        return (unbroadcast(ga, np.shape(a)) if need_a else None,
                unbroadcast(-ga * ctx.out, np.shape(b)) if need_b else None)


class Neg(Function):
    @staticmethod
    def forward(ctx, a):
        return np.negative(a)

    @staticmethod
    def backward(ctx, grad):
        return -grad


class Pow(Function):
    """``a ** b``; the gradient for the exponent needs ``a > 0``."""

    @staticmethod
    def forward(ctx, a, b):
        out = np.power(a, b)
        ctx.a, ctx.b, ctx.out = a, b, out
        return out

    @staticmethod
    def backward(ctx, grad):
        need_a, need_b = ctx.needs_input_grad
        a, b = ctx.a, ctx.b
        ga = gb = None
        if need_a:
            ga = unbroadcast(grad * b * np.power(a, b - 1), np.shape(a))
        if need_b:
            gb = unbroadcast(grad * ctx.out * np.log(a), np.shape(b))
        return ga, gb


class Exp(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.out = np.exp(a)
        return ctx.out

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.out


class Log(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.a = a
        return np.log(a)

    @staticmethod
    def backward(ctx, grad):
        return grad / ctx.a


class Sqrt(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.out = np.sqrt(a)
        return ctx.out

    @staticmethod
    def backward(ctx, grad):
        return grad / (2 * ctx.out)


class Abs(Function):
    """``|a|``; the gradient at 0 is taken as 0 (``np.sign``)."""

    @staticmethod
    def forward(ctx, a):
        ctx.a = a
        return np.abs(a)

    @staticmethod
    def backward(ctx, grad):
        return grad * np.sign(ctx.a)


class Where(Function):
    """``np.where(condition, a, b)``; the condition is a constant boolean array."""

    @staticmethod
    def forward(ctx, a, b, condition):
        ctx.condition = np.asarray(condition, dtype=bool)
        ctx.shapes = (np.shape(a), np.shape(b))
        return np.where(ctx.condition, a, b)

    @staticmethod
    def backward(ctx, grad):
        need_a, need_b = ctx.needs_input_grad
        sa, sb = ctx.shapes
        zero = np.zeros((), dtype=grad.dtype)
        return (unbroadcast(np.where(ctx.condition, grad, zero), sa) if need_a else None,
                unbroadcast(np.where(ctx.condition, zero, grad), sb) if need_b else None)


class Clip(Function):
    """``np.clip(a, low, high)``; the gradient flows where ``low <= a <= high``."""

    @staticmethod
    def forward(ctx, a, low=None, high=None):
        out = np.clip(a, low, high)
        ctx.passed = out == a
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.passed


# --------------------------------------------------------------------------- reductions
class Sum(Function):
    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        ctx.shape, ctx.axes, ctx.keepdims = np.shape(a), _normalize_axes(axis, np.ndim(a)), keepdims
        return np.sum(a, axis=ctx.axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        return _expand_reduced(grad, ctx.shape, ctx.axes, ctx.keepdims)


class Mean(Function):
    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        ctx.shape, ctx.axes, ctx.keepdims = np.shape(a), _normalize_axes(axis, np.ndim(a)), keepdims
        ctx.count = int(np.prod([ctx.shape[i] for i in ctx.axes]))
        return np.mean(a, axis=ctx.axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        return _expand_reduced(grad / ctx.count, ctx.shape, ctx.axes, ctx.keepdims)


class Max(Function):
    """Maximum over axes. The gradient goes to one arg-max per output (CS231n's "max
    routes"); among ties, to the first in C order, so results are deterministic."""

    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        axes = _normalize_axes(axis, a.ndim)
        kept = [i for i in range(a.ndim) if i not in axes]
        # Move the reduced axes last and flatten them, so one argmax finds the winner.
        moved = np.transpose(a, kept + list(axes))
        flat = moved.reshape((*moved.shape[: len(kept)], -1))
        ctx.arg = np.argmax(flat, axis=-1)[..., None]
        ctx.shape, ctx.axes, ctx.kept, ctx.keepdims = a.shape, axes, kept, keepdims
        ctx.flat_shape, ctx.moved_shape = flat.shape, moved.shape
        out = np.take_along_axis(flat, ctx.arg, axis=-1)[..., 0]
        if keepdims:
            out = np.expand_dims(out, axes)
        return out

    @staticmethod
    def backward(ctx, grad):
        if ctx.keepdims:
            grad = np.squeeze(grad, axis=ctx.axes)
        flat = np.zeros(ctx.flat_shape, dtype=grad.dtype)
        np.put_along_axis(flat, ctx.arg, grad[..., None], axis=-1)
        moved = flat.reshape(ctx.moved_shape)
        return np.transpose(moved, np.argsort(ctx.kept + list(ctx.axes)))


# --------------------------------------------------------------------------- shapes
class Reshape(Function):
    @staticmethod
    def forward(ctx, a, shape):
        ctx.shape = np.shape(a)
        return np.reshape(a, shape)

    @staticmethod
    def backward(ctx, grad):
        return np.reshape(grad, ctx.shape)


class Transpose(Function):
    @staticmethod
    def forward(ctx, a, axes=None):
        ctx.axes = axes
        return np.transpose(a, axes)

    @staticmethod
    def backward(ctx, grad):
        return np.transpose(grad, None if ctx.axes is None else np.argsort(ctx.axes))


class Concatenate(Function):
    @staticmethod
    def forward(ctx, *arrays, axis=0):
        ctx.axis = axis
        ctx.bounds = np.cumsum([np.shape(a)[axis] for a in arrays])[:-1]
        return np.concatenate(arrays, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        parts = np.split(grad, ctx.bounds, axis=ctx.axis)
        return tuple(p if need else None for p, need in zip(parts, ctx.needs_input_grad))


class GetItem(Function):
    """``a[index]`` for any NumPy index; the gradient is scattered back densely (use
    :class:`~sklearn_deep.engine.ops.indexing.GatherRows` for row-sparse gradients)."""

    @staticmethod
    def forward(ctx, a, index):
        ctx.shape, ctx.index = a.shape, index
        return a[index]

    @staticmethod
    def backward(ctx, grad):
        out = np.zeros(ctx.shape, dtype=grad.dtype)
        np.add.at(out, ctx.index, grad)  # repeated positions add up
        return out


# --------------------------------------------------------------------------- normalisers
class LogSumExp(Function):
    """``log Σ exp(a)`` over ``axis``, computed as ``m + log Σ exp(a − m)`` with ``m`` the
    maximum, so it neither overflows nor underflows; the gradient is the softmax."""

    @staticmethod
    def forward(ctx, a, axis=-1, keepdims=False):
        m = np.max(a, axis=axis, keepdims=True)
        e = np.exp(a - m)
        s = np.sum(e, axis=axis, keepdims=True)
        out = m + np.log(s)
        ctx.softmax, ctx.axis, ctx.keepdims = e / s, axis, keepdims
        return out if keepdims else np.squeeze(out, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        if not ctx.keepdims:
            grad = np.expand_dims(grad, ctx.axis)
        return grad * ctx.softmax


class Softmax(Function):
    """``exp(a) / Σ exp(a)`` over ``axis`` (shifted by the maximum for stability)."""

    @staticmethod
    def forward(ctx, a, axis=-1):
        e = np.exp(a - np.max(a, axis=axis, keepdims=True))
        ctx.out = e / np.sum(e, axis=axis, keepdims=True)
        ctx.axis = axis
        return ctx.out

    @staticmethod
    def backward(ctx, grad):
        s = ctx.out
        return s * (grad - np.sum(grad * s, axis=ctx.axis, keepdims=True))
