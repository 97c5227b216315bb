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

__all__ = ["RowSparseGrad", "scatter_rows"]


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

    __slots__ = ("coalesced", "indices", "shape", "values")

    def __init__(self, indices, values, shape, coalesced=False):
        self.indices = np.asarray(indices, dtype=np.intp).reshape(-1)
        self.values = np.asarray(values).reshape((self.indices.shape[0], *shape[1:]))
        self.shape = tuple(shape)
        self.coalesced = coalesced  # indices known to be unique and sorted

    @property
    def dtype(self):
        return self.values.dtype

    @property
    def ndim(self):
        return len(self.shape)

    def coalesce(self):
        """Return an equivalent gradient with unique, sorted indices (duplicates summed)."""
        if self.coalesced:
            return self
        n = self.indices.shape[0]
        flat = self.values.reshape(n, int(np.prod(self.shape[1:])))
        return scatter_rows(self.indices, np.arange(n), np.ones(n, dtype=flat.dtype), flat,
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


def scatter_rows(rows, sources, weights, vectors, shape):
    """The coalesced gradient ``G[rows[k]] += weights[k] · vectors[sources[k]]`` for all k.

    Summing duplicate rows (:meth:`RowSparseGrad.coalesce`) and the backward of a fused
    gather (:class:`~.ops.indexing.EmbeddingBag`) both have this form: each contribution
    is a weighted copy of one of a few vectors. Rather than materialising every weighted
    copy and then adding duplicates, the weights become one sparse ``(distinct rows ×
    n_vectors)`` matrix, built from a sort of ``rows``, whose product with ``vectors``
    is the answer — one row per distinct row, summed and sorted (~10× faster than
    ``np.add.at`` at word2vec's sizes).

    Parameters
    ----------
    rows : ndarray of int, shape (K,)
        Destination rows in ``[0, shape[0])``.
    sources : ndarray of int, shape (K,)
        Which vector each contribution copies.
    weights : ndarray of shape (K,)
        Its weight.
    vectors : ndarray of shape (m, ...)
    shape : tuple of int
        Shape of the dense gradient, ``(V, ...)``.

    Returns
    -------
    RowSparseGrad
        Coalesced (unique, sorted indices).
    """
    rows = np.asarray(rows).reshape(-1)
    n = rows.shape[0]
    order = np.argsort(rows)
    ordered = rows[order]
    first = np.empty(n, dtype=bool)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    uniq = ordered[starts]
    flat = vectors.reshape(vectors.shape[0], int(np.prod(shape[1:])))
    weights = np.asarray(weights, dtype=flat.dtype).reshape(-1)[order]
    sources = np.asarray(sources).reshape(-1)[order]
    if uniq.shape[0] == n and np.all(weights == 1):  # nothing to add up: a permutation
        values = flat[sources]
    elif flat.dtype.kind == "f":
        matrix = scipy.sparse.csr_matrix((weights, sources, np.append(starts, n)),
                                         shape=(uniq.shape[0], flat.shape[0]))
        values = np.asarray(matrix @ flat, dtype=flat.dtype)
    else:  # integer tables (no sparse product for them): the slower np.add.at
        values = np.zeros((uniq.shape[0], flat.shape[1]), dtype=flat.dtype)
        np.add.at(values, np.cumsum(first) - 1, weights[:, None] * flat[sources])
    return RowSparseGrad(uniq, values.reshape((uniq.shape[0], *shape[1:])), shape,
                         coalesced=True)
