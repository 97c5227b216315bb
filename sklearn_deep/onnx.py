"""ONNX export of the tabular estimators through skl2onnx.

Importing this module registers converters with skl2onnx (its documented extension point,
``skl2onnx.update_registered_converter``) for :class:`~sklearn_deep.MLPClassifierScratch`,
:class:`~sklearn_deep.MLPRegressorScratch`, :class:`~sklearn_deep.AutoencoderTransformer`
and :class:`~sklearn_deep.Word2VecTransformer`, so that ``skl2onnx.to_onnx`` converts them,
alone or inside a scikit-learn ``Pipeline``::

    import sklearn_deep.onnx  # registers the converters
    onx = skl2onnx.to_onnx(clf, X[:1].astype(np.float32))

It needs the ``onnx`` extra (``pip install sklearn_deep[onnx]``); importing
:mod:`sklearn_deep` itself never imports skl2onnx.

The graphs use standard ONNX operators only (``Gemm`` per layer, then the activation's
operator, see :data:`ONNX_ACTIVATIONS`), computed in the input's float type (float32 for
a float32 input, the weights cast to it). Outputs follow skl2onnx's conventions:

* classifiers: ``label`` and ``probabilities`` (a ZipMap ``output_label`` /
  ``output_probability`` unless ``options={"zipmap": False}``; the options ``zipmap``,
  ``nocl`` and ``output_class_labels`` are those of skl2onnx's ``MLPClassifier``).
  Multilabel models give the 0/1 indicator matrix as ``label``. With ``loss='hinge'``,
  ``probabilities`` holds the class scores (``decision_function``), as skl2onnx does for
  score classifiers: ``[-d, d]`` for a binary model, the scores of every class otherwise;
* the regressor: ``variable`` of shape (n_samples, n_outputs), ``exp`` applied for
  ``loss='poisson'``;
* the autoencoder: ``variable``, the codes of :meth:`AutoencoderTransformer.transform`
  (for a linear model, the principal-basis scores, whitened with ``whiten=True``);
* word2vec: ``variable``, the document vectors of :meth:`Word2VecTransformer.transform`
  for *tokenised* documents, given as a string tensor of shape (n_documents, n_tokens)
  padded with ``''`` (declare it with ``initial_types=[("tokens", StringTensorType([None,
  None]))]``). Unknown tokens, the padding among them, are skipped, as ``transform`` skips
  them. Raw strings are not accepted: the tokeniser (a regular expression or any Python
  callable) stays outside the graph.

Dropout is the identity at inference, so it leaves no trace in the graph.
"""

import numpy as np

try:
    from onnx.helper import make_tensor
    from skl2onnx import update_registered_converter
    from skl2onnx.common.data_types import (
        DoubleTensorType,
        FloatTensorType,
        Int64TensorType,
        StringTensorType,
    )
    from skl2onnx.common.utils_classifier import get_label_classes
    from skl2onnx.proto import onnx_proto
except ImportError as exc:  # pragma: no cover - exercised without the extra
    raise ImportError("sklearn_deep.onnx needs skl2onnx; install the 'onnx' extra: "
                      "pip install 'sklearn_deep[onnx]'") from exc
from sklearn.utils.validation import check_is_fitted

from .engine import ACTIVATIONS
from .engine.ops.activations import ELU_ALPHA, LEAKY_RELU_SLOPE
from .estimators import (
    AutoencoderTransformer,
    MLPClassifierScratch,
    MLPRegressorScratch,
    Word2VecTransformer,
)

__all__ = ["ONNX_ACTIVATIONS", "register"]


def _float_type(operator):
    """The graph's float type: float64 for a float64 input, float32 otherwise."""
    double = isinstance(operator.inputs[0].type, DoubleTensorType)
    return DoubleTensorType if double else FloatTensorType


