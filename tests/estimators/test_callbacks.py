"""scikit-learn's callback API (sklearn.callback, scikit-learn >= 1.9) in the estimators.

The events are checked with the framework's own test callbacks; the oracle for the weights
and scores a callback sees or leaves is a fit without callbacks stopped by ``max_iter`` at
that epoch (the random stream being the same).
"""

import contextlib
import io
import pickle
import time
import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

pytest.importorskip("sklearn.callback")  # scikit-learn >= 1.9
from sklearn.callback import ScoringMonitor
from sklearn.callback.tests._utils import (
    RecordingAutoPropagatedCallback,
    RecordingCallback,
    StopFitCallback,
)

from sklearn_deep import (
    AutoencoderTransformer,
    MLPClassifierScratch,
    MLPRegressorScratch,
    Word2VecTransformer,
)
from sklearn_deep.datasets import make_synthetic_language

X, y = make_classification(120, 6, random_state=0)
Xr, yr = make_regression(80, 5, noise=1.0, random_state=0)
yr = yr / yr.std()


class StopAtEpoch(RecordingCallback):
    """Asks to stop at the end of epoch ``epoch`` (1-based)."""

    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_fit_task_end(self, estimator, context, *, X=None, y=None, metadata=None,
                        fitted_estimator=None):
        super().on_fit_task_end(estimator, context, X=X, y=y, metadata=metadata,
                                fitted_estimator=fitted_estimator)
        return context.task_name != "fit" and context.task_id == self.epoch - 1


