"""The one training loop, shared by every estimator.

An estimator builds its learning problem — an object with the attributes and methods of
:class:`~sklearn_deep.training.problem.Problem` (parameters, number of samples, batches,
loss and gradients, and optionally a validation score and the progress of a batch) — from a
network, the data and its settings, and hands it to :func:`train_epochs` (minibatch
optimizers) or :func:`fit_lbfgs` (full-batch L-BFGS).

The loop keeps scikit-learn's semantics: loss history, ``tol`` / ``n_iter_no_change``
plateau detection handed to the optimizer's schedule (the adaptive schedule lowers the
rate instead of stopping), early stopping on a validation score that restores the best
parameters, ``ConvergenceWarning`` at ``max_iter``, verbose lines, Ctrl-C keeping the
current parameters with a warning. It adds divergence detection: a non-finite loss or
parameter restores the parameters of the start of the epoch and raises ``ValueError``.

An observer may follow the epochs through :class:`EpochHooks` (the estimators bridge it to
scikit-learn's callbacks); it sees each epoch begin and end, and may stop training.
"""

import math
import warnings
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import scipy.optimize
from sklearn.exceptions import ConvergenceWarning

__all__ = ["EpochHooks", "TrainingError", "TrainingState", "fit_lbfgs", "train_epochs"]


class TrainingError(ValueError):
    """Training diverged; the parameters were restored to their last finite values."""


@dataclass
class TrainingState:
    """What the loop remembers between calls (kept by the estimator; pickles)."""

    n_iter: int = 0
    t: int = 0
    loss: float = math.nan
    loss_curve: list = field(default_factory=list)
    best_loss: float = math.inf
    validation_scores: list = field(default_factory=list)
    validation_loss_curve: list = field(default_factory=list)
    best_validation_score: float = -math.inf
    no_improvement_count: int = 0
    best_params: list = None


class EpochHooks(Protocol):
    """An observer of the epochs (L-BFGS iterations for :func:`fit_lbfgs`).

    Every ``begin`` is followed by one ``end``, unless training raises. Neither may change
    the parameters or draw from the generator.
    """

    def begin(self) -> None:
        """An epoch starts; the parameters are those it starts from."""

    def progress(self, fraction) -> None:
        """A batch was trained; ``fraction`` of the epoch is done (called only for problems
        that report it, :class:`~sklearn_deep.training.problem.ReportsProgress`)."""

    def end(self, state) -> bool:
        """An epoch ended; return True to stop training.

        ``state`` is the updated :class:`TrainingState` and the parameters are the epoch's
        result; ``state`` is None for an epoch that did not complete (Ctrl-C, or L-BFGS
        stopping inside an iteration), whose return value is ignored.
        """


def _all_finite(arrays):
    return all(np.isfinite(a).all() for a in arrays)


def _diverged(problem, snapshot, epoch, what, learning_rate, before_any_update=False):
    _copy_into(problem.params, snapshot)
    if before_any_update:
        raise TrainingError(
            "The training loss is non-finite (inf or NaN) before any update: the inputs or "
            "targets are probably too large (or the starting weights are). Scale them, e.g. "
            "with StandardScaler; the parameters were left unchanged."
        )
    raise TrainingError(
        f"Training diverged in epoch {epoch}: the {what} became non-finite (inf or NaN). "
        f"The learning rate ({learning_rate:g}) is probably too high for these data: lower "
        "learning_rate_init, or standardise the inputs (e.g. StandardScaler). The "
        "parameters were restored to their values before that epoch."
    )


