"""Adam: steps from bias-corrected running moments of the gradient."""

import math
from numbers import Real

import numpy as np
from sklearn.utils import check_scalar

from .base import Optimizer
from .schedules import check_positive

__all__ = ["Adam"]


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2014).

    At step ``t`` (counted from 1), with moments ``m`` and ``v`` (zero at first)::

        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g**2
        lr_t = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)
        param += -lr_t * m / (sqrt(v) + epsilon)

    The floating-point operations are those of scikit-learn's
    ``MLPClassifier(solver="adam")``, so results agree bit for bit. With a row-sparse
    gradient only the touched rows of ``m`` and ``v`` move ("lazy" Adam), and the bias
    correction uses the global ``t``.

    Parameters
    ----------
    params : list of ndarray
        Floating-point arrays, updated in place.
    learning_rate : float or Schedule, default=1e-3
        The step size, or a schedule giving it.
    beta_1, beta_2 : float, default=0.9, 0.999
        Decay rates of the first and second moments, in ``[0, 1)``.
    epsilon : float, default=1e-8
        Added to ``sqrt(v)`` for numerical stability, ``> 0``.
    transform : GradientTransformation, optional
        Applied to the gradients before each step (see :class:`Optimizer`).

    Attributes
    ----------
    t : int
        Number of steps taken.
    state : list of dict
        ``state[i]["m"]`` and ``state[i]["v"]``, the moments of each parameter.
    """

    _state_names = ("m", "v")

    def __init__(self, params, learning_rate=1e-3, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 transform=None):
        for name, beta in (("beta_1", beta_1), ("beta_2", beta_2)):
            check_scalar(beta, name, Real, min_val=0.0, max_val=1.0, include_boundaries="left")
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)
        self.epsilon = check_positive(epsilon, "epsilon")
        self.t = 0
        super().__init__(params, learning_rate, transform=transform)

    def _begin_step(self, learning_rate):
        self.t += 1
        return learning_rate * math.sqrt(1 - self.beta_2**self.t) / (1 - self.beta_1**self.t)

    def _update(self, param, grad, state, learning_rate):
        m, v = state["m"], state["v"]
        # the operations of the formulas above, in two temporaries
        m *= self.beta_1
        tmp = np.multiply(grad, 1 - self.beta_1)
        m += tmp
        v *= self.beta_2
        np.square(grad, out=tmp)
        tmp *= 1 - self.beta_2
        v += tmp
        denom = np.sqrt(v)
        denom += self.epsilon
        np.multiply(m, -learning_rate, out=tmp)
        tmp /= denom
        param += tmp
