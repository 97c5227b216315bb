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

# RowDamping counts a batch's uses with a table-sized bincount, and finds the entries of
# heavy rows through a table-sized lookup, when they are at least 1/_TABLE_PASS of the
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
        """The rows used more than ``cap`` times and the factors ``cap / n_r``, or None."""
        used = used.reshape(-1)
        if used.shape[0] * _TABLE_PASS >= n_rows:  # count densely
            counts = np.bincount(used, minlength=n_rows)
            rows = np.flatnonzero(counts > self.cap)
            counts = counts[rows]
        else:
            rows, counts = np.unique(used, return_counts=True)
            heavy = counts > self.cap
            rows, counts = rows[heavy], counts[heavy]
        return (rows, self.cap / counts) if rows.shape[0] else None

    def update(self, grads, params):
        if self.heavy is None:
            return grads
        return [self._damp(grad, heavy) for grad, heavy in zip(grads, self.heavy, strict=True)]

    @staticmethod
    def _damp(grad, heavy):
        if heavy is None or not isinstance(grad, RowSparseGrad):
            return grad
        rows, factors = heavy
        if not grad.coalesced:  # scale every entry of a heavy row: its sum is scaled
            indices = grad.indices
            if indices.shape[0] * _TABLE_PASS >= grad.shape[0]:  # a table-sized lookup
                factor = np.ones(grad.shape[0])
                factor[rows] = factors
                factor = factor[indices]
                hit = np.flatnonzero(factor != 1)
                factor = factor[hit]
            else:
                at = np.minimum(np.searchsorted(rows, indices), rows.shape[0] - 1)
                hit = np.flatnonzero(rows[at] == indices)
                factor = factors[at[hit]]
            if hit.shape[0]:
                grad.scale_entries(hit, factor)
            return grad
        positions = np.minimum(np.searchsorted(grad.indices, rows),
                               max(grad.indices.shape[0] - 1, 0))
        present = grad.indices[positions] == rows if grad.indices.shape[0] else rows < 0
        if not present.any():
            return grad
        if not present.all():  # a gradient of some of the counted rows only
            positions, factors = positions[present], factors[present]
        return grad.scale_rows(positions, factors, inplace=True)
