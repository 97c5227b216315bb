"""ONNX export (sklearn_deep.onnx): onnxruntime, an independent implementation of the ONNX
operators, must give our estimators' outputs to 1e-5 on float32 inputs."""

import subprocess
import sys
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris, make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_deep import AutoencoderTransformer, MLPClassifierScratch, MLPRegressorScratch
from sklearn_deep.engine import ACTIVATIONS

skl2onnx = pytest.importorskip("skl2onnx")
ort = pytest.importorskip("onnxruntime")
sd_onnx = pytest.importorskip("sklearn_deep.onnx")

TOL = dict(rtol=1e-5, atol=1e-5)


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def _run(est, X, **options):
    """Export ``est`` from a float32 sample and run it in onnxruntime on ``X``."""
    onx = skl2onnx.to_onnx(est, X[:1], **options)
    session = ort.InferenceSession(onx.SerializeToString(),
                                   providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(None, {session.get_inputs()[0].name: X})))


@pytest.fixture(scope="module")
def data():
    # a wide input range so that every activation sees large negative and positive inputs
    X = np.random.RandomState(0).normal(scale=3.0, size=(120, 5)).astype(np.float32)
    y3 = np.digitize(X[:, 0] + X[:, 1], [-2.0, 2.0])
    return X, y3


def test_importing_the_package_does_not_import_skl2onnx():
    code = "import sys, sklearn_deep; assert 'skl2onnx' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_every_registered_activation_has_an_onnx_mapping():
    assert set(ACTIVATIONS) <= set(sd_onnx.ONNX_ACTIVATIONS)


# ---------------------------------------------------------------------- activations
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_regressor_matches_for_every_activation(data, activation):
    X, _ = data
    reg = MLPRegressorScratch(hidden_layer_sizes=(7, 6), activation=activation,
                              solver="lbfgs", max_iter=30, random_state=0)
    reg.fit(X, np.sin(X[:, 0]) + X[:, 1])
    out = _run(reg, X)["variable"]
    assert out.dtype == np.float32 and out.shape == (len(X), 1)
    np.testing.assert_allclose(out[:, 0], reg.predict(X), **TOL)


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_classifier_matches_for_every_activation(data, activation):
    X, y = data
    # trained in float64 (the usual case), exported and run in float32
    clf = MLPClassifierScratch(hidden_layer_sizes=(8,), activation=activation,
                               max_iter=40, random_state=0).fit(X.astype(np.float64), y)
    assert clf.coefs_[0].dtype == np.float64
    out = _run(clf, X, options={"zipmap": False})
    np.testing.assert_allclose(out["probabilities"], clf.predict_proba(X), **TOL)
    np.testing.assert_array_equal(out["label"], clf.predict(X))


def test_activation_per_layer_with_maxout_and_dropout(data):
    X, y = data
    clf = MLPClassifierScratch(hidden_layer_sizes=(6, 5, 4),
                               activation=["maxout", "elu", "leaky_relu"], dropout=0.2,
                               max_iter=40, random_state=0).fit(X, y)
    assert clf.coefs_[0].shape[1] == 12  # maxout: two pieces per unit
    out = _run(clf, X, options={"zipmap": False})
    np.testing.assert_allclose(out["probabilities"], clf.predict_proba(X), **TOL)
    np.testing.assert_array_equal(out["label"], clf.predict(X))


@pytest.mark.parametrize("opset", [13, 17, 18])
def test_maxout_before_and_after_reducemax_took_axes_as_input(data, opset):
    X, _ = data
    reg = MLPRegressorScratch(hidden_layer_sizes=(5,), activation="maxout", max_iter=20,
                              random_state=0).fit(X, X[:, 0])
    out = _run(reg, X, target_opset=opset)["variable"]
    np.testing.assert_allclose(out[:, 0], reg.predict(X), **TOL)


# ---------------------------------------------------------------------- classifiers
def test_binary_string_labels_with_zipmap(data):
    X, _ = data
    y = np.array(["neg", "pos"])[(X[:, 0] > 0).astype(int)]
    clf = MLPClassifierScratch(hidden_layer_sizes=(6,), max_iter=40, random_state=0).fit(X, y)
    out = _run(clf, X)  # skl2onnx's default: a ZipMap of the probabilities
    np.testing.assert_array_equal(out["output_label"], clf.predict(X))
    proba = np.array([[row["neg"], row["pos"]] for row in out["output_probability"]])
    np.testing.assert_allclose(proba, clf.predict_proba(X), **TOL)


