"""Row-sparse gradients: coalescing and weighted scatters against dense np.add.at."""

import itertools

import numpy as np
import pytest
from numpy.testing import assert_allclose

from sklearn_deep.engine import RowSparseGrad
from sklearn_deep.engine.sparse import add_rows, bag_sums, scatter_rows


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


# --- the dense-accumulation path and dense-backed gradients --------------------------------


def _add_at_oracle(rows, sources, weights, vectors, shape):
    expected = np.zeros(shape, dtype=vectors.dtype)
    np.add.at(expected, rows, weights[:, None] * vectors[sources])
    return expected


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("grouped", [True, False])
@pytest.mark.parametrize("n_rows, n, dense", [
    (6, 50, True),      # at least 2·V contributions: a dense array, kept
    (60, 10, False),    # V/16 or more: touched rows numbered through a lookup
    (500, 10, False),   # fewer: a sort of the rows
])
def test_scatter_rows_paths_equal_add_at(dtype, grouped, n_rows, n, dense):
    rng = np.random.default_rng(1)
    rows = rng.integers(0, n_rows - 1, n)  # the last row is never touched
    sources = rng.integers(0, 9, n)
    if grouped:
        sources = np.sort(sources)
    weights = rng.standard_normal(n).astype(dtype)
    vectors = rng.standard_normal((9, 4)).astype(dtype)
    got = scatter_rows(rows, sources, weights, vectors, (n_rows, 4))
    assert (got.dense is not None) == dense and got.coalesced
    np.testing.assert_array_equal(got.indices, np.unique(rows))
    expected = _add_at_oracle(rows, sources, weights, vectors, (n_rows, 4))
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got.to_dense(), expected, rtol=tol, atol=tol)
    np.testing.assert_allclose(got.values, expected[np.unique(rows)], rtol=tol, atol=tol)
    assert got.dtype == dtype and got.values.dtype == dtype


def test_scatter_rows_rejects_rows_out_of_range():
    with pytest.raises(ValueError, match=r"row indices outside \[0, 3\)"):
        scatter_rows(np.array([0, 3]), np.array([0, 1]), np.ones(2), np.ones((2, 2)), (3, 2))
    with pytest.raises(ValueError, match="outside"):
        scatter_rows(np.full(10, -1), np.zeros(10, int), np.ones(10), np.ones((1, 2)), (3, 2))


def test_dense_backed_gradient_behaves_like_its_rows():
    dense = np.zeros((5, 2))
    dense[1] = [1.0, 2.0]
    dense[3] = [-1.0, 4.0]
    g = RowSparseGrad.from_dense(dense, [1, 3])
    assert g.coalesced and g.coalesce() is g
    np.testing.assert_array_equal(g.values, [[1, 2], [-1, 4]])
    np.testing.assert_array_equal(g.to_dense(), dense)
    assert g.to_dense() is not dense  # a copy: the caller may change it
    # added to a dense array and to a row-sparse gradient
    np.testing.assert_array_equal(g + np.ones((5, 2)), dense + 1)
    other = RowSparseGrad([0, 3], np.ones((2, 2)), (5, 2))
    np.testing.assert_array_equal((g + other).to_dense(), dense + other.to_dense())
    # dtype conversion keeps the dense array
    g32 = g.astype(np.float32)
    assert g32.dense.dtype == np.float32 and g32.values.dtype == np.float32
    assert g.astype(np.float64) is g


@pytest.mark.parametrize("backed", [False, True])
def test_scale_rows_copy_and_in_place(backed):
    dense = np.arange(10.0).reshape(5, 2)
    rows = np.array([0, 2, 4])
    g = (RowSparseGrad.from_dense(dense.copy(), rows) if backed
         else RowSparseGrad(rows, dense[rows], (5, 2), coalesced=True))
    expected = g.to_dense()
    expected[2] *= 0.5
    scaled = g.scale_rows(np.array([1]), np.array([0.5]))
    np.testing.assert_array_equal(scaled.to_dense(), expected)
    np.testing.assert_array_equal(g.values[1], [4.0, 5.0])  # the original is unchanged
    same = g.scale_rows(np.array([1]), np.array([0.5]), inplace=True)
    np.testing.assert_array_equal(g.to_dense(), expected)
    np.testing.assert_array_equal(same.to_dense(), expected)


def test_many_row_sparse_gradients_add_up_lazily_and_exactly():
    rng = np.random.default_rng(2)
    parts = [RowSparseGrad(rng.integers(0, 7, 4), rng.standard_normal((4, 3)), (7, 3))
             for _ in range(6)]
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    assert not total.coalesced
    np.testing.assert_array_equal(total.indices, np.concatenate([p.indices for p in parts]))
    np.testing.assert_array_equal(total.values, np.concatenate([p.values for p in parts]))
    np.testing.assert_allclose(total.coalesce().to_dense(),
                               sum(p.to_dense() for p in parts), rtol=1e-12)
    # the parts themselves are untouched
    assert all(p.indices.shape == (4,) for p in parts)


