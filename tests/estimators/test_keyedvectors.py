"""KeyedVectors against gensim's KeyedVectors (side by side where gensim is installed) and
against independent formulas."""

import inspect
import itertools
import pickle
from numbers import Integral, Real

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from sklearn_deep import KeyedVectors

KEYS = [f"w{i}" for i in range(40)]


@pytest.fixture
def vectors():
    return np.random.default_rng(0).standard_normal((len(KEYS), 8)).astype(np.float32)


@pytest.fixture
def ours(vectors):
    return KeyedVectors(vectors.copy(), KEYS)


@pytest.fixture
def theirs(vectors):
    gensim_models = pytest.importorskip("gensim.models")
    kv = gensim_models.KeyedVectors(vectors.shape[1])
    kv.add_vectors(KEYS, vectors.copy())
    return kv


def unit(v):
    v = np.asarray(v, dtype=np.float64)
    return v / np.linalg.norm(v)


def assert_same(mine, gold):
    """Equal keys and order, values to float32 precision, gensim's container types."""
    if isinstance(gold, list) and gold and isinstance(gold[0], tuple) and not isinstance(
            gold[0][0], str):  # (similarity, key) pairs
        assert_same([(k, v) for v, k in mine], [(k, v) for v, k in gold])
    elif isinstance(gold, list) and gold and isinstance(gold[0], tuple):
        assert isinstance(mine, list) and all(isinstance(p, tuple) for p in mine)
        assert [k for k, _ in mine] == [k for k, _ in gold]
        assert all(isinstance(v, float) for _, v in mine)
        np.testing.assert_allclose([v for _, v in mine], [v for _, v in gold],
                                   rtol=1e-5, atol=1e-6)
    elif isinstance(gold, np.ndarray):
        assert isinstance(mine, np.ndarray) and mine.shape == gold.shape
        np.testing.assert_allclose(mine, gold, rtol=1e-5, atol=1e-6)
    elif isinstance(gold, (str, list, bool, Integral)):
        assert mine == gold
    else:  # gensim returns float32 scalars, we return Python floats (double precision)
        assert isinstance(gold, Real) and isinstance(mine, float)
        assert mine == pytest.approx(float(gold), rel=1e-5, abs=1e-6)


VEC = np.random.default_rng(1).standard_normal(8).astype(np.float32)
ROWS = np.random.default_rng(2).standard_normal((3, 8)).astype(np.float32)