def test_multiclass_nocl_gives_class_indices(data):
    X, y = data
    clf = MLPClassifierScratch(hidden_layer_sizes=(6,), max_iter=40, random_state=0)
    clf.fit(X, np.array([10, 20, 30])[y])
    out = _run(clf, X, options={"zipmap": False, "nocl": True})
    np.testing.assert_array_equal(out["label"], np.searchsorted(clf.classes_, clf.predict(X)))


def test_output_class_labels_option(data):
    X, y = data
    clf = MLPClassifierScratch(hidden_layer_sizes=(6,), max_iter=40, random_state=0)
    clf.fit(X, y)
    out = _run(clf, X, options={"zipmap": False, "output_class_labels": True})
    np.testing.assert_array_equal(out["class_labels"], clf.classes_)


def test_multilabel():
    X, Y = make_multilabel_classification(n_samples=100, n_features=6, n_classes=4,
                                          random_state=0)
    X = X.astype(np.float32)
    clf = MLPClassifierScratch(hidden_layer_sizes=(10,), activation="tanh", max_iter=60,
                               random_state=0).fit(X, Y)
    out = _run(clf, X, options={"zipmap": False})
    np.testing.assert_allclose(out["probabilities"], clf.predict_proba(X), **TOL)
    np.testing.assert_array_equal(out["label"], clf.predict(X))


@pytest.mark.parametrize("n_classes", [2, 3])
def test_hinge_loss_gives_label_and_scores(data, n_classes):
    X, y = data
    y = y if n_classes == 3 else (y > 0).astype(int)
    clf = MLPClassifierScratch(hidden_layer_sizes=(8,), loss="hinge", max_iter=40,
                               random_state=0).fit(X, y)
    out = _run(clf, X, options={"zipmap": False})
    np.testing.assert_array_equal(out["label"], clf.predict(X))
    scores, decision = out["probabilities"], clf.decision_function(X)
    if n_classes == 2:  # skl2onnx's layout for binary score classifiers: [-d, d]
        np.testing.assert_allclose(scores, np.column_stack([-decision, decision]), **TOL)
    else:
        np.testing.assert_allclose(scores, decision, **TOL)


def test_classifier_trained_on_one_class(data):
    X, _ = data
    clf = MLPClassifierScratch(hidden_layer_sizes=(4,), max_iter=5, random_state=0)
    clf.fit(X, np.full(len(X), 7))
    out = _run(clf, X, options={"zipmap": False})
    np.testing.assert_array_equal(out["label"], clf.predict(X))
    np.testing.assert_array_equal(out["probabilities"], clf.predict_proba(X))


def test_pipeline_with_scikit_learn_steps():
    X, y = load_iris(return_X_y=True)
    X = X.astype(np.float32)
    pipe = Pipeline([("scale", StandardScaler()),
                     ("mlp", MLPClassifierScratch(hidden_layer_sizes=(12,), activation="elu",
                                                  max_iter=200, random_state=0))]).fit(X, y)
    out = _run(pipe, X, options={"zipmap": False})
    np.testing.assert_allclose(out["probabilities"], pipe.predict_proba(X), **TOL)
    np.testing.assert_array_equal(out["label"], pipe.predict(X))


# ---------------------------------------------------------------------- regressors
def test_poisson_regressor_applies_exp(data):
    X, _ = data
    y = np.random.RandomState(1).poisson(np.exp(0.3 * X[:, 0]))
    reg = MLPRegressorScratch(loss="poisson", hidden_layer_sizes=(8,), activation="softplus",
                              max_iter=40, random_state=0).fit(X, y)
    out = _run(reg, X)["variable"]
    np.testing.assert_allclose(out[:, 0], reg.predict(X), **TOL)


def test_multi_output_regressor(data):
    X, _ = data
    reg = MLPRegressorScratch(hidden_layer_sizes=(8,), max_iter=40, random_state=0)
    reg.fit(X, X[:, :3] ** 2)
    out = _run(reg, X)["variable"]
    assert out.shape == (len(X), 3)
    np.testing.assert_allclose(out, reg.predict(X), **TOL)


