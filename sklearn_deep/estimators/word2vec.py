"""Word2VecTransformer: skip-gram and CBOW word vectors, trained on the engine, as a
scikit-learn transformer of documents.

The estimator holds the parameters, their validation and the scikit-learn API; the work
is elsewhere, one module per job:

- :mod:`._text` — the corpus, the :class:`~._text.Vocabulary` (built in gensim's stages
  ``scan_vocab`` → ``prepare_vocab`` → ``prepare_weights``, grown by ``partial_fit``),
  subsampling, windows, the Huffman tree and the negative-sampling distribution;
- :mod:`sklearn_deep.nn.word2vec` — the network: the batch loss and its output heads
  (negative sampling, hierarchical softmax, full softmax);
- :mod:`._word2vec_problem` — the batch stream and the problem handed to
  :func:`sklearn_deep.training.train_epochs`, with the row damping it chains before
  :class:`~sklearn_deep.optim.SGD` and word2vec's linearly decaying learning rate
  (``alpha → min_alpha`` over the whole run, recomputed every ``alpha_step_words``);
- :mod:`._parallel` — ``workers > 1``: forked processes that each compute the gradient
  of one batch of every round of ``workers`` batches and apply the optimizer's step to
  their share of the rows;
- :mod:`._document_vectors` — what :meth:`~Word2VecTransformer.transform` returns: the
  mean, tf-idf or SIF document vectors;
- :mod:`._callbacks` — scikit-learn's callbacks (``set_callbacks``, scikit-learn ≥ 1.9):
  each epoch a task, split into 100 parts of its words so that a ``ProgressBar`` shows
  the words done (and the time left) in each epoch.

The training follows Mikolov et al. (2013), "Efficient Estimation of Word Representations
in Vector Space", word2vec.c and gensim's ``Word2Vec`` (same parameter names and
defaults), with minibatches of ``batch_words`` centres.
"""

import copy
import math
import time
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .._compat import CallbackSupportMixin, Interval, StrOptions, _fit_context
from .._random import make_rng
from .._threads import limit_threads
from ..nn.word2vec import Word2VecNetwork, output_tables, word2vec_batch_loss
from ..optim import make_optimizer, make_schedule
from ..training import TrainingState, train_epochs
from ._callbacks import FitTask
from ._document_vectors import document_vectors, sif_component, word_weights
from ._keyedvectors import KeyedVectors
from ._parallel import parallel_training, usable_workers
from ._text import Corpus, HuffmanTree, Vocabulary, scan_vocab
from ._word2vec_problem import Word2VecProblem, Word2VecSettings

__all__ = ["Word2VecTransformer", "word2vec_batch_loss"]

# batch_words="auto": centres per batch, capped to 1/n of the corpus and at least the
# minimum, (n, minimum) for CBOW (sg=0) and skip-gram (sg=1); benchmarks/word2vec.py and
# word2vec_small_corpus.py compare sizes.
_AUTO_BATCH, _AUTO_BATCH_SHARE_MIN = 512, ((100, 64), (256, 32))
# shared_negatives="auto": centres sharing one draw of negatives, CBOW and skip-gram
_AUTO_SHARED_CBOW, _AUTO_SHARED_SG = 2, 1
_OUTPUT_TABLES = ("syn1neg_", "syn1_", "syn1softmax_")
# workers=None trains a corpus of fewer tokens in one process, and uses at most
# _MAX_DEFAULT_WORKERS processes (see the docstring).
_PARALLEL_MIN_WORDS = 100_000
_MAX_DEFAULT_WORKERS = 4


# ----------------------------------------------------------------------- the estimator
def _boolean_int():
    return [Interval(Integral, 0, 1, closed="both"), "boolean"]


# The fitted attributes training sets (the copy a callback's fitted_estimator carries).
_TRAINED_ATTRIBUTES = ("wv_", "syn1neg_", "syn1_", "syn1softmax_", "loss_curve_",
                       "training_loss_", "n_iter_", "corpus_count_", "corpus_total_words_",
                       "sif_component_")