CALLS = [
    ("most_similar", ("w0",), {}),
    ("most_similar", ("w0",), {"topn": None}),
    ("most_similar", (), {"positive": ["w1", "w2"], "negative": ["w3"], "topn": 5}),
    ("most_similar", ("w1", "w3"), {}),
    ("most_similar", ("w1",), {"topn": 0}),  # case 9: []
    ("most_similar", ("w1",), {"topn": -2}),
    ("most_similar", (), {"positive": ROWS, "topn": 4}),  # case 10: rows are vectors
    ("most_similar", (), {"positive": [("w1", 0.5), ("w2", 2.0)],  # case 10: weights
                          "negative": [("w3", -0.3)], "topn": 5}),
    ("most_similar", (), {"positive": [VEC, "w1"], "negative": "w2", "topn": 5}),
    ("most_similar", (), {"positive": [(VEC, 3.0), ("w4", 1.0)], "topn": 3}),
    ("most_similar", ("w5",), {"topn": 5, "restrict_vocab": 20}),
    ("most_similar", ("w5",), {"topn": None, "restrict_vocab": 20}),
    ("most_similar", ("w5", None, 5, 10, 30), {}),  # positional clip_start / clip_end
    ("most_similar", ("w5",), {"topn": None, "clip_start": 10, "clip_end": 30}),
    ("most_similar", ([7],), {"topn": 3}),  # an int is a row
    ("similar_by_word", ("w6", 3), {}),
    ("similar_by_key", ("w6", 3, 25), {}),
    ("similar_by_vector", (VEC, 4), {}),
    ("most_similar_cosmul", (["w1", "w2"], ["w3"]), {"topn": 5}),
    ("most_similar_cosmul", ("w1", "w3"), {}),
    ("most_similar_cosmul", (["w1"],), {"topn": 0}),
    ("most_similar_cosmul", (["w1", "w2"], ["w3"]), {"topn": None}),
    ("similarity", ("w1", "w2"), {}),
    ("distance", ("w1", "w2"), {}),
    ("n_similarity", (["w1", "w2"], ["w3", "w4", "w5"]), {}),  # case 11: raw means
    ("n_similarity", (["w1", "nope"], ["w3"]), {}),  # unknown keys skipped
    ("doesnt_match", (["w1", "w2", "w3", "w4"],), {}),
    ("rank_by_centrality", (["w1", "w2", "w3", "w4"],), {}),
    ("get_mean_vector", (["w1", "w2"],), {}),
    ("get_mean_vector", (["w1", "w2", "w3"], [1.0, -2.0, 0.5]), {}),
    ("get_mean_vector", (["w1", "w2"],), {"pre_normalize": False, "post_normalize": True}),
    ("get_mean_vector", ([VEC, "w2", "unknown"],), {}),
    ("closer_than", ("w1", "w7"), {}),
    ("rank", ("w1", "w7"), {}),
    ("rank", ("w1", "w1"), {}),
    ("most_similar_to_given", ("w1", ["w2", "w3", "w4", "w5"]), {}),
    ("relative_cosine_similarity", ("w1", "w2"), {}),
    ("relative_cosine_similarity", ("w1", "w2", 3), {}),
    ("distances", ("w1",), {}),
    ("distances", ("w1", ["w2", "w3"]), {}),
    ("distances", (VEC, ["w2", "w3"]), {}),
    ("cosine_similarities", (VEC, ROWS), {}),
    ("get_vector", ("w3",), {}),
    ("get_vector", ("w3", True), {}),
    ("__getitem__", ("w3",), {}),
    ("__getitem__", (["w3", "w1"],), {}),
    ("__getitem__", (4,), {}),
    ("get_index", ("w3",), {}),
    ("get_index", (5,), {}),
    ("get_index", ("nope", 7), {}),
    ("has_index_for", ("w3",), {}),
    ("has_index_for", ("nope",), {}),
    ("__contains__", ("w3",), {}),
    ("__len__", (), {}),
]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("name, args, kwargs", CALLS,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CALLS)])
def test_method_matches_gensim(ours, theirs, name, args, kwargs):
    assert_same(getattr(ours, name)(*args, **kwargs), getattr(theirs, name)(*args, **kwargs))


def test_signatures_match_gensim():
    """Every gensim method we mirror takes gensim's parameters, in order, with its defaults
    (ours may add parameters after them)."""
    gensim_models = pytest.importorskip("gensim.models")
    skipped = {"__init__", "save"}  # documented differences (see the class's Notes)
    checked = 0
    for name, theirs in inspect.getmembers(gensim_models.KeyedVectors, callable):
        mine = getattr(KeyedVectors, name, None)
        if name in skipped or mine is None or (name.startswith("_") and name not in (
                "__getitem__", "__setitem__", "__contains__", "__len__")):
            continue
        expected = [(p.name, p.default) for p in inspect.signature(theirs).parameters.values()]
        got = [(p.name, p.default) for p in inspect.signature(mine).parameters.values()]
        assert got[:len(expected)] == expected, name
        checked += 1
    assert checked >= 35


def test_what_we_do_not_mirror():
    """gensim's public names we leave out: deprecated aliases, attributes removed in gensim 4,
    training internals and logging helpers."""
    gensim_models = pytest.importorskip("gensim.models")
    theirs = {n for n in dir(gensim_models.KeyedVectors) if not n.startswith("_")}
    mine = {n for n in dir(KeyedVectors) if not n.startswith("_")}
    assert theirs - mine == {
        "word_vec", "words_closer_than", "init_sims", "index2entity", "index2word", "vocab",
        "vectors_norm", "similarity_unseen_docs", "intersect_word2vec_format",
        "allocate_vecattrs", "resize_vectors", "add_lifecycle_event", "log_accuracy",
        "log_evaluate_word_pairs"}


