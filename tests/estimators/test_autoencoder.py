"""AutoencoderTransformer: scikit-learn's checks, PCA as the oracle of the linear model,
closed-form oracles of the regularisers, numerical gradient checks, and behaviours."""

import pickle
import warnings

import numpy as np
import pytest
from scipy.linalg import subspace_angles
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import (
    check_global_output_transform_pandas,
    check_param_validation,
    check_set_output_transform,
    check_transformer_get_feature_names_out,
    check_transformer_get_feature_names_out_pandas,
    parametrize_with_checks,
)

from sklearn_deep.engine import check_grad
from sklearn_deep.estimators.autoencoder import AutoencoderTransformer

AE = AutoencoderTransformer


@pytest.fixture(autouse=True)
def _quiet_convergence():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


@pytest.fixture(scope="module")
def digits():
    return load_digits().data.astype(np.float64)


@pytest.fixture(scope="module")
def digits_pca(digits):
    return PCA(n_components=10).fit(digits)


def low_rank(n=2000, d=8, variances=(4.0, 2.0, 1.0), floor=0.01, seed=0):
    """Gaussian data with a known spectrum (well-separated top eigenvalues) and an offset."""
    rng = np.random.default_rng(seed)
    U, _ = np.linalg.qr(rng.standard_normal((d, d)))
    scales = np.sqrt(np.r_[variances, np.full(d - len(variances), floor)])
    return (rng.standard_normal((n, d)) * scales) @ U.T + rng.uniform(-3, 3, d)


def max_angle_deg(A, B):
    """Largest principal angle between the column spaces of A and B, in degrees."""
    return float(np.degrees(subspace_angles(A, B).max()))


def linear_maps(est):
    """(encoder matrix d×k, decoder matrix k×d) of a linear autoencoder."""
    (A_enc, _), (A_dec, _) = est._config["network"].affine_maps(est._params)
    return A_enc, A_dec


# ---------------------------------------------------------------- scikit-learn's checks
CHECKED = [
    AE(random_state=0),
    AE(activation="tanh", hidden_layer_sizes=(5,), max_iter=20, random_state=0),
    AE(variant="denoising", activation="relu", max_iter=20, random_state=0),
    AE(variant="contractive", activation="logistic", max_iter=20, random_state=0),
    AE(variant="sparse", activation="logistic", max_iter=20, random_state=0),
]


@parametrize_with_checks(CHECKED)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_param_validation():
    check_param_validation("AutoencoderTransformer", AE())


@pytest.mark.parametrize("est", [CHECKED[0], CHECKED[1]], ids=["linear", "tanh"])
def test_set_output_and_feature_names_checks(est):
    name = type(est).__name__
    check_set_output_transform(name, est)
    check_global_output_transform_pandas(name, est)
    check_transformer_get_feature_names_out(name, est)
    check_transformer_get_feature_names_out_pandas(name, est)


def test_feature_names_and_pandas_output(digits):
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(digits[:300, :10], columns=[f"px{i}" for i in range(10)])
    est = AE(n_components=3, random_state=0).set_output(transform="pandas").fit(df)
    out = est.transform(df)
    assert list(out.columns) == ["ae0", "ae1", "ae2"]
    assert list(est.get_feature_names_out()) == ["ae0", "ae1", "ae2"]
    with pytest.raises(ValueError):
        est.get_feature_names_out(["wrong"] * 10)