def test_embedding_bag_leaves_padding_out_of_the_gradient():
    from sklearn_deep.engine import Tensor, embedding_bag

    table = Tensor(np.arange(12.0).reshape(6, 2), requires_grad=True, sparse_grad=True)
    rows = np.array([[1, 5, 2], [3, 4, 4]])
    weights = np.array([[0.5, 0.0, 0.5], [1.0, 0.0, 0.0]])  # rows 5 and 4: padding
    out = embedding_bag(table, rows, weights)
    np.testing.assert_allclose(out.data, [[3.0, 4.0], [6.0, 7.0]])
    out.sum().backward()
    grad = table.grad.coalesce()
    np.testing.assert_array_equal(grad.indices, [1, 2, 3])
    np.testing.assert_allclose(grad.values, [[0.5, 0.5], [0.5, 0.5], [1.0, 1.0]])


@pytest.mark.parametrize("n_rows", [12, 1000])  # rows numbered by lookup / by a sort
@pytest.mark.parametrize("backed", ["neither", "first", "second"])
def test_adding_coalesced_gradients_merges_their_rows(n_rows, backed):
    rng = np.random.default_rng(3)
    rows_a, rows_b = np.array([0, 3, 5, 9]), np.array([1, 3, 9, 11])
    a = RowSparseGrad(rows_a, rng.standard_normal((4, 2)), (n_rows, 2), coalesced=True)
    b = RowSparseGrad(rows_b, rng.standard_normal((4, 2)), (n_rows, 2), coalesced=True)
    if backed == "first":
        a = RowSparseGrad.from_dense(a.to_dense(), rows_a)
    elif backed == "second":
        b = RowSparseGrad.from_dense(b.to_dense(), rows_b)
    expected = a.to_dense() + b.to_dense()
    before = a.to_dense(), b.to_dense()
    total = a + b
    assert total.coalesced
    np.testing.assert_array_equal(total.indices, [0, 1, 3, 5, 9, 11])
    np.testing.assert_allclose(total.to_dense(), expected, rtol=1e-15)
    np.testing.assert_array_equal(a.to_dense(), before[0])  # out of place
    np.testing.assert_array_equal(b.to_dense(), before[1])


def test_scatter_rows_checks_sources_and_lengths():
    vectors = np.ones((2, 3), dtype=np.float32)
    with pytest.raises(ValueError, match=r"source indices outside \[0, 2\)"):
        scatter_rows([0, 0], [0, 10**9], [1, 1], vectors, (100, 3))
    with pytest.raises(ValueError, match="one entry per contribution"):
        scatter_rows([0, 1], [0], [1, 1], vectors, (100, 3))


@pytest.mark.parametrize("backed", [False, True])
def test_scale_rows_of_gradients_of_any_rank(backed):
    dense = np.arange(16.0).reshape(4, 2, 2)
    rows = np.array([1, 3])
    g = (RowSparseGrad.from_dense(dense.copy() * np.isin(np.arange(4), rows)[:, None, None],
                                  rows) if backed
         else RowSparseGrad(rows, dense[rows], (4, 2, 2), coalesced=True))
    before = g.values.copy()
    scaled = g.scale_rows(np.array([1]), np.array([0.5]), inplace=True)
    np.testing.assert_array_equal(scaled.values[0], before[0])
    np.testing.assert_array_equal(scaled.values[1], 0.5 * before[1])
    np.testing.assert_array_equal(g.values, scaled.values)  # no stale cached rows


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("tail", [(), (3,), (2, 3)])
def test_add_rows_kernel_and_fallback_equal_a_sequential_loop(dtype, tail):
    # SciPy's private CSC kernel and the public np.add.at fallback against a plain loop
    rng = np.random.default_rng(7)
    table = rng.standard_normal((6, *tail)).astype(dtype)
    rows = rng.integers(0, 6, size=40)  # many repeats
    values = rng.standard_normal((40, *tail)).astype(dtype)
    expected = table.copy()
    for row, value in zip(rows, values, strict=True):
        expected[row] = expected[row] + dtype(-0.5) * value
    kernel, fallback = table.copy(), table.copy()
    add_rows(kernel, rows, values, -0.5)
    add_rows(fallback, rows, values, -0.5, use_kernel=False)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    assert_allclose(kernel, expected, rtol=tol, atol=tol)
    assert_allclose(fallback, expected, rtol=tol, atol=tol)
    assert_allclose(kernel, fallback, rtol=tol, atol=tol)


