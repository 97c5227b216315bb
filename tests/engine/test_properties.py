"""Property-based checks (hypothesis) of broadcasting and reductions."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import sklearn_deep.engine as E
from sklearn_deep.engine import Tensor, check_grad, unbroadcast


@settings(max_examples=60, deadline=None)
@given(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3),
       st.sampled_from(["add", "sub", "mul", "div"]), st.integers(0, 2**31 - 1))
def test_broadcast_binary_ops_match_central_differences(shapes, op, seed):
    rng = np.random.default_rng(seed)
    a, b = (rng.uniform(0.5, 2.0, s) for s in shapes.input_shapes)
    fn = {"add": E.add, "sub": E.sub, "mul": E.mul, "div": E.div}[op]
    check_grad(fn, a, b)
    out = fn(Tensor(a), Tensor(b))
    assert out.shape == shapes.result_shape


@settings(max_examples=60, deadline=None)
@given(hnp.mutually_broadcastable_shapes(num_shapes=1, max_dims=4, max_side=4))
def test_unbroadcast_inverts_broadcast_to(shapes):
    (shape,), full = shapes.input_shapes, shapes.result_shape
    grad = np.ones(full)
    reduced = unbroadcast(grad, shape)
    assert reduced.shape == shape
    # each entry of the operand was copied prod(full)/prod(shape) times
    assert np.all(reduced == int(np.prod(full)) // max(int(np.prod(shape)), 1))


@settings(max_examples=40, deadline=None)
@given(hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), st.data())
def test_sum_mean_max_over_any_axes(shape, data):
    axes = data.draw(st.lists(st.integers(0, len(shape) - 1), unique=True, min_size=1))
    keepdims = data.draw(st.booleans())
    x = np.random.default_rng(0).permutation(int(np.prod(shape))).reshape(shape) * 0.3
    for method in ("sum", "mean", "max"):
        f = lambda t, m=method: getattr(t, m)(axis=tuple(axes), keepdims=keepdims)  # noqa: E731
        check_grad(f, x)
        expected = getattr(np, method)(x, axis=tuple(axes), keepdims=keepdims)
        np.testing.assert_allclose(f(Tensor(x)).data, expected)