def train_epochs(problem, optimizer, state, *, max_iter, rng, tol=1e-4, n_iter_no_change=10,
                 early_stopping=False, incremental=False, verbose=False,
                 warn_at_max_iter=True, hooks=None):
    """Run minibatch epochs of ``optimizer`` on ``problem``, updating ``state``.

    Parameters
    ----------
    problem : object
        The learning problem (see the module docstring).
    optimizer : sklearn_deep.optim.Optimizer
        Built on ``problem.params``.
    state : TrainingState
        Updated in place; continues from where an earlier call left it.
    max_iter : int
        Epochs to run at most.
    rng : numpy.random.RandomState
        Passed to ``problem.batches`` each epoch.
    tol, n_iter_no_change : float, int
        An epoch improves when the training loss falls by more than ``tol`` (or, with
        early stopping, the validation score rises by more than ``tol``); after more than
        ``n_iter_no_change`` epochs without improvement the optimizer's schedule decides.
    early_stopping : bool
        Score ``problem.validation()`` each epoch and restore the best parameters at the
        end.
    incremental : bool
        Run exactly one epoch (``partial_fit``).
    verbose : bool
        Print one line per epoch, as scikit-learn does.
    warn_at_max_iter : bool
        Warn with ``ConvergenceWarning`` when all ``max_iter`` epochs ran without the
        plateau rule stopping training (off for estimators that train a fixed number of
        epochs by design, such as word2vec).
    hooks : EpochHooks, optional
        Told when each epoch begins and ends. When ``hooks.end`` asks to stop, training
        ends there and the best parameters are restored: those of the best validation
        score with early stopping (as always then), otherwise those at the end of the
        epoch with the lowest training loss of this call (``state.loss_curve`` keeps
        every epoch run).
    """
    early_stopping = early_stopping and not incremental
    fraction = getattr(problem, "batch_fraction", None)
    n_epochs = 1 if incremental else max_iter
    stepped = stopped = in_epoch = False
    best_loss, best_params = math.inf, None  # the training loss's best, kept for hooks only
    try:
        for k in range(n_epochs):
            snapshot = [p.copy() for p in problem.params]
            epoch = state.n_iter + 1
            if hooks is not None:
                in_epoch = True
                hooks.begin()
            total, weight = 0.0, 0.0
            for batch in problem.batches(rng):
                done = None if fraction is None else fraction(batch)
                if done is not None:
                    optimizer.set_progress((k + done) / n_epochs)
                loss, w, grads = problem.loss_and_grads(batch)
                if not math.isfinite(loss):
                    _diverged(problem, snapshot, epoch, "loss", optimizer.learning_rate,
                              before_any_update=not stepped)
                optimizer.step(grads)
                stepped = True
                total += loss * w
                weight += w
                if hooks is not None and done is not None:
                    hooks.progress(done)
            if not _all_finite(problem.params):
                _diverged(problem, snapshot, epoch, "parameters", optimizer.learning_rate)
            validation = problem.validation() if early_stopping else None
            if validation is not None and not all(math.isfinite(v) for v in validation):
                _diverged(problem, snapshot, epoch, "validation score",
                          optimizer.learning_rate)
            state.n_iter += 1
            state.t += problem.n_samples
            state.loss = total / weight if weight > 0 else 0.0
            state.loss_curve.append(state.loss)
            if verbose:
                print(f"Iteration {state.n_iter}, loss = {state.loss:.8f}")
            _update_no_improvement(problem, state, tol, validation, verbose)
            optimizer.iteration_ends(state.t)
            if hooks is not None:
                if not early_stopping and state.loss < best_loss:
                    best_loss = state.loss
                    if best_params is None:
                        best_params = [p.copy() for p in problem.params]
                    else:  # into the same buffers: no new allocation per improvement
                        _copy_into(best_params, problem.params)
                in_epoch = False
                if hooks.end(state):
                    stopped = True
                    if verbose:
                        print("Training stopped by a callback.")
                    break
            if state.no_improvement_count > n_iter_no_change:
                subject = "Validation score" if early_stopping else "Training loss"
                msg = (f"{subject} did not improve more than tol={tol:f} for "
                       f"{n_iter_no_change} consecutive epochs.")
                if optimizer.trigger_stopping(msg, verbose):
                    break
                state.no_improvement_count = 0
        else:
            if warn_at_max_iter and not incremental:
                warnings.warn(
                    f"Stochastic Optimizer: Maximum iterations ({max_iter}) reached and the "
                    "optimization hasn't converged yet.", ConvergenceWarning, stacklevel=3)
    except KeyboardInterrupt:
        warnings.warn("Training interrupted by user.", stacklevel=3)
        if in_epoch:
            hooks.end(None)
    if early_stopping and state.best_params is not None:
        _copy_into(problem.params, state.best_params)
    elif stopped and best_params is not None:
        _copy_into(problem.params, best_params)