# ---------------------------------------------------------------- the PCA drop-in
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_linear_autoencoder_is_pca_on_digits(digits, digits_pca, seed):
    pca, X = digits_pca, digits
    ae = AE(n_components=10, random_state=seed).fit(X)
    assert ae.solver_ == "lbfgs" and ae.tied_weights_  # the documented 'auto' choices
    assert max_angle_deg(ae.components_.T, pca.components_.T) < 1.0
    assert max_angle_deg(linear_maps(ae)[1].T, pca.components_.T) < 1.0  # raw decoder
    recon_pca = pca.inverse_transform(pca.transform(X))
    recon_ae = ae.inverse_transform(ae.transform(X))
    mse_pca = np.mean((X - recon_pca) ** 2)
    assert np.mean((X - recon_ae) ** 2) <= 1.001 * mse_pca
    np.testing.assert_allclose(ae.components_, pca.components_, atol=1e-2)  # signs too
    np.testing.assert_allclose(ae.explained_variance_, pca.explained_variance_, rtol=1e-3)
    np.testing.assert_allclose(ae.explained_variance_ratio_, pca.explained_variance_ratio_,
                               rtol=1e-3)
    np.testing.assert_allclose(ae.singular_values_, pca.singular_values_, rtol=1e-3)
    assert ae.noise_variance_ == pytest.approx(pca.noise_variance_, rel=1e-3)
    np.testing.assert_allclose(ae.mean_, pca.mean_, rtol=1e-12)
    assert ae.n_components_ == pca.n_components_ and ae.n_samples_ == pca.n_samples_
    # the codes are PCA's scores and the reconstruction PCA's (pixel range 0–16)
    np.testing.assert_allclose(ae.transform(X), pca.transform(X), atol=0.1)
    np.testing.assert_allclose(recon_ae, recon_pca, atol=0.05)


@pytest.mark.parametrize("scale", ["pixels/16", "standardised", "pixels*1000"])
def test_linear_autoencoder_finds_pca_whatever_the_data_scale(digits, scale):
    # L-BFGS's tolerance is relative to the initial gradient: with an absolute one the
    # default fit stopped 9° (pixels/16) and 3° (standardised) away from PCA's subspace
    X = {"pixels/16": digits / 16, "pixels*1000": digits * 1000,
         "standardised": (digits - digits.mean(0)) / np.maximum(digits.std(0), 1e-12)}[scale]
    pca = PCA(n_components=10).fit(X)
    ae = AE(n_components=10, random_state=0).fit(X)
    assert max_angle_deg(ae.components_.T, pca.components_.T) < 1.0
    np.testing.assert_allclose(ae.explained_variance_ratio_, pca.explained_variance_ratio_,
                               rtol=1e-3)


def test_untied_linear_autoencoder_is_pca_on_digits(digits, digits_pca):
    pca, X = digits_pca, digits
    ae = AE(n_components=10, tied_weights=False, max_iter=1000, random_state=0).fit(X)
    assert not ae.tied_weights_
    assert max_angle_deg(ae.components_.T, pca.components_.T) < 1.0
    np.testing.assert_allclose(ae.components_, pca.components_, atol=1e-2)
    np.testing.assert_allclose(ae.explained_variance_, pca.explained_variance_, rtol=1e-3)
    recon = ae.inverse_transform(ae.transform(X))
    mse_pca = np.mean((X - pca.inverse_transform(pca.transform(X))) ** 2)
    assert np.mean((X - recon) ** 2) <= 1.001 * mse_pca
    # the raw decoder weights are *not* the components: only the subspace is identified
    dec = linear_maps(ae)[1]
    assert np.abs(dec / np.linalg.norm(dec, axis=1, keepdims=True)
                  - pca.components_).max() > 0.1


