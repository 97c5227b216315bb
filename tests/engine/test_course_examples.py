"""CS231n's backprop worked examples (its notes "Backpropagation, Intuitions"), exactly."""

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from sklearn_deep.engine import Tensor, dense, logistic, relu


def test_add_then_multiply():
    # f = (x + y) z at x=-2, y=5, z=-4: q = 3, f = -12, df/dx = df/dy = z = -4, df/dz = q = 3
    x, y, z = (Tensor(v, requires_grad=True) for v in (-2.0, 5.0, -4.0))
    q = x + y
    f = q * z
    assert q.item() == 3.0 and f.item() == -12.0
    f.backward()
    assert (x.grad, y.grad, z.grad) == (-4.0, -4.0, 3.0)


def test_sigmoid_neuron():
    # f = σ(w0 x0 + w1 x1 + w2) at w=[2,-3,-3], x=[-1,-2]; the input to σ is 1
    w = Tensor([2.0, -3.0, -3.0], requires_grad=True)
    x = Tensor([-1.0, -2.0], requires_grad=True)
    f = logistic(w[:2] @ x + w[2])
    s = 1 / (1 + np.exp(-1.0))
    local = (1 - s) * s  # the sigmoid's local gradient, ≈ 0.20
    assert f.item() == np.float64(s) and round(f.item(), 2) == 0.73
    f.backward()
    np.testing.assert_allclose(w.grad, [-1 * local, -2 * local, local], rtol=1e-15)
    np.testing.assert_allclose(x.grad, [2 * local, -3 * local], rtol=1e-15)
    np.testing.assert_allclose(np.round(w.grad, 2), [-0.20, -0.39, 0.20])
    np.testing.assert_allclose(np.round(x.grad, 2), [0.39, -0.59])


def test_relu_routes_the_gradient():
    x = Tensor([1.0, -2.0, 3.0, -1.0], requires_grad=True)
    relu(x).backward(np.array([4.0, -1.0, 5.0, 9.0]))
    np.testing.assert_array_equal(x.grad, [4.0, 0.0, 5.0, 0.0])


def test_matrix_multiply_backward():
    x = Tensor([[2.0, 1, -3], [-3, 4, 2]], requires_grad=True)
    w = Tensor([[3.0, 2, 1, -1], [2, 1, 3, 2], [3, 2, 1, -2]], requires_grad=True)
    y = x @ w
    np.testing.assert_array_equal(y.data, [[-1, -1, 2, 6], [5, 2, 11, 7]])
    y.backward(np.array([[2.0, 3, -3, 9], [-8, 1, 4, 6]]))
    np.testing.assert_array_equal(x.grad, [[0, 16, -9], [-24, 9, -30]])
    np.testing.assert_array_equal(w.grad, [[28, 3, -18, 0], [-30, 7, 13, 33], [-22, -7, 17, -15]])


def test_gates_add_distributes_mul_swaps_max_routes():
    a, b = Tensor(3.0, requires_grad=True), Tensor(-2.0, requires_grad=True)
    (a + b).backward(np.array(5.0))
    assert a.grad == 5.0 and b.grad == 5.0
    a.zero_grad(), b.zero_grad()
    (a * b).backward(np.array(5.0))
    assert a.grad == -10.0 and b.grad == 15.0
    v = Tensor([3.0, -2.0], requires_grad=True)
    v.max().backward(np.array(5.0))
    np.testing.assert_array_equal(v.grad, [5.0, 0.0])


@pytest.mark.parametrize("shape", [(7, 100), (3, 5, 64), (9, 3), (40,)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_is_numpys_maximum_with_zero_bit_for_bit(shape, dtype):
    # whatever form the zero takes inside (a row of zeros for wide matrices): the bits of
    # max(a, 0), NaN, infinities and signed zeros included, as scikit-learn's relu has them
    rng = np.random.default_rng(1)
    a = rng.standard_normal(shape).astype(dtype)
    flat = a.reshape(-1)
    flat[::7], flat[1::11], flat[2::13] = -0.0, np.nan, -np.inf
    flat[3::17], flat[4::19] = np.inf, 0.0
    expected = np.maximum(a, 0)  # the definition: NumPy's maximum against a scalar
    for x in (Tensor(a.copy()), Tensor(a.copy(), requires_grad=True)):
        got = relu(x).data
        assert got.dtype == dtype
        assert_array_equal(got.view(f"u{got.itemsize}"), expected.view(f"u{got.itemsize}"))
    if len(shape) == 2:  # the fused dense layer, which rectifies in place
        x = rng.standard_normal(shape).astype(dtype)
        W = rng.standard_normal((shape[1], shape[1])).astype(dtype)
        b = rng.standard_normal(shape[1]).astype(dtype)
        got = dense(x, Tensor(W), Tensor(b), "relu").data
        assert_array_equal(got, np.maximum(x @ W + b, 0))
