"""Text plumbing for word2vec: corpora, vocabulary, subsampling, windows, Huffman tree and
the negative-sampling distribution.

Nothing here computes a gradient. The estimator streams a :class:`Corpus` once to build a
:class:`Vocabulary` (:func:`scan_vocab`, :meth:`Vocabulary.prepare_vocab`,
:meth:`Vocabulary.prepare_weights`, the stages gensim names so), then once per epoch
through :func:`encoded_chunks` (token ids, with out-of-vocabulary and subsampled tokens
removed) and :func:`centre_batches` (fixed-size runs of centre positions, with enough
neighbouring tokens on both sides that windows are never cut by a batch boundary), and
builds each minibatch's index arrays with :func:`context_matrix` (padded windows) or
:func:`context_lists` (flat).
"""

import heapq
import itertools
import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from operator import itemgetter
from typing import NamedTuple

import numpy as np

__all__ = [
    "Corpus", "HuffmanTree", "NegativeSampler", "VocabScan", "Vocabulary", "centre_batches",
    "check_tokens", "context_lists", "context_matrix", "encoded_chunks", "keep_probabilities",
    "negative_cumulative", "scan_vocab",
]


class Corpus:
    """A re-iterable view of texts as lists of string tokens.

    Parameters
    ----------
    texts : str, os.PathLike or iterable
        A path to a text file (one text per line, read lazily and streamed on every
        pass), or a re-iterable collection (list, tuple, array, pandas Series, or any
        object whose ``__iter__`` starts afresh) of texts. A text is a raw string
        (tokenised with ``tokenizer`` / ``token_pattern``) or a sequence of string
        tokens (used as they are).
    tokenizer : callable or None
        ``tokenizer(text) -> list of str``; overrides ``token_pattern``.
    token_pattern : str or None
        Regular expression whose matches are the tokens of a raw string; None splits on
        whitespace (like gensim's ``LineSentence``).
    lowercase : bool
        Lower-case raw strings before tokenising (as ``CountVectorizer`` does). Token
        sequences are never changed.
    encoding : str
        Encoding of a text file.

    Raises
    ------
    TypeError
        For a one-shot iterator or generator (word2vec reads the corpus once for the
        vocabulary and once per epoch; a generator would be empty after the first pass),
        and for anything not iterable. Iterating raises it for a text that is neither a
        string nor a sequence of tokens.
    FileNotFoundError
        When ``texts`` is a string or path but no such file exists (a single string is
        always read as a path).
    """

    def __init__(self, texts, *, tokenizer=None, token_pattern=None, lowercase=True,
                 encoding="utf-8"):
        self.path = None
        if isinstance(texts, (str, bytes, os.PathLike)):
            path = os.fspath(texts)
            if isinstance(path, bytes):
                path = os.fsdecode(path)
            if not os.path.isfile(path):
                raise FileNotFoundError(
                    f"The corpus path {path!r} is not a file. Pass a path to a text file "
                    "(one text per line), or a list of texts (strings or token lists); a "
                    "single string is read as a path.")
            self.path = path
        elif isinstance(texts, Iterator):
            raise TypeError(
                f"The corpus is a one-shot iterator ({type(texts).__name__}): word2vec reads "
                "it once to build the vocabulary and once more per epoch, and a generator "
                "would be empty after the first pass. Pass a list, a re-iterable object "
                "(whose __iter__ starts afresh), or a path to a text file.")
        elif not isinstance(texts, Iterable):
            raise TypeError(
                "The corpus must be a path to a text file or an iterable of texts (strings "
                f"or token lists), got {type(texts).__name__}.")
        self.texts = texts
        self.tokenizer = tokenizer
        self.token_pattern = token_pattern
        self.lowercase = lowercase
        self.encoding = encoding
        self._regex = re.compile(token_pattern) if token_pattern is not None else None

    @property
    def in_memory(self):
        """Whether the texts are a collection held in memory (a list, tuple, array or
        pandas Series), not a file or a stream that an object re-creates."""
        return self.path is None and (isinstance(self.texts, (Sequence, np.ndarray))
                                      or hasattr(self.texts, "iloc"))

    def _tokenize(self, text):
        if self.lowercase:
            text = text.lower()
        if self.tokenizer is not None:
            return list(self.tokenizer(text))
        if self._regex is not None:
            return self._regex.findall(text)
        return text.split()

    def _raw_texts(self):
        if self.path is not None:
            with open(self.path, encoding=self.encoding) as handle:
                line = 0
                try:
                    for line, text in enumerate(handle, start=1):  # noqa: B007
                        yield text
                except UnicodeDecodeError as err:
                    raise ValueError(
                        f"The corpus file {self.path!s} is not valid {self.encoding} near line "
                        f"{line + 1} ({err.reason}); re-encode it, or pass the texts decoded "
                        "yourself.") from err
        else:
            yield from self.texts

    def __iter__(self):
        """Yield each text as a list of string tokens (validated)."""
        for i, text in enumerate(self._raw_texts()):
            if isinstance(text, str):
                yield self._tokenize(text)
            elif isinstance(text, bytes):
                raise TypeError(f"Text {i} is bytes; decode it to str first.")
            elif isinstance(text, Iterable):
                tokens = text if isinstance(text, list) else list(text)
                yield tokens
            else:
                raise TypeError(
                    f"Text {i} is a {type(text).__name__}; each text must be a string or a "
                    "sequence of string tokens.")


