"""The word2vec learning problem handed to the training loop: the batch stream of a
corpus and the batch loss of a :class:`~sklearn_deep.nn.word2vec.Word2VecNetwork`.

Built from the network, the data (corpus and vocabulary) and :class:`Word2VecSettings`;
it follows :func:`sklearn_deep.training.train_epochs`'s contract (``params``,
``n_samples``, ``batches``, ``loss_and_grads``, ``batch_fraction``). Each epoch the corpus
is streamed (:mod:`._text`): tokens become ids, unknown and subsampled tokens are
dropped, and the stream is cut into batches of ``batch_words`` centre positions, each
with a dynamic window radius, its context words (skip-gram: a padded matrix; CBOW: flat
lists) and its negatives (prepared for 16 batches at a time: NumPy's cost per call, not
per element, dominates at one batch's size). With negatives shared by several CBOW
centres, a batch lists its centres in an order that puts the centres of a group far
apart in the text (:func:`_spread_groups`).

Its :attr:`~Word2VecProblem.gradient_transform`, a :class:`~sklearn_deep.optim.transforms.
RowDamping` with ``cap = 1 / alpha``, goes into the optimizer: a row used by more than
``1 / alpha`` examples of one batch has its summed update scaled down to ``1 / alpha``
contributions (the gradients of a batch are all taken at the same parameters, and summing
hundreds of them for one row overshoots where sequential SGD would not; it diverged with
``sample=0`` on a small vocabulary).
"""

import time
from dataclasses import dataclass

import numpy as np

from ..engine import no_grad
from ..nn.word2vec import Word2VecBatch, cbow_arrays
from ..optim.transforms import RowDamping
from ._text import (
    NegativeSampler,
    centre_batches,
    context_lists,
    context_matrix,
    encoded_chunks,
    keep_probabilities,
)

__all__ = ["Word2VecProblem", "Word2VecSettings"]

# Largest score matrix (elements) one full-softmax minibatch may build.
_SOFTMAX_BUDGET = 1 << 22
# Batches whose index arrays are prepared together.
_PREPARED = 16


@dataclass
class Word2VecSettings:
    """How the corpus is turned into batches, and the learning rate the damping follows.

    Attributes
    ----------
    window : int
        Largest distance between a centre and a context word.
    batch_words : int
        Centre words per batch (capped for a full softmax, see :class:`Word2VecProblem`).
    alpha : float
        Initial learning rate; the row damping's cap is ``1 / alpha``.
    sample : float, default=0.0
        Subsampling threshold (0 keeps every token).
    shrink_windows : bool, default=False
        Draw each centre's radius uniformly in ``1..window``.
    negative : int, default=0
        Negatives drawn per group of ``shared_negatives`` centres.
    shared_negatives : int, default=1
        Consecutive centres sharing one draw of negatives.
    ns_exponent : float, default=0.75
        Negatives are drawn proportionally to ``count ** ns_exponent``.
    verbose : bool, default=False
        Print progress (words/s, time left) about once a second.
    n_epochs : int, default=1
        Epochs of the run (for the progress line).
    """

    window: int
    batch_words: int
    alpha: float
    sample: float = 0.0
    shrink_windows: bool = False
    negative: int = 0
    shared_negatives: int = 1
    ns_exponent: float = 0.75
    verbose: bool = False
    n_epochs: int = 1