def _copy_into(targets, sources):
    for target, source in zip(targets, sources):
        target[...] = source


def _update_no_improvement(problem, state, tol, validation, verbose):
    if validation is not None:
        score, val_loss = validation
        state.validation_scores.append(score)
        state.validation_loss_curve.append(val_loss)
        if verbose:
            print(f"Validation score: {score:f}")
        if score < state.best_validation_score + tol:
            state.no_improvement_count += 1
        else:
            state.no_improvement_count = 0
        if score > state.best_validation_score:
            state.best_validation_score = score
            state.best_params = [p.copy() for p in problem.params]
    else:
        if state.loss_curve[-1] > state.best_loss - tol:
            state.no_improvement_count += 1
        else:
            state.no_improvement_count = 0
        if state.loss_curve[-1] < state.best_loss:
            state.best_loss = state.loss_curve[-1]


def fit_lbfgs(problem, state, *, max_iter, max_fun=15000, tol=1e-4, verbose=False,
              relative_tol=False, hooks=None):
    """Minimise the full-batch loss with scipy's L-BFGS-B on the flat parameter vector.

    ``problem.loss_and_grads(None)`` must return the loss and gradients on all the data.
    Records one ``loss_curve`` entry per L-BFGS iteration and warns with
    ``ConvergenceWarning`` when L-BFGS stops without converging.

    L-BFGS stops when the largest gradient entry falls below ``tol`` (scikit-learn's MLP
    semantics), or with ``relative_tol`` below ``tol`` times its value at the start — the
    same stopping point whatever the scale of the data (scaling X by c scales a squared
    loss's gradients by c²).
    """
    params = problem.params
    shapes = [p.shape for p in params]
    sizes = [p.size for p in params]
    bounds = np.cumsum([0, *sizes])

    def unpack(x):
        for param, lo, hi, shape in zip(params, bounds[:-1], bounds[1:], shapes):
            param[...] = x[lo:hi].reshape(shape)

    start = state.n_iter
    in_iteration, stopped = [False], [False]

    def objective(x):
        if hooks is not None and not in_iteration[0]:
            in_iteration[0] = True
            hooks.begin()
        unpack(x)
        loss, _, grads = problem.loss_and_grads(None)
        if not math.isfinite(loss):
            raise TrainingError(
                "Training diverged: the loss became non-finite (inf or NaN) during L-BFGS. "
                "Standardise the inputs (e.g. StandardScaler) or increase alpha."
            )
        flat = np.concatenate([np.asarray(g, dtype=np.float64).ravel() for g in grads])
        return loss, flat

    def record(intermediate_result):
        state.loss_curve.append(float(intermediate_result.fun))
        if verbose:
            print(f"Iteration {len(state.loss_curve)}, loss = {intermediate_result.fun:.8f}")
        if hooks is not None:
            state.n_iter += 1
            state.loss = float(intermediate_result.fun)
            unpack(intermediate_result.x)
            in_iteration[0] = False
            if hooks.end(state):
                stopped[0] = True
                raise StopIteration

    x0 = np.concatenate([p.astype(np.float64).ravel() for p in params])
    gtol = tol
    if relative_tol:
        gtol = tol * max(float(np.abs(objective(x0)[1]).max()), np.finfo(np.float64).tiny)
    try:
        result = scipy.optimize.minimize(
            objective, x0, method="L-BFGS-B", jac=True, callback=record,
            options={"maxfun": max_fun, "maxiter": max_iter, "gtol": gtol},
        )
    except KeyboardInterrupt:
        warnings.warn("Training interrupted by user.", stacklevel=3)
        if in_iteration[0]:
            hooks.end(None)
        return
    if in_iteration[0]:  # stopped (max_fun, say) inside an iteration
        hooks.end(None)
    if not result.success and not stopped[0]:
        warnings.warn(
            f"lbfgs failed to converge after {result.nit} iteration(s) (status "
            f"{result.status}): {result.message}. Increase max_iter (or max_fun), or scale "
            "the data.", ConvergenceWarning, stacklevel=3)
    unpack(result.x)
    state.n_iter = start + int(result.nit)
    state.loss = float(result.fun)
    state.best_loss = min(state.best_loss, state.loss)