def check_tokens(tokens, i):
    """Raise TypeError unless every token of text ``i`` is a string."""
    for token in tokens:
        if not isinstance(token, str):
            raise TypeError(
                f"Text {i} holds a token of type {type(token).__name__} ({token!r}); tokens "
                "must be strings.")


def _word_chunks(texts, words):
    """``(texts, n)``: lists of consecutive texts holding ``n >= words`` tokens together
    (the last may hold fewer): a stream cut into pieces of bounded size, whatever the
    texts' lengths; ``words=0``: every text (an empty one too) alone."""
    chunk, n = [], 0
    for tokens in texts:
        chunk.append(tokens)
        n += len(tokens)
        if n >= words:
            yield chunk, n
            chunk, n = [], 0
    if chunk:
        yield chunk, n


class VocabScan(NamedTuple):
    """What one pass over a corpus counted (:func:`scan_vocab`)."""

    counts: Counter
    doc_freq: Counter
    n_texts: int
    total_words: int


def scan_vocab(corpus, max_vocab_size=None):
    """Count words and document frequencies in one pass over ``corpus`` (gensim's
    ``scan_vocab`` stage).

    With ``max_vocab_size``, whenever more distinct words than that are held, words with a
    count below a threshold (1 at first, growing by one each time) are dropped, as
    gensim's ``scan_vocab`` does, bounding memory.

    Returns
    -------
    VocabScan
        ``(counts, doc_freq, n_texts, total_words)``.

    Raises
    ------
    ValueError
        For a corpus without any text or without any token.
    """
    counts, doc_freq = Counter(), Counter()
    n_texts = total_words = 0
    min_reduce = 1
    chain = itertools.chain.from_iterable
    # Counted a chunk of texts at a time: one Counter.update over all its tokens, one over
    # each text's distinct words (a third less time than two updates per text); with
    # max_vocab_size, a text at a time (the pruning follows every text, as gensim's does).
    for texts, n_words in _word_chunks(corpus, 0 if max_vocab_size is not None else 16384):
        before = len(counts)
        try:
            counts.update(chain(texts))
            # every token is checked once, when it is new: a new key goes to the end
            clean = set(map(type, itertools.islice(reversed(counts), len(counts) - before)))
            clean = clean <= {str}
        except TypeError:  # an unhashable token
            clean = False
        if not clean:  # name the text (str subclasses pass)
            for i, tokens in enumerate(texts, start=n_texts):
                check_tokens(tokens, i)
        doc_freq.update(chain(map(set, texts)))
        total_words += n_words
        n_texts += len(texts)
        if max_vocab_size is not None and len(counts) > max_vocab_size:
            for word in [w for w, c in counts.items() if c < min_reduce]:
                del counts[word]
                doc_freq.pop(word, None)
            min_reduce += 1
    if n_texts == 0:
        raise ValueError("The corpus is empty: it holds no text.")
    if total_words == 0:
        raise ValueError(f"The corpus holds {n_texts} text(s) but no token at all "
                         "(check tokenizer / token_pattern).")
    return VocabScan(counts, doc_freq, n_texts, total_words)


