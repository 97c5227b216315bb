"""The one table of operation cases that drives the engine's gradient checks.

Each case names the primitives (Function classes) and registered activations/losses it
covers, a function of tensors, the input shapes and how to draw inputs: away from kinks
(ReLU at 0, |x| at 0, ties of max) where central differences are not defined.
``test_op_table_is_complete`` fails when a primitive, activation or loss is missing here.
"""

from dataclasses import dataclass, field

import numpy as np

import sklearn_deep.engine as E


@dataclass
class OpCase:
    name: str
    fn: object
    shapes: tuple
    domain: str = "any"  # any | positive | nonzero | distinct
    covers: tuple = ()
    float32: bool = True
    extra: dict = field(default_factory=dict)


def draw(shape, domain, rng):
    """Inputs for a case: smooth regions only, so central differences are exact enough."""
    if domain == "positive":
        return rng.uniform(0.5, 2.0, shape)
    if domain == "nonzero":
        return rng.choice([-1.0, 1.0], shape) * rng.uniform(0.3, 2.0, shape)
    if domain == "distinct":  # well-separated values: no ties, no margins at a kink
        n = int(np.prod(shape))
        return (rng.permutation(n) * 0.3 + 0.05 - 0.15 * n).reshape(shape)
    return rng.standard_normal(shape)


