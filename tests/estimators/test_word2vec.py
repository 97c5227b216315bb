"""Word2VecTransformer: losses and gradients against direct formulas and central
differences, learning on the synthetic language, the transformer API, files, errors.
gensim is an oracle where installed."""

import pickle

import numpy as np
import pytest
from scipy import stats
from scipy.special import expit, log_softmax
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_deep.datasets import CATEGORIES, category_precision, make_synthetic_language
from sklearn_deep.engine import Tensor, check_grad
from sklearn_deep.estimators import Word2VecTransformer
from sklearn_deep.estimators._keyedvectors import KeyedVectors
from sklearn_deep.estimators._text import HuffmanTree
from sklearn_deep.estimators.word2vec import word2vec_batch_loss

SMALL = dict(vector_size=30, min_count=3, epochs=5, random_state=0)


@pytest.fixture(scope="module")
def language():
    return make_synthetic_language(15000, random_state=0)


@pytest.fixture(scope="module")
def texts(language):
    return language.sentences


@pytest.fixture(scope="module")
def sg_model(texts):
    return Word2VecTransformer(sg=1, **SMALL).fit(texts)


# --------------------------------------------------------------- loss and gradients
def _loss_problem(seed=0, n_words=7, d=4, b=3, c=4, k=3):
    rng = np.random.default_rng(seed)
    contexts = rng.integers(0, n_words, (b, c))
    mask = rng.random((b, c)) < 0.7
    mask[:, 0] = True
    centres = rng.integers(0, n_words, b)
    negatives = rng.integers(0, n_words, (b, k))
    negatives[0, 0] = centres[0]  # a negative equal to the centre must be ignored
    tables = [rng.normal(0, 0.5, (n_words, d)) for _ in range(3)]
    return contexts, mask, centres, negatives, tables


def _hidden(syn0, contexts, mask, sg, cbow_mean):
    """Hidden vectors per training example, computed directly (list of (centre_row, h))."""
    out = []
    for b in range(contexts.shape[0]):
        rows = syn0[contexts[b][mask[b]]]
        if sg:
            out += [(b, h) for h in rows]
        elif len(rows):
            out.append((b, rows.mean(axis=0) if cbow_mean else rows.sum(axis=0)))
    return out


def _log_sigmoid(x):
    return -np.logaddexp(0.0, -x)


@pytest.mark.parametrize("sg", [1, 0])
@pytest.mark.parametrize("cbow_mean", [1, 0])
def test_negative_sampling_loss_matches_formula_and_gradients(sg, cbow_mean):
    contexts, mask, centres, negatives, (syn0, syn1neg, _) = _loss_problem()
    loss, n = word2vec_batch_loss(Tensor(syn0), contexts, mask, centres, sg=sg,
                                  cbow_mean=cbow_mean, syn1neg=Tensor(syn1neg),
                                  negatives=negatives)
    expected, examples = 0.0, _hidden(syn0, contexts, mask, sg, cbow_mean)
    for b, h in examples:
        expected -= _log_sigmoid(h @ syn1neg[centres[b]])
        for neg in negatives[b]:
            if neg != centres[b]:
                expected -= _log_sigmoid(-h @ syn1neg[neg])
    assert n == len(examples)
    assert loss.item() == pytest.approx(expected, rel=1e-10)
    check_grad(lambda s0, s1: word2vec_batch_loss(
        s0, contexts, mask, centres, sg=sg, cbow_mean=cbow_mean, syn1neg=s1,
        negatives=negatives)[0], syn0, syn1neg)


@pytest.mark.parametrize("sg", [1, 0])
def test_hierarchical_softmax_loss_matches_tree_probabilities(sg):
    contexts, mask, centres, _, (syn0, _, _) = _loss_problem(1)
    counts = np.array([40, 20, 10, 8, 5, 3, 1])
    tree = HuffmanTree(counts)
    syn1 = np.random.default_rng(5).normal(0, 0.5, (tree.n_inner, syn0.shape[1]))
    kwargs = dict(points=tree.points, codes=tree.codes, path_lengths=tree.lengths)
    loss, _ = word2vec_batch_loss(Tensor(syn0), contexts, mask, centres, sg=sg,
                                  syn1=Tensor(syn1), **kwargs)
    expected = 0.0
    for b, h in _hidden(syn0, contexts, mask, sg, True):
        w = centres[b]
        for node, bit in zip(tree.points[w, :tree.lengths[w]], tree.codes[w, :tree.lengths[w]]):
            expected -= _log_sigmoid((1 - 2 * bit) * (h @ syn1[node]))
    assert loss.item() == pytest.approx(expected, rel=1e-10)
    # the tree defines a distribution: Σ_w P(w | h) = 1
    h = syn0[0]
    logp = [sum(_log_sigmoid((1 - 2 * c) * (h @ syn1[p]))
                for p, c in zip(tree.points[w, :tree.lengths[w]],
                                tree.codes[w, :tree.lengths[w]]))
            for w in range(len(counts))]
    assert np.exp(logp).sum() == pytest.approx(1.0)
    check_grad(lambda s0, s1: word2vec_batch_loss(s0, contexts, mask, centres, sg=sg,
                                                  syn1=s1, **kwargs)[0], syn0, syn1)


