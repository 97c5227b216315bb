"""Regularisers of an autoencoder's code, composed from engine primitives.

- :func:`contractive_penalty` and :func:`sampled_contractive_penalty` — the squared
  Frobenius norm of the encoder's Jacobian (Rifai et al., 2011, "Contractive auto-encoders:
  explicit invariance during feature extraction"), in closed form for a one-layer encoder and
  as a finite-difference estimate for any encoder;
- :func:`kl_sparsity_penalty` — the KL divergence of the mean code activations from a target
  (Ng, "Sparse autoencoder", CS294A lecture notes);
- :func:`l1_activity_penalty` — the L1 norm of the codes.

Each returns a 0-d Tensor, differentiable with respect to whatever Tensors it was built from.
"""

import numpy as np

from ..engine import get_activation, l1_penalty

__all__ = ["contractive_penalty", "kl_sparsity_penalty", "l1_activity_penalty",
           "sampled_contractive_penalty"]

_KL_EPS = 1e-6


def contractive_penalty(pre, code, W, activation):
    """Mean squared Frobenius norm of the encoder's Jacobian, in closed form.

    For a one-layer encoder ``h = s(x W + b)`` (Rifai et al., 2011),
    ``‖J_f(x)‖²_F = Σ_j s′(a_j)² ‖W_{:, j}‖²``.

    Parameters
    ----------
    pre : Tensor of shape (n_samples, k)
        Pre-activations ``a = x W + b``.
    code : Tensor of shape (n_samples, k)
        Outputs ``h = s(a)``.
    W : Tensor of shape (d, k)
        Encoder weights.
    activation : str
        A registered activation with an elementwise derivative
        (``ActivationSpec.derivative``; every one but maxout).

    Returns
    -------
    Tensor of shape ()
        ``mean_i ‖J_f(x_i)‖²_F``.
    """
    col_norms = (W * W).sum(axis=0)
    if activation == "identity":  # J = Wᵀ for every sample
        return col_norms.sum()
    derivative = get_activation(activation).derivative
    if derivative is None:
        raise ValueError(f"activation {activation!r} has no elementwise derivative; use "
                         "sampled_contractive_penalty")
    slope = derivative(pre, code)
    return (slope * slope * col_norms).sum() / pre.shape[0]


def sampled_contractive_penalty(encode, X, code, noise, sigma):
    """Finite-difference estimate of ``mean_i ‖J_f(x_i)‖²_F`` for any encoder.

    ``E_ε ‖f(x + ε) − f(x)‖² / σ²`` with ``ε ~ N(0, σ² I)`` equals ``‖J_f(x)‖²_F`` up to
    O(σ²) (Rifai et al., 2011, §3); one draw per sample gives an unbiased estimate of
    that, and needs only ordinary backprop.

    Parameters
    ----------
    encode : callable
        Tensor of shape (n, d) → codes Tensor of shape (n, k).
    X : ndarray or Tensor of shape (n, d)
    code : Tensor of shape (n, k)
        ``encode(X)``.
    noise : ndarray of shape (n, d)
        The draw ``ε`` (standard deviation ``sigma``).
    sigma : float

    Returns
    -------
    Tensor of shape ()
    """
    diff = encode(X + noise) - code
    return (diff * diff).sum() / (code.shape[0] * sigma * sigma)


def kl_sparsity_penalty(code, target):
    """``Σ_j KL(ρ ‖ ρ̂_j)`` with ``ρ̂_j`` the mean activation of unit j over the batch
    (Ng, CS294A notes); activations must lie in (0, 1).

    Parameters
    ----------
    code : Tensor of shape (n_samples, k)
    target : float
        ``ρ`` in (0, 1).

    Returns
    -------
    Tensor of shape ()
    """
    rho_hat = code.mean(axis=0).clip(_KL_EPS, 1.0 - _KL_EPS)
    rho = float(target)
    kl = (rho * (np.log(rho) - rho_hat.log())
          + (1.0 - rho) * (np.log1p(-rho) - (1.0 - rho_hat).log()))
    return kl.sum()


def l1_activity_penalty(code):
    """``mean_i Σ_j |h_ij|``, the L1 activity penalty.

    Parameters
    ----------
    code : Tensor of shape (n_samples, k)

    Returns
    -------
    Tensor of shape ()
    """
    return l1_penalty(code) / code.shape[0]
