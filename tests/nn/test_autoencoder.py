"""The autoencoder network on its own: parameter layout, objective against written-out
formulas, gradients against central differences (float64), and training through the shared
loop with no estimator involved."""

import ast
import pathlib

import numpy as np
import pytest
from scipy.special import expit

import sklearn_deep.nn as nn_package
from sklearn_deep.engine import Tensor, check_grad
from sklearn_deep.nn import Autoencoder
from sklearn_deep.optim import Adam, Constant
from sklearn_deep.training import TrainingState, fit_lbfgs, train_epochs


def test_nn_imports_nothing_from_scikit_learn():
    for path in pathlib.Path(nn_package.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n.split(".")[0] == "sklearn" for n in names), path.name


@pytest.mark.parametrize("tied", [True, False])
def test_parameter_layout(tied):
    net = Autoencoder(6, 2, (4,), ["tanh", "logistic"], tied=tied)
    params = net.init_params(np.random.RandomState(0), np.float64)
    assert len(params) == (6 if tied else 8)
    enc_W, enc_b, dec_W, dec_b = net.unpack(params)
    assert [W.shape for W in enc_W] == [(6, 4), (4, 2)]
    assert [b.shape for b in enc_b] == [(4,), (2,)]
    assert [W.shape for W in dec_W] == [(2, 4), (4, 6)]
    assert [b.shape for b in dec_b] == [(4,), (6,)]
    if tied:  # views of the encoder's weights: one array, two roles
        assert np.shares_memory(dec_W[0], enc_W[1]) and np.shares_memory(dec_W[1], enc_W[0])


def test_objective_of_a_one_layer_network_written_out():
    rng = np.random.default_rng(0)
    X, T = rng.standard_normal((7, 5)), rng.standard_normal((7, 5))
    W, b, V, c = (rng.standard_normal(s) for s in [(5, 3), (3,), (3, 5), (5,)])
    net = Autoencoder(5, 3, (), ["tanh"], alpha=0.2, sparsity="l1", sparsity_weight=0.3,
                      contractive_weight=0.4)
    value = net.objective([Tensor(p) for p in (W, b, V, c)], X, T).item()
    H = np.tanh(X @ W + b)
    recon = 0.5 * np.mean((H @ V + c - T) ** 2)
    l1 = np.abs(H).sum() / 7
    # ‖J‖²_F of x ↦ tanh(xW + b): Σ_j (1 − h_j²)² ‖W_{:,j}‖², averaged over samples
    jac = np.mean(((1 - H**2) ** 2 * (W**2).sum(axis=0)).sum(axis=1))
    l2 = 0.5 * ((W**2).sum() + (V**2).sum()) / 7
    assert value == pytest.approx(recon + 0.3 * l1 + 0.4 * jac + 0.2 * l2, rel=1e-12)
    # the logistic output: binary cross-entropy summed over features, mean over samples
    net = Autoencoder(5, 3, (), ["tanh"], out_activation="logistic")
    P = expit(H @ V + c)
    Y = rng.uniform(0, 1, (7, 5))
    bce = -np.mean(np.sum(Y * np.log(P) + (1 - Y) * np.log(1 - P), axis=1))
    value = net.objective([Tensor(p) for p in (W, b, V, c)], X, Y).item()
    assert value == pytest.approx(bce, rel=1e-10)


@pytest.mark.parametrize("kw", [
    dict(hidden_layer_sizes=(4,), activations=["tanh", "tanh"]),
    dict(activations=["identity"], tied=True),
    dict(hidden_layer_sizes=(4,), activations=["identity", "identity"],
         contractive_weight=0.5, tied=True),
    dict(activations=["softplus"], contractive_weight=0.5),
    dict(activations=["logistic"], contractive_weight=0.5, tied=True),
    dict(hidden_layer_sizes=(4,), activations=["elu", "tanh"], contractive_weight=0.5,
         contractive_sigma=0.1),
    dict(hidden_layer_sizes=(4,), activations=["relu", "logistic"], sparsity="kl",
         sparsity_weight=0.5, tied=True),
    dict(activations=["leaky_relu"], sparsity="l1", sparsity_weight=0.5),
    dict(hidden_layer_sizes=(4,), activations=["maxout", "tanh"]),
    dict(activations=["tanh"], out_activation="logistic"),
], ids=lambda kw: "-".join(str(v) for v in kw.values()))
def test_gradients_match_central_differences(kw):
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, (9, 5))
    net = Autoencoder(5, 3, alpha=0.3, **kw)
    params = net.init_params(np.random.RandomState(1), np.float64)

    def objective(*tensors):  # the same draw of the sampled penalty at every evaluation
        return net.objective(list(tensors), X - 0.5, X, np.random.RandomState(3))

    assert check_grad(objective, *params) < 1e-5
    loss, n, grads = net.loss_and_grads(params, X - 0.5, X, np.random.RandomState(3))
    assert n == 9 and loss == pytest.approx(objective(*map(Tensor, params)).item())
    assert [g.shape for g in grads] == [p.shape for p in params]


