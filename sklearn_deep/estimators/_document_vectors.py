"""Document vectors from word vectors: the mean, the tf-idf weighted mean and SIF.

A document's vector is ``Σ_w weight(w) · count(w, doc) · v_w / norm(doc)`` over its known
words, computed a chunk of documents at a time as a sparse ``(docs × words)`` matrix
times the word vectors:

- ``"mean"``: weights 1, normalised by the number of known tokens;
- ``"tfidf"``: smooth idf ``log((1 + n_texts) / (1 + df(w))) + 1`` (scikit-learn's
  ``TfidfVectorizer(smooth_idf=True)``), normalised by the sum of the weights;
- ``"sif"``: Arora, Liang and Ma (2017), "A Simple but Tough-to-Beat Baseline for
  Sentence Embeddings": weights ``a / (a + p(w))`` averaged over the known tokens, minus
  the projection on the first singular vector of the training documents' vectors
  (:func:`sif_component`).

A document without any known word gives a row of zeros.
"""

import numpy as np
import scipy.sparse as sp

from ._text import check_tokens

__all__ = ["document_vectors", "sif_component", "word_weights"]


def word_weights(weighting, counts, doc_freq, n_texts, sif_alpha):
    """The weight of every word, shape ``(n_words,)``, for ``weighting`` in
    ``{"mean", "tfidf", "sif"}``."""
    if weighting == "tfidf":
        return np.log((1 + n_texts) / (1 + doc_freq)) + 1.0
    if weighting == "sif":
        p = counts / counts.sum()
        return sif_alpha / (sif_alpha + p)
    return np.ones(len(counts))


def _doc_term_chunks(corpus, key_to_index, word_weight, per_token, chunk_docs=4096):
    """Yield CSR matrices (docs × words) of the documents' normalised word weights."""
    n_words = len(key_to_index)
    rows, cols, n_docs = [], [], 0
    for i, tokens in enumerate(corpus):
        check_tokens(tokens, i)
        for token in tokens:
            j = key_to_index.get(token)
            if j is not None:
                rows.append(n_docs)
                cols.append(j)
        n_docs += 1
        if n_docs == chunk_docs:
            yield _weights_matrix(rows, cols, n_docs, n_words, word_weight, per_token)
            rows, cols, n_docs = [], [], 0
    if n_docs:
        yield _weights_matrix(rows, cols, n_docs, n_words, word_weight, per_token)


def _weights_matrix(rows, cols, n_docs, n_words, word_weight, per_token):
    cols = np.asarray(cols, dtype=np.int64)
    counts = sp.csr_matrix((np.ones(cols.shape[0]), (np.asarray(rows, np.int64), cols)),
                           shape=(n_docs, n_words))
    counts.sum_duplicates()
    weighted = counts.multiply(word_weight[None, :]).tocsr()
    if per_token:  # averaged over the known tokens
        norm = np.asarray(counts.sum(axis=1)).ravel()
    else:          # a weighted mean
        norm = np.asarray(weighted.sum(axis=1)).ravel()
    scale = np.divide(1.0, norm, out=np.zeros_like(norm, dtype=np.float64), where=norm > 0)
    return sp.diags(scale) @ weighted


def document_vectors(corpus, key_to_index, vectors, word_weight, *, per_token=False,
                     component=None):
    """Yield the vectors of the documents of ``corpus``, a chunk at a time.

    Parameters
    ----------
    corpus : iterable of list of str
    key_to_index : dict of str to int
    vectors : ndarray of shape (n_words, d)
    word_weight : ndarray of shape (n_words,)
    per_token : bool, default=False
        Divide by the number of known tokens (SIF) rather than by the sum of the weights.
    component : ndarray of shape (d,), optional
        A unit vector whose projection is removed from every document vector (SIF).

    Yields
    ------
    ndarray of shape (n_chunk_documents, d), float64
    """
    vectors = vectors.astype(np.float64)
    for weights in _doc_term_chunks(corpus, key_to_index, word_weight, per_token):
        out = np.asarray(weights @ vectors)
        if component is not None:
            out -= np.outer(out @ component, component)
        yield out


def sif_component(chunks, d):
    """The first singular vector of the rows of ``chunks`` (an iterable of ``(n, d)``
    arrays), with its sign fixed so that its largest entry is positive."""
    gram = np.zeros((d, d))
    for rows in chunks:
        gram += rows.T @ rows
    _, eigvecs = np.linalg.eigh(gram)
    component = eigvecs[:, -1]
    return component * np.sign(component[np.argmax(np.abs(component))])
