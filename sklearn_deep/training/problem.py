"""What the training loop trains: the :class:`Problem` contract, and the problem over arrays.

The loop (:mod:`.loop`) knows nothing about networks or estimators. It drives any object
that has the attributes and methods of :class:`Problem` (the contract of the cs231n
``Solver``: parameters plus a batch loss). Estimators build a problem from three things —
a network from :mod:`sklearn_deep.nn`, the data, and settings such as the batch size — and
never hand the loop themselves.

:class:`MinibatchProblem` is that problem for data held in arrays (the MLPs and the
autoencoder): shuffled index minibatches, each given to the network's ``loss_and_grads``.
"""

from typing import Any, Protocol, runtime_checkable

import numpy as np

__all__ = ["MinibatchProblem", "Problem", "ReportsProgress", "Validates"]


@runtime_checkable
class Problem(Protocol):
    """The contract of :func:`~sklearn_deep.training.train_epochs` and
    :func:`~sklearn_deep.training.fit_lbfgs`.

    Attributes
    ----------
    params : list of ndarray
        The live parameters, updated in place by the optimizer (never rebound).
    n_samples : int
        Samples in one epoch (the loop's ``t`` counts them).
    """

    params: list
    n_samples: int

    def batches(self, rng) -> Any:
        """The batches of one epoch (index arrays, tuples of arrays, …), in order.

        ``rng`` is the estimator's generator, for shuffling and any other draw.
        """

    def loss_and_grads(self, batch) -> tuple:
        """``(loss, weight, grads)`` of one batch, or of all the data when ``batch`` is None.

        ``loss`` is the batch's mean loss (a float), ``weight`` its weight in the epoch's
        mean (its number of samples, or its sum of sample weights), ``grads`` one gradient
        per parameter (an ndarray, a row-sparse gradient or None).
        """


@runtime_checkable
class Validates(Protocol):
    """A problem that can score held-out data (needed for early stopping)."""

    def validation(self) -> tuple:
        """``(score, loss)`` on the held-out data; a higher score is better."""


@runtime_checkable
class ReportsProgress(Protocol):
    """A problem whose optimizer is told the progress of the whole run after each batch
    (word2vec's linearly decaying learning rate)."""

    def batch_fraction(self, batch) -> float:
        """Fraction of the epoch done once ``batch`` is trained."""


class MinibatchProblem:
    """A network trained on arrays held in memory, one shuffled minibatch at a time.

    Parameters
    ----------
    model : object
        A network of :mod:`sklearn_deep.nn` with ``params`` (list of ndarray) and
        ``loss_and_grads(*arrays, rng=None) -> (loss, weight, grads)``, called with the
        rows of ``data`` in a batch (and ``rng`` for dropout or noise while training).
    data : tuple of array-like
        Arrays with one row per sample (for example ``(X, Y, sample_weight)``); None
        entries are passed through as None.
    batch_size : int
        Rows per minibatch (the last one may be smaller).
    shuffle : bool
        Shuffle the rows each epoch.
    validation : callable, optional
        Called with no arguments, returns ``(score, loss)`` on held-out data.
    order : ndarray of int, optional
        The row order the previous epoch ended with. When given, each epoch's shuffle is
        composed with it — as scikit-learn's MLP, which shuffles its arrays in place, does;
        when None, each epoch shuffles ``arange(n_samples)`` afresh.

    Attributes
    ----------
    order : ndarray of int or None
        The row order of the last epoch (composed shuffles only), to continue from.
    """

    def __init__(self, model, data, *, batch_size, shuffle, validation=None, order=None):
        self.model, self.data = model, tuple(data)
        self.batch_size, self.shuffle = batch_size, shuffle
        self.params = model.params
        self.n_samples = self.data[0].shape[0]
        self._validation = validation
        self.order = order
        self._rng = None

    def batches(self, rng):
        self._rng = rng
        if self.order is not None:
            if self.shuffle:
                perm = np.arange(self.n_samples)
                rng.shuffle(perm)
                self.order = self.order[perm]
            idx = self.order
        else:
            idx = np.arange(self.n_samples)
            if self.shuffle:
                rng.shuffle(idx)
        for start in range(0, self.n_samples, self.batch_size):
            yield idx[start:start + self.batch_size]

    def loss_and_grads(self, batch):
        if batch is None:
            return self.model.loss_and_grads(*self.data, rng=self._rng)
        rows = []  # a plain loop: no comprehension's function object at every step
        for a in self.data:
            rows.append(None if a is None else _rows(a, batch))
        return self.model.loss_and_grads(*rows, rng=self._rng)

    def validation(self):
        if self._validation is None:
            raise ValueError("this problem has no validation data (early_stopping is off)")
        return self._validation()


def _rows(a, index):
    """``a[index]`` for an index array: ``np.take`` for an ndarray (the same copy, about
    twice as fast as fancy indexing for a minibatch), indexing for anything else (sparse
    matrices)."""
    return a.take(index, axis=0) if isinstance(a, np.ndarray) else a[index]