@pytest.mark.parametrize("sg", [1, 0])
def test_full_softmax_loss_matches_numpy(sg):
    contexts, mask, centres, _, (syn0, _, out) = _loss_problem(2)
    loss, _ = word2vec_batch_loss(Tensor(syn0), contexts, mask, centres, sg=sg,
                                  softmax_out=Tensor(out))
    expected = sum(-log_softmax(out @ h)[centres[b]]
                   for b, h in _hidden(syn0, contexts, mask, sg, True))
    assert loss.item() == pytest.approx(expected, rel=1e-10)
    check_grad(lambda s0, o: word2vec_batch_loss(s0, contexts, mask, centres, sg=sg,
                                                 softmax_out=o)[0], syn0, out)


def test_both_output_layers_add_up():
    contexts, mask, centres, negatives, (syn0, syn1neg, _) = _loss_problem(3)
    tree = HuffmanTree(np.arange(7, 0, -1))
    syn1 = np.random.default_rng(0).normal(0, 0.5, (6, 4))
    hs = dict(syn1=Tensor(syn1), points=tree.points, codes=tree.codes,
              path_lengths=tree.lengths)
    ns = dict(syn1neg=Tensor(syn1neg), negatives=negatives)
    both = word2vec_batch_loss(Tensor(syn0), contexts, mask, centres, **ns, **hs)[0].item()
    alone = (word2vec_batch_loss(Tensor(syn0), contexts, mask, centres, **ns)[0].item()
             + word2vec_batch_loss(Tensor(syn0), contexts, mask, centres, **hs)[0].item())
    assert both == pytest.approx(alone)


def test_one_sgd_step_is_word2vec_update():
    """Summed loss + SGD at rate alpha = word2vec.c's update g = (label − σ(f))·alpha."""
    contexts = np.array([[1, 0]])
    mask = np.array([[True, False]])
    centres, negatives = np.array([2]), np.array([[3]])
    rng = np.random.default_rng(0)
    syn0, syn1neg = rng.normal(0, 0.3, (4, 3)), rng.normal(0, 0.3, (4, 3))
    t0, t1 = Tensor(syn0, requires_grad=True, sparse_grad=True), Tensor(
        syn1neg, requires_grad=True, sparse_grad=True)
    loss, _ = word2vec_batch_loss(t0, contexts, mask, centres, syn1neg=t1,
                                  negatives=negatives)
    loss.backward()
    alpha, h = 0.025, syn0[1]
    neu1e = np.zeros(3)
    expected_out = syn1neg.copy()
    for word, label in ((2, 1.0), (3, 0.0)):
        g = (label - expit(h @ syn1neg[word])) * alpha
        neu1e += g * syn1neg[word]
        expected_out[word] += g * h
    np.testing.assert_allclose(syn0[1] - alpha * t0.grad.to_dense()[1], syn0[1] + neu1e)
    np.testing.assert_allclose(syn1neg - alpha * t1.grad.to_dense(), expected_out)


# ----------------------------------------------------------- learning the language
def _neighbour_precision(wv, k=5):
    return category_precision(wv, topn=k)


def _analogy_accuracy(wv, language, tmp_path):
    path = tmp_path / "questions.txt"
    from sklearn_deep.datasets import write_analogies
    write_analogies(path)
    return wv.evaluate_word_analogies(path)[0]


# Analogy thresholds sit below what gensim reaches with the same settings on this corpus
# (measured, two seeds: sg-ns 0.91–0.97, cbow-ns 0.77–0.83, sg-hs 0.48–0.50, cbow-hs
# 0.27–0.29) and far above chance (one in the ~170 words).
@pytest.mark.parametrize("params, min_accuracy", [
    (dict(sg=1), 0.8), (dict(sg=0), 0.6), (dict(sg=1, hs=1, negative=0), 0.35),
    (dict(sg=0, hs=1, negative=0), 0.2)], ids=["sg-ns", "cbow-ns", "sg-hs", "cbow-hs"])
def test_vectors_recover_categories_and_the_planted_relation(params, min_accuracy, texts,
                                                             language, tmp_path):
    model = Word2VecTransformer(**{**SMALL, **params}).fit(texts)
    n_words = len(model.wv)
    # chance: a neighbour is in the word's category with probability ≈ 1/9
    assert _neighbour_precision(model.wv) > 0.7
    assert _analogy_accuracy(model.wv, language, tmp_path) > min_accuracy > 30 / n_words
    curve = model.loss_curve_
    assert len(curve) == 5 and all(np.isfinite(curve)) and curve[-1] < curve[0]


def test_full_softmax_learns_the_language(texts, language, tmp_path):
    model = Word2VecTransformer(sg=1, hs=0, negative=0, **SMALL).fit(texts)
    assert model.syn1softmax_.shape == model.wv.vectors.shape
    assert _neighbour_precision(model.wv) > 0.6
    assert _analogy_accuracy(model.wv, language, tmp_path) > 0.3


