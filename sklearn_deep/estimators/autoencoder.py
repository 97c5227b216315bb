"""Autoencoders as scikit-learn transformers: vanilla, denoising, contractive and sparse.

``AutoencoderTransformer`` encodes centred data with a fully connected encoder
``X → hidden layers → n_components`` and reconstructs it with a mirrored decoder. This
module holds the estimator's parameters, their validation and resolution, and the
scikit-learn API; the network and its objective are :class:`sklearn_deep.nn.Autoencoder`
(penalties in :mod:`sklearn_deep.nn.penalties`), trained by the shared training loop. With
its default linear form it is a drop-in for :class:`sklearn.decomposition.PCA`: a linear
autoencoder on centred data finds PCA's subspace (Baldi & Hornik, 1989), and the
Rayleigh–Ritz step (``_pca_compat``) turns the learned subspace into PCA's fitted
attributes.
"""

import copy
from functools import partial
from numbers import Integral, Real

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_array
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from .._compat import (
    Interval,
    RealNotInt,
    StrOptions,
    _check_feature_names_in,
    _fit_context,
    validate_data,
)
from ..engine import get_activation
from ..nn import layer_activations
from ..nn.autoencoder import Autoencoder, Corruption
from ..nn.penalties import (
    contractive_penalty,
    kl_sparsity_penalty,
    l1_activity_penalty,
    sampled_contractive_penalty,
)
from ..training import MinibatchProblem
from ._base import STOCHASTIC_SOLVERS, TrainedByLoopMixin
from ._pca_compat import (
    PCAAttributesMixin,
    RunningStatistics,
    apply_by_rows,
    pca_score_samples,
    row_blocks,
    select_n_components,
)

# the penalties keep their historical import path here
__all__ = [
    "AutoencoderTransformer", "contractive_penalty", "kl_sparsity_penalty",
    "l1_activity_penalty", "sampled_contractive_penalty",
]


class _Reconstruction:
    """The network's objective on raw rows, as :class:`~sklearn_deep.training.
    MinibatchProblem` trains it: each batch is centred as it comes (so that training keeps
    no centred copy of the data: memory bounded by the batch) and corrupted when
    denoising. A sparse batch (all of a sparse X for L-BFGS) is evaluated by dense blocks
    of rows (:func:`~._pca_compat.row_blocks`), the losses and gradients summed with the
    blocks' weights: its full-batch objective, without a dense copy of X."""

    def __init__(self, network, params, mean, corruption=None):
        self.network, self.params, self.mean = network, params, mean
        self.corruption = corruption

    def inputs_and_targets(self, X):
        """A batch's centred inputs and its reconstruction targets (the centred data, or
        the raw data in [0, 1] for the logistic output)."""
        centred = X - self.mean
        return centred, (X if self.network.out_activation == "logistic" else centred)

    def loss_and_grads(self, X, rng=None, l2_rows=None):
        if sparse.issparse(X):
            return self._by_blocks(X, rng)
        X, T = self.inputs_and_targets(X)
        if self.corruption is not None:
            X = self.corruption(X, rng)
        return self.network.loss_and_grads(self.params, X, T, rng, l2_rows)

    def _by_blocks(self, X, rng):
        """A sparse batch's mean loss and gradients from its dense blocks of rows (the L2
        term divided by the whole batch's rows, so that the sum is the batch's
        objective)."""
        n, total, grads = X.shape[0], 0.0, None
        for block in row_blocks(X):
            loss, m, g = self.loss_and_grads(block, rng, l2_rows=n)
            total += loss * m
            grads = ([gi * m for gi in g] if grads is None
                     else [a + gi * m for a, gi in zip(grads, g)])
        return total / n, n, [g / n for g in grads]

    def validation(self, X):
        """(score, loss) on held-out rows: minus and plus the reconstruction error (by
        blocks of rows for sparse X)."""
        def error(rows):
            return self.network.reconstruction_error(self.params,
                                                     *self.inputs_and_targets(rows))
        if sparse.issparse(X):
            loss = sum(error(b) * b.shape[0] for b in row_blocks(X)) / X.shape[0]
        else:
            loss = error(X)
        return -loss, loss


