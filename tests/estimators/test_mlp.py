"""MLPClassifierScratch / MLPRegressorScratch: scikit-learn's checks, parity with
scikit-learn's MLP as the oracle, numerical gradient checks, and behaviours."""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_digits,
    load_iris,
    load_wine,
    make_multilabel_classification,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import compute_sample_weight
from sklearn.utils.estimator_checks import check_param_validation, parametrize_with_checks

from sklearn_deep import MLPClassifierScratch, MLPRegressorScratch
from sklearn_deep.engine import ACTIVATIONS

SKLEARN_ACTIVATIONS = ["identity", "logistic", "tanh", "relu"]


@pytest.fixture(autouse=True)
def _quiet_convergence():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def _split(loader, seed=0):
    X, y = loader(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=seed,
        stratify=y if loader is not load_diabetes else None)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


@pytest.fixture(scope="module")
def digits():
    return _split(load_digits)


# ---------------------------------------------------------------- scikit-learn's checks
@parametrize_with_checks([MLPClassifierScratch(max_iter=50, random_state=0),
                          MLPRegressorScratch(max_iter=50, random_state=0)])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


@pytest.mark.parametrize("Est", [MLPClassifierScratch, MLPRegressorScratch])
def test_param_validation(Est):
    check_param_validation(Est.__name__, Est())


def test_parameters_and_defaults_match_sklearn():
    for ours, theirs in [(MLPClassifierScratch(), MLPClassifier()),
                         (MLPRegressorScratch(), MLPRegressor())]:
        our_params, their_params = ours.get_params(), theirs.get_params()
        for name, value in their_params.items():
            assert our_params[name] == value, name


# ---------------------------------------------------------------- parity with sklearn
def _one_step_pair(Est, SkEst, X, y, activation, sample_weight, **kw):
    common = dict(hidden_layer_sizes=(7, 5), activation=activation, solver="sgd",
                  momentum=0.0, learning_rate_init=0.1, alpha=0.3, batch_size=X.shape[0],
                  max_iter=1, shuffle=False, random_state=4, **kw)
    ours = Est(**common).fit(X, y, sample_weight=sample_weight)
    theirs = SkEst(**common).fit(X, y, sample_weight=sample_weight)
    return ours, theirs


@pytest.mark.parametrize("activation", SKLEARN_ACTIVATIONS)
@pytest.mark.parametrize("target", ["multiclass", "binary", "regression", "poisson"])
@pytest.mark.parametrize("weighted", [False, True])
def test_one_full_batch_sgd_step_matches_sklearn(activation, target, weighted):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 6))
    sw = rng.uniform(0.2, 3.0, 40) if weighted else None
    if target in ("multiclass", "binary"):
        y = rng.integers(0, 3 if target == "multiclass" else 2, 40)
        pair = _one_step_pair(MLPClassifierScratch, MLPClassifier, X, y, activation, sw)
    else:
        y = rng.poisson(2.0, 40).astype(float) if target == "poisson" else X @ rng.random(6)
        loss = "poisson" if target == "poisson" else "squared_error"
        pair = _one_step_pair(MLPRegressorScratch, MLPRegressor, X, y, activation, sw,
                              loss=loss)
    ours, theirs = pair
    assert ours.n_iter_ == theirs.n_iter_ == 1
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-12)
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-10)


def test_default_adam_training_follows_sklearn(digits):
    X_train, X_test, y_train, _ = digits
    ours = MLPClassifierScratch(max_iter=20, random_state=0).fit(X_train, y_train)
    theirs = MLPClassifier(max_iter=20, random_state=0).fit(X_train, y_train)
    # same initial weights, minibatch order and optimizer: the curves coincide
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-9)
    np.testing.assert_allclose(ours.predict_proba(X_test), theirs.predict_proba(X_test),
                               atol=1e-8)
    assert ours.t_ == theirs.t_ and ours.n_layers_ == theirs.n_layers_
    assert ours.out_activation_ == theirs.out_activation_ == "softmax"


def test_verbose_lines_match_sklearn(capsys):
    X, y = load_iris(return_X_y=True)
    MLPClassifierScratch((10,), max_iter=3, verbose=True, random_state=0).fit(X, y)
    ours = capsys.readouterr().out
    MLPClassifier((10,), max_iter=3, verbose=True, random_state=0).fit(X, y)
    theirs = capsys.readouterr().out
    assert ours.splitlines() == theirs.splitlines()
    assert ours.startswith("Iteration 1, loss = ")


