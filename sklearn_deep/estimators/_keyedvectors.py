"""Keyed word vectors — the ``wv`` object — and the word2vec file formats.

:class:`KeyedVectors` offers the part of gensim's ``KeyedVectors`` API that users rely on
(``wv[word]``, ``key_to_index``, ``index_to_key``, ``vectors``, ``most_similar``,
``most_similar_cosmul``, ``similarity``, ``n_similarity``, ``doesnt_match``,
``evaluate_word_pairs``, ``evaluate_word_analogies``) with the same formulas, and reads and
writes the word2vec text and binary formats of the original C tool:

- a header line ``"<n_words> <vector_size>\\n"`` (UTF-8);
- text: one line per word, ``word v1 v2 … vd\\n``;
- binary: ``word`` + a space + ``d`` little-endian float32 values; gensim writes nothing
  after the values, the C tool writes ``\\n``; the reader accepts both (it strips newlines
  before each word).
"""

import os
from numbers import Integral

import numpy as np
from scipy import stats

__all__ = ["KeyedVectors"]


def _unit_rows(vectors):
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms


class KeyedVectors:
    """Word vectors looked up by word.

    Parameters
    ----------
    vectors : ndarray of shape (n_words, vector_size)
        One row per word. Kept, not copied: the estimator trains these very arrays.
    index_to_key : list of str
        The word of each row.
    counts : ndarray of shape (n_words,), optional
        Corpus counts (kept in the word2vec files' order; informative only).

    Attributes
    ----------
    vectors : ndarray of shape (n_words, vector_size), float32
    index_to_key : list of str
    key_to_index : dict of str to int
    vector_size : int
    """

    def __init__(self, vectors, index_to_key, counts=None):
        vectors = np.asarray(vectors)
        if vectors.ndim != 2 or vectors.shape[0] != len(index_to_key):
            raise ValueError(f"vectors of shape {vectors.shape} do not match "
                             f"{len(index_to_key)} keys")
        self.vectors = vectors
        self.index_to_key = list(index_to_key)
        self.key_to_index = {w: i for i, w in enumerate(self.index_to_key)}
        if len(self.key_to_index) != len(self.index_to_key):
            raise ValueError("index_to_key holds duplicate keys")
        self.counts = None if counts is None else np.asarray(counts, dtype=np.int64)
        self._norm_cache = None

    # ------------------------------------------------------------ lookups
    @property
    def vector_size(self):
        return self.vectors.shape[1]

    def __len__(self):
        return len(self.index_to_key)

    def __contains__(self, key):
        return key in self.key_to_index

    def has_index_for(self, key):
        """Whether ``key`` has a vector."""
        return key in self.key_to_index

    def get_index(self, key, default=None):
        """Row number of ``key`` (an int is returned as is); ``default`` or KeyError."""
        if isinstance(key, Integral) and 0 <= key < len(self):
            return int(key)
        index = self.key_to_index.get(key)
        if index is not None:
            return index
        if default is not None:
            return default
        raise KeyError(f"Key {key!r} not present in vocabulary")

    def get_vector(self, key, norm=False):
        """The vector of ``key`` (a copy), unit-length if ``norm``."""
        vector = self.vectors[self.get_index(key)]
        if norm:
            n = np.linalg.norm(vector)
            return vector / n if n > 0 else vector.copy()
        return vector.copy()

    def __getitem__(self, keys):
        if isinstance(keys, (str, Integral)):
            return self.get_vector(keys)
        return np.vstack([self.get_vector(k) for k in keys])

    def get_normed_vectors(self):
        """All vectors scaled to unit length (zero vectors stay zero), computed once and
        cached; call :meth:`fill_norms` with ``force=True`` after changing ``vectors``."""
        if self._norm_cache is None or self._norm_cache.shape != self.vectors.shape:
            self._norm_cache = _unit_rows(self.vectors)
        return self._norm_cache

    def fill_norms(self, force=False):
        """(Re)compute the cached unit vectors (training calls this when it ends)."""
        if force:
            self._norm_cache = None
        self.get_normed_vectors()

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_norm_cache"] = None
        return state

    # --------------------------------------------------------- similarity
    def _mean_unit(self, keys_or_vectors, weights):
        rows, used = [], set()
        for item, weight in zip(keys_or_vectors, weights):
            if isinstance(item, np.ndarray):
                vector = item.astype(np.float64)
            else:
                used.add(self.get_index(item))
                vector = self.get_vector(item, norm=True).astype(np.float64)
            rows.append(weight * vector)
        if not rows:
            raise ValueError("Cannot compute similarity with no input keys.")
        mean = np.mean(rows, axis=0)
        norm = np.linalg.norm(mean)
        return (mean / norm if norm > 0 else mean), used

    @staticmethod
    def _as_list(value):
        if value is None:
            return []
        if isinstance(value, (str, np.ndarray, Integral)):
            return [value]
        return list(value)

    def _top(self, scores, exclude, topn):
        if topn is None:
            return scores
        order = np.argsort(-scores, kind="stable")
        result = []
        for i in order:
            if i in exclude:
                continue
            result.append((self.index_to_key[i], float(scores[i])))
            if len(result) == topn:
                break
        return result

    def most_similar(self, positive=None, negative=None, topn=10, restrict_vocab=None):
        """Words closest (by cosine) to the mean of the unit vectors of ``positive`` minus
        those of ``negative`` (3CosAdd for analogies); input words are excluded.

        Parameters
        ----------
        positive, negative : str, ndarray or list of them, optional
        topn : int or None, default=10
            None returns the similarities to every word (an ndarray).
        restrict_vocab : int, optional
            Search only the first (most frequent) ``restrict_vocab`` words.

        Returns
        -------
        list of (str, float)
        """
        positive, negative = self._as_list(positive), self._as_list(negative)
        mean, used = self._mean_unit(positive + negative,
                                     [1.0] * len(positive) + [-1.0] * len(negative))
        limit = len(self) if restrict_vocab is None else min(restrict_vocab, len(self))
        scores = self.get_normed_vectors()[:limit] @ mean
        return self._top(scores, used, topn)

    def similar_by_word(self, word, topn=10, restrict_vocab=None):
        """``most_similar(positive=[word])``."""
        return self.most_similar([word], topn=topn, restrict_vocab=restrict_vocab)

    def similar_by_vector(self, vector, topn=10, restrict_vocab=None):
        """Words closest by cosine to ``vector``."""
        return self.most_similar([np.asarray(vector)], topn=topn,
                                 restrict_vocab=restrict_vocab)

    def most_similar_cosmul(self, positive=None, negative=None, topn=10, restrict_vocab=None):
        """3CosMul (Levy & Goldberg 2014): rank words by
        ``Π_pos (1 + cos)/2 / (Π_neg (1 + cos)/2 + 1e-6)``; input words are excluded."""
        positive, negative = self._as_list(positive), self._as_list(negative)
        normed = self.get_normed_vectors()
        limit = len(self) if restrict_vocab is None else min(restrict_vocab, len(self))
        normed = normed[:limit]
        used = set()

        def unit(item):
            if isinstance(item, np.ndarray):
                n = np.linalg.norm(item)
                return item / n if n > 0 else item
            used.add(self.get_index(item))
            return self.get_vector(item, norm=True)

        pos = [(1 + normed @ unit(p)) / 2 for p in positive]
        neg = [(1 + normed @ unit(n)) / 2 for n in negative]
        if not pos and not neg:
            raise ValueError("Cannot compute similarity with no input keys.")
        scores = np.prod(pos, axis=0) / (np.prod(neg, axis=0) + 1e-6)
        return self._top(np.asarray(scores, dtype=np.float64), used, topn)

    def similarity(self, w1, w2):
        """Cosine similarity of two words."""
        return float(np.dot(self.get_vector(w1, norm=True), self.get_vector(w2, norm=True)))

    def distance(self, w1, w2):
        """``1 - similarity(w1, w2)``."""
        return 1.0 - self.similarity(w1, w2)

    def n_similarity(self, ws1, ws2):
        """Cosine similarity of the means of two sets of words' vectors."""
        if not len(ws1) or not len(ws2):
            raise ZeroDivisionError("At least one of the passed lists is empty.")
        a = np.mean([self.get_vector(w, norm=True) for w in ws1], axis=0)
        b = np.mean([self.get_vector(w, norm=True) for w in ws2], axis=0)
        return float(np.dot(a / np.linalg.norm(a), b / np.linalg.norm(b)))

    def doesnt_match(self, words):
        """The word furthest from the mean of the (unit) vectors of ``words``; words
        without a vector are ignored."""
        used = [w for w in words if w in self.key_to_index]
        if not used:
            raise ValueError("None of the words has a vector.")
        vectors = np.vstack([self.get_vector(w, norm=True) for w in used]).astype(np.float64)
        mean = vectors.mean(axis=0)
        mean /= np.linalg.norm(mean)
        dists = vectors @ mean
        return sorted(zip(dists, used))[0][1]

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
        pearson : tuple (statistic, pvalue)
        spearman : scipy SignificanceResult (statistic, pvalue)
        oov_ratio : float
            Percentage of pairs with an unknown word.
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
                if case_insensitive:
                    a, b = a.upper(), b.upper()
                if a not in ok or b not in ok:
                    oov += 1
                    if dummy4unknown:
                        gold.append(float(score))
                        model.append(0.0)
                    continue
                gold.append(float(score))
                model.append(self.similarity(ok[a], ok[b]))
        total = len(gold) + (0 if dummy4unknown else oov)
        oov_ratio = 100.0 * oov / total if total else 0.0
        pearson = stats.pearsonr(gold, model)
        spearman = stats.spearmanr(gold, model)
        return (float(pearson[0]), float(pearson[1])), spearman, oov_ratio

    def evaluate_word_analogies(self, analogies, restrict_vocab=300000, case_insensitive=True,
                                dummy4unknown=False, encoding="utf8"):
        """Accuracy on analogy questions ``a b c d`` (``a : b :: c : d``) in the format of
        word2vec's ``questions-words.txt`` (``: section`` lines start sections), answered
        with 3CosAdd: the best word for ``b − a + c`` among the first ``restrict_vocab``
        words, other than ``a``, ``b``, ``c``. Questions with unknown words are skipped
        (or, with ``dummy4unknown``, counted wrong).

        Returns
        -------
        score : float
            Fraction answered correctly.
        sections : list of dict
            ``{"section", "correct", "incorrect"}`` per section, then "Total accuracy".
        """
        ok = self._ok_vocab(restrict_vocab, case_insensitive)
        limit = min(restrict_vocab, len(self))
        sections, section, oov, quadruplets = [], None, 0, 0
        with open(analogies, encoding=encoding) as handle:
            for line in handle:
                if line.startswith(":"):
                    if section is not None:
                        sections.append(section)
                    section = {"section": line[1:].strip(), "correct": [], "incorrect": []}
                    continue
                if not line.strip() or section is None:
                    continue
                words = line.split()
                if len(words) != 4:
                    continue
                quadruplets += 1
                if case_insensitive:
                    words = [w.upper() for w in words]
                a, b, c, expected = words
                if not all(w in ok for w in words):
                    oov += 1
                    if dummy4unknown:
                        section["incorrect"].append((a, b, c, expected))
                    continue
                sims = self.most_similar(positive=[ok[b], ok[c]], negative=[ok[a]],
                                         topn=None, restrict_vocab=limit)
                sims[[ok[a], ok[b], ok[c]]] = -np.inf
                predicted = int(np.argmax(sims))
                key = self.index_to_key[predicted]
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
    def save_word2vec_format(self, fname, binary=False, write_header=True):
        """Write the vectors in the word2vec format (see the module docstring).

        Parameters
        ----------
        fname : str or path
        binary : bool, default=False
        write_header : bool, default=True
        """
        for key in self.index_to_key:
            if not key or any(ch.isspace() for ch in key):
                raise ValueError(f"Key {key!r} is empty or contains whitespace; it cannot be "
                                 "written in the word2vec format.")
        vectors = np.asarray(self.vectors, dtype="<f4")
        with open(fname, "wb") as out:
            if write_header:
                out.write(f"{len(self)} {self.vector_size}\n".encode())
            for key, row in zip(self.index_to_key, vectors):
                if binary:
                    out.write(key.encode("utf8") + b" " + row.tobytes())
                else:
                    values = " ".join(repr(float(v)) for v in row.astype(np.float32))
                    out.write(f"{key} {values}\n".encode())

    @classmethod
    def load_word2vec_format(cls, fname, binary=False, encoding="utf8",
                             unicode_errors="strict", limit=None, datatype=np.float32):
        """Read vectors in the word2vec format (ours, gensim's or the C tool's).

        Parameters
        ----------
        fname : str or path
        binary : bool, default=False
        encoding, unicode_errors : str
            How words are decoded.
        limit : int, optional
            Read only the first ``limit`` words.
        datatype : dtype, default=float32

        Returns
        -------
        KeyedVectors
        """
        if not os.path.isfile(fname):
            raise FileNotFoundError(f"No word2vec file at {os.fspath(fname)!r}")
        with open(fname, "rb") as handle:
            header = handle.readline().decode(encoding, unicode_errors).split()
            if len(header) != 2:
                raise ValueError(f"{fname}: the first line must be '<n_words> <vector_size>', "
                                 f"got {' '.join(header)!r}")
            n_words, size = int(header[0]), int(header[1])
            if limit is not None:
                n_words = min(n_words, limit)
            vectors = np.zeros((n_words, size), dtype=datatype)
            keys = []
            if binary:
                data = handle.read()
                pos = 0
                row_bytes = 4 * size
                for i in range(n_words):
                    while pos < len(data) and data[pos:pos + 1] in (b"\n", b"\r"):
                        pos += 1
                    space = data.find(b" ", pos)
                    if space < 0 or space + 1 + row_bytes > len(data):
                        raise ValueError(f"{fname}: unexpected end of file at word {i}")
                    keys.append(data[pos:space].decode(encoding, unicode_errors))
                    vectors[i] = np.frombuffer(data, dtype="<f4", count=size, offset=space + 1)
                    pos = space + 1 + row_bytes
            else:
                for i in range(n_words):
                    line = handle.readline()
                    if not line:
                        raise ValueError(f"{fname}: unexpected end of file at word {i}")
                    parts = line.decode(encoding, unicode_errors).rstrip().split(" ")
                    if len(parts) != size + 1:
                        raise ValueError(f"{fname}: line {i + 2} has {len(parts) - 1} values, "
                                         f"expected {size}")
                    keys.append(parts[0])
                    vectors[i] = np.asarray(parts[1:], dtype=np.float64)
        return cls(vectors, keys)

    def __repr__(self):
        return f"KeyedVectors(n_words={len(self)}, vector_size={self.vector_size})"