# ------------------------------------------------------- the reported cases, by formula
def test_topn_below_one_returns_empty_list(ours):
    assert ours.most_similar("w1", topn=0) == []
    assert ours.most_similar_cosmul("w1", topn=0) == []
    assert ours.similar_by_vector(VEC, topn=0) == []


def test_most_similar_takes_2d_arrays_and_weighted_pairs(ours, vectors):
    got = ours.most_similar(positive=ROWS, topn=None)
    target = unit(sum(ROWS.astype(np.float64)) / 3)
    np.testing.assert_allclose(got, [unit(v) @ target for v in vectors], rtol=1e-6)
    got = ours.most_similar(positive=[("w1", 0.5)], negative=[("w2", 2.0)], topn=None)
    mean = (0.5 * unit(vectors[1]) + 2.0 * unit(vectors[2])) / 2.5  # a pair's weight as given
    np.testing.assert_allclose(got, [unit(v) @ unit(mean) for v in vectors], rtol=1e-6)
    with pytest.raises(TypeError, match="pair"):
        ours.most_similar(positive=[("w1", 0.5, 1)])
    with pytest.raises(KeyError, match="nope"):
        ours.most_similar(positive=["nope"])
    with pytest.raises(ValueError, match="no input"):
        ours.most_similar(positive=[])


def test_n_similarity_averages_raw_vectors(ours, vectors):
    a = vectors[[1, 2]].astype(np.float64).mean(axis=0)
    b = vectors[[3, 4, 5]].astype(np.float64).mean(axis=0)
    assert ours.n_similarity(["w1", "w2"], ["w3", "w4", "w5"]) == pytest.approx(
        unit(a) @ unit(b), rel=1e-12)
    with pytest.raises(ZeroDivisionError):
        ours.n_similarity([], ["w1"])


def test_distance_to_itself_is_zero(ours):
    for key in KEYS:
        assert ours.distance(key, key) == 0.0
        assert ours.similarity(key, key) == 1.0
    zero = KeyedVectors(np.zeros((2, 3), np.float32), ["a", "b"])
    assert zero.similarity("a", "a") == 0.0 and zero.similarity("a", "b") == 0.0


def test_analogies_skip_case_variants_of_the_question_words(tmp_path):
    # 'Woman' is nearly king - man + woman, but it is 'woman' under case folding
    keys = ["man", "king", "woman", "queen", "Woman", "apple"]
    vecs = np.array([[1, 0, 0, 0], [1, 1, 0, 0], [0, 0, 1, 0], [0, 1, 0.9, 0.1],
                     [0, 1, 1, 0], [0, 0, 0, 1]], dtype=np.float32)
    questions = tmp_path / "q.txt"
    questions.write_text(": family\nman king woman queen\n")
    kv = KeyedVectors(vecs, keys)
    assert kv.most_similar(positive=["king", "woman"], negative=["man"], topn=1)[0][0] == "Woman"
    score, sections = kv.evaluate_word_analogies(questions)
    assert score == 1.0 and sections[-1]["correct"] == [("MAN", "KING", "WOMAN", "QUEEN")]
    strict, _ = kv.evaluate_word_analogies(questions, case_insensitive=False)
    assert strict == 0.0  # case-sensitively 'Woman' is another word, and it wins
    gensim_models = pytest.importorskip("gensim.models")
    theirs = gensim_models.KeyedVectors(4)
    theirs.add_vectors(keys, vecs)
    for flag in (True, False):
        assert theirs.evaluate_word_analogies(questions, case_insensitive=flag)[0] == (
            kv.evaluate_word_analogies(questions, case_insensitive=flag)[0])
    with pytest.raises(ValueError, match="section"):
        (tmp_path / "bad.txt").write_text("man king woman queen\n")
        kv.evaluate_word_analogies(tmp_path / "bad.txt")


