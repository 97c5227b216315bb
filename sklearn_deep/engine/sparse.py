"""Row-sparse gradients for embedding lookups.

Gathering rows ``W[idx]`` from a ``(V, d)`` table touches only ``len(idx)`` rows, so the
gradient of ``W`` is a *scatter-add* of the upstream rows into those positions. Materialising
it as a dense ``(V, d)`` array would cost ``O(V·d)`` memory and time per step, which is what
makes a naive word2vec slow. :class:`RowSparseGrad` keeps the pair ``(indices, values)``
instead (the idea of HIPS/autograd's ``untake``), and optimizers that understand it update
only the touched rows.

When a step touches a good part of a small table (large word2vec minibatches: tens of
thousands of contributions to a vocabulary of thousands) the bookkeeping of sparsity costs
more than it saves. :func:`scatter_rows` then adds the contributions straight into a dense
array and the gradient keeps it (:meth:`RowSparseGrad.from_dense`): an optimizer without
per-row state can apply it as one dense step, which moves the untouched (zero) rows by
nothing.
"""

import math

import numpy as np
import scipy.sparse

__all__ = ["RowSparseGrad", "add_rows", "bag_sums", "scatter_rows"]

try:  # SciPy's compiled sparse matrix-times-vectors kernels (private API, see add_rows)
    from scipy.sparse._sparsetools import csc_matvecs as _csc_matvecs
    from scipy.sparse._sparsetools import csr_matvecs as _csr_matvecs
except ImportError:  # pragma: no cover - a SciPy without them: the public fallbacks
    _csc_matvecs = _csr_matvecs = None

