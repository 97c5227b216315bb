"""Word2VecTransformer: skip-gram and CBOW word vectors, trained on the engine, as a
scikit-learn transformer of documents.

How a minibatch is trained
--------------------------
The corpus is streamed once per epoch (:mod:`._text`): tokens become ids, unknown and
subsampled tokens are dropped, and the stream is cut into batches of ``batch_words``
*centre* positions carrying their neighbours. For every centre a radius is drawn (the
dynamic window) and its context positions form a padded ``(B, 2·window)`` matrix with a
mask. The loss of the whole batch is then one small graph of engine operations:

- ``H = syn0[contexts]`` — a row gather with a row-sparse gradient ``(B, 2w, d)``;
  for CBOW the bag ``H = M · syn0`` ``(B, 1, d)``, with ``M`` the sparse ``(B, V)``
  matrix of the (mean or sum) context weights (``embedding_bag``);
- per output layer, the output rows of each centre ``O = table[rows]`` ``(B, J, d)`` and
  the scores ``H @ Oᵀ`` ``(B, 2w or 1, J)``, one batched matrix product:

  * negative sampling — ``rows = [centre, k negatives]``; the negatives of a centre are
    shared by its context words (HogBatch, Ji et al. 2016), which is what turns the work
    into matrix products; targets ``[1, 0, …, 0]``;
  * hierarchical softmax — ``rows`` = the inner nodes on the centre's Huffman path,
    targets ``1 − code`` (as in word2vec.c);
  * full softmax (``hs=0, negative=0``) — scores against every output vector;

- the fused, stable ``binary_cross_entropy_with_logits`` (or ``softmax_cross_entropy``)
  with an element weight that masks padding, summed over the batch.

``backward()`` gives row-sparse gradients of the tables; :class:`~sklearn_deep.optim.SGD`
with word2vec's :class:`~sklearn_deep.optim.LinearDecay` (``alpha → min_alpha`` over the
whole run) updates only those rows, driven by :func:`sklearn_deep.training.train_epochs`
(when a batch touches most rows of a table, its gradient was accumulated densely and
the step is one dense update, with the same result).
The summed (not averaged) loss makes each pair's step ``alpha · gradient``, as in
word2vec.c. Two deliberate departures from the plain gradient step:

- copied from word2vec.c and gensim: with ``cbow_mean=1`` each context vector is updated
  with the full error of the mean (the gradient of the mean times the number of context
  words);
- a row used by more than ``1 / alpha`` examples of one batch (the Huffman root is on
  every path; frequent words without subsampling) has its summed update scaled down to
  ``1 / alpha`` contributions: the gradients of a batch are all taken at the same
  parameters, and summing hundreds of them for one row overshoots where sequential SGD
  would not (it diverged with ``sample=0`` on a small vocabulary). With subsampling on,
  as by default, it touches only the most frequent words of a batch.

With ``workers=k`` each batch's parts are computed, and its step applied, by ``k``
forked processes (:mod:`._parallel`); the result equals one process's up to rounding.

Minibatches trade quality for speed. ``batch_words="auto"`` (1024 centres for skip-gram,
4096 for CBOW, at most 1 % of the corpus) gave WordSim-353 and analogy scores inside
gensim's seed-to-seed spread on gensim's test corpus (``benchmarks/word2vec.py``); 256 is
about 40 % slower.
"""

import itertools
import math
import time
import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from sklearn_deep._compat import Interval, StrOptions, _fit_context
from sklearn_deep._random import make_rng
from sklearn_deep.engine import (
    RowSparseGrad,
    Tensor,
    binary_cross_entropy_with_logits,
    embedding_bag,
    gather_scores,
    no_grad,
    softmax_cross_entropy,
)
from sklearn_deep.optim import SGD, LinearDecay
from sklearn_deep.training import TrainingState, train_epochs

from ._keyedvectors import KeyedVectors
from ._parallel import ParallelSGD, fork_available, shared_array
from ._text import (
    Corpus,
    HuffmanTree,
    NegativeSampler,
    centre_batches,
    context_matrix,
    encoded_chunks,
    keep_probabilities,
    scan_vocabulary,
    select_vocabulary,
)

__all__ = ["Word2VecTransformer", "word2vec_batch_loss"]

# Largest score matrix (elements) one full-softmax minibatch may build.
_SOFTMAX_BUDGET = 1 << 22
# batch_words="auto": the fastest batch sizes on gensim's head500 corpus (skip-gram words/s
# peaks at 512-1024 centres, CBOW's at 4096; larger batches leave the cache), capped to
# 1 % of the corpus (CBOW at 4096 centres lost 8 points of analogy accuracy on a 100k-token
# corpus, at 1024 none).
_AUTO_BATCH_SG, _AUTO_BATCH_CBOW, _AUTO_BATCH_MIN = 1024, 4096, 64