def test_mean_vector_and_neighbour_queries_by_formula(ours, vectors):
    w = np.array([1.0, -2.0, 0.5])
    expected = sum(wi * unit(vectors[i]) for wi, i in zip(w, (1, 2, 3))) / np.abs(w).sum()
    np.testing.assert_allclose(ours.get_mean_vector(["w1", "w2", "w3"], w), expected,
                               rtol=1e-6)
    assert ours.get_mean_vector(["w1"]).dtype == np.float32
    with pytest.raises(KeyError):
        ours.get_mean_vector(["w1", "nope"], ignore_missing=False)
    with pytest.raises(ValueError, match="weights"):
        ours.get_mean_vector(["w1", "w2"], [1.0])
    cos = np.array([unit(vectors[1]) @ unit(v) for v in vectors])
    closer = [KEYS[i] for i in range(len(KEYS)) if cos[i] > cos[7] and i != 1]
    assert ours.closer_than("w1", "w7") == closer
    assert ours.rank("w1", "w7") == len(closer) + 1
    top3 = np.sort(np.delete(cos, 1))[::-1][:3]
    assert ours.relative_cosine_similarity("w1", "w2", 3) == pytest.approx(cos[2] / top3.sum())
    assert ours.most_similar_to_given("w1", ["w2", "w3"]) == ["w2", "w3"][int(cos[3] > cos[2])]


def test_cosmul_normalises_vectors_and_restricts_vocab(ours, vectors):
    # deliberate: gensim takes raw dot products with vectors and ignores restrict_vocab
    scaled = ours.most_similar_cosmul(positive=[5 * VEC], topn=None, restrict_vocab=10)
    np.testing.assert_allclose(scaled, [(1 + unit(v) @ unit(VEC)) / 2 for v in vectors[:10]],
                               rtol=1e-5)
    with pytest.raises(ValueError, match="positive"):
        ours.most_similar_cosmul(negative=["w1"])


# ------------------------------------------------------------------------- mutation
def test_mutations_match_gensim(ours, theirs):
    new = np.arange(24, dtype=np.float32).reshape(3, 8)
    for kv in (ours, theirs):
        kv.most_similar("w1")  # fill the norm caches first: mutations must refresh them
        kv.add_vectors(["w1", "x1", "x2"], new)  # keeps w1
        kv.add_vectors(["w2", "x3"], new[:2] + 1, replace=True)
        kv["x4"] = new[2] * 2
        kv[["w3"]] = new[:1] - 3
        kv.set_vecattr("x1", "tag", 5)
    assert ours.add_vector("x5", new[0] / 3) == len(ours) - 1
    with pytest.warns(UserWarning):  # gensim warns about growing one by one
        theirs.add_vector("x5", new[0] / 3)
    assert ours.index_to_key == theirs.index_to_key
    assert ours.key_to_index == theirs.key_to_index
    np.testing.assert_array_equal(ours.vectors, theirs.vectors)
    assert ours.get_vecattr("x1", "tag") == theirs.get_vecattr("x1", "tag") == 5
    assert ours.get_vecattr("w2", "tag") == theirs.get_vecattr("w2", "tag") == 0
    theirs.fill_norms(force=True)  # gensim keeps stale norms after add_vectors; we do not
    assert_same(ours.most_similar("x2"), theirs.most_similar("x2"))
    ours.unit_normalize_all()
    theirs.unit_normalize_all()
    np.testing.assert_allclose(ours.vectors, theirs.vectors, rtol=1e-6)
    assert_same(ours.most_similar("x2"), theirs.most_similar("x2"))


def test_empty_instance_like_gensim(vectors):
    kv = KeyedVectors(8)
    assert len(kv) == 0 and kv.vector_size == 8 and kv.vectors.dtype == np.float32
    kv.add_vectors(KEYS, vectors)
    assert kv.index_to_key == KEYS
    with pytest.raises(ValueError, match="add_vectors"):
        KeyedVectors(8, 10)
    with pytest.raises(ValueError, match="duplicate"):
        kv.add_vectors(["a", "a"], vectors[:2])
    with pytest.raises(ValueError, match="shape"):
        kv.add_vectors(["a"], vectors[:2])


