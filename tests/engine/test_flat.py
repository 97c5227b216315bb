"""Flat parameter and gradient storage, the fused dense layer and in-place accumulation.

Oracles: the same computation without the flat layout (independent arrays, separate affine
and activation nodes, the one-hot loss path), which must agree bit for bit, and formulas.
"""

import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import log_softmax, softmax

import sklearn_deep.engine as E
from sklearn_deep.engine import Tensor
from sklearn_deep.engine.flat import (
    TiledViews,
    flat_views,
    parameter_tensors,
    shared_buffer,
    views_of,
)
from sklearn_deep.optim import OPTIMIZERS, make_optimizer

SHAPES = [(4, 3), (3, 2), (3,), (2,)]


def _arrays(rng, dtype=np.float64):
    return [rng.standard_normal(s).astype(dtype) for s in SHAPES]


# ------------------------------------------------------------------ layout
def test_flat_views_copy_the_arrays_into_one_buffer_in_order():
    arrays = _arrays(np.random.default_rng(0))
    buffer, views = flat_views(arrays)
    assert buffer.shape == (sum(a.size for a in arrays),)
    for view, array in zip(views, arrays):
        assert_array_equal(view, array)
        assert view.base is buffer and view is not array
    assert_array_equal(buffer, np.concatenate([a.ravel() for a in arrays]))
    assert shared_buffer(views) is buffer and shared_buffer(list(views)) is buffer


def test_shared_buffer_refuses_anything_but_an_exact_tiling():
    arrays = _arrays(np.random.default_rng(1))
    buffer, views = flat_views(arrays)
    assert shared_buffer(arrays) is None  # independent arrays
    assert shared_buffer(list(views)[::-1]) is None  # another order
    assert shared_buffer(list(views)[1:]) is None  # a gap at the start
    assert shared_buffer(list(views)[:-1]) is None  # a gap at the end
    assert shared_buffer([views[0], None, *list(views)[2:]]) is None
    assert shared_buffer([]) is None
    assert shared_buffer([buffer[:12].reshape(4, 3), buffer[12:]]) is buffer
    assert shared_buffer([buffer[:12].reshape(3, 4).T, buffer[12:]]) is None  # not C order


def test_a_changed_tiled_list_is_checked_again():
    _, views = flat_views(_arrays(np.random.default_rng(2)))
    views[1] = np.zeros(SHAPES[1])
    assert isinstance(views, TiledViews) and shared_buffer(views) is None


def test_views_of_checks_the_sizes_and_tiled_views_pickle_as_lists():
    buffer = np.arange(6.0)
    with pytest.raises(ValueError, match="shapes holding 4 values"):
        views_of(buffer, [(2, 2)])
    views = views_of(buffer, [(2, 2), (2,)])
    restored = pickle.loads(pickle.dumps(views))
    assert type(restored) is list
    assert_array_equal(restored[0], [[0, 1], [2, 3]])


# ------------------------------------------------------------------ gradients
def _objective(W1, W2, b1, b2, X, y):
    h = E.dense(X, W1, b1, "tanh")
    scores = E.affine(h, W2, b2)
    return E.softmax_cross_entropy(scores, y) + E.l2_penalty(W1, W2, scale=0.3)


def test_gradients_land_in_a_flat_buffer_bit_for_bit_as_the_engine_computes_them():
    rng = np.random.default_rng(3)
    params = _arrays(rng)
    X, y = rng.standard_normal((5, 4)), rng.integers(0, 2, 5)
    tensors, grads = parameter_tensors(params)
    _objective(*tensors, X, y).backward()
    plain = [Tensor(p, requires_grad=True) for p in params]
    _objective(*plain, X, y).backward()
    assert shared_buffer(grads) is grads.buffer
    for tensor, grad, reference in zip(tensors, grads, plain):
        assert tensor.grad is grad
        assert_array_equal(grad, reference.grad)


def test_a_given_gradient_array_accumulates_in_place_across_passes():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    storage = np.zeros(2)
    x.grad = storage
    (x * x).sum().backward()
    (3 * x).sum().backward()
    assert x.grad is storage
    assert_array_equal(storage, [2 * 1.0 + 3, 2 * 2.0 + 3])


def test_kept_gradients_are_not_shared_with_a_leaf():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = x + 0.0
    y.sum().backward(keep_grads=True)
    x.sum().backward()  # accumulates into x.grad in place
    assert_array_equal(x.grad, [2.0, 2.0])
    assert_array_equal(y.grad, [1.0, 1.0])


