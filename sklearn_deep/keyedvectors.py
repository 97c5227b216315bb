"""Keyed word vectors — a drop-in for gensim's ``KeyedVectors`` — and the word2vec files.

:class:`KeyedVectors` is the ``wv`` object of
:class:`~sklearn_deep.estimators.Word2VecTransformer`, and it also loads vectors trained
elsewhere (``KeyedVectors.load_word2vec_format``) without any training. Its methods take
the arguments of gensim 4's ``KeyedVectors`` in the same positions, with the same defaults
and return conventions (lists of ``(key, float)`` pairs; an ndarray for ``topn=None``).

The word2vec files are those of the original C tool (Mikolov et al., 2013):

- a header line ``"<n_words> <vector_size>\\n"`` (UTF-8), absent in GloVe-style files
  (``no_header=True`` / ``write_header=False``);
- text: one line per word, ``word v1 v2 … vd\\n``;
- binary: ``word`` + a space + ``d`` little-endian float32 values; gensim writes nothing
  after the values, the C tool writes ``\\n``; the reader accepts both (it strips newlines
  before each word);
- a file name ending in ``.gz`` or ``.bz2`` is (de)compressed on the fly;
- the optional vocabulary file (``fvocab``, the C tool's ``-save-vocab``) holds
  ``word count`` lines.

Examples
--------
>>> import numpy as np
>>> from sklearn_deep import KeyedVectors
>>> kv = KeyedVectors(np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0]]), ["cat", "dog", "car"])
>>> kv.most_similar("cat", topn=2)
[('dog', 0.8...), ('car', 0.0)]
>>> kv.distance("cat", "cat")
0.0
>>> kv.rank("cat", "car")
2
"""

import bz2
import gzip
import os
import pickle
import warnings
from numbers import Integral

import numpy as np
from scipy import optimize, sparse, stats
from scipy.spatial.distance import cdist

__all__ = ["KeyedVectors"]

_KEY_TYPES = (str, Integral)


def _unit_rows(vectors):
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms


def _unit(vector):
    norm = np.linalg.norm(vector)
    return vector / norm if norm > 0 else vector


def _as_items(value):
    """A key, a vector, a 2-D array of vectors (one per row) or a list of them -> list."""
    if value is None:
        return []
    if isinstance(value, _KEY_TYPES):
        return [value]
    if isinstance(value, np.ndarray):
        if value.ndim == 1:
            return [value]
        if value.ndim == 2:
            return list(value)
        raise ValueError(f"Expected a vector or a 2-D array of vectors, got shape {value.shape}")
    return list(value)


def _open(fname, mode):
    """Open ``fname`` in binary ``mode``, (de)compressing ``.gz`` and ``.bz2`` files."""
    name = os.fspath(fname)
    if name.endswith(".gz"):
        return gzip.open(name, mode)
    if name.endswith(".bz2"):
        return bz2.open(name, mode)
    return open(name, mode)


