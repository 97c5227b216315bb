"""Replaying a recorded graph gives what building it again gives, and is redone when the
structure changes."""

import numpy as np
import pytest
import scipy.sparse as sp

from sklearn_deep.engine import (
    Tensor,
    affine,
    dense,
    l2_penalty,
    softmax_cross_entropy,
    squared_error,
)
from sklearn_deep.engine.flat import parameter_tensors
from sklearn_deep.engine.replay import GraphCache, Recording
from sklearn_deep.nn import MLP


def _params(rng, shapes):
    return [rng.standard_normal(s) for s in shapes]


def _build(tensors, X, y, w):
    """A graph with a fork (h used twice), a constant, options read from the inputs and a
    penalty: the kinds of inputs a recording has to tell apart."""
    W1, b1, W2, b2, _unused = tensors
    h = dense(X, W1, b1, "tanh")
    raw = affine(h, W2, b2) + (h * 0.5).sum(axis=1, keepdims=True) * np.float64(0.1)
    return softmax_cross_entropy(raw, y, sample_weight=w) + l2_penalty(W1, W2, scale=0.01)


def _rebuilt(params, X, y, w):
    """The oracle: the graph built afresh and walked by Tensor.backward."""
    tensors, grads = parameter_tensors(params)
    loss = _build(tensors, X, y, w)
    loss.backward()
    return loss.item(), grads


SHAPES = [(4, 6), (6,), (6, 3), (3,), (2, 2)]


def _counted(seed, size=4):
    """A generator, parameters, a cache over them, and a build that counts its calls."""
    rng = np.random.default_rng(seed)
    params = _params(rng, SHAPES)
    builds = []

    def build(*args):
        builds.append(1)
        return _build(*args)

    return rng, params, GraphCache(params, size=size), build, builds


@pytest.mark.parametrize("weighted", [False, True])
def test_replay_gives_what_rebuilding_gives(weighted):
    rng, params, cache, build, built = _counted(0)
    for _ in range(4):
        X, y = rng.standard_normal((8, 4)), rng.integers(0, 3, 8)
        w = rng.uniform(0.5, 2.0, 8) if weighted else None
        loss, grads = cache.loss_and_grads(build, [X, y, w])
        expected_loss, expected = _rebuilt(params, X, y, w)
        assert loss == expected_loss
        for g, e in zip(grads, expected):
            np.testing.assert_array_equal(g, e)
        assert not grads[-1].any()  # a parameter outside the graph: a zero gradient
        for p, g in zip(params, grads):  # the caller updates the parameters in place
            p -= 0.1 * g
    assert len(built) == 1  # recorded once, replayed three times


def test_replayed_gradients_match_central_differences():
    rng = np.random.default_rng(1)
    params = _params(rng, SHAPES)
    cache = GraphCache(params)
    X, y = rng.standard_normal((5, 4)), rng.integers(0, 3, 5)
    cache.loss_and_grads(_build, [rng.standard_normal((5, 4)), y, None])  # record
    _, grads = cache.loss_and_grads(_build, [X, y, None])  # a replay
    grads = [g.copy() for g in grads]
    eps = 1e-6
    for p, g in zip(params[:4], grads):
        for idx in np.ndindex(p.shape):
            orig = p[idx]
            p[idx] = orig + eps
            up = cache.loss_and_grads(_build, [X, y, None])[0]
            p[idx] = orig - eps
            down = cache.loss_and_grads(_build, [X, y, None])[0]
            p[idx] = orig
            assert g[idx] == pytest.approx((up - down) / (2 * eps), abs=1e-7)


def test_each_run_returns_gradients_of_its_own():
    rng = np.random.default_rng(2)
    params = _params(rng, SHAPES)
    cache = GraphCache(params)
    y = rng.integers(0, 3, 6)
    _, first = cache.loss_and_grads(_build, [rng.standard_normal((6, 4)), y, None])
    kept = [g.copy() for g in first]
    _, second = cache.loss_and_grads(_build, [rng.standard_normal((6, 4)), y, None])
    assert all(a is not b for a, b in zip(first, second))
    for a, b in zip(first, kept):
        np.testing.assert_array_equal(a, b)


