"""The word2vec network: the batch loss of skip-gram and CBOW with its output heads,
over explicit parameter tables.

How a minibatch's loss is computed
----------------------------------
A batch holds ``B`` *centre* words, each with its context words in a padded
``(B, 2·window)`` matrix and a mask (:class:`Word2VecBatch`). The loss of the whole batch
is one small graph of engine operations:

- negative sampling (the default) — the centres are cut into groups of
  ``shared_negatives`` consecutive centres that share one draw of ``k`` negatives
  (HogBatch shares them among a centre's contexts: Ji et al. 2016, "Parallelizing
  Word2Vec in Shared and Distributed Memory"; BlazingText's ``batch_skipgram`` and
  TensorFlow's ``nce_loss`` across more). Each example is still scored against ``k``
  negatives drawn from the noise distribution, so the expected objective is word2vec's;
  the draws of the centres of a group are no longer independent, which is the
  approximation ``shared_negatives`` controls (1: per centre, as HogBatch; the batch
  stream orders CBOW's centres so that those of a group are far apart in the text). As in
  word2vec.c, a score with ``|score| >= 6`` gets no gradient (``score_clip``).

  Skip-gram: a group's (context, centre) pairs are scored against the group's output
  rows ``[its centres, its negatives]`` in one fused primitive
  (:func:`~sklearn_deep.engine.gathered_sampled_logistic`): the context words' input
  rows gathered, gather, one small product per group, the logistic loss, and in
  backward two more products; the centre's output row is gathered once per group, not
  once per pair. With negatives per centre (the default) a group is one centre and its
  pairs are its context slots as they are, padding included (with weight 0, and no
  entry in ``syn0``'s gradient): building a flat layout of the pairs took more time, in
  some thirty NumPy calls a batch, than the padding's scores. Groups of several
  centres have their pairs packed, flat, without padding to the window.

  CBOW: each centre's context words, as a flat list without the padding, are summed by
  :func:`~sklearn_deep.engine.embedding_bag` (a CSR product, whose gradient reaches
  ``syn0`` factored and is added in one pass by the SGD step); each hidden vector is
  scored against its own centre's row and its group's negatives only
  (:func:`~sklearn_deep.engine.negative_sampling`: ``1 + k`` scores per centre, however
  many centres share the negatives). With negative sampling as the only output layer,
  both are one primitive, :func:`~sklearn_deep.engine.bag_negative_sampling` (one
  graph node, the hidden vectors written once);
- hierarchical softmax — the scores of each hidden vector ``(B, R, d)`` against the inner
  nodes on the centre's Huffman path (``gather_scores``), targets ``1 − code`` (as in
  word2vec.c); full softmax (``hs=0, negative=0``) — scores against every output vector;
  both with the fused, stable ``binary_cross_entropy_with_logits`` (or
  ``softmax_cross_entropy``) and an element weight that masks padding.

The summed (not averaged) loss makes each pair's step ``alpha · gradient``, as in
word2vec.c (Mikolov et al. 2013, "Distributed Representations of Words and Phrases and
their Compositionality"). Its gradients are row-sparse and left uncoalesced: plain SGD
adds them into the tables in place (:func:`~sklearn_deep.engine.add_rows`). Copied from
word2vec.c and gensim: with ``cbow_mean=1`` each context vector is updated with the full
error of the mean (the gradient of the mean times the number of context words).

Nothing here knows about scikit-learn, corpora or optimizers: :class:`Word2VecNetwork`
gives a batch's loss and gradients, and which rows of each table the batch uses.
"""


import numpy as np

from ..engine import (
    Tensor,
    bag_negative_sampling,
    binary_cross_entropy_with_logits,
    embedding_bag,
    gather_scores,
    gathered_sampled_logistic,
    negative_sampling,
    softmax_cross_entropy,
)

# Skip-gram: pairs of one group scored together in one row of the fused primitive.
_PAIRS_PER_ROW = 16

