"""RMSProp: gradient steps scaled by a running root mean square of the gradient."""

from numbers import Real

import numpy as np
from sklearn.utils import check_scalar

from .base import Optimizer
from .schedules import check_positive

__all__ = ["RMSProp"]


class RMSProp(Optimizer):
    """RMSProp, in the form of Hinton's lecture 6e.

    With running mean of squares ``cache`` (zero at first), each step does
    ``cache = rho * cache + (1 - rho) * g**2`` then
    ``param -= lr * g / (sqrt(cache) + epsilon)``.

    Parameters
    ----------
    params : list of ndarray
        Floating-point arrays, updated in place.
    learning_rate : float or Schedule, default=1e-3
        The step size, or a schedule giving it.
    rho : float, default=0.9
        Decay rate of the running mean of squares, in ``[0, 1)``.
    epsilon : float, default=1e-8
        Added to the root mean square for numerical stability, ``> 0``.
    transform : GradientTransformation, optional
        Applied to the gradients before each step (see :class:`Optimizer`).

    Attributes
    ----------
    state : list of dict
        ``state[i]["cache"]``, the running mean of squared gradients of each parameter.
    """

    _state_names = ("cache",)

    def __init__(self, params, learning_rate=1e-3, rho=0.9, epsilon=1e-8, transform=None):
        check_scalar(rho, "rho", Real, min_val=0.0, max_val=1.0, include_boundaries="left")
        self.rho = float(rho)
        self.epsilon = check_positive(epsilon, "epsilon")
        super().__init__(params, learning_rate, transform=transform)

    def _update(self, param, grad, state, learning_rate):
        cache = state["cache"]
        cache *= self.rho
        cache += (1.0 - self.rho) * np.square(grad)
        denom = np.sqrt(cache)
        denom += self.epsilon
        update = learning_rate * grad
        update /= denom
        param -= update
