"""AutoencoderTransformer where code calls PCA: every ``n_components`` form PCA documents
(int, None, 0, a variance fraction, 'mle'), sparse input, ``whiten`` and PCA's solver
parameters, checked side by side against :class:`sklearn.decomposition.PCA` (the oracle)."""

import inspect
import tracemalloc
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_digits, load_iris
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning

from sklearn_deep.estimators.autoencoder import AutoencoderTransformer

AE = AutoencoderTransformer
# a tight fit for the synthetic data (as the existing drop-in tests): no L2, small tol
TIGHT = dict(alpha=0.0, tol=1e-7, random_state=0)


@pytest.fixture(autouse=True)
def _quiet_convergence():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def low_rank(n=400, d=8, variances=(4.0, 2.0, 1.0), floor=0.01, seed=0):
    """Gaussian data of true rank 3 plus isotropic noise (variance ``floor``), offset."""
    rng = np.random.default_rng(seed)
    U, _ = np.linalg.qr(rng.standard_normal((d, d)))
    scales = np.sqrt(np.r_[variances, np.full(d - len(variances), floor)])
    return (rng.standard_normal((n, d)) * scales) @ U.T + rng.uniform(-3, 3, d)


def sparse_data(n=300, d=12, density=0.3, seed=0):
    """Non-negative sparse data with correlated columns (a full spectrum)."""
    rng = np.random.default_rng(seed)
    X = sp.random(n, d, density=density, format="csr", random_state=seed,
                  data_rvs=lambda k: rng.exponential(size=k))
    return (X @ sp.csr_matrix(np.eye(d) + 0.5 * np.eye(d, k=1))).tocsr()


def code_tolerance(pca):
    """The codes are the trained network's: the tolerance of the existing drop-in tests,
    divided by the smallest whitening scale sqrt(λ) with whiten=True."""
    if not (pca.whiten and pca.n_components_):
        return 1e-3
    return 1e-3 / min(1.0, float(np.sqrt(pca.explained_variance_.min())))


def assert_matches_pca(ae, pca, X, *, atol=1e-6, rtol=1e-6):
    """Every fitted attribute and method PCA documents, side by side."""
    assert ae.n_components_ == pca.n_components_
    assert ae.n_samples_ == pca.n_samples_
    np.testing.assert_allclose(ae.mean_, pca.mean_, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ae.components_, pca.components_, atol=atol)
    np.testing.assert_allclose(ae.explained_variance_, pca.explained_variance_, rtol=rtol,
                               atol=atol)
    np.testing.assert_allclose(ae.explained_variance_ratio_, pca.explained_variance_ratio_,
                               rtol=rtol, atol=atol)
    np.testing.assert_allclose(ae.singular_values_, pca.singular_values_, rtol=rtol,
                               atol=atol)
    assert ae.noise_variance_ == pytest.approx(pca.noise_variance_, rel=rtol, abs=atol)
    np.testing.assert_allclose(ae.transform(X), pca.transform(X), atol=code_tolerance(pca))
    if pca.n_components_:  # PCA's inverse_transform refuses codes of width 0
        Z = pca.transform(X[:20])
        np.testing.assert_allclose(ae.inverse_transform(Z), pca.inverse_transform(Z),
                                   atol=1e-3)
    np.testing.assert_allclose(ae.get_covariance(), pca.get_covariance(), rtol=1e-4,
                               atol=100 * atol)


# ---------------------------------------------------------------- the five reported cases
def test_case1_n_components_none_is_min_of_samples_and_features():
    X = low_rank(n=300)
    ae, pca = AE(n_components=None, **TIGHT).fit(X), PCA(n_components=None).fit(X)
    assert ae.n_components_ == pca.n_components_ == 8
    assert_matches_pca(ae, pca, X)
    Xw = X[:6]  # fewer samples than features: min(n, d) = 6
    assert AE(n_components=None, random_state=0).fit(Xw).n_components_ == 6
    assert PCA(n_components=None).fit(Xw).n_components_ == 6