# ---------------------------------------------------------------- gradients
def _numerical_check(est, X, Y, sw):
    """Gradients from the estimator's own backprop vs central differences of its loss."""
    network = est._network()
    analytic = [g.copy() for g in network.loss_and_grads(X, Y, sw)[2]]
    params = est.coefs_ + est.intercepts_
    eps, worst = 1e-6, 0.0
    for p, g in zip(params, analytic):
        for idx in np.ndindex(p.shape):
            orig = p[idx]
            p[idx] = orig + eps
            plus = network.loss_and_grads(X, Y, sw)[0]
            p[idx] = orig - eps
            minus = network.loss_and_grads(X, Y, sw)[0]
            p[idx] = orig
            num = (plus - minus) / (2 * eps)
            worst = max(worst, abs(num - g[idx]) / max(abs(num) + abs(g[idx]), 1e-4))
    return worst


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("task", ["softmax", "logistic", "multilabel", "hinge",
                                  "squared_error", "poisson"])
def test_whole_network_gradients_match_central_differences(activation, task):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((12, 3))
    sw = rng.uniform(0.5, 2.0, 12)
    if task in ("squared_error", "poisson"):
        y = rng.poisson(1.5, (12, 2)).astype(float)
        est = MLPRegressorScratch(hidden_layer_sizes=(4, 3), activation=activation, alpha=0.1,
                                  loss=task, max_iter=1, random_state=0)
    else:
        y = {"softmax": rng.integers(0, 3, 12), "logistic": rng.integers(0, 2, 12),
             "multilabel": rng.integers(0, 2, (12, 3)), "hinge": rng.integers(0, 3, 12)}[task]
        est = MLPClassifierScratch((4, 3), activation=activation, alpha=0.1,
                                   loss="hinge" if task == "hinge" else "log_loss",
                                   max_iter=1, random_state=0)
    est.fit(X, y)
    Y = est._prepare_targets(y, False, False, None, X.dtype)
    assert _numerical_check(est, X, Y, sw) < 1e-5


# ---------------------------------------------------------------- accuracy vs sklearn
@pytest.mark.parametrize("loader", [load_digits, load_iris, load_wine, load_breast_cancer],
                         ids=lambda f: f.__name__)
def test_accuracy_matches_sklearn(loader):
    X_train, X_test, y_train, y_test = _split(loader)
    theirs = MLPClassifier(random_state=0).fit(X_train, y_train).score(X_test, y_test)
    ours = MLPClassifierScratch(random_state=0).fit(X_train, y_train).score(X_test, y_test)
    hinge = MLPClassifierScratch(loss="hinge", random_state=0).fit(X_train, y_train)
    assert ours >= theirs - 0.01
    assert hinge.score(X_test, y_test) >= theirs - 0.02


def test_regressor_r2_matches_sklearn_on_diabetes():
    X_train, X_test, y_train, y_test = _split(load_diabetes)
    # default parameters; 200 epochs of Adam at 1e-3 underfit the raw targets, so 1000
    kw = dict(max_iter=1000, random_state=0)
    theirs = MLPRegressor(**kw).fit(X_train, y_train).score(X_test, y_test)
    ours = MLPRegressorScratch(**kw).fit(X_train, y_train).score(X_test, y_test)
    assert ours >= theirs - 0.02 and ours > 0.25


# ---------------------------------------------------------------- behaviours
def test_early_stopping_restores_the_best_weights(digits):
    X_train, _, y_train, _ = digits
    kw = dict(hidden_layer_sizes=(30,), early_stopping=True, random_state=0,
              learning_rate_init=0.01)
    est = MLPClassifierScratch(n_iter_no_change=4, max_iter=60, **kw).fit(X_train, y_train)
    best_epoch = int(np.argmax(est.validation_scores_))
    assert est.n_iter_ > best_epoch + 1  # it trained past the best epoch, then went back
    assert est.best_validation_score_ == max(est.validation_scores_)
    assert len(est.validation_loss_curve_) == est.n_iter_ and est.best_loss_ is None
    # oracle: the same run stopped right at the best epoch has the same weights
    short = MLPClassifierScratch(n_iter_no_change=100, max_iter=best_epoch + 1, **kw)
    short.fit(X_train, y_train)
    for a, b in zip(est.coefs_, short.coefs_):
        np.testing.assert_array_equal(a, b)


