"""Early stopping on the caller's validation set (``fit(..., X_val=, y_val=)``), the
convention of scikit-learn's HistGradientBoosting estimators."""

import numpy as np
import pytest
from sklearn import config_context
from sklearn.datasets import load_diabetes, load_digits
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_deep import MLPClassifierScratch, MLPRegressorScratch


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return train_test_split(X / 16, y, test_size=0.3, random_state=0)


def test_classifier_stops_on_the_given_set_and_keeps_its_best_weights(digits):
    X, X_val, y, y_val = digits
    clf = MLPClassifierScratch((32,), early_stopping=True, max_iter=60, n_iter_no_change=3,
                               random_state=0).fit(X, y, X_val=X_val, y_val=y_val)
    assert len(clf.validation_scores_) == clf.n_iter_ == len(clf.validation_loss_curve_)
    # the restored weights are the best epoch's: their score on X_val is the best score
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    assert clf.score(X_val, y_val) == pytest.approx(clf.best_validation_score_, abs=1e-12)
    # all of X was trained on: t_ counts whole epochs of it
    assert clf.t_ == clf.n_iter_ * X.shape[0]


def test_validation_weights_are_used(digits):
    X, X_val, y, y_val = digits
    w = np.random.default_rng(0).uniform(0.1, 3.0, len(y_val))
    clf = MLPClassifierScratch((16,), early_stopping=True, max_iter=10, random_state=0)
    clf.fit(X, y, X_val=X_val, y_val=y_val, sample_weight_val=w)
    assert clf.score(X_val, y_val, sample_weight=w) == pytest.approx(
        clf.best_validation_score_, abs=1e-12)


def test_regressor_scores_r2_on_the_given_set():
    X, y = load_diabetes(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    y = (y - y.mean()) / y.std()
    X, X_val, y, y_val = train_test_split(X, y, test_size=0.25, random_state=1)
    reg = MLPRegressorScratch(hidden_layer_sizes=(16,), early_stopping=True, max_iter=30,
                              random_state=0, learning_rate_init=0.01)
    reg.fit(X, y, X_val=X_val, y_val=y_val)
    assert reg.score(X_val, y_val) == pytest.approx(reg.best_validation_score_, abs=1e-12)


@pytest.mark.parametrize("kwargs, params, match", [
    (dict(X_val="X"), dict(early_stopping=True), "y_val was not provided"),
    (dict(y_val="y"), dict(early_stopping=True), "X_val was not provided"),
    (dict(X_val="X", y_val="y"), dict(), "early_stopping=False"),
    (dict(X_val="X", y_val="y"), dict(early_stopping=True, solver="lbfgs"), "lbfgs"),
])
def test_a_validation_set_where_it_makes_no_sense_is_refused(digits, kwargs, params, match):
    X, X_val, y, y_val = digits
    given = {k: {"X": X_val, "y": y_val}[v] for k, v in kwargs.items()}
    with pytest.raises(ValueError, match=match):
        MLPClassifierScratch(max_iter=2, **params).fit(X, y, **given)


def test_unknown_validation_labels_and_feature_counts_are_refused(digits):
    X, X_val, y, y_val = digits
    clf = MLPClassifierScratch(max_iter=2, early_stopping=True)
    with pytest.raises(ValueError, match="classes not in"):
        clf.fit(X, y, X_val=X_val, y_val=y_val + 20)
    with pytest.raises(ValueError, match="features"):
        clf.fit(X, y, X_val=X_val[:, :10], y_val=y_val)


def test_in_a_pipeline_x_val_is_transformed_like_x(digits):
    X, X_val, y, y_val = digits
    with config_context(enable_metadata_routing=True):
        mlp = MLPClassifierScratch((16,), early_stopping=True, max_iter=10, random_state=0)
        pipe = Pipeline([("scale", StandardScaler()),
                         ("mlp", mlp.set_fit_request(X_val=True, y_val=True))],
                        transform_input=["X_val"])
        pipe.fit(X, y, X_val=X_val, y_val=y_val)
    fitted = pipe.named_steps["mlp"]
    assert pipe.score(X_val, y_val) == pytest.approx(fitted.best_validation_score_, abs=1e-12)