def test_add_rows_rejects_rows_out_of_range_and_accepts_none():
    table = np.zeros((3, 2))
    with pytest.raises(ValueError, match="outside"):
        add_rows(table, np.array([0, 3]), np.ones((2, 2)))
    add_rows(table, np.array([], dtype=int), np.zeros((0, 2)))
    assert not table.any()


def _product_problem(dtype=np.float64, seed=8):
    """A factored gradient: entry k is weights[k] · vectors[s] on rows[k] for
    offsets[s] <= k < offsets[s + 1] (empty bags included), and the same contributions
    written out one by one."""
    rng = np.random.default_rng(seed)
    offsets = np.array([0, 3, 3, 7, 12])
    rows = rng.integers(0, 6, size=12)  # repeats
    weights = rng.uniform(-2.0, 2.0, 12).astype(dtype)
    vectors = rng.standard_normal((4, 3)).astype(dtype)
    sources = np.repeat(np.arange(4), np.diff(offsets))
    return rows, offsets, weights, vectors, weights[:, None] * vectors[sources]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_add_rows_with_offsets_equals_a_sequential_loop(dtype):
    rows, offsets, weights, vectors, contributions = _product_problem(dtype)
    table = np.random.default_rng(9).standard_normal((6, 3)).astype(dtype)
    expected = table.copy()
    for row, value in zip(rows, contributions, strict=True):
        expected[row] += dtype(-0.5) * value
    kernel, fallback = table.copy(), table.copy()
    add_rows(kernel, rows, vectors, -0.5, offsets=offsets, weights=weights)
    add_rows(fallback, rows, vectors, -0.5, offsets=offsets, weights=weights,
             use_kernel=False)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    assert_allclose(kernel, expected, rtol=tol, atol=tol)
    assert_allclose(fallback, expected, rtol=tol, atol=tol)
    with pytest.raises(ValueError, match="offsets"):
        add_rows(table, rows, vectors, offsets=offsets[::-1], weights=weights)


def test_bag_sums_equal_the_sums_written_out_and_check_their_indices():
    rows, offsets, weights, _, _ = _product_problem()
    table = np.random.default_rng(10).standard_normal((6, 3))
    expected = np.array([weights[a:b] @ table[rows[a:b]]
                         for a, b in itertools.pairwise(offsets)])
    assert_allclose(bag_sums(table, rows, weights, offsets), expected, rtol=1e-12)
    assert_allclose(bag_sums(np.asfortranarray(table), rows, weights, offsets), expected,
                    rtol=1e-12)  # not C-contiguous: the public csr_matrix product
    with pytest.raises(ValueError, match="outside"):
        bag_sums(table, rows + 6, weights, offsets)
    with pytest.raises(ValueError, match="offsets"):
        bag_sums(table, rows, weights, np.array([0, 3, 2, 7, 12]))


def test_a_factored_gradient_equals_its_contributions_written_out():
    rows, offsets, weights, vectors, contributions = _product_problem()
    expected = np.zeros((6, 3))
    np.add.at(expected, rows, contributions)

    def factored():
        return RowSparseGrad.from_product(rows, offsets, weights, vectors, (6, 3))

    assert_allclose(factored().to_dense(), expected, rtol=1e-12)
    assert_allclose(factored().coalesce().to_dense(), expected, rtol=1e-12)
    assert_allclose(factored().values, contributions, rtol=1e-12)
    table = np.ones((6, 3))
    factored().add_to(table, -2.0)
    assert_allclose(table, 1.0 - 2.0 * expected, rtol=1e-12)
    # scaling entries scales the weights, never the caller's array; in a sum of parts
    # each part's share of the entries is scaled
    plain = RowSparseGrad(rows[:5], contributions[:5].copy(), (6, 3))
    both = factored() + plain
    kept = weights.copy()
    both.scale_entries(np.array([1, 12, 16]), np.array([0.5, 3.0, -1.0]))
    np.testing.assert_array_equal(weights, kept)
    scaled = contributions.copy()
    scaled[1] *= 0.5
    extra = contributions[:5].copy()
    extra[0] *= 3.0
    extra[4] *= -1.0
    np.testing.assert_array_equal(both.indices, np.concatenate([rows, rows[:5]]))
    table = np.zeros((6, 3))
    both.add_to(table)
    dense = np.zeros((6, 3))
    np.add.at(dense, np.concatenate([rows, rows[:5]]), np.concatenate([scaled, extra]))
    assert_allclose(table, dense, rtol=1e-12)
    assert_allclose(both.values, np.concatenate([scaled, extra]), rtol=1e-12)