def test_vectors_for_all_and_vecattrs(ours, theirs):
    ours.counts = np.arange(len(KEYS))[::-1] * 3
    for i, key in enumerate(KEYS):
        theirs.set_vecattr(key, "count", int(ours.counts[i]))
    keys = ["w3", "nope", "w1", "w3"]
    mine, gold = ours.vectors_for_all(keys, copy_vecattrs=True), theirs.vectors_for_all(
        keys, copy_vecattrs=True)
    assert mine.index_to_key == gold.index_to_key == ["w3", "w1"]
    np.testing.assert_array_equal(mine.vectors, gold.vectors)
    assert [mine.get_vecattr(k, "count") for k in mine.index_to_key] == [
        gold.get_vecattr(k, "count") for k in gold.index_to_key]
    with pytest.raises(KeyError, match="count"):
        ours.vectors_for_all(keys).get_vecattr("w3", "count")


def test_sort_by_descending_frequency_matches_gensim(ours, theirs):
    counts = np.random.default_rng(3).permutation(len(KEYS)) + 1  # distinct counts
    ours.counts = counts
    for key, c in zip(KEYS, counts):
        theirs.set_vecattr(key, "count", int(c))
    ours.sort_by_descending_frequency()
    theirs.sort_by_descending_frequency()
    assert ours.index_to_key == theirs.index_to_key
    np.testing.assert_array_equal(ours.vectors, theirs.vectors)
    np.testing.assert_array_equal(ours.counts, theirs.expandos["count"])


def test_save_and_load(ours, tmp_path):
    ours.counts = np.arange(len(KEYS))
    for name in ("kv.pkl", "kv.pkl.gz"):
        ours.save(tmp_path / name)
        back = KeyedVectors.load(tmp_path / name)
        assert back.index_to_key == ours.index_to_key
        np.testing.assert_array_equal(back.vectors, ours.vectors)
        np.testing.assert_array_equal(back.counts, ours.counts)
        assert back.most_similar("w1") == ours.most_similar("w1")
    with open(tmp_path / "h.pkl", "wb") as handle:
        ours.save(handle)
    assert KeyedVectors.load(tmp_path / "h.pkl").index_to_key == KEYS
    (tmp_path / "other.pkl").write_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(TypeError, match="dict"):
        KeyedVectors.load(tmp_path / "other.pkl")
    with pytest.raises(ValueError, match="mmap"):
        KeyedVectors.load(tmp_path / "kv.pkl", mmap="r")


# ---------------------------------------------------------------------- wmdistance
def test_wmdistance_against_assignment_and_closed_forms(ours, vectors):
    doc1, doc2 = ["w1", "w2", "w3", "w4"], ["w5", "w6", "w7", "w8"]
    unit_rows = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    # equal uniform masses: the optimum is a permutation (Birkhoff-von Neumann)
    cost = np.linalg.norm(unit_rows[1:5, None] - unit_rows[None, 5:9], axis=2)
    r, c = linear_sum_assignment(cost)
    assert ours.wmdistance(doc1, doc2) == pytest.approx(cost[r, c].sum() / 4, rel=1e-6)
    raw = np.linalg.norm(vectors[1:5, None] - vectors[None, 5:9], axis=2)
    r, c = linear_sum_assignment(raw)
    assert ours.wmdistance(doc1, doc2, norm=False) == pytest.approx(raw[r, c].sum() / 4,
                                                                    rel=1e-6)
    # one word receives everything: the mass-weighted mean distance to it
    doc = ["w1", "w2", "w2", "w3"]
    d = np.linalg.norm(unit_rows[[1, 2, 2, 3]] - unit_rows[9], axis=1).mean()
    assert ours.wmdistance(doc, ["w9"]) == pytest.approx(d, rel=1e-6)
    assert ours.wmdistance(doc1, doc2) == pytest.approx(ours.wmdistance(doc2, doc1), rel=1e-6)
    assert ours.wmdistance(doc1, list(reversed(doc1))) == pytest.approx(0, abs=1e-9)
    assert ours.wmdistance(["nope"], doc1) == float("inf")
    assert ours.wmdistance([*doc1, "nope"], doc2) == ours.wmdistance(doc1, doc2)