def test_negative_sampling_ranks_contexts_like_the_full_softmax(texts):
    """Both estimate which words occur in a context. NS learns the shifted PMI
    (Levy & Goldberg 2014), whose order for a fixed context is that of P(w | c) / P(w)^0.75:
    not identical to the softmax's P(w | c) (here ns_exponent=0 removes the unigram
    factor, leaving the count-based shift), so we ask for a clearly positive rank
    correlation over the whole vocabulary (> 0.5), and a top-10 overlap five times
    chance."""
    kwargs = dict(SMALL, sg=0, epochs=8)
    softmax = Word2VecTransformer(hs=0, negative=0, **kwargs).fit(texts)
    # word2vec's own negative sampling (a draw per centre): the property is about what
    # that objective learns, not about sharing draws among centres (an approximation
    # whose quality benchmarks/word2vec.py measures; its top-10 overlap here is within
    # the seed-to-seed spread, 0.22-0.35 over shared_negatives 1-16 and two seeds)
    ns = Word2VecTransformer(negative=5, ns_exponent=0.0, shared_negatives=1,
                             **kwargs).fit(texts)
    n_words = len(ns.wv)
    rhos, overlaps = [], []
    for context in (["capital", "of"], ["the", "animal"], ["people", "in"], ["ate", "the"]):
        p_soft = dict(softmax.predict_output_word(context, topn=n_words))
        p_ns = dict(ns.predict_output_word(context, topn=n_words))
        keys = sorted(p_soft)
        rhos.append(stats.spearmanr([p_soft[k] for k in keys], [p_ns[k] for k in keys])[0])
        top_soft = {w for w, _ in softmax.predict_output_word(context, topn=10)}
        top_ns = {w for w, _ in ns.predict_output_word(context, topn=10)}
        overlaps.append(len(top_soft & top_ns) / 10)
    assert np.mean(rhos) > 0.5, rhos
    assert np.mean(overlaps) > 0.3, overlaps  # chance: 10 / ~170 words ≈ 0.06


@pytest.mark.parametrize("sg", [1, 0])
def test_quality_as_good_as_gensim(sg, tmp_path):
    gensim_models = pytest.importorskip("gensim.models")
    language = make_synthetic_language(15000, random_state=1)
    tokens = [s.split() for s in language.sentences]
    params = dict(vector_size=50, window=5, min_count=5, sg=sg, negative=5, epochs=5)
    ours, theirs = [], []
    for seed in range(2):
        ours_model = Word2VecTransformer(random_state=seed, **params).fit(tokens)
        gensim_model = gensim_models.Word2Vec(tokens, seed=seed + 1, workers=1, **params)
        ours.append((_analogy_accuracy(ours_model.wv, language, tmp_path),
                     _neighbour_precision(ours_model.wv)))
        theirs.append((_analogy_accuracy(gensim_model.wv, language, tmp_path),
                       _neighbour_precision(gensim_model.wv)))
    ours, theirs = np.mean(ours, axis=0), np.mean(theirs, axis=0)
    assert ours[0] >= theirs[0] - 0.1, (ours, theirs)
    assert ours[1] >= theirs[1] - 0.1, (ours, theirs)


@pytest.mark.slow
def test_small_corpus_skipgram_analogies_match_gensim(tmp_path):
    """Skip-gram on a small, undertrained corpus (34k tokens, 5 epochs), where analogy
    accuracy rises steeply with the learning rate and varies by about 0.05 from seed to
    seed: mean over 8 seeds, like with like. Our default follows the linear decay, as
    gensim nearly does when it recomputes alpha every 1,000 words; with
    ``alpha_step_words=10000`` ours recomputes it as gensim's default does. Batches of 1 %
    of the corpus with negatives shared by 4 centres (the former default) fail both:
    0.045 and 0.058 below gensim on these seeds."""
    gensim_models = pytest.importorskip("gensim.models")
    language = make_synthetic_language(5000, random_state=0)
    tokens = [s.split() for s in language.sentences]
    params = dict(sg=1, vector_size=50, window=5, negative=5, min_count=3, sample=1e-3,
                  epochs=5)
    seeds = range(8)

    def ours(**extra):
        return np.mean([_analogy_accuracy(
            Word2VecTransformer(random_state=seed, **params, **extra).fit(tokens).wv,
            language, tmp_path) for seed in seeds])

    def theirs(batch_words):
        return np.mean([_analogy_accuracy(
            gensim_models.Word2Vec(tokens, seed=seed + 1, workers=1, batch_words=batch_words,
                                   **params).wv, language, tmp_path) for seed in seeds])

    linear, gensim_linear = ours(alpha_step_words=None), theirs(1000)
    stepped, gensim_stepped = ours(), theirs(10000)
    assert linear >= gensim_linear - 0.03, (linear, gensim_linear)
    assert stepped >= gensim_stepped - 0.03, (stepped, gensim_stepped)


# ------------------------------------------------------------------- estimator API
def test_random_state_gives_bit_identical_vectors(texts):
    a = Word2VecTransformer(sg=1, **{**SMALL, "epochs": 1}).fit(texts)
    b = Word2VecTransformer(sg=1, **{**SMALL, "epochs": 1}).fit(texts)
    c = Word2VecTransformer(sg=1, **{**SMALL, "epochs": 1, "random_state": 1}).fit(texts)
    np.testing.assert_array_equal(a.wv.vectors, b.wv.vectors)
    np.testing.assert_array_equal(a.syn1neg_, b.syn1neg_)
    assert not np.array_equal(a.wv.vectors, c.wv.vectors)
    # refitting the same estimator starts afresh and gives the same result
    np.testing.assert_array_equal(a.fit(texts).wv.vectors, b.wv.vectors)


def test_vocabulary_follows_min_count_and_is_sorted(texts):
    model = Word2VecTransformer(min_count=50, epochs=1, random_state=0).fit(texts)
    counts = model.wv.counts
    assert (counts >= 50).all() and (np.diff(counts) <= 0).all()
    all_counts = {}
    for text in texts:
        for w in text.split():
            all_counts[w] = all_counts.get(w, 0) + 1
    assert set(model.wv.index_to_key) == {w for w, c in all_counts.items() if c >= 50}
    assert model.corpus_total_words_ == sum(all_counts.values())
    assert model.corpus_count_ == len(texts)


