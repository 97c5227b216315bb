"""PCA's fitted attributes from a linear autoencoder's learned subspace (Rayleigh–Ritz).

A linear autoencoder trained on centred data identifies PCA's *subspace* (Baldi & Hornik,
1989), not its components: the decoder's columns are any basis of that subspace. The
Rayleigh–Ritz step recovers the principal basis inside it:

1. ``Q, R = qr(V)`` — an orthonormal basis ``Q`` (d × k) of the decoder's column space;
2. ``Z = X_c Q`` — the centred data in that basis (n × k), and its SVD ``Z = A S Bᵀ``
   (or, from a running scatter matrix ``C = X_cᵀ X_c``, the eigendecomposition
   ``Qᵀ C Q = B S² Bᵀ``);
3. ``components_ = (Q B)ᵀ``, ``singular_values_ = S``, ``explained_variance_ =
   S² / (n − 1)``, signs fixed as scikit-learn's PCA fixes them (the largest-magnitude
   entry of each component is positive).

When the subspace is PCA's, these are PCA's attributes exactly (up to round-off); the
estimator's tests compare them with :class:`sklearn.decomposition.PCA`. The functions here
are plain NumPy on ndarrays.
"""

import numpy as np
from scipy import linalg

__all__ = ["RitzBasis", "pca_covariance", "pca_precision", "pca_score_samples",
           "rayleigh_ritz"]


class RitzBasis:
    """The principal basis of a learned subspace and PCA's statistics in it.

    Attributes
    ----------
    components : ndarray of shape (k, d)
        Orthonormal rows, ordered by decreasing variance, sign-fixed like PCA.
    singular_values : ndarray of shape (k,)
    explained_variance : ndarray of shape (k,)
        ``singular_values² / (n_samples − 1)``.
    code_map : ndarray of shape (k, k)
        ``Rᵀ B``: maps coordinates in the decoder's basis (the network's codes) to
        coordinates in the principal basis, so that ``codes @ code_map @ components``
        equals ``codes @ Vᵀ`` (the decoder's linear part).
    """

    def __init__(self, components, singular_values, explained_variance, code_map):
        self.components = components
        self.singular_values = singular_values
        self.explained_variance = explained_variance
        self.code_map = code_map


def rayleigh_ritz(decoder, n_samples, *, centred=None, scatter=None):
    """Rayleigh–Ritz step on the column space of ``decoder``.

    Parameters
    ----------
    decoder : ndarray of shape (d, k)
        The decoder's linear map (columns span the learned subspace), ``V`` in
        ``x̂ = h Vᵀ + c``.
    n_samples : int
        Samples behind the statistics (for the ``n − 1`` of ``explained_variance``).
    centred : ndarray of shape (n_samples, d), optional
        The centred training data (SVD path, the more accurate one).
    scatter : ndarray of shape (d, d), optional
        ``X_cᵀ X_c`` accumulated over the data (used when ``centred`` is None).

    Returns
    -------
    RitzBasis
    """
    Q, R = linalg.qr(decoder, mode="economic")
    if centred is not None:
        Z = centred @ Q
        Z = Z - Z.mean(axis=0)
        _, S, Bt = linalg.svd(Z, full_matrices=False)
        B = Bt.T
    else:
        M = Q.T @ scatter @ Q
        evals, B = linalg.eigh((M + M.T) / 2)
        order = np.argsort(evals)[::-1]
        evals, B = evals[order], B[:, order]
        S = np.sqrt(np.clip(evals, 0, None))
    k = decoder.shape[1]
    if B.shape[1] < k:  # fewer samples than components: complete the basis
        B = _complete_basis(B, k)
        S = np.concatenate([S, np.zeros(k - S.shape[0], dtype=S.dtype)])
    components = (Q @ B).T
    # scikit-learn's PCA: svd_flip(u_based_decision=False) makes the largest-magnitude
    # entry of each component positive.
    rows = np.arange(k)
    signs = np.sign(components[rows, np.argmax(np.abs(components), axis=1)])
    signs[signs == 0] = 1
    components *= signs[:, None]
    B = B * signs
    dtype = decoder.dtype
    ev = (S**2 / max(n_samples - 1, 1)).astype(dtype)
    return RitzBasis(components.astype(dtype), S.astype(dtype), ev, (R.T @ B).astype(dtype))


def _complete_basis(B, k):
    """Extend the orthonormal columns of ``B`` (k × m, m < k) to an orthogonal k × k."""
    full, _ = linalg.qr(np.hstack([B, np.eye(k, dtype=B.dtype)]))
    return np.hstack([B, full[:, B.shape[1]:k]])


def pca_covariance(components, explained_variance, noise_variance, whiten):
    """PCA's generative-model covariance (as :meth:`sklearn.decomposition.PCA.get_covariance`)."""
    if whiten:
        components = components * np.sqrt(explained_variance[:, None])
    diff = np.where(explained_variance > noise_variance,
                    explained_variance - noise_variance, 0.0)
    cov = (components.T * diff) @ components
    cov.flat[:: len(cov) + 1] += noise_variance
    return cov


def pca_precision(components, explained_variance, noise_variance, whiten):
    """Inverse of :func:`pca_covariance` by the matrix inversion lemma (as PCA does)."""
    n_features = components.shape[1]
    if noise_variance == 0.0:
        return linalg.inv(pca_covariance(components, explained_variance, noise_variance,
                                         whiten))
    if whiten:
        components = components * np.sqrt(explained_variance[:, None])
    diff = np.where(explained_variance > noise_variance,
                    explained_variance - noise_variance, 0.0)
    precision = components @ components.T / noise_variance
    precision.flat[:: len(precision) + 1] += 1.0 / diff
    precision = components.T @ linalg.inv(precision) @ components
    precision /= -(noise_variance**2)
    precision.flat[:: n_features + 1] += 1.0 / noise_variance
    return precision


def pca_score_samples(centred, precision):
    """Log-likelihood of each centred sample under the probabilistic PCA model
    (Tipping & Bishop, 1999), as :meth:`sklearn.decomposition.PCA.score_samples`."""
    n_features = centred.shape[1]
    log_like = -0.5 * (centred * (centred @ precision)).sum(axis=1)
    sign, logdet = np.linalg.slogdet(precision)
    logdet = logdet if sign > 0 else -np.inf
    log_like -= 0.5 * (n_features * np.log(2.0 * np.pi) - logdet)
    return log_like