class Vocabulary:
    """The words kept for training, most frequent first, with their statistics.

    Built in gensim's stages: :func:`scan_vocab` counts a corpus, :meth:`prepare_vocab`
    keeps the words reaching the effective ``min_count``, :meth:`prepare_weights` draws
    their initial vectors; :meth:`update` adds a further corpus (gensim's
    ``build_vocab(update=True)``).

    Parameters
    ----------
    index_to_key : list of str
    counts : array-like of shape (n_words,)
    doc_freq : array-like of shape (n_words,)
        Number of texts containing each word (for tf-idf weighting).
    n_texts : int
        Texts read in all.
    effective_min_count : int
        Least count of a word kept (``min_count`` raised by ``max_final_vocab``).
    """

    def __init__(self, index_to_key, counts, doc_freq, n_texts, effective_min_count):
        self.index_to_key = list(index_to_key)
        self.key_to_index = {w: i for i, w in enumerate(self.index_to_key)}
        self.counts = np.asarray(counts, dtype=np.int64)
        self.doc_freq = np.asarray(doc_freq, dtype=np.int64)
        self.n_texts = int(n_texts)
        self.effective_min_count = int(effective_min_count)

    def __len__(self):
        return len(self.index_to_key)

    @classmethod
    def prepare_vocab(cls, scan, min_count, max_final_vocab=None):
        """The vocabulary of the words of ``scan`` kept for training, most frequent first
        (ties in first-seen order).

        ``max_final_vocab`` raises the effective ``min_count`` just enough to keep at
        most that many words (gensim's rule: one more than the count of the first word
        beyond the cap).

        Raises
        ------
        ValueError
            When no word is kept.
        """
        effective = min_count
        if max_final_vocab is not None and max_final_vocab < len(scan.counts):
            counts = np.fromiter(scan.counts.values(), dtype=np.int64, count=len(scan.counts))
            counts.sort()  # the count of the word ranked max_final_vocab (from 0), down
            effective = max(min_count, int(counts[-1 - max_final_vocab]) + 1)
        # only the kept words sorted (often a small part); reverse=True keeps the sort
        # stable: ties stay in first-seen order
        kept = sorted(((w, c) for w, c in scan.counts.items() if c >= effective),
                      key=itemgetter(1), reverse=True)
        if not kept:
            word, count = scan.counts.most_common(1)[0]
            raise ValueError(
                f"No word occurs at least min_count={effective} times (the most frequent, "
                f"{word!r}, occurs {count} time(s) in {scan.total_words} tokens); lower "
                "min_count or give a larger corpus.")
        return cls([w for w, _ in kept], [c for _, c in kept],
                   [scan.doc_freq[w] for w, _ in kept], scan.n_texts, effective)

    def prepare_weights(self, vector_size, rng, start=0):
        """Initial vectors of the words ``start:``, float32, drawn from ``rng`` uniformly
        in ``[-1/d, 1/d)`` (gensim 4's initialisation), one row per word in order."""
        n = len(self) - start
        vectors = rng.random_sample((n, vector_size)).astype(np.float32)
        vectors *= 2.0
        vectors -= 1.0
        vectors /= vector_size
        return vectors

    def update(self, scan):
        """Add the counts of a further corpus, and its new words that reach the effective
        ``min_count`` in it (appended, most frequent first); returns how many are new."""
        counts, doc_freq = self.counts.copy(), self.doc_freq.copy()
        new = []
        for word, count in sorted(scan.counts.items(), key=lambda kv: -kv[1]):
            index = self.key_to_index.get(word)
            if index is not None:
                counts[index] += count
            elif count >= self.effective_min_count:
                new.append((word, count))
        for word, index in self.key_to_index.items():
            doc_freq[index] += scan.doc_freq.get(word, 0)
        for word, _ in new:
            self.key_to_index[word] = len(self.index_to_key)
            self.index_to_key.append(word)
        self.counts = np.concatenate([counts, [c for _, c in new]]).astype(np.int64)
        self.doc_freq = np.concatenate([doc_freq, [scan.doc_freq[w] for w, _ in new]]
                                       ).astype(np.int64)
        self.n_texts += scan.n_texts
        return len(new)


