"""Matrix products, and the dense layer built on them."""

from functools import lru_cache

import numpy as np
import scipy.sparse as sp

from ..function import Context, Function, unbroadcast

__all__ = ["Affine", "Dense", "Matmul", "column_sums"]


@lru_cache(maxsize=16)
def _ones(n, dtype):
    ones = np.ones(n, dtype)
    ones.flags.writeable = False
    return ones


def column_sums(a, out=None):
    """``a.sum(axis=0)`` of a matrix, as the product ``1ᵀ·a`` for a C- or F-contiguous
    floating matrix: one BLAS matrix-vector call, several times faster than NumPy's reduction over
    the few hundred rows of a minibatch (the same sum, added in another order).

    ``out`` (optional): a contiguous array of shape ``(a.shape[1],)`` and ``a``'s dtype to
    write the sums into.
    """
    if (a.ndim == 2 and a.dtype in (np.float32, np.float64)
            and (out is None or out.dtype == a.dtype)):
        if a.flags.c_contiguous:
            return np.dot(_ones(a.shape[0], a.dtype), a, out=out)
        if a.flags.f_contiguous:  # the transpose of a C-contiguous matrix
            return np.dot(a.T, _ones(a.shape[0], a.dtype), out=out)
    if out is None:
        return a.sum(axis=0)
    out[...] = a.sum(axis=0)
    return out


def _destination(ctx, i, dtype):
    """The leaf storage the engine offers for input ``i``'s gradient (``Context.grad_into``),
    when it has ``dtype``; else None."""
    into = getattr(ctx, "grad_into", None)
    out = None if into is None else into[i]
    return out if out is not None and out.dtype == dtype else None


class Matmul(Function):
    """``a @ b`` with NumPy's rules: 2-D products, batched (stacked) products with broadcast
    batch axes, and 1-D operands treated as a row / column vector.

    Backward is two more products, ``dA = dY·Bᵀ`` and ``dB = Aᵀ·dY``: the Jacobian of the
    product (``N·M × N·D`` entries) is never formed.

    ``a`` may also be a constant scipy sparse matrix (CSR/CSC input data): the products
    then run on the sparse matrix, and only ``b`` receives a gradient.
    """

    @staticmethod
    def forward(ctx, a, b):
        ctx.a, ctx.b = a, b
        if sp.issparse(a):
            return np.asarray(a @ b)
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx, grad):
        need_a, need_b = ctx.needs_input_grad
        a, b = ctx.a, ctx.b
        if sp.issparse(a):
            return None, np.asarray(a.T @ grad)
        # Promote 1-D operands to matrices, as matmul does, and the gradient with them.
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        g2 = grad
        if b.ndim == 1:
            g2 = np.expand_dims(g2, -1)
        if a.ndim == 1:
            g2 = np.expand_dims(g2, -2)
        ga = gb = None
        if need_a:
            ga = np.matmul(g2, np.swapaxes(b2, -1, -2))
            ga = unbroadcast(ga, a2.shape).reshape(a.shape)
        if need_b:
            gb = np.matmul(np.swapaxes(a2, -1, -2), g2)
            gb = unbroadcast(gb, b2.shape).reshape(b.shape)
        return ga, gb


class Affine(Function):
    """A dense layer's ``x @ W + b`` as one primitive: ``x`` of shape ``(n, fan_in)``
    (an ndarray, a tensor, or a constant scipy sparse matrix), ``W`` ``(fan_in, fan_out)``,
    ``b`` ``(fan_out,)``.

    The same as ``Matmul`` then ``Add`` — one graph node instead of two for the layer every
    network is made of. Backward: ``dx = dY·Wᵀ``, ``dW = xᵀ·dY``, ``db = Σ_rows dY``
    (:func:`column_sums`), ``dW`` and ``db`` written straight into the parameters' gradient
    storage when the engine offers it (``Context.grad_into``).
    """

    fresh_grads = True

    @staticmethod
    def forward(ctx, x, W, b):
        ctx.x, ctx.W = x, W
        out = x @ W if isinstance(x, np.ndarray) else np.asarray(x @ W)  # x may be sparse
        out += b
        return out

    @staticmethod
    def backward(ctx, grad):
        need_x, need_W, need_b = ctx.needs_input_grad
        x = ctx.x
        gx = grad @ ctx.W.T if need_x else None
        gW = gb = None
        if need_W and not isinstance(x, np.ndarray):  # a sparse matrix
            gW = np.asarray(x.T @ grad)
        elif need_W:
            gW = np.matmul(x.T, grad, out=_destination(ctx, 1, np.result_type(x, grad)))
        if need_b:
            gb = column_sums(grad, out=_destination(ctx, 2, grad.dtype))
        return gx, gW, gb


class Dense(Function):
    """A dense layer ``s(x @ W + b)`` as one node: :class:`Affine`, then the elementwise
    activation ``s`` given as its primitive (a one-input Function class such as ``ReLU``).

    Forward runs the activation on the layer's own pre-activation array — in place, with no
    second array of that size, when its primitive ``accepts_out`` (ReLU, tanh, logistic);
    backward runs the activation's backward, which turns the output gradient into the
    pre-activation one, then Affine's: the arithmetic of the two nodes, without the second
    node's graph bookkeeping; the activation's backward works in place on the gradient
    received when no one else holds it (``Context.grad_owned``).
    """

    fresh_grads = True

    @staticmethod
    def forward(ctx, x, W, b, activation):
        pre = Affine.forward(ctx, x, W, b)
        ctx.activation, ctx.act = activation, Context()
        if getattr(activation, "accepts_out", False):
            return activation.forward(ctx.act, pre, out=pre)
        return activation.forward(ctx.act, pre)

    @staticmethod
    def backward(ctx, grad):
        ctx.act.grad_owned = getattr(ctx, "grad_owned", False)
        return Affine.backward(ctx, ctx.activation.backward(ctx.act, grad))