def _fit(est, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(*args, **kwargs)


def _weights(est):
    return [*est.coefs_, *est.intercepts_]


def _assert_same_weights(a, b):
    for wa, wb in zip(_weights(a), _weights(b), strict=True):
        np.testing.assert_array_equal(wa, wb)


def _names(callback, estimator_name=None):
    return [(r["name"], r["context"].task_name) for r in callback.record
            if estimator_name is None or r["context"].estimator_name == estimator_name]


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_one_task_per_epoch_between_setup_and_teardown(solver):
    cb = RecordingCallback()
    clf = _fit(MLPClassifierScratch((8,), solver=solver, max_iter=6, random_state=0)
               .set_callbacks(cb), X, y)
    task = "lbfgs-iter" if solver == "lbfgs" else "epoch"
    assert _names(cb) == [("setup", "fit"), ("on_fit_task_begin", "fit"),
                          *[("on_fit_task_begin", task), ("on_fit_task_end", task)]
                          * clf.n_iter_,
                          ("on_fit_task_end", "fit"), ("teardown", "fit")]
    assert clf.n_iter_ == 6
    epochs = [r["context"] for r in cb.record if r["context"].task_name == task]
    assert [c.task_id for c in epochs] == sorted(2 * list(range(clf.n_iter_)))
    assert {c.parent.task_name for c in epochs} == {"fit"}


def test_partial_fit_is_a_task_of_one_epoch():
    cb = RecordingCallback()
    clf = MLPClassifierScratch((8,), random_state=0).set_callbacks(cb)
    clf.partial_fit(X, y, classes=np.unique(y))
    clf.partial_fit(X, y)
    one = [("setup", "fit"), ("on_fit_task_begin", "fit"), ("on_fit_task_begin", "epoch"),
           ("on_fit_task_end", "epoch"), ("on_fit_task_end", "fit"), ("teardown", "fit")]
    assert _names(cb) == one * 2


@pytest.mark.parametrize("Est, data", [(MLPClassifierScratch, (X, y)),
                                       (MLPRegressorScratch, (Xr, yr))])
def test_the_fitted_estimator_of_an_epoch_is_the_fit_stopped_there(Est, data):
    # what the callbacks see at the end of epoch k predicts as a fit of k epochs
    cb = RecordingCallback()
    _fit(Est(hidden_layer_sizes=(8,), max_iter=4, random_state=0).set_callbacks(cb), *data)
    ends = [r["kwargs"] for r in cb.record
            if r["name"] == "on_fit_task_end" and r["context"].task_name == "epoch"]
    begins = [r["kwargs"] for r in cb.record
              if r["name"] == "on_fit_task_begin" and r["context"].task_name == "epoch"]
    for k, (begin, end) in enumerate(zip(begins, ends), start=1):
        reference = _fit(Est(hidden_layer_sizes=(8,), max_iter=k, random_state=0), *data)
        _assert_same_weights(end["fitted_estimator"], reference)
        assert end["fitted_estimator"].n_iter_ == k
        assert end["fitted_estimator"].loss_curve_ == reference.loss_curve_
        np.testing.assert_array_equal(end["fitted_estimator"].predict(data[0]),
                                      reference.predict(data[0]))
        assert begin["fitted_estimator"].n_iter_ == k - 1
        assert end["X"] is begins[0]["X"] and end["X"].shape == data[0].shape


def test_scoring_monitor_logs_one_score_per_epoch():
    monitor = ScoringMonitor(scoring="accuracy")
    clf = _fit(MLPClassifierScratch((8,), max_iter=5, random_state=0).set_callbacks(monitor),
               X, y)
    rows = monitor.get_logs().data
    epochs = [row for row in rows if row["task_name"] == "epoch"]
    assert len(epochs) == clf.n_iter_ == 5
    for k, row in enumerate(epochs, start=1):
        reference = _fit(MLPClassifierScratch((8,), max_iter=k, random_state=0), X, y)
        assert row["accuracy"] == accuracy_score(y, reference.predict(X))
    (root,) = [row for row in rows if row["task_name"] == "fit"]
    assert root["accuracy"] == accuracy_score(y, clf.predict(X))


def test_scoring_monitor_uses_the_sample_weight_given_to_fit():
    w = np.linspace(0.1, 2, len(y))
    monitor = ScoringMonitor(scoring="accuracy")
    _fit(MLPClassifierScratch((8,), max_iter=2, random_state=0).set_callbacks(monitor),
         X, y, sample_weight=w)
    last = [row for row in monitor.get_logs().data if row["task_name"] == "epoch"][-1]
    reference = _fit(MLPClassifierScratch((8,), max_iter=2, random_state=0), X, y,
                     sample_weight=w)
    assert last["accuracy"] == accuracy_score(y, reference.predict(X), sample_weight=w)


@pytest.mark.parametrize("params", [
    {"solver": "adam"},
    {"solver": "sgd", "learning_rate": "invscaling"},
    {"solver": "adam", "dropout": 0.3},  # the masks are drawn from the generator
    {"solver": "adam", "early_stopping": True},
    {"solver": "lbfgs"},
])
def test_a_passive_callback_leaves_the_fit_bit_identical(params):
    plain = _fit(MLPClassifierScratch((8,), max_iter=8, random_state=0, **params), X, y)
    watched = MLPClassifierScratch((8,), max_iter=8, random_state=0, **params)
    _fit(watched.set_callbacks(RecordingCallback(), ScoringMonitor(scoring="accuracy")), X, y)
    _assert_same_weights(plain, watched)
    assert plain.loss_curve_ == watched.loss_curve_
    assert plain.validation_scores_ == watched.validation_scores_
    assert plain.n_iter_ == watched.n_iter_


def test_verbose_is_unchanged_by_callbacks():
    outputs = []
    for callbacks in ([], [RecordingCallback()]):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            clf = _fit(MLPClassifierScratch((8,), max_iter=4, random_state=0, verbose=True)
                       .set_callbacks(*callbacks), X, y)
        outputs.append(out.getvalue())
    assert outputs[0] == outputs[1]
    lines = outputs[0].splitlines()
    assert lines == [f"Iteration {k}, loss = {loss:.8f}"
                     for k, loss in enumerate(clf.loss_curve_, start=1)]


def test_a_stop_request_ends_training_after_that_epoch():
    cb = StopFitCallback()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # a requested stop is no failure
        clf = MLPClassifierScratch((8,), max_iter=50, random_state=0).set_callbacks(cb).fit(X, y)
    assert clf.n_iter_ == 1 and len(clf.loss_curve_) == 1
    _assert_same_weights(clf, _fit(MLPClassifierScratch((8,), max_iter=1, random_state=0),
                                   X, y))


def test_a_stop_request_restores_the_weights_of_the_lowest_training_loss():
    params = {"hidden_layer_sizes": (16,), "learning_rate_init": 0.1, "batch_size": 20,
              "random_state": 0}
    clf = MLPClassifierScratch(**params, max_iter=50).set_callbacks(StopAtEpoch(3))
    clf.fit(X, y)
    assert clf.n_iter_ == 3
    best = int(np.argmin(clf.loss_curve_)) + 1
    assert best < 3  # the loss rose in epoch 3: the restored weights are not the last ones
    _assert_same_weights(clf, _fit(MLPClassifierScratch(**params, max_iter=best), X, y))


def test_a_stop_request_with_early_stopping_restores_the_best_validation_score():
    params = {"hidden_layer_sizes": (16,), "learning_rate_init": 0.1, "batch_size": 20,
              "random_state": 0, "early_stopping": True, "validation_fraction": 0.25}
    clf = MLPClassifierScratch(**params, max_iter=50).set_callbacks(StopAtEpoch(6))
    clf.fit(X, y)
    assert clf.n_iter_ == 6 and len(clf.validation_scores_) == 6
    best = int(np.argmax(clf.validation_scores_)) + 1
    assert best < 6
    _assert_same_weights(clf, _fit(MLPClassifierScratch(**params, max_iter=best), X, y))


def test_lbfgs_stops_at_the_requested_iteration():
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf = MLPClassifierScratch((8,), solver="lbfgs", max_iter=200, random_state=0)
        clf.set_callbacks(StopAtEpoch(3)).fit(X, y)
    assert clf.n_iter_ == 3 and len(clf.loss_curve_) == 3
    reference = _fit(MLPClassifierScratch((8,), solver="lbfgs", max_iter=3, random_state=0),
                     X, y)
    for a, b in zip(_weights(clf), _weights(reference), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_callbacks_propagate_from_a_pipeline():
    cb = RecordingAutoPropagatedCallback()
    pipe = make_pipeline(StandardScaler(), MLPClassifierScratch((8,), max_iter=3,
                                                                random_state=0))
    _fit(pipe.set_callbacks(cb), X, y)
    assert cb.count_hooks("setup") == cb.count_hooks("teardown") == 1
    mlp = _names(cb, "MLPClassifierScratch")
    assert mlp == [("on_fit_task_begin", "fit"),
                   *[("on_fit_task_begin", "epoch"), ("on_fit_task_end", "epoch")] * 3,
                   ("on_fit_task_end", "fit")]
    root = next(r["context"] for r in cb.record
                if r["context"].estimator_name == "MLPClassifierScratch")
    assert root.source_estimator_name == "Pipeline" and root.parent.estimator_name == "Pipeline"
    # the MLP saw the scaled data
    X_seen = next(r["kwargs"]["X"] for r in cb.record
                  if r["context"].estimator_name == "MLPClassifierScratch")
    np.testing.assert_allclose(X_seen, StandardScaler().fit_transform(X))
    assert "_skl_callbacks" not in vars(pipe[-1])  # the propagated callback was taken back


def test_callbacks_propagate_from_a_grid_search():
    cb = RecordingAutoPropagatedCallback()
    search = GridSearchCV(MLPClassifierScratch((8,), max_iter=3, random_state=0),
                          {"alpha": [1e-4, 1e-2]}, cv=2)
    _fit(search.set_callbacks(cb), X, y)
    mlp = _names(cb, "MLPClassifierScratch")
    n_fits = 2 * 2 + 1  # candidates × folds, and the refit
    assert mlp.count(("on_fit_task_begin", "fit")) == n_fits
    assert mlp.count(("on_fit_task_end", "epoch")) == 3 * n_fits
    assert cb.count_hooks("setup") == cb.count_hooks("teardown") == 1


def test_scoring_monitor_inside_a_grid_search():
    monitor = ScoringMonitor(scoring="accuracy")
    search = GridSearchCV(MLPClassifierScratch((8,), max_iter=3, random_state=0),
                          {"alpha": [1e-4]}, cv=2)
    search.estimator.set_callbacks(monitor)
    _fit(search, X, y)
    epochs = [row for row in monitor.get_logs(select="all")[-1].data
              if row["task_name"] == "epoch"]
    assert len(epochs) == 3 * (2 + 1)


def test_progress_bar_runs_nested_in_a_search():
    pytest.importorskip("rich")
    from sklearn.callback import ProgressBar

    search = GridSearchCV(make_pipeline(StandardScaler(),
                                        MLPRegressorScratch(hidden_layer_sizes=(4,),
                                                            max_iter=2, random_state=0)),
                          {"mlpregressorscratch__alpha": [1e-4, 1e-3]}, cv=2)
    with contextlib.redirect_stdout(io.StringIO()):
        _fit(search.set_callbacks(ProgressBar(max_propagation_depth=None)), Xr, yr)
    assert search.best_estimator_[-1].n_iter_ == 2


def test_a_fitted_estimator_that_had_callbacks_pickles():
    monitor = ScoringMonitor(scoring="accuracy")
    clf = _fit(MLPClassifierScratch((8,), max_iter=3, random_state=0)
               .set_callbacks(RecordingCallback(), monitor), X, y)
    assert not hasattr(clf, "_callback_fit_ctx")  # the task tree does not outlive fit
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))
    assert len(again._skl_callbacks) == 2
    _fit(again, X, y)  # and fits again with its callbacks
    assert len([r for r in again._skl_callbacks[1].get_logs().data
                if r["task_name"] == "epoch"]) == 3