def test_transform_is_mean_of_known_word_vectors(sg_model):
    docs = ["paris is the capital of france", "zzz unknown qqq", "Dog DOG cat"]
    out = sg_model.transform(docs)
    assert out.shape == (3, 30) and out.dtype == np.float64
    wv = sg_model.wv
    np.testing.assert_allclose(out[0], np.mean([wv[w] for w in docs[0].split()], axis=0),
                               rtol=1e-5)
    np.testing.assert_array_equal(out[1], 0.0)
    np.testing.assert_allclose(out[2], (2 * wv["dog"] + wv["cat"]) / 3, rtol=1e-5)
    # token lists give the same rows, and rows do not depend on the other documents
    np.testing.assert_allclose(sg_model.transform([["dog", "dog", "cat"]]), out[2:])
    assert list(sg_model.get_feature_names_out()) == [
        f"word2vectransformer{i}" for i in range(30)]


def test_tfidf_and_sif_weighting(texts):
    tfidf = Word2VecTransformer(weighting="tfidf", **SMALL).fit(texts)
    wv = tfidf.wv
    doc = ["dog", "dog", "the"]
    idf = np.log((1 + len(texts)) / (1 + tfidf.doc_freq_)) + 1
    w = np.array([2 * idf[wv.key_to_index["dog"]], idf[wv.key_to_index["the"]]])
    expected = (w[0] * wv["dog"] + w[1] * wv["the"]) / w.sum()
    np.testing.assert_allclose(tfidf.transform([doc])[0], expected, rtol=1e-5)

    sif = Word2VecTransformer(weighting="sif", **SMALL).fit(texts)
    wv, a = sif.wv, sif.sif_alpha
    p = wv.counts / wv.counts.sum()
    weight = a / (a + p[[wv.key_to_index[t] for t in doc]])
    v = (weight[:, None] * wv[doc]).sum(axis=0) / 3
    u = sif.sif_component_
    assert np.linalg.norm(u) == pytest.approx(1.0)
    np.testing.assert_allclose(sif.transform([doc])[0], v - (v @ u) * u, rtol=1e-4,
                               atol=1e-7)
    # the removed component is the top singular direction of the training documents
    rows = Word2VecTransformer(weighting="sif", **SMALL).fit(texts)
    rows.sif_component_ = None
    train = rows.transform(texts)
    top = np.linalg.svd(train, full_matrices=False)[2][0]
    assert abs(top @ u) == pytest.approx(1.0, abs=1e-6)


def test_pipeline_and_grid_search_on_raw_strings(language):
    texts = language.sentences[:1500]
    # a document-level label: does the sentence mention an animal?
    animals = set(CATEGORIES["animal"])
    y = np.array([any(w in animals for w in t.split()) for t in texts]).astype(int)
    pipe = Pipeline([("w2v", Word2VecTransformer(vector_size=20, min_count=2, epochs=3,
                                                 random_state=0)),
                     ("scale", StandardScaler()),
                     ("clf", LogisticRegression(max_iter=1000))])
    scores = cross_val_score(pipe, texts, y, cv=3)
    assert scores.mean() > 0.85
    search = GridSearchCV(pipe, {"w2v__sg": [0, 1]}, cv=2).fit(texts, y)
    assert search.best_score_ > 0.8


def test_pickle_and_clone(sg_model):
    restored = pickle.loads(pickle.dumps(sg_model))
    docs = ["the dog ate bread", "tokyo"]
    np.testing.assert_array_equal(restored.transform(docs), sg_model.transform(docs))
    assert restored.wv.most_similar("dog", topn=3) == sg_model.wv.most_similar("dog", topn=3)
    fresh = clone(sg_model)
    assert not hasattr(fresh, "wv_") and fresh.get_params() == sg_model.get_params()


def test_sklearn_tags_declare_text_input():
    tags = Word2VecTransformer().__sklearn_tags__()
    assert tags.input_tags.string and not tags.input_tags.two_d_array


def test_file_input_streams_like_a_list(tmp_path, texts):
    path = tmp_path / "corpus.txt"
    make_synthetic_language(15000, random_state=0, path=path)
    from_file = Word2VecTransformer(**{**SMALL, "epochs": 2}).fit(path)
    from_list = Word2VecTransformer(**{**SMALL, "epochs": 2}).fit(texts)
    assert from_file.wv.index_to_key == from_list.wv.index_to_key
    np.testing.assert_array_equal(from_file.wv.vectors, from_list.wv.vectors)
    assert from_file.transform(path).shape == (15000, 30)


def test_long_texts_are_not_truncated():
    rng = np.random.default_rng(0)
    words = ["w0", "w1", "w2", "w3"]
    text = list(rng.choice(words, 25_000)) + ["late"] * 10  # gensim would cut at 10,000
    model = Word2VecTransformer(vector_size=8, min_count=5, epochs=1, batch_words=700,
                                random_state=0).fit([text])
    assert model.corpus_total_words_ == 25_010
    assert "late" in model.wv and model.wv.counts[model.wv.key_to_index["late"]] == 10


