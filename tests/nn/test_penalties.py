"""The autoencoder's regularisers against closed-form and numerical oracles."""

import numpy as np
import pytest

import sklearn_deep.engine as E
import sklearn_deep.estimators.autoencoder as estimator_module
from sklearn_deep.engine import check_grad
from sklearn_deep.nn.penalties import (
    contractive_penalty,
    kl_sparsity_penalty,
    l1_activity_penalty,
    sampled_contractive_penalty,
)

CLOSED_FORM = sorted(name for name, spec in E.ACTIVATIONS.items() if spec.derivative)


def test_penalties_keep_their_import_path_in_the_estimator_module():
    for fn in (contractive_penalty, kl_sparsity_penalty, l1_activity_penalty,
               sampled_contractive_penalty):
        assert getattr(estimator_module, fn.__name__) is fn


def _jacobian_norm2(encode, x, eps=1e-6):
    """‖J_f(x)‖²_F by central differences (the oracle of the closed forms)."""
    total = 0.0
    for j in range(x.shape[0]):
        e = np.zeros_like(x)
        e[j] = eps
        total += np.sum(((encode(x + e) - encode(x - e)) / (2 * eps)) ** 2)
    return total


@pytest.mark.parametrize("activation", CLOSED_FORM)
def test_contractive_closed_form_is_the_jacobian_norm(activation):
    rng = np.random.default_rng(0)
    X, W, b = rng.standard_normal((6, 4)), rng.standard_normal((4, 3)), rng.standard_normal(3)
    fn = E.get_activation(activation).function

    def penalty(W, b):
        pre = E.matmul(X, W) + b
        return contractive_penalty(pre, fn(pre), W, activation)

    value = penalty(E.Tensor(W), E.Tensor(b)).item()
    encode = lambda x: fn(E.Tensor(x @ W + b)).data  # noqa: E731
    oracle = np.mean([_jacobian_norm2(encode, x) for x in X])
    assert value == pytest.approx(oracle, rel=1e-6)
    assert check_grad(penalty, W, b) < 1e-5


def test_sampled_contractive_penalty_estimates_the_jacobian_norm():
    rng = np.random.default_rng(0)
    W1, b1 = rng.standard_normal((4, 5)) * 0.5, rng.standard_normal(5)
    W2, b2 = rng.standard_normal((5, 3)) * 0.5, rng.standard_normal(3)
    x = rng.standard_normal(4)
    X = np.repeat(x[None], 20000, axis=0)
    sigma = 1e-3

    def encode(Z, W1=W1, b1=b1, W2=W2, b2=b2):
        return E.tanh(E.tanh(E.matmul(Z, W1) + b1) @ W2 + b2)

    noise = sigma * rng.standard_normal(X.shape)
    estimate = sampled_contractive_penalty(encode, X, encode(X), noise, sigma).item()
    oracle = _jacobian_norm2(lambda z: encode(E.Tensor(z)).data, x)
    assert estimate == pytest.approx(oracle, rel=0.03)
    small = X[:5]

    def f(W1, b1, W2, b2):
        enc = lambda Z: encode(Z, W1, b1, W2, b2)  # noqa: E731
        return sampled_contractive_penalty(enc, small, enc(small), noise[:5] * 100, 0.1)

    assert check_grad(f, W1, b1, W2, b2) < 1e-5


@pytest.mark.parametrize("activation", ["logistic", "tanh", "relu", "softplus"])
def test_sparsity_penalty_gradients(activation):
    rng = np.random.default_rng(0)
    X, W, b = rng.standard_normal((7, 4)), rng.standard_normal((4, 3)), rng.standard_normal(3)
    fn = E.get_activation(activation).function
    assert check_grad(lambda W, b: l1_activity_penalty(fn(E.matmul(X, W) + b)), W, b) < 1e-5
    if activation == "logistic":
        assert check_grad(lambda W, b: kl_sparsity_penalty(fn(E.matmul(X, W) + b), 0.05),
                          W, b) < 1e-5
        # value oracle: Σ_j KL(ρ‖ρ̂_j) written out
        h = 1 / (1 + np.exp(-(X @ W + b)))
        q = h.mean(axis=0)
        kl = np.sum(0.05 * np.log(0.05 / q) + 0.95 * np.log(0.95 / (1 - q)))
        assert kl_sparsity_penalty(E.Tensor(h), 0.05).item() == pytest.approx(kl, rel=1e-12)


def test_contractive_penalty_refuses_an_activation_without_derivative():
    W = E.Tensor(np.ones((3, 4)))
    pre = E.matmul(np.ones((2, 3)), W)
    with pytest.raises(ValueError, match=r"maxout.*no elementwise derivative"):
        contractive_penalty(pre, pre, W, "maxout")