def test_partial_fit_continues_like_fit():
    X, y = load_iris(return_X_y=True)
    kw = dict(hidden_layer_sizes=(8,), random_state=0, learning_rate_init=0.01)
    full = MLPClassifierScratch(max_iter=3, **kw).fit(X, y)
    inc = MLPClassifierScratch(**kw)
    for _ in range(3):
        inc.partial_fit(X, y, classes=np.unique(y))
    for a, b in zip(full.coefs_ + full.intercepts_, inc.coefs_ + inc.intercepts_):
        np.testing.assert_array_equal(a, b)
    assert inc.n_iter_ == 3 and inc.t_ == 3 * len(X)
    with pytest.raises(ValueError, match="classes must be passed"):
        MLPClassifierScratch().partial_fit(X, y)
    with pytest.raises(ValueError, match="has classes not in"):
        inc.partial_fit(X, y + 10)
    with pytest.raises(AttributeError, match="partial_fit") as info:
        MLPClassifierScratch(solver="lbfgs").partial_fit(X, y, classes=[0, 1, 2])
    assert "not stochastic" in str(info.value.__cause__)


def test_warm_start_continues_from_the_live_coefs():
    X, y = load_iris(return_X_y=True)
    kw = dict(hidden_layer_sizes=(8,), solver="sgd", momentum=0.0, random_state=0)
    two = MLPClassifierScratch(max_iter=2, **kw).fit(X, y)
    est = MLPClassifierScratch(max_iter=1, warm_start=True, **kw).fit(X, y).fit(X, y)
    for a, b in zip(two.coefs_, est.coefs_):
        np.testing.assert_array_equal(a, b)
    est.coefs_[0][...] = 0.0  # the live parameters: predictions follow edits
    assert np.ptp(est.predict_proba(X[:5]), axis=0).max() < 1e-12
    est.fit(X, y)
    assert np.abs(est.coefs_[0]).sum() > 0  # and training continues from them


def test_float32_is_preserved(digits):
    X_train, X_test, y_train, _ = digits
    est = MLPClassifierScratch((20,), max_iter=5, random_state=0)
    est.fit(X_train.astype(np.float32), y_train)
    assert all(c.dtype == np.float32 for c in est.coefs_ + est.intercepts_)
    assert est.predict_proba(X_test.astype(np.float32)).dtype == np.float32
    reg = MLPRegressorScratch(hidden_layer_sizes=(5,), max_iter=5, random_state=0)
    reg.fit(X_train.astype(np.float32), y_train.astype(np.float32))
    assert reg.predict(X_test.astype(np.float32)).dtype == np.float32


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_sparse_input_gives_the_same_model_as_dense(digits, fmt):
    X_train, X_test, y_train, _ = digits
    X_train = np.where(np.abs(X_train) < 0.5, 0.0, X_train)
    kw = dict(hidden_layer_sizes=(20,), max_iter=5, random_state=0)
    dense = MLPClassifierScratch(**kw).fit(X_train, y_train)
    sparse = MLPClassifierScratch(**kw).fit(sp.csr_matrix(X_train).asformat(fmt), y_train)
    for a, b in zip(dense.coefs_, sparse.coefs_):
        np.testing.assert_allclose(a, b, atol=1e-10)
    np.testing.assert_array_equal(dense.predict(X_test),
                                  sparse.predict(sp.csr_matrix(X_test).asformat(fmt)))


def test_pipeline_grid_search_in_parallel_and_pickle(digits):
    X_train, X_test, y_train, _ = digits
    pipe = make_pipeline(StandardScaler(), MLPClassifierScratch(max_iter=30, random_state=0))
    grid = GridSearchCV(pipe, {"mlpclassifierscratch__hidden_layer_sizes": [(20,), (40,)],
                               "mlpclassifierscratch__activation": ["relu", "elu"]},
                        cv=2, n_jobs=2).fit(X_train, y_train)
    assert grid.best_score_ > 0.85
    restored = pickle.loads(pickle.dumps(grid.best_estimator_))
    np.testing.assert_array_equal(restored.predict_proba(X_test),
                                  grid.best_estimator_.predict_proba(X_test))