def test_case1_none_follows_pcas_arpack_rule():
    """PCA resolves None to min(n, d) - 1 with ARPACK: svd_solver='arpack', or 'auto' on
    sparse input. The accepted svd_solver changes nothing else."""
    X = low_rank(n=300)
    for solver in ("auto", "full", "covariance_eigh", "randomized", "arpack"):
        ae = AE(n_components=None, svd_solver=solver, random_state=0).fit(X)
        assert ae.n_components_ == PCA(n_components=None, svd_solver=solver).fit(X).n_components_
    Xs = sparse_data()
    assert (AE(n_components=None, random_state=0).fit(Xs).n_components_
            == PCA(n_components=None).fit(Xs).n_components_ == 11)


@pytest.mark.parametrize("fraction", [0.3, 0.5, 0.8, 0.95, 0.999])
def test_case2_variance_fraction_chooses_pcas_k(fraction):
    X = low_rank(n=300)
    ae, pca = AE(n_components=fraction, **TIGHT).fit(X), PCA(n_components=fraction).fit(X)
    assert ae.n_components_ == pca.n_components_
    assert ae.explained_variance_ratio_.sum() > fraction  # the rule is strict
    assert_matches_pca(ae, pca, X)


def test_case2_fraction_is_strictly_exceeded():
    """PCA keeps the smallest k whose cumulative ratio is *above* the fraction: a fraction
    equal to a cumulative ratio takes one more component (searchsorted side='right')."""
    X = load_iris().data
    pca_full = PCA().fit(X)
    exact = float(pca_full.explained_variance_ratio_[0])
    ae = AE(n_components=exact, random_state=0).fit(X)
    pca = PCA(n_components=exact).fit(X)
    assert ae.n_components_ == pca.n_components_ == 2


def test_case3_mle_finds_the_true_rank():
    X = low_rank(n=400)
    ae, pca = AE(n_components="mle", **TIGHT).fit(X), PCA(n_components="mle").fit(X)
    assert ae.n_components_ == pca.n_components_ == 3  # the synthetic's true rank
    assert_matches_pca(ae, pca, X)


@pytest.mark.parametrize("name", ["iris", "digits"])
@pytest.mark.parametrize("n_components", ["mle", 0.95, 0.5])
def test_fraction_and_mle_choose_pcas_k_on_real_data(name, n_components):
    X = load_iris().data if name == "iris" else load_digits().data[:400]
    ae = AE(n_components=n_components, random_state=0).fit(X)
    pca = PCA(n_components=n_components).fit(X)
    assert ae.n_components_ == pca.n_components_
    # the tolerances of the existing digits drop-in test
    np.testing.assert_allclose(ae.components_[:10], pca.components_[:10], atol=1e-2)
    np.testing.assert_allclose(ae.explained_variance_, pca.explained_variance_, rtol=1e-3,
                               atol=1e-9)
    np.testing.assert_allclose(ae.explained_variance_ratio_, pca.explained_variance_ratio_,
                               rtol=1e-3, atol=1e-9)
    assert ae.noise_variance_ == pytest.approx(pca.noise_variance_, rel=1e-3, abs=1e-9)


