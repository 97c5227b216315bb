"""Gradient transformations, chained before an optimizer's update.

As in optax's ``chain``: a transformation takes the gradients of one step and returns
them changed (rescaled, clipped, …); an optimizer built with ``transform=`` applies it to
every step's gradients before its own update, so each extra rule is written once and
works with every optimizer::

    opt = SGD(params, learning_rate=0.025, transform=chain(RowDamping(40.0)))

A transformation implements :meth:`GradientTransformation.update`. One whose rule
depends on the current batch (such as :class:`RowDamping`) is told about it before the
step.
"""

import numpy as np

from ..engine.sparse import RowSparseGrad

__all__ = ["Chain", "GradientTransformation", "RowDamping", "chain"]

# RowDamping counts a batch's uses with a table-sized bincount, and reads the count of
# each gradient entry's row from it, when they are at least 1/_TABLE_PASS of the
# table's rows; below, it sorts them (np.unique) and searches them (np.searchsorted).
# A pass over the table costs about what sorting 1/50 as many entries does (3,000 uses:
# 13 against 72 us for a table of 31,000 rows; 1,000 uses of 1,000,000 rows: 450 against
# 22 us); 1/32 is a power of two on the safe side of that measured break-even.
_TABLE_PASS = 32


class GradientTransformation:
    """Base class: a rule mapping one step's gradients to new ones."""

    def update(self, grads, params):
        """Return the transformed gradients.

        Parameters
        ----------
        grads : list
            One entry per parameter: an ndarray, a :class:`RowSparseGrad` of the
            parameter's dtype (coalesced, except for plain SGD, which adds repeated rows
            in place), or None. Entries may be changed in place.
        params : list of ndarray
            The parameters (not to be changed).

        Returns
        -------
        list
        """
        raise NotImplementedError


class Chain(GradientTransformation):
    """Transformations applied one after the other.

    Parameters
    ----------
    transforms : sequence of GradientTransformation
    """

    def __init__(self, transforms):
        self.transforms = list(transforms)

    def update(self, grads, params):
        for transform in self.transforms:
            grads = transform.update(grads, params)
        return grads


def chain(*transforms):
    """The :class:`Chain` of ``transforms``, applied in the order given."""
    return Chain(transforms)


class RowDamping(GradientTransformation):
    """Bound the summed step of rows used many times in one minibatch.

    A row used ``n_r`` times in one batch gets the sum of ``n_r`` gradients taken at the
    same (stale) parameters, where sequential SGD would see each step's effect; for very
    frequent rows (the root of word2vec's Huffman tree is on every path; "the" without
    subsampling) that sum overshoots and can diverge. The gradient of a row used more than
    ``cap`` times is scaled by ``cap / n_r``; with ``cap = 1 / learning rate`` one batch
    moves a row by at most about one (unscaled) mean gradient.

    Before each step, :meth:`count_uses` is given the rows the batch's examples use.

    Parameters
    ----------
    cap : float
        Uses of a row in one batch above which its gradient is scaled down.
    """

    def __init__(self, cap):
        self.cap = float(cap)
        self.heavy = None

    def count_uses(self, uses, shapes):
        """Record the rows used more than ``cap`` times in the coming step.

        Parameters
        ----------
        uses : list
            Per parameter, an int array of the rows used (one entry per use), or None for
            a parameter never damped.
        shapes : list of tuple
            The parameters' shapes.
        """
        self.heavy = [None if used is None else self._heavy_rows(used, shape[0])
                      for used, shape in zip(uses, shapes, strict=True)]

    def _heavy_rows(self, used, n_rows):
        """The :class:`_HeavyRows` of one table, or None when no row is heavy."""
        used = used.reshape(-1)
        if used.shape[0] * _TABLE_PASS >= n_rows:  # count densely
            counts = np.bincount(used, minlength=n_rows)
            return _HeavyRows(self.cap, counts=counts) if counts.max() > self.cap else None
        rows, counts = np.unique(used, return_counts=True)
        heavy = counts > self.cap
        rows, counts = rows[heavy], counts[heavy]
        return _HeavyRows(self.cap, rows, self.cap / counts) if rows.shape[0] else None

    def update(self, grads, params):
        if self.heavy is None:
            return grads
        return [self._damp(grad, heavy) for grad, heavy in zip(grads, self.heavy, strict=True)]

    @staticmethod
    def _damp(grad, heavy):
        if heavy is None or not isinstance(grad, RowSparseGrad):
            return grad
        if not grad.coalesced:  # scale every entry of a heavy row: its sum is scaled
            hit, factor = heavy.entries(grad.indices)
            if hit.shape[0]:
                grad.scale_entries(hit, factor)
            return grad
        rows, factors = heavy.rows_and_factors()
        positions = np.minimum(np.searchsorted(grad.indices, rows),
                               max(grad.indices.shape[0] - 1, 0))
        present = grad.indices[positions] == rows if grad.indices.shape[0] else rows < 0
        if not present.any():
            return grad
        if not present.all():  # a gradient of some of the counted rows only
            positions, factors = positions[present], factors[present]
        return grad.scale_rows(positions, factors, inplace=True)


class _HeavyRows:
    """The rows of one table used more than ``cap`` times in a batch, with their factors
    ``cap / n_r``: kept as the use count of every row when counted densely (an entry's
    factor is then read from its row's count, with no table-sized pass to list the heavy
    rows), or as the sorted heavy rows and their factors."""

    __slots__ = ("cap", "counts", "factors", "rows")

    def __init__(self, cap, rows=None, factors=None, counts=None):
        self.cap, self.rows, self.factors, self.counts = cap, rows, factors, counts

    def rows_and_factors(self):
        """The heavy rows, sorted, and their factors."""
        if self.rows is None:
            self.rows = np.flatnonzero(self.counts > self.cap)
            self.factors = self.cap / self.counts[self.rows]
        return self.rows, self.factors

    def entries(self, indices):
        """The positions in ``indices`` (rows, repeated or not) of heavy rows, and the
        factor of each."""
        if self.counts is not None:
            uses = self.counts[indices]
            hit = np.flatnonzero(uses > self.cap)
            return hit, self.cap / uses[hit]
        rows, factors = self.rows, self.factors
        at = np.minimum(np.searchsorted(rows, indices), rows.shape[0] - 1)
        hit = np.flatnonzero(rows[at] == indices)
        return hit, factors[at[hit]]
