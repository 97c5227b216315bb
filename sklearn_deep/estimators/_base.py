"""What every estimator trained by the shared loop has in common.

:class:`TrainedByLoopMixin` holds the parameters that mean the same thing in the MLP
estimators and the autoencoder (their constraints, the optimizer they build, batch size,
random state, BLAS thread policy, and the fitted training attributes), so each of those is
written once.
"""

import itertools
import warnings
from numbers import Integral, Real

import numpy as np
from threadpoolctl import threadpool_limits

from .._compat import Interval, Options, StrOptions
from .._random import make_rng
from ..engine import ACTIVATIONS
from ..optim import SGD, Adam, Adaptive, Constant, InvScaling, RMSProp

__all__ = ["STOCHASTIC_SOLVERS", "TrainedByLoopMixin"]

STOCHASTIC_SOLVERS = ("sgd", "adam", "rmsprop", "momentum")

# Thread policy: when the largest matrix product of one training step (batch × fan_in ×
# fan_out multiply-adds) is below this, BLAS threads cost about as much as they save, and on
# some machines far more (REFERENCE.md §2 measured 1.1–10× slowdowns for digits-sized
# problems on 2 threads); such fits run on one BLAS thread. Larger ones keep the process's
# BLAS setting.
SMALL_WORK = 2**22


class TrainedByLoopMixin:
    """Shared parameters and helpers of the estimators trained by ``training.loop``."""

    _parameter_constraints = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS)), list, tuple],
        "solver": [StrOptions({"lbfgs", *STOCHASTIC_SOLVERS})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
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

    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        sizes = [sizes] if not hasattr(sizes, "__iter__") else list(sizes)
        if any(s <= 0 for s in sizes):
            raise ValueError(f"hidden_layer_sizes must be > 0, got {sizes}.")
        return sizes

    def _ensure_random_state(self, first_pass):
        """The estimator's generator: new on a fresh fit, kept across partial_fit calls.

        ``random_state=None`` draws a fresh, OS-seeded generator rather than NumPy's global
        one, so fitting never touches the global random state.
        """
        if first_pass or not hasattr(self, "_random_state"):
            self._random_state = make_rng(self.random_state)
        return self._random_state

    def _resolve_batch_size(self, n_samples):
        if self.batch_size == "auto":
            return min(200, n_samples)
        if self.batch_size > n_samples:
            warnings.warn("Got `batch_size` less than 1 or larger than sample size. It is "
                          "going to be clipped", stacklevel=4)
        return int(np.clip(self.batch_size, 1, n_samples))

    def _make_optimizer(self, params, solver=None):
        """The optimizer for ``solver`` (default ``self.solver``) on ``params``, with the
        learning-rate schedule applied whatever the solver."""
        solver = self.solver if solver is None else solver
        schedule = {"constant": Constant(self.learning_rate_init),
                    "invscaling": InvScaling(self.learning_rate_init, self.power_t),
                    "adaptive": Adaptive(self.learning_rate_init)}[self.learning_rate]
        if solver == "sgd":
            return SGD(params, schedule, momentum=self.momentum,
                       nesterov=self.nesterovs_momentum)
        if solver == "momentum":
            return SGD(params, schedule, momentum=self.momentum, nesterov=False)
        if solver == "rmsprop":
            return RMSProp(params, schedule, rho=self.rho, epsilon=self.epsilon)
        return Adam(params, schedule, beta_1=self.beta_1, beta_2=self.beta_2,
                    epsilon=self.epsilon)

    def _optimizer_for(self, params, incremental, solver=None):
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
        return threadpool_limits(limits=1 if work < SMALL_WORK else None)

    def _publish_state(self, lbfgs):
        """Copy the loop's TrainingState to the fitted attributes, as scikit-learn names
        them (validation attributes only with early stopping)."""
        s = self._state
        self.n_iter_, self.t_, self.loss_ = s.n_iter, s.t, s.loss
        self.loss_curve_ = list(s.loss_curve)
        if lbfgs or not self.early_stopping:
            self.best_loss_ = s.best_loss
            self.validation_scores_ = self.best_validation_score_ = None
            self.validation_loss_curve_ = None
        else:
            self.best_loss_ = None
            self.validation_scores_ = list(s.validation_scores)
            self.best_validation_score_ = s.best_validation_score
            self.validation_loss_curve_ = list(s.validation_loss_curve)