@pytest.mark.parametrize("whiten", [False, True])
def test_low_rank_synthetic_matches_pca_tightly(whiten):
    X = low_rank()
    pca = PCA(n_components=3, whiten=whiten).fit(X)
    ae = AE(n_components=3, whiten=whiten, alpha=0.0, tol=1e-7, random_state=0).fit(X)
    assert max_angle_deg(ae.components_.T, pca.components_.T) < 0.01
    np.testing.assert_allclose(ae.components_, pca.components_, atol=1e-4)
    np.testing.assert_allclose(ae.explained_variance_, pca.explained_variance_, rtol=1e-5)
    np.testing.assert_allclose(ae.transform(X), pca.transform(X), atol=1e-3)
    Z = pca.transform(X[:50])
    np.testing.assert_allclose(ae.inverse_transform(Z), pca.inverse_transform(Z), atol=1e-3)
    np.testing.assert_allclose(ae.get_covariance(), pca.get_covariance(), rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(ae.get_precision(), pca.get_precision(), rtol=1e-3, atol=1e-3)
    if whiten:  # whitened codes have unit variance
        np.testing.assert_allclose(ae.transform(X).var(axis=0, ddof=1), 1.0, rtol=1e-3)


def test_likelihood_score_is_pcas():
    X = low_rank(n=500)
    pca = PCA(n_components=3).fit(X)
    ae = AE(n_components=3, score_method="likelihood", alpha=0.0, random_state=0).fit(X)
    # the noise floor (variance 0.01) amplifies tiny subspace errors: absolute tolerance
    np.testing.assert_allclose(ae.score_samples(X), pca.score_samples(X), atol=0.02)
    assert ae.score(X) == pytest.approx(pca.score(X), rel=1e-3)
    assert abs(ae.score(X) - pca.score(X + 1.0)) > 1  # the comparison can fail


def test_deep_linear_autoencoder_finds_the_pca_subspace():
    X = low_rank(n=1000)
    pca = PCA(n_components=3).fit(X)
    ae = AE(n_components=3, hidden_layer_sizes=(6,), tol=1e-6, random_state=0).fit(X)
    assert max_angle_deg(ae.components_.T, pca.components_.T) < 0.1
    np.testing.assert_allclose(ae.explained_variance_, pca.explained_variance_, rtol=1e-3)


def test_minibatch_adam_reaches_the_subspace_only_roughly():
    """The measured pitfall that motivates solver='auto' → 'lbfgs' for linear models:
    default minibatch Adam is still tens of degrees off after 50 epochs."""
    X = low_rank(n=1000)
    pca = PCA(n_components=3).fit(X)
    ae = AE(n_components=3, solver="adam", max_iter=50, random_state=0).fit(X)
    assert ae.solver_ == "adam"
    assert max_angle_deg(ae.components_.T, pca.components_.T) > 5
    # the attributes stay exact for the learned subspace: variance of the data along
    # each reported component (computed independently) is explained_variance_
    proj = (X - X.mean(axis=0)) @ ae.components_.T
    np.testing.assert_allclose(proj.var(axis=0, ddof=1), ae.explained_variance_, rtol=1e-8)
    np.testing.assert_allclose(ae.components_ @ ae.components_.T, np.eye(3), atol=1e-10)


# ---------------------------------------------------------------- regulariser oracles
def test_linear_gaussian_denoising_shrinks_pca_directions():
    """Vincent et al.: the expected loss is ‖x − Wx‖² + σ²‖W‖²_F, whose rank-k optimum is
    W* = U_k diag(λ/(λ+σ²)) U_kᵀ (λ: eigenvalues of the biased covariance)."""
    X = low_rank()
    n, k, sigma = X.shape[0], 3, 1.0
    Xc = X - X.mean(axis=0)
    lam, U = np.linalg.eigh(Xc.T @ Xc / n)
    lam, U = lam[::-1][:k], U[:, ::-1][:, :k]
    shrink = lam / (lam + sigma**2)  # 0.80, 0.67, 0.50: far from PCA's 1
    ae = AE(n_components=k, variant="denoising", noise_level=sigma, alpha=0.0,
            batch_size=n, learning_rate_init=1e-2, max_iter=300, n_iter_no_change=np.inf,
            random_state=0).fit(X)
    A, B = linear_maps(ae)
    M = A @ B
    np.testing.assert_allclose(M, U @ np.diag(shrink) @ U.T, atol=0.02)
    evals, evecs = np.linalg.eigh((M + M.T) / 2)
    np.testing.assert_allclose(evals[::-1][:k], shrink, rtol=0.025)
    assert max_angle_deg(evecs[:, ::-1][:, :k], U) < 2.0
    assert max_angle_deg(ae.components_.T, U) < 2.0


def test_tied_linear_contractive_singular_values():
    """Rifai et al.: with the sum loss ‖X − XWWᵀ‖² + λ‖W‖², w_i² = 1 − λ/(2σ_i²). Our loss
    is that divided by 2·n·d, so λ = 2·n·d·contractive_weight."""
    X = low_rank()
    n, d = X.shape
    pca = PCA(n_components=3).fit(X)
    for weight in (1e-3, 1e-2):
        ae = AE(n_components=3, variant="contractive", contractive_weight=weight,
                alpha=0.0, random_state=0).fit(X)
        assert ae.tied_weights_ and ae.solver_ == "lbfgs"
        W = ae.encoder_coefs_[0]
        U, s, _ = np.linalg.svd(W, full_matrices=False)
        lam = 2 * n * d * weight
        expected = 1 - lam / (2 * pca.singular_values_**2)
        np.testing.assert_allclose(s**2, expected, rtol=2e-3)
        assert max_angle_deg(U, pca.components_.T) < 0.5
        # left singular vectors of W are the ordered principal components
        assert np.abs(np.abs(np.sum(U * pca.components_.T, axis=0)) - 1).max() < 1e-3


def test_tied_weights_guard_the_contractive_penalty_against_rescaling():
    """Untied, the penalty is cheated: the encoder shrinks and the decoder grows to
    compensate (measured ‖W_enc‖² 0.006, ‖W_dec‖² 1700). Tied (the 'auto' choice for
    'contractive'), ‖W‖²_F stays at the oracle Σ_i (1 − λ/(2σ_i²))."""
    X = low_rank()
    n, d = X.shape
    kw = dict(n_components=3, variant="contractive", contractive_weight=1e-2, alpha=0.0,
              random_state=0)
    cheat = AE(tied_weights=False, **kw).fit(X)
    assert np.sum(cheat.encoder_coefs_[0] ** 2) < 0.05
    assert np.sum(cheat.decoder_coefs_[0] ** 2) > 100
    guarded = AE(**kw).fit(X)
    sv = PCA(n_components=3).fit(X).singular_values_
    expected = np.sum(1 - 2 * n * d * 1e-2 / (2 * sv**2))
    assert np.sum(guarded.encoder_coefs_[0] ** 2) == pytest.approx(expected, rel=1e-3)


def test_kl_sparsity_drives_mean_activation_to_target(digits):
    X = StandardScaler().fit_transform(digits)
    kw = dict(n_components=16, variant="sparse", activation="logistic",
              sparsity_target=0.05, batch_size=50, learning_rate_init=1e-2, max_iter=100,
              random_state=0)
    sparse = AE(sparsity_weight=3.0, **kw).fit(X)
    dense = AE(sparsity_weight=0.0, **kw).fit(X)
    rho_sparse = sparse.transform(X).mean(axis=0)
    rho_dense = dense.transform(X).mean(axis=0)
    np.testing.assert_allclose(rho_sparse, 0.05, atol=0.015)
    assert rho_dense.mean() > 0.2  # without the penalty the activations are not sparse


def test_l1_sparsity_lowers_activity(digits):
    X = StandardScaler().fit_transform(digits)
    kw = dict(n_components=16, variant="sparse", sparsity="l1", activation="relu",
              learning_rate_init=1e-2, max_iter=30, random_state=0)
    weak = np.abs(AE(sparsity_weight=0.0, **kw).fit(X).transform(X)).mean()
    strong = np.abs(AE(sparsity_weight=0.1, **kw).fit(X).transform(X)).mean()
    assert strong < 0.5 * weak


def test_denoising_beats_vanilla_on_noisy_digits(digits):
    X = digits / 16
    X_train, X_test = train_test_split(X, test_size=0.25, random_state=0)
    X_noisy = X_test + 0.3 * np.random.RandomState(1).standard_normal(X_test.shape)
    errors = {}
    for variant in ("vanilla", "denoising"):
        est = AE(n_components=32, hidden_layer_sizes=(64,), activation="tanh",
                 variant=variant, noise_level=0.3, learning_rate_init=1e-2, max_iter=60,
                 random_state=0).fit(X_train)
        recon = est.inverse_transform(est.transform(X_noisy))
        errors[variant] = np.mean((recon - X_test) ** 2)
    # measured: 0.023 (denoising) vs 0.040 (vanilla); the noisy input itself is at 0.090
    assert errors["denoising"] < 0.75 * errors["vanilla"]


def test_corruptions_follow_their_definitions():
    rng = np.random.default_rng(0)
    X = rng.uniform(2, 5, (4000, 5))
    for noise in ("masking", "salt_and_pepper", "gaussian"):
        est = AE(n_components=2, variant="denoising", noise=noise, noise_level=0.3,
                 activation="tanh", max_iter=1, random_state=0).fit(X)
        centred = X - est.mean_
        Xt = est._corruption()(centred, np.random.RandomState(0)) + est.mean_
        changed = ~np.isclose(Xt, X)
        if noise == "gaussian":
            assert (Xt - X).std() == pytest.approx(0.3, rel=0.02)
            continue
        assert changed.mean() == pytest.approx(0.3, abs=0.01)
        if noise == "masking":  # set to 0 in the data's units, no rescaling of the rest
            assert np.all(Xt[changed] == 0)
        else:  # the feature's minimum or maximum, by a fair coin
            cols = np.nonzero(changed)[1]
            at_max = np.isclose(Xt[changed], X.max(axis=0)[cols])
            assert np.all(at_max | np.isclose(Xt[changed], X.min(axis=0)[cols]))
            assert at_max.mean() == pytest.approx(0.5, abs=0.02)
        assert np.array_equal(Xt[~changed], X[~changed])


# ---------------------------------------------------------------- gradients
@pytest.mark.parametrize("params", [
    dict(variant="vanilla", activation="tanh", hidden_layer_sizes=(4,)),
    dict(variant="vanilla", activation="identity", tied_weights=False),
    dict(variant="denoising", activation="elu", noise="salt_and_pepper"),
    dict(variant="denoising", activation="maxout", hidden_layer_sizes=(4,)),
    dict(variant="contractive", activation="logistic"),
    dict(variant="contractive", activation="softplus", tied_weights=False),
    dict(variant="contractive", activation="tanh", hidden_layer_sizes=(4,)),
    dict(variant="sparse", activation="logistic", hidden_layer_sizes=(4,)),
    dict(variant="sparse", sparsity="l1", activation="leaky_relu", tied_weights=False),
    dict(variant="vanilla", activation="tanh", out_activation="logistic"),
], ids=lambda p: "-".join(str(v) for v in p.values()))
def test_whole_objective_gradients_match_central_differences(params):
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, (9, 5))
    est = AE(n_components=3, alpha=0.3, max_iter=1, solver="adam", random_state=0,
             **params).fit(X)
    Xc = X - est.mean_
    T = X if est.out_activation == "logistic" else Xc

    network, corruption = est._config["network"], est._corruption()

    def objective(*tensors):  # the same noise draw at every evaluation
        rng = np.random.RandomState(3)
        X_in = Xc if corruption is None else corruption(Xc, rng)
        return network.objective(list(tensors), X_in, T, rng)

    assert check_grad(objective, *est._params) < 1e-5