def keep_probabilities(counts, sample):
    """word2vec.c's subsampling: probability of keeping each occurrence of a word.

    With ``T = sample · Σ counts`` (for ``0 < sample < 1``) the keep probability of a word
    of count ``c`` is ``min(1, (sqrt(c / T) + 1) · T / c)``; ``sample = 0`` keeps
    everything. (gensim reads ``sample >= 1`` as an absolute threshold count, kept here.)

    Parameters
    ----------
    counts : ndarray of shape (n_words,)
    sample : float

    Returns
    -------
    ndarray of shape (n_words,), float64
    """
    counts = np.asarray(counts, dtype=np.float64)
    if not sample or counts.size == 0:
        return np.ones(counts.shape)
    total = counts.sum()
    threshold = sample * total if sample < 1.0 else float(int(sample * (3 + np.sqrt(5)) / 2))
    return np.minimum(1.0, (np.sqrt(counts / threshold) + 1.0) * threshold / counts)


def negative_cumulative(counts, ns_exponent):
    """Cumulative distribution of ``counts ** ns_exponent``, normalised to end at 1."""
    weights = np.asarray(counts, dtype=np.float64) ** ns_exponent
    cum = np.cumsum(weights)
    return cum / cum[-1]


class NegativeSampler:
    """Draws word ids with probability proportional to ``count ** ns_exponent``
    (word2vec's noise distribution for negative sampling).

    Each draw is the first word whose cumulative probability exceeds a uniform number,
    exactly what a binary search of the cumulative table finds, but located through a
    guide table (Chen and Asau's indexed search): the uniform number's bucket among
    ``4 · n_words`` equal buckets gives the first candidate, usually the answer or a step
    before it. That costs a few vectorised passes instead of a search per draw.

    Parameters
    ----------
    counts : ndarray of shape (n_words,)
    ns_exponent : float
    """

    def __init__(self, counts, ns_exponent):
        self.cum = negative_cumulative(counts, ns_exponent)
        n_buckets = 4 * self.cum.shape[0]
        self._edges = np.arange(n_buckets) / n_buckets
        # first word whose cumulative probability exceeds each bucket's lower edge
        self._guide = np.searchsorted(self.cum, self._edges, side="right")

    def sample(self, size, rng):
        """Draw an int32 array of word ids of shape ``size`` using ``rng``."""
        uniform = rng.random_sample(size).reshape(-1)
        n_buckets = self._edges.shape[0]
        bucket = np.minimum((uniform * n_buckets).astype(np.intp), n_buckets - 1)
        bucket -= self._edges[bucket] > uniform  # rounding may overshoot by one bucket
        draws = self._guide[bucket]
        behind = self.cum[draws] <= uniform
        for _ in range(3):
            if not behind.any():
                break
            draws += behind
            behind = self.cum[draws] <= uniform
        else:  # the few still short (many rare words in one bucket): a binary search
            rest = np.flatnonzero(behind)
            draws[rest] = np.searchsorted(self.cum, uniform[rest], side="right")
        np.minimum(draws, self.cum.shape[0] - 1, out=draws)
        return draws.astype(np.int32).reshape(size)


class HuffmanTree:
    """Huffman coding of a vocabulary for hierarchical softmax.

    Leaves are the words; the ``n_words − 1`` inner nodes are numbered in creation order,
    so the root is ``n_words − 2``. A word's path goes from the root down to its leaf:
    ``points[w, :lengths[w]]`` are the inner nodes on it and ``codes[w, :lengths[w]]`` the
    branch taken at each (0 or 1). Frequent words get short codes; the expected code
    length ``Σ p_w · len_w`` is minimal.

    Parameters
    ----------
    counts : ndarray of shape (n_words,)

    Attributes
    ----------
    points : ndarray of shape (n_words, max_length), int32 (0-padded)
    codes : ndarray of shape (n_words, max_length), int8 (0-padded)
    lengths : ndarray of shape (n_words,), int32
    """

    def __init__(self, counts):
        counts = np.asarray(counts, dtype=np.int64)
        n = counts.shape[0]
        parent = np.full(max(2 * n - 1, 1), -1, dtype=np.int64)
        branch = np.zeros(max(2 * n - 1, 1), dtype=np.int8)
        heap = [(int(c), i) for i, c in enumerate(counts)]
        heapq.heapify(heap)
        next_id = n
        while len(heap) > 1:
            c1, a = heapq.heappop(heap)
            c2, b = heapq.heappop(heap)
            parent[a], branch[a] = next_id, 0
            parent[b], branch[b] = next_id, 1
            heapq.heappush(heap, (c1 + c2, next_id))
            next_id += 1
        paths = []
        for w in range(n):
            nodes, bits, node = [], [], w
            while parent[node] >= 0:
                nodes.append(parent[node] - n)
                bits.append(branch[node])
                node = parent[node]
            paths.append((nodes[::-1], bits[::-1]))
        max_len = max((len(p) for p, _ in paths), default=0)
        self.points = np.zeros((n, max(max_len, 1)), dtype=np.int32)
        self.codes = np.zeros((n, max(max_len, 1)), dtype=np.int8)
        self.lengths = np.zeros(n, dtype=np.int32)
        for w, (nodes, bits) in enumerate(paths):
            self.points[w, :len(nodes)] = nodes
            self.codes[w, :len(bits)] = bits
            self.lengths[w] = len(nodes)

    @property
    def n_inner(self):
        return max(self.points.shape[0] - 1, 0)


