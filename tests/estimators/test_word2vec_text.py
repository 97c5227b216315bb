"""Vocabulary, subsampling, windows, batches, Huffman tree and negative sampling, each
against a formula or an independent construction (and gensim where installed)."""

import heapq
from collections import Counter

import numpy as np
import pytest

from sklearn_deep.estimators._text import (
    Corpus,
    HuffmanTree,
    NegativeSampler,
    Vocabulary,
    centre_batches,
    context_lists,
    context_matrix,
    encoded_chunks,
    keep_probabilities,
    negative_cumulative,
    scan_vocab,
)


def test_keep_probability_is_word2vec_c_formula():
    counts = np.array([5000, 1000, 100, 10, 1])
    sample = 1e-3
    got = keep_probabilities(counts, sample)
    threshold = sample * counts.sum()
    for c, p in zip(counts, got):
        expected = min(1.0, (np.sqrt(c / threshold) + 1) * threshold / c)
        assert p == pytest.approx(expected, rel=1e-12)
    assert got[0] < 0.2 and got[-1] == 1.0  # frequent words are dropped, rare ones kept
    np.testing.assert_array_equal(keep_probabilities(counts, 0.0), np.ones(5))


def test_huffman_codes_are_optimal_prefix_codes():
    rng = np.random.default_rng(0)
    counts = np.sort(rng.integers(1, 1000, 60))[::-1]
    tree = HuffmanTree(counts)
    n = counts.shape[0]
    lengths = tree.lengths
    # Kraft equality: a full binary tree
    assert np.sum(2.0 ** -lengths) == pytest.approx(1.0)
    # optimal: Σ count·length equals the cost of an independent Huffman merge
    heap = list(counts.astype(int))
    heapq.heapify(heap)
    cost = 0
    while len(heap) > 1:
        a, b = heapq.heappop(heap), heapq.heappop(heap)
        cost += a + b
        heapq.heappush(heap, a + b)
    assert int(np.dot(counts, lengths)) == cost
    # prefix-free codes; every path starts at the root, inner nodes in range
    codes = {tuple(tree.codes[w, :lengths[w]]) for w in range(n)}
    assert len(codes) == n
    for w in range(n):
        code = tuple(tree.codes[w, :lengths[w]])
        assert not any(code[:k] in codes for k in range(1, len(code)))
        assert tree.points[w, 0] == n - 2
        assert 0 <= tree.points[w, :lengths[w]].min() and tree.points[w].max() <= n - 2
    # frequent words get codes no longer than rare ones
    assert lengths[0] <= lengths[-1]


def test_huffman_lengths_match_gensim():
    gensim_word2vec = pytest.importorskip("gensim.models.word2vec")
    rng = np.random.default_rng(1)
    words = [f"w{i}" for i in range(40)]
    texts = [list(rng.choice(words, 30, p=np.arange(40, 0, -1) / 820)) for _ in range(200)]
    model = gensim_word2vec.Word2Vec(vector_size=5, min_count=1, hs=1, negative=0)
    model.build_vocab(texts)
    counts = np.array([model.wv.get_vecattr(w, "count") for w in model.wv.index_to_key])
    theirs = np.array([len(model.wv.get_vecattr(w, "code")) for w in model.wv.index_to_key])
    ours = HuffmanTree(counts).lengths
    # ties may be broken differently, the expected code length cannot differ
    assert np.dot(counts, ours) == np.dot(counts, theirs)


def test_vocabulary_and_sampling_match_gensim():
    gensim_word2vec = pytest.importorskip("gensim.models.word2vec")
    rng = np.random.default_rng(2)
    words = [f"w{i}" for i in range(300)]
    p = 1.0 / np.arange(1, 301)
    texts = [list(rng.choice(words, 40, p=p / p.sum())) for _ in range(300)]
    model = gensim_word2vec.Word2Vec(vector_size=5, min_count=5, sample=1e-3,
                                     max_final_vocab=120)
    model.build_vocab(texts)
    vocab = Vocabulary.prepare_vocab(scan_vocab(Corpus(texts)), 5, 120)
    assert set(vocab.index_to_key) == set(model.wv.index_to_key)
    assert vocab.effective_min_count == model.effective_min_count
    ours = keep_probabilities(vocab.counts, 1e-3)
    theirs = np.array([model.wv.get_vecattr(w, "sample_int")
                       for w in vocab.index_to_key]) / 2**32
    np.testing.assert_allclose(ours, np.minimum(theirs, 1.0), atol=1e-8)


