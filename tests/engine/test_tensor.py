"""Backward mechanics: topological order, accumulation, freeing, no_grad, dtype, pickling."""

import pickle
import threading

import numpy as np
import pytest

import sklearn_deep.engine as E
from sklearn_deep.engine import RowSparseGrad, Tensor, no_grad


def test_reused_node_accumulates():
    x = Tensor([1.0, -2.0, 3.0], requires_grad=True)
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, -4.0, 6.0])  # d(x·x)/dx = 2x, not x


def test_diamond_graph_sums_both_paths():
    x = Tensor(2.0, requires_grad=True)
    a = x * 3.0
    f = a * a + a.exp()  # f = 9x² + e^{3x}
    f.backward()
    assert x.grad == pytest.approx(18 * 2.0 + 3 * np.exp(6.0), rel=1e-14)


def test_ten_thousand_op_chain_needs_no_recursion():
    x = Tensor(1.0, requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.backward()
    assert x.grad == pytest.approx(1.0001**10_000, rel=1e-9)


def test_leaf_gradients_accumulate_across_calls_until_zeroed():
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x * 3.0).sum().backward()
    (x * 3.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [6.0, 6.0])
    x.zero_grad()
    assert x.grad is None


def test_shared_upstream_gradient_gives_independent_leaf_arrays():
    a, b = Tensor(np.zeros(3), requires_grad=True), Tensor(np.zeros(3), requires_grad=True)
    (a + b).backward(np.ones(3))
    assert a.grad is not b.grad
    a.grad[0] = 7.0
    np.testing.assert_array_equal(b.grad, np.ones(3))
    c = Tensor(np.zeros((2, 3)), requires_grad=True)
    c.sum().backward()  # the gradient of a sum is a broadcast view: the leaf must own it
    c.grad[0, 0] = 5.0
    assert c.grad.flags.writeable and c.grad.sum() == 10.0


def test_leaf_gradients_never_share_memory_through_views():
    a = Tensor(np.zeros((2, 3)), requires_grad=True)
    b = Tensor(np.zeros(6), requires_grad=True)
    c = Tensor(np.zeros((3, 2)), requires_grad=True)
    (a.reshape(6) + b + c.T.reshape(6)).backward(np.ones(6))
    assert not np.shares_memory(a.grad, b.grad) and not np.shares_memory(b.grad, c.grad)
    a.grad += 1
    np.testing.assert_array_equal(b.grad, np.ones(6))


def test_no_graph_without_requires_grad_or_under_no_grad():
    a = Tensor(np.ones(3))
    assert (a * 2.0 + 1.0)._ctx is None
    w = Tensor(np.ones(3), requires_grad=True)
    with no_grad():
        out = E.relu(w * 2.0).sum()
    assert out._ctx is None and not out.requires_grad
    assert (w * 2.0)._ctx is not None  # recording resumes after the block


def test_no_grad_is_per_thread():
    w = Tensor(np.ones(3), requires_grad=True)
    seen = []
    with no_grad():
        t = threading.Thread(target=lambda: seen.append((w * 2.0).requires_grad))
        t.start()
        t.join()
    assert seen == [True]


def test_saved_values_are_freed_and_second_backward_explains():
    x = Tensor(np.ones(3), requires_grad=True)
    h = E.tanh(x)
    y = (h * 2.0).sum()
    y.backward()
    assert not hasattr(h._ctx, "out")  # what tanh saved is gone
    assert h.grad is None  # intermediate gradients are not kept
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = Tensor(np.array([0.5, -1.0]), requires_grad=True)
    y = E.tanh(x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad, 2 * (1 - np.tanh(x.data) ** 2))


def test_backward_argument_errors():
    x = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(ValueError, match="non-scalar"):
        (x * 2.0).backward()
    with pytest.raises(ValueError, match="shape"):
        (x * 2.0).backward(np.ones(4))
    with pytest.raises(ValueError, match="does not require"):
        Tensor(np.ones(3)).backward()
    with pytest.raises(TypeError, match="floating"):
        Tensor([1, 2], requires_grad=True)
    with pytest.raises(TypeError, match="numeric"):
        Tensor(np.array(["a"]))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_preserved_through_a_network(dtype):
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((5, 4)).astype(dtype))
    w = Tensor(rng.standard_normal((4, 3)).astype(dtype), requires_grad=True)
    b = Tensor(np.zeros(3, dtype=dtype), requires_grad=True)
    loss = E.softmax_cross_entropy(E.relu(x @ w + b) * 0.5 - 1.0, np.array([0, 1, 2, 0, 1]))
    loss = loss + 1e-3 * E.l2_penalty(w)
    assert loss.dtype == dtype
    loss.backward()
    assert w.grad.dtype == dtype and b.grad.dtype == dtype