def test_case4_zero_components_is_pcas_isotropic_model():
    X = low_rank(n=300)
    ae = AE(n_components=0, score_method="likelihood", random_state=0).fit(X)
    pca = PCA(n_components=0).fit(X)
    assert ae.n_components_ == pca.n_components_ == 0
    assert ae.n_iter_ == 0  # nothing to train
    assert ae.transform(X).shape == pca.transform(X).shape == (300, 0)
    assert ae.fit_transform(X).shape == (300, 0)
    np.testing.assert_array_equal(ae.inverse_transform(np.zeros((5, 0))),
                                  np.tile(pca.mean_, (5, 1)))
    assert ae.components_.shape == (0, 8) and ae.explained_variance_.shape == (0,)
    assert ae.explained_variance_ratio_.shape == ae.singular_values_.shape == (0,)
    # noise variance: the mean of all the eigenvalues (PCA's), by a formula here
    eigenvalues = np.linalg.eigvalsh(np.cov(X, rowvar=False))
    assert ae.noise_variance_ == pytest.approx(eigenvalues.mean(), rel=1e-10)
    assert ae.noise_variance_ == pytest.approx(pca.noise_variance_, rel=1e-10)
    np.testing.assert_allclose(ae.get_covariance(), pca.get_covariance(), rtol=1e-10)
    np.testing.assert_allclose(ae.get_precision(), pca.get_precision(), rtol=1e-10)
    np.testing.assert_allclose(ae.score_samples(X), pca.score_samples(X), rtol=1e-10)
    assert ae.score(X) == pytest.approx(pca.score(X), rel=1e-10)
    assert list(ae.get_feature_names_out()) == []


def test_likelihood_model_selection_over_k_includes_zero():
    """What n_components=0 is for: choosing k by held-out likelihood over k = 0..K picks
    PCA's k (on data whose best model is no component, and on low-rank data)."""
    rng = np.random.default_rng(1)
    noise = rng.standard_normal((400, 5))  # isotropic: k = 0 is the right model
    for X, best in ((noise, 0), (low_rank(n=400, d=5, variances=(9.0,), floor=1.0), 1)):
        train, test = X[:200], X[200:]
        ours = [AE(n_components=k, score_method="likelihood", **TIGHT).fit(train).score(test)
                for k in range(4)]
        theirs = [PCA(n_components=k).fit(train).score(test) for k in range(4)]
        np.testing.assert_allclose(ours, theirs, rtol=1e-4)
        assert int(np.argmax(ours)) == int(np.argmax(theirs)) == best


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_case5_sparse_input_equals_the_dense_fit(fmt):
    Xs = sparse_data().asformat(fmt)
    X = Xs.toarray()
    for params in (dict(n_components=4), dict(n_components=4, whiten=True),
                   dict(n_components=0.8), dict(n_components="mle"), dict(n_components=0)):
        a = AE(**params, score_method="likelihood", **TIGHT).fit(Xs)
        b = AE(**params, score_method="likelihood", **TIGHT).fit(X)
        assert a.n_components_ == b.n_components_
        np.testing.assert_allclose(a.mean_, b.mean_, rtol=1e-12)
        for name in ("components_", "explained_variance_", "noise_variance_"):
            np.testing.assert_allclose(getattr(a, name), getattr(b, name), rtol=1e-6,
                                       atol=1e-9)
        np.testing.assert_allclose(a.transform(Xs), b.transform(X), atol=1e-6)
        np.testing.assert_allclose(a.transform(X), a.transform(Xs), atol=1e-10)
        np.testing.assert_allclose(a.score_samples(Xs), b.score_samples(X), rtol=1e-6)
        assert not sp.issparse(a.fit_transform(Xs))