class Word2VecTransformer(CallbackSupportMixin, ClassNamePrefixFeaturesOutMixin,
                          TransformerMixin, BaseEstimator):
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
    alpha_step_words : int or None, default=10000
        Recompute the learning rate only every ``alpha_step_words`` corpus words of
        training, keeping it at its value at the start of each stretch, as word2vec.c
        (every 10,000 words) and gensim (once per job of ``batch_words`` = 10,000 words)
        do. None recomputes it before every minibatch, following the linear decay
        exactly. Stretches make the mean rate higher, by half a stretch of the decay:
        negligible on a large corpus, but with a corpus of 34,000 tokens and 5 epochs
        about 6 %, which on so short a training raised skip-gram's analogy accuracy
        from 0.369 (None) to 0.420 (gensim's: 0.445, and 0.402 with stretches of 1,000
        words; ``benchmarks/word2vec_small_corpus.py``, means of 60 seeds, standard
        errors 0.006-0.007).
    epochs : int, default=5
        Passes over the corpus.
    sg : {0, 1}, default=0
        1 for skip-gram, 0 for CBOW.
    hs : {0, 1}, default=0
        1 for hierarchical softmax (Huffman tree).
    negative : int, default=5
        Negative samples per centre word (0: none). With ``hs=0`` and ``negative=0`` the
        full softmax over the vocabulary is trained (exact; for small vocabularies).
    shared_negatives : int or "auto", default="auto"
        Centre words that share one draw of ``negative`` negatives (an approximation of
        word2vec, which draws them for every pair): every training example is still
        scored against ``negative`` negatives from the same distribution, so the
        expected objective is word2vec's, but the draws of the centres of a group are no
        longer independent. Sharing turns the work into a few small matrix products per
        group; 1 draws per centre (shared by its context words, as HogBatch). Skip-gram
        groups consecutive centres; CBOW groups centres spread over their batch (centre
        ``j`` of ``L`` with those ``ceil(L / s)`` apart), since neighbouring centres have
        almost the same context words. "auto" takes 1 for skip-gram and 2 for CBOW,
        chosen by quality measured against gensim (``benchmarks/word2vec.py``, on
        gensim's ``head500`` and on 4.7 M tokens of English prose): skip-gram's analogies
        fell below gensim's seed-to-seed range on the prose with 4 (0.115 against
        gensim's [0.119, 0.127]; 1 gave 0.128-0.145), and on a corpus of 34,000 tokens
        (``benchmarks/word2vec_small_corpus.py``, 60 seeds) 4 cost about 0.014 of analogy
        accuracy. CBOW with 16 or 4 fell below gensim's range on SimLex-999 on
        ``head500`` and with 4 on WS353 and analogies on the prose; with 2 spread centres
        its WS353, SimLex-999 and analogies on the prose are inside gensim's range (4
        seeds: 0.288, 0.186 and 0.112 against gensim's [0.280, 0.299], [0.168, 0.179]
        and [0.110, 0.113]; pairs of neighbours gave analogies of 0.105 [0.102, 0.115]),
        at 1.4-1.6x the speed of 1 (whose analogies are 0.115).
    ns_exponent : float, default=0.75
        Negatives are drawn with probability proportional to ``count ** ns_exponent``.
    cbow_mean : {0, 1}, default=1
        CBOW hidden layer: 1 for the mean of the context vectors, 0 for their sum.
    shrink_windows : bool, default=True
        Draw each centre's radius uniformly in ``1..window`` (word2vec's dynamic window);
        False always uses ``window``.
    batch_words : int or "auto", default="auto"
        Centre words per minibatch (after subsampling); every pair in a batch is updated
        from the same parameters. "auto" takes 512, but for skip-gram at most 1/256 of
        the corpus's tokens (at least 32), so that every corpus gets at least about 256
        steps an epoch (a corpus of 131,000 tokens or more gets 512), and for CBOW at
        most 1 % (at least 64; a CBOW step trains one example per centre, skip-gram's
        up to ``2 · window`` pairs). Batches whose rows fit in the CPU's L2 cache (a
        few hundred centres) are the fastest; beyond about 1024 centres both speed and
        quality drop, and smaller batches follow word2vec's one-pair-at-a-time updates
        more closely (``benchmarks/word2vec.py`` measures them). On a corpus of 34,000
        tokens (``benchmarks/word2vec_small_corpus.py``, means of 60 seeds, standard
        errors 0.005-0.006) skip-gram's analogy accuracy was 0.360 with batches of 1 %
        of it (338 centres, about 100 steps an epoch), 0.369 with this rule's 132 and
        0.372 with 32, while CBOW's was no better with 132 than with 338 (0.172 and
        0.185, 40 seeds).
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
    workers : int or None, default=1
        Processes training together (gensim's name). ``k > 1`` forks ``k - 1`` processes
        (the tables are in shared memory during training) and takes the batch stream ``k``
        batches at a time: each process computes the gradient of one batch of the round, all
        from the same parameters, then steps its share of the rows (``r % k``) from each
        batch's gradient in turn, in the batches' order. A round is thus trained as one
        batch of ``k · batch_words`` centres would be (with the row damping of each batch),
        which differs from ``workers=1`` (each batch starts from its predecessor's result)
        as a larger ``batch_words`` would; results are bit-reproducible for a given
        ``random_state`` and ``workers`` (unlike gensim's with ``workers > 1``). Rounds of 4
        batches kept skip-gram's word similarity and analogies on gensim's ``head500``
        corpus within gensim's range, rounds of 8 lowered both below it (measured on one
        seed): with many workers, lower ``batch_words``. None uses one process per core
        this process may run on (its CPU affinity), at most 4; but one process, without
        forking, on a 1-core machine, for a corpus of fewer than 100,000 tokens (whose fit
        takes about a second: starting and synchronising processes would cost more than
        they save), in a daemonic process (a ``multiprocessing.Pool``'s worker, which may
        not have children), and where processes cannot be forked; its results depend on the
        machine. Needs the ``fork`` start method (Linux and the other POSIX systems except
        macOS, whose system libraries are not safe after a fork, and Windows): elsewhere
        one process trains (with a warning for an int ``k > 1``). The default is 1: on an
        idle 2-core machine two processes trained 0.75-1.21x as fast as one (skip-gram)
        and 0.98-1.14x (CBOW, the default architecture; three runs each), and processes
        synchronise twice per round, so on a machine whose cores are busy with other work
        waiting for each other to be scheduled made two processes slower than one
        (``benchmarks/word2vec.py``).
    warm_start : bool, default=False
        ``fit`` continues from the previous vectors (adding new words) instead of
        starting afresh.
    compute_loss : bool, default=False
        Accepted for gensim users (gensim's spelling); the training loss is always
        computed here, at no extra cost: per epoch in :attr:`loss_curve_`, and summed over
        the last call in :meth:`get_latest_training_loss`.

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
        Mean training loss per example (pair for skip-gram, centre for CBOW) per epoch,
        each example's loss taken at the parameters its batch started from (the exact
        objective, even where ``|score| >= 6`` gets no gradient).
    training_loss_ : float
        The training loss summed over the examples of every epoch of the last ``fit``
        or ``partial_fit`` (see :meth:`get_latest_training_loss`).
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
        "alpha_step_words": [Interval(Integral, 1, None, closed="left"), None],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "sg": _boolean_int(),
        "hs": _boolean_int(),
        "negative": [Interval(Integral, 0, None, closed="left")],
        "shared_negatives": [Interval(Integral, 1, None, closed="left"),
                             StrOptions({"auto"})],
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
        "workers": [Interval(Integral, 1, None, closed="left"), None],
        "compute_loss": ["boolean"],
    }

    def __init__(self, vector_size=100, *, window=5, min_count=5, max_vocab_size=None,
                 max_final_vocab=None, sample=1e-3, alpha=0.025, min_alpha=1e-4,
                 alpha_step_words=10000, epochs=5, sg=0, hs=0, negative=5,
                 shared_negatives="auto", ns_exponent=0.75, cbow_mean=1,
                 shrink_windows=True, batch_words="auto", tokenizer=None,
                 token_pattern=r"(?u)\b\w+\b", lowercase=True, weighting="mean",
                 sif_alpha=1e-3, random_state=None, verbose=0, warm_start=False, workers=1,
                 compute_loss=False):
        self.vector_size = vector_size
        self.window = window
        self.min_count = min_count
        self.max_vocab_size = max_vocab_size
        self.max_final_vocab = max_final_vocab
        self.sample = sample
        self.alpha = alpha
        self.min_alpha = min_alpha
        self.alpha_step_words = alpha_step_words
        self.epochs = epochs
        self.sg = sg
        self.hs = hs
        self.negative = negative
        self.shared_negatives = shared_negatives
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
        self.compute_loss = compute_loss

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
    def syn0_(self):
        return self.wv_.vectors

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
        share, least = _AUTO_BATCH_SHARE_MIN[1 if self.sg else 0]
        return int(max(least, min(_AUTO_BATCH, total_words // share)))

    def _shared_negatives(self):
        """Centres sharing one draw of negatives."""
        if self.shared_negatives != "auto":
            return self.shared_negatives
        return _AUTO_SHARED_SG if self.sg else _AUTO_SHARED_CBOW

    def _settings(self, total_words, n_epochs=1, *, training=True):
        """The problem's settings; for scoring (``training=False``) without subsampling
        and with full windows."""
        batch_size = self._batch_size(total_words)
        return Word2VecSettings(
            window=self.window, batch_words=batch_size, alpha=self.alpha,
            sample=self.sample if training else 0.0,
            shrink_windows=self.shrink_windows if training else False,
            negative=self.negative, shared_negatives=self._shared_negatives(),
            ns_exponent=self.ns_exponent,
            verbose=bool(self.verbose) and training, n_epochs=n_epochs)

    def _network(self):
        return Word2VecNetwork(self.syn0_, syn1neg=self.syn1neg_, syn1=self.syn1_,
                               syn1softmax=self.syn1softmax_, tree=self._tree, sg=self.sg,
                               cbow_mean=self.cbow_mean)

    def _n_workers(self, total_words):
        """The processes that train a corpus of ``total_words`` tokens."""
        if self.workers is None:
            if total_words < _PARALLEL_MIN_WORDS:
                return 1
            return min(usable_workers(None), _MAX_DEFAULT_WORKERS)
        return usable_workers(self.workers)

    def _vocabulary(self):
        """The fitted vocabulary, to grow."""
        wv = self.wv_
        return Vocabulary(wv.index_to_key, wv.counts, self.doc_freq_, self.n_texts_seen_,
                          self.effective_min_count_)

    def _check_params_combination(self):
        if self.min_alpha > self.alpha:
            raise ValueError(f"min_alpha={self.min_alpha} must not exceed "
                             f"alpha={self.alpha}.")

    # ------------------------------------------------------------ the model
    def _set_vocabulary(self, vocab, vectors):
        """Adopt ``vocab`` and the word ``vectors``; output tables keep their trained rows
        and get zero rows for new words."""
        self.wv_ = KeyedVectors(vectors, vocab.index_to_key, vocab.counts)
        self.doc_freq_ = vocab.doc_freq
        self.n_texts_seen_ = vocab.n_texts
        self.effective_min_count_ = vocab.effective_min_count
        self._tree = HuffmanTree(vocab.counts) if self.hs else None
        previous = tuple(getattr(self, name, None) for name in _OUTPUT_TABLES)
        tables = output_tables(len(vocab), self.vector_size, negative=self.negative,
                               hs=self.hs, previous=previous)
        for name, table in zip(_OUTPUT_TABLES, tables, strict=True):
            setattr(self, name, table)

    def _build(self, corpus, rng):
        scan = scan_vocab(corpus, self.max_vocab_size)
        vocab = Vocabulary.prepare_vocab(scan, self.min_count, self.max_final_vocab)
        for name in _OUTPUT_TABLES:  # a new model: nothing kept
            setattr(self, name, None)
        self._set_vocabulary(vocab, vocab.prepare_weights(self.vector_size, rng))
        self._training_state = TrainingState()
        self.loss_curve_ = []
        self.n_iter_ = 0
        return scan

    def _grow(self, corpus, rng):
        """Add the corpus's counts and its new words (reaching min_count) to the model."""
        scan = scan_vocab(corpus, self.max_vocab_size)
        vocab = self._vocabulary()
        n_old = len(vocab)
        vocab.update(scan)
        fresh = vocab.prepare_weights(self.vector_size, rng, start=n_old)
        vectors = np.vstack([self.wv_.vectors, fresh]) if len(vocab) > n_old else self.syn0_
        self._set_vocabulary(vocab, vectors)
        return scan

    def _check_model_compatible(self):
        """A model continued by partial_fit / warm_start keeps its architecture."""
        layers = (self.syn1neg_ is not None, self.syn1_ is not None,
                  self.syn1softmax_ is not None)
        wanted = (bool(self.negative), bool(self.hs), not self.negative and not self.hs)
        if layers != wanted or self.syn0_.shape[1] != self.vector_size:
            raise ValueError(
                "vector_size, hs and negative cannot change between calls that continue "
                "training (partial_fit, warm_start); fit a new model instead.")

    def _train(self, corpus, scan, n_epochs, rng, incremental, task):
        model = self._network()
        problem = Word2VecProblem(model, corpus, self.wv_, scan.total_words,
                                  self._settings(scan.total_words, n_epochs))

        step = (0.0 if self.alpha_step_words is None
                else min(self.alpha_step_words / (n_epochs * scan.total_words), 1.0))

        def build_optimizer(params):
            schedule = make_schedule("linear", self.alpha, min_learning_rate=self.min_alpha,
                                     step=step)
            return make_optimizer("sgd", params, learning_rate=schedule,
                                  transform=problem.gradient_transform)

        def epoch_attributes():  # the live tables (in shared memory with workers), copied
            fitted = copy.copy(self)
            syn0, fitted.syn1neg_, fitted.syn1_, fitted.syn1softmax_ = (
                None if t is None else t.copy() for t in model.tables)
            fitted.wv_ = KeyedVectors(syn0, self.wv_.index_to_key, self.wv_.counts)
            fitted._publish(corpus, scan, completed())
            return {name: vars(fitted)[name] for name in _TRAINED_ATTRIBUTES}

        state, started = self._training_state, time.perf_counter()
        first_epoch = state.n_iter

        def completed():  # examples of each epoch of this call that ended
            return problem.examples_per_epoch[:state.n_iter - first_epoch]

        def epoch_name():  # what a ProgressBar shows: the epoch's words, words/s so far
            name = f"epoch of {scan.total_words:,} words"
            if state.n_iter > first_epoch:
                rate = ((state.n_iter - first_epoch) * scan.total_words
                        / (time.perf_counter() - started))
                name += f", {rate:,.0f} words/s"
            return name

        # each epoch is split into 100 parts of its words, so that a ProgressBar draws
        # the words done in each epoch
        hooks = task.epochs(epoch_name, epoch_attributes, parts=100, part_name="words")
        # Every product here is small: one BLAS thread is faster than several (thread
        # start-up and contention made some steps 10x slower with two).
        n_workers = self._n_workers(scan.total_words)
        with (limit_threads(1, user_api="blas"),
              parallel_training(problem, build_optimizer, model.tables,
                                n_workers) as (trained, optimizer)):
            train_epochs(trained, optimizer, self._training_state, max_iter=n_epochs,
                         rng=rng, tol=0.0, n_iter_no_change=math.inf,
                         incremental=incremental, verbose=bool(self.verbose),
                         warn_at_max_iter=False, hooks=hooks)
        self._publish(corpus, scan, completed())

    def _publish(self, corpus, scan, examples_per_epoch):
        """The fitted attributes of the training so far (:data:`_TRAINED_ATTRIBUTES`);
        ``examples_per_epoch`` counts the examples of each epoch this call completed."""
        state = self._training_state
        self.loss_curve_ = [float(v) for v in state.loss_curve]
        done = len(examples_per_epoch)
        self.training_loss_ = float(sum(
            mean * n for mean, n in zip(self.loss_curve_[len(self.loss_curve_) - done:],
                                        examples_per_epoch, strict=True)))
        self.n_iter_ = state.n_iter
        self.corpus_count_ = scan.n_texts
        self.corpus_total_words_ = scan.total_words
        self.wv_.fill_norms(force=True)
        self.sif_component_ = None
        if self.weighting == "sif":
            self.sif_component_ = sif_component(self._document_vectors(corpus),
                                                self.vector_size)

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
        n_epochs = 1 if incremental else self.epochs
        task = FitTask(self, max_subtasks=n_epochs, X=X)
        if continue_training and hasattr(self, "wv_"):
            self._check_model_compatible()
            rng = self._rng
            scan = self._grow(corpus, rng)
        else:
            rng = self._rng = make_rng(self.random_state)
            scan = self._build(corpus, rng)
        self._train(corpus, scan, n_epochs, rng, incremental=incremental, task=task)
        task.end()
        return self

    def get_latest_training_loss(self):
        """The training loss summed over the examples of all epochs of the last ``fit`` or
        ``partial_fit`` call (gensim's method, which with ``compute_loss=True`` returns the
        running sum of its last ``train`` call; here it is always available, whatever
        ``compute_loss``, and is the exact loss: gensim's is known to be inaccurate).

        Returns
        -------
        float
        """
        check_is_fitted(self, "training_loss_")
        return self.training_loss_

    # --------------------------------------------------------------- transform
    def _word_weights(self):
        """The weight of every vocabulary word in a document vector (by index)."""
        return word_weights(self.weighting, self.wv_.counts, self.doc_freq_,
                            self.n_texts_seen_, self.sif_alpha)

    def _document_vectors(self, corpus, component=None):
        wv = self.wv_
        return document_vectors(corpus, wv.key_to_index, wv.vectors, self._word_weights(),
                                per_token=self.weighting == "sif", component=component)

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
        parts = list(self._document_vectors(self._corpus(X), self.sif_component_))
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
        prob = self._network().output_probabilities(hidden)
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
        problem = Word2VecProblem(self._network(), corpus, self.wv_, total,
                                  self._settings(total, training=False))
        with limit_threads(1, user_api="blas"):
            return -problem.mean_loss(np.random.RandomState(0))
