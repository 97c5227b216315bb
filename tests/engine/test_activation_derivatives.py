"""Every registered activation's derivative against central differences of the activation."""

import numpy as np
import pytest

from sklearn_deep.engine import ACTIVATIONS, Tensor

ELEMENTWISE = sorted(name for name, spec in ACTIVATIONS.items() if spec.width_factor == 1)


def test_every_elementwise_activation_has_a_derivative():
    missing = [name for name in ELEMENTWISE if ACTIVATIONS[name].derivative is None]
    assert not missing, f"register a derivative for {missing}"
    assert {"identity", "logistic", "tanh", "relu", "leaky_relu", "elu", "softplus"} <= set(
        ELEMENTWISE)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivative_matches_central_differences(name):
    spec = ACTIVATIONS[name]
    rng = np.random.default_rng(0)
    a = rng.uniform(-4, 4, (50, 3))
    a[np.abs(a) < 1e-3] = 0.5  # keep off the kinks of the rectifiers
    a[0, :] = [-3.0, -0.25, 2.0]
    eps = 1e-6

    def f(x):
        return spec.function(Tensor(x)).data

    numerical = (f(a + eps) - f(a - eps)) / (2 * eps)
    t = Tensor(a)
    derivative = spec.derivative(t, spec.function(t))
    values = derivative.data if isinstance(derivative, Tensor) else np.asarray(derivative)
    assert values.shape == a.shape and values.dtype == np.float64
    np.testing.assert_allclose(values, numerical, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("shape", [(7, 5), (600, 300)])  # a cached zeros floor, and none
def test_relu_forward_is_numpy_maximum_with_zero(shape):
    """ReLU's forward equals np.maximum(a, 0) bit for bit (NaN, ±0 and infinities included),
    in place or not, and a call in place leaves the next call's result unchanged."""
    from sklearn_deep.engine.function import Context
    from sklearn_deep.engine.ops.activations import ReLU

    rng = np.random.default_rng(0)
    a = rng.standard_normal(shape)
    a.flat[:6] = [np.nan, -0.0, 0.0, -np.inf, np.inf, -np.nan]
    expected = np.maximum(a, 0)
    out = ReLU.forward(Context(), a.copy())
    assert np.array_equal(out, expected, equal_nan=True)
    assert np.array_equal(np.signbit(out), np.signbit(expected))
    inplace = a.copy()
    assert ReLU.forward(Context(), inplace, out=inplace) is inplace
    assert np.array_equal(inplace, expected, equal_nan=True)
    assert np.array_equal(ReLU.forward(Context(), a.copy()), expected, equal_nan=True)