def test_sparse_minibatch_and_non_linear_models_equal_dense():
    Xs = sparse_data(n=240)
    X = Xs.toarray()
    for params in (dict(solver="adam", max_iter=5),
                   dict(activation="tanh", hidden_layer_sizes=(6,), max_iter=5),
                   dict(variant="denoising", activation="relu", max_iter=3),
                   dict(activation="tanh", solver="lbfgs", max_iter=20, alpha=0.1)):
        a = AE(n_components=3, random_state=0, **params).fit(Xs)
        b = AE(n_components=3, random_state=0, **params).fit(X)
        np.testing.assert_allclose(a.loss_curve_, b.loss_curve_, rtol=1e-8)
        np.testing.assert_allclose(a.transform(Xs), b.transform(X), rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(a.score_samples(Xs), b.score_samples(X), rtol=1e-6)


def test_sparse_full_batch_objective_is_the_dense_one():
    """L-BFGS on sparse X sums the objective over blocks of rows; with many blocks it must
    equal the dense objective, the L2 term counted once."""
    from sklearn_deep.estimators import _pca_compat
    Xs = sparse_data(n=200, d=10)
    ae = AE(n_components=3, alpha=0.5, max_iter=1, random_state=0).fit(Xs.toarray())
    objective_dense = ae._config["network"].loss_and_grads(
        ae._params, Xs.toarray() - ae.mean_, Xs.toarray() - ae.mean_)
    from sklearn_deep.estimators.autoencoder import _Reconstruction
    problem = _Reconstruction(ae._config["network"], ae._params, ae.mean_)
    saved = _pca_compat._BLOCK_ELEMENTS
    try:
        _pca_compat._BLOCK_ELEMENTS = 10 * 7  # 7 rows per block: 29 blocks
        loss, n, grads = problem.loss_and_grads(Xs)
    finally:
        _pca_compat._BLOCK_ELEMENTS = saved
    assert n == 200 and loss == pytest.approx(objective_dense[0], rel=1e-12)
    for g, h in zip(grads, objective_dense[2]):
        np.testing.assert_allclose(g, h, rtol=1e-10, atol=1e-14)


def test_sparse_fit_never_densifies_x():
    """Peak memory of fit + transform + score on a large sparse X stays far below one dense
    copy of it (38 MB here): implicit centring by blocks of rows."""
    n, d = 8000, 600
    X = sp.random(n, d, density=0.002, format="csr", random_state=0, dtype=np.float64)
    dense_bytes = n * d * 8
    est = AE(n_components=5, max_iter=2, random_state=0)
    tracemalloc.start()
    try:
        est.fit(X)
        est.transform(X)
        est.score(X)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < dense_bytes / 4, (peak, dense_bytes)
    tracemalloc.start()
    try:  # the measurement can fail: a dense fit's peak holds the data
        AE(n_components=5, max_iter=2, random_state=0).fit(X[:2000].toarray())
        _, peak_dense = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak_dense > 2000 * d * 8


# ---------------------------------------------------------------- side by side
FORMS = [3, None, 0, 0.9, "mle"]


@pytest.mark.parametrize("whiten", [False, True], ids=["plain", "whiten"])
@pytest.mark.parametrize("data", ["dense", "csr"])
@pytest.mark.parametrize("n_components", FORMS, ids=[repr(f) for f in FORMS])
def test_side_by_side_with_pca(n_components, data, whiten):
    X = low_rank(n=300, d=6, variances=(5.0, 2.0, 1.0), floor=0.05)
    # PCA on sparse input needs 'covariance_eigh' (or ARPACK, whose None is min - 1)
    solver = "covariance_eigh" if data == "csr" else "auto"
    Xf = sp.csr_matrix(X) if data == "csr" else X
    pca = PCA(n_components=n_components, whiten=whiten, svd_solver=solver).fit(Xf)
    ae = AE(n_components=n_components, whiten=whiten, svd_solver=solver,
            score_method="likelihood", **TIGHT).fit(Xf)
    assert_matches_pca(ae, pca, X, atol=1e-4, rtol=1e-4)
    np.testing.assert_allclose(ae.fit_transform(Xf), pca.fit_transform(Xf),
                               atol=code_tolerance(pca))
    if pca.n_components_ < 6:  # a full-rank model's likelihood is not PCA's score
        # the noise floor amplifies tiny subspace errors (as in the existing likelihood
        # test): absolute tolerance
        np.testing.assert_allclose(ae.score_samples(X), pca.score_samples(X), atol=1e-2)
        assert ae.score(Xf) == pytest.approx(pca.score(X), rel=1e-3)
    if whiten and pca.n_components_:
        np.testing.assert_allclose(ae.transform(X).var(axis=0, ddof=1), 1.0, rtol=1e-3)


def test_pcas_parameters_are_accepted_and_change_nothing():
    """Every parameter of PCA's constructor is one of ours; the solver ones are accepted for
    compatibility and ignored (the model is trained), bit for bit."""
    ours = set(inspect.signature(AE).parameters)
    assert set(inspect.signature(PCA).parameters) <= ours
    X = low_rank(n=200)
    base = AE(n_components=3, random_state=0).fit(X)
    other = AE(n_components=3, random_state=0, copy=False, svd_solver="randomized",
               iterated_power=2, n_oversamples=3, power_iteration_normalizer="QR").fit(X)
    np.testing.assert_array_equal(base.components_, other.components_)
    np.testing.assert_array_equal(base.transform(X), other.transform(X))
    X_before = X.copy()
    other.fit_transform(X)
    np.testing.assert_array_equal(X, X_before)  # copy=False never writes into X


def test_what_pca_forms_refuse_or_we_refuse():
    X = low_rank(n=200)
    with pytest.raises(ValueError, match="only supported if n_samples >= n_features"):
        AE(n_components="mle").fit(X[:5])
    for form in ("mle", 0.9, 0):
        with pytest.raises(ValueError, match="linear"):
            AE(n_components=form, activation="tanh").fit(X)
    est = AE(n_components=0.9, solver="adam", random_state=0)
    with pytest.raises(ValueError, match="fixed width"):
        est.partial_fit(X)
    for bad in (1.0, 1.5, -1, "pca"):
        with pytest.raises(ValueError, match="n_components"):
            AE(n_components=bad).fit(X)
    with pytest.raises(ValueError, match="sparsity='kl'"):
        AE(variant="sparse", activation="logistic", solver="lbfgs").fit(sparse_data())


def test_minka_dimension_agrees_with_pcas_on_random_spectra():
    """Our Minka (2000) evidence, written from the paper, against scikit-learn's own
    implementation on spectra with gaps, plateaus and near-null tails."""
    from sklearn_deep.estimators._pca_compat import minka_dimension
    pca_module = pytest.importorskip("sklearn.decomposition._pca")
    rng = np.random.default_rng(0)
    for trial in range(100):
        d = int(rng.integers(2, 25))
        n = int(rng.integers(d, 400))
        spectrum = np.sort(rng.exponential(size=d) * rng.choice([1, 10, 100], size=d))[::-1]
        if trial % 3 == 0:
            spectrum[rng.integers(1, d):] *= 1e-3
        if trial % 7 == 0:
            spectrum[rng.integers(1, d):] = 0.0
        assert minka_dimension(spectrum, n) == pca_module._infer_dimension(spectrum, n)


def test_sparse_partial_fit_equals_dense():
    Xs = sparse_data(n=200)
    a, b = AE(n_components=3, random_state=0), AE(n_components=3, random_state=0)
    for start in range(0, 200, 50):
        a.partial_fit(Xs[start:start + 50])
        b.partial_fit(Xs[start:start + 50].toarray())
    np.testing.assert_allclose(a.mean_, b.mean_, rtol=1e-12)
    np.testing.assert_allclose(a.components_, b.components_, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(a.transform(Xs), b.transform(Xs.toarray()), atol=1e-8)


@pytest.mark.parametrize("n_components", [None, 0.95, "mle"])
def test_a_full_width_tied_code_needs_no_epoch_and_equals_pca(n_components):
    """With n_samples >= n_features a tied linear code as wide as the input spans the whole
    space from its start: no epoch is run, and the result is PCA's (all of digits)."""
    from sklearn.datasets import load_digits

    X = load_digits().data
    X = X[:, X.std(axis=0) > 0]  # constant pixels have no defined principal axis
    ae = AE(n_components=n_components, random_state=0).fit(X)
    pca = PCA(n_components=n_components).fit(X)
    assert ae.n_iter_ == 0 and ae.loss_curve_ == []
    assert_matches_pca(ae, pca, X, atol=1e-8, rtol=1e-8)
    # the kept model reconstructs as PCA does
    np.testing.assert_allclose(ae.inverse_transform(ae.transform(X)),
                               pca.inverse_transform(pca.transform(X)), atol=1e-8)