@pytest.mark.parametrize("params", [
    {"solver": "adam"},  # linear: PCA's attributes from the Rayleigh–Ritz step of that epoch
    {"solver": "adam", "activation": "tanh", "hidden_layer_sizes": (6,)},
    {"solver": "lbfgs", "activation": "tanh"},
])
def test_autoencoder_epochs_and_their_fitted_estimators(params):
    cb = RecordingCallback()
    ae = _fit(AutoencoderTransformer(n_components=2, max_iter=3, random_state=0, **params)
              .set_callbacks(cb), X)
    task = "lbfgs-iter" if params["solver"] == "lbfgs" else "epoch"
    ends = [r["kwargs"] for r in cb.record
            if r["name"] == "on_fit_task_end" and r["context"].task_name == task]
    assert len(ends) == ae.n_iter_ == 3
    for k, end in enumerate(ends, start=1):
        reference = _fit(AutoencoderTransformer(n_components=2, max_iter=k, random_state=0,
                                                **params), X)
        np.testing.assert_array_equal(end["fitted_estimator"].transform(X),
                                      reference.transform(X))
        assert end["fitted_estimator"].score(X) == reference.score(X)
        assert end["y"] is None
    plain = _fit(AutoencoderTransformer(n_components=2, max_iter=3, random_state=0, **params),
                 X)
    np.testing.assert_array_equal(plain.transform(X), ae.transform(X))  # bit-identical


