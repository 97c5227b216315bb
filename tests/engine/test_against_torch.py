"""Gradients of random compositions agree with torch's autograd (optional oracle)."""

import numpy as np
import pytest

import sklearn_deep.engine as E
from sklearn_deep.engine import Tensor

torch = pytest.importorskip("torch")
F = torch.nn.functional

UNARY = {
    "tanh": (E.tanh, torch.tanh),
    "logistic": (E.logistic, torch.sigmoid),
    "relu": (E.relu, torch.relu),
    "leaky_relu": (E.leaky_relu, lambda a: F.leaky_relu(a, 0.01)),
    "elu": (E.elu, F.elu),
    "softplus": (E.softplus, F.softplus),
    "exp_scaled": (lambda a: (a * 0.3).exp(), lambda a: (a * 0.3).exp()),
    "square": (lambda a: a * a, lambda a: a * a),
    "log1p_sq": (lambda a: (a * a + 1.0).log(), lambda a: (a * a + 1.0).log()),
    "softmax": (lambda a: a.softmax(axis=1), lambda a: torch.softmax(a, 1)),
    "neg_abs": (lambda a: -(a.abs() + 1.0).sqrt(), lambda a: -(a.abs() + 1.0).sqrt()),
}
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 1.0),
}
LOSSES = {
    "ce": (lambda s, y: E.softmax_cross_entropy(s, y),
           lambda s, y: F.cross_entropy(s, torch.as_tensor(y))),
    "hinge": (lambda s, y: E.multiclass_hinge(s, y),
              lambda s, y: s.shape[1] * F.multi_margin_loss(s, torch.as_tensor(y))),
    "bce": (lambda s, y: E.binary_cross_entropy_with_logits(s, (y[:, None] == np.arange(5)) * 1.0),
            lambda s, y: F.binary_cross_entropy_with_logits(
                s, torch.as_tensor((y[:, None] == np.arange(5)) * 1.0), reduction="none"
            ).sum(1).mean()),
    "mse": (lambda s, y: E.squared_error(s, np.sin(np.arange(s.shape[0] * 5.0)).reshape(-1, 5)),
            lambda s, y: 0.5 * ((s - torch.as_tensor(
                np.sin(np.arange(s.shape[0] * 5.0)).reshape(-1, 5))) ** 2).mean()),
}


def _program(seed):
    """A random straight-line program over a pool of (6, 5) values and a (5, 5) weight."""
    rng = np.random.default_rng(seed)
    steps = []
    pool = 2  # x and x @ w
    for _ in range(rng.integers(4, 9)):
        kind = rng.choice(["unary", "binary", "matmul", "reduce_bcast"])
        a = int(rng.integers(pool))
        if kind == "unary":
            steps.append(("unary", str(rng.choice(sorted(UNARY))), a))
        elif kind == "binary":
            steps.append(("binary", str(rng.choice(sorted(BINARY))), a, int(rng.integers(pool))))
        else:
            steps.append((kind, a))
        pool += 1
    return steps, str(rng.choice(sorted(LOSSES))), rng


def _run(steps, loss_name, x, w, b, y, ours):
    pick = 0 if ours else 1
    values = [x, x @ w + b]
    for step in steps:
        if step[0] == "unary":
            values.append(UNARY[step[1]][pick](values[step[2]]))
        elif step[0] == "binary":
            values.append(BINARY[step[1]](values[step[2]], values[step[3]]))
        elif step[0] == "matmul":
            values.append(values[step[1]] @ w)
        else:  # a reduction broadcast back: v - mean over samples
            v = values[step[1]]
            values.append(v - (v.mean(axis=0, keepdims=True) if ours else v.mean(0, keepdim=True)))
    return LOSSES[loss_name][pick](values[-1], y)


@pytest.mark.parametrize("seed", range(25))
def test_random_composition_gradients_match_torch(seed):
    steps, loss_name, rng = _program(seed)
    x0, w0 = rng.standard_normal((6, 5)), rng.standard_normal((5, 5)) * 0.5
    b0 = rng.standard_normal(5)
    y = rng.integers(0, 5, 6)
    ours = [Tensor(a, requires_grad=True) for a in (x0, w0, b0)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x0, w0, b0)]
    loss = _run(steps, loss_name, *ours, y, ours=True)
    ref = _run(steps, loss_name, *theirs, y, ours=False)
    loss.backward()
    ref.backward()
    assert loss.item() == pytest.approx(ref.item(), rel=1e-10, abs=1e-12)
    for mine, their in zip(ours, theirs):
        if their.grad is None:  # input unused by this program
            assert mine.grad is None
            continue
        np.testing.assert_allclose(mine.grad, their.grad.numpy(), rtol=1e-8, atol=1e-12)