__all__ = ["CbowArrays", "Word2VecBatch", "Word2VecNetwork", "cbow_arrays", "output_tables",
           "word2vec_batch_loss"]


def word2vec_batch_loss(syn0, contexts, mask, centres, *, sg=True, cbow_mean=True,
                        syn1neg=None, negatives=None, shared_negatives=1, score_clip=None,
                        syn1=None, points=None, codes=None, path_lengths=None,
                        softmax_out=None, cbow_full_error=False, prepared=None):
    """Summed word2vec loss of one minibatch, as an engine graph.

    Parameters
    ----------
    syn0 : Tensor of shape (n_words, d)
        Input (word) vectors.
    contexts : ndarray of shape (B, C), int
        Context word ids of each centre (padding entries are ignored through ``mask``);
        CBOW with ``prepared``: not read (may be None).
    mask : ndarray of shape (B, C), bool
        Real context words; CBOW with ``prepared``: not read (may be None).
    centres : ndarray of shape (B,), int
        Centre word ids (the words predicted).
    sg : bool
        Skip-gram (each context word predicts the centre) or CBOW (the mean or sum of the
        context vectors predicts it).
    cbow_mean : bool
        CBOW hidden layer: mean (True) or sum of the context vectors.
    syn1neg : Tensor of shape (n_words, d), optional
        Output vectors for negative sampling, with ``negatives`` ``(ceil(B / s), k)``:
        the ids of the ``k`` negatives shared by the ``s = shared_negatives``
        consecutive centres of each group, and by all their training examples (a
        negative equal to an example's centre is ignored, as word2vec.c skips it).
    shared_negatives : int, default=1
        Centres per group sharing one draw of negatives (see the module docstring).
    score_clip : float or None, default=None
        Negative sampling's scores with ``|score| >= score_clip`` get no gradient
        (word2vec.c and gensim: 6); None for the exact gradient.
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
    prepared : CbowArrays, optional
        CBOW: :func:`cbow_arrays` of these centres, when already known (the batch
        stream prepares them for many batches at once).

    Returns
    -------
    loss : Tensor (0-d)
        Sum over training examples (skip-gram: (context, centre) pairs; CBOW: centres with
        at least one context word) of the losses of every output layer given.
    n_examples : int
        Number of training examples.
    """
    centres = np.asarray(centres)
    if not sg and prepared is None:
        mask = np.asarray(mask, dtype=bool)
        offsets = np.zeros(centres.shape[0] + 1, dtype=np.intp)
        np.cumsum(np.count_nonzero(mask, axis=1), out=offsets[1:])
        prepared = cbow_arrays(centres, np.asarray(contexts)[mask], offsets, negatives,
                               np.arange(centres.shape[0]) // shared_negatives, syn0.dtype)
    if sg:
        mask, contexts = np.asarray(mask, dtype=bool), np.asarray(contexts)
    if syn1neg is not None and centres.shape[0] % shared_negatives:
        # whole groups: padding centres without context words, which are no example
        pad = shared_negatives - centres.shape[0] % shared_negatives
        centres = np.concatenate([centres, np.zeros(pad, centres.dtype)])
        if sg:
            contexts = np.concatenate([contexts, np.zeros((pad, contexts.shape[1]),
                                                          contexts.dtype)])
            mask = np.concatenate([mask, np.zeros((pad, mask.shape[1]), bool)])
        else:
            prepared = prepared.padded(pad)
    # CBOW with negative sampling alone: the bag sums are fused into its primitive
    fused = (not sg and syn1neg is not None and syn1 is None and softmax_out is None
             and (cbow_full_error or not cbow_mean))
    if sg:
        hidden, example = None, mask.astype(syn0.dtype)                 # (B, C)
    elif fused:
        hidden, example = None, prepared.example
    else:
        hidden, example = _cbow_hidden(syn0, prepared, cbow_mean, cbow_full_error)
    heads = []
    if syn1neg is not None:
        heads.append(_negative_sampling_head(syn0, hidden, contexts, example, centres,
                                             syn1neg, negatives, shared_negatives,
                                             score_clip, prepared, sg, cbow_mean))
    if syn1 is not None or softmax_out is not None:
        examples = syn0[contexts] if sg else hidden.reshape(-1, 1, syn0.shape[1])
        heads += _output_heads(examples, example, centres,
                               syn1=syn1, points=points, codes=codes,
                               path_lengths=path_lengths, softmax_out=softmax_out)
    heads = [head for head in heads if head is not None]
    total = None
    for head in heads:
        total = head if total is None else total + head
    if total is None:
        total = (syn0[centres[:1]] * 0.0).sum()  # no example: loss 0
    return total, int(example.sum())


class CbowArrays:
    """The index arrays of ``B`` CBOW centres, as :func:`cbow_arrays` makes them.

    Parameters
    ----------
    words : ndarray of int, shape (n,)
        Each centre's context words as a flat list without padding: centre ``b``'s are
        ``words[offsets[b]:offsets[b + 1]]``.
    offsets : ndarray of int, shape (B + 1,)
        Where each centre's context words start.
    inverse : ndarray of shape (B,)
        One over each centre's number of context words (1 for none).
    example : ndarray of shape (B, 1)
        1 for a centre with context words (a training example), else 0.
    negative_weights : ndarray of bool, shape (B, 1 + k), or None
        The weights of each centre's scores: its own row (when it has a context word),
        then each of its group's negatives (unless equal to the centre).
    """

    __slots__ = ("example", "inverse", "negative_weights", "offsets", "words")

    def __init__(self, words, offsets, inverse, example, negative_weights):
        self.words, self.offsets, self.negative_weights = words, offsets, negative_weights
        self.inverse, self.example = inverse, example

    def __getitem__(self, cut):
        """The arrays of the centres ``cut`` (a slice with step 1)."""
        start, stop, step = cut.indices(self.offsets.shape[0] - 1)
        if step != 1:
            raise ValueError("CbowArrays are cut by slices with step 1")
        first, last = self.offsets[start], self.offsets[stop]
        return CbowArrays(self.words[first:last], self.offsets[start:stop + 1] - first,
                          self.inverse[start:stop], self.example[start:stop],
                          None if self.negative_weights is None
                          else self.negative_weights[start:stop])

    def padded(self, pad):
        """The arrays with ``pad`` more centres without context words."""
        offsets = np.concatenate([self.offsets, np.full(pad, self.offsets[-1])])
        weights = self.negative_weights
        if weights is not None:
            weights = np.concatenate([weights, np.zeros((pad, weights.shape[1]), bool)])
        return CbowArrays(self.words, offsets,
                          np.concatenate([self.inverse, np.ones(pad, self.inverse.dtype)]),
                          np.concatenate([self.example, np.zeros((pad, 1), self.example.dtype)]),
                          weights)


def cbow_arrays(centres, words, offsets, negatives, group, dtype=np.float64):
    """The :class:`CbowArrays` of CBOW centres.

    Parameters
    ----------
    centres : ndarray of int, shape (B,)
    words : ndarray of int, shape (n,)
        The context words of each centre, as a flat list: centre ``b``'s are
        ``words[offsets[b]:offsets[b + 1]]``.
    offsets : ndarray of int, shape (B + 1,)
    negatives : ndarray of int, shape (G, k), or None
        The negatives of each group of centres.
    group : ndarray of int, shape (B,)
        The row of ``negatives`` of each centre's group.
    dtype : dtype, default=np.float64
        Of ``inverse`` and ``example`` (the tables').

    Returns
    -------
    CbowArrays
    """
    count = np.diff(offsets)
    inverse = 1 / np.maximum(count, 1).astype(dtype)
    example = (count > 0).astype(dtype)[:, None]
    weights = None
    if negatives is not None:
        weights = np.empty((count.shape[0], 1 + negatives.shape[1]), dtype=bool)
        np.greater(count, 0, out=weights[:, 0])
        # computed contiguous, then copied in (NumPy's comparison into the strided
        # columns was slower than the comparison and the copy)
        noise = negatives[group]
        kept = np.empty(noise.shape, dtype=bool)
        _negatives_kept(noise, centres[:, None], weights[:, :1], kept)
        weights[:, 1:] = kept
    return CbowArrays(words, offsets, inverse, example, weights)


def _negatives_kept(negatives, centres, example, out):
    """Into ``out``, which negatives count for which example: those of a real example
    (``example``) but not equal to its centre (word2vec.c skips a negative equal to the
    target). The arguments broadcast to ``out``'s shape."""
    np.not_equal(negatives, _spread(centres, out.shape), out=out)
    out &= _spread(example, out.shape)


def _spread(column, shape):
    """``column`` repeated along the last axis of ``shape`` when it has length 1 there
    (and ``shape`` elsewhere), else as it is: NumPy's loops over a short last axis with a
    broadcast operand took 2-3x longer than repeating it first."""
    column = np.asarray(column)
    if (column.ndim == len(shape) and column.shape[-1] == 1 < shape[-1]
            and column.shape[:-1] == tuple(shape[:-1])):
        return np.repeat(column, shape[-1], axis=-1)
    return column


def _cbow_hidden(syn0, prepared, cbow_mean, cbow_full_error):
    """The CBOW hidden layer, the mean or sum of the context vectors ``(B, d)``, and the
    example weights ``(B, 1)`` (centres without context words are no example). The
    context words go to :func:`~sklearn_deep.engine.embedding_bag` as flat lists, one bag
    per centre, without the padding."""
    offsets, words, inverse = prepared.offsets, prepared.words, prepared.inverse
    if cbow_mean and not cbow_full_error:
        weights = np.repeat(inverse, np.diff(offsets))
    else:
        weights = np.ones(words.shape[0], dtype=syn0.dtype)
    hidden = embedding_bag(syn0, words, weights, offsets)
    if cbow_mean and cbow_full_error:  # the sum, valued as the mean: a constant shift
        total = hidden.data
        hidden = hidden + total * (inverse - 1)[:, None]
    return hidden, prepared.example


def _negative_sampling_head(syn0, hidden, contexts, example, centres, syn1neg, negatives,
                            share, score_clip, prepared, sg, cbow_mean):
    """The negative-sampling loss of groups of ``share`` centres sharing their negatives.

    Skip-gram: one :func:`~sklearn_deep.engine.gathered_sampled_logistic` over the groups'
    (context, centre) pairs (with negatives per centre, a centre's context slots as they
    are, padding weighted 0; with larger groups, the pairs packed flat), each scored
    against the group's rows, its centres then its negatives: its own centre with target
    1, every negative (but one equal to its centre) with target 0, the other centres with
    weight 0. CBOW: one
    :func:`~sklearn_deep.engine.negative_sampling`, each centre's hidden vector against
    its own row and the group's negatives (but one equal to its centre); without
    ``hidden``, :func:`~sklearn_deep.engine.bag_negative_sampling` sums the context rows
    too (with ``cbow_mean``, valued as their mean with the mean's error in full)."""
    B, C = example.shape
    G = B // share
    group_centres = centres.reshape(G, share)
    if sg and share == 1:  # skip-gram, negatives per centre
        # A row per centre, its context slots as they are (padding has weight 0): the
        # pairs' layout costs a few calls, where packing them costs some thirty.
        rows = np.concatenate([centres[:, None], negatives], axis=1)          # (B, J)
        mask = example > 0
        if not mask.any():
            return None
        # targets: its own centre, written out (operations on a broadcast view of one
        # row are several times slower than on a contiguous array)
        targets = np.zeros((B, C, rows.shape[1]), dtype=bool)                # (B, C, J)
        targets[:, :, 0] = True
        # each centre's rows that count (its own, its negatives but one equal to it),
        # for each of its real context slots: built as (B, C·J) rows, the mask repeated
        # J times and the kept rows tiled C times (an AND broadcast over (B, C, J), whose
        # innermost axis is so short, took twice as long)
        keep = np.empty(rows.shape, dtype=bool)
        keep[:, 0] = True
        _negatives_kept(negatives, centres[:, None], True, keep[:, 1:])
        weights = np.repeat(mask, keep.shape[1], axis=1)
        weights &= np.tile(keep, C)
        weights = weights.reshape(B, C, keep.shape[1])
        return gathered_sampled_logistic(syn0, syn1neg, contexts, rows, targets, weights,
                                         clip=score_clip)
    if sg:  # skip-gram, negatives shared by groups of centres
        # The pairs, flat, group by group, in rows of at most _PAIRS_PER_ROW (a group
        # with more takes several rows, which share its output rows): padding to the
        # longest group's pair count instead wasted ~40 % of the work.
        slots = example.reshape(G, share * C) > 0
        counts = slots.sum(axis=1)
        n_rows = -(-counts // _PAIRS_PER_ROW)                          # rows per group
        L = min(max(int(counts.max()), 1), _PAIRS_PER_ROW)
        group = np.repeat(np.arange(G), n_rows)                        # group of each row
        flat = np.flatnonzero(slots)                                   # the pairs
        rank = np.arange(flat.shape[0]) - np.repeat(np.cumsum(counts) - counts, counts)
        first_row = np.cumsum(n_rows) - n_rows
        at = (first_row[flat // (share * C)] + rank // L) * L + rank % L
        words = np.zeros(group.shape[0] * L, dtype=contexts.dtype)
        words[at] = contexts.reshape(-1)[flat]
        own = np.zeros(group.shape[0] * L, dtype=np.intp)      # centre of each pair, in group
        own[at] = flat % (share * C) // C
        valid = np.zeros(group.shape[0] * L, dtype=bool)
        valid[at] = True
        words, own, valid = (a.reshape(-1, L) for a in (words, own, valid))
    else:  # CBOW: each centre against its own row and its group's negatives
        weights = prepared.negative_weights.reshape(G, share, -1)
        if not weights[:, :, 0].any():
            return None
        if hidden is None:
            return bag_negative_sampling(
                syn0, syn1neg, prepared.words, prepared.offsets, group_centres, negatives,
                weights, shift=prepared.inverse - 1 if cbow_mean else None, clip=score_clip)
        return negative_sampling(hidden.reshape(G, share, -1), syn1neg,
                                 group_centres, negatives, weights, clip=score_clip)
    rows = np.concatenate([group_centres, negatives], axis=1)[group]    # (rows, J)
    n, J = rows.shape
    targets = np.zeros((n, L, J), dtype=bool)                           # own centre: 1
    targets.reshape(n * L, J)[np.arange(n * L), own.reshape(-1)] = True
    centre_of = group_centres[group[:, None], own]                      # (rows, L)
    weights = targets & valid[:, :, None]      # own centre, and negatives but the centre
    _negatives_kept(negatives[group][:, None, :], centre_of[:, :, None], valid[:, :, None],
                    weights[:, :, share:])
    if not weights.any():
        return None
    return gathered_sampled_logistic(syn0, syn1neg, words, rows, targets, weights,
                                     clip=score_clip)


def _output_heads(hidden, example, centres, *, syn1, points, codes, path_lengths,
                  softmax_out):
    """The summed losses of hierarchical softmax and the full softmax for hidden vectors
    ``(B, R, d)`` predicting ``centres`` (see :func:`word2vec_batch_loss`)."""
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
    return heads


class Word2VecBatch:
    """The index arrays of one minibatch.

    Parameters
    ----------
    centres : ndarray of shape (B,), int
        Centre word ids.
    contexts : ndarray of shape (B, C), int, or None
        Context word ids of each centre (padding where ``mask`` is False); None for
        CBOW with ``prepared``.
    mask : ndarray of shape (B, C), bool, or None
        Real context words; None for CBOW with ``prepared``.
    negatives : ndarray of shape (ceil(B / shared), k), int, optional
        Negative samples shared by each group of ``shared`` consecutive centres.
    raw_words : int, default=0
        Progress through the corpus: tokens read up to the batch's last centre.
    shared : int, default=1
        Centres per group of ``negatives``.
    prepared : CbowArrays, optional
        CBOW: :func:`cbow_arrays` of the batch, when prepared with others.
    """

    __slots__ = ("centres", "contexts", "mask", "negatives", "prepared", "raw_words",
                 "shared")

    def __init__(self, centres, contexts, mask, negatives=None, raw_words=0, shared=1,
                 prepared=None):
        self.centres, self.contexts, self.mask = centres, contexts, mask
        self.negatives, self.raw_words, self.shared = negatives, raw_words, shared
        self.prepared = prepared


class Word2VecNetwork:
    """Skip-gram or CBOW over explicit tables, with one or more output layers.

    Parameters
    ----------
    syn0 : ndarray of shape (n_words, d)
        Input (word) vectors, updated in place by whoever steps :attr:`params`.
    syn1neg : ndarray of shape (n_words, d), optional
        Output vectors of negative sampling.
    syn1 : ndarray of shape (n_words - 1, d), optional
        Inner-node vectors of hierarchical softmax; needs ``tree``.
    syn1softmax : ndarray of shape (n_words, d), optional
        Output vectors of the full softmax.
    tree : object, optional
        The Huffman coding of the words: ``points``, ``codes`` ``(n_words, L)`` and
        ``lengths`` ``(n_words,)`` (inner nodes, branches and length of each word's path).
    sg : bool, default=True
        Skip-gram (True) or CBOW.
    cbow_mean : bool, default=True
        CBOW hidden layer: the mean (True) or the sum of the context vectors.
    score_clip : float or None, default=6.0
        Negative-sampling scores with ``|score| >= score_clip`` get no gradient, as in
        word2vec.c and gensim (their sigmoid table ends at ±6); None for the exact
        gradient. The loss is always exact.
    """

    def __init__(self, syn0, *, syn1neg=None, syn1=None, syn1softmax=None, tree=None,
                 sg=True, cbow_mean=True, score_clip=6.0):
        if syn1 is not None and tree is None:
            raise ValueError("hierarchical softmax (syn1) needs the Huffman tree.")
        self.tables = [syn0, syn1neg, syn1, syn1softmax]
        self.tree = tree
        self.sg, self.cbow_mean = bool(sg), bool(cbow_mean)
        self.score_clip = score_clip

    @property
    def params(self):
        """list of ndarray : The tables in use (syn0, then syn1neg, syn1, syn1softmax)."""
        return [table for table in self.tables if table is not None]

    def batch_loss(self, batch, requires_grad=True):
        """The summed loss of ``batch`` as an engine graph.

        Returns
        -------
        loss : Tensor (0-d)
        n_examples : int
        tensors : list of Tensor
            The leaves wrapping :attr:`params`, in order (their ``grad`` after
            ``loss.backward()``).
        """
        syn0, syn1neg, syn1, syn1softmax = self.tables
        leaf = Tensor(syn0, requires_grad=requires_grad, sparse_grad=True)
        extra, tensors = {}, [leaf]
        if syn1neg is not None:
            extra["syn1neg"] = Tensor(syn1neg, requires_grad=requires_grad, sparse_grad=True)
            extra.update(negatives=batch.negatives, shared_negatives=batch.shared,
                         score_clip=self.score_clip)
            tensors.append(extra["syn1neg"])
        if syn1 is not None:
            extra["syn1"] = Tensor(syn1, requires_grad=requires_grad, sparse_grad=True)
            extra.update(points=self.tree.points, codes=self.tree.codes,
                         path_lengths=self.tree.lengths)
            tensors.append(extra["syn1"])
        if syn1softmax is not None:
            extra["softmax_out"] = Tensor(syn1softmax, requires_grad=requires_grad)
            tensors.append(extra["softmax_out"])
        loss, n = word2vec_batch_loss(leaf, batch.contexts, batch.mask, batch.centres,
                                      sg=self.sg, cbow_mean=self.cbow_mean,
                                      cbow_full_error=True, prepared=batch.prepared, **extra)
        return loss, n, tensors

    def loss_and_grads(self, batch):
        """The summed loss, the number of examples and one gradient per parameter
        (a :class:`RowSparseGrad`, not necessarily coalesced, a dense array, or None when
        the batch has no example)."""
        if batch.centres.shape[0] == 0:
            return 0.0, 0, [None] * len(self.params)
        loss, n, tensors = self.batch_loss(batch)
        if n == 0:
            return 0.0, 0, [None] * len(tensors)
        loss.backward()
        return float(loss.item()), n, [t.grad for t in tensors]

    def n_examples(self, batch):
        """Training examples of ``batch``: skip-gram's (context, centre) pairs, CBOW's
        centres with at least one context word."""
        if not self.sg and batch.prepared is not None:
            return int(np.count_nonzero(batch.prepared.example))
        mask = np.asarray(batch.mask, dtype=bool)
        return int(mask.sum() if self.sg else mask.any(axis=1).sum())

    def row_uses(self, batch):
        """For each parameter, the rows its examples use (one entry per use; padding
        excluded), or None for the full softmax's table (every row, every example)."""
        _, syn1neg, syn1, syn1softmax = self.tables
        used = [batch.contexts[batch.mask] if batch.prepared is None
                else batch.prepared.words]
        if syn1neg is not None:  # each centre uses its group's negatives
            (G, K), B, share = batch.negatives.shape, batch.centres.shape[0], batch.shared
            uses = np.empty(B + G * share * K,
                            dtype=np.result_type(batch.centres, batch.negatives))
            uses[:B] = batch.centres
            uses[B:].reshape(G, share, K)[...] = batch.negatives[:, None, :]
            used.append(uses[:B * (1 + K)])  # a last, short group's missing centres: none
        if syn1 is not None:
            tree = self.tree
            on_path = np.arange(tree.points.shape[1]) < tree.lengths[batch.centres][:, None]
            used.append(tree.points[batch.centres][on_path])
        if syn1softmax is not None:
            used.append(None)
        return used

    def output_probabilities(self, hidden):
        """Probability of every word being the centre, for a hidden vector ``(d,)``:
        the softmax over the negative-sampling (as gensim's ``predict_output_word``) or
        full-softmax output vectors, else the exact Huffman-tree probabilities."""
        _, syn1neg, syn1, syn1softmax = self.tables
        if syn1neg is not None or syn1softmax is not None:
            out = syn1neg if syn1neg is not None else syn1softmax
            scores = out.astype(np.float64) @ hidden
            prob = np.exp(scores - scores.max())
            prob /= prob.sum()
            return prob
        tree = self.tree
        f = syn1.astype(np.float64)[tree.points] @ hidden                # (V, L)
        sign = 1.0 - 2.0 * tree.codes                                    # code 0 → +
        logp = -np.logaddexp(0.0, -sign * f)
        logp *= np.arange(f.shape[1])[None, :] < tree.lengths[:, None]
        return np.exp(logp.sum(axis=1))


def output_tables(n_words, d, *, negative, hs, previous=(None, None, None)):
    """The output tables ``(syn1neg, syn1, syn1softmax)`` of a network of ``n_words``
    words: zeros (float32) for the layers in use (negative sampling when ``negative``,
    hierarchical softmax when ``hs``, else the full softmax), None for the others; the
    rows of ``previous`` tables (a smaller vocabulary) are kept."""
    shapes = (n_words if negative else 0, max(n_words - 1, 1) if hs else 0,
              n_words if not negative and not hs else 0)
    tables = []
    for n_rows, old in zip(shapes, previous, strict=True):
        table = np.zeros((n_rows, d), np.float32) if n_rows else None
        if table is not None and old is not None:
            rows = min(old.shape[0], n_rows)
            table[:rows] = old[:rows]
        tables.append(table)
    return tuple(tables)
