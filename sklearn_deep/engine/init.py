"""Weight initialisers.

Weights use scikit-learn's layout, shape ``(fan_in, fan_out)``, so ``X @ W`` maps samples
to units. All take a ``numpy.random.RandomState`` or ``Generator`` explicitly (no global
random state) and a dtype.

- Glorot & Bengio (2010): Var(W) = gain² · 2 / (fan_in + fan_out);
  uniform bound gain · √(6 / (fan_in + fan_out)).
- He et al. (2015): Var(W) = gain² / fan_in with gain √2 for ReLU
  (these functions take the gain, default √2); uniform bound gain · √(3 / fan_in).
- :func:`sklearn_mlp_init` reproduces scikit-learn's MLP exactly: weights and intercepts
  uniform on ±√(6 / (fan_in + fan_out)), or ±√(2 / (fan_in + fan_out)) when the network's
  activation is logistic (the activation registry's ``sklearn_init_factor``), weights
  drawn first, then intercepts, from the same random state.
"""

import math

import numpy as np

from .ops.activations import get_activation

__all__ = [
    "INITIALISERS", "glorot_normal", "glorot_uniform", "he_normal", "he_uniform",
    "sklearn_mlp_init",
]

_SQRT2 = math.sqrt(2.0)


def _check(fan_in, fan_out):
    if int(fan_in) < 1 or int(fan_out) < 1:
        raise ValueError(f"fan_in and fan_out must be >= 1, got {fan_in} and {fan_out}")


def _uniform(rng, bound, shape, dtype):
    return rng.uniform(-bound, bound, shape).astype(dtype, copy=False)


def _normal(rng, std, shape, dtype):
    return (rng.standard_normal(shape) * std).astype(dtype, copy=False)


def glorot_uniform(fan_in, fan_out, rng, gain=1.0, dtype=np.float64):
    _check(fan_in, fan_out)
    return _uniform(rng, gain * math.sqrt(6.0 / (fan_in + fan_out)), (fan_in, fan_out), dtype)


def glorot_normal(fan_in, fan_out, rng, gain=1.0, dtype=np.float64):
    _check(fan_in, fan_out)
    return _normal(rng, gain * math.sqrt(2.0 / (fan_in + fan_out)), (fan_in, fan_out), dtype)


def he_uniform(fan_in, fan_out, rng, gain=_SQRT2, dtype=np.float64):
    _check(fan_in, fan_out)
    return _uniform(rng, gain * math.sqrt(3.0 / fan_in), (fan_in, fan_out), dtype)


def he_normal(fan_in, fan_out, rng, gain=_SQRT2, dtype=np.float64):
    _check(fan_in, fan_out)
    return _normal(rng, gain / math.sqrt(fan_in), (fan_in, fan_out), dtype)


def sklearn_mlp_init(fan_in, fan_out, rng, activation="relu", dtype=np.float64):
    """Weights ``(fan_in, fan_out)`` and intercepts ``(fan_out,)`` as scikit-learn's MLP
    draws them in a network whose hidden activation is ``activation`` (scikit-learn uses
    that activation's factor for every layer, the output layer included)."""
    _check(fan_in, fan_out)
    bound = math.sqrt(get_activation(activation).sklearn_init_factor / (fan_in + fan_out))
    coef = _uniform(rng, bound, (fan_in, fan_out), dtype)
    intercept = _uniform(rng, bound, fan_out, dtype)
    return coef, intercept


#: Weight initialisers by name: ``name -> function(fan_in, fan_out, rng, gain, dtype)``.
INITIALISERS = {
    "glorot_uniform": glorot_uniform,
    "glorot_normal": glorot_normal,
    "he_uniform": he_uniform,
    "he_normal": he_normal,
}