class Word2VecProblem:
    """Train ``model`` on ``corpus`` (see the module docstring).

    Parameters
    ----------
    model : Word2VecNetwork
        The network; its tables are :attr:`params`.
    corpus : Corpus
        Re-iterable texts as token lists.
    vocabulary : object
        ``key_to_index`` (dict) and ``counts`` (ndarray) of the model's words.
    total_words : int
        Tokens of the corpus (samples of one epoch, and the progress's denominator).
    settings : Word2VecSettings
    """

    def __init__(self, model, corpus, vocabulary, total_words, settings):
        self.model = model
        self.corpus = corpus
        self.key_to_index = vocabulary.key_to_index
        self.settings = settings
        self.total_words = max(int(total_words), 1)
        self.n_samples = int(total_words)
        counts = vocabulary.counts
        self.keep = keep_probabilities(counts, settings.sample) if settings.sample else None
        self.noise = (NegativeSampler(counts, settings.ns_exponent) if settings.negative
                      else None)
        self.batch_words = settings.batch_words
        if model.tables[3] is not None:  # full softmax: bound the score matrix
            per_centre = (2 * settings.window if model.sg else 1) * len(counts)
            self.batch_words = max(1, min(self.batch_words, _SOFTMAX_BUDGET // per_centre))
        self.gradient_transform = RowDamping(1.0 / settings.alpha)
        self._epoch = 0
        self.examples_per_epoch = []  # training examples of each epoch's batches
        # texts held in memory are encoded once, not once per epoch
        self._encoded = {} if getattr(corpus, "in_memory", False) else None

    @property
    def params(self):
        """list of ndarray : The network's tables, updated in place."""
        return self.model.params

    def batches(self, rng):
        """The :class:`Word2VecBatch` es of one epoch, drawing windows, subsampling and
        negatives from ``rng``."""
        s = self.settings
        chunks = encoded_chunks(self.corpus, self.key_to_index, self.keep, rng,
                                cache=self._encoded)
        started = last = time.perf_counter()
        self._epoch += 1
        self.examples_per_epoch.append(0)
        size = self.batch_words
        # Batches are prepared _PREPARED at a time: the windows, masks and negatives of
        # many batches in one pass each (at one batch's size NumPy's cost per call, not
        # per element, dominates); the batches are the same runs of centres.
        for tokens, text_ids, start, stop, raw in centre_batches(
                chunks, _PREPARED * size, s.window, every_progress=True):
            n = stop - start
            radius = (rng.randint(1, s.window + 1, size=n) if s.shrink_windows
                      else np.full(n, s.window))
            centres = tokens[start:stop]
            contexts = mask = prepared = None
            if self.model.sg:
                positions, mask = context_matrix(text_ids, start, stop, s.window, radius)
                contexts = tokens[positions]
            else:  # flat context lists, without the padded matrix
                positions, offsets = context_lists(text_ids, start, stop, radius)
                if s.negative and s.shared_negatives > 1:  # groups of negatives only
                    order = _spread_groups(n, size, s.shared_negatives)
                    centres = centres[order]
                    positions, offsets = _reorder_lists(positions, offsets, order)
            firsts = range(0, n, size)
            groups = [-(-min(size, n - first) // s.shared_negatives) for first in firsts]
            negatives = (self.noise.sample((sum(groups), s.negative), rng) if s.negative
                         else None)
            if not self.model.sg:  # each centre's group: its batch's first, then in batch
                first_group = np.cumsum(groups) - groups
                at = np.arange(n)
                prepared = cbow_arrays(centres, tokens[positions], offsets, negatives,
                                       first_group[at // size]
                                       + at % size // s.shared_negatives,
                                       self.params[0].dtype)
            self.examples_per_epoch[-1] += self.model.n_examples(
                Word2VecBatch(centres, contexts, mask, prepared=prepared))
            group = 0
            for first, n_groups in zip(firsts, groups, strict=True):
                cut = slice(first, min(first + size, n))
                yield Word2VecBatch(
                    centres[cut], None if contexts is None else contexts[cut],
                    None if mask is None else mask[cut],
                    None if negatives is None else negatives[group:group + n_groups],
                    int(raw[cut.stop - 1]), s.shared_negatives,
                    None if prepared is None else prepared[cut])
                group += n_groups
                if s.verbose:
                    now = time.perf_counter()
                    if now - last >= 1.0:
                        last = now
                        self._progress(int(raw[cut.stop - 1]), now - started)

    def _progress(self, raw, elapsed):
        n_epochs = self.settings.n_epochs
        done = (self._epoch - 1 + raw / self.total_words) / n_epochs
        speed = raw / elapsed if elapsed > 0 else float("nan")
        left = (1 - done) * n_epochs * self.total_words / speed if speed > 0 else 0
        print(f"Epoch {self._epoch}/{n_epochs}: {100 * raw / self.total_words:.1f}% of "
              f"words, {speed:,.0f} words/s, about {left:.0f} s left")

    def batch_fraction(self, batch):
        """Fraction of the epoch done after ``batch``."""
        return min(batch.raw_words / self.total_words, 1.0)

    def count_uses(self, batch):
        """Tell the gradient transform which rows ``batch`` uses (before its step)."""
        self.gradient_transform.count_uses(self.model.row_uses(batch),
                                           [p.shape for p in self.params])

    def loss_and_grads(self, batch):
        """Mean loss per example, number of examples, gradients (summed over examples)."""
        loss, n, grads = self.model.loss_and_grads(batch)
        if n == 0:
            return 0.0, 0, grads
        self.count_uses(batch)
        return loss / n, n, grads

    # ------------------------------------------------------ for worker processes
    def gradient_rows(self):
        """Per table, the most entries of one batch's uncoalesced gradient: every context
        slot, every group's rows and every Huffman path node of its centres."""
        s = self.settings
        groups = -(-self.batch_words // s.shared_negatives)
        rows = groups * s.shared_negatives
        tree = self.model.tree
        path = tree.points.shape[1] if tree is not None else 0
        n = rows * (2 * s.window + path)
        if s.negative:
            n += groups * (s.shared_negatives + s.negative)
        return [n] * len(self.params)

    def batch_gradients(self, batch):
        """Summed loss, example count and gradients of ``batch`` (no use counted)."""
        return self.model.loss_and_grads(batch)

    def mean_loss(self, rng):
        """Mean loss per example over one epoch, without any update."""
        total, weight = 0.0, 0
        with no_grad():
            for batch in self.batches(rng):
                loss, n, _ = self.model.batch_loss(batch, requires_grad=False)
                total += float(loss.item())
                weight += n
        return total / weight if weight else 0.0


def _spread_groups(n, size, share):
    """An order of ``n`` consecutive centres, batch by batch (``size`` centres each), in
    which the ``share`` centres of each group of consecutive ones lie about
    ``size / share`` apart in the text: centre ``j`` of a batch of ``L`` goes to group
    ``j % ceil(L / share)``.

    Neighbouring centres have almost the same context words: with one draw of negatives
    shared by them, each negative row got two nearly equal updates at once. Spreading
    the groups brought CBOW's analogy accuracy on the prose corpus back into gensim's
    seed-to-seed range with 2 centres a group (4 seeds: 0.112 [0.108, 0.113] against
    gensim's 0.111 [0.110, 0.113]; 0.105 [0.102, 0.115] with neighbours), at the same
    speed.
    """
    order = np.empty(n, dtype=np.intp)
    for first in range(0, n, size):
        length = min(size, n - first)
        groups = -(-length // share)
        order[first:first + length] = first + np.argsort(np.arange(length) % groups,
                                                         kind="stable")
    return order


def _reorder_lists(positions, offsets, order):
    """Flat lists (``positions[offsets[b]:offsets[b + 1]]`` for list ``b``) with the lists
    taken in the order ``order``."""
    count = np.diff(offsets)[order]
    new_offsets = np.zeros(order.shape[0] + 1, dtype=np.intp)
    np.cumsum(count, out=new_offsets[1:])
    source = np.arange(new_offsets[-1], dtype=np.intp)
    source += np.repeat(offsets[:-1][order] - new_offsets[:-1], count)
    return positions[source], new_offsets