# ---------------------------------------------------------------------------- the loss
def word2vec_batch_loss(syn0, contexts, mask, centres, *, sg=True, cbow_mean=True,
                        syn1neg=None, negatives=None, syn1=None, points=None, codes=None,
                        path_lengths=None, softmax_out=None, cbow_full_error=False):
    """Summed word2vec loss of one minibatch, as an engine graph.

    Parameters
    ----------
    syn0 : Tensor of shape (n_words, d)
        Input (word) vectors.
    contexts : ndarray of shape (B, C), int
        Context word ids of each centre (padding entries are ignored through ``mask``).
    mask : ndarray of shape (B, C), bool
        Real context words.
    centres : ndarray of shape (B,), int
        Centre word ids (the words predicted).
    sg : bool
        Skip-gram (each context word predicts the centre) or CBOW (the mean or sum of the
        context vectors predicts it).
    cbow_mean : bool
        CBOW hidden layer: mean (True) or sum of the context vectors.
    syn1neg : Tensor of shape (n_words, d), optional
        Output vectors for negative sampling, with ``negatives`` ``(B, k)``: ids of the
        negatives shared by the contexts of each centre (a negative equal to the centre is
        ignored, as word2vec.c skips it).
    syn1 : Tensor of shape (n_words - 1, d), optional
        Inner-node vectors for hierarchical softmax, with the Huffman ``points``, ``codes``
        ``(n_words, L)`` and ``path_lengths`` ``(n_words,)``.
    softmax_out : Tensor of shape (n_words, d), optional
        Output vectors of a full softmax.
    cbow_full_error : bool, default=False
        word2vec.c's and gensim's CBOW update: with ``cbow_mean``, give every context
        vector the full error of the mean rather than its gradient (the error divided by
        the number of context words). The loss is unchanged; only the gradient reaching
        ``syn0`` is scaled, by routing it through the sum while the value is the mean.

    Returns
    -------
    loss : Tensor (0-d)
        Sum over training examples (skip-gram: (context, centre) pairs; CBOW: centres with
        at least one context word) of the losses of every output layer given.
    n_examples : int
        Number of training examples.
    """
    mask = np.asarray(mask, dtype=bool)
    centres = np.asarray(centres)
    if sg:
        hidden, example = syn0[contexts], mask.astype(syn0.dtype)      # (B, C, d), (B, C)
    else:
        hidden, example = _cbow_hidden(syn0, contexts, mask, cbow_mean, cbow_full_error)
    total = None
    for head in _output_heads(hidden, example, centres, syn1neg=syn1neg, negatives=negatives,
                              syn1=syn1, points=points, codes=codes,
                              path_lengths=path_lengths, softmax_out=softmax_out):
        total = head if total is None else total + head
    if total is None:
        total = (hidden * 0.0).sum()  # no example: loss 0
    return total, int(example.sum())


def _cbow_hidden(syn0, contexts, mask, cbow_mean, cbow_full_error):
    """The CBOW hidden layer, the mean or sum of the context vectors ``(B, 1, d)``, and
    the example weights ``(B, 1)`` (centres without context words are no example)."""
    weights = mask.astype(syn0.dtype)
    count = weights.sum(axis=1)
    if cbow_mean and cbow_full_error:
        total = embedding_bag(syn0, contexts, weights)                      # the sum ...
        mean = total.data / np.maximum(count, 1)[:, None]
        hidden = total + (mean - total.data)  # ... valued as the mean: constant shift
    else:
        mix = weights / np.maximum(count, 1)[:, None] if cbow_mean else weights
        hidden = embedding_bag(syn0, contexts, mix)
    example = (count > 0).astype(syn0.dtype)[:, None]
    return hidden.reshape(len(count), 1, syn0.shape[1]), example


def _output_heads(hidden, example, centres, *, syn1neg, negatives, syn1, points, codes,
                  path_lengths, softmax_out):
    """The summed losses of each output layer for hidden vectors ``(B, R, d)`` predicting
    ``centres`` (see :func:`word2vec_batch_loss`)."""
    dtype = example.dtype

    def binary_head(table, rows, target, element):
        w = example[:, :, None] * element[:, None, :]
        w_sum = float(w.sum())
        if w_sum == 0:
            return None
        scores = gather_scores(hidden, table, rows)            # (B, R, J)
        t = np.broadcast_to(target[:, None, :], scores.shape)
        return (binary_cross_entropy_with_logits(scores.reshape(-1), t.reshape(-1),
                                                 w.reshape(-1)) * w_sum)

    heads = []
    if syn1neg is not None:
        rows = np.concatenate([centres[:, None], negatives], axis=1)
        target = np.zeros(rows.shape, dtype=dtype)
        target[:, 0] = 1
        element = (rows != centres[:, None]).astype(dtype)
        element[:, 0] = 1
        heads.append(binary_head(syn1neg, rows, target, element))
    if syn1 is not None:
        rows = points[centres]
        target = (1 - codes[centres]).astype(dtype)
        element = (np.arange(rows.shape[1])[None, :] < path_lengths[centres][:, None])
        heads.append(binary_head(syn1, rows, target, element.astype(dtype)))
    n_examples = float(example.sum())
    if softmax_out is not None and n_examples:
        flat_hidden = hidden.reshape(-1, hidden.shape[-1])
        scores = flat_hidden @ softmax_out.T                    # (B·R, n_words)
        target = np.broadcast_to(centres[:, None], example.shape).reshape(-1)
        heads.append(softmax_cross_entropy(scores, target, example.reshape(-1))
                     * n_examples)
    return [head for head in heads if head is not None]


# ------------------------------------------------------------------------- the problem
class _Batch:
    __slots__ = ("centres", "contexts", "mask", "negatives", "raw_words")

    def __init__(self, centres, contexts, mask, negatives=None, raw_words=0):
        self.centres, self.contexts, self.mask = centres, contexts, mask
        self.negatives, self.raw_words = negatives, raw_words

    def parts(self, n):
        """The batch cut into ``n`` consecutive runs of centres, as dicts of arrays."""
        bounds = np.linspace(0, self.centres.shape[0], n + 1).astype(int)
        names = ("centres", "contexts", "mask") + (("negatives",) if self.negatives
                                                   is not None else ())
        return [{name: getattr(self, name)[a:b] for name in names}
                for a, b in itertools.pairwise(bounds)]


