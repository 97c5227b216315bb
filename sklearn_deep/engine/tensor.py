"""``Tensor``: an ndarray that remembers how it was computed, and reverse-mode backprop.

The whole backward algorithm is :meth:`Tensor.backward`:

1. walk the graph from the output back to the inputs, calling each primitive's
   ``backward`` once with the *sum* of the gradients that reached its output (a reused
   value receives the sum of its uses, so ``d(x·x)/dx = 2x``). Every tensor is numbered
   when it is made, after its inputs, so taking the pending tensor with the highest
   number first (a heap; no recursion, so a chain of 10,000 operations is fine) reaches
   each one after everything computed from it: a topological order, found as the walk
   goes, that visits only the tensors a gradient reaches;
2. free each intermediate gradient as soon as it has been used, and release what each
   primitive saved for backward (masks, probabilities, copies no other node holds; an
   output that the next node still holds lives as long as the graph does); leaves that
   require a gradient accumulate it in ``.grad`` (in place when ``.grad`` already holds a
   writable ndarray: storage can be given in advance). Only ``backward(keep_grads=True)``
   keeps the intermediate gradients, for drawing the graph (:mod:`sklearn_deep.engine.graph`).

So that a training step allocates little, the walk tells each primitive's backward what it
may overwrite (see :class:`~sklearn_deep.engine.function.Context`): the gradient it
receives when no other node holds that array, what its forward saved when the graph is not
retained, and the gradient storage of a leaf input still zero (as
:func:`~sklearn_deep.engine.flat.parameter_tensors` gives it), into which it may write that
input's gradient directly (``out=``) instead of returning an array to be added there.
"""

import heapq
import itertools
import threading
from contextlib import contextmanager

import numpy as np

from .sparse import RowSparseGrad

__all__ = ["Tensor", "is_grad_enabled", "no_grad"]

_state = threading.local()
_numbers = itertools.count()  # numbers tensors in the order they are made (see backward)


def is_grad_enabled():
    """Whether operations on tensors currently record a graph (per thread)."""
    return getattr(_state, "enabled", True)


@contextmanager
def no_grad():
    """Context manager in which no graph is recorded (inference, optimizer updates)."""
    previous = is_grad_enabled()
    _state.enabled = False
    try:
        yield
    finally:
        _state.enabled = previous


def _as_array(data, dtype=None):
    if isinstance(data, Tensor):
        data = data.data
    arr = np.asarray(data, dtype=dtype)
    if arr.dtype == object or arr.dtype.kind not in "biuf":
        raise TypeError(f"Tensor data must be numeric (bool, int or float), got dtype {arr.dtype}")
    return arr


