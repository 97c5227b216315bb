"""Hostile and odd input for the tabular estimators: a clear error or correct behaviour,
never a NaN model or a traceback from deep inside NumPy.

``ESTIMATORS`` lists factories; each case runs on every one of them.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.exceptions import ConvergenceWarning

from sklearn_deep import AutoencoderTransformer, MLPClassifierScratch, MLPRegressorScratch

ESTIMATORS = {
    "classifier": lambda **kw: MLPClassifierScratch((8,), max_iter=5, random_state=0, **kw),
    "regressor": lambda **kw: MLPRegressorScratch(hidden_layer_sizes=(8,), max_iter=5,
                                                  random_state=0, **kw),
    "autoencoder": lambda **kw: AutoencoderTransformer(
        n_components=2, hidden_layer_sizes=(4,), activation="tanh", max_iter=5,
        random_state=0, **kw),
    "linear_autoencoder": lambda **kw: AutoencoderTransformer(n_components=2, random_state=0,
                                                              **kw),
}
AUTOENCODERS = ("autoencoder", "linear_autoencoder")
HOSTILE_CASES = []  # (name) of every case tried, for the closing count


def _data(kind, n=30, d=4, seed=0):
    """(X, y) for the estimator kind; y is None for the autoencoders (unsupervised)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    if kind in AUTOENCODERS:
        return X, None
    y = (X[:, 0] > 0).astype(int) if kind == "classifier" else X @ rng.standard_normal(d)
    return X, y


def _params(est):
    """Copies of every trained array of a fitted estimator."""
    arrays = (est.coefs_ + est.intercepts_ if hasattr(est, "coefs_")
              else est.encoder_coefs_ + est.encoder_intercepts_ + est.decoder_coefs_
              + est.decoder_intercepts_)
    return [np.array(a, copy=True) for a in arrays]


def _out(est, X):
    """What the estimator gives back for X: predictions or codes."""
    return est.predict(X) if hasattr(est, "predict") else est.transform(X)


def _finite_model(est):
    return all(np.isfinite(a).all() for a in _params(est))


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


@pytest.mark.parametrize("kind", ESTIMATORS)
@pytest.mark.parametrize("bad, match", [(np.nan, "NaN"), (np.inf, "infinity"),
                                        (-np.inf, "infinity")])
def test_non_finite_x_is_refused(kind, bad, match):
    X, y = _data(kind)
    X[3, 1] = bad
    with pytest.raises(ValueError, match=match):
        ESTIMATORS[kind]().fit(X, y)
    fitted = ESTIMATORS[kind]().fit(*_data(kind))
    with pytest.raises(ValueError, match=match):
        _out(fitted, X)


@pytest.mark.parametrize("kind", ESTIMATORS)
@pytest.mark.parametrize("scale", [1e-300, 1e150, 1e300])
def test_values_near_the_float_limits_give_a_finite_model_or_a_clear_error(kind, scale):
    X, y = _data(kind)
    est = ESTIMATORS[kind]()
    try:
        with np.errstate(all="ignore"):
            est.fit(X * scale, y)
    except ValueError as err:
        assert "non-finite" in str(err) and "Scale" in str(err)
        return
    assert _finite_model(est)
    with np.errstate(all="ignore"):
        assert np.isfinite(_out(est, X * scale).astype(float)).all()


def test_huge_regression_targets_blame_the_data_not_the_learning_rate():
    X, y = _data("regressor")
    with np.errstate(all="ignore"), pytest.raises(ValueError, match="before any update"):
        ESTIMATORS["regressor"]().fit(X, y * 1e300)


@pytest.mark.parametrize("kind", ESTIMATORS)
def test_empty_and_tiny_inputs(kind):
    X, y = _data(kind)
    with pytest.raises(ValueError, match="0 sample"):
        ESTIMATORS[kind]().fit(X[:0], None if y is None else y[:0])
    with pytest.raises(ValueError, match="0 feature"):
        ESTIMATORS[kind]().fit(X[:, :0], y)
    if kind in AUTOENCODERS:  # as PCA: at least 2 samples, n_components <= n_features
        with pytest.raises(ValueError, match="2 is required"):
            ESTIMATORS[kind]().fit(X[:1])
        with pytest.raises(ValueError, match="n_components=2 must be <= n_features=1"):
            ESTIMATORS[kind]().fit(X[:, :1])
        return
    one = ESTIMATORS[kind]().fit(X[:1], y[:1])  # one sample
    assert one.predict(X).shape == (30,) and _finite_model(one)
    feature = ESTIMATORS[kind]().fit(X[:, :1], y)  # one feature
    assert feature.n_features_in_ == 1 and _finite_model(feature)


def test_one_class_predicts_it():
    X, _ = _data("classifier")
    est = ESTIMATORS["classifier"]().fit(X, np.full(30, "only"))
    assert (est.predict(X) == "only").all()


@pytest.mark.parametrize("kind", ESTIMATORS)
def test_constant_features_and_duplicated_rows(kind):
    X, y = _data(kind)
    X[:, 2] = 7.0
    X = np.vstack([X, X])
    y = None if y is None else np.concatenate([y, y])
    est = ESTIMATORS[kind]().fit(X, y)
    assert _finite_model(est)