def test_partial_fit_continues_and_grows_the_vocabulary(texts):
    model = Word2VecTransformer(**SMALL)
    model.partial_fit(texts[:3000])
    assert model.n_iter_ == 1 and len(model.loss_curve_) == 1
    before = model.wv.vectors.copy()
    n_before = len(model.wv)
    new = [f"zebra{i % 3} runs fast" for i in range(30)]
    model.partial_fit(list(texts[3000:]) + new)
    assert model.n_iter_ == 2 and len(model.loss_curve_) == 2
    assert {"zebra0", "zebra1", "runs", "fast"} <= set(model.wv.index_to_key)
    assert len(model.wv) > n_before
    assert model.wv.index_to_key[:n_before] == model.wv.index_to_key[:n_before]
    assert not np.array_equal(model.wv.vectors[:n_before], before)  # trained further
    assert model.syn1neg_.shape == model.wv.vectors.shape
    assert model.transform(["zebra1 runs"]).any()


def test_warm_start_continues_training(texts):
    model = Word2VecTransformer(warm_start=True, **{**SMALL, "epochs": 2}).fit(texts)
    first = model.wv.vectors.copy()
    model.fit(texts)
    assert model.n_iter_ == 4 and len(model.loss_curve_) == 4
    assert model.wv.vectors.shape == first.shape and not np.array_equal(
        model.wv.vectors, first)
    model.set_params(hs=1)
    with pytest.raises(ValueError, match="cannot change"):
        model.fit(texts)


def test_predict_output_word(sg_model, texts):
    cbow = Word2VecTransformer(sg=0, **SMALL).fit(texts)
    top = cbow.predict_output_word(["capital", "of", "is"], topn=5)
    assert len(top) == 5 and all(0 < p <= 1 for _, p in top)
    assert [p for _, p in top] == sorted((p for _, p in top), reverse=True)
    assert cbow.predict_output_word(["unknownword"]) is None
    hs = Word2VecTransformer(sg=0, hs=1, negative=0, **SMALL).fit(texts)
    everything = hs.predict_output_word(["the", "dog"], topn=len(hs.wv))
    assert sum(p for _, p in everything) == pytest.approx(1.0)


def test_score_is_higher_on_real_text_than_on_shuffled_text(sg_model, language):
    rng = np.random.default_rng(0)
    held_out = make_synthetic_language(500, random_state=9).sentences
    shuffled = [" ".join(rng.permutation(t.split())) for t in held_out]
    words = list(sg_model.wv.index_to_key)
    noise = [" ".join(rng.choice(words, 8)) for _ in range(500)]
    real = sg_model.score(held_out)
    assert real == sg_model.score(held_out)  # deterministic
    assert real > sg_model.score(shuffled) > sg_model.score(noise)


def test_verbose_prints_progress_and_losses(texts, capsys):
    Word2VecTransformer(verbose=1, **{**SMALL, "epochs": 2}).fit(texts)
    out = capsys.readouterr().out
    assert "Iteration 2, loss" in out


# ----------------------------------------------------------------------- bad input
@pytest.mark.parametrize("X, error, match", [
    ([], ValueError, "empty"),
    (["", "   "], ValueError, "no token"),
    (["a b c", "d e"], ValueError, "min_count=5"),
    ([["a", 1, "b"]], TypeError, "tokens must be strings"),
    ([3.5], TypeError, "must be a string or a sequence"),
    ((t for t in ["a b"]), TypeError, "one-shot"),
    ("no/such/file.txt", FileNotFoundError, "not a file"),
    (42, TypeError, "iterable of texts"),
])
def test_bad_corpora_raise_clear_errors(X, error, match):
    with pytest.raises(error, match=match):
        Word2VecTransformer().fit(X)


def test_generator_is_refused_before_any_training():
    consumed = []

    def texts():
        for t in ["a b c"] * 10:
            consumed.append(t)
            yield t

    with pytest.raises(TypeError, match="one-shot"):
        Word2VecTransformer(min_count=1).fit(texts())
    assert consumed == []


def test_bad_parameters():
    with pytest.raises(InvalidParameterError):
        Word2VecTransformer(vector_size=0).fit(["a b"])
    with pytest.raises(InvalidParameterError):
        Word2VecTransformer(weighting="max").fit(["a b"])
    with pytest.raises(ValueError, match="min_alpha"):
        Word2VecTransformer(alpha=0.01, min_alpha=0.1, min_count=1).fit(["a b"])


def test_not_fitted():
    from sklearn.exceptions import NotFittedError
    with pytest.raises(NotFittedError):
        Word2VecTransformer().transform(["a"])
    with pytest.raises(NotFittedError):
        Word2VecTransformer().wv  # noqa: B018


# -------------------------------------------------------------------- keyed vectors
def test_word2vec_files_round_trip(sg_model, tmp_path):
    wv = sg_model.wv
    for binary in (False, True):
        path = tmp_path / f"v{int(binary)}.bin"
        wv.save_word2vec_format(path, binary=binary)
        back = KeyedVectors.load_word2vec_format(path, binary=binary)
        assert back.index_to_key == wv.index_to_key
        np.testing.assert_array_equal(back.vectors, wv.vectors)  # repr / raw float32: exact
    head = (tmp_path / "v1.bin").read_bytes()
    n, d = len(wv), wv.vector_size
    assert head.startswith(f"{n} {d}\n".encode())
    first = wv.index_to_key[0].encode() + b" "
    assert head[len(f"{n} {d}\n"):].startswith(first)
    row = np.frombuffer(head, "<f4", count=d, offset=len(f"{n} {d}\n") + len(first))
    np.testing.assert_array_equal(row, wv.vectors[0])
    # the C tool writes a newline after each binary vector: readers strip it
    c_tool = f"2 {d}\n".encode() + b"".join(
        w.encode() + b" " + wv[w].astype("<f4").tobytes() + b"\n" for w in ("dog", "cat"))
    (tmp_path / "c.bin").write_bytes(c_tool)
    back = KeyedVectors.load_word2vec_format(tmp_path / "c.bin", binary=True)
    assert back.index_to_key == ["dog", "cat"]
    np.testing.assert_array_equal(back["cat"], wv["cat"])
    limited = KeyedVectors.load_word2vec_format(tmp_path / "v0.bin", limit=3)
    assert len(limited) == 3