# ---------------------------------------------------------------- bad input
def test_bad_input_raises_clear_errors(digits):
    X = digits[:100]
    with pytest.raises(ValueError, match="n_components=65 must be <= n_features=64"):
        AE(n_components=65).fit(X)
    with pytest.raises(ValueError, match="n_components=5 must be <= min"):
        AE(n_components=5).fit(X[:4])
    for bad in (np.nan, np.inf):
        Xb = X.copy()
        Xb[3, 4] = bad
        with pytest.raises(ValueError, match=r"NaN|infinity"):
            AE().fit(Xb)
    for act in ("tanh", "relu", "identity"):
        with pytest.raises(ValueError, match=r"sparsity='kl'.*outputs must lie in"):
            AE(variant="sparse", activation=act).fit(X)
    AE(variant="sparse", sparsity="l1", activation="tanh", max_iter=2).fit(X)  # allowed
    with pytest.raises(ValueError, match="binary cross-entropy"):
        AE(out_activation="logistic", activation="tanh").fit(X)
    with pytest.raises(ValueError, match="lbfgs"):
        AE(variant="denoising", solver="lbfgs").fit(X)
    with pytest.raises(ValueError, match="whiten"):
        AE(whiten=True, activation="tanh").fit(X)
    with pytest.raises(ValueError, match="likelihood"):
        AE(score_method="likelihood", activation="tanh").fit(X)
    with pytest.raises(ValueError, match="maxout"):
        AE(activation="maxout", tied_weights=True).fit(X)
    with pytest.raises(ValueError, match="probability"):
        AE(variant="denoising", noise="masking", noise_level=1.5).fit(X)
    with pytest.raises(ValueError, match="encoder layer"):
        AE(hidden_layer_sizes=(8,), activation=["tanh"]).fit(X)
    with pytest.raises(ValueError, match="unknown activation"):
        AE(activation=["tanh", "nope"], hidden_layer_sizes=(8,)).fit(X)
    est = AE(n_components=3, random_state=0).fit(X)
    with pytest.raises(ValueError, match="decodes 3"):
        est.inverse_transform(np.zeros((2, 4)))