def _network_objective(W1, b1, W2, b2, X, y, activation):
    """A two-layer network's loss, whose backward uses every allocation-sparing path: the
    activation works on a gradient no one else holds, the loss makes its gradient in what
    it saved, weight gradients go straight into zeroed storage, W2 feeds two nodes and
    the penalty takes W1 twice."""
    h = E.dense(X, W1, b1, activation)
    loss = E.softmax_cross_entropy(E.affine(h, W2, b2), y)
    return loss + E.l2_penalty(W1, W2, W1, scale=0.3)


@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic"])
def test_backward_writing_in_place_equals_backward_that_allocates_bit_for_bit(activation):
    # oracle: the same graph through backward(keep_grads=True, retain_graph=True), which
    # offers no gradient storage and lets no primitive overwrite anything
    rng = np.random.default_rng(8)
    params = [rng.standard_normal(s) for s in ((4, 5), (5,), (5, 3), (3,))]
    X, y = rng.standard_normal((6, 4)), rng.integers(0, 3, 6)
    tensors, grads = parameter_tensors(params)
    _network_objective(*tensors, X, y, activation).backward()
    plain = [Tensor(p, requires_grad=True) for p in params]
    _network_objective(*plain, X, y, activation).backward(keep_grads=True, retain_graph=True)
    for tensor, grad, reference in zip(tensors, grads, plain):
        assert tensor.grad is grad
        assert_array_equal(grad, reference.grad)
    # a leaf given twice to one node whose backward writes into the storage: the formula
    (W1, _, W2, _), (g1, _, g2, _) = parameter_tensors(params)
    E.l2_penalty(W1, W2, W1, scale=0.3).backward()
    assert_allclose(g1, 0.6 * params[0], rtol=1e-15)
    assert_allclose(g2, 0.3 * params[2], rtol=1e-15)


def test_a_retained_graph_gives_the_same_gradients_at_each_pass():
    rng = np.random.default_rng(9)
    params = [rng.standard_normal(s) for s in ((4, 5), (5,), (5, 3), (3,))]
    X, y = rng.standard_normal((6, 4)), rng.integers(0, 3, 6)
    once = [Tensor(p, requires_grad=True) for p in params]
    _network_objective(*once, X, y, "relu").backward()
    tensors, grads = parameter_tensors(params)
    loss = _network_objective(*tensors, X, y, "relu")
    loss.backward(retain_graph=True)
    loss.backward()  # accumulates: the saved values were not overwritten by the first
    for grad, reference in zip(grads, once):
        assert_allclose(grad, 2 * reference.grad, rtol=1e-15)


def test_storage_replaced_after_parameter_tensors_is_accumulated_into_not_overwritten():
    W = np.array([[1.0, -2.0], [0.5, 3.0]])
    (tensor,), (view,) = parameter_tensors([W])
    tensor.grad = np.ones_like(W)  # not the zeroed view any more
    E.l2_penalty(tensor).backward()
    assert_array_equal(tensor.grad, 1.0 + W)
    assert_array_equal(view, 0.0)


# ------------------------------------------------------------------ the dense layer
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("layout", ["C", "F", "strided"])
def test_column_sums_are_the_sums_over_rows(dtype, layout):
    from sklearn_deep.engine.ops.linalg import column_sums

    rng = np.random.default_rng(10)
    a = rng.standard_normal((37, 12)).astype(dtype)
    if layout == "F":
        a = np.asfortranarray(a)
    elif layout == "strided":
        a = a[::2, ::3]
    expected = a.astype(np.float64).sum(axis=0)  # in float64: the oracle
    tol = 1e-5 if dtype == np.float32 else 1e-13
    assert_allclose(column_sums(a), expected, rtol=tol, atol=tol)
    out = np.full(a.shape[1], np.nan, dtype=dtype)
    assert column_sums(a, out=out) is out
    assert_allclose(out, expected, rtol=tol, atol=tol)