@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu", "maxout"])
def test_float64_input_computes_in_float64(data, activation):
    # onnxruntime's CPU kernels of LeakyRelu, Elu and Softplus are float32 only
    X, _ = data
    X = X.astype(np.float64)
    reg = MLPRegressorScratch(hidden_layer_sizes=(6,), activation=activation, max_iter=20,
                              random_state=0).fit(X, X[:, 0])
    out = _run(reg, X)["variable"]
    assert out.dtype == np.float64
    np.testing.assert_allclose(out[:, 0], reg.predict(X), rtol=1e-12, atol=1e-12)


def test_unfitted_estimator_is_refused(data):
    X, _ = data
    with pytest.raises(NotFittedError):
        skl2onnx.to_onnx(MLPRegressorScratch(), X[:1])


# ---------------------------------------------------------------------- autoencoder
@pytest.mark.parametrize("whiten", [False, True])
def test_linear_autoencoder_is_a_pca_drop_in(data, whiten):
    X, _ = data
    ae = AutoencoderTransformer(n_components=3, whiten=whiten, random_state=0).fit(X)
    out = _run(ae, X)["variable"]
    assert out.shape == (len(X), 3)
    np.testing.assert_allclose(out, ae.transform(X), **TOL)


@pytest.mark.parametrize("activation", ["logistic", "tanh", "relu", "leaky_relu", "elu",
                                        "softplus", "maxout", ["maxout", "elu"]])
def test_nonlinear_autoencoder(data, activation):
    X, _ = data
    hidden = () if isinstance(activation, str) else (6,)
    ae = AutoencoderTransformer(n_components=3, hidden_layer_sizes=hidden,
                                activation=activation, max_iter=30, random_state=0).fit(X)
    np.testing.assert_allclose(_run(ae, X)["variable"], ae.transform(X), **TOL)


def test_pipeline_of_scaler_autoencoder_and_classifier(data):
    X, y = data
    pipe = Pipeline([("scale", StandardScaler()),
                     ("codes", AutoencoderTransformer(n_components=3, hidden_layer_sizes=(8,),
                                                      activation="tanh", max_iter=30,
                                                      random_state=0)),
                     ("mlp", MLPClassifierScratch(hidden_layer_sizes=(8,), max_iter=40,
                                                  random_state=0))]).fit(X, y)
    out = _run(pipe, X, options={"zipmap": False})
    np.testing.assert_allclose(out["probabilities"], pipe.predict_proba(X), **TOL)
    np.testing.assert_array_equal(out["label"], pipe.predict(X))


# ---------------------------------------------------------------------- word2vec
@pytest.mark.parametrize("weighting", ["mean", "tfidf", "sif"])
def test_word2vec_document_vectors_of_padded_tokens(weighting):
    from skl2onnx.common.data_types import StringTensorType

    from sklearn_deep import Word2VecTransformer
    from sklearn_deep.datasets import make_synthetic_language

    texts = [t.split() for t in make_synthetic_language(3000, random_state=0).sentences]
    w2v = Word2VecTransformer(vector_size=16, min_count=3, epochs=2, weighting=weighting,
                              random_state=0).fit(texts)
    # unknown words are skipped; a document with no known word gives zeros
    docs = [*texts[:40], ["never-seen"], [], ["never-seen", texts[0][0], texts[0][0]]]
    width = max(map(len, docs))
    padded = np.array([doc + [""] * (width - len(doc)) for doc in docs], dtype=object)
    onx = skl2onnx.to_onnx(w2v, initial_types=[("tokens", StringTensorType([None, None]))])
    session = ort.InferenceSession(onx.SerializeToString(),
                                   providers=["CPUExecutionProvider"])
    out = session.run(None, {"tokens": padded})[0]
    expected = w2v.transform(docs)
    assert out.dtype == np.float32 and not expected[-3:-1].any()
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5 * np.abs(expected).max())


def test_word2vec_needs_a_string_matrix(data):
    from sklearn_deep import Word2VecTransformer

    w2v = Word2VecTransformer(vector_size=4, min_count=1, epochs=1, random_state=0)
    w2v.fit([["a", "b"], ["b", "c"]])
    with pytest.raises(TypeError, match="string tensor of shape"):
        skl2onnx.to_onnx(w2v, data[0][:1])
