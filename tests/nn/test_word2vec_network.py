"""The word2vec network on its own: its gradients against numerical differentiation in
float64, and training it directly through the shared training loop (no estimator)."""

import itertools

import numpy as np
import pytest

from sklearn_deep.engine import RowSparseGrad
from sklearn_deep.nn import word2vec as word2vec_network
from sklearn_deep.nn.word2vec import Word2VecBatch, Word2VecNetwork
from sklearn_deep.optim import make_optimizer
from sklearn_deep.training import TrainingState, train_epochs


class _Tree:
    """A hand-made Huffman coding of 4 words: root 2 → (0 → w0, w1), (1 → w2, w3)."""

    points = np.array([[2, 0], [2, 0], [2, 1], [2, 1]])
    codes = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.int8)
    lengths = np.array([2, 2, 2, 2])


def _network(head, sg, rng, n_words=4, d=3, dtype=np.float64, score_clip=None):
    tables = {"syn1neg": None, "syn1": None, "syn1softmax": None}
    if head == "negative":
        tables["syn1neg"] = rng.standard_normal((n_words, d)).astype(dtype)
    elif head == "hs":
        tables["syn1"] = rng.standard_normal((n_words - 1, d)).astype(dtype)
    else:
        tables["syn1softmax"] = rng.standard_normal((n_words, d)).astype(dtype)
    syn0 = rng.standard_normal((n_words, d)).astype(dtype)
    return Word2VecNetwork(syn0, tree=_Tree() if head == "hs" else None, sg=sg,
                           cbow_mean=True, score_clip=score_clip, **tables)