def test_non_linear_models_have_no_pca_attributes(digits):
    est = AE(n_components=3, activation="tanh", max_iter=3, random_state=0)
    with pytest.raises(NotFittedError):
        est.components_  # noqa: B018
    est.fit(digits[:200])
    for name in ("components_", "explained_variance_", "explained_variance_ratio_",
                 "singular_values_", "noise_variance_"):
        assert not hasattr(est, name)
        with pytest.raises(AttributeError, match="linear autoencoders only"):
            getattr(est, name)
    assert est.mean_.shape == (64,) and est.n_components_ == 3 and est.n_samples_ == 200


# ---------------------------------------------------------------- behaviours
def test_score_samples_is_minus_the_reconstruction_error(digits):
    X = digits[:300] / 16
    for kw in (dict(), dict(activation="tanh", out_activation="logistic", max_iter=5)):
        est = AE(n_components=5, random_state=0, **kw).fit(X)
        recon = est.inverse_transform(est.transform(X))
        expected = -np.mean((X - recon) ** 2, axis=1)
        np.testing.assert_allclose(est.score_samples(X), expected, rtol=1e-12)
        assert est.score(X) == pytest.approx(expected.mean())
        if kw:
            assert np.all((recon >= 0) & (recon <= 1))  # logistic output: probabilities
        else:  # linear: noise off the learned subspace lowers the score
            noisy = X + 0.3 * np.random.RandomState(0).standard_normal(X.shape)
            assert est.score(noisy) < est.score(X) - 0.05


