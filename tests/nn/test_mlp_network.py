"""The MLP network on its own: no estimator, trained by the loop, gradients checked."""

import numpy as np
import pytest
from scipy.special import log_softmax

from sklearn_deep.nn import MLP
from sklearn_deep.optim import make_optimizer
from sklearn_deep.training import MinibatchProblem, Problem, TrainingState, train_epochs


def _blobs(rng, n=120):
    y = rng.integers(0, 3, n)
    centres = np.array([[2.0, 0.0], [-2.0, 0.0], [0.0, 2.5]])
    return centres[y] + 0.5 * rng.standard_normal((n, 2)), y


def test_the_network_trains_through_the_loop_without_an_estimator():
    rng = np.random.RandomState(0)
    X, y = _blobs(np.random.default_rng(0))
    net = MLP.initialise([2, 8, 3], ["tanh"], "softmax_cross_entropy", rng, np.float64,
                         alpha=1e-4)
    problem = MinibatchProblem(net, (X, y, None), batch_size=16, shuffle=True)
    assert isinstance(problem, Problem)
    state = TrainingState()
    train_epochs(problem, make_optimizer("adam", net.params, learning_rate=0.05), state,
                 max_iter=40, rng=rng, warn_at_max_iter=False)
    assert state.loss_curve[-1] < 0.25 * state.loss_curve[0]
    assert (net.forward(X).argmax(axis=1) == y).mean() > 0.95
    # the optimizer updated the network's own arrays in place
    assert all(p is q for p, q in zip(problem.params, net.coefs + net.intercepts))


def test_objective_is_mean_cross_entropy_plus_scaled_l2():
    rng = np.random.RandomState(1)
    X, y = _blobs(np.random.default_rng(1), n=10)
    sw = np.random.default_rng(2).uniform(0.5, 2.0, 10)
    net = MLP.initialise([2, 5, 3], ["relu"], "softmax_cross_entropy", rng, np.float64,
                         alpha=0.3)
    loss, weight, _ = net.loss_and_grads(X, y, sw)
    # oracle: scikit-learn's objective written out from its definition
    logp = log_softmax(net.forward(X), axis=1)[np.arange(10), y]
    expected = -(sw * logp).sum() / sw.sum()
    expected += 0.5 * 0.3 * sum((W ** 2).sum() for W in net.coefs) / sw.sum()
    assert weight == pytest.approx(sw.sum())
    assert loss == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("loss", ["softmax_cross_entropy", "multiclass_hinge"])
def test_gradients_match_central_differences(loss):
    rng = np.random.RandomState(2)
    X, y = _blobs(np.random.default_rng(3), n=8)
    net = MLP.initialise([2, 4, 3], ["elu"], loss, rng, np.float64, alpha=0.1)
    _, _, grads = net.loss_and_grads(X, y)
    eps = 1e-6
    for param, grad in zip(net.params, grads):
        for idx in np.ndindex(param.shape):
            orig = param[idx]
            param[idx] = orig + eps
            plus = net.loss_and_grads(X, y)[0]
            param[idx] = orig - eps
            minus = net.loss_and_grads(X, y)[0]
            param[idx] = orig
            assert grad[idx] == pytest.approx((plus - minus) / (2 * eps), abs=1e-7)


def test_the_network_module_imports_nothing_from_scikit_learn():
    import ast
    import pathlib

    import sklearn_deep.nn as nn

    for path in pathlib.Path(nn.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n.split(".")[0] == "sklearn" for n in names), path
