"""Row-sparse gradients: coalescing and weighted scatters against dense np.add.at."""

import numpy as np
import pytest

from sklearn_deep.engine import RowSparseGrad
from sklearn_deep.engine.sparse import scatter_rows


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
def test_scatter_rows_equals_a_dense_scatter_add(dtype):
    rng = np.random.default_rng(0)
    rows = rng.integers(0, 7, 40)  # many duplicates
    sources = rng.integers(0, 5, 40)
    weights = rng.integers(-3, 4, 40).astype(dtype)
    vectors = rng.integers(-5, 6, (5, 3)).astype(dtype)
    expected = np.zeros((9, 3), dtype=dtype)
    np.add.at(expected, rows, weights[:, None] * vectors[sources])
    got = scatter_rows(rows, sources, weights, vectors, (9, 3))
    assert got.coalesced and np.all(np.diff(got.indices) > 0)
    np.testing.assert_allclose(got.to_dense(), expected, rtol=1e-6)
    assert got.values.dtype == dtype


def test_coalesce_sums_duplicates_and_is_idempotent():
    g = RowSparseGrad([3, 1, 3, 0], np.arange(8.0).reshape(4, 2), (5, 2))
    c = g.coalesce()
    np.testing.assert_array_equal(c.indices, [0, 1, 3])
    np.testing.assert_array_equal(c.values, [[6, 7], [2, 3], [4, 6]])
    assert c.coalesce() is c
    np.testing.assert_array_equal(c.to_dense(), g.to_dense())
    unique = RowSparseGrad([2, 0], np.ones((2, 2)), (3, 2)).coalesce()
    np.testing.assert_array_equal(unique.indices, [0, 2])


def test_empty_row_sparse_gradient_steps_nothing():
    from sklearn_deep.engine import Tensor
    from sklearn_deep.optim import SGD

    W = Tensor(np.ones((4, 2)), requires_grad=True, sparse_grad=True)
    b = Tensor(np.ones(2), requires_grad=True)
    (W[np.array([], dtype=np.intp)].sum() + b.sum()).backward()
    assert W.grad.indices.shape == (0,)
    SGD([W.data, b.data], learning_rate=0.1).step([W.grad, b.grad])
    np.testing.assert_array_equal(W.data, np.ones((4, 2)))
    np.testing.assert_allclose(b.data, [0.9, 0.9])
