"""Gradient transformations chained before the optimizer's step, against hand formulas."""

import numpy as np
import pytest

from sklearn_deep.engine.sparse import RowSparseGrad
from sklearn_deep.optim import OPTIMIZERS, SGD, make_optimizer
from sklearn_deep.optim.transforms import GradientTransformation, RowDamping, chain


def _grad(dense, rows, backed):
    if backed:
        return RowSparseGrad.from_dense(dense.copy(), rows)
    return RowSparseGrad(np.repeat(rows, 2), np.repeat(dense[rows], 2, axis=0) / 2,
                         dense.shape).coalesce()


@pytest.mark.parametrize("n_rows", [40, 4000])  # counted densely / with np.unique
@pytest.mark.parametrize("backed", [False, True])
def test_damping_scales_only_rows_used_more_than_the_cap(n_rows, backed):
    rng = np.random.default_rng(0)
    used = np.concatenate([np.full(10, 3), np.full(4, 7), np.full(6, 1), [0, 2, 2]])
    rows = np.unique(used)
    dense = np.zeros((n_rows, 2))
    dense[rows] = rng.standard_normal((rows.shape[0], 2))
    damping = RowDamping(4.0)
    damping.count_uses([used], [dense.shape])
    damped = damping.update([_grad(dense, rows, backed)], [dense])[0].to_dense()
    expected = dense.copy()
    expected[3] *= 4 / 10  # used 10 times: scaled to 4 contributions
    expected[1] *= 4 / 6
    np.testing.assert_allclose(damped, expected, rtol=1e-12)  # row 7 (4 uses) unchanged


@pytest.mark.parametrize("n_rows", [40, 4000])  # looked up in a table / searched
@pytest.mark.parametrize("factored", [False, True])
def test_damping_an_uncoalesced_gradient_scales_every_entry_of_a_heavy_row(n_rows,
                                                                          factored):
    # oracle: the same rule on the dense sum, row by row
    rng = np.random.default_rng(1)
    used = np.concatenate([np.full(10, 3), np.full(4, 7), np.full(6, 1), [0, 2, 2]])
    entries = rng.permutation(used)  # one gradient entry per use, repeated rows apart
    values = rng.standard_normal((entries.shape[0], 2))
    if factored:  # entry k: weights[k] · vectors[k // 2]
        vectors = rng.standard_normal((entries.shape[0] // 2 + 1, 2))
        offsets = np.minimum(np.arange(0, entries.shape[0] + 2, 2), entries.shape[0])
        weights = rng.uniform(0.5, 2.0, entries.shape[0])
        grad = RowSparseGrad.from_product(entries, offsets, weights, vectors, (n_rows, 2))
    else:
        grad = RowSparseGrad(entries, values, (n_rows, 2))
    expected = grad.to_dense()
    expected[3] *= 4 / 10
    expected[1] *= 4 / 6
    damping = RowDamping(4.0)
    damping.count_uses([used], [(n_rows, 2)])
    damped = damping.update([grad], [np.zeros((n_rows, 2))])[0]
    assert not damped.coalesced  # plain SGD adds the entries one by one
    np.testing.assert_allclose(damped.to_dense(), expected, rtol=1e-12)


def test_damping_of_a_share_of_the_rows_scales_the_rows_it_holds():
    # a parallel worker's gradient holds only some of the batch's rows
    used = np.concatenate([np.full(10, 3), np.full(6, 1), [5]])
    dense = np.arange(16.0).reshape(8, 2)
    damping = RowDamping(4.0)
    damping.count_uses([used], [dense.shape])
    share = RowSparseGrad(np.array([3, 5]), dense[[3, 5]].copy(), dense.shape, coalesced=True)
    out = damping.update([share], [dense])[0].to_dense()
    np.testing.assert_allclose(out[3], dense[3] * 0.4)
    np.testing.assert_allclose(out[5], dense[5])
    assert not out[1].any()
    none = RowSparseGrad(np.array([0]), dense[[0]].copy(), dense.shape, coalesced=True)
    np.testing.assert_allclose(damping.update([none], [dense])[0].to_dense()[0], dense[0])


class _Scale(GradientTransformation):
    def __init__(self, factor):
        self.factor = factor

    def update(self, grads, params):
        return [None if g is None else g * self.factor for g in grads]


def test_chained_transforms_run_in_order_before_the_step():
    param = np.ones((3, 2))
    grad = np.full((3, 2), 2.0)
    seen = []

    class Record(GradientTransformation):
        def update(self, grads, params):
            seen.append(grads[0].copy())
            return grads

    opt = make_optimizer("sgd", [param], learning_rate=0.5,
                         transform=chain(_Scale(3.0), Record()))
    opt.step([grad])
    np.testing.assert_array_equal(seen[0], grad * 3.0)
    np.testing.assert_array_equal(param, 1.0 - 0.5 * 3.0 * 2.0)


def test_chained_damping_scales_heavy_rows_only():
    damping = RowDamping(2.0)
    damping.count_uses([np.array([1, 1, 1, 0]), None], [(3, 1), (3, 1)])
    other = chain(damping)
    grad = RowSparseGrad(np.array([0, 1]), np.ones((2, 1)), (3, 1), coalesced=True)
    out = other.update([grad, np.ones((3, 1))], [None, None])
    np.testing.assert_allclose(out[0].to_dense().ravel(), [1.0, 2 / 3, 0.0])
    np.testing.assert_array_equal(out[1], np.ones((3, 1)))  # None use: never damped


def test_sgd_without_transform_is_unchanged():
    a, b = np.ones(4), np.ones(4)
    SGD([a], learning_rate=0.1).step([np.arange(4.0)])
    SGD([b], learning_rate=0.1, transform=chain()).step([np.arange(4.0)])
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, 1 - 0.1 * np.arange(4.0))


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_every_registered_optimizer_applies_its_transform_before_the_update(name):
    class Half(GradientTransformation):
        def update(self, grads, params):
            return [None if g is None else 0.5 * g for g in grads]

    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 2))
    b = a.copy()
    transformed = make_optimizer(name, [a], learning_rate=0.1, transform=Half())
    by_hand = make_optimizer(name, [b], learning_rate=0.1)
    for _ in range(4):
        g = rng.standard_normal((3, 2))
        transformed.step([g])
        by_hand.step([0.5 * g])
    np.testing.assert_array_equal(a, b)