@pytest.mark.parametrize("activation", ["identity", "tanh"])
def test_autoencoder_partial_fit_epoch_is_the_model_after_the_call(activation):
    # linear models: PCA's attributes from the running scatter, as partial_fit ends
    cb = RecordingCallback()
    ae = AutoencoderTransformer(n_components=2, activation=activation, random_state=0)
    ae.set_callbacks(cb)
    for _ in range(2):
        ae.partial_fit(X)
    last = [r["kwargs"]["fitted_estimator"] for r in cb.record
            if r["name"] == "on_fit_task_end" and r["context"].task_name == "epoch"][-1]
    np.testing.assert_array_equal(last.transform(X), ae.transform(X))
    np.testing.assert_array_equal(last.inverse_transform(ae.transform(X)),
                                  ae.inverse_transform(ae.transform(X)))


def test_autoencoder_stops_on_request_inside_a_pipeline():
    cb = RecordingAutoPropagatedCallback()
    pipe = make_pipeline(StandardScaler(), AutoencoderTransformer(
        n_components=2, solver="adam", max_iter=50, random_state=0))
    pipe.set_callbacks(cb)
    pipe[-1].set_callbacks(StopFitCallback())
    _fit(pipe, X)
    assert pipe[-1].n_iter_ == 1
    assert _names(cb, "AutoencoderTransformer") == [
        ("on_fit_task_begin", "fit"), ("on_fit_task_begin", "epoch"),
        ("on_fit_task_end", "epoch"), ("on_fit_task_end", "fit")]


@pytest.fixture(scope="module")
def texts():
    return make_synthetic_language(1500, random_state=0).sentences


W2V = dict(vector_size=8, min_count=3, epochs=3, random_state=0)


def test_word2vec_epochs_report_the_words_done(texts):
    cb = RecordingCallback()
    started = time.perf_counter()
    w2v = Word2VecTransformer(**W2V).set_callbacks(cb).fit(texts)
    elapsed = time.perf_counter() - started
    words_per_epoch = w2v.corpus_total_words_
    epoch = f"epoch of {words_per_epoch:,} words"
    names = [name for _, name in _names(cb) if name.startswith(epoch)]
    # the first epoch names its words; later ones add the words/s so far, which is at
    # least the words of the epochs done over the whole fit's time
    assert names[:2] == [epoch, epoch]
    for k, name in enumerate(names[2::2], start=1):
        rate = float(name.removeprefix(epoch + ", ").removesuffix(" words/s").replace(",", ""))
        assert rate >= k * words_per_epoch / elapsed
    words = [("on_fit_task_begin", "words"), ("on_fit_task_end", "words")] * 100
    assert [(event, epoch if name.startswith(epoch) else name) for event, name in _names(cb)
            ] == [("setup", "fit"), ("on_fit_task_begin", "fit"),
                  *[("on_fit_task_begin", epoch), *words, ("on_fit_task_end", epoch)] * 3,
                  ("on_fit_task_end", "fit"), ("teardown", "fit")]
    ends = [r for r in cb.record
            if r["name"] == "on_fit_task_end" and r["context"].task_name.startswith(epoch)]
    assert [r["context"].max_subtasks for r in ends] == [100] * 3
    fitted = [r["kwargs"]["fitted_estimator"] for r in ends]
    assert [f.n_iter_ for f in fitted] == [1, 2, 3]
    assert [f.loss_curve_ for f in fitted] == [w2v.loss_curve_[:k] for k in (1, 2, 3)]
    # copies of that epoch's vectors, not the live ones
    assert not np.array_equal(fitted[0].wv_.vectors, w2v.wv_.vectors)
    np.testing.assert_array_equal(fitted[-1].transform(texts[:20]), w2v.transform(texts[:20]))
    assert ends[0]["kwargs"]["X"] is texts and ends[0]["kwargs"]["y"] is None


