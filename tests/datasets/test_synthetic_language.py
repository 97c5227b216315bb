"""The synthetic language has the structure it promises, reproducibly."""

import numpy as np
import pytest

from sklearn_deep.datasets import (
    CAPITALS,
    CATEGORIES,
    LANGUAGES,
    category_precision,
    make_synthetic_language,
    write_analogies,
)


def test_reproducible_and_seed_dependent():
    a = make_synthetic_language(200, random_state=0).sentences
    b = make_synthetic_language(200, random_state=0).sentences
    c = make_synthetic_language(200, random_state=1).sentences
    assert a == b and a != c and len(a) == 200


def test_relation_and_language_are_consistent():
    sentences = make_synthetic_language(3000, random_state=0).sentences
    country_of = {capital: country for country, capital in CAPITALS.items()}
    vocabulary = {w for words in CATEGORIES.values() for w in words}
    seen_relation = 0
    for sentence in sentences:
        words = sentence.split()
        assert 4 <= len(words) <= 10
        countries = [w for w in words if w in CAPITALS]
        capitals = [w for w in words if w in country_of]
        languages = [w for w in words if w in set(LANGUAGES.values())]
        if countries and capitals:
            assert CAPITALS[countries[0]] == capitals[0]
            seen_relation += 1
        for lang in languages:
            owner = countries[0] if countries else country_of[capitals[0]]
            assert LANGUAGES[owner] == lang
    assert seen_relation > 300
    used = {w for s in sentences for w in s.split()}
    assert vocabulary <= used  # every category word occurs


def test_files_are_streamed_and_analogies_written(tmp_path):
    path, questions = tmp_path / "corpus.txt", tmp_path / "q.txt"
    bunch = make_synthetic_language(50, random_state=0, path=path, analogies_path=questions)
    assert bunch.sentences is None and bunch.path == str(path)
    assert path.read_text().splitlines() == make_synthetic_language(
        50, random_state=0).sentences
    lines = questions.read_text().splitlines()
    assert lines[0].startswith(":") and len(lines) == 1 + len(CAPITALS) * (len(CAPITALS) - 1)
    a, b, c, d = lines[1].split()
    assert CAPITALS[a] == b and CAPITALS[c] == d
    assert write_analogies(tmp_path / "again.txt") == bunch.analogies


def test_bad_size():
    with pytest.raises(ValueError, match="n_sentences"):
        make_synthetic_language(-1)
    assert np.isscalar(len(make_synthetic_language(0).sentences))


def test_category_precision_counts_same_category_neighbours():
    class Neighbours:
        """Each word's neighbours: two of its category, then three from another."""

        def __contains__(self, word):
            return word != "blue"  # one unknown word is skipped

        def most_similar(self, word, topn):
            same = "a b c".split() if word in "a b c".split() else "x y z".split()
            other = "x y z".split() if same[0] == "a" else "a b c".split()
            return [(w, 1.0) for w in ([s for s in same if s != word] + other)][:topn]

    categories = {"first": ["a", "b", "c"], "second": ["x", "y", "z", "blue"]}
    assert category_precision(Neighbours(), categories, topn=5) == pytest.approx(2 / 5)
    assert category_precision(Neighbours(), categories, topn=2) == 1.0
    with pytest.raises(ValueError, match="none of the categories"):
        category_precision(Neighbours(), {"c": ["blue"]})
