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

import itertools

import numpy as np

from ..engine.sparse import RowSparseGrad

__all__ = ["Chain", "GradientTransformation", "RowDamping", "chain"]


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

    Before each step, :meth:`count_uses` is given the rows the batch's examples use (or
    :meth:`use_counted` what :meth:`heavy_rows_by_batch` found for it, counted with
    other batches at once).

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
        self.use_counted(self.heavy_rows_by_batch(uses, None, 1, shapes)[0])

    def use_counted(self, heavy):
        """Damp the coming step by ``heavy``, one entry of :meth:`heavy_rows_by_batch`."""
        self.heavy = heavy

    def heavy_rows_by_batch(self, uses, owners, n_batches, shapes):
        """The rows used more than ``cap`` times in each of several batches, counted at
        once.

        Parameters
        ----------
        uses : list
            As for :meth:`count_uses`, the uses of all the batches.
        owners : list or None
            Per parameter, the batch (``0 <= owner < n_batches``) of each use, or None
            (with ``n_batches=1``, or where ``uses`` has None).
        n_batches : int
        shapes : list of tuple
            The parameters' shapes.

        Returns
        -------
        list
            Per batch, per parameter, None or the rows (sorted) and their factors
            ``cap / n_r``.
        """
        owners = owners if owners is not None else [None] * len(uses)
        by_parameter = [
            [None] * n_batches if used is None
            else self._heavy_rows(used.reshape(-1), owner, n_batches, shape[0])
            for used, owner, shape in zip(uses, owners, shapes, strict=True)]
        return [list(heavy) for heavy in zip(*by_parameter, strict=True)]

    def _heavy_rows(self, used, owner, n_batches, n_rows):
        """Per batch, the rows used more than ``cap`` times and the factors, or None."""
        key = used if owner is None else owner.reshape(-1) * n_rows + used
        n_keys = n_batches * n_rows  # key: batch · n_rows + row
        if key.shape[0] * 8 >= n_keys:  # a good part of the keys: count densely
            counts = np.bincount(key, minlength=n_keys)
            key = np.flatnonzero(counts > self.cap)
            counts = counts[key]
        else:
            key, counts = np.unique(key, return_counts=True)
            heavy = counts > self.cap
            key, counts = key[heavy], counts[heavy]
        factors = self.cap / counts
        if n_batches == 1:
            return [(key, factors) if key.shape[0] else None]
        batch = key // n_rows
        rows = key - batch * n_rows
        bounds = np.searchsorted(batch, np.arange(n_batches + 1)).tolist()
        return [(rows[a:b], factors[a:b]) if b > a else None
                for a, b in itertools.pairwise(bounds)]

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
            if indices.shape[0] * 8 >= grad.shape[0]:  # many entries: a table-sized lookup
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