def test_reflected_operators_with_arrays_and_scalars():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    out = np.array([3.0, 4.0]) * x + 2.0 - (1.0 / x) + 2.0**x - np.ones(2) @ x.reshape(2, 1)
    assert isinstance(out, Tensor)
    out.sum().backward()
    expected = np.array([3.0, 4.0]) + 1.0 / x.data**2 + np.log(2.0) * 2.0**x.data - 2.0
    np.testing.assert_allclose(x.grad, expected)


def test_row_gather_gradient_is_row_sparse():
    table = Tensor(np.arange(12.0).reshape(6, 2), requires_grad=True, sparse_grad=True)
    idx = np.array([[1, 4], [1, 0]])
    (table[idx] * 2.0).sum().backward()
    g = table.grad
    assert isinstance(g, RowSparseGrad) and g.values.shape == (4, 2)  # rows used, not V×d
    dense = np.zeros((6, 2))
    dense[[1, 4, 0]] = [[4.0, 4.0], [2.0, 2.0], [2.0, 2.0]]  # row 1 used twice
    np.testing.assert_array_equal(g.to_dense(), dense)
    np.testing.assert_array_equal(g.coalesce().indices, [0, 1, 4])
    # without sparse_grad the leaf gets the ordinary dense gradient
    dense_table = Tensor(np.arange(12.0).reshape(6, 2), requires_grad=True)
    (dense_table[idx] * 2.0).sum().backward()
    np.testing.assert_array_equal(dense_table.grad, dense)


def test_row_gather_mixed_with_dense_use_of_the_same_table():
    table = Tensor(np.ones((4, 2)), requires_grad=True, sparse_grad=True)
    (table[np.array([2])].sum() + table.sum() * 3.0).backward()
    expected = np.full((4, 2), 3.0)
    expected[2] += 1.0
    np.testing.assert_array_equal(table.grad, expected)


def test_row_gather_rejects_bad_indices():
    table = Tensor(np.ones((4, 2)), requires_grad=True)
    with pytest.raises(IndexError, match="4 rows"):
        E.gather_rows(table, np.array([0, 4]))
    with pytest.raises(TypeError, match="integers"):
        E.gather_rows(table, np.array([0.5]))


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.int64, np.uint8,
                                   ">i2", ">i4", ">i8", ">u2"])
@pytest.mark.parametrize("n_rows", [3, 200, 40000])
def test_fused_gathers_reject_negative_and_too_large_rows(dtype, n_rows):
    # negative indices are refused whatever the integer width, byte order and the table's
    # size (the check reads them as unsigned where that cannot wrap below the table's size)
    table = np.ones((n_rows, 2))
    hidden = np.ones((1, 1, 2))
    weights = np.ones((1, 1, 2))
    info = np.iinfo(dtype)
    bad = [n_rows] if n_rows <= info.max else []
    if info.min < 0:
        bad += [-1, info.min]
    for row in bad:
        with pytest.raises(IndexError, match=f"{n_rows} rows"):
            E.negative_sampling(hidden, table, np.zeros((1, 1), int),
                                np.array([[row]], dtype=dtype), weights)
        with pytest.raises(IndexError, match=f"{n_rows} rows"):
            E.sampled_logistic(hidden, table, np.array([[0, row]], dtype=dtype),
                               np.zeros((1, 1, 2), bool), weights)
    good = np.array([[0, min(n_rows, info.max) - 1]], dtype=dtype)
    E.sampled_logistic(hidden, table, good, np.zeros((1, 1, 2), bool), weights)
    E.negative_sampling(hidden, table, np.zeros((1, 1), int), good[:, 1:], weights)


def test_negative_sampling_keeps_its_own_copy_of_the_checked_rows():
    # the table's gradient reaches SciPy's unchecked kernel: negatives changed by the
    # caller between forward and backward must not write outside the table
    buf = np.zeros((1300, 4))
    table = buf[1000:1300]
    hidden = Tensor(np.ones((1, 1, 4)), requires_grad=True)
    out = Tensor(table, requires_grad=True, sparse_grad=True)
    negatives = np.array([[5]])
    loss = E.negative_sampling(hidden, out, np.zeros((1, 1), int), negatives,
                               np.ones((1, 1, 2)))
    negatives[0, 0] = -256
    loss.backward()
    out.grad.add_to(table, -1.0)
    assert not buf[:1000].any()
    assert buf[1005].any()  # the row given at forward time