# scatter_rows accumulates into a dense (V, ...) array when it has at least _DENSE_FACTOR · V
# contributions: below that, sorting them is cheaper than clearing the table (measured on
# word2vec's minibatches). From shape[0] / _COMPACT_FACTOR contributions on, the touched
# rows are numbered through a table-sized lookup instead of sorted.
_DENSE_FACTOR = 2
_COMPACT_FACTOR = 16


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
    coalesced : bool, default=False
        Whether ``indices`` are known to be unique and sorted.

    Attributes
    ----------
    checked : bool
        Whether ``indices`` (and a factored gradient's offsets) are known to be valid,
        as for the gradient of a primitive that checked them in its forward pass: adding
        it into a table (:meth:`add_to`) and an optimizer's checks then skip checking
        them again. False unless set by :meth:`from_product`.
    dense : ndarray of shape ``shape`` or None
        The whole gradient, zero outside ``indices``, when it was built from one
        (:meth:`from_dense`); then ``values`` are its rows ``indices``, read on first use.
    """

    __slots__ = ("_indices", "_parts", "_product", "_values", "checked", "coalesced", "dense",
                 "shape")

    def __init__(self, indices, values, shape, coalesced=False):
        self._indices = np.asarray(indices, dtype=np.intp).reshape(-1)
        self._values = np.asarray(values).reshape((self._indices.shape[0], *shape[1:]))
        self._parts = self._product = None
        self.shape = tuple(shape)
        self.coalesced = coalesced  # indices known to be unique and sorted
        self.checked = False
        self.dense = None

    @classmethod
    def from_product(cls, indices, offsets, weights, vectors, shape, checked=False):
        """The uncoalesced gradient whose entries ``offsets[s] <= k < offsets[s + 1]`` are
        ``weights[k] · vectors[s]`` on row ``indices[k]``, kept in that factored form:
        the transpose of a CSR matrix ``(len(vectors) × shape[0])`` times ``vectors``
        (the backward of a bag of rows, :class:`~.ops.indexing.EmbeddingBag`). Its
        :attr:`values` are formed only when read; :meth:`add_to` adds the product into a
        table without forming them. ``checked``: the indices and offsets are known to be
        valid (see :attr:`checked`)."""
        grad = cls.__new__(cls)
        grad._indices = np.asarray(indices, dtype=np.intp).reshape(-1)
        grad._values = grad._parts = None
        grad._product = (np.asarray(offsets, dtype=np.intp),
                         np.asarray(weights, dtype=vectors.dtype).reshape(-1),
                         vectors.reshape(vectors.shape[0], *shape[1:]))
        grad.shape = tuple(shape)
        grad.coalesced = False
        grad.checked = bool(checked)
        grad.dense = None
        return grad

    @classmethod
    def from_dense(cls, dense, indices):
        """A coalesced gradient backed by the dense array ``dense``, zero outside the
        sorted, unique rows ``indices``."""
        grad = cls.__new__(cls)
        grad._indices = np.asarray(indices, dtype=np.intp).reshape(-1)
        grad._values = grad._parts = grad._product = None
        grad.shape = tuple(dense.shape)
        grad.coalesced = True
        grad.checked = False
        grad.dense = dense
        return grad

    @classmethod
    def _sum_of(cls, parts, shape):
        """The sum of the (uncoalesced) gradients ``parts``, concatenated when first read:
        adding many row-sparse gradients one by one then costs one copy, not one each."""
        grad = cls.__new__(cls)
        grad._indices = grad._values = grad._product = None
        grad._parts = parts
        grad.shape = shape
        grad.coalesced = grad.checked = False
        grad.dense = None
        return grad

    def _join(self):
        """Form the values of a sum of parts (the indices are joined on first read)."""
        self._values = np.concatenate([p.values for p in self._parts])
        self._parts = None

    @property
    def indices(self):
        """ndarray of shape (n,) : The row numbers."""
        if self._indices is None:  # a sum of parts: their indices, in order
            self._indices = np.concatenate([p.indices for p in self._parts])
        return self._indices

    @property
    def values(self):
        """ndarray of shape (n, *shape[1:]) : The row contributions."""
        if self._parts is not None:
            self.indices  # noqa: B018 - joined before the parts go
            self._join()
        if self._values is None and self._product is not None:
            offsets, weights, vectors = self._product
            values = np.repeat(vectors, np.diff(offsets), axis=0)
            values *= weights.reshape(-1, *[1] * (values.ndim - 1))
            self._values, self._product = values, None
        elif self._values is None:
            self._values = self.dense[self._indices]
        return self._values

    @property
    def product(self):
        """``(offsets, weights, vectors)`` of a gradient kept in factored form
        (:meth:`from_product`, or after :meth:`scale_entries`): entry ``k``, on row
        ``indices[k]``, is ``weights[k] · vectors[s]`` for ``offsets[s] <= k < offsets[s +
        1]``; None for any other gradient (or once its values were formed)."""
        return self._product if self._parts is None else None

    @property
    def dtype(self):
        if self._parts is not None:
            return np.result_type(*(p.dtype for p in self._parts))
        if self._product is not None:
            return self._product[2].dtype
        return self.values.dtype if self.dense is None else self.dense.dtype

    def add_to(self, table, scale=1.0):
        """Add ``scale`` times this gradient to ``table`` in place (:func:`add_rows`,
        repeated rows one by one, a factored gradient without forming its values)."""
        if self._parts is not None:
            for part in self._parts:
                part.add_to(table, scale)
        elif self._product is not None:
            offsets, weights, vectors = self._product
            # indices known valid for this gradient's shape are valid for ``table`` only
            # if it has as many rows (SciPy's kernel does not check: unchecked, an index
            # past the table's end would write outside it)
            add_rows(table, self._indices, vectors, scale, offsets=offsets, weights=weights,
                     check=not (self.checked and table.shape[0] >= self.shape[0]))
        elif self.dense is not None:
            table += np.asarray(scale, dtype=table.dtype) * self.dense
        else:
            add_rows(table, self._indices, self._values, scale)

    def scale_entries(self, entries, factors):
        """Multiply the entries ``entries`` (positions in :attr:`indices`) by ``factors``,
        in place: through per-entry weights applied when the values are formed or added
        (:meth:`add_to`: one coefficient per entry, no pass over the values), or each
        part's entries for a sum of parts.

        Parameters
        ----------
        entries : ndarray of int
        factors : ndarray of float, one per entry
        """
        if self._parts is not None:
            start = 0
            for part in self._parts:
                stop = start + part.indices.shape[0]
                mine = (entries >= start) & (entries < stop)
                if mine.any():
                    part.scale_entries(entries[mine] - start, factors[mine])
                start = stop
            return
        if self.dense is not None:
            values = self.values
            values[entries] *= np.asarray(factors, dtype=values.dtype).reshape(
                -1, *[1] * (values.ndim - 1))
            return
        if self._product is None:  # entry k: weights[k] · values[k], formed when read
            n = self._indices.shape[0]
            self._product = (np.arange(n + 1), np.ones(n, self._values.dtype),
                             self._values)
            self._values = None
        offsets, weights, vectors = self._product
        weights = weights.copy()  # the weights may be shared with the graph
        weights[entries] *= factors
        self._product = (offsets, weights, vectors)

    @property
    def ndim(self):
        return len(self.shape)

    def astype(self, dtype):
        """The same gradient with values of ``dtype`` (itself when they already are)."""
        if self.dtype == dtype:
            return self
        if self.dense is not None:
            return RowSparseGrad.from_dense(self.dense.astype(dtype), self.indices)
        return RowSparseGrad(self.indices, self.values.astype(dtype), self.shape,
                             self.coalesced)

    def scale_rows(self, positions, factors, inplace=False):
        """The gradient, coalesced, with its rows ``indices[positions]`` multiplied by
        ``factors``: a copy, or with ``inplace`` this gradient's own arrays changed
        (when it is already coalesced)."""
        grad = self.coalesce()
        inplace = inplace or grad is not self  # coalescing made a new gradient
        factors = np.asarray(factors, dtype=grad.dtype).reshape(-1, *[1] * (grad.ndim - 1))
        if grad.dense is not None:
            dense = grad.dense if inplace else grad.dense.copy()
            dense[grad.indices[positions]] *= factors
            grad._values = None  # rows read before are stale now
            return RowSparseGrad.from_dense(dense, grad.indices)
        values = grad.values if inplace else grad.values.copy()
        values[positions] *= factors
        return RowSparseGrad(grad.indices, values, grad.shape, coalesced=True)

    def coalesce(self):
        """Return an equivalent gradient with unique, sorted indices (duplicates summed)."""
        if self.coalesced:
            return self
        if self._product is not None:
            offsets, weights, vectors = self._product
            sources = np.repeat(np.arange(vectors.shape[0]), np.diff(offsets))
            return scatter_rows(self._indices, sources, weights, vectors, self.shape)
        n = self.indices.shape[0]
        flat = self.values.reshape(n, math.prod(self.shape[1:]))
        return scatter_rows(self.indices, np.arange(n), np.ones(n, dtype=flat.dtype), flat,
                            self.shape)

    def to_dense(self):
        """The dense ``ndarray`` of shape ``self.shape`` this gradient stands for."""
        if self.dense is not None:
            return self.dense.copy()
        dense = np.zeros(self.shape, dtype=self.values.dtype)
        np.add.at(dense, self.indices, self.values)
        return dense

    def __add__(self, other):
        if isinstance(other, RowSparseGrad):
            if other.shape != self.shape:
                raise ValueError(f"cannot add row-sparse gradients of shapes {self.shape} "
                                 f"and {other.shape}")
            if self.coalesced and other.coalesced:
                return _merge(self, other)
            parts = [g for grad in (self, other)
                     for g in (grad._parts if grad._parts is not None else [grad])]
            return RowSparseGrad._sum_of(parts, self.shape)
        dense = np.array(other, dtype=np.result_type(self.dtype, other), copy=True)
        if dense.shape != self.shape:
            raise ValueError(f"cannot add a row-sparse gradient of shape {self.shape} "
                             f"to an array of shape {dense.shape}")
        if self.dense is not None:
            dense += self.dense
        else:
            np.add.at(dense, self.indices, self.values)
        return dense

    __radd__ = __add__

    def __repr__(self):
        return (f"RowSparseGrad(shape={self.shape}, rows={self.indices.shape[0]}, "
                f"dtype={self.dtype})")


def scatter_rows(rows, sources, weights, vectors, shape):
    """The coalesced gradient ``G[rows[k]] += weights[k] · vectors[sources[k]]`` for all k.

    Summing duplicate rows (:meth:`RowSparseGrad.coalesce`) and the backwards of the fused
    gathers (:mod:`.ops.indexing`) all have this form: each contribution is a weighted
    copy of one of a few vectors. Rather than materialising every weighted copy and then
    adding duplicates, the weights become one sparse matrix whose product with
    ``vectors`` is the answer:

    - very few contributions for the table (under ``shape[0] / 16``): a ``(distinct rows
      × n_vectors)`` CSR matrix built from a sort of ``rows``, giving one row per distinct
      row (~10× faster than ``np.add.at`` at word2vec's sizes);
    - more: a CSC matrix, which needs no sort when ``sources`` are grouped (as every
      caller's are), with one row per touched row, numbered through a table-sized
      lookup;
    - at least ``2 · shape[0]`` of them: a CSC matrix with the table's rows, which adds
      into a dense array that the result keeps (:meth:`RowSparseGrad.from_dense`).

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
    flat = vectors.reshape(vectors.shape[0], math.prod(shape[1:]))
    weights = np.asarray(weights, dtype=flat.dtype).reshape(-1)
    sources = np.asarray(sources).reshape(-1)
    if sources.shape[0] != n or weights.shape[0] != n:
        raise ValueError(f"rows, sources and weights must have one entry per contribution, "
                         f"got {n}, {sources.shape[0]} and {weights.shape[0]}")
    # scipy's sparse products do not check indices: out of range would corrupt memory
    if n and (rows.min() < 0 or rows.max() >= shape[0]):
        raise ValueError(f"row indices outside [0, {shape[0]})")
    if n and (sources.min() < 0 or sources.max() >= flat.shape[0]):
        raise ValueError(f"source indices outside [0, {flat.shape[0]})")
    if flat.dtype.kind == "f" and n:
        if n >= _DENSE_FACTOR * shape[0]:
            return _scatter_by_source(rows, sources, weights, flat, shape, compact=False)
        if n * _COMPACT_FACTOR >= shape[0]:
            return _scatter_by_source(rows, sources, weights, flat, shape, compact=True)
    order = np.argsort(rows)
    ordered = rows[order]
    first = np.empty(n, dtype=bool)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    uniq = ordered[starts]
    weights = weights[order]
    sources = sources[order]
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


def _scatter_by_source(rows, sources, weights, flat, shape, compact):
    """:func:`scatter_rows` without sorting the rows: column ``j`` of a CSC matrix holds
    the contributions copying ``flat[j]``. Its rows are the table's (``compact=False``:
    the product is the dense gradient, kept by the result) or only the touched rows,
    numbered through a table-sized lookup (``compact=True``)."""
    if np.any(sources[1:] < sources[:-1]):  # group the contributions by source
        order = np.argsort(sources, kind="stable")
        rows, sources, weights = rows[order], sources[order], weights[order]
    indptr = np.zeros(flat.shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(sources, minlength=flat.shape[0]), out=indptr[1:])
    touched = np.zeros(shape[0], dtype=bool)
    touched[rows] = True
    indices = np.flatnonzero(touched)
    if compact:
        number = np.cumsum(touched) - 1   # row r of the table is row number[r] here
        rows = number[rows]
    n_out = indices.shape[0] if compact else shape[0]
    matrix = scipy.sparse.csc_matrix((weights, rows, indptr), shape=(n_out, flat.shape[0]))
    out = np.asarray(matrix @ flat, dtype=flat.dtype).reshape((n_out, *shape[1:]))
    if compact:
        return RowSparseGrad(indices, out, shape, coalesced=True)
    return RowSparseGrad.from_dense(out, indices)


def as_indices(a, what="offsets"):
    """``a`` as an ``intp`` array, refusing anything but integers with a TypeError (a
    float array would otherwise be truncated silently by the conversion)."""
    a = np.asarray(a)
    if a.dtype.kind not in "iu" and a.size:  # ([] is float64 to NumPy: let it pass)
        raise TypeError(f"{what} must be integers, got dtype {a.dtype}")
    return a.astype(np.intp, copy=False)


def add_rows(table, rows, values, scale=1.0, *, offsets=None, weights=None,
             use_kernel=True, check=True):
    """Add ``scale · values[k]`` to ``table[rows[k]]`` for every ``k``, in place (repeated
    rows add up); or, with ``offsets``, ``scale · weights[k] · values[s]`` for
    ``offsets[s] <= k < offsets[s + 1]`` (each of a few vectors added to several rows).

    This is how an SGD step applies an uncoalesced :class:`RowSparseGrad` without first
    summing its duplicate rows: the contributions form a ``(V × n_vectors)`` CSC matrix
    (with ``offsets`` as its column pointers; one entry per column without), and SciPy's
    compiled CSC matrix-times-vectors loop (``csc_matvecs``, which computes
    ``Y += A @ X``) adds its product with ``values`` straight into the table: about
    25–70 ns per row of 100 floats, against 1–2 µs for ``np.add.at``. That loop is private
    SciPy API; where it is missing (or with ``use_kernel=False``) the public
    ``np.add.at`` gives the same result, which a test checks.

    Parameters
    ----------
    table : ndarray of shape (V, ...), C-contiguous, floating
        Updated in place.
    rows : ndarray of int, shape (n,)
        Destination rows, in ``[0, V)``.
    values : ndarray of shape (n, ...), or (n_vectors, ...) with ``offsets``
        The contributions, or the vectors they are weighted copies of.
    scale : float, default=1.0
        Multiplies every contribution.
    offsets : ndarray of int, shape (n_vectors + 1,), optional
        Non-decreasing from 0 to ``n``: the entries ``offsets[s]:offsets[s + 1]`` copy
        ``values[s]``.
    weights : ndarray of shape (n,), optional
        Weight of each entry (1 when omitted).
    use_kernel : bool, default=True
        Use SciPy's kernel where available.
    check : bool, default=True
        Check ``rows`` and ``offsets`` (the kernel does not); False only for arrays known
        to be valid (:attr:`RowSparseGrad.checked`).
    """
    rows = as_indices(rows, "row indices").reshape(-1)
    n = rows.shape[0]
    if n == 0:
        return
    if check and (rows.min() < 0 or rows.max() >= table.shape[0]):
        raise ValueError(f"row indices outside [0, {table.shape[0]})")
    width = math.prod(table.shape[1:])
    n_vectors = n if offsets is None else np.shape(offsets)[0] - 1
    values = np.ascontiguousarray(values, dtype=table.dtype).reshape(n_vectors, width)
    coefficients = np.full(n, scale, dtype=table.dtype)
    if weights is not None:
        coefficients *= np.asarray(weights, dtype=table.dtype).reshape(-1)
    if offsets is None:
        offsets = np.arange(n + 1, dtype=np.intp)
    else:
        offsets = as_indices(offsets)
        if check and (offsets[0] != 0 or offsets[-1] != n
                      or np.any(offsets[1:] < offsets[:-1])):
            raise ValueError(f"offsets must rise from 0 to the number of rows ({n})")
    if (use_kernel and _csc_matvecs is not None and table.flags.c_contiguous
            and table.dtype.kind == "f"):
        _csc_matvecs(table.shape[0], n_vectors, width, offsets,
                     rows.astype(np.intp, copy=False), coefficients, values,
                     table.reshape(table.shape[0], width))
    else:
        np.add.at(table.reshape(table.shape[0], width), rows,
                  np.repeat(values, np.diff(offsets), axis=0) * coefficients[:, None])


def bag_sums(table, rows, weights, offsets, rows_checked=False):
    """``out[b] = Σ weights[k] · table[rows[k]]`` over ``offsets[b] <= k < offsets[b + 1]``:
    the product of a CSR matrix ``(B × V)`` with the table, by SciPy's compiled CSR
    matrix-times-vectors loop (``csr_matvecs``, private API; the public ``csr_matrix``
    product where it is missing), without gathering the rows.

    Parameters
    ----------
    table : ndarray of shape (V, d), floating
    rows : ndarray of int, shape (n,)
        Rows of the table, in ``[0, V)``.
    weights : ndarray of shape (n,)
    offsets : ndarray of int, shape (B + 1,)
        Non-decreasing from 0 to ``n``.
    rows_checked : bool, default=False
        ``rows`` are known to be in range (checked by the caller): not checked again.

    Returns
    -------
    ndarray of shape (B, d), of the table's dtype
    """
    offsets = as_indices(offsets)
    rows = as_indices(rows, "row indices").reshape(-1)
    n, B = rows.shape[0], offsets.shape[0] - 1
    # the kernel checks nothing: out-of-range indices would corrupt memory
    if offsets[0] != 0 or offsets[-1] != n or np.any(offsets[1:] < offsets[:-1]):
        raise ValueError(f"offsets must rise from 0 to the number of rows ({n})")
    if n and not rows_checked and (rows.min() < 0 or rows.max() >= table.shape[0]):
        raise ValueError(f"row indices outside [0, {table.shape[0]})")
    weights = np.asarray(weights, dtype=table.dtype).reshape(-1)
    if weights.shape[0] != n:  # the kernel would read past their end
        raise ValueError(f"{weights.shape[0]} weights for {n} rows")
    if _csr_matvecs is None or not table.flags.c_contiguous:
        bag = scipy.sparse.csr_matrix((weights, rows, offsets), shape=(B, table.shape[0]))
        return np.asarray(bag @ table, dtype=table.dtype)
    out = np.zeros((B, table.shape[1]), dtype=table.dtype)
    _csr_matvecs(B, table.shape[0], table.shape[1], offsets, rows, weights, table, out)
    return out


def _merge(a, b):
    """The sum of two coalesced gradients, coalesced: each one's rows are placed by a
    table-sized lookup (no sort; both index lists are unique)."""
    dtype = np.result_type(a.dtype, b.dtype)
    if a.dense is not None or b.dense is not None:
        first, second = (a, b) if a.dense is not None else (b, a)
        dense = first.dense.astype(dtype, copy=True)
        dense[second.indices] += second.values
        touched = np.zeros(a.shape[0], dtype=bool)
        touched[first.indices] = True
        touched[second.indices] = True
        return RowSparseGrad.from_dense(dense, np.flatnonzero(touched))
    if a.shape[0] > 16 * (a.indices.shape[0] + b.indices.shape[0]):  # a large table:
        indices = np.union1d(a.indices, b.indices)                    # sort the few rows
        position_a = np.searchsorted(indices, a.indices)
        position_b = np.searchsorted(indices, b.indices)
    else:
        touched = np.zeros(a.shape[0], dtype=bool)
        touched[a.indices] = True
        touched[b.indices] = True
        indices = np.flatnonzero(touched)
        number = np.cumsum(touched) - 1
        position_a, position_b = number[a.indices], number[b.indices]
    values = np.zeros((indices.shape[0], *a.shape[1:]), dtype=dtype)
    values[position_a] = a.values
    values[position_b] += b.values
    return RowSparseGrad(indices, values, a.shape, coalesced=True)
