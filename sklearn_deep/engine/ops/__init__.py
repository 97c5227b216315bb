"""The engine's primitives, grouped by kind, and their functional forms.

- :mod:`.basic` — arithmetic, reductions, shapes, log-sum-exp and softmax;
- :mod:`.linalg` — matrix products;
- :mod:`.indexing` — row gathers with row-sparse gradients;
- :mod:`.activations` — activations and their registry :data:`ACTIVATIONS`;
- :mod:`.losses` — fused losses, penalties and their registry :data:`LOSSES`.
"""

from .activations import (
    ACTIVATIONS,
    ActivationSpec,
    elu,
    get_activation,
    identity,
    leaky_relu,
    logistic,
    maxout,
    register_activation,
    relu,
    softplus,
    tanh,
)
from .basic import (
    Abs,
    Add,
    Clip,
    Concatenate,
    Div,
    Exp,
    Log,
    LogSumExp,
    Max,
    Mean,
    Mul,
    Neg,
    Pow,
    Reshape,
    Softmax,
    Sqrt,
    Sub,
    Sum,
    Transpose,
    Where,
)
from .indexing import (
    BagNegativeSampling,
    EmbeddingBag,
    GatheredSampledLogistic,
    GatherRows,
    GatherScores,
    NegativeSampling,
    SampledLogistic,
)
from .linalg import Affine, Dense, Matmul
from .losses import (
    LOSSES,
    binary_cross_entropy_with_logits,
    get_loss,
    l1_penalty,
    l2_penalty,
    multiclass_hinge,
    poisson_with_log_link,
    softmax_cross_entropy,
    squared_error,
)


def add(a, b):
    return Add.apply(a, b)


def sub(a, b):
    return Sub.apply(a, b)


def mul(a, b):
    return Mul.apply(a, b)


def div(a, b):
    return Div.apply(a, b)


def neg(a):
    return Neg.apply(a)


def power(a, b):
    return Pow.apply(a, b)


def matmul(a, b):
    return Matmul.apply(a, b)


def affine(x, W, b):
    """``x @ W + b`` as one node (a dense layer); ``x`` may be a scipy sparse matrix."""
    return Affine.apply(x, W, b)


def dense(x, W, b, activation):
    """``s(x @ W + b)`` as one node, ``s`` a registered activation name; an activation with
    no elementwise primitive (maxout) is applied after :func:`affine`."""
    primitive = get_activation(activation).primitive
    if primitive is None:
        return get_activation(activation).function(Affine.apply(x, W, b))
    return Dense.apply(x, W, b, activation=primitive)


def exp(a):
    return Exp.apply(a)


def log(a):
    return Log.apply(a)


def sqrt(a):
    return Sqrt.apply(a)


def absolute(a):
    return Abs.apply(a)


def sum(a, axis=None, keepdims=False):
    return Sum.apply(a, axis=axis, keepdims=keepdims)


def mean(a, axis=None, keepdims=False):
    return Mean.apply(a, axis=axis, keepdims=keepdims)


def max(a, axis=None, keepdims=False):
    return Max.apply(a, axis=axis, keepdims=keepdims)


def reshape(a, shape):
    return Reshape.apply(a, shape=tuple(shape) if not isinstance(shape, int) else shape)


def transpose(a, axes=None):
    return Transpose.apply(a, axes=axes)


def concatenate(tensors, axis=0):
    return Concatenate.apply(*tensors, axis=axis)


def gather_rows(table, indices):
    """``table[indices]`` with a row-sparse gradient (embedding lookup)."""
    return GatherRows.apply(table, indices=indices)


def embedding_bag(table, rows, weights, offsets=None):
    """``out[b] = Σ_c weights[b, c] · table[rows[b, c]]`` with a row-sparse gradient (the
    bag-of-words layer of CBOW); with ``offsets``, flat ``rows`` and ``weights`` cut into
    bags ``offsets[b]:offsets[b + 1]``. See :class:`.indexing.EmbeddingBag`."""
    return EmbeddingBag.apply(table, rows, weights, offsets=offsets)


def gather_scores(hidden, table, rows):
    """``scores[b, r, j] = hidden[b, r] · table[rows[b, j]]`` (fused gather and batched
    product; the table gets a row-sparse gradient). See :class:`.indexing.GatherScores`."""
    return GatherScores.apply(hidden, table, rows)


def sampled_logistic(hidden, table, rows, targets, weights, clip=None):
    """Summed logistic loss of ``hidden[g, l] · table[rows[g, j]]`` against ``targets``
    with ``weights`` (fused gather, scores and loss; the table gets a row-sparse
    gradient). See :class:`.indexing.SampledLogistic`."""
    return SampledLogistic.apply(hidden, table, rows, targets, weights, clip=clip)


def gathered_sampled_logistic(table_in, table_out, inputs, rows, targets, weights,
                              clip=None):
    """:func:`sampled_logistic` of the hidden vectors ``table_in[inputs]``, gathered in
    the primitive (skip-gram's loss); padding slots (all weights 0) give ``table_in`` no
    gradient entry. See :class:`.indexing.GatheredSampledLogistic`."""
    return GatheredSampledLogistic.apply(table_in, table_out, inputs, rows, targets, weights,
                                         clip=clip)


def negative_sampling(hidden, table, positives, negatives, weights, clip=None):
    """Summed logistic loss of each ``hidden[g, l]`` against its true row
    ``table[positives[g, l]]`` and its group's shared ``table[negatives[g]]`` (fused
    gathers, scores and loss; the table gets a row-sparse gradient). See
    :class:`.indexing.NegativeSampling`."""
    return NegativeSampling.apply(hidden, table, positives, negatives, weights, clip=clip)


def bag_negative_sampling(table_in, table_out, rows, offsets, positives, negatives, weights,
                          shift=None, clip=None):
    """CBOW's loss in one primitive: the bags ``rows[offsets[b]:offsets[b + 1]]`` of
    ``table_in`` summed (valued ``s + shift · s`` with ``shift``, the gradient passing as
    through the sum), cut into groups like ``positives`` and scored as
    :func:`negative_sampling` scores them against ``table_out``. See
    :class:`.indexing.BagNegativeSampling`."""
    return BagNegativeSampling.apply(table_in, table_out, rows, offsets, shift, positives,
                                     negatives, weights, clip=clip)


def where(condition, a, b):
    return Where.apply(a, b, condition=condition)


def clip(a, low=None, high=None):
    return Clip.apply(a, low=low, high=high)


def logsumexp(a, axis=-1, keepdims=False):
    return LogSumExp.apply(a, axis=axis, keepdims=keepdims)


def softmax(a, axis=-1):
    return Softmax.apply(a, axis=axis)


__all__ = [
    "ACTIVATIONS", "LOSSES", "ActivationSpec", "absolute", "add", "affine",
    "bag_negative_sampling", "binary_cross_entropy_with_logits", "clip", "concatenate",
    "dense", "div", "elu", "embedding_bag", "exp",
    "gather_rows", "gather_scores", "gathered_sampled_logistic", "get_activation", "get_loss",
    "identity", "l1_penalty", "l2_penalty", "leaky_relu", "log", "logistic", "logsumexp",
    "matmul", "max", "maxout", "mean", "mul", "multiclass_hinge", "neg", "negative_sampling",
    "poisson_with_log_link", "power",
    "register_activation", "relu", "reshape", "sampled_logistic", "softmax",
    "softmax_cross_entropy", "softplus",
    "sqrt", "squared_error", "sub", "sum", "tanh", "transpose", "where",
]