def test_word2vec_files_interoperate_with_gensim(sg_model, tmp_path):
    gensim_kv = pytest.importorskip("gensim.models.keyedvectors")
    wv = sg_model.wv
    for binary in (False, True):
        ours_path, theirs_path = tmp_path / f"ours{binary}", tmp_path / f"theirs{binary}"
        wv.save_word2vec_format(ours_path, binary=binary)
        theirs = gensim_kv.KeyedVectors.load_word2vec_format(ours_path, binary=binary)
        assert theirs.index_to_key == wv.index_to_key
        np.testing.assert_array_equal(theirs.vectors, wv.vectors)
        theirs.save_word2vec_format(theirs_path, binary=binary)
        back = KeyedVectors.load_word2vec_format(theirs_path, binary=binary)
        assert back.index_to_key == wv.index_to_key
        np.testing.assert_array_equal(back.vectors, wv.vectors)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # gensim's own doesnt_match
def test_keyed_vectors_api_matches_gensim(sg_model, tmp_path):
    gensim_kv = pytest.importorskip("gensim.models.keyedvectors")
    ours = sg_model.wv
    theirs = gensim_kv.KeyedVectors(ours.vector_size)
    theirs.add_vectors(ours.index_to_key, ours.vectors.copy())

    def close(a, b):
        assert [w for w, _ in a] == [w for w, _ in b]
        np.testing.assert_allclose([s for _, s in a], [s for _, s in b], rtol=1e-4,
                                   atol=1e-6)

    close(ours.most_similar("paris", topn=5), theirs.most_similar("paris", topn=5))
    close(ours.most_similar(positive=["berlin", "france"], negative=["germany"], topn=4),
          theirs.most_similar(positive=["berlin", "france"], negative=["germany"], topn=4))
    close(ours.most_similar_cosmul(positive=["berlin", "france"], negative=["germany"],
                                   topn=4),
          theirs.most_similar_cosmul(positive=["berlin", "france"], negative=["germany"],
                                     topn=4))
    close(ours.most_similar("dog", topn=5, restrict_vocab=40),
          theirs.most_similar("dog", topn=5, restrict_vocab=40))
    assert ours.similarity("dog", "cat") == pytest.approx(theirs.similarity("dog", "cat"),
                                                          rel=1e-5)
    assert ours.n_similarity(["dog", "cat"], ["paris"]) == pytest.approx(
        theirs.n_similarity(["dog", "cat"], ["paris"]), abs=1e-4)  # gensim sums in float32
    odd = ["dog", "cat", "horse", "paris"]
    assert ours.doesnt_match(odd) == theirs.doesnt_match(odd)
    np.testing.assert_array_equal(ours["dog"], theirs["dog"])
    from sklearn_deep.datasets import write_analogies
    questions = tmp_path / "q.txt"
    write_analogies(questions)
    score, sections = ours.evaluate_word_analogies(questions)
    their_score, their_sections = theirs.evaluate_word_analogies(questions)
    assert score == pytest.approx(their_score)
    assert len(sections[-1]["correct"]) == len(their_sections[-1]["correct"])
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("# comment\ndog\tcat\t8.5\ndog\tparis\t1.0\ncat\thorse\t7\n"
                     "paris\tberlin\t6\nunknownword\tdog\t3\nred\tblue\t7.5\n")
    mine, gold = ours.evaluate_word_pairs(pairs), theirs.evaluate_word_pairs(pairs)
    assert mine[0][0] == pytest.approx(gold[0][0], rel=1e-5)
    assert mine[1][0] == pytest.approx(gold[1][0])
    assert mine[2] == pytest.approx(gold[2])


def test_keyed_vectors_errors(sg_model, tmp_path):
    with pytest.raises(KeyError, match="not present"):
        sg_model.wv["notaword"]
    kv = KeyedVectors(np.ones((1, 2), np.float32), ["two words"])
    with pytest.raises(ValueError, match="whitespace"):
        kv.save_word2vec_format(tmp_path / "x.txt")
    with pytest.raises(FileNotFoundError):
        KeyedVectors.load_word2vec_format(tmp_path / "missing.txt")


# ----------------------------------------------------------------- row damping
def test_hierarchical_softmax_damping_counts_only_real_path_nodes(texts, monkeypatch):
    from sklearn_deep.estimators import _word2vec_problem
    from sklearn_deep.optim.transforms import RowDamping

    problem_cls = _word2vec_problem.Word2VecProblem
    uses, expected = [], []
    count_uses, loss_and_grads = RowDamping.count_uses, problem_cls.loss_and_grads

    def spy_count(self, used, shapes):
        uses.append(np.asarray(used[-1]).size)  # syn1, the last table with hs=1, negative=0
        return count_uses(self, used, shapes)

    def spy_loss(self, batch):
        tree = self.model.tree
        expected.append(int(tree.lengths[batch.centres].sum()))
        return loss_and_grads(self, batch)

    monkeypatch.setattr(RowDamping, "count_uses", spy_count)
    monkeypatch.setattr(problem_cls, "loss_and_grads", spy_loss)
    Word2VecTransformer(sg=0, hs=1, negative=0, vector_size=8, min_count=3, epochs=1,
                        batch_words=64, random_state=0).fit(texts[:200])
    assert len(uses) > 3
    assert uses == expected  # one use per node on each centre's path, none for padding