def encoded_chunks(corpus, key_to_index, keep_prob, rng, chunk_words=16384, cache=None):
    """Stream the corpus as token ids, out-of-vocabulary and subsampled tokens removed.

    Parameters
    ----------
    corpus : Corpus
    key_to_index : dict
    keep_prob : ndarray of shape (n_words,) or None
        Subsampling: the probability of keeping each word (None keeps all).
    rng : numpy.random.RandomState
    chunk_words : int, default=16384
        Chunks end at the first text end after this many tokens.
    cache : dict or None, default=None
        For a corpus held in memory: a complete pass stores its encoded chunks (before
        subsampling, about 4 bytes a token) in ``cache["chunks"]``, and later passes read
        them instead of the corpus. The chunks and random draws are the same either way.

    Yields
    ------
    tokens : ndarray of int32
        Ids of the kept tokens of consecutive texts.
    text_ids : ndarray of int64
        The (running) number of the text each token belongs to.
    raw_positions : ndarray of int64
        For each kept token, the number of tokens read up to and including it in this
        pass, dropped ones included (the progress of training at that token).
    """
    if cache is not None and "chunks" in cache:
        for chunk in cache["chunks"]:
            yield _subsample(*chunk, keep_prob, rng)
        return
    done = []
    for chunk in _encode(corpus, key_to_index, chunk_words):
        if cache is not None:
            done.append(chunk)
        yield _subsample(*chunk, keep_prob, rng)
    if cache is not None:  # only a whole pass is kept
        cache["chunks"] = done


def _encode(corpus, key_to_index, chunk_words):
    """Chunks of the corpus as ``(ids (-1 out of vocabulary), text lengths, number of the
    first text, tokens before the chunk)``."""
    get = key_to_index.get
    unknown = itertools.repeat(-1)
    ids, lens = [], []  # the chunk's ids, flat, and its texts' lengths
    raw_before = text_id = 0

    def flush():
        return (np.array(ids, dtype=np.int32), np.array(lens, dtype=np.int64),
                text_id - len(lens), raw_before)

    for tokens in corpus:
        ids.extend(map(get, tokens, unknown))  # get(token, -1), looped in C
        lens.append(len(tokens))
        text_id += 1
        if len(ids) >= chunk_words:
            yield flush()
            raw_before += len(ids)
            ids, lens = [], []
    if lens:
        yield flush()


def _subsample(ids, lens, first_text, raw_before, keep_prob, rng):
    tid = np.repeat(np.arange(first_text, first_text + lens.shape[0], dtype=np.int64), lens)
    keep = ids >= 0
    if keep_prob is not None:
        draws = rng.random_sample(ids.shape[0])
        keep &= draws < keep_prob[np.maximum(ids, 0)]
    raw = np.arange(raw_before + 1, raw_before + ids.shape[0] + 1, dtype=np.int64)
    return ids[keep], tid[keep], raw[keep]