_NOT_YET = object()  # no batch prefetched yet


class _Word2VecProblem:
    """The learning problem handed to :func:`train_epochs` (see its contract)."""

    def __init__(self, model, corpus, total_words, *, sample=None, shrink_windows=None,
                 verbose=False, n_epochs=1):
        self.model = model
        self.corpus = corpus
        self.total_words = max(int(total_words), 1)
        self.n_samples = int(total_words)
        self.sample = model.sample if sample is None else sample
        self.shrink = model.shrink_windows if shrink_windows is None else shrink_windows
        self.verbose = verbose
        self.n_epochs = n_epochs
        self.keep = (keep_probabilities(model._counts, self.sample) if self.sample else None)
        self.noise = (NegativeSampler(model._counts, model.ns_exponent)
                      if model.negative else None)
        self.params = [a for a in model._tables() if a is not None]
        window = model.window
        self.batch_words = model._batch_size(total_words)
        if model.hs == 0 and model.negative == 0:
            per_centre = (2 * window if model.sg else 1) * len(model._counts)
            self.batch_words = max(1, min(self.batch_words, _SOFTMAX_BUDGET // per_centre))
        self._epoch = 0
        self.workers = None  # ParallelSGD training each batch in worker processes, if any
        self.optimizer = None  # its learning rate, for the workers
        self._stream, self._ahead = None, _NOT_YET
        # texts held in memory are encoded once, not once per epoch
        self._encoded = {} if getattr(corpus, "in_memory", False) else None
        # A row used n times in one batch gets the sum of n gradients taken at the same
        # (stale) parameters, where sequential SGD would see each step's effect: for the
        # very frequent rows (the Huffman root is on every path; "the" without
        # subsampling) that sum overshoots and can diverge. The contributions of such a
        # row are scaled by min(1, cap / n) with cap = 1 / alpha, so that one batch moves
        # a row by at most about one (unscaled) mean gradient.
        self.row_cap = 1.0 / model.alpha

    def batches(self, rng):
        """The batches of one epoch. With worker processes, the next batch is prepared
        while they compute (:meth:`_prefetch`); the batches and the random draws are the
        same."""
        stream = self._batches(rng)
        if self.workers is None:
            yield from stream
            return
        self._stream = stream
        batch = next(stream, None)
        while batch is not None:
            self._ahead = _NOT_YET
            yield batch
            batch = self._ahead if self._ahead is not _NOT_YET else next(stream, None)

    def _batches(self, rng):
        m = self.model
        chunks = encoded_chunks(self.corpus, m.wv_.key_to_index, self.keep, rng,
                                cache=self._encoded)
        started = last = time.perf_counter()
        self._epoch += 1
        for tokens, text_ids, start, stop, raw in centre_batches(chunks, self.batch_words,
                                                                 m.window):
            n = stop - start
            radius = (rng.randint(1, m.window + 1, size=n) if self.shrink
                      else np.full(n, m.window))
            positions, mask = context_matrix(text_ids, start, stop, m.window, radius)
            negatives = self.noise.sample((n, m.negative), rng) if m.negative else None
            yield _Batch(tokens[start:stop], tokens[positions], mask, negatives, raw)
            if self.verbose:
                now = time.perf_counter()
                if now - last >= 1.0:
                    last = now
                    self._progress(raw, now - started)

    def _progress(self, raw, elapsed):
        done = (self._epoch - 1 + raw / self.total_words) / self.n_epochs
        speed = raw / elapsed if elapsed > 0 else float("nan")
        left = (1 - done) * self.n_epochs * self.total_words / speed if speed > 0 else 0
        print(f"Epoch {self._epoch}/{self.n_epochs}: {100 * raw / self.total_words:.1f}% of "
              f"words, {speed:,.0f} words/s, about {left:.0f} s left")

    def batch_fraction(self, batch):
        return min(batch.raw_words / self.total_words, 1.0)

    def graph(self, batch, requires_grad=True):
        m = self.model
        syn0 = Tensor(m.syn0_, requires_grad=requires_grad, sparse_grad=True)
        extra, tensors = {}, [syn0]
        if m.negative:
            extra["syn1neg"] = Tensor(m.syn1neg_, requires_grad=requires_grad,
                                      sparse_grad=True)
            extra["negatives"] = batch.negatives
            tensors.append(extra["syn1neg"])
        if m.hs:
            tree = m._tree
            extra["syn1"] = Tensor(m.syn1_, requires_grad=requires_grad, sparse_grad=True)
            extra.update(points=tree.points, codes=tree.codes, path_lengths=tree.lengths)
            tensors.append(extra["syn1"])
        if not m.hs and not m.negative:
            extra["softmax_out"] = Tensor(m.syn1softmax_, requires_grad=requires_grad)
            tensors.append(extra["softmax_out"])
        loss, n = word2vec_batch_loss(syn0, batch.contexts, batch.mask, batch.centres,
                                      sg=bool(m.sg), cbow_mean=bool(m.cbow_mean),
                                      cbow_full_error=True, **extra)
        return loss, n, tensors

    def part_arrays(self, n_parts):
        """Largest shapes and dtypes of the arrays of one of ``n_parts`` parts of a
        batch (:meth:`_Batch.parts`)."""
        rows, m = -(-self.batch_words // n_parts), self.model
        spec = {"centres": ((rows,), np.int32), "contexts": ((rows, 2 * m.window), np.int32),
                "mask": ((rows, 2 * m.window), bool)}
        if m.negative:
            spec["negatives"] = ((rows, m.negative), np.int32)
        return spec

    def part_gradients(self, part):
        """Summed loss, example count and gradients of one part of a batch (a dict of
        its arrays), before damping."""
        if part["centres"].shape[0] == 0:
            return 0.0, 0, [None] * len(self.params)
        loss, n, tensors = self.graph(_Batch(**part))
        if n == 0:
            return 0.0, 0, [None] * len(tensors)
        loss.backward()
        grads = [t.grad.coalesce() if isinstance(t.grad, RowSparseGrad) else t.grad
                 for t in tensors]
        return float(loss.item()), n, grads

    def loss_and_grads(self, batch):
        if self.workers is not None:  # the workers also take the step: no gradients
            loss, n = self.workers.step(
                batch.parts(self.workers.n_workers), self._learning_rate,
                lambda: [None if used is None else self._heavy_rows(used, table.shape[0])
                         for used, table in zip(self._uses(batch), self.params)],
                meanwhile=self._prefetch)
            return (loss / n if n else 0.0), n, [None] * len(self.params)
        loss, n, grads = self.part_gradients(batch.parts(1)[0])
        if n == 0:
            return 0.0, 0, grads
        grads = [grad if used is None else self._damp(grad, used)
                 for grad, used in zip(grads, self._uses(batch))]
        return loss / n, n, grads

    def _uses(self, batch):
        """For each table, the rows its examples use (one entry per use; padding
        excluded), or None for the full softmax's table (never damped)."""
        m = self.model
        used = [batch.contexts[batch.mask]]
        if m.negative:
            used.append(np.concatenate([batch.centres[:, None], batch.negatives], axis=1))
        if m.hs:
            tree = m._tree
            on_path = np.arange(tree.points.shape[1]) < tree.lengths[batch.centres][:, None]
            used.append(tree.points[batch.centres][on_path])
        return used + [None] * (len(self.params) - len(used))

    def _heavy_rows(self, used, n_rows):
        """The rows used more than ``row_cap`` times, and the factors ``row_cap / n_r``
        that scale their gradients (see ``__init__``), or None."""
        used = used.reshape(-1)
        if used.shape[0] * 8 >= n_rows:  # a good part of the table: count densely
            counts = np.bincount(used, minlength=n_rows)
            rows = np.flatnonzero(counts > self.row_cap)
            counts = counts[rows]
        else:
            rows, counts = np.unique(used, return_counts=True)
            heavy = counts > self.row_cap
            rows, counts = rows[heavy], counts[heavy]
        return (rows, self.row_cap / counts) if rows.shape[0] else None

    def _damp(self, grad, used):
        """Bound the summed step of a row used many times in one batch (see
        ``__init__``): a row used by ``n_r`` examples has its gradient scaled by
        ``min(1, row_cap / n_r)``.

        ``grad`` is the table's row-sparse gradient, ``used`` the rows its examples used
        (one entry per use)."""
        heavy = self._heavy_rows(used, grad.shape[0])
        if heavy is None:
            return grad
        grad = grad.coalesce()  # a gradient of this step only: scaled in place
        return grad.scale_rows(np.searchsorted(grad.indices, heavy[0]), heavy[1],
                               inplace=True)

    def _learning_rate(self):
        return self.optimizer.learning_rate

    def _prefetch(self):
        if self._ahead is _NOT_YET:
            self._ahead = next(self._stream, None)

    def mean_loss(self, rng):
        total, weight = 0.0, 0
        with no_grad():
            for batch in self.batches(rng):
                loss, n, _ = self.graph(batch, requires_grad=False)
                total += float(loss.item())
                weight += n
        return total / weight if weight else 0.0


# ----------------------------------------------------------------------- the estimator
def _boolean_int():
    return [Interval(Integral, 0, 1, closed="both"), "boolean"]


class Word2VecTransformer(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Word2vec (skip-gram or CBOW) word vectors; transforms documents into the mean of
    their word vectors.

    ``fit`` learns word vectors from a corpus of texts, exactly in the manner of gensim's
    ``Word2Vec`` (same parameter names, defaults and semantics, ``random_state`` for
    ``seed``), on the sklearn_deep engine. ``transform`` maps each document to one vector,
    so the transformer drops into a ``Pipeline``; the word vectors themselves are in
    :attr:`wv` (gensim's ``KeyedVectors`` API).

    Parameters
    ----------
    vector_size : int, default=100
        Dimension of the word vectors.
    window : int, default=5
        Largest distance between a centre word and a context word.
    min_count : int, default=5
        Words occurring fewer times are ignored.
    max_vocab_size : int, default=None
        Bound on the distinct words held while counting (rare words are pruned as
        gensim does); None for no bound.
    max_final_vocab : int, default=None
        Keep at most this many words, raising ``min_count`` as needed.
    sample : float, default=1e-3
        Subsampling of frequent words (word2vec.c's formula, redrawn every epoch): with
        ``T = sample · (kept tokens)`` a word of count ``c`` is kept with probability
        ``min(1, (sqrt(c/T) + 1) · T/c)``. 0 disables it.
    alpha : float, default=0.025
        Initial learning rate.
    min_alpha : float, default=1e-4
        Learning rate at the end of training (linear decay over all epochs).
    epochs : int, default=5
        Passes over the corpus.
    sg : {0, 1}, default=0
        1 for skip-gram, 0 for CBOW.
    hs : {0, 1}, default=0
        1 for hierarchical softmax (Huffman tree).
    negative : int, default=5
        Negative samples per centre word (0: none). With ``hs=0`` and ``negative=0`` the
        full softmax over the vocabulary is trained (exact; for small vocabularies).
    ns_exponent : float, default=0.75
        Negatives are drawn with probability proportional to ``count ** ns_exponent``.
    cbow_mean : {0, 1}, default=1
        CBOW hidden layer: 1 for the mean of the context vectors, 0 for their sum.
    shrink_windows : bool, default=True
        Draw each centre's radius uniformly in ``1..window`` (word2vec's dynamic window);
        False always uses ``window``.
    batch_words : int or "auto", default="auto"
        Centre words per minibatch (after subsampling). The negatives of a centre are
        shared by its context words and every pair in a batch is updated from the same
        parameters. "auto" takes 1024 for skip-gram and 4096 for CBOW (the fastest
        sizes on gensim's test corpus, with quality inside gensim's seed-to-seed
        spread), but at most 1 % of the corpus's tokens (at least 64), so that a small
        corpus still gets about 100 steps an epoch; large batches cost CBOW quality on
        small corpora. Larger is faster, smaller follows word2vec's one-pair-at-a-time
        updates more closely.
    tokenizer : callable, default=None
        Splits a raw-string text into tokens (after lower-casing); overrides
        ``token_pattern``.
    token_pattern : str or None, default=r"(?u)\\b\\w+\\b"
        Regular expression of the tokens of raw strings; None splits on whitespace.
        Texts given as token lists are used as they are.
    lowercase : bool, default=True
        Lower-case raw strings before tokenising.
    weighting : {"mean", "tfidf", "sif"}, default="mean"
        How :meth:`transform` combines word vectors: the mean over the document's known
        tokens; the tf-idf weighted mean (smooth idf from the training texts); or SIF
        (Arora et al. 2017): weights ``a / (a + p(w))`` averaged over the known tokens,
        minus the projection on the first singular vector of the training documents.
    sif_alpha : float, default=1e-3
        The ``a`` of SIF weighting.
    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, subsampling, windows and negatives; an int gives
        bit-identical vectors on every run.
    verbose : int, default=0
        Print progress (words/s, time left) and the loss of every epoch.
    workers : int, default=1
        Processes training each minibatch (gensim's name): with ``k > 1`` the batch is
        cut into ``k`` parts whose gradients, taken from the same parameters, are
        computed by ``k`` forked processes (the tables are in shared memory during
        training); each then applies the SGD step to its share of the rows, adding the
        parts in a fixed order. Results stay bit-reproducible for a given ``workers``
        (unlike gensim's with ``workers > 1``) and equal those of ``workers=1`` up to
        float32 rounding. Needs the ``fork`` start method (Linux, macOS); elsewhere one
        process is used, with a warning. On 2 cores, 2 workers trained skip-gram and
        CBOW about 1.2x faster than one. The next batch is drawn while the workers
        compute, so after an interrupted fit (Ctrl-C) the random state is one batch
        further on than with one process.
    warm_start : bool, default=False
        ``fit`` continues from the previous vectors (adding new words) instead of
        starting afresh.

    Attributes
    ----------
    wv_ : KeyedVectors
        The word vectors (also available as :attr:`wv`).
    syn1neg_ : ndarray of shape (n_words, vector_size) or None
        Output vectors of negative sampling.
    syn1_ : ndarray of shape (n_words - 1, vector_size) or None
        Inner-node vectors of hierarchical softmax.
    syn1softmax_ : ndarray of shape (n_words, vector_size) or None
        Output vectors of the full softmax.
    loss_curve_ : list of float
        Mean training loss per example (pair for skip-gram, centre for CBOW) per epoch.
    n_iter_ : int
        Epochs run in all.
    corpus_count_ : int
        Texts in the last corpus trained on.
    corpus_total_words_ : int
        Tokens in the last corpus trained on.
    effective_min_count_ : int
        ``min_count`` after ``max_final_vocab``.
    sif_component_ : ndarray of shape (vector_size,) or None
        The common component removed by SIF weighting.

    Examples
    --------
    >>> from sklearn_deep.datasets import make_synthetic_language
    >>> from sklearn_deep.estimators import Word2VecTransformer
    >>> texts = make_synthetic_language(n_sentences=500, random_state=0).sentences
    >>> w2v = Word2VecTransformer(vector_size=20, min_count=1, random_state=0).fit(texts)
    >>> w2v.transform(["france paris"]).shape
    (1, 20)
    """

    _parameter_constraints = {
        "vector_size": [Interval(Integral, 1, None, closed="left")],
        "window": [Interval(Integral, 1, None, closed="left")],
        "min_count": [Interval(Integral, 0, None, closed="left")],
        "max_vocab_size": [Interval(Integral, 1, None, closed="left"), None],
        "max_final_vocab": [Interval(Integral, 1, None, closed="left"), None],
        "sample": [Interval(Real, 0, None, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="neither")],
        "min_alpha": [Interval(Real, 0, None, closed="left")],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "sg": _boolean_int(),
        "hs": _boolean_int(),
        "negative": [Interval(Integral, 0, None, closed="left")],
        "ns_exponent": [Interval(Real, None, None, closed="neither")],
        "cbow_mean": _boolean_int(),
        "shrink_windows": ["boolean"],
        "batch_words": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "tokenizer": [callable, None],
        "token_pattern": [str, None],
        "lowercase": ["boolean"],
        "weighting": [StrOptions({"mean", "tfidf", "sif"})],
        "sif_alpha": [Interval(Real, 0, None, closed="neither")],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "workers": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, vector_size=100, *, window=5, min_count=5, max_vocab_size=None,
                 max_final_vocab=None, sample=1e-3, alpha=0.025, min_alpha=1e-4, epochs=5,
                 sg=0, hs=0, negative=5, ns_exponent=0.75, cbow_mean=1, shrink_windows=True,
                 batch_words="auto", tokenizer=None, token_pattern=r"(?u)\b\w+\b",
                 lowercase=True, weighting="mean", sif_alpha=1e-3, random_state=None,
                 verbose=0, warm_start=False, workers=1):
        self.vector_size = vector_size
        self.window = window
        self.min_count = min_count
        self.max_vocab_size = max_vocab_size
        self.max_final_vocab = max_final_vocab
        self.sample = sample
        self.alpha = alpha
        self.min_alpha = min_alpha
        self.epochs = epochs
        self.sg = sg
        self.hs = hs
        self.negative = negative
        self.ns_exponent = ns_exponent
        self.cbow_mean = cbow_mean
        self.shrink_windows = shrink_windows
        self.batch_words = batch_words
        self.tokenizer = tokenizer
        self.token_pattern = token_pattern
        self.lowercase = lowercase
        self.weighting = weighting
        self.sif_alpha = sif_alpha
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start
        self.workers = workers

    # ------------------------------------------------------------------ helpers
    @property
    def wv(self):
        """KeyedVectors : The word vectors (gensim's ``model.wv``)."""
        check_is_fitted(self, "wv_")
        return self.wv_

    @property
    def _n_features_out(self):
        return self.vector_size

    @property
    def _counts(self):
        return self.wv_.counts

    @property
    def syn0_(self):
        return self.wv_.vectors

    def _tables(self):
        return [self.syn0_, self.syn1neg_, self.syn1_, self.syn1softmax_]

    def _corpus(self, X):
        return Corpus(X, tokenizer=self.tokenizer, token_pattern=self.token_pattern,
                      lowercase=self.lowercase)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.non_deterministic = False
        tags.requires_fit = True
        return tags

    def _batch_size(self, total_words):
        """Centre words per minibatch for a corpus of ``total_words`` tokens."""
        if self.batch_words != "auto":
            return self.batch_words
        preferred = _AUTO_BATCH_SG if self.sg else _AUTO_BATCH_CBOW
        return int(max(_AUTO_BATCH_MIN, min(preferred, total_words // 100)))

    def _check_params_combination(self):
        if self.min_alpha > self.alpha:
            raise ValueError(f"min_alpha={self.min_alpha} must not exceed "
                             f"alpha={self.alpha}.")

    def _scan(self, corpus):
        counts, doc_freq, n_texts, total = scan_vocabulary(corpus, self.max_vocab_size)
        if n_texts == 0:
            raise ValueError("The corpus is empty: it holds no text.")
        if total == 0:
            raise ValueError(f"The corpus holds {n_texts} text(s) but no token at all "
                             "(check tokenizer / token_pattern).")
        return counts, doc_freq, n_texts, total

    def _build(self, corpus, rng):
        counts, doc_freq, n_texts, total = self._scan(corpus)
        kept, effective = select_vocabulary(counts, self.min_count, self.max_final_vocab)
        if not kept:
            word, count = counts.most_common(1)[0]
            raise ValueError(
                f"No word occurs at least min_count={effective} times (the most frequent, "
                f"{word!r}, occurs {count} time(s) in {total} tokens); lower min_count or "
                "give a larger corpus.")
        words = [w for w, _ in kept]
        d = self.vector_size
        vectors = rng.random_sample((len(words), d)).astype(np.float32)
        vectors *= 2.0
        vectors -= 1.0
        vectors /= d                                       # gensim 4: U[-1/d, 1/d)
        self.wv_ = KeyedVectors(vectors, words, [c for _, c in kept])
        self.doc_freq_ = np.array([doc_freq[w] for w in words], dtype=np.int64)
        self.n_texts_seen_ = n_texts
        self.effective_min_count_ = effective
        self.syn1neg_ = np.zeros((len(words), d), np.float32) if self.negative else None
        self.syn1softmax_ = (np.zeros((len(words), d), np.float32)
                             if not self.negative and not self.hs else None)
        self._set_tree()
        self._training_state = TrainingState()
        self.loss_curve_ = []
        self.n_iter_ = 0
        return n_texts, total

    def _set_tree(self):
        if self.hs:
            self._tree = HuffmanTree(self._counts)
            n_inner = self._tree.n_inner
            old = getattr(self, "syn1_", None)
            syn1 = np.zeros((max(n_inner, 1), self.vector_size), np.float32)
            if old is not None:
                rows = min(old.shape[0], syn1.shape[0])
                syn1[:rows] = old[:rows]
            self.syn1_ = syn1
        else:
            self._tree = None
            self.syn1_ = None

    def _grow(self, corpus, rng):
        """Add the corpus's counts and its new words (reaching min_count) to the model."""
        counts, doc_freq, n_texts, total = self._scan(corpus)
        wv = self.wv_
        old_counts = wv.counts.copy()
        new = []
        for word, count in sorted(counts.items(), key=lambda kv: -kv[1]):
            index = wv.key_to_index.get(word)
            if index is not None:
                old_counts[index] += count
            elif count >= self.effective_min_count_:
                new.append((word, count))
        doc_freq_old = self.doc_freq_.copy()
        for word, index in wv.key_to_index.items():
            doc_freq_old[index] += doc_freq.get(word, 0)
        d = self.vector_size
        fresh = rng.random_sample((len(new), d)).astype(np.float32) * 2.0 - 1.0
        fresh /= d
        vectors = np.vstack([wv.vectors, fresh]) if new else wv.vectors
        self.wv_ = KeyedVectors(vectors, wv.index_to_key + [w for w, _ in new],
                                np.concatenate([old_counts, [c for _, c in new]]))
        self.doc_freq_ = np.concatenate([doc_freq_old,
                                         [doc_freq[w] for w, _ in new]]).astype(np.int64)
        self.n_texts_seen_ += n_texts
        zeros = np.zeros((len(new), d), np.float32)
        if self.syn1neg_ is not None:
            self.syn1neg_ = np.vstack([self.syn1neg_, zeros])
        if self.syn1softmax_ is not None:
            self.syn1softmax_ = np.vstack([self.syn1softmax_, zeros])
        self._set_tree()
        return n_texts, total

    def _check_model_compatible(self):
        """A model continued by partial_fit / warm_start keeps its architecture."""
        layers = (self.syn1neg_ is not None, self.syn1_ is not None,
                  self.syn1softmax_ is not None)
        wanted = (bool(self.negative), bool(self.hs), not self.negative and not self.hs)
        if layers != wanted or self.syn0_.shape[1] != self.vector_size:
            raise ValueError(
                "vector_size, hs and negative cannot change between calls that continue "
                "training (partial_fit, warm_start); fit a new model instead.")

    def _set_tables(self, tables):
        self.wv_.vectors, self.syn1neg_, self.syn1_, self.syn1softmax_ = tables

    def _n_workers(self):
        if self.workers > 1 and not fork_available():
            warnings.warn("workers > 1 needs the 'fork' start method, which this platform "
                          "lacks; training in one process.", UserWarning, stacklevel=4)
            return 1
        return self.workers

    def _train(self, corpus, n_texts, total, n_epochs, rng, incremental):
        n_workers = self._n_workers()
        private = self._tables()
        problem = None
        try:
            if n_workers > 1:  # the forked workers must see every update: shared memory
                self._set_tables([None if t is None else
                                  shared_array(t.shape, t.dtype, fill=t) for t in private])
            problem = _Word2VecProblem(self, corpus, total, verbose=bool(self.verbose),
                                       n_epochs=n_epochs)
            optimizer = SGD(problem.params,
                            learning_rate=LinearDecay(self.alpha, self.min_alpha))
            # Every product here is small: one BLAS thread is faster than several (thread
            # start-up and contention made some steps 10x slower with two).
            with threadpool_limits(limits=1, user_api="blas"):
                if n_workers > 1:
                    problem.optimizer = optimizer
                    problem.workers = ParallelSGD(problem.part_gradients, problem.params,
                                                  problem.part_arrays(n_workers), n_workers)
                train_epochs(problem, optimizer, self._training_state, max_iter=n_epochs,
                             rng=rng, tol=0.0, n_iter_no_change=math.inf,
                             incremental=incremental, verbose=bool(self.verbose),
                             warn_at_max_iter=False)
        finally:
            if problem is not None and problem.workers is not None:
                problem.workers.close()
            if n_workers > 1:  # back into the model's own arrays (references stay valid)
                for mine, shared in zip(private, self._tables(), strict=True):
                    if mine is not None and shared is not mine:
                        mine[...] = shared
                self._set_tables(private)
        state = self._training_state
        self.loss_curve_ = [float(v) for v in state.loss_curve]
        self.n_iter_ = state.n_iter
        self.corpus_count_ = n_texts
        self.corpus_total_words_ = total
        self.wv_.fill_norms(force=True)
        self._fit_sif(corpus)

    def _fit_sif(self, corpus):
        self.sif_component_ = None
        if self.weighting != "sif":
            return
        gram = np.zeros((self.vector_size, self.vector_size))
        for rows in self._doc_vector_chunks(corpus, remove_component=False):
            gram += rows.T @ rows
        _, eigvecs = np.linalg.eigh(gram)
        component = eigvecs[:, -1]
        self.sif_component_ = component * np.sign(component[np.argmax(np.abs(component))])

    # --------------------------------------------------------------------- fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn word vectors from the texts ``X``.

        Parameters
        ----------
        X : iterable of str or of list of str, or path
            Re-iterable texts (raw strings, tokenised with ``token_pattern`` /
            ``tokenizer``, or token lists), or the path of a text file with one text per
            line, streamed once per epoch. A one-shot generator is refused.
        y : None
            Ignored.

        Returns
        -------
        self : Word2VecTransformer
        """
        return self._fit(X, continue_training=self.warm_start, incremental=False)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Train one more epoch on ``X``, adding its new words (those reaching the
        effective ``min_count`` in ``X``) to the vocabulary; the learning rate decays from
        ``alpha`` to ``min_alpha`` within the call, as in gensim's ``train``.

        Parameters
        ----------
        X : iterable of str or of list of str, or path
            See :meth:`fit`.
        y : None
            Ignored.

        Returns
        -------
        self : Word2VecTransformer
        """
        return self._fit(X, continue_training=True, incremental=True)

    def _fit(self, X, continue_training, incremental):
        """Build the model (or, continuing, grow its vocabulary) and train it: ``epochs``
        epochs, or one for ``partial_fit``."""
        self._check_params_combination()
        corpus = self._corpus(X)
        if continue_training and hasattr(self, "wv_"):
            self._check_model_compatible()
            rng = self._rng
            n_texts, total = self._grow(corpus, rng)
        else:
            rng = self._rng = make_rng(self.random_state)
            n_texts, total = self._build(corpus, rng)
        self._train(corpus, n_texts, total, 1 if incremental else self.epochs, rng,
                    incremental=incremental)
        return self

    # --------------------------------------------------------------- transform
    def _word_weights(self):
        """Each vocabulary word's weight in a document vector (by vocabulary index): its
        smoothed idf ('tfidf'), a / (a + p(w)) ('sif'), or 1 ('mean')."""
        if self.weighting == "tfidf":
            return np.log((1 + self.n_texts_seen_) / (1 + self.doc_freq_)) + 1.0
        if self.weighting == "sif":
            p = self._counts / self._counts.sum()
            return self.sif_alpha / (self.sif_alpha + p)
        return np.ones(len(self.wv_.key_to_index))

    def _doc_term_chunks(self, corpus, chunk_docs=4096):
        """Yield CSR matrices (docs × words) of per-token weights and known-token counts."""
        index = self.wv_.key_to_index
        n_words = len(index)
        word_weight = self._word_weights()
        rows, cols, n_docs = [], [], 0
        for i, tokens in enumerate(corpus):
            for token in tokens:
                if not isinstance(token, str):
                    raise TypeError(f"Text {i} holds a token of type "
                                    f"{type(token).__name__} ({token!r}); tokens must be "
                                    "strings.")
                j = index.get(token)
                if j is not None:
                    rows.append(n_docs)
                    cols.append(j)
            n_docs += 1
            if n_docs == chunk_docs:
                yield self._weights_matrix(rows, cols, n_docs, n_words, word_weight)
                rows, cols, n_docs = [], [], 0
        if n_docs:
            yield self._weights_matrix(rows, cols, n_docs, n_words, word_weight)

    def _weights_matrix(self, rows, cols, n_docs, n_words, word_weight):
        cols = np.asarray(cols, dtype=np.int64)
        counts = sp.csr_matrix((np.ones(cols.shape[0]), (np.asarray(rows, np.int64), cols)),
                               shape=(n_docs, n_words))
        counts.sum_duplicates()
        known = np.asarray(counts.sum(axis=1)).ravel()
        weighted = counts.multiply(word_weight[None, :]).tocsr()
        if self.weighting == "sif":
            norm = known
        else:
            norm = np.asarray(weighted.sum(axis=1)).ravel()
        scale = np.divide(1.0, norm, out=np.zeros_like(norm, dtype=np.float64),
                          where=norm > 0)
        return sp.diags(scale) @ weighted

    def _doc_vector_chunks(self, corpus, remove_component=True):
        vectors = self.wv_.vectors.astype(np.float64)
        for weights in self._doc_term_chunks(corpus):
            out = np.asarray(weights @ vectors)
            if remove_component and self.sif_component_ is not None:
                u = self.sif_component_
                out -= np.outer(out @ u, u)
            yield out

    def transform(self, X):
        """One vector per document: the (weighted) mean of its known words' vectors.

        Parameters
        ----------
        X : iterable of str or of list of str, or path
            Documents, in any form :meth:`fit` accepts (a file gives one row per line).

        Returns
        -------
        ndarray of shape (n_documents, vector_size), float64
            A document without any known word gives a row of zeros.
        """
        check_is_fitted(self, "wv_")
        parts = list(self._doc_vector_chunks(self._corpus(X)))
        if not parts:
            return np.zeros((0, self.vector_size))
        return np.vstack(parts)

    # ------------------------------------------------------------ predictions
    def predict_output_word(self, context_words_list, topn=10):
        """The words most probable at the centre of the given context (gensim's method,
        generalised to every output layer).

        The hidden vector is the mean (``cbow_mean=1``) or sum of the known context
        words' vectors; probabilities come from the softmax over the negative-sampling
        output vectors (as gensim), the exact Huffman-tree probabilities (``hs=1`` only)
        or the full softmax.

        Parameters
        ----------
        context_words_list : list of str
        topn : int, default=10

        Returns
        -------
        list of (str, float) or None
            None when no context word is known.
        """
        check_is_fitted(self, "wv_")
        idx = [self.wv_.key_to_index[w] for w in context_words_list
               if w in self.wv_.key_to_index]
        if not idx:
            return None
        hidden = self.syn0_[idx].astype(np.float64).sum(axis=0)
        if self.cbow_mean:
            hidden /= len(idx)
        if self.syn1neg_ is not None or self.syn1softmax_ is not None:
            out = self.syn1neg_ if self.syn1neg_ is not None else self.syn1softmax_
            scores = out.astype(np.float64) @ hidden
            prob = np.exp(scores - scores.max())
            prob /= prob.sum()
        else:
            tree = self._tree
            f = self.syn1_.astype(np.float64)[tree.points] @ hidden      # (V, L)
            sign = 1.0 - 2.0 * tree.codes                                # code 0 → +
            logp = -np.logaddexp(0.0, -sign * f)
            logp *= np.arange(f.shape[1])[None, :] < tree.lengths[:, None]
            prob = np.exp(logp.sum(axis=1))
        top = np.argsort(-prob, kind="stable")[:topn]
        return [(self.wv_.index_to_key[i], float(prob[i])) for i in top]

    def score(self, X, y=None):
        """Minus the mean training loss per example on the texts ``X`` (higher is better).

        Computed deterministically: no subsampling, full windows, negatives drawn from a
        generator seeded with 0, no update of the model.

        Parameters
        ----------
        X : iterable of str or of list of str, or path
        y : None
            Ignored.

        Returns
        -------
        float
        """
        check_is_fitted(self, "wv_")
        corpus = self._corpus(X)
        total = sum(len(t) for t in corpus)
        problem = _Word2VecProblem(self, corpus, total, sample=0.0, shrink_windows=False)
        with threadpool_limits(limits=1, user_api="blas"):
            return -problem.mean_loss(np.random.RandomState(0))