def test_wmdistance_matches_gensim_with_pot(ours, theirs):
    pytest.importorskip("ot")
    doc1, doc2 = ["w1", "w2", "w2", "w3"], ["w5", "w6", "w7", "w1", "w1"]
    assert ours.wmdistance(doc1, doc2) == pytest.approx(theirs.wmdistance(doc1, doc2),
                                                        rel=1e-6)


# ------------------------------------------------------------------------- files
def test_public_import_and_old_path():
    import sklearn_deep.keyedvectors
    from sklearn_deep.estimators._keyedvectors import KeyedVectors as Old
    assert Old is KeyedVectors is sklearn_deep.keyedvectors.KeyedVectors


FORMATS = list(itertools.product([False, True], ["", ".gz"]))


@pytest.mark.parametrize("binary, suffix", FORMATS)
def test_files_byte_identical_to_gensim(ours, theirs, tmp_path, binary, suffix):
    import gzip
    counts = np.random.default_rng(4).integers(1, 50, len(KEYS))
    ours.counts = counts
    for key, c in zip(KEYS, counts):
        theirs.set_vecattr(key, "count", int(c))
    mine, gold = tmp_path / f"mine{suffix}", tmp_path / f"gold{suffix}"
    ours.save_word2vec_format(mine, tmp_path / "mine.vocab", binary)  # gensim's positions
    theirs.save_word2vec_format(gold, tmp_path / "gold.vocab", binary)
    read = gzip.decompress if suffix else bytes
    assert read(mine.read_bytes()) == read(gold.read_bytes())
    assert (tmp_path / "mine.vocab").read_bytes() == (tmp_path / "gold.vocab").read_bytes()
    for kw in ({"prefix": "p_", "total_vec": 99}, {"write_header": False}):
        ours.save_word2vec_format(mine, binary=binary, **kw)
        theirs.save_word2vec_format(gold, binary=binary, **kw)
        assert read(mine.read_bytes()) == read(gold.read_bytes())


@pytest.mark.parametrize("binary, suffix", FORMATS)
def test_files_read_both_ways(ours, theirs, tmp_path, binary, suffix):
    gensim_models = pytest.importorskip("gensim.models")
    ours.counts = np.arange(len(KEYS)) + 1
    for key in KEYS:
        theirs.set_vecattr(key, "count", ours.get_vecattr(key, "count"))
    for writer, reader in ((ours, gensim_models.KeyedVectors), (theirs, KeyedVectors)):
        path, vocab = tmp_path / f"v{suffix}", tmp_path / f"vocab{suffix}"
        writer.save_word2vec_format(path, vocab, binary)
        back = reader.load_word2vec_format(path, vocab, binary, limit=30)
        assert back.index_to_key == (KEYS[::-1])[:30]  # written by decreasing count
        np.testing.assert_array_equal(back.vectors, ours[back.index_to_key])
        assert [back.get_vecattr(k, "count") for k in back.index_to_key] == list(
            range(len(KEYS), len(KEYS) - 30, -1))


def test_no_header_files(ours, theirs, tmp_path):
    gensim_models = pytest.importorskip("gensim.models")
    ours.save_word2vec_format(tmp_path / "glove.txt", write_header=False)
    mine = KeyedVectors.load_word2vec_format(tmp_path / "glove.txt", no_header=True)
    gold = gensim_models.KeyedVectors.load_word2vec_format(tmp_path / "glove.txt",
                                                           no_header=True)
    assert mine.index_to_key == gold.index_to_key == KEYS
    np.testing.assert_array_equal(mine.vectors, gold.vectors)
    limited = KeyedVectors.load_word2vec_format(tmp_path / "glove.txt", no_header=True,
                                                limit=5)
    assert limited.index_to_key == KEYS[:5]
    with pytest.raises(ValueError, match="text"):
        KeyedVectors.load_word2vec_format(tmp_path / "glove.txt", binary=True, no_header=True)