@pytest.mark.parametrize("kw", [
    dict(activations=["tanh"]),
    dict(activations=["tanh"], contractive_weight=0.2),  # closed form: replayed
    dict(activations=["logistic"], sparsity="kl", sparsity_weight=0.5, tied=True),
    dict(activations=["tanh"], contractive_weight=0.2, contractive_sigma=0.1,
         hidden_layer_sizes=(4,)),  # sampled: built at every call
], ids=["plain", "contractive", "sparse-tied", "sampled-contractive"])
def test_loss_and_grads_replayed_equal_a_fresh_graph(kw):
    # oracle: the objective built afresh and walked by Tensor.backward, for batches after
    # the first (a replay where nothing random is drawn while building), with the target
    # the input itself (aliased) and not, a second batch shape, and the L2 term divided
    # by other rows than the batch's (a sparse batch's blocks)
    from sklearn_deep.engine.flat import parameter_tensors

    if "hidden_layer_sizes" in kw:
        kw = dict(kw, activations=["tanh", "tanh"])
    rng = np.random.default_rng(5)
    net = Autoencoder(5, 3, alpha=0.3, **kw)
    params = net.init_params(np.random.RandomState(2), np.float64)
    sampled = bool(kw.get("contractive_weight")) and not net.contractive_closed_form
    for n, aliased, rows in ((9, True, None), (9, False, None), (9, True, None),
                             (4, False, None), (9, False, 20), (9, False, None)):
        X = rng.uniform(-0.5, 0.5, (n, 5))
        target = X if aliased else rng.uniform(-0.5, 0.5, (n, 5))
        loss, m, grads = net.loss_and_grads(params, X, target, np.random.RandomState(n),
                                            l2_rows=rows)
        tensors, expected = parameter_tensors(params)
        oracle = net.objective(tensors, X, target, np.random.RandomState(n), l2_rows=rows)
        oracle.backward()
        assert m == n and loss == oracle.item()
        for g, e in zip(grads, expected, strict=True):
            np.testing.assert_array_equal(g, e)
    assert (net._graphs is None) == sampled


class _Reconstruction:
    """A minimal problem for the training loop: reconstruct X, minibatches of 16."""

    def __init__(self, net, X, rng):
        self.net, self.X = net, X
        self.params = net.init_params(rng, X.dtype)
        self.n_samples = X.shape[0]

    def batches(self, rng):
        order = rng.permutation(self.n_samples)
        return [order[i:i + 16] for i in range(0, self.n_samples, 16)]

    def loss_and_grads(self, batch):
        X = self.X if batch is None else self.X[batch]
        return self.net.loss_and_grads(self.params, X, X, np.random.RandomState(0))

    def loss(self):
        return self.net.reconstruction_error(self.params, self.X, self.X)


def _low_rank_data():
    rng = np.random.default_rng(0)
    return rng.standard_normal((128, 2)) @ rng.standard_normal((2, 6))


def test_trains_through_the_loop_on_its_own():
    X = _low_rank_data()
    problem = _Reconstruction(Autoencoder(6, 2, (5,), ["tanh", "identity"]), X,
                              np.random.RandomState(0))
    before = problem.loss()
    state = TrainingState()
    train_epochs(problem, Adam(problem.params, Constant(1e-2)), state, max_iter=150,
                 rng=np.random.RandomState(0), n_iter_no_change=np.inf,
                 warn_at_max_iter=False)
    assert problem.loss() < 0.1 * before
    assert state.loss_curve[-1] < state.loss_curve[0]


def test_linear_network_reaches_the_rank_two_optimum_with_lbfgs():
    X = _low_rank_data()
    X = X - X.mean(axis=0)
    problem = _Reconstruction(Autoencoder(6, 2, tied=True), X, np.random.RandomState(0))
    fit_lbfgs(problem, TrainingState(), max_iter=500, tol=1e-10)
    # the data have rank 2: a rank-2 linear autoencoder reconstructs them exactly
    assert problem.loss() < 1e-8 * np.mean(X**2)
