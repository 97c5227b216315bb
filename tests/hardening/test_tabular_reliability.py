"""Failure modes, reproducibility, persistence and parallel use of the tabular estimators."""

import io
import pickle
import subprocess
import sys
import warnings
from concurrent.futures import ThreadPoolExecutor

import joblib
import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, cross_val_score

from sklearn_deep import AutoencoderTransformer, MLPClassifierScratch, MLPRegressorScratch

from .test_tabular_hostile import AUTOENCODERS, ESTIMATORS, _data, _out, _params


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def test_divergence_in_partial_fit_keeps_the_previous_valid_state():
    X, y = _data("regressor", n=60)
    est = MLPRegressorScratch(hidden_layer_sizes=(8,), solver="sgd", learning_rate_init=0.01,
                              random_state=0)
    est.partial_fit(X, y)
    before = _params(est)
    with np.errstate(all="ignore"), pytest.raises(ValueError, match="non-finite"):
        est.partial_fit(X * 1e200, y * 1e200)
    for a, b in zip(_params(est), before):
        np.testing.assert_array_equal(a, b)
    est.partial_fit(X, y)  # and it is still usable
    assert np.isfinite(est.predict(X)).all()


def test_divergence_with_warm_start_keeps_the_previous_valid_state():
    X, y = _data("regressor", n=60)
    est = MLPRegressorScratch(hidden_layer_sizes=(8,), solver="sgd", learning_rate_init=0.01,
                              max_iter=3, warm_start=True, random_state=0).fit(X, y)
    est.set_params(learning_rate_init=50.0, max_iter=50)
    with np.errstate(all="ignore"), pytest.raises(ValueError, match="learning rate"):
        est.fit(X * 30, y)
    assert all(np.isfinite(a).all() for a in _params(est))


@pytest.mark.parametrize("kind", ESTIMATORS)
@pytest.mark.parametrize("random_state", [None, 0])
def test_inputs_and_the_global_random_state_are_left_alone(kind, random_state):
    X, y = _data(kind)
    supervised = kind not in AUTOENCODERS
    fit_args = {"y": y, "sample_weight": np.linspace(0.5, 2.0, len(y))} if supervised else {}
    originals = [X, *fit_args.values()] if supervised else [X]
    copies = [a.copy() for a in originals]
    np.random.seed(123)  # noqa: NPY002 - the legacy global state is what must stay untouched
    state = np.random.get_state()  # noqa: NPY002
    est = ESTIMATORS[kind](early_stopping=True).set_params(random_state=random_state)
    est.fit(X, **fit_args)
    _out(est, X)
    est.set_params(early_stopping=False).partial_fit(X, **fit_args)
    for original, copy in zip(originals, copies):
        np.testing.assert_array_equal(original, copy)
    after = np.random.get_state()  # noqa: NPY002
    assert after[0] == state[0] and np.array_equal(after[1], state[1]) and after[2] == state[2]


_FIT_AND_PRINT = """
import numpy as np, hashlib, warnings
warnings.simplefilter("ignore")
from sklearn_deep import MLPClassifierScratch
from sklearn.datasets import load_digits
X, y = load_digits(return_X_y=True)
est = MLPClassifierScratch((32,), max_iter=5, dropout=0.2, random_state=7).fit(X / 16, y)
h = hashlib.sha256()
for a in est.coefs_ + est.intercepts_:
    h.update(np.ascontiguousarray(a).tobytes())
print(h.hexdigest())
"""


def test_same_random_state_is_bit_identical_across_processes():
    runs = [subprocess.run([sys.executable, "-c", _FIT_AND_PRINT], capture_output=True,
                           text=True, check=True).stdout.strip() for _ in range(2)]
    X, y = load_digits(return_X_y=True)
    est = MLPClassifierScratch((32,), max_iter=5, dropout=0.2, random_state=7).fit(X / 16, y)
    import hashlib

    h = hashlib.sha256()
    for a in est.coefs_ + est.intercepts_:
        h.update(np.ascontiguousarray(a).tobytes())
    assert runs[0] == runs[1] == h.hexdigest()


@pytest.mark.parametrize("kind", ESTIMATORS)
def test_pickle_and_joblib_round_trips_predict_identically(kind):
    X, y = _data(kind)
    est = ESTIMATORS[kind]().fit(X, y)
    buffer = io.BytesIO()
    joblib.dump(est, buffer)
    buffer.seek(0)
    for restored in (pickle.loads(pickle.dumps(est)), joblib.load(buffer)):
        np.testing.assert_array_equal(_out(restored, X), _out(est, X))


