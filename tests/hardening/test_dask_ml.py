"""Out-of-core through dask-ml: ``Incremental`` trains block by block with ``partial_fit``,
``ParallelPostFit`` predicts and transforms block by block."""

import numpy as np
import pytest
from sklearn.datasets import load_digits

from sklearn_deep import AutoencoderTransformer, MLPClassifierScratch, MLPRegressorScratch

da = pytest.importorskip("dask.array")
wrappers = pytest.importorskip("dask_ml.wrappers")

CHUNK = 400  # digits' 1797 rows make five blocks, the last one short


@pytest.fixture(scope="module")
def data():
    X, y = load_digits(return_X_y=True)
    X = X / 16
    return X, y, da.from_array(X, chunks=(CHUNK, -1)), da.from_array(y, chunks=CHUNK)


def _by_hand(est, X, *targets, **kwargs):
    for start in range(0, X.shape[0], CHUNK):
        block = slice(start, start + CHUNK)
        est.partial_fit(X[block], *(t[block] for t in targets), **kwargs)
    return est


def _weights(est):
    if hasattr(est, "coefs_"):
        return est.coefs_ + est.intercepts_
    return [est.components_, est.mean_, est.transform(np.eye(est.n_features_in_))]


@pytest.mark.parametrize("make, supervised, kwargs", [
    (lambda: MLPClassifierScratch((16,), random_state=0), True,
     {"classes": np.arange(10)}),
    (lambda: MLPRegressorScratch(hidden_layer_sizes=(16,), random_state=0), True, {}),
    (lambda: AutoencoderTransformer(n_components=8, random_state=0), False, {}),
])
def test_incremental_equals_the_same_partial_fit_calls_by_hand(data, make, supervised,
                                                               kwargs):
    X, y, dX, dy = data
    assert dX.numblocks[0] > 1
    targets = (y,) if supervised else ()
    dtargets = (dy,) if supervised else ()
    inc = wrappers.Incremental(make(), shuffle_blocks=False).fit(dX, *dtargets, **kwargs)
    ref = _by_hand(make(), X, *targets, **kwargs)
    for a, b in zip(_weights(inc.estimator_), _weights(ref)):
        np.testing.assert_array_equal(a, b)
    assert inc.estimator_.t_ == ref.t_ == X.shape[0]


def test_incremental_with_shuffled_blocks_learns(data):
    *_, dX, dy = data
    inc = wrappers.Incremental(MLPClassifierScratch((32,), random_state=0,
                                                    learning_rate_init=0.01),
                               shuffle_blocks=True, random_state=0)
    for _ in range(5):
        inc.partial_fit(dX, dy, classes=np.arange(10))
    assert inc.score(dX, dy) > 0.8


def test_parallel_post_fit_predicts_and_transforms_block_by_block(data):
    X, y, dX, _ = data
    clf = wrappers.ParallelPostFit(MLPClassifierScratch((16,), max_iter=30, random_state=0))
    clf.fit(X, y)
    proba = clf.predict_proba(dX)
    assert isinstance(proba, da.Array) and proba.numblocks[0] == dX.numblocks[0]
    np.testing.assert_array_equal(proba.compute(), clf.estimator.predict_proba(X))
    np.testing.assert_array_equal(clf.predict(dX).compute(), clf.estimator.predict(X))
    ae = wrappers.ParallelPostFit(AutoencoderTransformer(n_components=5, random_state=0))
    ae.fit(X)
    np.testing.assert_allclose(ae.transform(dX).compute(), ae.estimator.transform(X),
                               rtol=0, atol=1e-12)