class _Graph:
    """Adds nodes and constants to skl2onnx's container under unique names, in the
    operator's float type (:func:`_float_type`)."""

    def __init__(self, scope, operator, container):
        self.scope, self.container = scope, container
        double = _float_type(operator) is DoubleTensorType
        self.proto = onnx_proto.TensorProto.DOUBLE if double else onnx_proto.TensorProto.FLOAT
        self.dtype = np.float64 if double else np.float32

    def const(self, value, proto=None):
        """A constant tensor (floats in the graph's type unless ``proto`` is given)."""
        value = np.asarray(value)
        if proto is None:
            proto, value = self.proto, value.astype(self.dtype)
        name = self.scope.get_unique_variable_name("c")
        flat = value.ravel()
        if proto == onnx_proto.TensorProto.STRING:
            flat = [str(v).encode("utf-8") for v in flat]
        self.container.add_initializer(name, proto, list(value.shape), flat)
        return name

    def ints(self, values):
        """A constant int64 tensor (shapes, axes, indices)."""
        return self.const(np.asarray(values, dtype=np.int64), onnx_proto.TensorProto.INT64)

    def node(self, op_type, inputs, output=None, op_domain="", **attrs):
        """Add one node; returns its output's name (a new one unless ``output`` is given)."""
        output = output or self.scope.get_unique_variable_name(op_type.lower())
        self.container.add_node(op_type, list(inputs), output, op_domain=op_domain,
                                name=self.scope.get_unique_operator_name(op_type), **attrs)
        return output

    def input(self, operator):
        """The operator's input cast to the graph's float type."""
        return self.node("Cast", [operator.inputs[0].full_name], to=self.proto)

    def column(self, x, j):
        """Column ``j`` of a matrix, kept two-dimensional."""
        return self.node("Gather", [x, self.ints([j])], axis=1)

    def reduce(self, op_type, x, axis, keepdims):
        """``ReduceMax`` or ``ReduceSum`` over one axis (they take their axes as an input
        from opsets 18 and 13 on, as an attribute before)."""
        since = {"ReduceMax": 18, "ReduceSum": 13}[op_type]
        if (self.container.target_opset or since) >= since:
            return self.node(op_type, [x, self.ints([axis])], keepdims=keepdims)
        return self.node(op_type, [x], axes=[axis], keepdims=keepdims)


def _maxout(g, x, spec):
    """Group the last axis by unit (``width_factor`` pieces each, consecutive, as the
    engine's ``maxout`` reshapes) and keep each group's maximum."""
    grouped = g.node("Reshape", [x, g.ints([0, -1, spec.width_factor])])
    return g.reduce("ReduceMax", grouped, axis=-1, keepdims=0)


#: ONNX graph of each registered activation: ``build(graph, x, spec) -> name``.
ONNX_ACTIVATIONS = {
    "identity": lambda g, x, spec: x,
    "logistic": lambda g, x, spec: g.node("Sigmoid", [x]),
    "tanh": lambda g, x, spec: g.node("Tanh", [x]),
    "relu": lambda g, x, spec: g.node("Relu", [x]),
    "leaky_relu": lambda g, x, spec: g.node("LeakyRelu", [x], alpha=LEAKY_RELU_SLOPE),
    "elu": lambda g, x, spec: g.node("Elu", [x], alpha=ELU_ALPHA),
    "softplus": lambda g, x, spec: g.node("Softplus", [x]),
    "maxout": _maxout,
}


def _activation(g, x, name):
    if name not in ONNX_ACTIVATIONS:
        raise NotImplementedError(f"activation {name!r} has no ONNX mapping; add one to "
                                  "sklearn_deep.onnx.ONNX_ACTIVATIONS")
    return ONNX_ACTIVATIONS[name](g, x, ACTIVATIONS[name])


def _dense(g, x, coefs, intercepts, activations):
    """A fully connected stack: layer ``i`` is ``x W + b`` followed by ``activations[i]``
    when there is one (as :func:`sklearn_deep.nn.dense_forward`, whose last layer is
    raw, and the autoencoder's encoder, whose code layer is activated)."""
    for i, (W, b) in enumerate(zip(coefs, intercepts)):
        x = g.node("Gemm", [x, g.const(W), g.const(b)])
        if i < len(activations):
            x = _activation(g, x, activations[i])
    return x


def _mlp_raw(g, operator):
    est = operator.raw_operator
    return _dense(g, g.input(operator), est.coefs_, est.intercepts_, est._activations)