@pytest.mark.parametrize("kind", ESTIMATORS)
def test_a_model_pickled_mid_training_resumes_identically(kind):
    X, y = _data(kind, n=80)
    kw = {"classes": np.unique(y)} if kind == "classifier" else {}
    if kind in AUTOENCODERS:
        y = None
    straight = ESTIMATORS[kind]()
    paused = ESTIMATORS[kind]()
    for _ in range(2):
        straight.partial_fit(X, y, **kw)
        paused.partial_fit(X, y, **kw)
    resumed = pickle.loads(pickle.dumps(paused))
    for _ in range(2):
        straight.partial_fit(X, y, **kw)
        resumed.partial_fit(X, y, **kw)
    for a, b in zip(_params(straight), _params(resumed)):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("backend", ["loky", "threading"])
def test_parallel_grid_search_equals_serial(backend):
    X, y = _data("classifier", n=120)
    grid = {"hidden_layer_sizes": [(4,), (8,)], "alpha": [1e-4, 1e-2]}
    serial = GridSearchCV(MLPClassifierScratch(max_iter=20, random_state=0), grid, cv=3)
    serial.fit(X, y)
    with joblib.parallel_backend(backend, n_jobs=2):
        parallel = GridSearchCV(MLPClassifierScratch(max_iter=20, random_state=0), grid,
                                cv=3, n_jobs=2).fit(X, y)
    np.testing.assert_array_equal(serial.cv_results_["mean_test_score"],
                                  parallel.cv_results_["mean_test_score"])
    Xr, yr = _data("regressor", n=120)
    reg = MLPRegressorScratch(hidden_layer_sizes=(8,), max_iter=20, random_state=0)
    with joblib.parallel_backend(backend, n_jobs=2):
        par = cross_val_score(reg, Xr, yr, cv=3, n_jobs=2)
    np.testing.assert_array_equal(cross_val_score(reg, Xr, yr, cv=3), par)
    ae = AutoencoderTransformer(n_components=2, hidden_layer_sizes=(4,), activation="tanh",
                                max_iter=10, random_state=0)
    with joblib.parallel_backend(backend, n_jobs=2):
        par = cross_val_score(ae, Xr, cv=3, n_jobs=2)
    np.testing.assert_array_equal(cross_val_score(ae, Xr, cv=3), par)


@pytest.mark.slow
def test_grid_searches_on_a_dask_cluster_equal_serial():
    distributed = pytest.importorskip("distributed")
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    from sklearn_deep import Word2VecTransformer

    from .test_text_hardening import LABELS, TEXTS

    X, y = _data("classifier", n=90)
    searches = [  # (estimator, grid, X, y): one per estimator
        (MLPClassifierScratch(max_iter=10, random_state=0),
         {"hidden_layer_sizes": [(4,), (8,)]}, X, y),
        (AutoencoderTransformer(n_components=2, hidden_layer_sizes=(4,), activation="tanh",
                                max_iter=10, random_state=0),
         {"variant": ["vanilla", "denoising"]}, X, None),
        (make_pipeline(Word2VecTransformer(vector_size=8, min_count=1, epochs=2,
                                           random_state=0), LinearSVC()),
         {"word2vectransformer__sg": [0, 1]}, TEXTS, LABELS),
    ]
    serial = [GridSearchCV(est, grid, cv=3).fit(Xs, ys) for est, grid, Xs, ys in searches]
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster), joblib.parallel_config(backend="dask"):
        on_dask = [GridSearchCV(est, grid, cv=3, n_jobs=-1).fit(Xs, ys)
                   for est, grid, Xs, ys in searches]
    for a, b in zip(serial, on_dask):
        np.testing.assert_array_equal(a.cv_results_["mean_test_score"],
                                      b.cv_results_["mean_test_score"])


@pytest.mark.parametrize("kind", ESTIMATORS)
def test_concurrent_predictions_from_threads_agree_with_serial(kind):
    X, y = _data(kind, n=400)
    est = ESTIMATORS[kind]().fit(X, y)
    chunks = np.array_split(X, 16)
    serial = [_out(est, c) for c in chunks]
    with ThreadPoolExecutor(max_workers=8) as pool:
        threaded = list(pool.map(lambda c: _out(est, c), chunks))
    for a, b in zip(serial, threaded):
        np.testing.assert_array_equal(a, b)
