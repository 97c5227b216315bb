"""Stochastic gradient descent with optional (Nesterov) momentum."""

from numbers import Real

from sklearn.utils import check_scalar

from .base import Optimizer

__all__ = ["SGD", "Momentum"]


class SGD(Optimizer):
    """Stochastic gradient descent, with momentum and Nesterov's momentum.

    With velocity ``v`` (zero at first), learning rate ``lr`` and gradient ``g``, each step
    does ``v = momentum * v - lr * g`` then ``param += v``, or with ``nesterov``
    ``param += momentum * v - lr * g``. The floating-point operations are those of
    scikit-learn's ``MLPClassifier(solver="sgd")``, so results agree bit for bit. Without
    momentum no velocity is kept and the step is ``param -= lr * g``.

    Parameters
    ----------
    params : list of ndarray
        Floating-point arrays, updated in place.
    learning_rate : float or Schedule, default=0.1
        The step size, or a schedule giving it.
    momentum : float, default=0.0
        In ``[0, 1)``.
    nesterov : bool, default=False
        Whether to use Nesterov's momentum.
    transform : GradientTransformation, optional
        Applied to the gradients before each step (see :class:`Optimizer`).

    Attributes
    ----------
    state : list of dict
        ``state[i]["velocity"]`` for each parameter when ``momentum > 0``, else empty dicts.
    """

    def __init__(self, params, learning_rate=0.1, momentum=0.0, nesterov=False,
                 transform=None):
        # [0, 1] as in scikit-learn's MLP (momentum 1 never forgets, but is allowed there)
        check_scalar(momentum, "momentum", Real, min_val=0.0, max_val=1.0,
                     include_boundaries="both")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)
        self._state_names = ("velocity",) if self.momentum else ()
        self._dense_for_sparse = not self.momentum  # param -= lr * 0 leaves a row alone
        self._adds_rows = not self.momentum
        super().__init__(params, learning_rate, transform=transform)

    def _update(self, param, grad, state, learning_rate):
        if not self.momentum:
            param -= learning_rate * grad
            return
        velocity = state["velocity"]
        velocity *= self.momentum
        velocity -= learning_rate * grad
        if self.nesterov:
            update = self.momentum * velocity
            update -= learning_rate * grad
            param += update
        else:
            param += velocity


class Momentum(SGD):
    """Heavy-ball momentum: :class:`SGD` with ``momentum`` and no Nesterov correction.

    Each step does ``v = momentum * v - lr * g`` then ``param += v`` (Polyak, 1964).

    Parameters
    ----------
    params, learning_rate, transform
        As for :class:`SGD`.
    momentum : float, default=0.9
        In ``[0, 1]``.
    """

    def __init__(self, params, learning_rate=0.1, momentum=0.9, transform=None):
        super().__init__(params, learning_rate, momentum=momentum, nesterov=False,
                         transform=transform)
