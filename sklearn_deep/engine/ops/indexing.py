"""Row gathers (embedding lookups) with row-sparse gradients."""

import numpy as np

from ..function import Function
from ..sparse import RowSparseGrad

__all__ = ["GatherRows"]


class GatherRows(Function):
    """``table[indices]`` for an integer array of row numbers (any shape).

    The output has shape ``indices.shape + table.shape[1:]``. The gradient of ``table`` is a
    :class:`RowSparseGrad` holding only the gathered rows — a scatter-add, never a dense
    ``(V, d)`` array — which optimizers apply to those rows alone.
    """

    @staticmethod
    def forward(ctx, table, indices):
        indices = np.asarray(indices)
        if indices.dtype.kind not in "iu":
            raise TypeError(f"row indices must be integers, got dtype {indices.dtype}")
        n = table.shape[0]
        if indices.size and (indices.min() < -n or indices.max() >= n):
            raise IndexError(f"row index out of range for a table of {n} rows")
        ctx.indices, ctx.shape = indices, table.shape
        return np.take(table, indices, axis=0)

    @staticmethod
    def backward(ctx, grad):
        idx = ctx.indices.reshape(-1) % ctx.shape[0]
        return RowSparseGrad(idx, grad.reshape((idx.shape[0], *ctx.shape[1:])), ctx.shape)
