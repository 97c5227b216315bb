"""The :class:`Optimizer` base class: validation, schedule and the dense/row-sparse dispatch."""

from operator import attrgetter

import numpy as np

from ..engine.flat import shared_buffer, views_of
from ..engine.sparse import RowSparseGrad
from .schedules import Constant, Schedule, check_positive

_shape = attrgetter("shape")

__all__ = ["Optimizer"]

# Bytes per array in one block of a flat update: the update's dozen elementwise passes then
# run on blocks that stay in cache instead of streaming whole arrays through memory once
# per pass (Adam on 535k float64 values: about 2x faster; no gain once they fit in cache).
_BLOCK_BYTES = 2**19


class Optimizer:
    """Base class of the gradient-descent optimizers.

    A subclass sets ``_state_names`` (the per-parameter state arrays it needs, allocated
    as zeros shaped like each parameter) and implements :meth:`_update`, the in-place
    update of one parameter. :meth:`step` does the rest: checks the gradients, reads the
    learning rate from the schedule, and for a :class:`RowSparseGrad` runs the same
    ``_update`` on the touched rows only (of the parameter and of its state) — or, for
    an optimizer whose update leaves a row with zero gradient unchanged (plain SGD) and
    a gradient that holds its dense array with most rows touched, once on the whole
    parameter, which gives the same result.

    When the parameters are views of one flat buffer, in order (:mod:`sklearn_deep.engine.flat`,
    the layout the networks of :mod:`sklearn_deep.nn` use), the state arrays are views of
    flat buffers too, and a step whose dense gradients likewise tile one buffer runs
    ``_update`` on the flat arrays — the same elementwise arithmetic, so the same result, in
    a handful of NumPy calls whatever the number of parameters, block by block for large
    buffers so that its passes run in cache. ``_update`` must therefore be elementwise (as
    the row-sparse updates also require).

    Parameters
    ----------
    params : list of ndarray
        Floating-point arrays, updated in place (never rebound).
    learning_rate : float or Schedule
        A float means ``Constant(learning_rate)``.
    transform : GradientTransformation, optional
        Applied to every step's gradients (checked and coalesced) before the update
        (:mod:`sklearn_deep.optim.transforms`).

    Attributes
    ----------
    params : list of ndarray
        The arrays given, updated in place by :meth:`step`.
    schedule : Schedule
        Gives the learning rate used at each step.
    state : list of dict
        For each parameter, its state arrays by name (empty for a stateless optimizer).
    """

    _state_names = ()
    # Whether a row-sparse gradient that holds its dense array (RowSparseGrad.dense) may be
    # applied as a dense step: true where a zero gradient leaves a row and its state as
    # they are (plain SGD), so the result equals the row-by-row update.
    _dense_for_sparse = False
    # Whether the update is ``param -= coef · grad`` with no state (plain SGD): then an
    # uncoalesced row-sparse gradient is added in place, duplicates and all (add_rows).
    _adds_rows = False

    def __init__(self, params, learning_rate, transform=None):
        if not isinstance(params, (list, tuple)):
            raise TypeError(f"params must be a list of ndarrays, got {type(params).__name__}.")
        for i, param in enumerate(params):
            if not (isinstance(param, np.ndarray) and np.issubdtype(param.dtype, np.floating)):
                kind = param.dtype if isinstance(param, np.ndarray) else type(param).__name__
                raise TypeError(f"params[{i}] must be a floating-point ndarray, got {kind}.")
        if isinstance(learning_rate, Schedule):
            self.schedule = learning_rate
        else:
            self.schedule = Constant(check_positive(learning_rate, "learning_rate"))
        self.params = list(params)
        self.transform = transform
        self._init_state()

    def _init_state(self):
        flat = shared_buffer(self.params)
        if flat is None:
            self.state = [{name: np.zeros_like(param) for name in self._state_names}
                          for param in self.params]
            self._flat = None
            return
        flat_state = {name: np.zeros_like(flat) for name in self._state_names}
        shapes = [param.shape for param in self.params]
        views = {name: views_of(array, shapes) for name, array in flat_state.items()}
        self.state = [{name: views[name][i] for name in self._state_names}
                      for i in range(len(self.params))]
        self._flat = (flat, flat_state)

    @property
    def learning_rate(self):
        """float : The schedule's current learning rate."""
        return self.schedule.learning_rate

    def step(self, grads):
        """Update every parameter in place from its gradient.

        Parameters
        ----------
        grads : list
            Aligned with ``params``; each an ndarray of the parameter's shape, a
            :class:`RowSparseGrad` of that shape (only its rows are updated), or None
            (parameter left alone). The transform, if any, may change them in place.
        """
        given = grads
        flat_grad = None if self._flat is None else shared_buffer(given)
        if (flat_grad is not None and self.transform is None
                and flat_grad.dtype == self._flat[0].dtype and len(given) == len(self.params)
                and list(map(_shape, given)) == list(map(_shape, self.params))):
            # what _check_grads would pass unchanged: dense, of the parameters' shapes and
            # dtype, tiling one buffer in order
            return self._flat_step(flat_grad)
        grads = self._check_grads(grads)
        if self.transform is not None:
            grads = self.transform.update(grads, self.params)
        if flat_grad is not None and all(g is h for g, h in zip(grads, given)):
            # every gradient dense, of the parameter's dtype, tiling one buffer in order
            return self._flat_step(flat_grad)
        coef = self._begin_step(float(self.schedule.learning_rate))
        for param, grad, state in zip(self.params, grads, self.state, strict=True):
            if grad is None:
                continue
            if isinstance(grad, RowSparseGrad) and not grad.coalesced:  # _adds_rows only
                grad.add_to(param, -coef)
            elif (isinstance(grad, RowSparseGrad) and grad.dense is not None
                    and self._dense_for_sparse and 2 * grad.indices.shape[0] >= param.shape[0]):
                # most rows touched: one dense step, which moves the zero rows by nothing
                self._update(param, grad.dense, state, coef)
            elif isinstance(grad, RowSparseGrad):
                rows = grad.indices
                param_rows = param[rows]
                state_rows = {name: array[rows] for name, array in state.items()}
                self._update(param_rows, grad.values, state_rows, coef)
                param[rows] = param_rows
                for name, array in state.items():
                    array[rows] = state_rows[name]
            else:
                self._update(param, grad, state, coef)

    def _flat_step(self, flat_grad):
        """The step on the flat buffers, block by block when they are large."""
        coef = self._begin_step(float(self.schedule.learning_rate))
        flat, flat_state = self._flat
        size = _BLOCK_BYTES // flat.itemsize
        if flat.shape[0] <= size:
            self._update(flat, flat_grad, flat_state, coef)
            return
        for start in range(0, flat.shape[0], size):
            block = slice(start, start + size)
            self._update(flat[block], flat_grad[block],
                         {name: array[block] for name, array in flat_state.items()}, coef)

    def __getstate__(self):
        # Views do not survive pickling (each is stored as an array of its own): the copy
        # steps parameter by parameter, on the arrays it was unpickled with.
        state = self.__dict__.copy()
        state["_flat"] = None
        return state

    def _check_grads(self, grads):
        """Validate ``grads``; return them cast to the parameters' dtypes, sparse ones
        coalesced (except for an optimizer that adds rows in place)."""
        if len(grads) != len(self.params):
            raise ValueError(f"Expected {len(self.params)} gradients, got {len(grads)}.")
        checked = []
        for i, (param, grad) in enumerate(zip(self.params, grads, strict=True)):
            if grad is not None:
                shape = grad.shape if isinstance(grad, RowSparseGrad) else np.shape(grad)
                if tuple(shape) != param.shape:
                    raise ValueError(
                        f"grads[{i}] has shape {tuple(shape)}, but params[{i}] has shape "
                        f"{param.shape}."
                    )
                if isinstance(grad, RowSparseGrad):
                    rows = None if grad.checked else grad.indices
                    if rows is not None and rows.size and (
                            rows.min() < 0 or rows.max() >= param.shape[0]):
                        raise ValueError(
                            f"grads[{i}] has row indices outside [0, {param.shape[0]})."
                        )
                    grad = grad if self._adds_rows else grad.coalesce()
                    grad = grad.astype(param.dtype)
                else:
                    grad = np.asarray(grad, dtype=param.dtype)
            checked.append(grad)
        return checked

    def _begin_step(self, learning_rate):
        """Per-step bookkeeping; returns the coefficient passed to :meth:`_update`."""
        return learning_rate

    def _update(self, param, grad, state, learning_rate):
        """Update ``param`` and the arrays of ``state`` in place from ``grad``.

        Parameters
        ----------
        param : ndarray
            The parameter, or a copy of its touched rows for a row-sparse gradient
            (the whole parameter for a dense-backed one, see the class docstring).
        grad : ndarray
            The gradient, same shape and dtype as ``param``.
        state : dict of ndarray
            The parameter's state arrays (or their touched rows), same shape as ``param``.
        learning_rate : float
            What :meth:`_begin_step` returned for this step.
        """
        raise NotImplementedError

    def iteration_ends(self, time_step):
        """Tell the schedule an epoch ended after ``time_step`` samples in all.

        Parameters
        ----------
        time_step : int
            Number of training samples seen so far.
        """
        self.schedule.iteration_ends(time_step)

    def set_progress(self, fraction):
        """Tell the schedule the fraction of training done.

        Parameters
        ----------
        fraction : float
            Fraction of the planned training done, in ``[0, 1]``.
        """
        self.schedule.set_progress(fraction)

    def trigger_stopping(self, msg, verbose):
        """Handle a plateau of the loss through the schedule.

        Parameters
        ----------
        msg : str
            Start of the message printed when ``verbose``.
        verbose : bool
            Whether to print what is done.

        Returns
        -------
        stop : bool
            True when training should stop.
        """
        return self.schedule.trigger_stopping(msg, verbose)
