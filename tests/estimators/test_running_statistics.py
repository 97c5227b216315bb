"""The running statistics behind partial_fit against NumPy on all the data at once."""

import numpy as np
import pytest

from sklearn_deep.estimators._pca_compat import RunningStatistics


@pytest.mark.parametrize("scatter", [False, True])
def test_merged_batches_equal_the_statistics_of_all_the_data(scatter):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((1000, 4)) * [1.0, 10.0, 0.1, 3.0] + [5.0, -2.0, 100.0, 0.0]
    stats = RunningStatistics(X[:1], scatter)
    for start, stop in [(1, 7), (7, 400), (400, 1000)]:
        stats.update(X[start:stop], scatter)
    centred = X - X.mean(axis=0)
    assert stats.n_samples == 1000
    np.testing.assert_allclose(stats.mean, X.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(stats.m2, (centred**2).sum(axis=0), rtol=1e-10)
    assert stats.total_variance() == pytest.approx(X.var(axis=0, ddof=1).sum(), rel=1e-10)
    np.testing.assert_array_equal(stats.data_min, X.min(axis=0))
    np.testing.assert_array_equal(stats.data_max, X.max(axis=0))
    if scatter:
        np.testing.assert_allclose(stats.scatter, centred.T @ centred, rtol=1e-10,
                                   atol=1e-8)
    else:
        assert stats.scatter is None


def test_statistics_of_one_large_batch_are_computed_by_chunks():
    X = np.random.default_rng(1).uniform(0, 1, (10_000, 3))  # more rows than one chunk
    stats = RunningStatistics(X, scatter=True)
    centred = X - X.mean(axis=0)
    np.testing.assert_allclose(stats.scatter, centred.T @ centred, rtol=1e-10)
    np.testing.assert_allclose(stats.m2, (centred**2).sum(axis=0), rtol=1e-10)
