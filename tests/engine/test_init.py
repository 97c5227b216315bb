"""Initialisers against their definitions and against scikit-learn's MLP."""

import math

import numpy as np
import pytest
from sklearn.neural_network import MLPClassifier

from sklearn_deep.engine import ACTIVATIONS
from sklearn_deep.engine.init import INITIALISERS, sklearn_mlp_init


@pytest.mark.parametrize("activation", ["relu", "logistic", "tanh", "identity"])
def test_sklearn_mlp_init_reproduces_sklearn(activation):
    sk = MLPClassifier(activation=activation)
    sk._random_state = np.random.RandomState(3)
    rng = np.random.RandomState(3)
    for fan_in, fan_out in [(7, 5), (5, 4), (4, 3)]:
        coef, intercept = sk._init_coef(fan_in, fan_out, np.float64)
        W, b = sklearn_mlp_init(fan_in, fan_out, rng, activation=activation)
        np.testing.assert_array_equal(W, coef)
        np.testing.assert_array_equal(b, intercept)


@pytest.mark.parametrize("name", sorted(INITIALISERS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_initialiser_variance_matches_its_formula(name, dtype):
    fan_in, fan_out, gain = 400, 300, 1.7
    W = INITIALISERS[name](fan_in, fan_out, np.random.default_rng(0), gain=gain, dtype=dtype)
    assert W.shape == (fan_in, fan_out) and W.dtype == dtype
    expected_var = gain**2 * (2.0 / (fan_in + fan_out) if name.startswith("glorot")
                              else 1.0 / fan_in)
    assert W.var() == pytest.approx(expected_var, rel=0.02)
    if name.endswith("uniform"):
        assert np.abs(W).max() <= math.sqrt(3 * expected_var)


def test_every_activation_has_gains():
    for spec in ACTIVATIONS.values():
        assert spec.gain > 0 and spec.sklearn_init_factor > 0 and spec.width_factor >= 1


def test_initialiser_rejects_empty_layers():
    with pytest.raises(ValueError, match="fan_in and fan_out"):
        INITIALISERS["he_normal"](0, 3, np.random.default_rng(0))
