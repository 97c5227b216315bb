"""Row-sparse gradients for embedding lookups.

Gathering rows ``W[idx]`` from a ``(V, d)`` table touches only ``len(idx)`` rows, so the
gradient of ``W`` is a *scatter-add* of the upstream rows into those positions. Materialising
it as a dense ``(V, d)`` array would cost ``O(V·d)`` memory and time per step, which is what
makes a naive word2vec slow. :class:`RowSparseGrad` keeps the pair ``(indices, values)``
instead (the idea of HIPS/autograd's ``untake``), and optimizers that understand it update
only the touched rows.
"""

import numpy as np
import scipy.sparse

__all__ = ["RowSparseGrad"]


class RowSparseGrad:
    """A gradient that is zero except on some rows of its first axis.

    Represents ``G`` with ``G[indices[i]] += values[i]`` for every ``i`` (indices may repeat;
    repeated rows add up, as a gradient of a reused embedding must).

    Parameters
    ----------
    indices : ndarray of shape (n,), integer
        Row numbers, ``0 <= indices < shape[0]``.
    values : ndarray of shape (n, *shape[1:])
        The row contributions.
    shape : tuple of int
        Shape of the dense gradient this represents.
    """

    __slots__ = ("indices", "shape", "values")

    def __init__(self, indices, values, shape):
        self.indices = np.asarray(indices, dtype=np.intp).reshape(-1)
        self.values = np.asarray(values).reshape((self.indices.shape[0], *shape[1:]))
        self.shape = tuple(shape)

    @property
    def dtype(self):
        return self.values.dtype

    @property
    def ndim(self):
        return len(self.shape)

    def coalesce(self):
        """Return an equivalent gradient with unique, sorted indices (duplicates summed)."""
        n = self.indices.shape[0]
        order = np.argsort(self.indices)
        ordered = self.indices[order]
        first = np.empty(n, dtype=bool)
        first[:1] = True
        np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
        starts = np.flatnonzero(first)
        uniq = ordered[starts]
        if uniq.shape[0] == n:
            return RowSparseGrad(uniq, self.values[order], self.shape)
        flat = self.values.reshape(n, -1)
        if flat.dtype.kind == "f":
            # Sum duplicate rows with one sparse (unique × n) 0/1 matrix product, whose row
            # r gathers the positions of index uniq[r]: ~10× faster than ``np.add.at`` for
            # embedding-sized gradients (word2vec's hot path).
            indptr = np.append(starts, n)
            summer = scipy.sparse.csr_matrix((np.ones(n, dtype=flat.dtype), order, indptr),
                                             shape=(uniq.shape[0], n))
            values = np.asarray(summer @ flat, dtype=flat.dtype)
        else:
            inverse = np.cumsum(first) - 1
            values = np.zeros((uniq.shape[0], flat.shape[1]), dtype=flat.dtype)
            np.add.at(values, inverse, flat[order])
        return RowSparseGrad(uniq, values.reshape((uniq.shape[0], *self.shape[1:])),
                             self.shape)

    def to_dense(self):
        """The dense ``ndarray`` of shape ``self.shape`` this gradient stands for."""
        dense = np.zeros(self.shape, dtype=self.values.dtype)
        np.add.at(dense, self.indices, self.values)
        return dense

    def __add__(self, other):
        if isinstance(other, RowSparseGrad):
            if other.shape != self.shape:
                raise ValueError(f"cannot add row-sparse gradients of shapes {self.shape} "
                                 f"and {other.shape}")
            return RowSparseGrad(
                np.concatenate([self.indices, other.indices]),
                np.concatenate([self.values, other.values]),
                self.shape,
            )
        dense = np.array(other, dtype=np.result_type(self.values, other), copy=True)
        if dense.shape != self.shape:
            raise ValueError(f"cannot add a row-sparse gradient of shape {self.shape} "
                             f"to an array of shape {dense.shape}")
        np.add.at(dense, self.indices, self.values)
        return dense

    __radd__ = __add__

    def __repr__(self):
        return (f"RowSparseGrad(shape={self.shape}, rows={self.indices.shape[0]}, "
                f"dtype={self.values.dtype})")
