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
estimator's tests compare them with :class:`sklearn.decomposition.PCA`.

:class:`RunningStatistics` keeps what that step (and the centring) needs of the data seen
so far — count, mean, per-feature sum of squared deviations, min/max and, for a linear
model trained by ``partial_fit``, the scatter matrix — merged batch by batch with the
pairwise update of Chan, Golub & LeVeque (1979). :class:`PCAAttributesMixin` gives the
estimator PCA's fitted attributes and methods; :func:`select_n_components` is PCA's choice
of the number of components from a spectrum (a variance fraction, or Minka's 'mle').

Sparse data (CSR) are never densified whole: :func:`row_blocks` hands out dense blocks of
rows, each centred as it comes, so memory is bounded by a block (PCA's implicit centring).
"""

import numpy as np
from scipy import linalg, sparse
from scipy.special import gammaln
from sklearn.exceptions import NotFittedError

__all__ = ["PCAAttributesMixin", "RitzBasis", "RunningStatistics", "apply_by_rows",
           "minka_dimension", "pca_covariance", "pca_precision", "pca_score_samples",
           "rayleigh_ritz", "row_blocks", "select_n_components"]

_CHUNK = 4096  # rows per chunk when a statistic of all the data is computed
_BLOCK_ELEMENTS = 2**17  # entries of a dense block of sparse rows (1 MiB in float64)


# ------------------------------------------------------------------ sparse rows
def row_blocks(X):
    """Dense blocks of consecutive rows of ``X``, in order: views of ``_CHUNK`` rows of an
    ndarray, or densified blocks of a sparse matrix of at most ``_BLOCK_ELEMENTS`` entries
    (at least one row), so that nothing of the size of a dense X is ever allocated."""
    if sparse.issparse(X):
        X = X.tocsr()
        rows = max(1, min(_CHUNK, _BLOCK_ELEMENTS // max(X.shape[1], 1)))
        for start in range(0, X.shape[0], rows):
            yield X[start:start + rows].toarray()
    else:
        for start in range(0, X.shape[0], _CHUNK):
            yield X[start:start + _CHUNK]


def apply_by_rows(function, X):
    """``function(X)`` for an ndarray; for a sparse matrix, ``function`` of each dense
    block of :func:`row_blocks`, the results stacked (a row-wise function's result)."""
    if not sparse.issparse(X):
        return function(X)
    return np.concatenate([function(block) for block in row_blocks(X)])


def _projected_scatter(X, mean, Q):
    """``Qᵀ X_cᵀ X_c Q`` of sparse ``X`` centred on ``mean``, by dense blocks of rows (the
    data projected on the subspace, re-centred as the SVD path re-centres it)."""
    k = Q.shape[1]
    M, total, n = np.zeros((k, k)), np.zeros(k), X.shape[0]
    for block in row_blocks(X):
        Z = (block - mean) @ Q
        M += Z.T @ Z
        total += Z.sum(axis=0)
    z_mean = total / n
    return M - n * np.outer(z_mean, z_mean)


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


def rayleigh_ritz(decoder, n_samples, *, centred=None, scatter=None, sparse_data=None):
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
    sparse_data : tuple ``(X, mean)``, optional
        Sparse training data and its mean (used when both others are None): the projected
        scatter ``Qᵀ X_cᵀ X_c Q`` is accumulated over dense blocks of rows, so neither the
        centred data nor a d × d matrix is formed.

    Returns
    -------
    RitzBasis
    """
    d, k = decoder.shape
    if k == 0:  # no components: nothing to rotate
        empty = np.zeros(0, dtype=decoder.dtype)
        return RitzBasis(np.zeros((0, d), dtype=decoder.dtype), empty, empty,
                         np.zeros((0, 0), dtype=decoder.dtype))
    Q, R = linalg.qr(decoder, mode="economic")
    if centred is not None:
        Z = centred @ Q
        Z = Z - Z.mean(axis=0)
        _, S, Bt = linalg.svd(Z, full_matrices=False)
        B = Bt.T
    else:
        M = (Q.T @ scatter @ Q if scatter is not None
             else _projected_scatter(*sparse_data, Q))
        evals, B = linalg.eigh((M + M.T) / 2)
        order = np.argsort(evals)[::-1]
        evals, B = evals[order], B[:, order]
        S = np.sqrt(np.clip(evals, 0, None))
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
    if components.shape[0] == 0:  # no components: isotropic noise only
        return np.eye(n_features) / noise_variance
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


# ------------------------------------------------------------------ choosing k
def select_n_components(rule, explained_variance, total_variance, n_samples):
    """PCA's number of components for ``rule`` given the spectrum ``explained_variance``
    (decreasing, all ``min(n_samples, n_features)`` of them).

    A fraction in (0, 1): the smallest k whose cumulative explained-variance ratio is
    strictly above it (as :class:`sklearn.decomposition.PCA`); 'mle': Minka's choice
    (:func:`minka_dimension`).
    """
    if rule == "mle":
        return minka_dimension(explained_variance, n_samples)
    cumulative = np.cumsum(explained_variance / total_variance)
    # first k whose cumulative ratio exceeds the fraction (a ratio equal to it is not enough)
    k = int(np.searchsorted(cumulative, rule, side="right")) + 1
    return min(k, explained_variance.shape[0])


def minka_dimension(spectrum, n_samples):
    """Minka's choice of the dimension of a PCA model, in [1, len(spectrum) − 1].

    The rank k maximising the Laplace approximation of the model evidence p(X | k) of
    probabilistic PCA (T. P. Minka, "Automatic choice of dimensionality for PCA", NIPS
    2000, eq. 30–31), given the eigenvalues ``spectrum`` of the sample covariance (all
    ``n_features`` of them, decreasing) and ``n_samples``. Ranks whose k-th eigenvalue
    is below 1e-15 are not considered.
    """
    d = spectrum.shape[0]
    evidence = np.full(d, -np.inf)
    for k in range(1, d):
        evidence[k] = _minka_log_evidence(np.asarray(spectrum, dtype=np.float64), k,
                                          n_samples)
    return int(np.argmax(evidence))


def _minka_log_evidence(lam, k, n):
    """log p(X | k) of Minka (2000), up to a constant in k: the uniform prior on the
    Stiefel manifold, the likelihood at the ML estimates (eigenvalues λ₁…λ_k kept, the
    rest replaced by their mean v), the Laplace term of the m + k free parameters and the
    determinant |A_Z| of the Hessian over the rotations."""
    d, eps = lam.shape[0], 1e-15
    if lam[k - 1] < eps:  # a null direction kept: the evidence is not defined
        return -np.inf
    i = np.arange(1, k + 1)
    log_prior = -k * np.log(2.0) + np.sum(gammaln((d - i + 1) / 2.0)
                                          - (d - i + 1) / 2.0 * np.log(np.pi))
    v = max(eps, float(lam[k:].sum()) / (d - k))
    log_likelihood = -n / 2.0 * np.sum(np.log(lam[:k])) - n * (d - k) / 2.0 * np.log(v)
    m = d * k - k * (k + 1) / 2.0
    log_laplace = (m + k) / 2.0 * np.log(2.0 * np.pi)
    kept = np.r_[lam[:k], np.full(d - k, v)]  # the ML estimates λ̂
    rows, cols = np.triu_indices(k, 1, d)  # pairs i < j, i among the kept
    with np.errstate(divide="ignore", invalid="ignore"):
        log_det_A = np.sum(np.log((lam[rows] - lam[cols]) * (1 / kept[cols] - 1 / kept[rows]))
                           + np.log(n))
    return log_prior + log_likelihood + log_laplace - log_det_A / 2.0 - k * np.log(n) / 2.0


# ------------------------------------------------------------------ running statistics
def _batch_moments(X, scatter):
    """Mean, per-feature sum of squared deviations and (when ``scatter``) the scatter
    matrix of one batch, by chunks of rows (no centred copy of all of X, dense or
    sparse)."""
    if sparse.issparse(X):
        mean = (np.asarray(X.sum(axis=0), dtype=np.float64).ravel()
                / X.shape[0]).astype(X.dtype)
    else:
        mean = X.mean(axis=0)
    m2 = np.zeros_like(mean)
    S = np.zeros((X.shape[1],) * 2, dtype=X.dtype) if scatter else None
    for block in row_blocks(X):
        dev = block - mean
        m2 += np.einsum("ij,ij->j", dev, dev)
        if scatter:
            S += dev.T @ dev
    return mean, m2, S


def _column_extremes(X):
    """Per-feature minimum and maximum (implicit zeros counted for sparse X)."""
    low, high = X.min(axis=0), X.max(axis=0)
    if sparse.issparse(low):
        low, high = low.toarray().ravel(), high.toarray().ravel()
    return low, high


class RunningStatistics:
    """Statistics of the data seen so far, started from the batch ``X``.

    Attributes
    ----------
    n_samples : int
    mean : ndarray of shape (n_features,)
    m2 : ndarray of shape (n_features,)
        Per-feature sum of squared deviations from the mean.
    scatter : ndarray of shape (n_features, n_features) or None
        ``X_cᵀ X_c`` over the data, kept only when asked for.
    data_min, data_max : ndarray of shape (n_features,)
    """

    def __init__(self, X, scatter=False):
        self.n_samples = X.shape[0]
        self.mean, self.m2, self.scatter = _batch_moments(X, scatter)
        self.data_min, self.data_max = _column_extremes(X)

    def update(self, X, scatter=False):
        """Merge the batch ``X`` (and its scatter matrix when ``scatter``; ``self.scatter``
        must then be set)."""
        mean_b, m2_b, S_b = _batch_moments(X, scatter)
        n_a, n_b = self.n_samples, X.shape[0]
        n = n_a + n_b
        delta = mean_b - self.mean
        self.mean = (self.mean + delta * (n_b / n)).astype(X.dtype)
        self.m2 = self.m2 + m2_b + delta**2 * (n_a * n_b / n)
        if scatter:
            self.scatter = self.scatter + S_b + np.outer(delta, delta) * (n_a * n_b / n)
        self.n_samples = n
        low, high = _column_extremes(X)
        self.data_min = np.minimum(self.data_min, low)
        self.data_max = np.maximum(self.data_max, high)

    def total_variance(self):
        """Sum of the per-feature variances (ddof=1)."""
        return float(self.m2.sum() / max(self.n_samples - 1, 1))


# ------------------------------------------------------------------ the estimator's side
def _pca_attribute(name, doc):
    def getter(self):
        pca = self.__dict__.get("_pca")
        if pca is None:
            if "mean_" not in self.__dict__:
                raise NotFittedError(f"This {type(self).__name__} instance is not fitted "
                                     "yet; call 'fit' first.")
            raise AttributeError(
                f"{name} is defined for linear autoencoders only (activation='identity', "
                "out_activation='identity'), whose subspace is PCA's. A non-linear "
                "autoencoder has no principal components; use transform / "
                "inverse_transform / score_samples.")
        return pca[name]
    return property(getter, doc=doc)


class PCAAttributesMixin:
    """PCA's fitted attributes and methods for an estimator whose learned subspace is PCA's.

    The estimator sets ``_pca`` (a dict of the attributes, or None for a non-linear model)
    with :meth:`_set_pca_attributes`, and has ``mean_``, ``n_features_in_`` and ``whiten``.
    For a linear network, :meth:`_principal_codes` and :meth:`_principal_reconstruction`
    are its encoder and decoder expressed in the principal basis.
    """

    components_ = _pca_attribute(
        "components_", "ndarray of shape (n_components, n_features): principal axes of the "
        "learned subspace (linear models).")
    explained_variance_ = _pca_attribute(
        "explained_variance_", "ndarray of shape (n_components,) (linear models).")
    explained_variance_ratio_ = _pca_attribute(
        "explained_variance_ratio_", "ndarray of shape (n_components,) (linear models).")
    singular_values_ = _pca_attribute(
        "singular_values_", "ndarray of shape (n_components,) (linear models).")
    noise_variance_ = _pca_attribute("noise_variance_", "float (linear models).")

    def _set_pca_attributes(self, encoder, decoder, stats, X=None):
        """The Rayleigh–Ritz step on the learned subspace, with the training data ``X``
        (dense or sparse), or the running scatter matrix of ``stats`` when None.

        ``encoder`` and ``decoder`` are the network's affine maps ``(A, a)``, ``x ↦ x A +
        a``, of shapes (d, k), (k,) and (k, d), (d,). Sets ``_pca`` and the maps
        :meth:`_principal_codes` and :meth:`_principal_reconstruction` use; returns the
        :class:`RitzBasis`."""
        (A_enc, a_enc), (A_dec, a_dec) = encoder, decoder
        n, (k, d) = stats.n_samples, A_dec.shape
        scatter, centred, sparse_data = stats.scatter, None, None
        if X is not None and sparse.issparse(X):
            scatter, sparse_data = None, (X, self.mean_)
        elif X is not None:
            centred = X - self.mean_
        elif scatter is None:
            scatter = np.zeros((d, d), dtype=self.mean_.dtype)
        ritz = rayleigh_ritz(A_dec.T, n, centred=centred, scatter=scatter,
                             sparse_data=sparse_data)
        total_var = stats.total_variance()
        ev = ritz.explained_variance
        rank = min(n, d)
        noise_var = (total_var - float(ev.sum())) / (rank - k) if k < rank else 0.0
        dtype = self.mean_.dtype
        self._pca = {
            "components_": ritz.components,
            "explained_variance_": ev,
            "explained_variance_ratio_": (ev / total_var if total_var > 0
                                          else np.zeros_like(ev)),
            "singular_values_": ritz.singular_values,
            "noise_variance_": dtype.type(max(noise_var, 0.0)),
        }
        self._encode_map = (A_enc @ ritz.code_map).astype(dtype)
        self._offset = (a_enc @ A_dec + a_dec).astype(dtype)
        return ritz

    def _principal_codes(self, centred):
        """The network's codes of centred data in the principal basis (whitened when
        ``whiten``)."""
        Z = centred @ self._encode_map
        if self.whiten:
            Z /= np.sqrt(self._pca["explained_variance_"])
        return Z

    def _principal_reconstruction(self, Z):
        """The network's reconstruction (mean added back) of principal-basis codes."""
        components = self._pca["components_"]
        if self.whiten:
            components = np.sqrt(self._pca["explained_variance_"])[:, None] * components
        return Z @ components + self._offset + self.mean_

    def _model_scatter(self, n_samples):
        """Scatter matrix of ``n_samples`` under the fitted probabilistic PCA model,
        ``(n − 1) · get_covariance()``: exact inside the learned subspace, isotropic
        outside (zero for a non-linear model). Seeds ``partial_fit``'s running scatter
        after ``fit``, which keeps no d × d matrix."""
        pca = self.__dict__.get("_pca")
        if pca is None:
            d = self.n_features_in_
            return np.zeros((d, d), dtype=self.mean_.dtype)
        cov = pca_covariance(pca["components_"], pca["explained_variance_"],
                             pca["noise_variance_"], whiten=False)
        return (max(n_samples - 1, 0) * cov).astype(self.mean_.dtype)

    def get_covariance(self):
        """PCA's generative-model covariance (linear models).

        Returns
        -------
        cov : ndarray of shape (n_features, n_features)
        """
        return pca_covariance(self.components_, self.explained_variance_,
                              self.noise_variance_, self.whiten)

    def get_precision(self):
        """Inverse of :meth:`get_covariance` (linear models).

        Returns
        -------
        precision : ndarray of shape (n_features, n_features)
        """
        return pca_precision(self.components_, self.explained_variance_,
                             self.noise_variance_, self.whiten)