class KeyedVectors:
    """Word vectors looked up by word, with gensim's ``KeyedVectors`` API.

    Parameters
    ----------
    vectors : ndarray of shape (n_words, vector_size) or int
        One row per word, kept and not copied (the estimator trains these very arrays).
        An int is a ``vector_size`` and makes an empty instance, as gensim's
        ``KeyedVectors(vector_size)``; fill it with :meth:`add_vectors`.
    index_to_key : list of str, optional
        The key of each row (required with an array).
    counts : array-like of shape (n_words,), optional
        Corpus counts, stored as the ``"count"`` attribute (:meth:`get_vecattr`).
    dtype : dtype, default=float32
        The dtype of an empty instance's vectors.

    Attributes
    ----------
    vectors : ndarray of shape (n_words, vector_size)
    index_to_key : list of str
    key_to_index : dict of str to int
    vector_size : int
    expandos : dict of str to ndarray
        Per-key attributes (``"count"``, …) read by :meth:`get_vecattr`.

    See Also
    --------
    sklearn_deep.estimators.Word2VecTransformer : trains vectors; its ``wv`` is this class.

    Notes
    -----
    Deliberate differences from gensim:

    - similarities are Python floats computed in double precision (gensim returns float32
      numbers), so ``distance(w, w)`` is exactly 0; zero vectors have similarity 0 to
      everything (gensim gives nan);
    - vectors passed to :meth:`most_similar_cosmul` are unit-normalised (3CosMul is defined
      on cosines; gensim takes raw dot products with them) and its ``restrict_vocab`` is
      applied (gensim ignores it);
    - :meth:`evaluate_word_analogies` with ``case_insensitive`` skips the case variants of
      the question words wherever they rank (gensim looks only at the top 5);
    - files loaded without ``fvocab`` carry no ``"count"`` attribute (gensim invents
      descending counts); a repeated word leaves no empty extra key (gensim leaves a
      ``None`` key with a zero vector);
    - mutations (:meth:`add_vectors`, ``kv[key] = vector``) refresh the cached norms;
      :meth:`get_vector` returns a copy rather than a read-only view;
    - :meth:`wmdistance` needs only SciPy (gensim needs POT) and returns 0.0, not inf,
      when all the words' vectors coincide;
    - the constructor also takes an array and its keys; ``KeyedVectors(vector_size)``
      works, without gensim's preallocated empty slots;
    - :meth:`save` pickles this class and does not read gensim's ``.save`` files
      (exchange vectors through the word2vec format instead).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_deep import KeyedVectors
    >>> kv = KeyedVectors(2)
    >>> kv.add_vectors(["king", "queen", "man", "woman"],
    ...                np.array([[0.9, 0.8], [0.9, 0.1], [0.3, 0.9], [0.3, 0.2]]))
    >>> kv.most_similar(positive=["queen", "man"], negative=["woman"], topn=1)
    [('king', 0.99...)]
    """

    def __init__(self, vectors, index_to_key=None, counts=None, *, dtype=np.float32):
        if isinstance(vectors, Integral):
            if index_to_key not in (None, 0):
                raise ValueError("Preallocated empty slots are not supported: build with "
                                 "KeyedVectors(vector_size) and fill with add_vectors.")
            vectors, index_to_key = np.zeros((0, int(vectors)), dtype=dtype), []
        if index_to_key is None:
            raise TypeError("index_to_key is required with an array of vectors")
        vectors = np.asarray(vectors)
        if vectors.ndim != 2 or vectors.shape[0] != len(index_to_key):
            raise ValueError(f"vectors of shape {vectors.shape} do not match "
                             f"{len(index_to_key)} keys")
        self.vectors = vectors
        self.index_to_key = list(index_to_key)
        self.key_to_index = {w: i for i, w in enumerate(self.index_to_key)}
        if len(self.key_to_index) != len(self.index_to_key):
            raise ValueError("index_to_key holds duplicate keys")
        self.expandos = {}
        if counts is not None:
            self.counts = counts
        self._norm_cache = None

    # ------------------------------------------------------------ lookups
    @property
    def vector_size(self):
        return self.vectors.shape[1]

    @property
    def counts(self):
        """ndarray of int64 or None : The ``"count"`` attribute of each key."""
        return self.expandos.get("count")

    @counts.setter
    def counts(self, value):
        if value is None:
            self.expandos.pop("count", None)
            return
        value = np.asarray(value, dtype=np.int64)
        if value.shape != (len(self),):
            raise ValueError(f"{value.shape[0]} counts for {len(self)} keys")
        self.expandos["count"] = value

    def __len__(self):
        return len(self.index_to_key)

    def __contains__(self, key):
        return self.has_index_for(key)

    def has_index_for(self, key):
        """Whether ``key`` has a vector."""
        return self.get_index(key, -1) >= 0

    def get_index(self, key, default=None):
        """Row of ``key``; an int that is not a key is taken as a row number if in range.

        Raises KeyError when neither applies and ``default`` is None."""
        index = self.key_to_index.get(key)
        if index is not None:
            return index
        if isinstance(key, Integral) and 0 <= key < len(self):
            return int(key)
        if default is not None:
            return default
        raise KeyError(f"Key {key!r} not present in vocabulary")

    def get_vector(self, key, norm=False):
        """The vector of ``key`` (a copy), unit-length if ``norm``."""
        vector = self.vectors[self.get_index(key)]
        return _unit(vector) if norm else vector.copy()

    def __getitem__(self, key_or_keys):
        if isinstance(key_or_keys, _KEY_TYPES):
            return self.get_vector(key_or_keys)
        return np.vstack([self.get_vector(k) for k in key_or_keys])

    def __setitem__(self, keys, weights):
        """``add_vectors(keys, weights, replace=True)``; one key takes one vector."""
        if isinstance(keys, _KEY_TYPES):
            keys, weights = [keys], np.asarray(weights).reshape(1, -1)
        self.add_vectors(keys, weights, replace=True)

    def get_normed_vectors(self):
        """All vectors scaled to unit length (zero vectors stay zero), computed once and
        cached; call :meth:`fill_norms` with ``force=True`` after changing ``vectors``."""
        if self._norm_cache is None or self._norm_cache.shape != self.vectors.shape:
            self._norm_cache = _unit_rows(self.vectors)
        return self._norm_cache

    @property
    def norms(self):
        """ndarray of shape (n_words,) : The Euclidean length of each vector."""
        return np.linalg.norm(self.vectors, axis=1)

    def fill_norms(self, force=False):
        """(Re)compute the cached unit vectors (training calls this when it ends)."""
        if force:
            self._norm_cache = None
        self.get_normed_vectors()

    def unit_normalize_all(self):
        """Scale every vector to unit length, in place (zero vectors stay zero)."""
        self.vectors[...] = _unit_rows(self.vectors)
        self._norm_cache = None

    def sort_by_descending_frequency(self):
        """Reorder the rows by decreasing ``"count"`` (ties keep their order)."""
        if self.counts is None:
            raise ValueError("There is no 'count' attribute to sort by")
        order = np.argsort(-self.counts, kind="stable")
        self.vectors = self.vectors[order]
        self.index_to_key = [self.index_to_key[i] for i in order]
        self.key_to_index = {w: i for i, w in enumerate(self.index_to_key)}
        self.expandos = {attr: column[order] for attr, column in self.expandos.items()}
        self._norm_cache = None

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_norm_cache"] = None
        return state

    def __setstate__(self, state):
        if "expandos" not in state:  # pickled before per-key attributes: a bare counts array
            counts = state.pop("counts", None)
            state["expandos"] = {} if counts is None else {"count": counts}
        self.__dict__.update(state)

    # ------------------------------------------------------- per-key data
    def get_vecattr(self, key, attr):
        """The value of attribute ``attr`` (such as ``"count"``) for ``key``."""
        if attr not in self.expandos:
            raise KeyError(f"No attribute {attr!r}; known: {sorted(self.expandos)}")
        return self.expandos[attr][self.get_index(key)]

    def set_vecattr(self, key, attr, val):
        """Set attribute ``attr`` of ``key`` to ``val`` (other keys start at 0)."""
        index = self.get_index(key)
        if attr not in self.expandos:
            kind = {int: np.int64, str: object}.get(type(val), type(val))
            self.expandos[attr] = np.zeros(len(self), dtype=kind)
        self.expandos[attr][index] = val

    def add_vectors(self, keys, weights, extras=None, replace=False):
        """Append keys and their vectors; a key already present keeps its vector unless
        ``replace``.

        Parameters
        ----------
        keys : str, int or list of them
        weights : array-like of shape (n_keys, vector_size), or one vector for one key
        extras : dict of str to array-like of shape (n_keys,), optional
            Per-key attributes (see :meth:`get_vecattr`).
        replace : bool, default=False
        """
        if isinstance(keys, _KEY_TYPES):
            keys, weights = [keys], np.asarray(weights).reshape(1, -1)
        keys, weights = list(keys), np.asarray(weights)
        if weights.shape != (len(keys), self.vector_size):
            raise ValueError(f"weights of shape {weights.shape} for {len(keys)} keys of "
                             f"size {self.vector_size}")
        if len(set(keys)) != len(keys):
            raise ValueError("keys holds duplicate keys")
        extras = {attr: np.asarray(v) for attr, v in (extras or {}).items()}
        present = np.array([k in self.key_to_index for k in keys], dtype=bool)
        new = np.flatnonzero(~present)
        old_rows = [self.key_to_index[keys[i]] for i in np.flatnonzero(present)]
        for attr, values in extras.items():
            if attr not in self.expandos:
                self.expandos[attr] = np.zeros(len(self), dtype=values.dtype)
        for attr, column in self.expandos.items():
            added = extras[attr][new] if attr in extras else np.zeros(len(new), column.dtype)
            self.expandos[attr] = np.concatenate([column, added.astype(column.dtype)])
        for i in new:
            self.key_to_index[keys[i]] = len(self.index_to_key)
            self.index_to_key.append(keys[i])
        self.vectors = np.vstack([self.vectors, weights[new].astype(self.vectors.dtype)])
        if replace and old_rows:
            self.vectors[old_rows] = weights[present]
            for attr, values in extras.items():
                self.expandos[attr][old_rows] = values[present]
        self._norm_cache = None

    def add_vector(self, key, vector):
        """Add one key (see :meth:`add_vectors`); returns its row."""
        self.add_vectors([key], np.asarray(vector).reshape(1, -1))
        return self.get_index(key)

    def vectors_for_all(self, keys, allow_inference=True, copy_vecattrs=False):
        """A new :class:`KeyedVectors` of the given keys that have vectors, deduplicated,
        in the given order (``allow_inference`` is accepted for gensim's signature; these
        vectors infer nothing)."""
        chosen = list(dict.fromkeys(k for k in keys if k in self.key_to_index))
        rows = [self.key_to_index[k] for k in chosen]
        kv = type(self)(self.vectors[rows].copy(), chosen)
        if copy_vecattrs:
            kv.expandos = {attr: column[rows].copy() for attr, column in self.expandos.items()}
        return kv

    # --------------------------------------------------------- similarity
    def _weighted_mean(self, keys, weights, pre_normalize, ignore_missing):
        """Σ wᵢ vᵢ / Σ |wᵢ| in float64 (keys' vectors unit-length if ``pre_normalize``)."""
        keys = _as_items(keys)
        if not keys:
            raise ValueError("Cannot compute a mean (or similarity) with no input keys.")
        weights = np.ones(len(keys)) if weights is None else np.asarray(weights, np.float64)
        if weights.shape != (len(keys),):
            raise ValueError(f"{weights.shape} weights for {len(keys)} keys")
        total, mean = 0.0, np.zeros(self.vector_size)
        for key, weight in zip(keys, weights):
            if isinstance(key, np.ndarray):
                vector = key
            elif key in self:
                vector = self.vectors[self.get_index(key)]
                vector = _unit(vector.astype(np.float64)) if pre_normalize else vector
            elif ignore_missing:
                continue
            else:
                raise KeyError(f"Key {key!r} not present in vocabulary")
            if np.shape(vector) != (self.vector_size,):
                raise ValueError(f"A vector of shape {np.shape(vector)} given for vectors of "
                                 f"size {self.vector_size}")
            mean += weight * vector
            total += abs(weight)
        return mean / total if total > 0 else mean

    def get_mean_vector(self, keys, weights=None, pre_normalize=True, post_normalize=False,
                        ignore_missing=True):
        """Weighted mean ``Σ wᵢ vᵢ / Σ |wᵢ|`` of the vectors of ``keys``.

        Parameters
        ----------
        keys : list of (str, int or ndarray)
            Keys, or vectors taken as they are.
        weights : array-like of shape (len(keys),), optional
            Default: all 1.
        pre_normalize : bool, default=True
            Use the keys' unit vectors.
        post_normalize : bool, default=False
            Scale the mean to unit length.
        ignore_missing : bool, default=True
            Skip unknown keys (else KeyError).

        Returns
        -------
        ndarray of shape (vector_size,), the dtype of ``vectors``
        """
        mean = self._weighted_mean(keys, weights, pre_normalize, ignore_missing)
        return (_unit(mean) if post_normalize else mean).astype(self.vectors.dtype)

    def _top(self, scores, exclude, topn, offset=0):
        order = np.argsort(-scores, kind="stable")
        result = []
        for i in order:
            if i + offset in exclude:
                continue
            result.append((self.index_to_key[i + offset], float(scores[i])))
            if len(result) == topn:
                break
        return result

    def _input_rows(self, keys):
        return {self.get_index(k) for k in keys if isinstance(k, _KEY_TYPES) and k in self}

    def most_similar(self, positive=None, negative=None, topn=10, clip_start=0, clip_end=None,
                     restrict_vocab=None, indexer=None):
        """Keys closest by cosine to the weighted mean of the unit vectors of ``positive``
        (weight 1) and ``negative`` (weight -1) — 3CosAdd for analogies; input keys are
        excluded from the answer.

        Parameters
        ----------
        positive, negative : key, ndarray, 2-D ndarray, or list of keys, vectors or
            ``(key_or_vector, weight)`` pairs, optional
            Vectors are used as given (not normalised); a pair's weight replaces the
            default 1 or -1.
        topn : int or None, default=10
            None returns the similarities to every key in the searched range (an
            ndarray); ``topn < 1`` returns ``[]``.
        clip_start, clip_end : int, optional
            Search only rows ``clip_start:clip_end``.
        restrict_vocab : int, optional
            Search only the first (most frequent) ``restrict_vocab`` rows; overrides the
            clips.
        indexer : object, optional
            An approximate-neighbour index whose ``most_similar(vector, topn)`` answers
            instead (as gensim's ``indexer``).

        Returns
        -------
        list of (str, float), or ndarray of float when ``topn`` is None
        """
        if isinstance(topn, Integral) and topn < 1:
            return []
        keys, weights = [], []
        for sign, items in ((1.0, _as_items(positive)), (-1.0, _as_items(negative))):
            for item in items:
                if isinstance(item, (*_KEY_TYPES, np.ndarray)):
                    keys.append(item)
                    weights.append(sign)
                elif isinstance(item, (tuple, list)) and len(item) == 2:
                    keys.append(item[0])
                    weights.append(float(item[1]))
                else:
                    raise TypeError(f"Expected a key, a vector or a (key, weight) pair, "
                                    f"got {item!r}")
        mean = _unit(self._weighted_mean(keys, weights, True, ignore_missing=False))
        if indexer is not None and isinstance(topn, Integral):
            return indexer.most_similar(mean, topn)
        if restrict_vocab:
            clip_start, clip_end = 0, restrict_vocab
        clip_end = clip_end or len(self)
        scores = self.get_normed_vectors()[clip_start:clip_end] @ mean
        if not topn:
            return scores
        return self._top(scores, self._input_rows(keys), topn, offset=clip_start)

    def similar_by_key(self, key, topn=10, restrict_vocab=None):
        """``most_similar(positive=[key], ...)``."""
        return self.most_similar(positive=[key], topn=topn, restrict_vocab=restrict_vocab)

    def similar_by_word(self, word, topn=10, restrict_vocab=None):
        """``most_similar(positive=[word], ...)``."""
        return self.most_similar(positive=[word], topn=topn, restrict_vocab=restrict_vocab)

    def similar_by_vector(self, vector, topn=10, restrict_vocab=None):
        """Keys closest by cosine to ``vector``."""
        return self.most_similar(positive=[np.asarray(vector)], topn=topn,
                                 restrict_vocab=restrict_vocab)

    def most_similar_cosmul(self, positive=None, negative=None, topn=10, restrict_vocab=None):
        """3CosMul (Levy & Goldberg 2014): rank keys by
        ``Π_pos (1 + cos)/2 / (Π_neg (1 + cos)/2 + 1e-6)``; input keys are excluded.

        Takes keys or vectors (normalised first), ``topn`` as :meth:`most_similar`."""
        if isinstance(topn, Integral) and topn < 1:
            return []
        positive, negative = _as_items(positive), _as_items(negative)
        if not positive:
            raise ValueError("Cannot compute similarity with no positive input.")
        limit = len(self) if restrict_vocab is None else min(restrict_vocab, len(self))
        normed = self.get_normed_vectors()[:limit]

        def unit(item):
            if isinstance(item, np.ndarray):
                return _unit(item.astype(np.float64))
            return self.get_vector(item, norm=True)

        pos = [(1 + normed @ unit(p)) / 2 for p in positive]
        neg = [(1 + normed @ unit(n)) / 2 for n in negative]
        scores = np.prod(pos, axis=0) / (np.prod(neg, axis=0) + 1e-6)
        if not topn:
            return scores
        return self._top(scores, self._input_rows(positive + negative), topn)

    @staticmethod
    def cosine_similarities(vector_1, vectors_all):
        """Cosine of ``vector_1`` with each row of ``vectors_all`` (0 for zero vectors)."""
        vector_1 = _unit(np.asarray(vector_1, dtype=np.float64))
        return _unit_rows(np.asarray(vectors_all, dtype=np.float64)) @ vector_1

    def distances(self, word_or_vector, other_words=()):
        """Cosine distances from a key or vector to ``other_words`` (default: every key)."""
        if isinstance(word_or_vector, _KEY_TYPES):
            word_or_vector = self.vectors[self.get_index(word_or_vector)]
        others = self.vectors
        if other_words:
            others = self.vectors[[self.get_index(w) for w in other_words]]
        return 1 - self.cosine_similarities(word_or_vector, others)

    def similarity(self, w1, w2):
        """Cosine similarity of two keys (exactly 1 for a nonzero vector with itself)."""
        a = self.vectors[self.get_index(w1)].astype(np.float64)
        b = self.vectors[self.get_index(w2)].astype(np.float64)
        if np.array_equal(a, b):
            return 1.0 if a.any() else 0.0
        return float(np.clip(_unit(a) @ _unit(b), -1.0, 1.0))

    def distance(self, w1, w2):
        """``1 - similarity(w1, w2)``."""
        return 1.0 - self.similarity(w1, w2)

    def n_similarity(self, ws1, ws2):
        """Cosine similarity of the means of the raw vectors of two lists of keys (unknown
        keys are skipped, as in gensim)."""
        if not len(ws1) or not len(ws2):
            raise ZeroDivisionError("At least one of the passed lists is empty.")
        a = self._weighted_mean(ws1, None, False, ignore_missing=True)
        b = self._weighted_mean(ws2, None, False, ignore_missing=True)
        return float(_unit(a) @ _unit(b))

    def most_similar_to_given(self, key1, keys_list):
        """The key of ``keys_list`` most similar to ``key1`` (the first of ties)."""
        return keys_list[int(np.argmax([self.similarity(key1, k) for k in keys_list]))]

    def closer_than(self, key1, key2):
        """Keys (in row order) closer by cosine to ``key1`` than ``key2`` is."""
        dists = self.distances(key1)
        own, limit = self.get_index(key1), dists[self.get_index(key2)]
        return [self.index_to_key[i] for i in np.flatnonzero(dists < limit) if i != own]

    def rank(self, key1, key2):
        """1 + the number of keys closer to ``key1`` than ``key2``."""
        return len(self.closer_than(key1, key2)) + 1

    def relative_cosine_similarity(self, wa, wb, topn=10):
        """``similarity(wa, wb)`` over the sum of ``wa``'s ``topn`` nearest similarities
        (Leeuwenberg et al., 2016, eq. 1)."""
        sims = self.similar_by_word(wa, topn)
        if not sims:
            raise ValueError("Cannot compute relative cosine similarity without neighbours.")
        return self.similarity(wa, wb) / sum(s for _, s in sims)

    def rank_by_centrality(self, words, use_norm=True):
        """``(cosine to the unit mean, word)`` pairs, most central first; unknown words
        are skipped with a warning."""
        used = [w for w in words if w in self]
        if len(used) != len(words):
            warnings.warn(f"Ignoring words without a vector: {sorted(set(words) - set(used))}",
                          UserWarning, stacklevel=2)
        if not used:
            raise ValueError("None of the words has a vector.")
        vectors = np.vstack([self.get_vector(w, norm=use_norm) for w in used]).astype(np.float64)
        dists = vectors @ _unit(vectors.mean(axis=0))
        return sorted(zip(map(float, dists), used), reverse=True)

    def doesnt_match(self, words):
        """The word furthest from the mean of the unit vectors of ``words``."""
        return self.rank_by_centrality(words)[-1][1]

    def wmdistance(self, document1, document2, norm=True):
        """Word Mover's Distance (Kusner et al., 2015) between two lists of words.

        The exact optimal transport of the documents' normalised word counts under the
        Euclidean distance of the (unit, if ``norm``) vectors, solved as a linear
        program with SciPy's HiGHS. Unknown words are dropped; ``inf`` if a document
        has none left.

        Returns
        -------
        float
        """
        doc1 = [w for w in document1 if w in self]
        doc2 = [w for w in document2 if w in self]
        if not doc1 or not doc2:
            return float("inf")
        words1, counts1 = np.unique(doc1, return_counts=True)
        words2, counts2 = np.unique(doc2, return_counts=True)
        cost = cdist(np.vstack([self.get_vector(w, norm=norm) for w in words1]),
                     np.vstack([self.get_vector(w, norm=norm) for w in words2]))
        n, m = cost.shape
        # flow[i, j] (row-major): row i ships counts1[i]/len, column j receives counts2[j]/len
        rows = sparse.kron(sparse.eye(n), np.ones((1, m)))
        cols = sparse.kron(np.ones((1, n)), sparse.eye(m))
        result = optimize.linprog(
            cost.ravel(), A_eq=sparse.vstack([rows, cols]).tocsr(),
            b_eq=np.concatenate([counts1 / len(doc1), counts2 / len(doc2)]),
            bounds=(0, None), method="highs")
        if result.status != 0:
            raise RuntimeError(f"The transport problem was not solved: {result.message}")
        return max(float(result.fun), 0.0)

    # --------------------------------------------------------- evaluation
    def _ok_vocab(self, restrict_vocab, case_insensitive):
        keys = self.index_to_key[:restrict_vocab]
        if case_insensitive:
            ok = {}
            for i, w in reversed(list(enumerate(keys))):  # the most frequent form wins
                ok[w.upper()] = i
            return ok
        return {w: i for i, w in enumerate(keys)}

    def evaluate_word_pairs(self, pairs, delimiter="\t", encoding="utf8",
                            restrict_vocab=300000, case_insensitive=True,
                            dummy4unknown=False):
        """Correlation of the model's similarities with human ratings (WordSim-353 style).

        Parameters
        ----------
        pairs : str or path
            File of ``word1<delimiter>word2<delimiter>score`` lines (``#`` comments).

        Returns
        -------
        pearson : scipy PearsonRResult (statistic, pvalue)
        spearman : scipy SignificanceResult (statistic, pvalue)
        oov_ratio : float
            Percentage of pairs with an unknown word (of the pairs scored, with
            ``dummy4unknown``).
        """
        ok = self._ok_vocab(restrict_vocab, case_insensitive)
        gold, model, oov = [], [], 0
        with open(pairs, encoding=encoding) as handle:
            for line in handle:
                if not line.strip() or line.startswith("#"):
                    continue
                parts = line.rstrip("\n").split(delimiter)
                if len(parts) != 3:
                    continue
                a, b, score = parts
                try:
                    score = float(score)
                except ValueError:  # a header such as "word1 word2 rating"
                    continue
                if case_insensitive:
                    a, b = a.upper(), b.upper()
                if a not in ok or b not in ok:
                    oov += 1
                    if dummy4unknown:
                        gold.append(score)
                        model.append(0.0)
                    continue
                gold.append(score)
                model.append(self.similarity(ok[a], ok[b]))
        if not gold:
            raise ValueError(f"{pairs}: no rated pair with both words in the vocabulary")
        oov_ratio = 100.0 * oov / (len(gold) + (0 if dummy4unknown else oov))
        return stats.pearsonr(gold, model), stats.spearmanr(gold, model), oov_ratio

    def evaluate_word_analogies(self, analogies, restrict_vocab=300000, case_insensitive=True,
                                dummy4unknown=False, similarity_function="most_similar",
                                encoding="utf8"):
        """Accuracy on analogy questions ``a b c d`` (``a : b :: c : d``) in the format of
        word2vec's ``questions-words.txt`` (``: section`` lines start sections), answered
        with 3CosAdd: the best word for ``b − a + c`` among the first ``restrict_vocab``
        words, other than ``a``, ``b``, ``c`` (and, if ``case_insensitive``, their case
        variants). Questions with unknown words are skipped (or, with ``dummy4unknown``,
        counted wrong).

        Parameters
        ----------
        similarity_function : {"most_similar"}
            Accepted for gensim's signature; 3CosAdd is the only method.

        Returns
        -------
        score : float
            Fraction answered correctly.
        sections : list of dict
            ``{"section", "correct", "incorrect"}`` per section, then "Total accuracy".
        """
        if similarity_function != "most_similar":
            raise ValueError(f"similarity_function must be 'most_similar', "
                             f"got {similarity_function!r}")
        ok = self._ok_vocab(restrict_vocab, case_insensitive)
        limit = min(restrict_vocab, len(self))
        variants = {}  # each (case-folded) word -> its rows among the searched ones
        for i, key in enumerate(self.index_to_key[:limit]):
            variants.setdefault(key.upper() if case_insensitive else key, []).append(i)
        sections, section = [], None
        with open(analogies, encoding=encoding) as handle:
            for line_no, line in enumerate(handle, 1):
                if line.startswith(":"):
                    if section is not None:
                        sections.append(section)
                    section = {"section": line[1:].strip(), "correct": [], "incorrect": []}
                    continue
                words = line.split()
                if len(words) != 4:
                    continue
                if section is None:
                    raise ValueError(f"{analogies}: line {line_no} comes before any "
                                     "': section' line")
                if case_insensitive:
                    words = [w.upper() for w in words]
                a, b, c, expected = words
                if not all(w in ok for w in words):
                    if dummy4unknown:
                        section["incorrect"].append((a, b, c, expected))
                    continue
                sims = self.most_similar(positive=[ok[b], ok[c]], negative=[ok[a]],
                                         topn=None, restrict_vocab=limit)
                sims[variants[a] + variants[b] + variants[c]] = -np.inf
                key = self.index_to_key[int(np.argmax(sims))]
                key = key.upper() if case_insensitive else key
                bucket = "correct" if key == expected else "incorrect"
                section[bucket].append((a, b, c, expected))
        if section is not None:
            sections.append(section)
        total = {
            "section": "Total accuracy",
            "correct": [q for s in sections for q in s["correct"]],
            "incorrect": [q for s in sections for q in s["incorrect"]],
        }
        sections.append(total)
        n = len(total["correct"]) + len(total["incorrect"])
        score = len(total["correct"]) / n if n else 0.0
        return score, sections

    # ------------------------------------------------------------- files
    def save(self, fname_or_handle, pickle_protocol=pickle.HIGHEST_PROTOCOL):
        """Pickle this object to a path or an open binary file (read it back with
        :meth:`load`)."""
        if hasattr(fname_or_handle, "write"):
            pickle.dump(self, fname_or_handle, protocol=pickle_protocol)
            return
        with _open(fname_or_handle, "wb") as out:
            pickle.dump(self, out, protocol=pickle_protocol)

    @classmethod
    def load(cls, fname, mmap=None):
        """Unpickle an object written by :meth:`save` (only load files you trust: pickle
        runs code). ``mmap`` is accepted for gensim's signature and must be None."""
        if mmap is not None:
            raise ValueError("mmap is not supported; pass mmap=None")
        with _open(fname, "rb") as handle:
            kv = pickle.load(handle)
        if not isinstance(kv, cls):
            raise TypeError(f"{fname} holds a {type(kv).__name__}, not a {cls.__name__}")
        return kv

    def save_word2vec_format(self, fname, fvocab=None, binary=False, total_vec=None,
                             write_header=True, prefix="", append=False, sort_attr="count"):
        """Write the vectors in the word2vec format (see the module docstring).

        Parameters
        ----------
        fname : str or path
        fvocab : str or path, optional
            Also write ``word count`` lines (the ``sort_attr`` attribute) to this file.
        binary : bool, default=False
        total_vec : int, optional
            The count written in the header (default: the number of keys).
        write_header : bool, default=True
        prefix : str, default=""
            Prepended to every word.
        append : bool, default=False
            Append to the files instead of overwriting them.
        sort_attr : str, default="count"
            Write the keys by decreasing value of this attribute (ties in row order); in
            row order if there is no such attribute.
        """
        if sort_attr in self.expandos:
            order = np.argsort(-self.expandos[sort_attr], kind="stable")
        elif fvocab is not None:
            raise ValueError(f"Cannot write fvocab: there is no {sort_attr!r} attribute")
        else:
            order = np.arange(len(self))
        words = [f"{prefix}{self.index_to_key[i]}" for i in order]
        for word in words:
            if not word or any(ch.isspace() for ch in word):
                raise ValueError(f"Key {word!r} is empty or contains whitespace; it cannot be "
                                 "written in the word2vec format.")
        mode = "ab" if append else "wb"
        if fvocab is not None:
            with _open(fvocab, mode) as out:
                for word, i in zip(words, order):
                    out.write(f"{word} {self.expandos[sort_attr][i]}\n".encode())
        with _open(fname, mode) as out:
            if write_header:
                total = len(self) if total_vec is None else total_vec
                out.write(f"{total} {self.vector_size}\n".encode())
            for word, i in zip(words, order):
                row = self.vectors[i]
                if binary:
                    out.write(word.encode("utf8") + b" " + row.astype("<f4").tobytes())
                else:  # numpy's shortest round-trip text of each value, as gensim writes
                    out.write(f"{word} {' '.join(str(v) for v in row)}\n".encode())

    @classmethod
    def load_word2vec_format(cls, fname, fvocab=None, binary=False, encoding="utf8",
                             unicode_errors="strict", limit=None, datatype=np.float32,
                             no_header=False):
        """Read vectors in the word2vec format (ours, gensim's, the C tool's, GloVe's).

        A word met again is skipped with a warning (the first vector is kept).

        Parameters
        ----------
        fname : str or path
        fvocab : str or path, optional
            ``word count`` lines (the C tool's ``-save-vocab``) giving the ``"count"``
            attribute.
        binary : bool, default=False
        encoding, unicode_errors : str
            How words are decoded.
        limit : int, optional
            Read only the first ``limit`` entries.
        datatype : dtype, default=float32
        no_header : bool, default=False
            The file has no header line (text only), as GloVe's.

        Returns
        -------
        KeyedVectors
        """
        if not os.path.isfile(fname):
            raise FileNotFoundError(f"No word2vec file at {os.fspath(fname)!r}")
        if no_header and binary:
            raise ValueError("no_header=True needs a text file (binary=False)")
        counts = None
        if fvocab is not None:
            counts = {}
            with _open(fvocab, "rb") as handle:
                for line in handle:
                    parts = line.decode(encoding, unicode_errors).split()
                    if len(parts) != 2:
                        raise ValueError(f"{fvocab}: expected 'word count' lines, got {line!r}")
                    counts[parts[0]] = int(parts[1])
        with _open(fname, "rb") as handle:
            source = handle
            if no_header:
                source = [line for line in handle.read().splitlines() if line.strip()]
                n_words = len(source)
                size = len(source[0].rstrip().split(b" ")) - 1 if source else 0
            else:
                header = handle.readline().decode(encoding, unicode_errors).split()
                if len(header) != 2:
                    raise ValueError(f"{fname}: the first line must be '<n_words> "
                                     f"<vector_size>', got {' '.join(header)!r}")
                n_words, size = int(header[0]), int(header[1])
            if limit is not None:
                n_words = min(n_words, limit)
            entries = (cls._binary_entries if binary else cls._text_entries)(
                source, n_words, size, fname, encoding, unicode_errors)
            vectors = np.zeros((n_words, size), dtype=datatype)
            keys, seen = [], set()
            for key, vector in entries:
                if key in seen:
                    warnings.warn(f"{fname}: word {key!r} repeated; keeping its first vector",
                                  UserWarning, stacklevel=2)
                    continue
                seen.add(key)
                vectors[len(keys)] = vector
                keys.append(key)
        kv = cls(vectors[:len(keys)].copy() if len(keys) < n_words else vectors, keys)
        if counts is not None:
            missing = [k for k in keys if k not in counts]
            if missing:
                warnings.warn(f"{fvocab} lacks {len(missing)} words (count 0), e.g. "
                              f"{missing[0]!r}", UserWarning, stacklevel=2)
            kv.counts = [counts.get(k, 0) for k in keys]
        return kv

    @staticmethod
    def _binary_entries(handle, n_words, size, fname, encoding, unicode_errors):
        """(word, vector) of the binary format, reading 1 MiB at a time (``limit`` stops
        early)."""
        buffer, pos, row_bytes = b"", 0, 4 * size
        for i in range(n_words):
            while True:
                while pos < len(buffer) and buffer[pos] in b"\n\r":
                    pos += 1
                space = buffer.find(b" ", pos)
                if space >= 0 and space + 1 + row_bytes <= len(buffer):
                    break
                more = handle.read(1 << 20)
                if not more:
                    raise ValueError(f"{fname}: unexpected end of file at word {i}")
                buffer, pos = buffer[pos:] + more, 0
            yield (buffer[pos:space].decode(encoding, unicode_errors),
                   np.frombuffer(buffer, dtype="<f4", count=size, offset=space + 1))
            pos = space + 1 + row_bytes

    @staticmethod
    def _text_entries(lines, n_words, size, fname, encoding, unicode_errors):
        lines = iter(lines)
        for i in range(n_words):
            line = next(lines, b"")
            if not line:
                raise ValueError(f"{fname}: unexpected end of file at word {i}")
            parts = line.decode(encoding, unicode_errors).rstrip().split(" ")
            if len(parts) != size + 1:
                raise ValueError(f"{fname}: entry {i + 1} has {len(parts) - 1} values, "
                                 f"expected {size}")
            yield parts[0], np.asarray(parts[1:], dtype=np.float64)

    def __repr__(self):
        return f"KeyedVectors(n_words={len(self)}, vector_size={self.vector_size})"