@pytest.mark.parametrize("activation", sorted(E.ACTIVATIONS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_dense_is_the_activation_of_affine_bit_for_bit(activation, dtype):
    rng = np.random.default_rng(4)
    width = E.get_activation(activation).width_factor
    X = rng.standard_normal((6, 4)).astype(dtype)
    W0, b0 = rng.standard_normal((4, 3 * width)).astype(dtype), rng.standard_normal(
        3 * width).astype(dtype)
    results = []
    for fused in (True, False):
        W, b = Tensor(W0.copy(), requires_grad=True), Tensor(b0.copy(), requires_grad=True)
        x = Tensor(X.copy(), requires_grad=True)
        if fused:
            out = E.dense(x, W, b, activation)
        else:
            out = E.get_activation(activation).function(E.affine(x, W, b))
        (out * out).sum().backward()
        results.append((out.data, x.grad, W.grad, b.grad))
        assert_array_equal(x.data, X)  # the inputs are never written to
        assert_array_equal(W.data, W0)
    for a, b in zip(*results):
        assert a.dtype == dtype
        assert_array_equal(a, b)


# ------------------------------------------------------------------ losses
def test_scaled_l2_penalty_is_the_scale_times_the_penalty():
    rng = np.random.default_rng(5)
    W1, W2 = (Tensor(rng.standard_normal(s), requires_grad=True) for s in ((3, 2), (2,)))
    loss = E.l2_penalty(W1, W2, scale=0.25)
    loss.backward()
    assert loss.item() == pytest.approx(0.125 * ((W1.data ** 2).sum() + (W2.data ** 2).sum()),
                                        rel=1e-14)
    assert_allclose(W1.grad, 0.25 * W1.data, rtol=1e-15)
    assert_allclose(W2.grad, 0.25 * W2.data, rtol=1e-15)


@pytest.mark.parametrize("weighted", [False, True])
def test_integer_labels_give_the_one_hot_loss_and_gradient_bit_for_bit(weighted):
    rng = np.random.default_rng(6)
    scores = rng.standard_normal((7, 4)) * 3
    y = rng.integers(0, 4, 7)
    sw = rng.uniform(0.5, 2.0, 7) if weighted else None
    out = []
    for target in (y, np.eye(4)[y]):
        s = Tensor(scores, requires_grad=True)
        loss = E.softmax_cross_entropy(s, target, sample_weight=sw)
        loss.backward()
        out.append((loss.item(), s.grad))
    assert out[0][0] == out[1][0]
    assert_array_equal(out[0][1], out[1][1])
    # and the formula: weighted mean of −log softmax at the labels; gradient (P − Y)·w/Σw
    w = np.ones(7) if sw is None else sw
    expected = -(w * log_softmax(scores, axis=1)[np.arange(7), y]).sum() / w.sum()
    assert out[0][0] == pytest.approx(expected, rel=1e-13)
    assert_allclose(out[0][1], (softmax(scores, axis=1) - np.eye(4)[y]) * (w / w.sum())[:, None],
                    rtol=1e-12, atol=1e-15)


# ------------------------------------------------------------------ optimizers
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_a_flat_step_equals_the_step_parameter_by_parameter(name):
    rng = np.random.default_rng(7)
    start = _arrays(rng)
    _, flat_params = flat_views(start)
    loose_params = [a.copy() for a in start]
    flat_opt = make_optimizer(name, list(flat_params), learning_rate=0.05)
    loose_opt = make_optimizer(name, loose_params, learning_rate=0.05)
    assert flat_opt._flat is not None and loose_opt._flat is None
    for _ in range(4):
        grads = _arrays(rng)
        _, flat_grads = flat_views(grads)
        flat_opt.step(flat_grads)
        loose_opt.step(grads)
    for p, q in zip(flat_params, loose_params):
        assert_array_equal(p, q)
    for s, t in zip(flat_opt.state, loose_opt.state):
        for key in s:
            assert_array_equal(s[key], t[key])
            assert s[key].base is not None  # state arrays are views of flat buffers too


def test_a_pickled_flat_optimizer_continues_identically():
    rng = np.random.default_rng(8)
    _, params = flat_views(_arrays(rng))
    opt = make_optimizer("adam", list(params), learning_rate=0.05)
    opt.step(flat_views(_arrays(rng))[1])
    copy = pickle.loads(pickle.dumps(opt))
    assert copy._flat is None  # views do not survive pickling: parameter by parameter
    for _ in range(3):
        grads = _arrays(rng)
        opt.step(flat_views(grads)[1])
        copy.step([g.copy() for g in grads])
    for p, q in zip(opt.params, copy.params):
        assert_array_equal(p, q)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_flat_step_in_blocks_equals_the_step_parameter_by_parameter(dtype):
    rng = np.random.default_rng(9)
    shapes = [(300, 450), (450,), (7,)]  # more values than one block holds
    start = [rng.standard_normal(s).astype(dtype) for s in shapes]
    _, flat_params = flat_views(start)
    loose_params = [a.copy() for a in start]
    flat_opt = make_optimizer("adam", list(flat_params), learning_rate=0.05)
    loose_opt = make_optimizer("adam", loose_params, learning_rate=0.05)
    for _ in range(3):
        grads = [rng.standard_normal(s).astype(dtype) for s in shapes]
        flat_opt.step(flat_views(grads)[1])
        loose_opt.step(grads)
    for p, q in zip(flat_params, loose_params):
        assert_array_equal(p, q)