@pytest.mark.parametrize("binary", [False, True])
def test_repeated_word_keeps_the_first_like_gensim(tmp_path, binary):
    rows = np.arange(12, dtype=np.float32).reshape(4, 3)
    words = ["a", "b", "a", "c"]
    body = b"".join(w.encode() + b" " + (r.astype("<f4").tobytes() if binary else
                                         " ".join(map(str, r)).encode() + b"\n")
                    for w, r in zip(words, rows))
    path = tmp_path / "dup"
    path.write_bytes(b"4 3\n" + body)
    with pytest.warns(UserWarning, match="'a' repeated"):
        kv = KeyedVectors.load_word2vec_format(path, binary=binary)
    assert kv.index_to_key == ["a", "b", "c"]
    np.testing.assert_array_equal(kv.vectors, rows[[0, 1, 3]])
    gensim_models = pytest.importorskip("gensim.models")
    gold = gensim_models.KeyedVectors.load_word2vec_format(path, binary=binary)
    # gensim also leaves an extra None key with a zero vector behind
    assert gold.index_to_key[:3] == kv.index_to_key
    np.testing.assert_array_equal(gold.vectors[:3], kv.vectors)


def test_file_errors(tmp_path, ours):
    with pytest.raises(ValueError, match="count"):
        ours.save_word2vec_format(tmp_path / "v.txt", tmp_path / "vocab.txt")
    (tmp_path / "short.txt").write_bytes(b"3 2\na 1 2\n")
    with pytest.raises(ValueError, match="end of file"):
        KeyedVectors.load_word2vec_format(tmp_path / "short.txt")
    (tmp_path / "vocab.txt").write_bytes(b"a 1 extra\n")
    with pytest.raises(ValueError, match="word count"):
        KeyedVectors.load_word2vec_format(tmp_path / "short.txt", tmp_path / "vocab.txt")
    (tmp_path / "ok.txt").write_bytes(b"2 2\na 1 2\nb 3 4\n")
    (tmp_path / "vocab.txt").write_bytes(b"a 7\n")
    with pytest.warns(UserWarning, match="lacks 1"):
        kv = KeyedVectors.load_word2vec_format(tmp_path / "ok.txt", tmp_path / "vocab.txt")
    assert list(kv.counts) == [7, 0]


def test_unpickles_objects_saved_before_per_key_attributes(vectors):
    kv = KeyedVectors.__new__(KeyedVectors)
    kv.__setstate__({"vectors": vectors, "index_to_key": KEYS, "_norm_cache": None,
                     "key_to_index": {k: i for i, k in enumerate(KEYS)},
                     "counts": np.arange(len(KEYS))})
    assert kv.get_vecattr("w3", "count") == 3
    assert kv.most_similar("w1", topn=1)[0][0] in KEYS


@pytest.fixture
def eval_files(tmp_path):
    rng = np.random.default_rng(5)
    keys = [*KEYS[:30], "NOPE", "W3"]  # an unknown word and a case variant
    questions = tmp_path / "questions.txt"
    lines = []
    for section in ("first", "second"):
        lines.append(f": {section}")
        lines += [" ".join(rng.choice(keys, 4, replace=False)) for _ in range(40)]
    lines.append("too few words")
    questions.write_text("\n".join(lines) + "\n")
    pairs = tmp_path / "pairs.tsv"
    rows = [f"{a}\t{b}\t{rng.uniform(0, 10):.2f}" for a, b in
            (rng.choice(keys, 2, replace=False) for _ in range(60))]
    pairs.write_text("# a comment\nword1\tword2\trating\n" + "\n".join(rows) + "\n")
    return questions, pairs


@pytest.mark.parametrize("restrict_vocab, case_insensitive, dummy4unknown",
                         [(300000, True, False), (25, True, True), (300000, False, True),
                          (20, False, False)])