# ---------------------------------------------------------------------- classifier
def _label_constants(scope, est):
    """(values, proto type) of the class labels as skl2onnx writes them: integers (and
    integral floats, booleans) as int64, anything else as strings; indices with
    ``nocl``."""
    classes = np.asarray(get_label_classes(scope, est))
    if classes.dtype.kind == "f":
        if not np.array_equal(classes, np.round(classes)):
            raise ValueError("ONNX labels are int64 or strings; float class labels must be "
                             f"integral, got {classes.tolist()}")
        classes = classes.astype(np.int64)
    if classes.dtype.kind in "iub":
        return classes.astype(np.int64), onnx_proto.TensorProto.INT64
    return classes.astype(str), onnx_proto.TensorProto.STRING


def _classifier_shapes(operator):
    est = operator.raw_operator
    check_is_fitted(est)
    n = operator.inputs[0].get_first_dimension()
    n_classes = len(est.classes_)
    if est._multilabel:
        label = Int64TensorType([n, n_classes])
    else:
        proto = _label_constants(operator.scope_inst, est)[1]
        label = (Int64TensorType if proto == onnx_proto.TensorProto.INT64
                 else StringTensorType)([n])
    operator.outputs[0].type = label
    operator.outputs[1].type = _float_type(operator)([n, n_classes])


def _convert_classifier(scope, operator, container):
    est = operator.raw_operator
    g = _Graph(scope, operator, container)
    raw = _mlp_raw(g, operator)
    label, proba = operator.outputs[0].full_name, operator.outputs[1].full_name
    if est._multilabel:  # as predict: raw > 0; as predict_proba: σ(raw)
        g.node("Sigmoid", [raw], proba)
        g.node("Cast", [g.node("Greater", [raw, g.const(0.0)])], label,
               to=onnx_proto.TensorProto.INT64)
        return
    if len(est.classes_) == 1:  # trained on one class: probability 1, that class
        g.node("ConstantOfShape", [g.node("Shape", [raw])], proba,
               value=make_tensor("one", g.proto, [1], [1.0]))
        index = g.node("ArgMax", [proba], axis=1, keepdims=0)
    elif est.loss == "hinge":
        if est.n_outputs_ == 2:  # binary: [-d, d], d = decision
            d = g.node("Sub", [g.column(raw, 1), g.column(raw, 0)])
            g.node("Concat", [g.node("Neg", [d]), d], proba, axis=1)
        else:
            g.node("Identity", [raw], proba)
        index = g.node("ArgMax", [raw], axis=1, keepdims=0)
    elif est.out_activation_ == "softmax":
        g.node("Softmax", [raw], proba, axis=1)
        index = g.node("ArgMax", [raw], axis=1, keepdims=0)
    else:  # binary, one logistic output: [1 - p, p]; the label is raw > 0
        p = g.node("Sigmoid", [raw])
        g.node("Concat", [g.node("Sub", [g.const(1.0), p]), p], proba, axis=1)
        positive = g.node("Cast", [g.node("Greater", [raw, g.const(0.0)])],
                          to=onnx_proto.TensorProto.INT64)
        index = g.node("Reshape", [positive, g.ints([-1])])
    values, proto = _label_constants(scope, est)
    g.node("Gather", [g.const(values, proto), index], label, axis=0)


# ---------------------------------------------------------------------- regressor
def _float_output_shape(operator, n_columns):
    n = operator.inputs[0].get_first_dimension()
    operator.outputs[0].type = _float_type(operator)([n, n_columns])


def _regressor_shapes(operator):
    check_is_fitted(operator.raw_operator)
    _float_output_shape(operator, operator.raw_operator.n_outputs_)


def _convert_regressor(scope, operator, container):
    est = operator.raw_operator
    g = _Graph(scope, operator, container)
    raw = _mlp_raw(g, operator)
    op_type = "Exp" if est.out_activation_ == "exp" else "Identity"
    g.node(op_type, [raw], operator.outputs[0].full_name)


# ---------------------------------------------------------------------- autoencoder
def _autoencoder_shapes(operator):
    check_is_fitted(operator.raw_operator)
    _float_output_shape(operator, operator.raw_operator.n_components_)


