"""The MLPs where users drop them in for scikit-learn's: the warm_start, partial_fit and
multilabel rules of ``MLPClassifier`` checked side by side, and divergence reported as ours."""

import re
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris, make_multilabel_classification
from sklearn.neural_network import MLPClassifier

from sklearn_deep import MLPClassifierScratch, MLPRegressorScratch
from sklearn_deep.training import TrainingError

X_IRIS, Y_IRIS = load_iris(return_X_y=True)
X_ML, Y_ML = make_multilabel_classification(n_samples=50, random_state=0)


def _outcome(call):
    """('ok', value) or ('error', type, message) of ``call()``, warnings silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return ("ok", call())
        except (ValueError, TypeError, AttributeError) as exc:
            return ("error", type(exc), str(exc))


# each scenario: a function of the estimator class returning something comparable
SCENARIOS = {
    "warm_start refit on a subset of the classes": lambda C: C(
        hidden_layer_sizes=2, solver="lbfgs", warm_start=True, max_iter=5
    ).fit(X_IRIS, Y_IRIS).fit(X_IRIS, (Y_IRIS > 0).astype(int)).classes_.tolist(),
    "warm_start refit on new classes": lambda C: C(
        hidden_layer_sizes=2, solver="lbfgs", warm_start=True, max_iter=5
    ).fit(X_IRIS, Y_IRIS).fit(X_IRIS, Y_IRIS + 1).classes_.tolist(),
    "warm_start refit on the same classes": lambda C: C(
        hidden_layer_sizes=2, solver="lbfgs", warm_start=True, max_iter=5
    ).fit(X_IRIS, Y_IRIS).fit(X_IRIS[::-1], Y_IRIS[::-1]).classes_.tolist(),
    "refit without warm_start on other classes": lambda C: C(
        hidden_layer_sizes=2, solver="lbfgs", max_iter=5
    ).fit(X_IRIS, Y_IRIS).fit(X_IRIS, Y_IRIS + 5).classes_.tolist(),
    "partial_fit on a subset of the classes": lambda C: C(hidden_layer_sizes=2).partial_fit(
        X_IRIS, Y_IRIS, classes=[0, 1, 2]).partial_fit(X_IRIS[:50], Y_IRIS[:50]
                                                       ).classes_.tolist(),
    "partial_fit on new classes": lambda C: C(hidden_layer_sizes=2).partial_fit(
        X_IRIS, Y_IRIS, classes=[0, 1, 2]).partial_fit(X_IRIS, Y_IRIS + 1).classes_.tolist(),
    "first partial_fit with y outside classes": lambda C: C(hidden_layer_sizes=2).partial_fit(
        X_IRIS, Y_IRIS, classes=[0, 1]).classes_.tolist(),
    "first partial_fit without classes": lambda C: C().partial_fit(X_IRIS, Y_IRIS),
    "partial_fit with warm_start on a subset": lambda C: C(
        hidden_layer_sizes=2, warm_start=True).partial_fit(
        X_IRIS, Y_IRIS, classes=[0, 1, 2]).partial_fit(X_IRIS[:50], Y_IRIS[:50]
                                                       ).classes_.tolist(),
    "multilabel partial_fit with classes": lambda C: (lambda m: (
        m.predict(X_ML).shape, m.classes_.tolist(), m.predict_proba(X_ML).shape))(
        C(max_iter=5).partial_fit(X_ML, Y_ML, classes=[0, 1, 2, 3, 4])),
    "multilabel fit": lambda C: (lambda m: (m.predict(X_ML).shape, m.classes_.tolist()))(
        C(max_iter=5).fit(X_ML, Y_ML)),
    "multilabel then multiclass partial_fit": lambda C: C(max_iter=5).partial_fit(
        X_ML, Y_ML, classes=[0, 1, 2, 3, 4]).partial_fit(X_ML, Y_ML[:, 0]).classes_.tolist(),
}


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_classes_rules_match_scikit_learn(scenario):
    ours = _outcome(lambda: SCENARIOS[scenario](MLPClassifierScratch))
    theirs = _outcome(lambda: SCENARIOS[scenario](MLPClassifier))
    assert ours[0] == theirs[0], (ours, theirs)
    if ours[0] == "ok":
        assert ours[1] == theirs[1]
    else:  # same kind of error, saying the same thing
        assert issubclass(ours[1], theirs[1]) or issubclass(theirs[1], ours[1])
        words = set(re.findall(r"[a-z_]{4,}", theirs[2].lower()))
        found = set(re.findall(r"[a-z_]{4,}", ours[2].lower()))
        assert len(words & found) >= 0.6 * len(words), (ours[2], theirs[2])


def test_multilabel_partial_fit_predicts_an_indicator_matrix_and_scores():
    clf = MLPClassifierScratch(max_iter=5, random_state=0)
    clf.partial_fit(X_ML, Y_ML, classes=[0, 1, 2, 3, 4])
    assert clf.predict(X_ML).shape == (50, 5)
    assert 0.0 <= clf.score(X_ML, Y_ML) <= 1.0


def test_warm_start_refit_on_a_subset_of_classes_says_why():
    clf = MLPClassifierScratch(hidden_layer_sizes=2, solver="lbfgs", warm_start=True,
                               max_iter=5).fit(X_IRIS, Y_IRIS)
    with pytest.raises(ValueError, match="warm_start can only be used where `y` has the same "
                                         "classes"):
        clf.fit(X_IRIS, (Y_IRIS > 0).astype(int))


def test_a_diverging_fit_with_early_stopping_raises_our_error():
    kw = dict(solver="sgd", activation="identity", learning_rate_init=1, early_stopping=True)
    for seed in range(6):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(TrainingError, match="diverged"):
                MLPRegressorScratch(random_state=seed, **kw).fit(X_IRIS, Y_IRIS)


def test_after_divergence_in_the_validation_the_weights_are_finite():
    est = MLPRegressorScratch(solver="sgd", activation="identity", learning_rate_init=1,
                              early_stopping=True, random_state=0)
    with pytest.raises(TrainingError, match="validation score"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X_IRIS, Y_IRIS)
    assert all(np.isfinite(c).all() for c in est.coefs_ + est.intercepts_)