def test_evaluations_match_gensim(ours, theirs, eval_files, restrict_vocab,
                                  case_insensitive, dummy4unknown):
    questions, pairs = eval_files
    kw = {"restrict_vocab": restrict_vocab, "case_insensitive": case_insensitive,
          "dummy4unknown": dummy4unknown}
    score, sections = ours.evaluate_word_analogies(questions, **kw)
    their_score, their_sections = theirs.evaluate_word_analogies(questions, **kw)
    assert score == pytest.approx(their_score)
    assert sections == their_sections
    mine, gold = ours.evaluate_word_pairs(pairs, **kw), theirs.evaluate_word_pairs(pairs, **kw)
    for m, g in zip(mine[:2], gold[:2]):
        assert type(m) is type(g)
        assert m.statistic == pytest.approx(g.statistic, rel=1e-5)
        assert m.pvalue == pytest.approx(g.pvalue, rel=1e-4)
    assert mine[2] == pytest.approx(gold[2])


def test_word_pairs_without_known_pairs(ours, tmp_path):
    (tmp_path / "p.tsv").write_text("nope\tw1\t3\n")
    with pytest.raises(ValueError, match="no rated pair"):
        ours.evaluate_word_pairs(tmp_path / "p.tsv")


def test_binary_reader_across_read_chunks(tmp_path):
    # rows of 300 000 float32 (1.2 MB) straddle the reader's 1 MiB reads
    rows = np.random.default_rng(6).standard_normal((3, 300_000)).astype(np.float32)
    kv = KeyedVectors(rows, ["a", "bb", "ccc"])
    kv.save_word2vec_format(tmp_path / "big.bin", binary=True)
    back = KeyedVectors.load_word2vec_format(tmp_path / "big.bin", binary=True)
    assert back.index_to_key == ["a", "bb", "ccc"]
    np.testing.assert_array_equal(back.vectors, rows)
    (tmp_path / "cut.bin").write_bytes((tmp_path / "big.bin").read_bytes()[:-5])
    with pytest.raises(ValueError, match="end of file at word 2"):
        KeyedVectors.load_word2vec_format(tmp_path / "cut.bin", binary=True)


def test_unicode_append_datatype_and_norms_match_gensim(tmp_path):
    gensim_models = pytest.importorskip("gensim.models")
    keys = ["café", "日本", "naïve", "plain"]
    rows = np.random.default_rng(7).standard_normal((4, 5)).astype(np.float32)
    mine, gold = KeyedVectors(rows.copy(), keys), gensim_models.KeyedVectors(5)
    gold.add_vectors(keys, rows.copy())
    gold.fill_norms()
    np.testing.assert_allclose(mine.norms, gold.norms, rtol=1e-6)
    np.testing.assert_allclose(mine.get_normed_vectors(), gold.get_normed_vectors(), rtol=1e-6)
    for binary in (False, True):
        for kv, name in ((mine, "mine"), (gold, "gold")):
            kv.save_word2vec_format(tmp_path / name, binary=binary)
            kv.save_word2vec_format(tmp_path / name, binary=binary, prefix="x_", append=True)
        assert (tmp_path / "mine").read_bytes() == (tmp_path / "gold").read_bytes()
        for datatype in (np.float16, np.float64):
            ours_back = KeyedVectors.load_word2vec_format(tmp_path / "mine", binary=binary,
                                                          datatype=datatype, limit=4)
            gold_back = gensim_models.KeyedVectors.load_word2vec_format(
                tmp_path / "mine", binary=binary, datatype=datatype, limit=4)
            assert ours_back.index_to_key == gold_back.index_to_key == keys
            assert ours_back.vectors.dtype == gold_back.vectors.dtype == datatype
            np.testing.assert_array_equal(ours_back.vectors, gold_back.vectors)


def test_truncated_multibyte_word_with_unicode_errors(tmp_path):
    # the C tool may cut a word inside a multibyte character
    path = tmp_path / "cut.txt"
    path.write_bytes(b"1 2\n" + "café".encode()[:-1] + b" 1.0 2.0\n")
    with pytest.raises(UnicodeDecodeError):
        KeyedVectors.load_word2vec_format(path)
    assert KeyedVectors.load_word2vec_format(path, unicode_errors="ignore").index_to_key == [
        "caf"]
    gensim_models = pytest.importorskip("gensim.models")
    assert gensim_models.KeyedVectors.load_word2vec_format(
        path, unicode_errors="ignore").index_to_key == ["caf"]