def test_a_new_structure_is_recorded_anew():
    """Another batch shape, an input that was None, or another key: built again (and the
    result is still that of rebuilding)."""
    rng, params, cache, build, builds = _counted(3, size=8)
    runs = [((8, 4), False, ()), ((8, 4), False, ()), ((5, 4), False, ()),
            ((8, 4), True, ()), ((8, 4), False, ("other",)), ((5, 4), False, ())]
    counts = []
    for shape, weighted, key in runs:
        X, y = rng.standard_normal(shape), rng.integers(0, 3, shape[0])
        w = rng.uniform(0.5, 2.0, shape[0]) if weighted else None
        loss, grads = cache.loss_and_grads(build, [X, y, w], key)
        expected_loss, expected = _rebuilt(params, X, y, w)
        assert loss == expected_loss
        for g, e in zip(grads, expected):
            np.testing.assert_array_equal(g, e)
        counts.append(len(builds))
    assert counts == [1, 1, 2, 3, 4, 4]


def test_the_least_recently_used_recording_is_dropped():
    rng, _, cache, build, builds = _counted(4, size=2)
    for n in (3, 4, 3, 5, 4):  # 4 is dropped when 5 comes (3 was used since)
        cache.loss_and_grads(build, [rng.standard_normal((n, 4)), rng.integers(0, 3, n),
                                     None])
    assert len(builds) == 4


def test_sparse_inputs_are_replayed():
    rng = np.random.default_rng(5)
    W, b = rng.standard_normal((6, 2)), rng.standard_normal(2)
    cache = GraphCache([W, b])

    def build(tensors, X, T):
        return squared_error(affine(X, *tensors), T)

    for _ in range(3):
        X = sp.random(7, 6, density=0.4, format="csr", random_state=rng)
        T = rng.standard_normal((7, 2))
        loss, (gW, gb) = cache.loss_and_grads(build, [X, T])
        tensors, expected = parameter_tensors([W, b])
        ref = build(tensors, X, T)
        ref.backward()
        assert loss == ref.item()
        np.testing.assert_array_equal(gW, expected[0])
        np.testing.assert_array_equal(gb, expected[1])


def test_a_recording_needs_a_loss_and_every_leaf_requiring_a_gradient():
    W = Tensor(np.ones((2, 2)), requires_grad=True)
    other = Tensor(np.ones(2), requires_grad=True)
    X = np.ones((3, 2))
    with pytest.raises(ValueError, match="one-element result"):
        Recording(affine(X, W, other), [W, other], [X])
    with pytest.raises(ValueError, match="not among the recording's params"):
        Recording(affine(X, W, other).sum(), [W], [X])


def test_mlp_with_dropout_draws_new_masks_at_every_step():
    """Dropout's masks are drawn while the graph is built: such graphs are never replayed,
    so two steps from different generator states differ, and each is what the network
    computes from that state."""
    rng = np.random.RandomState(0)
    X, y = rng.standard_normal((20, 3)), rng.randint(0, 2, 20)
    net = MLP.initialise([3, 8, 2], ["relu"], "softmax_cross_entropy", rng, np.float64,
                         dropout=0.5)
    plain = MLP(net.coefs, net.intercepts, ["relu"], "softmax_cross_entropy")
    losses = []
    for seed in (1, 2, 1):
        loss, _, _ = net.loss_and_grads(X, y, rng=np.random.RandomState(seed))
        # the oracle: the same masks applied by hand to a network without dropout
        masks = np.random.RandomState(seed).random_sample((20, 8)) >= 0.5
        h = np.maximum(X @ net.coefs[0] + net.intercepts[0], 0) * masks / 0.5
        raw = h @ net.coefs[1] + net.intercepts[1]
        assert loss == pytest.approx(plain.output_loss(raw, y), rel=1e-12)
        losses.append(loss)
    assert losses[0] != losses[1] and losses[0] == losses[2]