@pytest.mark.parametrize("texts, cap, expected", [
    # gensim prunes after a text once over the cap: words below a threshold that starts
    # at 1 (so the first prune drops nothing) and grows by one per prune
    ([["a"] * 5 + ["b", "c", "d", "e"], ["f"], ["a", "g", "g"]], 3, {"a": 6, "g": 2}),
    # after an empty text too: after text 0, 3 words > 2, nothing below 1; after the
    # empty text b and c (below 2) go; then d is kept (merging the empty text into the
    # next one would skip a prune and drop d)
    ([["a", "a", "b", "c"], [], ["d"]], 2, {"a": 2, "d": 1}),
])
def test_max_vocab_size_prunes_like_gensim(texts, cap, expected):
    counts, _, _, _ = scan_vocab(Corpus(texts), max_vocab_size=cap)
    assert counts == Counter(expected)
    gensim_word2vec = pytest.importorskip("gensim.models.word2vec")
    model = gensim_word2vec.Word2Vec(vector_size=5, min_count=1, max_vocab_size=cap)
    model.build_vocab(texts)
    assert set(model.wv.index_to_key) == set(counts)


def test_negative_draws_follow_unigram_power():
    counts = np.array([1000, 300, 100, 30, 10, 1])
    draws = NegativeSampler(counts, 0.75).sample((200_000,), np.random.RandomState(0))
    assert draws.dtype == np.int32
    freq = np.bincount(draws, minlength=6) / draws.shape[0]
    expected = counts**0.75 / np.sum(counts**0.75)
    np.testing.assert_allclose(freq, expected, atol=3e-3)
    uniform = NegativeSampler(counts, 0.0).sample((60_000,), np.random.RandomState(0))
    np.testing.assert_allclose(np.bincount(uniform) / 60_000, np.full(6, 1 / 6), atol=0.01)


@pytest.mark.parametrize("counts", [
    np.array([1000, 300, 100, 30, 10, 1]),
    np.array([5]),
    np.r_[10**7, np.full(5000, 5)],          # one huge word, thousands of rare ones
    np.r_[np.full(3000, 5), 10**6, np.full(3000, 5)],
    np.random.default_rng(0).zipf(1.2, 20_000).astype(float),
])
@pytest.mark.parametrize("exponent", [0.75, 0.0, -0.5, 1.0])
def test_negative_sampler_equals_a_binary_search_of_the_cumulative_table(counts, exponent):
    sampler = NegativeSampler(counts, exponent)
    draws = sampler.sample((50, 401), np.random.RandomState(1))
    uniform = np.random.RandomState(1).random_sample((50, 401))
    cum = negative_cumulative(counts, exponent)
    expected = np.minimum(np.searchsorted(cum, uniform, side="right"), len(counts) - 1)
    np.testing.assert_array_equal(draws, expected)
    assert draws.shape == (50, 401)


def _brute_force_pairs(text_ids, start, stop, radius):
    pairs = set()
    for k, i in enumerate(range(start, stop)):
        for j in range(i - radius[k], i + radius[k] + 1):
            if j != i and 0 <= j < len(text_ids) and text_ids[j] == text_ids[i]:
                pairs.add((i, j))
    return pairs


def test_context_matrix_matches_brute_force_and_never_crosses_texts():
    rng = np.random.default_rng(3)
    text_ids = np.repeat(np.arange(6), rng.integers(1, 9, 6))
    n = text_ids.shape[0]
    radius = rng.integers(1, 4, n)
    positions, mask = context_matrix(text_ids, 0, n, 3, radius)
    got = {(i, int(p)) for i in range(n) for p, m in zip(positions[i], mask[i]) if m}
    assert got == _brute_force_pairs(text_ids, 0, n, radius)


def test_context_lists_match_brute_force_in_increasing_order():
    # centres from the middle of the stream: the first ones' windows reach before start
    rng = np.random.default_rng(4)
    text_ids = np.repeat(np.arange(8), rng.integers(1, 9, 8))
    n = text_ids.shape[0]
    start, stop = 3, n - 2
    radius = rng.integers(1, 4, stop - start)
    positions, offsets = context_lists(text_ids, start, stop, radius)
    assert offsets[0] == 0 and offsets[-1] == positions.shape[0]
    got = []
    for b in range(stop - start):
        own = positions[offsets[b]:offsets[b + 1]]
        assert np.all(np.diff(own) > 0)
        got += [(start + b, int(p)) for p in own]
    assert len(got) == len(set(got))
    assert set(got) == _brute_force_pairs(text_ids, start, stop, radius)