def test_auto_batch_size_follows_corpus_size():
    sg, cbow = Word2VecTransformer(sg=1), Word2VecTransformer(sg=0)
    assert sg.batch_words == "auto"
    assert sg._batch_size(10**7) == 512 and cbow._batch_size(10**7) == 512
    # CBOW shares negatives between 2 centres, skip-gram draws them per centre
    assert sg._shared_negatives() == 1 and cbow._shared_negatives() == 2
    assert Word2VecTransformer(shared_negatives=2)._shared_negatives() == 2
    # skip-gram: at most 1/256 of the corpus (at least about 256 steps an epoch), never
    # under 32; CBOW: at most 1 % of the corpus (about 100 steps an epoch), never under 64
    assert sg._batch_size(256 * 200 + 255) == 200 and sg._batch_size(1_000) == 32
    assert sg._batch_size(256 * 512) == 512 and sg._batch_size(256 * 512 - 1) == 511
    assert cbow._batch_size(30_000) == 300 and cbow._batch_size(1_000) == 64
    assert Word2VecTransformer(batch_words=300)._batch_size(10**7) == 300
    with pytest.raises(InvalidParameterError, match="batch_words"):
        Word2VecTransformer(batch_words="big").fit([["a", "b"]])


def test_alpha_step_words_keeps_each_stretch_at_its_starting_rate(texts, monkeypatch):
    # word2vec.c and gensim recompute alpha every 10,000 words, at the rate of the
    # stretch's start: each batch must get the linear decay at the last multiple of
    # alpha_step_words words read before its end (counted over all epochs)
    from sklearn_deep.estimators._word2vec_problem import Word2VecProblem
    from sklearn_deep.optim import SGD
    raw, rates = [], []
    loss_and_grads, step = Word2VecProblem.loss_and_grads, SGD.step

    def spy_loss(self, batch):
        raw.append(batch.raw_words)
        return loss_and_grads(self, batch)

    def spy_step(self, grads):
        rates.append(self.learning_rate)
        return step(self, grads)

    monkeypatch.setattr(Word2VecProblem, "loss_and_grads", spy_loss)
    monkeypatch.setattr(SGD, "step", spy_step)
    texts = texts[:400]
    n_tokens, n_epochs, every, alpha, min_alpha = sum(len(t.split()) for t in texts), 3, 700, \
        0.04, 0.001
    model = Word2VecTransformer(sg=1, vector_size=8, min_count=1, epochs=n_epochs,
                                batch_words=32, alpha=alpha, min_alpha=min_alpha,
                                alpha_step_words=every, random_state=0).fit(texts)
    assert model.corpus_total_words_ == n_tokens and len(rates) == len(raw) > 100
    epoch = np.cumsum(np.diff(raw, prepend=0) < 0)  # raw words restart every epoch
    done = (epoch * n_tokens + np.asarray(raw)) // every * every
    expected = alpha - (alpha - min_alpha) * np.minimum(done / (n_epochs * n_tokens), 1)
    np.testing.assert_allclose(rates, expected, rtol=1e-12)
    assert len(set(rates)) == -(-n_epochs * n_tokens // every)  # one rate per stretch
    with pytest.raises(InvalidParameterError, match="alpha_step_words"):
        Word2VecTransformer(alpha_step_words=0).fit(texts)


def test_refitting_starts_afresh_for_every_output_layer(texts):
    # a second fit (warm_start=False) must not keep the previous fit's output tables
    params = dict(sg=1, hs=1, negative=0, vector_size=8, min_count=2, epochs=1,
                  batch_words=64, random_state=0)
    fresh = Word2VecTransformer(**params).fit(texts[:300])
    refit = Word2VecTransformer(**params).fit(texts[300:]).fit(texts[:300])
    np.testing.assert_array_equal(refit.syn1_, fresh.syn1_)
    np.testing.assert_array_equal(refit.wv.vectors, fresh.wv.vectors)


# ----------------------------------------------------------------- training loss
def _objective(syn0, out, batch, sg):
    """word2vec's negative-sampling loss of ``batch``, example by example (float64): the
    independent oracle of the reported training loss."""
    syn0, out = syn0.astype(np.float64), out.astype(np.float64)
    total, count = 0.0, 0
    for b, centre in enumerate(batch.centres):
        if batch.contexts is not None:
            words = batch.contexts[b][batch.mask[b]]
        else:  # CBOW's batches list each centre's context words flat
            offsets = batch.prepared.offsets
            words = batch.prepared.words[offsets[b]:offsets[b + 1]]
        if not words.size:
            continue
        hiddens = syn0[words] if sg else [syn0[words].mean(axis=0)]
        for h in hiddens:
            count += 1
            total += np.logaddexp(0.0, -h @ out[centre])
            total += sum(np.logaddexp(0.0, h @ out[k])
                         for k in batch.negatives[b // batch.shared] if k != centre)
    return total, count


@pytest.mark.parametrize("sg", [1, 0])
def test_loss_curve_is_the_objective_at_the_start_of_each_batch(texts, sg, monkeypatch):
    # one batch per epoch: each epoch's reported loss is the objective of that batch at
    # the vectors it started from, recomputed independently, clip or no clip
    from sklearn_deep.estimators import _word2vec_problem

    problem_cls = _word2vec_problem.Word2VecProblem
    batches_of = problem_cls.batches
    seen = []

    def spy(self, rng):
        for batch in batches_of(self, rng):
            seen.append((batch, [p.copy() for p in self.params]))
            yield batch

    monkeypatch.setattr(problem_cls, "batches", spy)
    corpus = texts[:300]
    n_tokens = sum(len(t.split()) for t in corpus)
    model = Word2VecTransformer(sg=sg, vector_size=10, min_count=2, epochs=3,
                                alpha=0.5, batch_words=10 * n_tokens, shared_negatives=3,
                                compute_loss=True, random_state=0).fit(corpus)
    assert len(seen) == 3  # one batch per epoch
    expected = [_objective(*tables[:2], batch, sg) for batch, tables in seen]
    np.testing.assert_allclose(model.loss_curve_, [t / n for t, n in expected], rtol=1e-5)
    np.testing.assert_allclose(model.get_latest_training_loss(),
                               sum(t for t, _ in expected), rtol=1e-5)
    assert model.loss_curve_[2] < model.loss_curve_[0]  # it learns


@pytest.mark.parametrize("shared", [1, 3])
def test_cbow_arrays_prepared_for_many_batches_equal_each_batchs_own(texts, shared):
    # the batch stream prepares CBOW's index arrays for 16 batches at once; oracle: the
    # same batch without them, whose arrays the loss builds from padded contexts (each
    # centre's context words, as the batch lists them, in a row of their own)
    from sklearn_deep.estimators._word2vec_problem import Word2VecProblem
    from sklearn_deep.nn.word2vec import Word2VecBatch

    est = Word2VecTransformer(sg=0, vector_size=8, min_count=3, epochs=1, batch_words=37,
                              shared_negatives=shared, random_state=0).fit(texts[:300])
    corpus = est._corpus(texts[:300])
    total = sum(len(t) for t in corpus)
    problem = Word2VecProblem(est._network(), corpus, est.wv_, total, est._settings(total))
    n_batches = 0
    for batch in problem.batches(np.random.RandomState(0)):
        assert batch.prepared is not None
        counts = np.diff(batch.prepared.offsets)
        mask = np.arange(2 * est.window)[None, :] < counts[:, None]
        contexts = np.zeros(mask.shape, dtype=np.intp)
        contexts[mask] = batch.prepared.words
        alone = Word2VecBatch(batch.centres, contexts, mask, batch.negatives,
                              batch.raw_words, batch.shared)
        loss, n, grads = problem.model.loss_and_grads(batch)
        loss_alone, n_alone, grads_alone = problem.model.loss_and_grads(alone)
        assert (loss, n) == (loss_alone, n_alone)
        for grad, grad_alone in zip(grads, grads_alone, strict=True):
            np.testing.assert_array_equal(grad.to_dense(), grad_alone.to_dense())
        for uses, uses_alone in zip(problem.model.row_uses(batch),  # the row damping's
                                    problem.model.row_uses(alone), strict=True):
            np.testing.assert_array_equal(np.sort(uses), np.sort(uses_alone))
        n_batches += 1
    assert n_batches > 16  # more than one run of batches prepared together


def test_cbow_centres_sharing_negatives_are_half_a_batch_apart(texts):
    # with 2 centres a group, group i of a batch of L (even) centres is the batch's
    # centres i and i + L/2 (not two neighbours); the batches hold the same centres with
    # the same context words as with negatives per centre. The first 16 batches are
    # prepared from the same random draws either way (the negatives are drawn after).
    from sklearn_deep.estimators._word2vec_problem import Word2VecProblem

    def first_batches(shared):
        est = Word2VecTransformer(sg=0, vector_size=8, min_count=3, epochs=1,
                                  batch_words=36, shared_negatives=shared,
                                  random_state=0).fit(texts[:300])
        corpus = est._corpus(texts[:300])
        total = sum(len(t) for t in corpus)
        problem = Word2VecProblem(est._network(), corpus, est.wv_, total,
                                  est._settings(total))
        batches = problem.batches(np.random.RandomState(0))
        return [next(batches) for _ in range(16)]

    def lists(batch):
        words, offsets = batch.prepared.words, batch.prepared.offsets
        return [tuple(words[offsets[b]:offsets[b + 1]]) for b in range(len(offsets) - 1)]

    for alone, shared in zip(first_batches(1), first_batches(2), strict=True):
        half = alone.centres.shape[0] // 2
        assert alone.centres.shape[0] == 36
        spread = np.empty(36, dtype=np.intp)
        spread[0::2], spread[1::2] = np.arange(half), np.arange(half) + half
        np.testing.assert_array_equal(shared.centres, alone.centres[spread])
        assert lists(shared) == [lists(alone)[b] for b in spread]
        assert shared.negatives.shape[0] == half  # one draw per pair


def test_reordered_flat_lists_match_brute_force():
    from sklearn_deep.estimators._word2vec_problem import _reorder_lists

    rng = np.random.default_rng(0)
    count = rng.integers(0, 5, 30)
    offsets = np.concatenate([[0], np.cumsum(count)])
    positions = rng.integers(0, 1000, offsets[-1])
    order = rng.permutation(30)
    new_positions, new_offsets = _reorder_lists(positions, offsets, order)
    expected = [positions[offsets[b]:offsets[b + 1]] for b in order]
    assert [list(new_positions[new_offsets[i]:new_offsets[i + 1]]) for i in range(30)] == [
        list(e) for e in expected]