def _batch(rng, with_negatives, n=5, shared=1):
    contexts = rng.integers(0, 4, size=(n, 4))
    mask = rng.random((n, 4)) < 0.7
    mask[:, 0] = True
    negatives = rng.integers(0, 4, size=(-(-n // shared), 2)) if with_negatives else None
    return Word2VecBatch(rng.integers(0, 4, size=n), contexts, mask, negatives,
                         shared=shared)


def _dense(grad):
    return grad.to_dense() if isinstance(grad, RowSparseGrad) else np.asarray(grad)


@pytest.mark.parametrize("head, shared, pairs_per_row", [
    ("negative", 1, 16), ("negative", 2, 16), ("negative", 5, 16), ("negative", 5, 3),
    ("hs", 1, 16), ("softmax", 1, 16)])
def test_skip_gram_gradients_match_numerical_differentiation(head, shared, pairs_per_row,
                                                             monkeypatch):
    monkeypatch.setattr(word2vec_network, "_PAIRS_PER_ROW", pairs_per_row)
    rng = np.random.default_rng(0)
    model = _network(head, True, rng)
    batch = _batch(rng, head == "negative", shared=shared)
    _, n, grads = model.loss_and_grads(batch)
    assert n == int(batch.mask.sum())  # skip-gram: one example per (context, centre) pair
    eps = 1e-6
    for param, grad in zip(model.params, grads, strict=True):
        numerical = np.zeros_like(param)
        for index in np.ndindex(param.shape):
            saved = param[index]
            param[index] = saved + eps
            up = model.loss_and_grads(batch)[0]
            param[index] = saved - eps
            down = model.loss_and_grads(batch)[0]
            param[index] = saved
            numerical[index] = (up - down) / (2 * eps)
        np.testing.assert_allclose(_dense(grad), numerical, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("shared", [1, 2, 3])
def test_cbow_output_gradient_matches_numerical_differentiation(shared):
    # the output table's gradient is the true one (syn0 gets word2vec's full error)
    rng = np.random.default_rng(1)
    model = _network("negative", False, rng)
    batch = _batch(rng, True, shared=shared)
    _, _, grads = model.loss_and_grads(batch)
    out = model.params[1]
    numerical = np.zeros_like(out)
    for index in np.ndindex(out.shape):
        saved = out[index]
        out[index] = saved + 1e-6
        up = model.loss_and_grads(batch)[0]
        out[index] = saved - 1e-6
        down = model.loss_and_grads(batch)[0]
        out[index] = saved
        numerical[index] = (up - down) / 2e-6
    np.testing.assert_allclose(_dense(grads[1]), numerical, rtol=1e-6, atol=1e-8)


def _log_sigmoid(x):
    return -np.logaddexp(0.0, -x)


def _objective_problem(rng, sg, shared):
    """A network of 6 words and a batch of 7 centres, one without context words, with
    3 negatives per group of ``shared`` centres."""
    model = _network("negative", sg, rng, n_words=6, d=4)
    n = 7
    contexts = rng.integers(0, 6, size=(n, 4))
    mask = rng.random((n, 4)) < 0.6
    mask[2] = False  # a centre without context
    batch = Word2VecBatch(rng.integers(0, 6, size=n), contexts, mask,
                          rng.integers(0, 6, size=(-(-n // shared), 3)), shared=shared)
    return model, batch


@pytest.mark.parametrize("shared", [1, 2, 3])
def test_cbow_input_gradient_is_the_full_error_of_the_mean(shared):
    # oracle: word2vec.c's CBOW update written out: each context word of a centre gets
    # the whole gradient of the loss with respect to the centre's mean context vector
    # h, -(1 - σ(h·o_c)) o_c + Σ_k σ(h·o_k) o_k (a negative equal to the centre skipped),
    # once per occurrence, not divided by the number of context words
    model, batch = _objective_problem(np.random.default_rng(7), False, shared)
    syn0, out = model.params
    contexts, mask, n = batch.contexts, batch.mask, batch.centres.shape[0]
    _, _, grads = model.loss_and_grads(batch)
    expected = np.zeros_like(syn0)
    for b in range(n):
        words = contexts[b][mask[b]]
        if not words.size:
            continue
        h = syn0[words].mean(axis=0)
        centre = batch.centres[b]
        error = -(1 - np.exp(_log_sigmoid(h @ out[centre]))) * out[centre]
        for k in batch.negatives[b // shared]:
            if k != centre:
                error += np.exp(_log_sigmoid(h @ out[k])) * out[k]
        for w in words:
            expected[w] += error
    np.testing.assert_allclose(_dense(grads[0]), expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("sg, pairs_per_row", [(True, 16), (True, 2), (False, 16)])
@pytest.mark.parametrize("shared", [1, 2, 3])
def test_shared_negatives_loss_equals_word2vec_objective_per_example(sg, pairs_per_row,
                                                                     shared, monkeypatch):
    # oracle: word2vec's negative-sampling objective written example by example, each
    # example scored against the negatives of its centre's group (a negative equal to the
    # centre skipped); skip-gram groups split over several rows of pairs or not
    monkeypatch.setattr(word2vec_network, "_PAIRS_PER_ROW", pairs_per_row)
    model, batch = _objective_problem(np.random.default_rng(3), sg, shared)
    syn0, out = model.params
    contexts, mask, n = batch.contexts, batch.mask, batch.centres.shape[0]
    loss, n_examples, _ = model.loss_and_grads(batch)
    expected, count = 0.0, 0
    for b in range(n):
        words = contexts[b][mask[b]]
        if sg:
            hiddens = [syn0[w] for w in words]
        else:
            hiddens = [syn0[words].mean(axis=0)] if words.size else []
        centre, negatives = batch.centres[b], batch.negatives[b // shared]
        for h in hiddens:
            count += 1
            expected -= _log_sigmoid(h @ out[centre])
            expected -= sum(_log_sigmoid(-h @ out[k]) for k in negatives if k != centre)
    assert n_examples == count
    np.testing.assert_allclose(loss, expected, rtol=1e-12)


@pytest.mark.parametrize("sg", [True, False])
def test_score_clip_stops_the_gradient_of_saturated_scores_only(sg):
    rng = np.random.default_rng(4)
    exact = _network("negative", sg, rng, score_clip=None)
    clipped = Word2VecNetwork(*[p.copy() for p in exact.params[:1]],
                              syn1neg=exact.params[1].copy(), sg=sg, score_clip=6.0)
    batch = _batch(rng, True, shared=2)
    loss, _, grads = exact.loss_and_grads(batch)
    clipped_loss, _, clipped_grads = clipped.loss_and_grads(batch)
    assert clipped_loss == loss  # the loss is exact either way
    for a, b in zip(grads, clipped_grads, strict=True):  # small scores: same gradient
        np.testing.assert_allclose(_dense(a), _dense(b))
    for table in clipped.params:  # every score saturated: no gradient at all
        table *= 100.0
    _, _, saturated = clipped.loss_and_grads(batch)
    assert all(not _dense(g).any() for g in saturated)


class _TinyCorpus:
    """A training-loop problem over fixed batches of a corpus where word 0 is always next
    to word 1 and word 2 next to word 3."""

    def __init__(self, model, rng):
        self.model = model
        self.n_samples = 8
        centres = np.array([0, 1, 2, 3] * 2)
        contexts = np.array([[1], [0], [3], [2]] * 2)
        self.batch = Word2VecBatch(centres, contexts, np.ones((8, 1), bool),
                                   rng.integers(0, 4, size=(8, 1)))

    @property
    def params(self):
        return self.model.params

    def batches(self, rng):
        return [self.batch]

    def loss_and_grads(self, batch):
        loss, n, grads = self.model.loss_and_grads(batch)
        return loss / n, n, grads


@pytest.mark.parametrize("sg", [True, False])
def test_the_network_trains_directly_through_the_training_loop(sg):
    rng = np.random.default_rng(2)
    model = _network("negative", sg, rng, dtype=np.float32)
    problem = _TinyCorpus(model, rng)
    state = TrainingState()
    optimizer = make_optimizer("sgd", problem.params, learning_rate=0.1)
    train_epochs(problem, optimizer, state, max_iter=30, rng=rng, tol=0.0,
                 n_iter_no_change=np.inf, warn_at_max_iter=False)
    curve = state.loss_curve
    assert len(curve) == 30 and curve[-1] < 0.5 * curve[0]
    assert all(b <= a + 1e-6 for a, b in itertools.pairwise(curve))  # full batch, small steps


def test_row_uses_list_each_use_and_none_for_the_full_softmax():
    rng = np.random.default_rng(3)
    batch = _batch(rng, False)
    hs = _network("hs", True, rng)
    used = hs.row_uses(batch)
    np.testing.assert_array_equal(used[0], batch.contexts[batch.mask])
    assert used[1].size == 2 * batch.centres.shape[0]  # two inner nodes on every path
    assert _network("softmax", True, rng).row_uses(batch)[1] is None


def test_output_probabilities_sum_to_one_for_every_head():
    rng = np.random.default_rng(4)
    hidden = rng.standard_normal(3)
    for head in ("negative", "hs", "softmax"):
        prob = _network(head, True, rng).output_probabilities(hidden)
        assert prob.shape == (4,) and np.isclose(prob.sum(), 1.0)
    # the Huffman probability of word 0 is σ(+f_root)·σ(+f_0) (code 0 → +)
    model = _network("hs", True, rng)
    f = model.params[1] @ hidden
    sigma = 1 / (1 + np.exp(-f))
    np.testing.assert_allclose(model.output_probabilities(hidden)[0], sigma[2] * sigma[0])


def test_hierarchical_softmax_needs_the_tree():
    with pytest.raises(ValueError, match="Huffman tree"):
        Word2VecNetwork(np.zeros((2, 2)), syn1=np.zeros((1, 2)))