def test_batches_cover_every_centre_once_with_windows_across_batch_borders():
    rng = np.random.RandomState(0)
    texts = [["a", "b", "c", "d", "e", "f", "g"] * 5, ["a", "b"], ["c"] * 9]
    index = {w: i for i, w in enumerate("abcdefg")}
    window = 2
    pairs = {}
    for batch_words in (3, 1000):
        chunks = encoded_chunks(Corpus(texts), index, None, rng, chunk_words=4)
        seen = []
        for tokens, tids, start, stop, _ in centre_batches(chunks, batch_words, window):
            positions, mask = context_matrix(tids, start, stop, window,
                                             np.full(stop - start, window))
            for k, c in enumerate(range(start, stop)):
                ctx = tuple(tokens[positions[k][mask[k]]])
                seen.append((tokens[c], ctx))
        pairs[batch_words] = seen
    assert len(pairs[3]) == sum(len(t) for t in texts)
    assert pairs[3] == pairs[1000]  # small batches see the same windows as one big batch
    # progress grows with the centres trained, not with what was read ahead
    chunks = encoded_chunks(Corpus(texts), index, None, rng, chunk_words=1000)
    progress = [raw for *_, raw in centre_batches(chunks, 5, window)]
    assert progress == [*range(5, 46, 5), 46]


def test_encoded_chunks_drop_unknown_words_and_subsample():
    texts = [["a", "x", "b"], ["x"], ["a", "a"]]
    rng = np.random.RandomState(0)
    ids, tids, raw = next(encoded_chunks(Corpus(texts), {"a": 0, "b": 1}, None, rng))
    np.testing.assert_array_equal(ids, [0, 1, 0, 0])
    np.testing.assert_array_equal(tids, [0, 0, 2, 2])
    np.testing.assert_array_equal(raw, [1, 3, 5, 6])  # progress counts dropped tokens
    keep = np.array([0.0, 1.0])
    ids, _, _ = next(encoded_chunks(Corpus(texts), {"a": 0, "b": 1}, keep, rng))
    np.testing.assert_array_equal(ids, [1])


def test_corpus_tokenises_like_countvectorizer_and_refuses_generators(tmp_path):
    corpus = Corpus(["Hello, World! it's"], token_pattern=r"(?u)\b\w+\b")
    assert list(corpus) == [["hello", "world", "it", "s"]]
    assert list(Corpus(["A b"], token_pattern=None, lowercase=False)) == [["A", "b"]]
    assert list(Corpus([["Keep", "Case"]])) == [["Keep", "Case"]]
    with pytest.raises(TypeError, match="one-shot"):
        Corpus(t for t in ["a b"])
    with pytest.raises(FileNotFoundError, match="not a file"):
        Corpus(str(tmp_path / "missing.txt"))
    path = tmp_path / "c.txt"
    path.write_text("one two\nthree\n")
    assert list(Corpus(path, token_pattern=None)) == [["one", "two"], ["three"]]
    assert list(Corpus(path, token_pattern=None)) == [["one", "two"], ["three"]]  # re-read
    counts, doc_freq, n_texts, total = scan_vocab(Corpus([["a", "a", "b"], ["a"]]))
    assert counts == Counter({"a": 3, "b": 1}) and doc_freq["a"] == 2
    assert (n_texts, total) == (2, 4)


def test_cached_encoding_repeats_the_streamed_pass_exactly():
    texts = [["a", "x", "b", "c"] * 3, ["x"], ["a", "a", "c"], ["b"] * 7]
    index = {"a": 0, "b": 1, "c": 2}
    keep = np.array([0.5, 0.9, 0.3])

    def passes(cache):
        rng = np.random.RandomState(3)
        return [[tuple(map(np.ndarray.tolist, chunk))
                 for chunk in encoded_chunks(Corpus(texts), index, keep, rng, chunk_words=5,
                                             cache=cache)]
                for _ in range(3)]

    cache = {}
    cached = passes(cache)
    assert len(cache["chunks"]) > 1 and cache["chunks"][0][0].dtype == np.int32
    assert cached == passes(None)  # same chunks and draws as reading the corpus each time
    assert cached[0] != cached[1]  # subsampling redrawn every pass
    # a pass stopped half-way keeps nothing (a later pass must not see half a corpus)
    partial = {}
    next(encoded_chunks(Corpus(texts), index, keep, np.random.RandomState(3), chunk_words=5,
                        cache=partial))
    assert partial == {}