def test_sparse_constant_times_tensor():
    import scipy.sparse as sp

    dense = np.array([[0.0, 2.0, 0.0], [1.0, 0.0, -3.0]])
    w = Tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    w_ref = Tensor(w.data.copy(), requires_grad=True)
    for fmt in ("csr", "csc"):
        w.zero_grad(), w_ref.zero_grad()
        out = E.matmul(sp.csr_matrix(dense).asformat(fmt), w)
        ref = Tensor(dense) @ w_ref
        np.testing.assert_array_equal(out.data, ref.data)
        (out * out).sum().backward()
        (ref * ref).sum().backward()
        np.testing.assert_array_equal(w.grad, w_ref.grad)


def test_graph_and_tensors_pickle():
    w = Tensor(np.array([[1.0, -2.0], [0.5, 3.0]]), requires_grad=True)
    loss = E.softmax_cross_entropy(E.relu(np.eye(2) @ w), np.array([0, 1]))
    restored = pickle.loads(pickle.dumps(loss))
    restored.backward()
    loss.backward()
    leaf = restored._ctx.inputs[0]._ctx.inputs[0]._ctx.inputs[1]
    np.testing.assert_array_equal(leaf.grad, w.grad)
    assert w.grad is not None


def test_losses_are_finite_for_extreme_logits():
    s = Tensor(np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 0.0]]), requires_grad=True)
    ce = E.softmax_cross_entropy(s, np.array([0, 0]))
    # row 0: correct class dominates, loss 0; row 1: loss = 1e4 - (-1e4) = 2e4; mean 1e4
    assert ce.item() == pytest.approx(1e4)
    ce.backward()
    np.testing.assert_allclose(s.grad, [[0, 0, 0], [-0.5, 0.5, 0]], atol=1e-12)
    hinge = E.multiclass_hinge(Tensor(s.data, requires_grad=True), np.array([0, 0]))
    assert hinge.item() == pytest.approx((0 + (2e4 + 1) + (1e4 + 1)) / 2)
    x = Tensor(np.array([1e4, -1e4, 1e4, -1e4]), requires_grad=True)
    bce = E.binary_cross_entropy_with_logits(x, np.array([1.0, 0.0, 0.0, 1.0]))
    assert bce.item() == pytest.approx((0 + 0 + 1e4 + 1e4) / 4)
    bce.backward()
    np.testing.assert_allclose(x.grad, [0, 0, 0.25, -0.25])
    assert all(np.isfinite(v.grad).all() for v in (s, x))


def test_zero_weight_batch_gives_zero_loss_and_gradient():
    for loss in (E.softmax_cross_entropy, E.multiclass_hinge):
        s = Tensor(np.random.default_rng(0).standard_normal((3, 4)), requires_grad=True)
        out = loss(s, np.array([0, 1, 2]), sample_weight=np.zeros(3))
        out.backward()
        assert out.item() == 0.0 and not s.grad.any()
    p = Tensor(np.ones((3, 2)), requires_grad=True)
    out = E.squared_error(p, np.zeros((3, 2)), sample_weight=np.zeros(3))
    out.backward()
    assert out.item() == 0.0 and not p.grad.any()


def test_a_graph_unpickled_then_extended_backpropagates_through_both_parts(monkeypatch):
    # the walk's order comes from numbers given when tensors are made; an unpickled graph
    # is renumbered, its inputs before it, and later operations come after it, even in a
    # new process (simulated: its numbering starts again at 0)
    import itertools

    from sklearn_deep.engine import tensor as tensor_module

    x = Tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)
    for _ in range(10):
        x * 1.0  # numbers well above 0
    h = x * x  # h = x², made before pickling
    data = pickle.dumps((x, h))
    monkeypatch.setattr(tensor_module, "_numbers", itertools.count())
    x2, h2 = pickle.loads(data)
    f = (h2 * 3.0 + x2).sum() + (h2 * h2).sum()  # 3x² + x + x⁴, consumers made after
    f.backward()
    expected = 6 * x.data + 1 + 4 * x.data ** 3
    np.testing.assert_allclose(x2.grad, expected, rtol=1e-15)