def test_only_gradients_of_checking_primitives_skip_the_index_checks():
    # a primitive's gradient (indices checked in its forward pass) is added without
    # checking them again; one built by hand is checked when added or stepped
    from sklearn_deep.engine import Tensor, embedding_bag
    from sklearn_deep.optim import SGD

    rows, offsets, weights, vectors, _ = _product_problem()
    table = Tensor(np.random.default_rng(11).standard_normal((6, 3)), requires_grad=True,
                   sparse_grad=True)
    embedding_bag(table, rows, weights, offsets).sum().backward()
    assert table.grad.checked
    with pytest.raises(IndexError):
        embedding_bag(table, rows + 6, weights, offsets)
    expected = np.zeros((6, 3))
    np.add.at(expected, rows, np.repeat(np.ones((len(offsets) - 1, 3)), np.diff(offsets),
                                        axis=0) * weights[:, None])
    updated = table.data.copy()
    table.grad.add_to(updated, -1.0)
    assert_allclose(updated, table.data - expected, rtol=1e-12)
    by_hand = RowSparseGrad.from_product(rows + 6, offsets, weights, vectors, (6, 3))
    assert not by_hand.checked
    with pytest.raises(ValueError, match="outside"):
        by_hand.add_to(np.zeros((6, 3)))
    with pytest.raises(ValueError, match="outside"):
        SGD([np.zeros((6, 3))], learning_rate=0.1).step([by_hand])


def test_a_checked_gradient_is_checked_again_against_a_smaller_table():
    # indices known valid for the gradient's own table may lie past a smaller table's
    # end: adding into that one must check them (SciPy's kernel would write outside it)
    from sklearn_deep.engine import Tensor, embedding_bag

    table = Tensor(np.zeros((1000, 4)), requires_grad=True, sparse_grad=True)
    embedding_bag(table, np.array([999, 3]), np.ones(2), np.array([0, 1, 2])).sum().backward()
    assert table.grad.checked
    with pytest.raises(ValueError, match="outside"):
        table.grad.add_to(np.zeros((10, 4)))
    bigger = np.zeros((1001, 4))
    table.grad.add_to(bigger)
    assert bigger[999].tolist() == [1.0] * 4 and bigger.sum() == 8.0


def test_embedding_bag_keeps_its_own_copy_of_the_checked_indices():
    # changing the caller's arrays between forward and backward cannot reach the
    # unchecked addition of the gradient
    from sklearn_deep.engine import Tensor, embedding_bag

    rows, offsets = np.array([1, 2], dtype=np.intp), np.array([0, 1, 2], dtype=np.intp)
    table = Tensor(np.zeros((3, 2)), requires_grad=True, sparse_grad=True)
    loss = embedding_bag(table, rows, np.ones(2), offsets).sum()
    rows[:] = 10**9
    offsets[:] = 7
    loss.backward()
    out = np.zeros((3, 2))
    table.grad.add_to(out)
    assert out.tolist() == [[0.0, 0.0], [1.0, 1.0], [1.0, 1.0]]


def test_float_offsets_and_rows_are_refused_not_truncated():
    # offsets of 0.9 and 2.7 would truncate to 0 and 2: bags of the wrong rows
    from sklearn_deep.engine import Tensor, bag_negative_sampling, embedding_bag
    rows, offsets, weights, vectors, _ = _product_problem()
    table = np.random.default_rng(11).standard_normal((6, 3))
    float_offsets = offsets + 0.5
    with pytest.raises(TypeError, match="offsets must be integers"):
        bag_sums(table, rows, weights, float_offsets)
    with pytest.raises(TypeError, match="row indices must be integers"):
        bag_sums(table, rows + 0.5, weights, offsets)
    before = table.copy()
    with pytest.raises(TypeError, match="offsets must be integers"):
        add_rows(table, rows, vectors, offsets=float_offsets, weights=weights)
    with pytest.raises(TypeError, match="row indices must be integers"):
        add_rows(table, rows.astype(float), np.ones((12, 3)))
    assert_allclose(table, before, rtol=0, atol=0)
    with pytest.raises(TypeError, match="offsets must be integers"):
        embedding_bag(Tensor(table), rows, weights, float_offsets)
    with pytest.raises(TypeError, match="offsets must be integers"):
        bag_negative_sampling(Tensor(table), Tensor(table), np.array([0, 3, 3, 1]),
                              np.array([0.0, 1.0, 2.0, 3.0, 4.0]),
                              np.array([[0, 3], [3, 1]]), np.array([[3], [4]]),
                              np.ones((2, 2, 2)))


def test_bag_sums_refuses_weights_of_another_length_and_takes_empty_lists():
    table = np.ones((5, 2))
    with pytest.raises(ValueError, match="2 weights for 6 rows"):
        bag_sums(table, np.zeros(6, np.intp), np.ones(2), np.array([0, 3, 6]))
    assert bag_sums(table, [], [], [0]).shape == (0, 2)
    add_rows(table, [], np.zeros((0, 2)))
    assert (table == 1).all()