def test_convergence_warning_and_lbfgs():
    X, y = load_iris(return_X_y=True)
    with pytest.warns(ConvergenceWarning, match="Maximum iterations \\(2\\)"):
        MLPClassifierScratch(max_iter=2, random_state=0).fit(X, y)
    with pytest.warns(ConvergenceWarning, match="lbfgs failed to converge"):
        MLPClassifierScratch(solver="lbfgs", max_iter=3, random_state=0).fit(X, y)
    est = MLPClassifierScratch((10,), solver="lbfgs", max_iter=500, random_state=0).fit(X, y)
    assert est.score(X, y) > 0.95 and est.n_iter_ > 3 and len(est.loss_curve_) == est.n_iter_


def test_ctrl_c_keeps_current_weights(monkeypatch):
    from sklearn_deep.training import MinibatchProblem

    X, y = load_iris(return_X_y=True)
    calls = {"n": 0}
    original = MinibatchProblem.loss_and_grads

    def interrupted(self, batch):
        calls["n"] += 1
        if calls["n"] == 5:
            raise KeyboardInterrupt
        return original(self, batch)

    monkeypatch.setattr(MinibatchProblem, "loss_and_grads", interrupted)
    with pytest.warns(UserWarning, match="interrupted"):
        est = MLPClassifierScratch((10,), batch_size=50, max_iter=100, random_state=0).fit(X, y)
    assert est.n_iter_ == 1 and all(np.isfinite(c).all() for c in est.coefs_)
    assert est.predict(X).shape == (150,)


def test_divergence_is_reported_and_the_model_left_finite():
    X, y = load_diabetes(return_X_y=True)
    est = MLPRegressorScratch(hidden_layer_sizes=(10,), solver="sgd", learning_rate_init=10.0,
                              max_iter=50, random_state=0)
    with np.errstate(all="ignore"), pytest.raises(ValueError, match="learning rate"):
        est.fit(X * 100, y)
    assert all(np.isfinite(c).all() for c in est.coefs_ + est.intercepts_)


def test_zero_weight_minibatch_does_not_crash():
    X, y = load_iris(return_X_y=True)
    sw = np.ones(150)
    sw[:50] = 0.0  # the first minibatches carry no weight
    est = MLPClassifierScratch((5,), batch_size=10, shuffle=False, max_iter=3,
                               random_state=0).fit(X, y, sample_weight=sw)
    assert np.isfinite(est.loss_) and all(np.isfinite(c).all() for c in est.coefs_)


def test_hinge_offers_decision_function_not_proba():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    est = MLPClassifierScratch((10,), loss="hinge", max_iter=300, random_state=0).fit(X, y)
    assert not hasattr(est, "predict_proba") and not hasattr(est, "predict_log_proba")
    with pytest.raises(AttributeError, match="predict_proba") as info:
        est.predict_proba(X)
    assert "hinge" in str(info.value.__cause__)
    scores = est.decision_function(X)
    np.testing.assert_array_equal(est.classes_[scores.argmax(axis=1)], est.predict(X))
    assert est.score(X, y) > 0.9 and est.out_activation_ == "identity"
    assert not hasattr(MLPClassifierScratch().fit(X, y), "decision_function")
    binary = MLPClassifierScratch((5,), loss="hinge", max_iter=200, random_state=0)
    binary.fit(X[:100], y[:100])
    assert binary.decision_function(X[:100]).shape == (100,)
    np.testing.assert_array_equal(binary.predict(X[:100]),
                                  np.where(binary.decision_function(X[:100]) > 0, 1, 0))


def test_multilabel_targets():
    X, Y = make_multilabel_classification(n_samples=200, n_classes=4, random_state=0)
    est = MLPClassifierScratch((30,), max_iter=300, random_state=0).fit(X, Y)
    theirs = MLPClassifier((30,), max_iter=300, random_state=0).fit(X, Y)
    assert est.out_activation_ == "logistic" and est.predict(X).shape == Y.shape
    np.testing.assert_allclose(est.predict_proba(X), theirs.predict_proba(X), atol=1e-6)