LABELS = np.array([0, 2, 1, 2])
TARGET_PROBS = np.array([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0], [0.1, 0.1, 0.8], [0.0, 0.5, 0.5]])
BINARY = np.array([[1.0, 0.0], [0.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
WEIGHTS = np.array([0.5, 2.0, 1.0, 0.0])
CONDITION = np.array([[True, False, True], [False, False, True]])

BINARY_OPS = {
    "Add": lambda a, b: a + b,
    "Sub": lambda a, b: a - b,
    "Mul": lambda a, b: a * b,
    "Div": lambda a, b: a / b,
    "Pow": lambda a, b: a**b,
}
BROADCAST_SHAPES = [(), (3,), (2, 3), (1, 3), (2, 1)]

CASES = [
    # arithmetic (broadcasting pairs are generated in test_gradients.py from BINARY_OPS)
    OpCase("add", BINARY_OPS["Add"], ((2, 3), (2, 3)), covers=("Add",)),
    OpCase("sub", BINARY_OPS["Sub"], ((2, 3), (2, 3)), covers=("Sub",)),
    OpCase("mul", BINARY_OPS["Mul"], ((2, 3), (2, 3)), covers=("Mul",)),
    OpCase("div", BINARY_OPS["Div"], ((2, 3), (2, 3)), "positive", covers=("Div",)),
    OpCase("pow", BINARY_OPS["Pow"], ((2, 3), (2, 3)), "positive", covers=("Pow",)),
    OpCase("pow_scalar", lambda a: a**3, ((2, 3),), covers=("Pow",)),
    OpCase("rsub_rdiv_scalar", lambda a: (2.0 - a) / (1.5 + a * a), ((2, 3),)),
    OpCase("neg", lambda a: -a, ((2, 3),), covers=("Neg",)),
    OpCase("exp", lambda a: a.exp(), ((2, 3),), covers=("Exp",)),
    OpCase("log", lambda a: a.log(), ((2, 3),), "positive", covers=("Log",)),
    OpCase("sqrt", lambda a: a.sqrt(), ((2, 3),), "positive", covers=("Sqrt",)),
    OpCase("abs", lambda a: a.abs(), ((2, 3),), "nonzero", covers=("Abs",)),
    OpCase("where", lambda a, b: E.where(CONDITION, a, b), ((2, 3), (3,)), covers=("Where",)),
    OpCase("clip", lambda a: a.clip(-0.25, 0.25), ((2, 3),), "nonzero", covers=("Clip",)),
    # linear algebra
    OpCase("matmul", lambda a, b: a @ b, ((3, 4), (4, 2)), covers=("Matmul",)),
    OpCase("matmul_batched", lambda a, b: a @ b, ((2, 3, 4), (4, 2)), covers=("Matmul",)),
    OpCase("matmul_batched_both", lambda a, b: a @ b, ((2, 1, 3, 4), (3, 4, 2))),
    OpCase("matmul_vector", lambda a, b: a @ b, ((4,), (4, 2))),
    OpCase("matmul_vectors", lambda a, b: a @ b, ((4,), (4,))),
    OpCase("affine", E.affine, ((3, 4), (4, 2), (2,)), covers=("Affine",)),
    OpCase("dense_tanh", lambda x, W, b: E.dense(x, W, b, "tanh"), ((3, 4), (4, 2), (2,)),
           covers=("Dense",)),
    OpCase("dense_softplus", lambda x, W, b: E.dense(x, W, b, "softplus"),
           ((3, 4), (4, 2), (2,))),
    # reductions
    OpCase("sum_all", lambda a: a.sum(), ((2, 3),), covers=("Sum",)),
    OpCase("sum_axis", lambda a: a.sum(axis=1, keepdims=True), ((2, 3, 2),)),
    OpCase("sum_axes", lambda a: a.sum(axis=(0, 2)), ((2, 3, 2),)),
    OpCase("mean_axis", lambda a: a.mean(axis=0), ((2, 3),), covers=("Mean",)),
    OpCase("mean_all", lambda a: a.mean(keepdims=True), ((2, 3),)),
    OpCase("max_all", lambda a: a.max(), ((2, 3),), "distinct", covers=("Max",)),
    OpCase("max_axis", lambda a: a.max(axis=1), ((2, 3, 2),), "distinct"),
    OpCase("max_axes_keep", lambda a: a.max(axis=(0, 2), keepdims=True), ((2, 3, 2),),
           "distinct"),
    OpCase("logsumexp", lambda a: a.logsumexp(axis=1), ((2, 3),), covers=("LogSumExp",)),
    OpCase("logsumexp_keep", lambda a: a.logsumexp(axis=0, keepdims=True), ((2, 3),)),
    OpCase("softmax", lambda a: a.softmax(axis=-1), ((2, 3),), covers=("Softmax",)),
    OpCase("softmax_axis0", lambda a: a.softmax(axis=0), ((2, 3),)),
    # shapes and indexing
    OpCase("reshape", lambda a: a.reshape(3, 2) * np.arange(6.0, dtype=a.dtype).reshape(3, 2),
           ((2, 3),), covers=("Reshape",)),
    OpCase("transpose", lambda a: a.T @ np.ones((2, 2), dtype=a.dtype), ((2, 3),),
           covers=("Transpose",)),
    OpCase("transpose_axes", lambda a: a.transpose(2, 0, 1), ((2, 3, 4),)),
    OpCase("concatenate", lambda a, b: E.concatenate([a, b, a], axis=1), ((2, 3), (2, 1)),
           covers=("Concatenate",)),
    OpCase("getitem", lambda a: a[:, 1:] * a[0, :2], ((2, 3),), covers=("GetItem",)),
    OpCase("getitem_bool", lambda a: a[CONDITION], ((2, 3),)),
    OpCase("gather_rows", lambda t: t[np.array([[0, 3], [3, 1]])], ((5, 3),),
           covers=("GatherRows",)),
    # activations (registered names)
    OpCase("identity", E.identity, ((2, 3),), covers=("identity",)),
    OpCase("logistic", E.logistic, ((2, 3),), covers=("logistic", "Logistic")),
    OpCase("tanh", E.tanh, ((2, 3),), covers=("tanh", "Tanh")),
    OpCase("relu", E.relu, ((2, 3),), "nonzero", covers=("relu", "ReLU")),
    OpCase("leaky_relu", E.leaky_relu, ((2, 3),), "nonzero",
           covers=("leaky_relu", "LeakyReLU")),
    OpCase("elu", E.elu, ((2, 3),), "nonzero", covers=("elu", "ELU")),
    OpCase("softplus", E.softplus, ((2, 3),), covers=("softplus", "Softplus")),
    OpCase("maxout", E.maxout, ((2, 6),), "distinct", covers=("maxout",)),
    OpCase("maxout_3", lambda a: E.maxout(a, pieces=3), ((2, 6),), "distinct"),
    # losses (registered names) and penalties
    OpCase("softmax_ce_labels", lambda s: E.softmax_cross_entropy(s, LABELS), ((4, 3),),
           covers=("softmax_cross_entropy", "SoftmaxCrossEntropy")),
    OpCase("softmax_ce_probs_weighted",
           lambda s: E.softmax_cross_entropy(s, TARGET_PROBS, sample_weight=WEIGHTS), ((4, 3),)),
    OpCase("hinge", lambda s: E.multiclass_hinge(s, LABELS), ((4, 3),), "distinct",
           covers=("multiclass_hinge", "MulticlassHinge")),
    OpCase("hinge_weighted",
           lambda s: E.multiclass_hinge(s, LABELS, sample_weight=WEIGHTS), ((4, 3),), "distinct"),
    OpCase("bce_logits", lambda x: E.binary_cross_entropy_with_logits(x, BINARY), ((4, 2),),
           covers=("binary_cross_entropy_with_logits", "BinaryCrossEntropyWithLogits")),
    OpCase("bce_logits_1d_weighted",
           lambda x: E.binary_cross_entropy_with_logits(x, BINARY[:, 0], WEIGHTS), ((4,),)),
    OpCase("squared_error", lambda p: E.squared_error(p, BINARY), ((4, 2),),
           covers=("squared_error", "SquaredError")),
    OpCase("squared_error_weighted", lambda p: E.squared_error(p, BINARY[:, 1], WEIGHTS),
           ((4,),)),
    OpCase("poisson", lambda x: E.poisson_with_log_link(x, np.abs(BINARY) * 3), ((4, 2),),
           covers=("poisson_with_log_link", "PoissonWithLogLink")),
    OpCase("poisson_weighted",
           lambda x: E.poisson_with_log_link(x, BINARY[:, 0], WEIGHTS), ((4,),)),
    OpCase("l2_penalty", lambda a, b: E.l2_penalty(a, b), ((2, 3), (3,)),
           covers=("L2Penalty",)),
    OpCase("l1_penalty", lambda a, b: E.l1_penalty(a, b), ((2, 3), (3,)), "nonzero",
           covers=("L1Penalty",)),
    # a composition: a two-layer network with every kind of node
    OpCase("mlp", lambda x, w1, b1, w2: E.softmax_cross_entropy(
        E.tanh(x @ w1 + b1) @ w2, LABELS) + 1e-2 * E.l2_penalty(w1, w2),
        ((4, 5), (5, 6), (6,), (6, 3))),
    OpCase("reuse", lambda x: x * x + x.exp() * x, ((3,),)),
    # fused gather + batched scores (word2vec's output layers); rows repeat across groups
    OpCase("gather_scores", lambda h, t: E.gather_scores(h, t, np.array([[0, 3], [3, 1]])),
           ((2, 3, 4), (5, 4)), covers=("GatherScores",)),
    OpCase("gather_scores_2d", lambda h, t: E.gather_scores(h, t, np.array([[2, 2], [4, 0]])),
           ((2, 4), (5, 4))),
    OpCase("embedding_bag", lambda t: E.embedding_bag(
        t, np.array([[0, 3, 3], [1, 4, 0]]), np.array([[0.5, 0.25, 0.25], [1.0, 0.0, 2.0]])),
        ((5, 3),), covers=("EmbeddingBag",)),
    # many contributions for a small table: the gradients are accumulated densely
    OpCase("gather_scores_dense", lambda h, t: E.gather_scores(
        h, t, np.arange(24).reshape(12, 2) % 5), ((12, 4), (5, 4))),
    # word2vec's shared negatives: rows repeat within and across groups, mixed targets and
    # weights (0 = padding); the exact gradient (no clip)
    OpCase("sampled_logistic", lambda h, t: E.sampled_logistic(
        h, t, np.array([[0, 3, 3], [3, 1, 4]]), (np.arange(18).reshape(2, 3, 3) % 4 == 0),
        np.linspace(0.0, 2.0, 18).reshape(2, 3, 3)),
        ((2, 3, 4), (5, 4)), covers=("SampledLogistic",)),
    # the same with the hidden vectors gathered from a first table (rows repeated, a
    # padding slot of weight 0)
    OpCase("gathered_sampled_logistic", lambda a, b: E.gathered_sampled_logistic(
        a, b, np.array([[1, 1, 4], [0, 2, 1]]), np.array([[0, 3, 3], [3, 1, 4]]),
        (np.arange(18).reshape(2, 3, 3) % 4 == 0),
        np.linspace(0.0, 2.0, 18).reshape(2, 3, 3) * (np.arange(6) != 4).reshape(2, 3, 1)),
        ((5, 4), (5, 4)), covers=("GatheredSampledLogistic",)),
    # negative sampling: true rows repeat within and across groups and meet negatives;
    # mixed weights (0 = padding); the exact gradient (no clip)
    OpCase("negative_sampling", lambda h, t: E.negative_sampling(
        h, t, np.array([[0, 3, 3], [3, 1, 4]]), np.array([[3, 2], [4, 4]]),
        np.linspace(0.0, 2.0, 18).reshape(2, 3, 3)),
        ((2, 3, 4), (5, 4)), covers=("NegativeSampling",)),
    # CBOW's fused loss: bags of rows of the first table (one bag empty, a row twice in
    # one bag) scored against the second; without shift the exact gradient
    OpCase("bag_negative_sampling", lambda a, b: E.bag_negative_sampling(
        a, b, np.array([0, 3, 3, 1, 4, 2, 4]), np.array([0, 3, 3, 5, 7]),
        np.array([[0, 3], [3, 1]]), np.array([[3, 2], [4, 4]]),
        np.linspace(0.0, 2.0, 12).reshape(2, 2, 3)),
        ((5, 4), (5, 4)), covers=("BagNegativeSampling",)),
    OpCase("embedding_bag_flat", lambda t: E.embedding_bag(
        t, np.array([0, 3, 3, 1, 4, 2]), np.linspace(-1.0, 1.0, 6), np.array([0, 3, 3, 6])),
        ((5, 3),)),
    OpCase("embedding_bag_dense", lambda t: E.embedding_bag(
        t, (np.arange(24).reshape(6, 4) * 7) % 5, np.linspace(-1, 1, 24).reshape(6, 4)),
        ((5, 3),)),
]