@pytest.mark.parametrize("kind", ESTIMATORS)
def test_dtypes_and_layouts_give_the_same_model(kind):
    X, y = _data(kind)
    X = np.round(X * 4)  # exactly representable as ints
    reference = ESTIMATORS[kind]().fit(X, y)
    path = pytest.importorskip("tempfile").mkdtemp()
    mm = np.memmap(f"{path}/x.dat", dtype=np.float64, mode="w+", shape=X.shape)
    mm[:] = X
    mm.flush()
    readonly = np.memmap(f"{path}/x.dat", dtype=np.float64, mode="r", shape=X.shape)
    variants = {"int": X.astype(np.int64), "fortran": np.asfortranarray(X),
                "memmap_readonly": readonly, "object": X.astype(object),
                "list": X.tolist(), "dataframe": pd.DataFrame(X)}
    for name, Xv in variants.items():
        est = ESTIMATORS[kind]().fit(Xv, y)
        # the same model up to BLAS summation order (a Fortran-ordered X takes another path)
        for a, b in zip(_params(est), _params(reference)):
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12, err_msg=name)
        np.testing.assert_allclose(_out(est, Xv), _out(reference, X), rtol=1e-9, atol=1e-12,
                                   err_msg=name)


@pytest.mark.parametrize("kind", ESTIMATORS)
def test_complex_and_string_inputs_are_refused(kind):
    X, y = _data(kind)
    with pytest.raises(ValueError, match=r"[Cc]omplex"):
        ESTIMATORS[kind]().fit(X + 1j, y)
    with pytest.raises(ValueError, match="convert string"):
        ESTIMATORS[kind]().fit(np.full(X.shape, "a"), y)


@pytest.mark.parametrize("kind", ESTIMATORS)
def test_dataframe_feature_names_are_kept_and_checked(kind):
    X, y = _data(kind)
    df = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    est = ESTIMATORS[kind]().fit(df, None if y is None else pd.Series(y))
    np.testing.assert_array_equal(est.feature_names_in_, ["a", "b", "c", "d"])
    with pytest.raises(ValueError, match="feature names should match"):
        _out(est, df.rename(columns={"a": "z"}))
    with pytest.raises(ValueError, match="4 features"):
        _out(est, X[:, :3])


@pytest.mark.parametrize("labels", [["cat", "dog"], [-3, 7], [True, False],
                                    [np.str_("x"), np.str_("y")], [2.0, 5.0]],
                         ids=["str", "int", "bool", "np.str_", "float"])
def test_labels_of_any_orderable_hashable_type(labels):
    X, _ = _data("classifier")
    y = np.array([labels[i % 2] for i in range(30)], dtype=object)
    est = ESTIMATORS["classifier"]().fit(X, y)
    assert set(est.predict(X)) <= set(labels)
    assert sorted(est.classes_.tolist()) == sorted(labels)


def test_mixed_label_types_get_a_clear_error():
    X, _ = _data("classifier")
    with pytest.raises(TypeError, match=r"mutually comparable.*int, str"):
        ESTIMATORS["classifier"]().fit(X, np.array(["a", 3] * 15, dtype=object))
    with pytest.raises(TypeError, match="mutually comparable"):
        ESTIMATORS["classifier"]().fit(X, np.array([None, "a"] * 15, dtype=object))


def test_absurd_hyperparameters():
    X, y = _data("classifier")
    with pytest.raises(ValueError, match="hidden_layer_sizes must be > 0"):
        MLPClassifierScratch(hidden_layer_sizes=(0,)).fit(X, y)
    with pytest.warns(UserWarning, match="clipped"):
        MLPClassifierScratch((4,), batch_size=1000, max_iter=2).fit(X, y)
    for Est, target in ((MLPClassifierScratch, y), (MLPRegressorScratch, X[:, 0])):
        est = Est(hidden_layer_sizes=(4,), learning_rate_init=1e3, max_iter=20, random_state=0)
        try:
            with np.errstate(all="ignore"):
                est.fit(X, target)
        except ValueError as err:
            assert "learning rate" in str(err)
        else:
            assert _finite_model(est)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(X=hnp.arrays(np.float64, st.tuples(st.integers(1, 12), st.integers(1, 4)),
                    elements=st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False)),
       seed=st.integers(0, 2**16), kind=st.sampled_from(sorted(ESTIMATORS)))
def test_property_any_finite_input_gives_a_finite_model_or_a_clear_error(X, seed, kind):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, X.shape[0]) if kind == "classifier" else rng.standard_normal(
        X.shape[0]) * 100
    est = ESTIMATORS[kind]()
    try:
        with np.errstate(all="ignore"):
            est.fit(X, None if kind in AUTOENCODERS else y)
    except ValueError as err:
        small = kind in AUTOENCODERS and (X.shape[0] < 2 or X.shape[1] < 2)
        message = str(err)
        assert "non-finite" in message or (
            small and ("sample" in message or "n_components" in message)), err
        return
    assert _finite_model(est)
    assert np.isfinite(np.asarray(_out(est, X), dtype=float)).all()


def test_sparse_formats_supported_and_others_refused_clearly():
    X, y = _data("classifier")
    X[np.abs(X) < 0.7] = 0
    dense = ESTIMATORS["classifier"]().fit(X, y)
    for fmt in ("csr", "csc", "coo", "lil"):
        est = ESTIMATORS["classifier"]().fit(sp.csr_matrix(X).asformat(fmt), y)
        np.testing.assert_allclose(est.coefs_[0], dense.coefs_[0], atol=1e-12)


HOSTILE_CASES.extend([
    "nan", "+inf", "-inf", "1e-300", "1e150", "1e300", "huge targets", "empty X",
    "zero features", "one sample", "one feature", "one class", "constant feature",
    "duplicated rows", "int", "fortran", "read-only memmap", "object", "list", "DataFrame",
    "Series", "complex", "strings", "feature names checked", "mismatched n_features",
    "str labels", "int labels", "bool labels", "np.str_ labels", "float labels",
    "mixed labels", "None labels", "hidden size 0", "batch_size > n", "lr=1e3",
    "hypothesis finite inputs (40 draws)", "csr", "csc", "coo", "lil",
])