def centre_batches(chunks, batch_words, window, *, every_progress=False):
    """Cut a stream of encoded chunks into batches of ``batch_words`` centre positions.

    Each batch carries the tokens around its centres (up to ``window`` on each side, from
    the neighbouring batches), so windows of a long text are never cut.

    Yields
    ------
    tokens, text_ids : ndarray
        The batch's tokens with their context margins.
    start, stop : int
        Centres are positions ``start:stop`` of ``tokens``.
    raw_words : int, or ndarray of int with ``every_progress``
        Progress: tokens read up to the batch's last centre (with ``every_progress``, up
        to each of its centres), dropped ones included.
    """
    buf_tok = np.zeros(0, dtype=np.int32)
    buf_tid = np.zeros(0, dtype=np.int64)
    buf_raw = np.zeros(0, dtype=np.int64)
    lookbehind = 0
    exhausted = False
    chunks = iter(chunks)
    while True:
        while not exhausted and buf_tok.shape[0] - lookbehind < batch_words + window:
            try:
                ids, tid, raw = next(chunks)
            except StopIteration:
                exhausted = True
                break
            buf_tok = np.concatenate([buf_tok, ids])
            buf_tid = np.concatenate([buf_tid, tid])
            buf_raw = np.concatenate([buf_raw, raw])
        available = buf_tok.shape[0] - lookbehind
        if available <= 0:
            return
        n_centres = min(batch_words, available)
        stop = lookbehind + n_centres
        end = min(stop + window, buf_tok.shape[0])
        raw = buf_raw[lookbehind:stop] if every_progress else int(buf_raw[stop - 1])
        yield buf_tok[:end], buf_tid[:end], lookbehind, stop, raw
        cut = max(stop - window, 0)
        buf_tok, buf_tid, buf_raw = buf_tok[cut:], buf_tid[cut:], buf_raw[cut:]
        lookbehind = stop - cut


def _window_bounds(text_ids, start, stop, radius):
    """The positions of the centres ``start:stop`` and the offsets ``low <= 0 <= high``
    of the first and last context word of each: its radius, cut at its text's ends."""
    centres = np.arange(start, stop)
    # Text numbers never decrease along the stream, so each text is one run of positions
    # first..last: a centre's window is the offsets in [max(-radius, first - c),
    # min(radius, last - c)] (no (B, 2·window) gather; numbering the runs takes a few
    # passes, where two binary searches per centre took 4x longer)
    n = text_ids.shape[0]
    starts = np.empty(n, dtype=bool)
    starts[:1] = True
    np.not_equal(text_ids[1:], text_ids[:-1], out=starts[1:])
    first = np.flatnonzero(starts)                       # each run's first position
    last = np.append(first[1:], n) - 1
    run = np.cumsum(starts[:stop]) - 1                   # each position's run
    low = first[run[start:]] - centres
    high = last[run[start:]] - centres
    radius = np.asarray(radius)
    np.maximum(low, -radius, out=low)
    np.minimum(high, radius, out=high)
    return centres, low, high


def context_matrix(text_ids, start, stop, window, radius):
    """Context positions of the centres ``start:stop`` as a padded matrix.

    Parameters
    ----------
    text_ids : ndarray of shape (n,)
        Text number of every position (windows never cross texts).
    start, stop : int
        The centre positions.
    window : int
        Largest radius.
    radius : ndarray of shape (stop - start,)
        Effective radius of each centre, in ``1..window``.

    Returns
    -------
    positions : ndarray of shape (n_centres, 2 * window), int64
        Context positions (clipped to valid indices where masked out).
    mask : ndarray of shape (n_centres, 2 * window), bool
        Which entries are real context words.
    """
    offsets = np.concatenate([np.arange(-window, 0), np.arange(1, window + 1)])
    centres, low, high = _window_bounds(text_ids, start, stop, radius)
    mask = offsets >= low[:, None]
    mask &= offsets <= high[:, None]
    positions = centres[:, None] + offsets
    np.clip(positions, 0, text_ids.shape[0] - 1, out=positions)
    return positions, mask


def context_lists(text_ids, start, stop, radius):
    """Context positions of the centres ``start:stop`` as flat lists, without padding:
    the entries of :func:`context_matrix`'s mask, in its order, built from each window's
    bounds without the padded matrix.

    Parameters
    ----------
    text_ids, start, stop, radius
        As for :func:`context_matrix`.

    Returns
    -------
    positions : ndarray of int, shape (n,)
        Centre ``b``'s context positions are ``positions[offsets[b]:offsets[b + 1]]``,
        in increasing order.
    offsets : ndarray of int, shape (n_centres + 1,)
    """
    centres, low, high = _window_bounds(text_ids, start, stop, radius)
    count = high - low                          # the window's positions but the centre
    offsets = np.zeros(count.shape[0] + 1, dtype=np.intp)
    np.cumsum(count, out=offsets[1:])
    # entry k of centre b is at centre + low + (k - offsets[b]), one further from the
    # centre on
    positions = np.arange(offsets[-1], dtype=np.intp)
    positions += np.repeat(centres + low - offsets[:-1], count)
    positions += positions >= np.repeat(centres, count)
    return positions, offsets