class Tensor:
    """An ndarray with an optional gradient.

    Parameters
    ----------
    data : array-like
        The values; kept as an ndarray (no copy when already one). Its dtype is kept:
        float32 tensors compute in float32.
    requires_grad : bool, default=False
        Whether :meth:`backward` should compute ``self.grad``. Only floating tensors can
        require a gradient.
    sparse_grad : bool, default=False
        If True, gradients that arrive as row-sparse (from row gathers such as an embedding
        lookup) are kept as a :class:`RowSparseGrad` in ``.grad`` instead of being made
        dense, so optimizers can update only the rows used.

    Attributes
    ----------
    data : ndarray
    grad : ndarray of the same shape as ``data``, RowSparseGrad or None
        Accumulated gradient of the values :meth:`backward` was called on (None before).
    requires_grad : bool
    """

    __slots__ = ("_ctx", "_number", "_zeroed_grad", "data", "grad", "requires_grad",
                 "sparse_grad")
    __array_priority__ = 1000  # make ``ndarray <op> Tensor`` call our reflected operators

    def __init__(self, data, requires_grad=False, sparse_grad=False):
        self.data = _as_array(data)
        if requires_grad and self.data.dtype.kind != "f":
            raise TypeError(
                f"only floating tensors can require a gradient, got dtype {self.data.dtype}"
            )
        self.requires_grad = bool(requires_grad)
        self.sparse_grad = bool(sparse_grad)
        self.grad = None
        self._ctx = None
        self._zeroed_grad = None  # ``.grad`` while it holds zeros only (see backward)
        self._number = next(_numbers)

    @classmethod
    def _from_op(cls, data, ctx):
        out = cls.__new__(cls)
        out.data = data if isinstance(data, np.ndarray) else np.asarray(data)
        out.requires_grad = ctx is not None
        out.sparse_grad = False
        out.grad = None
        out._ctx = ctx
        out._zeroed_grad = None
        out._number = next(_numbers)
        return out

    # ------------------------------------------------------------------ basics
    shape = property(lambda self: self.data.shape)
    ndim = property(lambda self: self.data.ndim)
    dtype = property(lambda self: self.data.dtype)
    size = property(lambda self: self.data.size)

    @property
    def is_leaf(self):
        """True for tensors not produced by a recorded operation."""
        return self._ctx is None

    def numpy(self):
        """The underlying ndarray (not a copy)."""
        return self.data

    def item(self):
        return self.data.item()

    def detach(self):
        """A tensor sharing the data, cut from the graph."""
        return Tensor(self.data)

    def zero_grad(self):
        self.grad = self._zeroed_grad = None

    def __len__(self):
        return len(self.data)

    def __repr__(self):
        grad = ", requires_grad=True" if self.requires_grad else ""
        return f"Tensor({np.array2string(self.data, precision=4)}, dtype={self.dtype}{grad})"

    def __getstate__(self):
        return {k: getattr(self, k) for k in self.__slots__}

    def __setstate__(self, state):
        self._zeroed_grad = None  # absent from older pickles
        for k, v in state.items():
            setattr(self, k, v)
        # a number of this process (unpickling restores a tensor's inputs before it)
        self._number = next(_numbers)

    # --------------------------------------------------------------- operators
    # Each operator is one primitive from ``ops``; reflected forms handle ``2 * t``.
    def __add__(self, other):
        return _basic.Add.apply(self, other)

    def __radd__(self, other):
        return _basic.Add.apply(other, self)

    def __sub__(self, other):
        return _basic.Sub.apply(self, other)

    def __rsub__(self, other):
        return _basic.Sub.apply(other, self)

    def __mul__(self, other):
        return _basic.Mul.apply(self, other)

    def __rmul__(self, other):
        return _basic.Mul.apply(other, self)

    def __truediv__(self, other):
        return _basic.Div.apply(self, other)

    def __rtruediv__(self, other):
        return _basic.Div.apply(other, self)

    def __pow__(self, other):
        return _basic.Pow.apply(self, other)

    def __rpow__(self, other):
        return _basic.Pow.apply(other, self)

    def __matmul__(self, other):
        return _linalg.Matmul.apply(self, other)

    def __rmatmul__(self, other):
        return _linalg.Matmul.apply(other, self)

    def __neg__(self):
        return _basic.Neg.apply(self)

    def __getitem__(self, index):
        """Indexing. An integer array (or list) selects rows with a row-sparse gradient
        (an embedding lookup); any other NumPy index gets a dense gradient."""
        if isinstance(index, list):
            index = np.asarray(index)
        if isinstance(index, np.ndarray) and index.dtype.kind in "iu":
            return _indexing.GatherRows.apply(self, indices=index)
        return _basic.GetItem.apply(self, index=index)

    def sum(self, axis=None, keepdims=False):
        return _basic.Sum.apply(self, axis=axis, keepdims=keepdims)

    def mean(self, axis=None, keepdims=False):
        return _basic.Mean.apply(self, axis=axis, keepdims=keepdims)

    def max(self, axis=None, keepdims=False):
        return _basic.Max.apply(self, axis=axis, keepdims=keepdims)

    def reshape(self, *shape):
        if len(shape) == 1 and not isinstance(shape[0], int):
            shape = tuple(shape[0])
        return _basic.Reshape.apply(self, shape=shape)

    def transpose(self, *axes):
        if len(axes) == 1 and not isinstance(axes[0], int):
            axes = tuple(axes[0])
        return _basic.Transpose.apply(self, axes=axes or None)

    @property
    def T(self):
        return _basic.Transpose.apply(self)

    def exp(self):
        return _basic.Exp.apply(self)

    def log(self):
        return _basic.Log.apply(self)

    def sqrt(self):
        return _basic.Sqrt.apply(self)

    def abs(self):
        return _basic.Abs.apply(self)

    def clip(self, low=None, high=None):
        return _basic.Clip.apply(self, low=low, high=high)

    def logsumexp(self, axis=-1, keepdims=False):
        return _basic.LogSumExp.apply(self, axis=axis, keepdims=keepdims)

    def softmax(self, axis=-1):
        return _basic.Softmax.apply(self, axis=axis)

    # ---------------------------------------------------------------- backward
    def backward(self, grad=None, retain_graph=False, keep_grads=False):
        """Accumulate d(self)/d(leaf) · grad into ``.grad`` of every leaf requiring one.

        Parameters
        ----------
        grad : array-like of the same shape as ``self``, optional
            The upstream gradient. May be omitted only for a single-element tensor
            (a loss), where it defaults to 1.
        retain_graph : bool, default=False
            Keep what the primitives saved so that backward can run through the graph
            again. By default it is freed as the walk goes, to save memory.
        keep_grads : bool, default=False
            Also keep the gradients of the intermediate values: each non-leaf tensor's
            ``.grad`` gets the gradient that reached it, and each recorded operation keeps
            the gradient it sent to each input (``ctx.input_grads``), which is what
            :func:`~sklearn_deep.engine.graph.to_dot` draws under each wire. By default they
            are freed as soon as used; without this option nothing extra is kept.
        """
        if not self.requires_grad:
            raise ValueError("backward() called on a tensor that does not require a gradient")
        if grad is None:
            if self.data.size != 1:
                raise ValueError(
                    f"backward() needs an explicit gradient for a non-scalar tensor of shape "
                    f"{self.shape}"
                )
            grad = np.ones_like(self.data)
        else:
            grad = np.array(grad, dtype=self.dtype, copy=True)
            if grad.shape != self.shape:
                raise ValueError(f"gradient of shape {grad.shape} given for a tensor of "
                                 f"shape {self.shape}")

        grads = {id(self): (grad, True)}  # id -> (gradient, whether no one else holds it)
        pending = [(-self._number, self)]  # a max-heap of the tensors a gradient reached
        assigned = set()  # ids of arrays handed to a leaf's .grad in this pass
        last = not retain_graph
        while pending:
            node = heapq.heappop(pending)[1]
            g, owned = grads.pop(id(node))
            ctx = node._ctx
            if ctx is None:
                _accumulate_leaf(node, g, assigned, keep_grads)
                continue
            if ctx.released:
                raise RuntimeError(
                    "backward() through a graph whose saved values were already freed; "
                    "call backward(retain_graph=True) the first time to go through it twice"
                )
            if keep_grads:
                node.grad = g
                owned = False
            if isinstance(g, RowSparseGrad):
                g, owned = g.to_dense(), False
            ctx.grad_owned = owned
            ctx.last_backward = last
            into = ctx.grad_into = None if keep_grads else _zeroed_destinations(ctx)
            input_grads = ctx.fn.backward(ctx, g)
            if not isinstance(input_grads, tuple):
                input_grads = (input_grads,)
            fresh = ctx.fn.fresh_grads
            for i, (parent, needs, pg) in enumerate(
                    zip(ctx.inputs, ctx.needs_input_grad, input_grads)):
                if not needs or pg is None:
                    continue
                if parent._ctx is None:
                    if into is not None and pg is into[i] and pg is not None:
                        parent._zeroed_grad = None  # written in place by the backward
                        continue
                    if _add_in_place(parent, pg):
                        continue
                key = id(parent)
                previous = grads.get(key)
                if previous is None:
                    grads[key] = (pg, fresh)
                    heapq.heappush(pending, (-parent._number, parent))
                else:
                    total = _add_grads(previous[0], pg)
                    grads[key] = (total, isinstance(total, np.ndarray))
            if not retain_graph:
                ctx.release()
            if keep_grads:  # after release, which keeps only the graph's structure
                ctx.input_grads = input_grads