def test_only_collections_in_memory_are_cached(tmp_path):
    import pandas as pd

    class Stream:
        def __iter__(self):
            return iter([["a"]])

    path = tmp_path / "c.txt"
    path.write_text("a b\n", encoding="utf-8")
    assert Corpus([["a"]]).in_memory and Corpus((["a"],)).in_memory
    assert Corpus(np.array(["a b"], dtype=object)).in_memory
    assert Corpus(pd.Series(["a b"])).in_memory
    assert not Corpus(Stream()).in_memory and not Corpus(str(path)).in_memory


def test_vocabulary_update_adds_counts_and_new_words_reaching_min_count():
    first = Corpus([["a", "a", "b", "c"], ["a", "b"]])
    vocab = Vocabulary.prepare_vocab(scan_vocab(first), min_count=2)
    assert vocab.index_to_key == ["a", "b"] and vocab.effective_min_count == 2
    added = vocab.update(scan_vocab(Corpus([["d", "d", "c", "b"], ["e", "d"]])))
    # "d" (3 in the new corpus) joins; "c" (1 new + 1 dropped before) and "e" do not
    assert added == 1 and vocab.index_to_key == ["a", "b", "d"]
    assert vocab.key_to_index == {"a": 0, "b": 1, "d": 2}
    np.testing.assert_array_equal(vocab.counts, [3, 3, 3])
    np.testing.assert_array_equal(vocab.doc_freq, [2, 3, 2])
    assert vocab.n_texts == 4


def test_prepare_weights_draws_gensim_uniform_range_in_order():
    vocab = Vocabulary(["a", "b", "c"], [3, 2, 1], [1, 1, 1], 1, 1)
    rng = np.random.RandomState(0)
    vectors = vocab.prepare_weights(4, rng)
    expected = (np.random.RandomState(0).random_sample((3, 4)) * 2 - 1) / 4
    np.testing.assert_allclose(vectors, expected, rtol=1e-6)
    assert vectors.dtype == np.float32
    tail = vocab.prepare_weights(4, np.random.RandomState(0), start=2)
    assert tail.shape == (1, 4)


def test_scan_vocab_refuses_an_empty_corpus():
    with pytest.raises(ValueError, match="empty"):
        scan_vocab(Corpus([]))
    with pytest.raises(ValueError, match="no token"):
        scan_vocab(Corpus([[], []]))
    with pytest.raises(ValueError, match="min_count=9"):
        Vocabulary.prepare_vocab(scan_vocab(Corpus([["a"]])), min_count=9)


def test_scan_vocab_over_many_chunks_equals_counting_text_by_text():
    # ~60k tokens: several of the scan's chunks, words new in late chunks, empty texts
    rng = np.random.default_rng(3)
    texts = [[f"w{int(k)}" for k in rng.zipf(1.3, size=int(n)) % 5000]
             for n in rng.integers(0, 40, size=3000)]
    counts, doc_freq = Counter(), Counter()
    for tokens in texts:  # the oracle: one text at a time, in order
        counts.update(tokens)
        doc_freq.update(set(tokens))
    scan = scan_vocab(Corpus(texts))
    assert list(scan.counts.items()) == list(counts.items())  # first-seen order kept
    assert scan.doc_freq == doc_freq
    assert (scan.n_texts, scan.total_words) == (3000, sum(map(len, texts)))


@pytest.mark.parametrize("bad, match", [(7, "Text 2500 holds a token of type int"),
                                        (["x"], "Text 2500 holds a token of type list")])
def test_scan_vocab_names_a_late_text_with_a_bad_token(bad, match):
    texts = [["a", "b", "c"] * 4 for _ in range(2500)] + [["a", bad]] + [["c"]] * 10
    with pytest.raises(TypeError, match=match):
        scan_vocab(Corpus(texts))


def test_scan_vocab_accepts_str_subclasses():
    scan = scan_vocab(Corpus([[np.str_("a"), "a", np.str_("b")]]))
    assert scan.counts == Counter({"a": 2, "b": 1})