class AutoencoderTransformer(PCAAttributesMixin, TrainedByLoopMixin, TransformerMixin,
                             BaseEstimator):
    """Autoencoder transformer: vanilla, denoising, contractive or sparse; a PCA drop-in.

    The data are centred inside the estimator (``mean_``). The encoder maps the centred
    data through ``hidden_layer_sizes`` to ``n_components`` units, applying
    ``activation`` after every encoder layer (the code layer included); the decoder
    mirrors the encoder's hidden layers and ends with ``out_activation``.
    ``transform`` returns the codes, ``inverse_transform`` the reconstruction.

    **The linear autoencoder is PCA.** With ``activation='identity'`` and
    ``out_activation='identity'`` (the defaults) the network is linear and, trained on
    centred data, spans PCA's subspace. PCA's fitted attributes (``components_``,
    ``explained_variance_``, …) are then obtained by the Rayleigh–Ritz step on the learned
    decoder subspace (QR of the decoder, SVD of the data projected on it, signs fixed as
    PCA fixes them), so they carry exact PCA semantics; ``transform`` returns the
    network's codes expressed in that principal basis (an invertible k × k map of the
    encoder's output) and ``inverse_transform`` is the network's decoder, so
    ``inverse_transform(transform(X))`` is the network's reconstruction. For
    non-linear models these attributes are absent (AttributeError) and ``transform``
    returns the encoder's output.

    **Sparse input** (CSR or CSC) is centred implicitly, as PCA's ARPACK and
    covariance solvers do: every computation over the data (training batches, L-BFGS's
    full-batch objective, the statistics, the Rayleigh–Ritz step, ``transform``,
    ``score_samples``) works on dense blocks of rows, so memory is bounded by a block
    (1 MiB of entries), never by a dense copy of X. Results equal those on the dense X
    up to rounding. For L-BFGS on sparse X, ``variant='sparse'`` with ``sparsity='kl'``
    (a function of the whole batch's mean activation) is refused.

    Parameters
    ----------
    n_components : int, float, 'mle' or None, default=2
        Units of the code layer, in any form :class:`~sklearn.decomposition.PCA` takes:

        - an int: at most ``n_features`` (and, for a linear model, ``n_samples``);
        - None: ``min(n_samples, n_features)``, or one less where PCA would use ARPACK
          (``svd_solver='arpack'``, or 'auto' on sparse input), as PCA resolves it;
        - 0 (linear models): no code. Nothing is trained; ``transform`` returns
          ``(n_samples, 0)``, ``inverse_transform`` the mean, and the model is PCA's
          isotropic Gaussian (``noise_variance_`` the mean variance), for choosing k by
          likelihood over k = 0, 1, …;
        - a float in (0, 1), or 'mle' (linear models; 'mle' needs ``n_samples >=
          n_features``): k is chosen as PCA chooses it — the smallest k whose cumulative
          ``explained_variance_ratio_`` is strictly above the fraction, or Minka's
          maximum of the PCA model evidence (Minka, 2000) — from the spectrum *of the
          model*: the network is trained at full width ``min(n_samples, n_features)``,
          the Rayleigh–Ritz step gives the spectrum of its learned subspace, k is chosen
          from it, and the code layer is recoded onto the k leading Ritz directions
          (which span the best k-dimensional subspace within the learned one). No PCA is
          called. Cost: when ``n_samples >= n_features`` (and the model is the tied,
          vanilla, L-BFGS default) the full-width code spans the whole space from its
          full-rank start, so the subspace is already optimal and no epoch is run: the
          cost is the Rayleigh–Ritz step, O(n_samples · n_features²) (digits: under a
          second, as for ``n_components=None``). Otherwise it is one fit at full width,
          O(n · d · min(n, d)) per L-BFGS evaluation (a k-wide fit costs O(n · d · k)),
          which can take much longer than a k-wide one and may stop at ``max_iter`` with
          a ConvergenceWarning. ``partial_fit`` and ``warm_start`` refits, which
          continue a network of fixed width, refuse these forms.
    hidden_layer_sizes : array-like of int, default=()
        Units of the encoder's hidden layers, input side first; the decoder mirrors them.
        ``()`` is a single-layer encoder.
    activation : str or list of str, default='identity'
        Encoder activation, any name of the engine's registry ('identity', 'logistic',
        'tanh', 'relu', 'leaky_relu', 'elu', 'softplus', 'maxout'), or one name per
        encoder layer (``len(hidden_layer_sizes) + 1`` names, the code layer last); the
        decoder's hidden layers mirror them. 'identity' everywhere is the linear (PCA)
        autoencoder.
    out_activation : {'identity', 'logistic'}, default='identity'
        'identity' reconstructs the data with the squared error (½·mean, the engine's
        convention); 'logistic' reconstructs data in [0, 1] with the binary
        cross-entropy (summed over features), against the uncentred data.
    variant : {'vanilla', 'denoising', 'contractive', 'sparse'}, default='vanilla'
        - 'denoising' (Vincent et al., 2008): each training input is corrupted by
          ``noise`` and the clean input is reconstructed; transform never corrupts.
        - 'contractive' (Rifai et al., 2011): adds ``contractive_weight ·
          mean_i ‖J_f(x_i)‖²_F``, the encoder's Jacobian in closed form for a one-layer
          (or linear) encoder, else the finite-difference estimator with perturbations
          of standard deviation ``noise_level``.
        - 'sparse': adds ``sparsity_weight`` times the KL divergence of the mean code
          activations from ``sparsity_target`` (Ng), or the L1 activity penalty.
    noise : {'gaussian', 'masking', 'salt_and_pepper'}, default='gaussian'
        Corruption of 'denoising': additive N(0, noise_level²); each entry set to 0 with
        probability noise_level (no rescaling); or each entry, with probability
        noise_level, set to its feature's training minimum or maximum by a fair coin.
        Masking and salt-and-pepper act on the data in their own (uncentred) units.
    noise_level : float, default=0.1
        Standard deviation (gaussian; also the finite-difference step of 'contractive'
        for deep encoders) or corruption probability in [0, 1].
    contractive_weight : float, default=0.1
        λ of the contractive penalty.
    sparsity : {'kl', 'l1'}, default='kl'
        'kl' needs a code activation with outputs in (0, 1) ('logistic'); the mean
        activation of each code unit is taken over the minibatch.
    sparsity_target : float, default=0.05
        ρ, the target mean activation for 'kl'.
    sparsity_weight : float, default=0.1
        β (for 'kl') or λ (for 'l1': ``λ · mean_i Σ_j |h_ij|``). The reconstruction loss
        is a mean over features, so Ng's β = 3 (with a sum over features) corresponds to
        about ``3 / n_features``; on standardised digits β = 3 brings the mean
        activations to ρ within 0.01 (see the tests).
    tied_weights : bool or 'auto', default='auto'
        Decoder weights are the transposes of the encoder's. 'auto' ties them for
        'contractive' and 'sparse' — the guard against the rescaling cheat, in which an
        untied model shrinks the encoder (and its penalty) and grows the decoder to
        compensate (Rifai et al. tie weights for this reason) — and for linear models,
        where the tied optimum is an orthonormal basis of PCA's subspace and L-BFGS
        converges about three times faster; untied otherwise. Not available with maxout.
    whiten : bool, default=False
        Linear models only: divide the codes by ``sqrt(explained_variance_)`` (as PCA).
    score_method : {'reconstruction', 'likelihood'}, default='reconstruction'
        What ``score_samples`` returns: minus the per-sample mean squared reconstruction
        error, or (linear models only) PCA's probabilistic log-likelihood.
    alpha : float, default=1e-4
        L2 penalty: the loss gains ``0.5 · alpha · Σ‖W‖² / batch size`` (each tied matrix
        counted once), as in the MLP estimators.
    solver : {'auto', 'adam', 'sgd', 'lbfgs', 'rmsprop', 'momentum'}, default='auto'
        As in :class:`~sklearn_deep.MLPRegressorScratch`, plus 'auto': 'lbfgs' for a
        linear network with a deterministic objective ('vanilla' or 'contractive') and no
        early stopping — full-batch L-BFGS reaches PCA's subspace to a few hundredths of
        a degree where minibatch Adam at its default rate stalls at 1–3° — and 'adam'
        otherwise (and always in ``partial_fit``).
    batch_size : int or 'auto', default='auto'
        ``min(200, n_samples)`` for 'auto'.
    learning_rate : {'constant', 'invscaling', 'adaptive'}, default='constant'
    learning_rate_init : float, default=1e-3
    power_t : float, default=0.5
    max_iter : int, default=200
        Epochs at most (L-BFGS iterations for 'lbfgs').
    shuffle : bool, default=True
    random_state : int, RandomState instance or None, default=None
        Initialisation, shuffling, validation split and every corruption draw.
    tol : float, default=1e-4
        As in the MLP estimators, except with L-BFGS, where it is relative to the largest
        initial gradient entry, so that the fit stops at the same point whatever the
        scale of the data.
    verbose : bool, default=False
    warm_start : bool, default=False
    momentum : float, default=0.9
    nesterovs_momentum : bool, default=True
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data, stop when its (clean) reconstruction
        loss stalls, restore the best weights.
    validation_fraction : float, default=0.1
    beta_1, beta_2, epsilon : float, default=0.9, 0.999, 1e-8
    n_iter_no_change : int, default=10
    max_fun : int, default=15000
    rho : float, default=0.9
        All as in the MLP estimators.
    copy : bool, default=True
        PCA's; accepted for compatibility. X is never written to, so nothing changes.
    svd_solver : {'auto', 'full', 'covariance_eigh', 'arpack', 'randomized'}, \
            default='auto'
        PCA's; accepted for compatibility and ignored (the subspace is trained, not
        computed by an SVD), except that ``n_components=None`` resolves as PCA resolves it
        for this solver.
    iterated_power : int or 'auto', default='auto'
    n_oversamples : int, default=10
    power_iteration_normalizer : {'auto', 'QR', 'LU', 'none'}, default='auto'
        PCA's randomized-solver parameters; accepted for compatibility and ignored.

    Attributes
    ----------
    mean_ : ndarray of shape (n_features,)
        Per-feature mean (running mean over ``partial_fit`` calls).
    n_components_ : int
        The code width: ``n_components`` resolved (None, a fraction, 'mle').
    n_samples_ : int
        Samples the statistics were computed on (all samples seen by ``partial_fit``).
    components_ : ndarray of shape (n_components, n_features)
        Linear models: principal axes of the learned subspace (PCA's, sign-fixed alike).
    explained_variance_ : ndarray of shape (n_components,)
        Linear models: variance of the data along each component (ddof=1).
    explained_variance_ratio_ : ndarray of shape (n_components,)
    singular_values_ : ndarray of shape (n_components,)
    noise_variance_ : float
        Linear models: ``(total variance − Σ explained_variance_) / (min(n, d) − k)``
        (0 when k = min(n, d)); with k = 0, the mean variance.
    encoder_coefs_, encoder_intercepts_ : list of ndarray
        Encoder weights ``(fan_in, fan_out)`` and biases, input side first (live arrays).
    decoder_coefs_, decoder_intercepts_ : list of ndarray
        Decoder weights and biases, code side first (transposed views of the encoder's
        weights when tied).
    tied_weights_ : bool
    solver_ : str
        The solver used by the last ``fit`` ('auto' resolved).
    loss_, best_loss_, loss_curve_, validation_scores_, validation_loss_curve_,
    best_validation_score_, n_iter_, t_
        As in the MLP estimators; the loss includes the penalties.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.decomposition import PCA
    >>> from sklearn_deep import AutoencoderTransformer
    >>> X = load_digits().data
    >>> ae = AutoencoderTransformer(n_components=10, random_state=0).fit(X)
    >>> pca = PCA(n_components=10).fit(X)
    >>> bool(abs(ae.components_ - pca.components_).max() < 1e-2)
    True
    """

    _parameter_constraints = {
        **TrainedByLoopMixin._parameter_constraints,
        "solver": [StrOptions({"auto", "lbfgs", *STOCHASTIC_SOLVERS})],
        "n_components": [Interval(Integral, 0, None, closed="left"),
                         Interval(RealNotInt, 0, 1, closed="neither"), StrOptions({"mle"}),
                         None],
        "out_activation": [StrOptions({"identity", "logistic"})],
        "variant": [StrOptions({"vanilla", "denoising", "contractive", "sparse"})],
        "noise": [StrOptions({"gaussian", "masking", "salt_and_pepper"})],
        "noise_level": [Interval(Real, 0, None, closed="left")],
        "contractive_weight": [Interval(Real, 0, None, closed="left")],
        "sparsity": [StrOptions({"kl", "l1"})],
        "sparsity_target": [Interval(Real, 0, 1, closed="neither")],
        "sparsity_weight": [Interval(Real, 0, None, closed="left")],
        "tied_weights": ["boolean", StrOptions({"auto"})],
        "whiten": ["boolean"],
        "score_method": [StrOptions({"reconstruction", "likelihood"})],
        # PCA's solver parameters, accepted so that code written for PCA runs unchanged
        "copy": ["boolean"],
        "svd_solver": [StrOptions({"auto", "full", "covariance_eigh", "arpack",
                                   "randomized"})],
        "iterated_power": [StrOptions({"auto"}), Interval(Integral, 0, None, closed="left")],
        "n_oversamples": [Interval(Integral, 1, None, closed="left")],
        "power_iteration_normalizer": [StrOptions({"auto", "QR", "LU", "none"})],
    }

    def __init__(self, n_components=2, *, hidden_layer_sizes=(), activation="identity",
                 out_activation="identity", variant="vanilla", noise="gaussian",
                 noise_level=0.1, contractive_weight=0.1, sparsity="kl",
                 sparsity_target=0.05, sparsity_weight=0.1, tied_weights="auto",
                 whiten=False, score_method="reconstruction", alpha=1e-4, solver="auto",
                 batch_size="auto", learning_rate="constant", learning_rate_init=1e-3,
                 power_t=0.5, max_iter=200, shuffle=True, random_state=None, tol=1e-4,
                 verbose=False, warm_start=False, momentum=0.9, nesterovs_momentum=True,
                 early_stopping=False, validation_fraction=0.1, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-8, n_iter_no_change=10, max_fun=15000, rho=0.9, copy=True,
                 svd_solver="auto", iterated_power="auto", n_oversamples=10,
                 power_iteration_normalizer="auto"):
        self.n_components = n_components
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.out_activation = out_activation
        self.variant = variant
        self.noise = noise
        self.noise_level = noise_level
        self.contractive_weight = contractive_weight
        self.sparsity = sparsity
        self.sparsity_target = sparsity_target
        self.sparsity_weight = sparsity_weight
        self.tied_weights = tied_weights
        self.whiten = whiten
        self.score_method = score_method
        self.alpha = alpha
        self.solver = solver
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.rho = rho
        self.copy = copy
        self.svd_solver = svd_solver
        self.iterated_power = iterated_power
        self.n_oversamples = n_oversamples
        self.power_iteration_normalizer = power_iteration_normalizer

    # ------------------------------------------------------------------ configuration
    def _configure(self, n_features, width):
        """Resolve the architecture and options for a code of ``width`` units; raise
        ValueError on inconsistencies.

        Returns a dict (kept as ``self._config`` once the network is built).
        """
        hidden = self._hidden_sizes()
        enc_acts = layer_activations(self.activation, len(hidden) + 1, kind="encoder")
        specs = [get_activation(a) for a in enc_acts]
        linear = all(a == "identity" for a in enc_acts) and self.out_activation == "identity"
        widths_one = all(s.width_factor == 1 for s in specs)
        if self.tied_weights == "auto":
            tied = widths_one and (linear or self.variant in ("contractive", "sparse"))
        else:
            tied = bool(self.tied_weights)
            if tied and not widths_one:
                raise ValueError("tied_weights=True needs activations with one "
                                 "pre-activation per unit; maxout has several. Use "
                                 "tied_weights=False.")
        if width > n_features:
            raise ValueError(f"n_components={width} must be <= "
                             f"n_features={n_features}, as for PCA.")
        if not linear and (width == 0 or self._selects_width()):
            raise ValueError(
                f"n_components={self.n_components!r} is for the linear (PCA) model only: "
                "a fraction or 'mle' chooses k from the principal spectrum, and a code of "
                "width 0 is PCA's isotropic-noise model; a non-linear autoencoder has "
                "neither. Give an integer n_components >= 1.")
        variant = self.variant
        if variant == "sparse" and self.sparsity == "kl":
            low, high = specs[-1].output_range
            if low < 0 or high > 1:
                raise ValueError(
                    f"sparsity='kl' compares mean code activations with a target in (0, 1), "
                    f"so the code activation's outputs must lie in (0, 1); "
                    f"activation={enc_acts[-1]!r} has range ({low}, {high}). Use "
                    "activation='logistic', or sparsity='l1'.")
        if (variant == "denoising" and self.noise in ("masking", "salt_and_pepper")
                and self.noise_level > 1):
            raise ValueError(f"noise={self.noise!r} takes noise_level as a probability in "
                             f"[0, 1], got {self.noise_level}.")
        network = self._network(n_features, width, hidden, enc_acts, tied)
        closed_form = network.contractive_closed_form
        if variant == "contractive" and not closed_form and self.noise_level <= 0:
            raise ValueError("the finite-difference contractive penalty of a deep encoder "
                             "needs noise_level > 0 (its perturbation's std).")
        stochastic_objective = (variant == "denoising" and self.noise_level > 0) or (
            variant == "contractive" and not closed_form)
        solver = self.solver
        if solver == "auto":
            solver = ("lbfgs" if linear and variant in ("vanilla", "contractive")
                      and not self.early_stopping else "adam")
        if solver == "lbfgs" and stochastic_objective:
            raise ValueError(
                f"solver='lbfgs' minimises a deterministic full-batch loss, but the "
                f"{variant} objective draws new noise at every step; use a stochastic "
                "solver ('adam', 'sgd', 'rmsprop', 'momentum').")
        if self.whiten and not linear:
            raise ValueError("whiten=True divides codes by sqrt(explained_variance_), which "
                             "exists for linear autoencoders only; put a StandardScaler "
                             "after a non-linear one.")
        if self.score_method == "likelihood" and not linear:
            raise ValueError("score_method='likelihood' is PCA's probabilistic model, "
                             "defined for linear autoencoders only.")
        return {"hidden": hidden, "enc_acts": enc_acts, "linear": linear, "tied": tied,
                "solver": solver, "network": network}


    def _network(self, n_features, width, hidden, enc_acts, tied):
        """The :class:`~sklearn_deep.nn.Autoencoder` of this architecture with the
        objective the parameters ask for (the variant's penalty only)."""
        variant = self.variant
        return Autoencoder(
            n_features, width, hidden, enc_acts,
            out_activation=self.out_activation, tied=tied, alpha=self.alpha,
            contractive_weight=self.contractive_weight if variant == "contractive" else 0.0,
            contractive_sigma=self.noise_level,
            sparsity=self.sparsity if variant == "sparse" else None,
            sparsity_target=self.sparsity_target, sparsity_weight=self.sparsity_weight)

    def _corruption(self):
        """The denoising corruption, in centred units (None when there is none)."""
        if self.variant != "denoising" or self.noise_level <= 0:
            return None
        s = self._stats
        return Corruption(self.noise, self.noise_level, zero=-s.mean,
                          low=s.data_min - s.mean, high=s.data_max - s.mean)

    encoder_coefs_ = property(lambda self: self._unpack()[0])
    encoder_intercepts_ = property(lambda self: self._unpack()[1])
    decoder_coefs_ = property(lambda self: self._unpack()[2])
    decoder_intercepts_ = property(lambda self: self._unpack()[3])

    def _unpack(self):
        return self._config["network"].unpack(self._params)

    # ------------------------------------------------------------------ fitting
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, *, X_val=None):
        """Fit the autoencoder to X.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : None
            Ignored.
        X_val : {array-like, sparse matrix} of shape (n_val, n_features), default=None
            A validation set for early stopping (its reconstruction error), replacing the
            internal split of ``validation_fraction``; needs ``early_stopping=True`` and a
            minibatch solver. In a ``Pipeline``, ``transform_input=["X_val"]``
            transforms it as X.

        Returns
        -------
        self : AutoencoderTransformer
        """
        given = self._check_validation_set(X_val, None, supervised=False)
        return self._fit(X, incremental=False, X_val=X_val if given else None)

    @available_if(lambda est: est._check_solver())
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """One epoch over X, continuing from the current weights and optimizer state.

        The centring statistics are running ones over every batch seen; PCA's attributes
        (linear models) come from a running scatter matrix. ``solver='auto'`` trains with
        'adam' here.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : None
            Ignored.

        Returns
        -------
        self : AutoencoderTransformer
        """
        return self._fit(X, incremental=True)

    def _selects_width(self):
        """Whether ``n_components`` is a variance fraction or 'mle' (k chosen in fit from
        the learned spectrum)."""
        n_components = self.n_components
        return isinstance(n_components, str) or (isinstance(n_components, Real)
                                                  and not isinstance(n_components, Integral))

    def _code_width(self, X, first_pass, incremental):
        """The width of the code layer trained: ``n_components``, PCA's resolution of None,
        or the full width ``min(n_samples, n_features)`` from which a fraction or 'mle'
        chooses k."""
        n_samples, n_features = X.shape
        if self._selects_width():
            if incremental or not first_pass:
                raise ValueError(
                    f"n_components={self.n_components!r} chooses k from the spectrum of a "
                    "full-width fit; partial_fit and warm_start continue a network of fixed "
                    "width. Pass the fitted n_components_ as n_components instead.")
            if self.n_components == "mle" and n_samples < n_features:
                raise ValueError("n_components='mle' is only supported if n_samples >= "
                                 "n_features, as for PCA.")
            return min(n_samples, n_features)
        if self.n_components is not None:
            return self.n_components
        if not first_pass:
            return self.n_components_
        # PCA: min(n_samples, n_features), one less where it uses ARPACK
        arpack = self.svd_solver == "arpack" or (self.svd_solver == "auto"
                                                 and sparse.issparse(X))
        return min(n_samples, n_features) - int(arpack)

    def _fit(self, X, incremental, X_val=None):
        first_pass = self._is_first_pass(incremental)
        X = self._check_data(X, reset=first_pass, ensure_min_samples=1 if incremental else 2)
        n_samples, n_features = X.shape
        width = self._code_width(X, first_pass, incremental)
        config = self._configure(n_features, width)
        self._check_incremental(incremental)
        if self.out_activation == "logistic" and (X.min() < 0 or X.max() > 1):
            raise ValueError("out_activation='logistic' reconstructs data in [0, 1] with the "
                             f"binary cross-entropy; X has values in [{X.min():g}, "
                             f"{X.max():g}]. Scale it (e.g. MinMaxScaler) or use "
                             "out_activation='identity'.")
        if not first_pass and any(config[k] != self._config[k] for k in
                                  ("hidden", "enc_acts", "tied")):
            raise ValueError("hidden_layer_sizes, activation or tied_weights changed since "
                             "the network was built; refit without warm_start to change "
                             "the architecture")
        if config["linear"] and not incremental and width > min(X.shape):
            raise ValueError(
                f"n_components={width} must be <= min(n_samples={n_samples}, "
                f"n_features={n_features}) for a linear autoencoder, as for PCA.")
        if incremental and config["solver"] == "lbfgs":
            config["solver"] = "adam"
        if (sparse.issparse(X) and config["solver"] == "lbfgs" and self.variant == "sparse"
                and self.sparsity == "kl"):
            raise ValueError("sparsity='kl' compares the mean activation of the whole batch, "
                             "which L-BFGS on sparse X (evaluated by blocks of rows) does not "
                             "form; use a minibatch solver or sparsity='l1'.")
        if X_val is not None:
            X_val = self._check_data(X_val, dtype=X.dtype, reset=False)
        rng = self._begin_fit(first_pass, incremental)
        self._update_statistics(X, reset=first_pass or not incremental,
                                scatter=config["linear"] and incremental)
        self._config = config
        if width == 0:  # PCA's isotropic model: every sample reconstructed as the mean
            self._fit_no_components(None if incremental else X, rng)
            return self
        if first_pass:
            self._params = config["network"].init_params(rng, X.dtype)
        objective = _Reconstruction(config["network"], self._params, self.mean_,
                                    self._corruption())

        def make_problem(data, validation, batch_size, shuffle):
            score = None if validation is None else partial(objective.validation,
                                                            validation[0])
            return MinibatchProblem(objective, data, batch_size=batch_size, shuffle=shuffle,
                                    validation=score)

        # A tied linear code as wide as the input spans the whole space from its full-rank
        # start: its subspace, all that the Rayleigh–Ritz step and the recoding onto the
        # leading directions use, is already the optimal one, so no epoch is needed ...
        whole_space = (first_pass and not incremental and width == n_features
                       and (self.n_components is None or self._selects_width())
                       and config["linear"] and config["tied"] and self.variant == "vanilla"
                       and config["solver"] == "lbfgs")
        if whole_space:  # ... and on centred data the optimal biases are zero
            _, enc_b, _, dec_b = config["network"].unpack(self._params)
            for bias in enc_b + dec_b:
                bias[...] = 0
            self._publish_state(lbfgs=True)
        else:
            # relative tol: the PCA drop-in must stop as close to PCA's subspace on pixels
            # in [0, 1] as on pixels in [0, 16]
            self._train(make_problem, (X,), solver=config["solver"], incremental=incremental,
                        units=[n_features, *config["hidden"], width],
                        relative_tol=True, validation=None if X_val is None else (X_val,))
        self.solver_ = config["solver"]
        self.tied_weights_ = config["tied"]
        self.n_components_ = width
        ritz = self._finish(None if incremental else X)
        if self._selects_width() or whole_space:
            self._keep_leading(ritz, X, None if self._selects_width() else width)
        return self

    def _epoch_attributes(self, X):
        fitted = copy.copy(self)
        fitted._params = copy.deepcopy(self._params)
        fitted.solver_, fitted.tied_weights_ = self._config["solver"], self._config["tied"]
        fitted.n_components_ = self._config["network"].n_components
        # the Rayleigh–Ritz step as fit (on X) or partial_fit (its running scatter) ends
        fitted._finish(X if self._stats.scatter is None else None)
        names = ("_params", "_pca", "_encode_map", "_offset", "solver_", "tied_weights_",
                 "n_components_")
        return {name: vars(fitted)[name] for name in names if name in vars(fitted)}

    def _fit_no_components(self, X, rng):
        """``n_components=0`` (linear models): no code, nothing to train. The weights are
        a one-unit network's initial ones with the unit removed, the biases zero, so that
        the decoder outputs the mean (the optimal constant reconstruction of centred
        data); PCA's attributes are empty and ``noise_variance_`` is the mean variance, as
        for PCA."""
        config, dtype = self._config, self.mean_.dtype
        one = self._network(self.n_features_in_, 1, config["hidden"], config["enc_acts"],
                            config["tied"])
        _, self._params = one.recoded(one.init_params(rng, dtype), np.zeros((1, 0), dtype),
                                      np.zeros((0, 1), dtype))
        _, enc_b, _, dec_b = config["network"].unpack(self._params)
        for bias in enc_b + dec_b:
            bias[...] = 0
        solver = config["solver"]
        self._publish_state(solver == "lbfgs")
        self.solver_, self.tied_weights_ = solver, self._config["tied"]
        self.n_components_ = 0
        self._finish(X)

    def _keep_leading(self, ritz, X, k=None):
        """``n_components`` a fraction or 'mle' (or a given ``k``): choose k by PCA's rule
        from the Rayleigh–Ritz spectrum of the full-width model just fitted, and keep the
        network's
        k leading principal directions: its code layer is recoded so that the decoder
        spans exactly the k leading Ritz vectors ``Q B_k`` (with ``V = Q R`` the decoder,
        ``T = Rᵀ B`` the code map). Tied: the encoder is the decoder, so the new code
        ``h (VᵀV)⁻¹ T_k`` makes both ``Q B_k``; untied: the code ``h T_k`` (the trained
        encoder in the principal basis) decoded through ``(T⁻¹)_k``."""
        if k is None:
            k = select_n_components(self.n_components,
                                    ritz.explained_variance.astype(np.float64),
                                    self._stats.total_variance(), self.n_samples_)
        network = self._config["network"]
        T = ritz.code_map.astype(np.float64)
        if network.tied:
            V = network.affine_maps(self._params)[1][0].T.astype(np.float64)
            encode, decode = np.linalg.solve(V.T @ V, T[:, :k]), None
        else:
            encode, decode = T[:, :k], np.linalg.inv(T)[:k]
        network, params = network.recoded(self._params, encode, decode)
        self._params = [p.astype(self.mean_.dtype, copy=False) for p in params]
        self._config["network"] = network
        self.n_components_ = k
        self._finish(X)

    def _update_statistics(self, X, reset, scatter):
        """Running statistics of the data (the scatter matrix for linear models in
        partial_fit), fresh when ``reset``."""
        stats = self.__dict__.get("_stats")
        if reset or stats is None:
            stats = self._stats = RunningStatistics(X, scatter)
        else:
            if scatter and stats.scatter is None:  # after fit, which keeps no d × d matrix
                stats.scatter = self._model_scatter(stats.n_samples)
            stats.update(X, scatter)
        self.n_samples_, self.mean_ = stats.n_samples, stats.mean

    def _finish(self, X):
        """Linear models: the Rayleigh–Ritz step (on ``X``, or the running scatter matrix
        when None) and the affine maps transform uses; returns the RitzBasis (None for a
        non-linear model)."""
        if not self._config["linear"]:
            self._pca = None
            return None
        return self._set_pca_attributes(*self._config["network"].affine_maps(self._params),
                                        self._stats, X)

    # ------------------------------------------------------------------ inference
    def _check_data(self, X, reset=False, dtype=(np.float64, np.float32), **kwargs):
        """Validated X: an ndarray, or sparse rows (CSR) centred implicitly."""
        X = validate_data(self, X, accept_sparse=("csr", "csc"), dtype=dtype, reset=reset,
                          **kwargs)
        return X.tocsr() if sparse.issparse(X) else X

    def _validate(self, X):
        check_is_fitted(self)
        return self._check_data(X)

    def _codes(self, X):
        centred = X - self.mean_
        if self._config["linear"]:
            return self._principal_codes(centred)
        return self._config["network"].codes(self._params, centred)

    def _reconstruct(self, Z):
        if self._config["linear"]:
            return self._principal_reconstruction(Z)
        network = self._config["network"]
        out = network.reconstruction(self._params, Z)
        return out if network.out_activation == "logistic" else out + self.mean_

    def transform(self, X):
        """Encode X.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        codes : ndarray of shape (n_samples, n_components)
            The encoder's output; for linear models expressed in the principal basis
            (PCA's scores when the subspace is PCA's), divided by
            ``sqrt(explained_variance_)`` with ``whiten=True``.
        """
        return apply_by_rows(self._codes, self._validate(X))

    def inverse_transform(self, X):
        """Decode codes back to the data space.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components)
            Codes, as returned by :meth:`transform`.

        Returns
        -------
        X_original : ndarray of shape (n_samples, n_features)
            The decoder's reconstruction (mean added back; probabilities in [0, 1] with
            ``out_activation='logistic'``).
        """
        check_is_fitted(self)
        dtype = self.mean_.dtype
        Z = check_array(X, dtype=(np.float64, np.float32), ensure_min_features=0)
        if Z.shape[1] != self.n_components_:
            raise ValueError(f"X has {Z.shape[1]} features (codes), but "
                             f"{type(self).__name__} decodes {self.n_components_}.")
        return self._reconstruct(Z.astype(dtype, copy=False))

    def score_samples(self, X):
        """Per-sample score: higher means more normal.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            With ``score_method='reconstruction'``, minus the mean squared reconstruction
            error over the features; with 'likelihood' (linear models), PCA's
            probabilistic log-likelihood.
        """
        X = self._validate(X)
        if self.score_method == "likelihood":
            precision = self.get_precision()
            return apply_by_rows(lambda rows: pca_score_samples(rows - self.mean_, precision),
                                 X)

        def minus_error(rows):
            diff = rows - self._reconstruct(self._codes(rows))
            return -np.mean(diff * diff, axis=1)
        return apply_by_rows(minus_error, X)

    def score(self, X, y=None):
        """Mean of :meth:`score_samples` over X.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : None
            Ignored.

        Returns
        -------
        score : float
        """
        return float(np.mean(self.score_samples(X)))

    def get_feature_names_out(self, input_features=None):
        """Output feature names: 'ae0', 'ae1', ….

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Checked against ``feature_names_in_`` when given.

        Returns
        -------
        feature_names_out : ndarray of str objects of shape (n_components_,)
        """
        check_is_fitted(self, "n_components_")
        _check_feature_names_in(self, input_features, generate_names=False)
        return np.asarray([f"ae{i}" for i in range(self.n_components_)], dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        tags.input_tags.sparse = True
        return tags


