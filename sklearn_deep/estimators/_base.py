"""What the estimators trained on arrays have in common: one fit skeleton.

:class:`TrainedByLoopMixin` holds the parameters that mean the same thing in the MLP
estimators and the autoencoder (their constraints, the optimizer they build, batch size,
random state, BLAS thread policy, and the fitted training attributes), and the one solver
path both hand off to, as scikit-learn's MLP and PCA hand off from ``fit`` to a solver:

1. :meth:`~TrainedByLoopMixin._begin_fit` — first pass or continuation (``warm_start``,
   ``partial_fit``), the generator and the loop's state;
2. :meth:`~TrainedByLoopMixin._train` — L-BFGS on all the data, or minibatch epochs
   (validation split for early stopping, batch size, the kept optimizer for
   ``partial_fit``), under the thread policy, as one task of scikit-learn's callbacks
   (``set_callbacks``, scikit-learn ≥ 1.9; see :mod:`._callbacks`); then the fitted
   attributes.

The estimator supplies the network and the problem built from it (:mod:`sklearn_deep.nn`,
:mod:`sklearn_deep.training`).
"""

import inspect
import itertools
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.model_selection import train_test_split

from .._compat import CallbackSupportMixin, Interval, Options, StrOptions
from .._random import make_rng
from .._threads import limit_threads
from ..engine import ACTIVATIONS
from ..optim import OPTIMIZERS, SCHEDULES, make_optimizer, make_schedule
from ..training import TrainingState, fit_lbfgs, train_epochs
from ._callbacks import FitTask

__all__ = ["LEARNING_RATES", "STOCHASTIC_SOLVERS", "TrainedByLoopMixin"]

#: The minibatch solvers: every optimizer of the registry, by its registered name.
STOCHASTIC_SOLVERS = tuple(OPTIMIZERS)
#: The schedules offered as ``learning_rate`` (the linear decay needs the run's length).
LEARNING_RATES = ("constant", "invscaling", "adaptive")
# Optimizer and schedule keywords whose estimator parameter has another (scikit-learn's) name.
_PARAMETER_NAMES = {"nesterov": "nesterovs_momentum"}

# Thread policy: when the largest matrix product of one training step (batch × fan_in ×
# fan_out multiply-adds) is below this, BLAS threads cost about as much as they save, and on
# some machines far more (1.1–10× slower on 2 threads for digits-sized problems, measured
# with benchmarks/mlp.py); such fits run on one BLAS thread. Larger ones keep the process's
# BLAS setting.
SMALL_WORK = 2**22