def test_random_state_gives_bit_identical_models(digits):
    X = digits[:300] / 16
    kw = dict(n_components=4, variant="denoising", activation="tanh", max_iter=5)
    a = AE(random_state=3, **kw).fit(X).transform(X)
    b = AE(random_state=3, **kw).fit(X).transform(X)
    c = AE(random_state=4, **kw).fit(X).transform(X)
    assert np.array_equal(a, b) and not np.allclose(a, c)


def test_float32_is_preserved(digits):
    X = digits[:300].astype(np.float32)
    for kw in (dict(), dict(activation="tanh", max_iter=3)):
        est = AE(n_components=4, random_state=0, **kw).fit(X)
        assert est.transform(X).dtype == np.float32
        assert est.inverse_transform(est.transform(X)).dtype == np.float32
        assert all(p.dtype == np.float32 for p in est._params)
    assert est.mean_.dtype == np.float32


def test_partial_fit_running_statistics_and_pca_attributes():
    X = low_rank(n=1200)
    est = AE(n_components=3, learning_rate_init=1e-2, random_state=0)
    for _ in range(10):
        for chunk in np.array_split(X, 24):
            est.partial_fit(chunk)
    assert est.n_samples_ == 10 * len(X) and est.solver_ == "adam"
    # running mean of 15 passes over X is X's mean
    np.testing.assert_allclose(est.mean_, X.mean(axis=0), atol=1e-10)
    pca = PCA(n_components=3).fit(X)
    assert max_angle_deg(est.components_.T, pca.components_.T) < 2.0
    # explained variance from the running scatter equals the data's variance along the
    # reported components (computed directly on X)
    proj = (X - X.mean(axis=0)) @ est.components_.T
    np.testing.assert_allclose(est.explained_variance_, proj.var(axis=0, ddof=1), rtol=1e-3)
    assert est.explained_variance_ratio_.sum() == pytest.approx(
        pca.explained_variance_ratio_.sum(), rel=1e-2)


