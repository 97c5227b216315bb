"""Word2VecTransformer under hostile text, failure modes, persistence and parallel use."""

import pickle
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from sklearn_deep import Word2VecTransformer
from sklearn_deep.datasets import CATEGORIES, make_synthetic_language

TEXTS = make_synthetic_language(600, random_state=0).sentences
LABELS = np.array([any(w in CATEGORIES["animal"] for w in t.split()) for t in TEXTS])


def small(**kw):
    return Word2VecTransformer(**{"vector_size": 8, "min_count": 1, "epochs": 2,
                                  "random_state": 0, **kw})


@pytest.mark.parametrize("corpus, error, match", [
    ([""], ValueError, "no token"),
    (["", "   ", "\n"], ValueError, "no token"),
    ([["a", 1, "b"]], TypeError, "token of type int"),
    ([["a", None]], TypeError, "token of type NoneType"),
    ([b"bytes text"], TypeError, "bytes"),
    (["a b", None], TypeError, "Text 1 is a NoneType"),
    ([3.5], TypeError, "Text 0 is a float"),
    ((t for t in ["a b", "c d"]), TypeError, "one-shot iterator"),
    (iter(["a b", "c d"]), TypeError, "one-shot iterator"),
    ("/nonexistent/corpus.txt", FileNotFoundError, "not a file"),
    ([], ValueError, "empty|no token|no text"),
])
def test_hostile_corpora_raise_clear_errors(corpus, error, match):
    with pytest.raises(error, match=match):
        small().fit(corpus)


def test_no_word_reaching_min_count_says_so():
    with pytest.raises(ValueError, match="min_count=1000"):
        small(min_count=1000).fit(TEXTS)


def test_invalid_utf8_file_names_the_file(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("caf\xe9 au lait\nthe cat\n".encode("latin-1"))
    with pytest.raises(ValueError, match="not valid utf-8"):
        small().fit(str(path))


def test_empty_documents_unicode_and_mixed_scripts():
    texts = ["über straße 東京 москва", "", "東京 москва über αθήνα", "  "] * 5
    model = small().fit(texts)
    assert {"über", "straße", "東京", "москва", "αθήνα"} <= set(model.wv.index_to_key)
    X = model.transform(["", "東京 unknownword", "москва"])
    assert X.shape == (3, 8) and np.all(X[0] == 0) and np.isfinite(X).all()
    np.testing.assert_allclose(X[1], model.wv["東京"], rtol=1e-6)  # unknown words skipped


def test_very_long_document_is_not_truncated():
    long_text = " ".join(f"w{i % 97}" for i in range(60_000))
    model = small(epochs=1).fit([long_text])
    assert model.corpus_total_words_ == 60_000 and len(model.wv) == 97


def test_inputs_and_global_random_state_are_left_alone():
    tokens = [t.split() for t in TEXTS]
    copy = [list(t) for t in tokens]
    np.random.seed(5)  # noqa: NPY002 - the legacy global state must stay untouched
    state = np.random.get_state()  # noqa: NPY002
    small(random_state=None).fit(tokens).transform(tokens)
    assert tokens == copy
    after = np.random.get_state()  # noqa: NPY002
    assert np.array_equal(after[1], state[1]) and after[2] == state[2]


_HASH = """
import hashlib, numpy as np
from sklearn_deep import Word2VecTransformer
from sklearn_deep.datasets import make_synthetic_language
texts = make_synthetic_language(600, random_state=0).sentences
m = Word2VecTransformer(vector_size=8, min_count=1, epochs=2, random_state=3).fit(texts)
print(hashlib.sha256(np.ascontiguousarray(m.wv.vectors).tobytes()).hexdigest())
"""


def test_bit_identical_across_processes():
    import hashlib

    runs = {subprocess.run([sys.executable, "-c", _HASH], capture_output=True, text=True,
                           check=True).stdout.strip() for _ in range(2)}
    here = small(random_state=3).fit(TEXTS).wv.vectors
    assert runs == {hashlib.sha256(np.ascontiguousarray(here).tobytes()).hexdigest()}


def test_pickle_joblib_and_resume_mid_training(tmp_path):
    model = small().fit(TEXTS)
    joblib.dump(model, tmp_path / "m.joblib")
    for restored in (pickle.loads(pickle.dumps(model)), joblib.load(tmp_path / "m.joblib")):
        np.testing.assert_array_equal(restored.transform(TEXTS[:20]), model.transform(TEXTS[:20]))
    straight, paused = small(), small()
    for m in (straight, paused):
        m.partial_fit(TEXTS)
    resumed = pickle.loads(pickle.dumps(paused))
    straight.partial_fit(TEXTS)
    resumed.partial_fit(TEXTS)
    np.testing.assert_array_equal(straight.wv.vectors, resumed.wv.vectors)


@pytest.mark.parametrize("backend", ["loky", "threading"])
def test_parallel_search_equals_serial(backend):
    pipe = make_pipeline(small(), StandardScaler(), LinearSVC())
    grid = {"word2vectransformer__vector_size": [4, 8], "word2vectransformer__sg": [0, 1]}
    serial = GridSearchCV(pipe, grid, cv=2).fit(TEXTS, LABELS)
    with joblib.parallel_backend(backend, n_jobs=2):
        parallel = GridSearchCV(pipe, grid, cv=2, n_jobs=2).fit(TEXTS, LABELS)
        scores = cross_val_score(pipe, TEXTS, LABELS, cv=2, n_jobs=2)
    np.testing.assert_array_equal(serial.cv_results_["mean_test_score"],
                                  parallel.cv_results_["mean_test_score"])
    np.testing.assert_array_equal(cross_val_score(pipe, TEXTS, LABELS, cv=2), scores)
    assert serial.best_score_ > 0.8


def test_concurrent_transform_from_threads_agrees_with_serial():
    model = small().fit(TEXTS)
    chunks = [TEXTS[i:i + 40] for i in range(0, len(TEXTS), 40)]
    serial = [model.transform(c) for c in chunks]
    with ThreadPoolExecutor(max_workers=8) as pool:
        threaded = list(pool.map(model.transform, chunks))
    for a, b in zip(serial, threaded):
        np.testing.assert_array_equal(a, b)


def test_text_containers():
    model = small().fit(pd.Series(TEXTS))
    np.testing.assert_array_equal(model.transform(np.array(TEXTS[:5])),
                                  model.transform(TEXTS[:5]))
    np.testing.assert_array_equal(model.transform(pd.Series(TEXTS[:5])),
                                  model.transform(TEXTS[:5]))