def _convert_autoencoder(scope, operator, container):
    """``transform``: centre by ``mean_``, then the encoder (every layer followed by its
    activation, the code layer's included), or for a linear model its single map to the
    principal basis, divided by ``sqrt(explained_variance_)`` with ``whiten``."""
    est = operator.raw_operator
    g = _Graph(scope, operator, container)
    centred = g.node("Sub", [g.input(operator), g.const(est.mean_)])
    if est._config["linear"]:  # as _pca_compat.PCAAttributesMixin._principal_codes
        encode = est._encode_map
        if est.whiten:
            encode = encode / np.sqrt(est.explained_variance_)
        codes = g.node("MatMul", [centred, g.const(encode)])
    else:  # as nn.Autoencoder.codes
        codes = _dense(g, centred, est.encoder_coefs_, est.encoder_intercepts_,
                       est._config["network"].activations)
    g.node("Identity", [codes], operator.outputs[0].full_name)


# ---------------------------------------------------------------------- word2vec
def _word2vec_shapes(operator):
    est = operator.raw_operator
    check_is_fitted(est, "wv_")
    tokens = operator.inputs[0].type
    if not isinstance(tokens, StringTensorType) or len(tokens.shape) != 2:
        raise TypeError("Word2VecTransformer's ONNX graph takes tokenised documents as a "
                        "string tensor of shape (n_documents, n_tokens), padded with '' (for "
                        "example initial_types=[('tokens', StringTensorType([None, None]))]); "
                        f"got {tokens}")
    operator.outputs[0].type = FloatTensorType([tokens.shape[0], est.vector_size])


def _convert_word2vec(scope, operator, container):
    """``transform`` of padded token rows: the weighted mean of the known tokens' vectors
    (an embedding bag), then the removal of SIF's common component."""
    est = operator.raw_operator
    g = _Graph(scope, operator, container)
    words = list(est.wv_.index_to_key)
    index = g.node("LabelEncoder", [operator.inputs[0].full_name], op_domain="ai.onnx.ml",
                   op_version=2, keys_strings=words, values_int64s=list(range(len(words))),
                   default_int64=-1)
    known = g.node("Greater", [index, g.ints(-1)])
    row = g.node("Where", [known, index, g.ints(0)])
    counted = g.node("Cast", [known], to=g.proto)
    weight = g.node("Mul", [g.node("Gather", [g.const(est._word_weights()), row]), counted])
    # (n, 1, L) @ (n, L, d): each document's weighted sum of its tokens' vectors
    summed = g.node("MatMul", [g.node("Reshape", [weight, g.ints([0, 1, -1])]),
                               g.node("Gather", [g.const(est.wv_.vectors), row])])
    summed = g.node("Reshape", [summed, g.ints([0, -1])])
    # SIF divides by the number of known tokens, the others by the sum of their weights
    # (document_vectors' per_token); a document without a known token gives zeros
    norm = g.reduce("ReduceSum", counted if est.weighting == "sif" else weight, axis=1,
                    keepdims=1)
    out = g.node("Where", [g.node("Greater", [norm, g.const(0.0)]),
                           g.node("Div", [summed, norm]), g.const(0.0)])
    if est.sif_component_ is not None:  # x - (x·u) u
        u = est.sif_component_
        projection = g.node("MatMul", [g.node("MatMul", [out, g.const(u[:, None])]),
                                       g.const(u[None, :])])
        out = g.node("Sub", [out, projection])
    g.node("Identity", [out], operator.outputs[0].full_name)


# ---------------------------------------------------------------------- registration
_CLASSIFIER_OPTIONS = {"zipmap": [True, False, "columns"], "nocl": [True, False],
                       "output_class_labels": [False, True]}


def register():
    """Register the converters with skl2onnx (done when this module is imported; calling
    it again is harmless, e.g. after another library replaced a registration)."""
    update_registered_converter(MLPClassifierScratch, "SklearnDeepMLPClassifier",
                                _classifier_shapes, _convert_classifier,
                                options=_CLASSIFIER_OPTIONS)
    update_registered_converter(MLPRegressorScratch, "SklearnDeepMLPRegressor",
                                _regressor_shapes, _convert_regressor)
    update_registered_converter(AutoencoderTransformer, "SklearnDeepAutoencoder",
                                _autoencoder_shapes, _convert_autoencoder)
    update_registered_converter(Word2VecTransformer, "SklearnDeepWord2Vec",
                                _word2vec_shapes, _convert_word2vec)


register()