def test_partial_fit_after_fit_keeps_the_statistics_of_both():
    X = low_rank(n=800)
    pca = PCA(n_components=3).fit(X)
    est = AE(n_components=3, learning_rate_init=1e-4, random_state=0).fit(X)
    est.partial_fit(X)  # the same data again: the variances must not change
    assert est.n_samples_ == 2 * len(X)
    np.testing.assert_allclose(est.explained_variance_, pca.explained_variance_, rtol=1e-2)
    np.testing.assert_allclose(est.explained_variance_ratio_,
                               pca.explained_variance_ratio_, rtol=1e-2)


def test_partial_fit_is_one_epoch_and_unavailable_for_lbfgs():
    X = low_rank(n=300)
    est = AE(n_components=2, activation="tanh", random_state=0).partial_fit(X)
    assert est.n_iter_ == 1
    est.partial_fit(X)
    assert len(est.loss_curve_) == 2
    assert not hasattr(AE(solver="lbfgs"), "partial_fit")
    with pytest.raises(ValueError, match="early_stopping"):
        AE(early_stopping=True, solver="adam").partial_fit(X)


def test_warm_start_continues_from_the_live_weights():
    X = low_rank(n=300)
    est = AE(n_components=2, activation="tanh", max_iter=5, warm_start=True,
             random_state=0).fit(X)
    first = est.loss_curve_[-1]
    est.fit(X)
    assert len(est.loss_curve_) == 10 and est.loss_curve_[5] < first + 1e-3
    with pytest.raises(ValueError, match="architecture"):
        est.set_params(hidden_layer_sizes=(3,)).fit(X)


def test_early_stopping_restores_best_weights(digits):
    X = digits / 16
    est = AE(n_components=8, activation="tanh", early_stopping=True, n_iter_no_change=3,
             learning_rate_init=0.05, max_iter=50, random_state=0).fit(X)
    assert len(est.validation_scores_) == est.n_iter_
    assert est.best_validation_score_ == max(est.validation_scores_)
    assert est.solver_ == "adam"


def test_maxout_and_deep_contractive_train(digits):
    X = StandardScaler().fit_transform(digits[:400])
    m = AE(n_components=4, activation="maxout", max_iter=5, random_state=0).fit(X)
    assert not m.tied_weights_ and m.encoder_coefs_[0].shape == (64, 8)
    c = AE(n_components=4, hidden_layer_sizes=(16,), activation="tanh",
           variant="contractive", max_iter=5, random_state=0).fit(X)
    assert c.tied_weights_
    np.testing.assert_array_equal(c.decoder_coefs_[0], c.encoder_coefs_[1].T)
    assert np.isfinite(c.loss_curve_).all() and c.transform(X).shape == (400, 4)


def test_pipeline_grid_search_in_parallel_and_pickle(digits):
    X, y = digits[:600] / 16, load_digits().target[:600]
    pipe = Pipeline([("scale", StandardScaler()),
                     ("ae", AE(n_components=16, activation="tanh", max_iter=20,
                               learning_rate_init=1e-2, random_state=0)),
                     ("clf", LogisticRegression(max_iter=300))])
    grid = GridSearchCV(pipe, {"ae__variant": ["vanilla", "denoising", "contractive"]},
                        cv=2, n_jobs=2).fit(X, y)
    assert grid.best_score_ > 0.7  # measured 0.80 (chance: 0.1)
    restored = pickle.loads(pickle.dumps(grid.best_estimator_))
    np.testing.assert_array_equal(restored.predict(X), grid.predict(X))
    tied = AE(n_components=3, variant="contractive", activation="tanh", max_iter=2,
              random_state=0).fit(X)
    back = pickle.loads(pickle.dumps(tied))
    np.testing.assert_array_equal(back.transform(X), tied.transform(X))
    np.testing.assert_array_equal(back.inverse_transform(back.transform(X)),
                                  tied.inverse_transform(tied.transform(X)))