def test_class_weight_is_a_sample_weight():
    X, y = load_iris(return_X_y=True)
    X, y = X[30:], y[30:]  # unbalanced
    kw = dict(hidden_layer_sizes=(6,), max_iter=5, random_state=0)
    a = MLPClassifierScratch(class_weight="balanced", **kw).fit(X, y)
    b = MLPClassifierScratch(**kw).fit(X, y, sample_weight=compute_sample_weight("balanced", y))
    for u, v in zip(a.coefs_, b.coefs_):
        np.testing.assert_array_equal(u, v)
    c = MLPClassifierScratch(class_weight={0: 1.0, 1: 1.0, 2: 1.0}, **kw).fit(X, y)
    d = MLPClassifierScratch(**kw).fit(X, y)
    np.testing.assert_array_equal(c.coefs_[0], d.coefs_[0])


def test_dropout_trains_differently_but_predicts_deterministically(digits):
    X_train, X_test, y_train, y_test = digits
    kw = dict(hidden_layer_sizes=(64,), max_iter=40, random_state=0)
    drop = MLPClassifierScratch(dropout=0.3, **kw).fit(X_train, y_train)
    plain = MLPClassifierScratch(**kw).fit(X_train, y_train)
    assert not np.array_equal(drop.coefs_[0], plain.coefs_[0])
    p = drop.predict_proba(X_test)
    np.testing.assert_array_equal(p, drop.predict_proba(X_test))
    np.testing.assert_array_equal(p[5:9], drop.predict_proba(X_test[5:9]))  # row-independent
    assert drop.score(X_test, y_test) > 0.93


def test_every_activation_and_solver_learns(digits):
    X_train, X_test, y_train, y_test = digits
    for activation in sorted(ACTIVATIONS):
        est = MLPClassifierScratch((32,), activation=activation, max_iter=30, random_state=0)
        assert est.fit(X_train, y_train).score(X_test, y_test) > 0.85, activation
    per_layer = MLPClassifierScratch((32, 16), activation=["tanh", "maxout"], max_iter=30,
                                     random_state=0).fit(X_train, y_train)
    assert per_layer.coefs_[1].shape == (32, 32)  # maxout: 2 pieces per unit
    assert per_layer.score(X_test, y_test) > 0.9
    for solver, lr in [("rmsprop", 1e-3), ("momentum", 1e-2), ("sgd", 1e-2)]:
        est = MLPClassifierScratch((32,), solver=solver, learning_rate_init=lr, max_iter=30,
                                   random_state=0)
        assert est.fit(X_train, y_train).score(X_test, y_test) > 0.9, solver
    with pytest.raises(ValueError, match="one per hidden layer"):
        MLPClassifierScratch((3, 3), activation=["relu"]).fit(X_train, y_train)


def test_momentum_one_is_accepted_as_in_sklearn():
    X, y = load_iris(return_X_y=True)
    kw = dict(hidden_layer_sizes=(5,), solver="sgd", momentum=1.0, max_iter=3, random_state=0)
    ours = MLPClassifierScratch(**kw).fit(X, y)
    theirs = MLPClassifier(**kw).fit(X, y)
    np.testing.assert_allclose(ours.coefs_[0], theirs.coefs_[0], rtol=1e-9)


def test_schedules_apply_to_adam():
    X, y = load_iris(return_X_y=True)
    kw = dict(hidden_layer_sizes=(8,), max_iter=5, random_state=0)
    const = MLPClassifierScratch(**kw).fit(X, y)
    inv = MLPClassifierScratch(learning_rate="invscaling", **kw).fit(X, y)
    sk_inv = MLPClassifier(learning_rate="invscaling", **kw).fit(X, y)
    np.testing.assert_allclose(const.coefs_[0], sk_inv.coefs_[0])  # sklearn ignores it
    assert not np.allclose(inv.coefs_[0], const.coefs_[0])


def test_regressor_multi_output_and_poisson():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 4))
    Y = np.column_stack([X[:, 0] - X[:, 1], np.sin(X[:, 2])])
    reg = MLPRegressorScratch(hidden_layer_sizes=(30,), max_iter=400, random_state=0).fit(X, Y)
    assert reg.predict(X).shape == (300, 2) and reg.score(X, Y) > 0.9
    counts = rng.poisson(np.exp(0.5 * X[:, 0]))
    pois = MLPRegressorScratch(hidden_layer_sizes=(10,), loss="poisson", max_iter=200,
                               random_state=0)
    pois.fit(X, counts)
    assert pois.out_activation_ == "exp" and (pois.predict(X) > 0).all()
    with pytest.raises(ValueError, match="non-negative"):
        pois.fit(X, counts - 5)