@pytest.mark.parametrize("workers", [1, 2])
def test_word2vec_is_bit_identical_with_a_passive_callback(texts, workers):
    from sklearn_deep.estimators._parallel import fork_available

    if workers > 1 and not fork_available():
        pytest.skip("workers > 1 needs the fork start method")
    plain = Word2VecTransformer(**W2V, workers=workers).fit(texts)
    watched = Word2VecTransformer(**W2V, workers=workers)
    watched.set_callbacks(RecordingCallback()).fit(texts)
    np.testing.assert_array_equal(plain.wv_.vectors, watched.wv_.vectors)
    np.testing.assert_array_equal(plain.syn1neg_, watched.syn1neg_)
    assert plain.loss_curve_ == watched.loss_curve_


def test_word2vec_stops_on_request_with_its_lowest_loss_vectors(texts):
    cb = StopAtEpoch(2)
    w2v = Word2VecTransformer(**{**W2V, "epochs": 10}).set_callbacks(cb).fit(texts)
    assert w2v.n_iter_ == 2 and len(w2v.loss_curve_) == 2
    ends = [r["kwargs"]["fitted_estimator"] for r in cb.record
            if r["name"] == "on_fit_task_end" and r["context"].task_name.startswith("epoch")]
    best = ends[int(np.argmin(w2v.loss_curve_))]
    np.testing.assert_array_equal(w2v.wv_.vectors, best.wv_.vectors)


def test_word2vec_partial_fit_is_one_epoch(texts):
    cb = RecordingCallback()
    w2v = Word2VecTransformer(**W2V).set_callbacks(cb)
    w2v.partial_fit(texts)
    assert [r["context"].task_name for r in cb.record
            if r["name"] == "on_fit_task_end" and r["context"].task_name != "words"] == [
        f"epoch of {w2v.corpus_total_words_:,} words", "fit"]


def test_word2vec_progress_bar_in_a_pipeline(texts):
    pytest.importorskip("rich")
    from sklearn.callback import ProgressBar

    pipe = make_pipeline(Word2VecTransformer(**W2V), StandardScaler())
    with contextlib.redirect_stdout(io.StringIO()):
        pipe.set_callbacks(ProgressBar(max_propagation_depth=None)).fit(texts)
    assert pipe[0].n_iter_ == 3


def test_epochs_split_into_parts_report_progress_as_leaf_tasks():
    from sklearn.base import BaseEstimator
    from sklearn.callback import CallbackSupportMixin

    from sklearn_deep.estimators._callbacks import FitTask
    from sklearn_deep.training import TrainingState

    class Trained(CallbackSupportMixin, BaseEstimator):
        pass

    cb = RecordingCallback()
    est = Trained().set_callbacks(cb)
    task = FitTask(est, max_subtasks=2, X=X, y=y)
    hooks = task.epochs("epoch", dict, parts=4, part_name="words")
    for _ in range(2):
        hooks.begin()
        for fraction in (0.1, 0.3, 0.55, 0.6):  # the epoch's end completes the parts
            hooks.progress(fraction)
        hooks.end(TrainingState())
    task.end()
    parts = [("on_fit_task_begin", "words"), ("on_fit_task_end", "words")]
    epoch = [("on_fit_task_begin", "epoch"), *parts * 4, ("on_fit_task_end", "epoch")]
    assert _names(cb) == [("setup", "fit"), ("on_fit_task_begin", "fit"), *epoch * 2,
                                ("on_fit_task_end", "fit")]
    assert [r["context"].max_subtasks for r in cb.record
            if r["context"].task_name == "epoch"] == [4] * 4
    for r in cb.record:
        if r["context"].task_name == "words":  # parts carry no data: nothing to score
            assert r["kwargs"]["fitted_estimator"] is None and r["kwargs"]["X"] is None


def test_set_callbacks_refuses_what_is_not_a_callback():
    with pytest.raises(TypeError, match="FitCallback"):
        MLPRegressorScratch().set_callbacks(object())