def _zeroed_destinations(ctx):
    """For each input, the leaf's gradient storage when it still holds zeros only (the
    backward may write that input's gradient there), else None; None if there is none.
    A leaf given twice is offered once."""
    into = None
    for i, x in enumerate(ctx.inputs):
        if ctx.needs_input_grad[i] and x._ctx is None and x._zeroed_grad is not None:
            if x.grad is not x._zeroed_grad:  # .grad was replaced since
                x._zeroed_grad = None
                continue
            if into is None:
                into = [None] * len(ctx.inputs)
            elif any(d is x.grad for d in into):
                continue
            into[i] = x.grad
    return into


def _topological_order(root):
    """Nodes reachable from ``root`` that require a gradient, inputs before outputs."""
    order, visited = [], set()
    stack = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        ctx = node._ctx
        if ctx is not None:
            for parent, needs in zip(ctx.inputs, ctx.needs_input_grad):
                if needs and id(parent) not in visited:
                    stack.append((parent, False))
    return order


def _add_grads(a, b):
    if isinstance(b, RowSparseGrad) and not isinstance(a, RowSparseGrad):
        a, b = b, a
    return a + b  # out of place: an array may be shared by several inputs (e.g. add)


def _add_in_place(leaf, g):
    """Add the dense ``g`` to the leaf's ``.grad`` in place when that is a writable ndarray
    (as PyTorch accumulates), so that a gradient can be given storage of its own before
    backward (a zeroed view of a flat buffer, say) and contributions are added as they
    come, with no intermediate sum. Returns whether it did."""
    if (isinstance(g, np.ndarray) and isinstance(leaf.grad, np.ndarray)
            and leaf.grad.flags.writeable):
        np.add(leaf.grad, g, out=leaf.grad, casting="unsafe")
        leaf._zeroed_grad = None
        return True
    return False


def _accumulate_leaf(leaf, g, assigned, keep_grads=False):
    if isinstance(g, RowSparseGrad) and not leaf.sparse_grad:
        g = g.to_dense()
    if _add_in_place(leaf, g):
        return
    if isinstance(g, np.ndarray):
        # The same array, or views of one (add passes its gradient through; reshape and
        # transpose return views), can reach two leaves, broadcast views are read-only,
        # and kept gradients are drawn: give each leaf a writable array of its own (which
        # later passes accumulate into in place).
        if (keep_grads or id(g) in assigned or g.base is not None
                or not g.flags.writeable):
            g = np.array(g, copy=True)
        if g.dtype != leaf.data.dtype:
            g = g.astype(leaf.data.dtype)
        assigned.add(id(g))
    leaf.grad = g if leaf.grad is None else _add_grads(leaf.grad, g)


# Imported last: the primitives import this module for ``Tensor``.
from .ops import basic as _basic  # noqa: E402
from .ops import indexing as _indexing  # noqa: E402
from .ops import linalg as _linalg  # noqa: E402
