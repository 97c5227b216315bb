"""Every primitive, activation and loss checked against central differences (float64),
driven from the table in op_cases.py, plus float32 forward agreement."""

import inspect

import numpy as np
import pytest

import sklearn_deep.engine as E
from sklearn_deep.engine import Function, Tensor, check_grad
from sklearn_deep.engine.ops import activations, basic, indexing, linalg, losses

from .op_cases import BINARY_OPS, BROADCAST_SHAPES, CASES, draw


def _inputs(case, seed=0):
    rng = np.random.default_rng(seed)
    return [draw(shape, case.domain, rng) for shape in case.shapes]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_gradient_matches_central_differences(case):
    worst = check_grad(case.fn, *_inputs(case))
    assert worst < 1e-5


@pytest.mark.parametrize("case", [c for c in CASES if c.float32], ids=lambda c: c.name)
def test_float32_forward_agrees_and_keeps_dtype(case):
    x64 = _inputs(case)
    out64 = case.fn(*[Tensor(x) for x in x64])
    t32 = [Tensor(x.astype(np.float32), requires_grad=True) for x in x64]
    out32 = case.fn(*t32)
    assert out32.dtype == np.float32
    np.testing.assert_allclose(out32.data, out64.data, rtol=1e-4, atol=1e-5)
    out32.backward(np.ones(out32.shape, dtype=np.float32))
    for t in t32:
        grad = t.grad.to_dense() if isinstance(t.grad, E.RowSparseGrad) else t.grad
        assert grad.dtype == np.float32 and grad.shape == t.shape


@pytest.mark.parametrize("op", sorted(BINARY_OPS))
@pytest.mark.parametrize("shape_a", BROADCAST_SHAPES, ids=str)
@pytest.mark.parametrize("shape_b", BROADCAST_SHAPES, ids=str)
def test_broadcasting_gradients_reduce_to_operand_shapes(op, shape_a, shape_b):
    rng = np.random.default_rng(1)
    a, b = rng.uniform(0.5, 2.0, shape_a), rng.uniform(0.5, 2.0, shape_b)
    check_grad(BINARY_OPS[op], a, b)
    ta, tb = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    out = BINARY_OPS[op](ta, tb)
    assert out.shape == np.broadcast_shapes(shape_a, shape_b)
    out.backward(np.ones(out.shape))
    assert ta.grad.shape == shape_a and tb.grad.shape == shape_b


def _primitive_names():
    names = set()
    for module in (basic, linalg, indexing, activations, losses):
        for name, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, Function) and obj.__module__ == module.__name__:
                names.add(name)
    return names


def test_op_table_is_complete():
    covered = {name for case in CASES for name in case.covers}
    required = _primitive_names() | set(E.ACTIVATIONS) | set(E.LOSSES)
    missing = required - covered
    assert not missing, f"add gradient-check cases to tests/engine/op_cases.py for {missing}"
    assert {"Add", "Matmul", "SoftmaxCrossEntropy", "relu", "maxout"} <= required


def test_registered_activations_are_documented():
    doc = E.__doc__
    for name, spec in E.ACTIVATIONS.items():
        assert name in doc, f"activation {name!r} missing from the engine's docstring"
        assert spec.description


def test_check_grad_catches_a_wrong_gradient():
    class WrongSquare(Function):
        @staticmethod
        def forward(ctx, a):
            ctx.a = a
            return a * a

        @staticmethod
        def backward(ctx, grad):
            return grad * ctx.a  # should be 2a: the early-tinygrad bug

    with pytest.raises(E.GradientCheckError, match="input 0"):
        check_grad(WrongSquare.apply, np.array([1.0, -2.0, 3.0]))
    # large inputs are checked along random directions and still caught
    with pytest.raises(E.GradientCheckError, match="random direction"):
        check_grad(WrongSquare.apply, np.linspace(1, 2, 1000), max_full_size=10)
    worst = check_grad(WrongSquare.apply, np.array([1.0]), raise_error=False)
    assert worst == pytest.approx(1 / 3, rel=1e-4)  # |1·2 − 2·1| ... |a−n|/(|a|+|n|) = 1/3


def test_check_grad_directional_mode_passes_on_large_correct_input():
    rng = np.random.default_rng(0)
    w = rng.standard_normal((40, 30))
    x = rng.standard_normal((8, 40))
    worst = check_grad(lambda x, w: E.tanh(x @ w).sum(), x, w, max_full_size=100)
    assert worst < 1e-6