class TrainedByLoopMixin(CallbackSupportMixin):
    """Shared parameters and the fit skeleton of the estimators trained by the loop.

    Subclasses give the fitted attributes of the current weights in
    :meth:`_epoch_attributes`.
    """

    _parameter_constraints = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS)), list, tuple],
        "solver": [StrOptions({"lbfgs", *STOCHASTIC_SOLVERS})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "learning_rate": [StrOptions(set(LEARNING_RATES))],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left"),
                             Options(Real, {np.inf})],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "rho": [Interval(Real, 0, 1, closed="left")],
    }

    # ------------------------------------------------------------------ options
    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        sizes = [sizes] if not hasattr(sizes, "__iter__") else list(sizes)
        if any(s <= 0 for s in sizes):
            raise ValueError(f"hidden_layer_sizes must be > 0, got {sizes}.")
        return sizes

    def _resolve_batch_size(self, n_samples, warn=True):
        """``batch_size`` for ``n_samples`` training samples ('auto': ``min(200, n)``),
        clipped to ``n_samples`` with scikit-learn's warning."""
        if self.batch_size == "auto":
            return min(200, n_samples)
        if warn and self.batch_size > n_samples:
            warnings.warn("Got `batch_size` less than 1 or larger than sample size. It is "
                          "going to be clipped", stacklevel=5)
        return int(np.clip(self.batch_size, 1, n_samples))

    def _check_solver(self):
        """``partial_fit`` exists for the minibatch solvers only (``available_if``)."""
        if self.solver == "lbfgs":
            raise AttributeError("partial_fit is only available for stochastic optimizers. "
                                 "lbfgs is not stochastic.")
        return True

    def _check_incremental(self, incremental):
        if incremental and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True")

    def _keywords_for(self, factory, skip):
        """The estimator's parameters (``get_params``) that ``factory``'s signature names
        (through :data:`_PARAMETER_NAMES`), except ``skip``."""
        mine = self.get_params(deep=False)
        keywords = {}
        for name in inspect.signature(factory).parameters:
            own = _PARAMETER_NAMES.get(name, name)
            if name not in skip and own in mine:
                keywords[name] = mine[own]
        return keywords

    def _make_optimizer(self, params, solver):
        """The registered optimizer ``solver`` on ``params``, with the ``learning_rate``
        schedule (whatever the solver) and the hyper-parameters its constructor names."""
        schedule = make_schedule(self.learning_rate, self.learning_rate_init,
                                 **self._keywords_for(SCHEDULES[self.learning_rate],
                                                      {"learning_rate_init"}))
        return make_optimizer(solver, params, learning_rate=schedule,
                              **self._keywords_for(OPTIMIZERS[solver],
                                                   {"params", "learning_rate"}))

    def _optimizer_for(self, params, incremental, solver):
        """The kept optimizer when continuing (partial_fit) on the same arrays, else a
        new one."""
        optimizer = getattr(self, "_optimizer", None)
        if (not incremental or optimizer is None
                or any(a is not b for a, b in zip(optimizer.params, params))):
            optimizer = self._optimizer = self._make_optimizer(params, solver)
        return optimizer

    @staticmethod
    def _thread_policy(batch, layer_units):
        """One BLAS thread when the largest product of a step is small (see SMALL_WORK)."""
        work = batch * max(a * b for a, b in itertools.pairwise(layer_units))
        return limit_threads(1 if work < SMALL_WORK else None)

    # ------------------------------------------------------------------ fit skeleton
    def _is_first_pass(self, incremental):
        """Whether this fit builds a new network (not warm_start or partial_fit on one)."""
        return (getattr(self, "_training_state", None) is None
                or not (self.warm_start or incremental))

    def _begin_fit(self, first_pass, incremental):
        """The generator and the loop's state: new on a first pass, kept otherwise.

        ``random_state=None`` draws a fresh, OS-seeded generator rather than NumPy's global
        one, so fitting never touches the global random state. A ``warm_start`` refit keeps
        the history but counts its own epochs in ``n_iter_``.
        """
        self._check_incremental(incremental)
        if first_pass or not hasattr(self, "_rng"):
            self._rng = make_rng(self.random_state)
        if first_pass:
            self._training_state = TrainingState()
            self.__dict__.pop("_optimizer", None)
        if not incremental:
            self._training_state.n_iter = 0
        return self._rng

    def _check_validation_set(self, X_val, y_val, supervised=True):
        """Whether the caller gave its own validation set, refused where it has no use.

        The convention of scikit-learn's ``HistGradientBoosting*.fit``: ``X_val`` (and
        ``y_val``) replace the internal split of ``early_stopping``.
        """
        if X_val is None and y_val is None:
            return False
        if supervised and (X_val is None or y_val is None):
            given, missing = ("X_val", "y_val") if y_val is None else ("y_val", "X_val")
            raise ValueError(f"{given} is provided, but {missing} was not provided.")
        if not supervised and y_val is not None:
            raise ValueError("y_val is not used by an unsupervised estimator; pass X_val only.")
        if not self.early_stopping:
            raise ValueError("A validation set (X_val) was passed to fit while "
                             "early_stopping=False: it is only used for early stopping, so "
                             "set early_stopping=True (or do not pass it).")
        if self.solver == "lbfgs":
            raise ValueError("A validation set (X_val) is used for early stopping, which "
                             "the minibatch solvers do; solver='lbfgs' does not stop early.")
        return True

    def _validation_split(self, data, stratify):
        """Hold out ``validation_fraction`` of the rows of every array of ``data`` (None
        entries stay None): ``(train, validation)`` tuples."""
        present = [a for a in data if a is not None]
        split = train_test_split(*present, random_state=self._rng,
                                 test_size=self.validation_fraction, stratify=stratify)
        kept, held = iter(split[0::2]), iter(split[1::2])
        train = tuple(None if a is None else next(kept) for a in data)
        validation = tuple(None if a is None else next(held) for a in data)
        if validation[0].shape[0] < 2:
            raise ValueError("The validation set is too small. Increase "
                             "'validation_fraction' or the size of your dataset.")
        return train, validation

    def _train(self, make_problem, data, *, solver, incremental, units, stratify=None,
               relative_tol=False, validation=None, callback_data=None):
        """The one solver path: L-BFGS on all of ``data``, or minibatch epochs.

        The fit is one task of scikit-learn's callbacks, each epoch (L-BFGS iteration) a
        subtask; a callback asking to stop ends training after that epoch, keeping the best
        weights as :func:`~sklearn_deep.training.train_epochs` says (the best validation
        score's with early stopping, else the lowest training loss's; L-BFGS's last
        iterate is its best).

        Parameters
        ----------
        make_problem : callable
            ``make_problem(data, validation, batch_size, shuffle)`` builds the problem
            (see :class:`sklearn_deep.training.Problem`); ``validation`` is the held-out
            part of ``data`` with early stopping, else None.
        data : tuple of array-like
            The training arrays, one row per sample (None entries allowed).
        solver : str
            'lbfgs' or a registered optimizer name.
        incremental : bool
            One epoch, continuing with the kept optimizer (``partial_fit``).
        units : list of int
            Widths of the network's layers, for the thread policy.
        stratify : array-like, optional
            Labels to stratify the validation split by.
        relative_tol : bool
            L-BFGS's ``tol`` relative to the initial gradient (see ``fit_lbfgs``).
        validation : tuple of array-like, optional
            The caller's validation arrays, laid out as ``data``: they replace the
            internal split of ``early_stopping``.
        callback_data : tuple, optional
            ``(X, y, metadata)``: the training data given to ``fit`` as the callbacks see
            it (``metadata`` a dict such as ``{"sample_weight": w}``, or None).

        Returns
        -------
        problem : object
            The problem trained (what it learned about row order, say, can be kept).
        """
        n_samples = data[0].shape[0]
        lbfgs = solver == "lbfgs"
        state = self._training_state
        batch = n_samples if lbfgs else self._resolve_batch_size(n_samples, warn=False)
        X, y, metadata = callback_data if callback_data is not None else (data[0], None, None)
        task = FitTask(self, max_subtasks=1 if incremental else self.max_iter, X=X, y=y,
                       metadata=metadata)
        hooks = task.epochs("lbfgs-iter" if lbfgs else "epoch",
                            lambda: {**self._epoch_attributes(X),
                                     **self._state_attributes(lbfgs)})
        with self._thread_policy(batch, units):
            if lbfgs:
                problem = make_problem(data, None, n_samples, False)
                fit_lbfgs(problem, state, max_iter=self.max_iter, max_fun=self.max_fun,
                          tol=self.tol, verbose=self.verbose, relative_tol=relative_tol,
                          hooks=hooks)
            else:
                if self.early_stopping and validation is None:
                    data, validation = self._validation_split(data, stratify)
                problem = make_problem(data, validation,
                                       self._resolve_batch_size(data[0].shape[0]),
                                       self.shuffle)
                optimizer = self._optimizer_for(problem.params, incremental, solver)
                train_epochs(problem, optimizer, state, max_iter=self.max_iter, rng=self._rng,
                             tol=self.tol, n_iter_no_change=self.n_iter_no_change,
                             early_stopping=self.early_stopping, incremental=incremental,
                             verbose=self.verbose, hooks=hooks)
        self._publish_state(lbfgs)
        task.end()
        return problem

    def _epoch_attributes(self, X):
        """The fitted attributes, copied from the live weights, that make a copy of the
        estimator predict as it would if training stopped now (for a callback's
        ``fitted_estimator``; ``X`` is the training data given to fit)."""
        raise NotImplementedError

    def _publish_state(self, lbfgs):
        """Copy the loop's TrainingState to the fitted attributes."""
        for name, value in self._state_attributes(lbfgs).items():
            setattr(self, name, value)

    def _state_attributes(self, lbfgs):
        """The loop's TrainingState as scikit-learn names the fitted attributes
        (validation attributes only with early stopping)."""
        s = self._training_state
        attributes = {"n_iter_": s.n_iter, "t_": s.t, "loss_": s.loss,
                      "loss_curve_": list(s.loss_curve)}
        if lbfgs or not self.early_stopping:
            return {**attributes, "best_loss_": s.best_loss, "validation_scores_": None,
                    "best_validation_score_": None, "validation_loss_curve_": None}
        return {**attributes, "best_loss_": None,
                "validation_scores_": list(s.validation_scores),
                "best_validation_score_": s.best_validation_score,
                "validation_loss_curve_": list(s.validation_loss_curve)}