def test_mlp_replays_weighted_batches_as_a_fresh_network_computes_them():
    """Sample weights change the penalty's scale from batch to batch: the scale is an input
    of the recording, so one recording serves every batch of a shape, and each step gives
    what a network that has recorded nothing computes."""
    rng = np.random.RandomState(0)
    net = MLP.initialise([3, 6, 3], ["tanh"], "softmax_cross_entropy", rng, np.float64,
                         alpha=0.5)
    for _ in range(3):
        X, y, w = rng.standard_normal((9, 3)), rng.randint(0, 3, 9), rng.uniform(0.1, 3, 9)
        loss, weight, grads = net.loss_and_grads(X, y, w)
        fresh = MLP(net.coefs, net.intercepts, ["tanh"], "softmax_cross_entropy", alpha=0.5)
        expected_loss, expected_weight, expected = fresh.loss_and_grads(X, y, w)
        assert (loss, weight) == (expected_loss, expected_weight)
        for g, e in zip(grads, expected):
            np.testing.assert_array_equal(g, e)
    assert len(net._graphs._recordings) == 1


def test_mlp_records_anew_when_its_parameter_arrays_are_replaced():
    rng = np.random.RandomState(1)
    net = MLP.initialise([3, 4, 2], ["relu"], "softmax_cross_entropy", rng, np.float64)
    X, y = rng.standard_normal((6, 3)), rng.randint(0, 2, 6)
    net.loss_and_grads(X, y)
    net.coefs[0] = rng.standard_normal((3, 4))  # a new array, not an update in place
    loss, _, grads = net.loss_and_grads(X, y)
    fresh = MLP(net.coefs, net.intercepts, ["relu"], "softmax_cross_entropy")
    expected_loss, _, expected = fresh.loss_and_grads(X, y)
    assert loss == expected_loss
    for g, e in zip(grads, expected):
        np.testing.assert_array_equal(g, e)


def test_an_input_the_graph_reads_only_through_a_copy_is_refused():
    # a value derived from an input inside build (here a conversion) would be replayed as
    # recorded, the first batch's forever: the recording refuses it instead
    rng = np.random.default_rng(7)
    params = _params(rng, [(4, 1), (1,)])
    cache = GraphCache(params)

    def build(tensors, X, y):
        return squared_error(affine(X.astype(np.float64) * 1.0, *tensors), y)

    with pytest.raises(ValueError, match="reach no operation"):
        cache.loss_and_grads(build, [rng.standard_normal((5, 4)), rng.standard_normal((5, 1))])


def test_aliased_inputs_are_recorded_apart_from_distinct_ones():
    # a graph recorded with X as its own target reads one slot for both; a later call with
    # distinct arrays of the same shapes must not replay that recording
    rng = np.random.default_rng(8)
    params = _params(rng, [(3, 3), (3,)])
    cache = GraphCache(params)

    def build(tensors, X, y):
        return squared_error(affine(X, *tensors), y)

    X = rng.standard_normal((4, 3))
    cache.loss_and_grads(build, [X, X])
    X2, y2 = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    loss, grads = cache.loss_and_grads(build, [X2, y2])
    tensors, expected = parameter_tensors(params)
    oracle = build(tensors, X2, y2)
    oracle.backward()
    assert loss == oracle.item()
    for g, e in zip(grads, expected, strict=True):
        np.testing.assert_array_equal(g, e)


def test_a_run_needs_every_input_and_a_forward_before_each_backward():
    rng, params, _, build, _ = _counted(9)
    X, y = rng.standard_normal((5, 4)), rng.integers(0, 3, 5)
    tensors, grads = parameter_tensors(params)
    recording = Recording(build(tensors, X, y, None), tensors, [X, y, None])
    recording.backward(grads)
    with pytest.raises(ValueError, match="needs a forward"):
        recording.backward(grads)
    with pytest.raises(ValueError, match="2 inputs given to a recording of 3"):
        recording.forward([X, y])
    recording.forward([X, y, None])
    recording.backward(grads)


def test_a_recording_lets_go_of_each_batch_after_its_backward():
    # the recording keeps no batch (nor what its primitives saved from it) between runs
    import gc
    import weakref

    rng, _, cache, build, _ = _counted(10)
    for step in range(2):  # recorded, then replayed
        X = rng.standard_normal((5, 4))
        cache.loss_and_grads(build, [X, rng.integers(0, 3, 5), None])
        alive = weakref.ref(X)
        del X
        gc.collect()
        assert alive() is None, step
