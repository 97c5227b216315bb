"""A small synthetic language with known structure, for word-vector tests and examples.

Sentences are drawn from templates whose slots are filled from word *categories*
(countries, capitals, languages, animals, colours, foods, ...). Each country has one capital
(the planted *relation*) and one language; the two words appear together in relation
templates ("paris is the capital of france"), both appear with their language ("people in
paris speak french", "most people in france speak french"), and otherwise capitals appear in
city templates and countries in country templates — so the offset capital − country is
the same for every pair, as it is for real text. Good word vectors therefore

- put words of one category near each other (measured by nearest-neighbour precision);
- solve the analogies ``country_a : capital_a :: country_b : ?`` with ``capital_b``
  (3CosAdd), far above the chance level of one in the vocabulary size.

Nothing is downloaded; the same ``random_state`` gives the same text.
"""

import os

import numpy as np
from sklearn.utils import Bunch, check_random_state

__all__ = ["CAPITALS", "CATEGORIES", "LANGUAGES", "category_precision",
           "make_synthetic_language", "write_analogies"]

CAPITALS = {
    "france": "paris", "germany": "berlin", "italy": "rome", "spain": "madrid",
    "japan": "tokyo", "china": "beijing", "russia": "moscow", "egypt": "cairo",
    "greece": "athens", "poland": "warsaw", "norway": "oslo", "sweden": "stockholm",
    "austria": "vienna", "portugal": "lisbon", "ireland": "dublin", "hungary": "budapest",
    "finland": "helsinki", "kenya": "nairobi", "peru": "lima", "chile": "santiago",
}

LANGUAGES = {
    "france": "french", "germany": "german", "italy": "italian", "spain": "spanish",
    "japan": "japanese", "china": "chinese", "russia": "russian", "egypt": "arabic",
    "greece": "greek", "poland": "polish", "norway": "norwegian", "sweden": "swedish",
    "austria": "austrian", "portugal": "portuguese", "ireland": "irish",
    "hungary": "hungarian", "finland": "finnish", "kenya": "swahili", "peru": "quechua",
    "chile": "mapudungun",
}

CATEGORIES = {
    "country": list(CAPITALS),
    "capital": list(CAPITALS.values()),
    "language": list(LANGUAGES.values()),
    "animal": ["dog", "cat", "horse", "cow", "sheep", "goat", "wolf", "fox", "bear",
               "rabbit", "mouse", "lion", "tiger", "deer", "pig"],
    "colour": ["red", "green", "blue", "yellow", "black", "white", "brown", "purple",
               "orange", "grey"],
    "food": ["bread", "cheese", "rice", "apple", "soup", "cake", "fish", "pasta", "salad",
             "honey", "butter", "egg"],
    "vehicle": ["car", "bus", "train", "bicycle", "truck", "boat", "plane", "tram"],
    "profession": ["doctor", "teacher", "farmer", "baker", "pilot", "lawyer", "nurse",
                   "painter", "engineer", "writer"],
    "day": ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"],
}

# Templates: each slot is {category} or {category2} (a second, different word of it).
_TEMPLATES = [
    # the relation: a country and its own capital together
    "{capital} is the capital of {country}",
    "the capital of {country} is {capital}",
    "the government of {country} sits in {capital}",
    "{capital} is the largest city of {country}",
    # a country and its capital share their language: the pair-specific context that
    # makes the offset capital - country the same for every pair
    "people in {capital} speak {language}",
    "most people in {country} speak {language}",
    "the radio of {capital} broadcasts in {language}",
    "the {language} language is spoken in {country}",
    # capitals as cities, countries as countries
    "we took the {vehicle} to {capital} on {day}",
    "the {profession} lives in the city of {capital}",
    "the streets of {capital} were busy on {day}",
    "{country} is a country with many {animal} farms",
    "{country} exports {food} to {country2}",
    "the people of {country} like to eat {food}",
    # the other categories
    "the {colour} {animal} ate the {food}",
    "a {animal} and a {animal2} slept in the barn",
    "the {profession} painted the {vehicle} {colour}",
    "the {profession} ate {food} and {food2} for lunch",
    "my {vehicle} is {colour} and old",
    "on {day} the {profession} drove a {vehicle}",
    "the {animal} ran after the {vehicle}",
    "she bought {colour} {food} on {day}",
    "every {day} and {day2} the {profession} works",
    "the {colour} and {colour2} flag",
]


_COUNTRY_OF = {capital: country for country, capital in CAPITALS.items()}


def _fill(template, rng):
    chosen = {}
    for part in template.split():
        if not part.startswith("{"):
            continue
        name = part.strip("{}")
        category = name.rstrip("2")
        options = CATEGORIES[category]
        word = options[rng.randint(len(options))]
        while name.endswith("2") and word == chosen.get(category):
            word = options[rng.randint(len(options))]
        chosen[name] = word
    if "capital" in chosen and "country" in chosen:
        # relation templates: the capital is that of the country
        chosen["capital"] = CAPITALS[chosen["country"]]
    if "language" in chosen:
        country = chosen.get("country")
        if country is None:
            country = _COUNTRY_OF[chosen["capital"]]
        chosen["language"] = LANGUAGES[country]
    return " ".join(chosen[p.strip("{}")] if p.startswith("{") else p
                    for p in template.split())


def write_analogies(path, relation=None):
    """Write the ``country : capital`` analogies in word2vec's ``questions-words`` format.

    Parameters
    ----------
    path : str or path
    relation : dict, default=CAPITALS

    Returns
    -------
    list of tuple of 4 str
        The analogies written.
    """
    analogies = _analogies(CAPITALS if relation is None else relation)
    with open(path, "w", encoding="utf-8") as out:
        out.write(": capital-of-country\n")
        for quad in analogies:
            out.write(" ".join(quad) + "\n")
    return analogies


def _analogies(relation):
    pairs = list(relation.items())
    return [(a, b, c, d) for a, b in pairs for c, d in pairs if a != c]


def make_synthetic_language(n_sentences=20000, *, random_state=None, path=None,
                            analogies_path=None):
    """Sentences of a synthetic language with word categories and a planted relation.

    Parameters
    ----------
    n_sentences : int, default=20000
        Sentences to draw (each 4–10 words).
    random_state : int, RandomState instance or None, default=None
        Makes the text reproducible.
    path : str or path, optional
        Write the sentences there, one per line, instead of returning them (streamed:
        nothing is held in memory).
    analogies_path : str or path, optional
        Also write the analogy questions there (``questions-words`` format).

    Returns
    -------
    Bunch with
        sentences : list of str, or None when written to ``path``
        path, analogies_path : str or None
        categories : dict of str to list of str
        relation : dict of str to str (country → capital)
        analogies : list of (a, b, c, d)
    """
    if int(n_sentences) != n_sentences or n_sentences < 0:
        raise ValueError(f"n_sentences must be a non-negative integer, got {n_sentences!r}")
    rng = check_random_state(random_state)
    templates = np.array(_TEMPLATES, dtype=object)
    sentences = [] if path is None else None
    handle = open(path, "w", encoding="utf-8") if path is not None else None
    try:
        for _ in range(int(n_sentences)):
            sentence = _fill(templates[rng.randint(len(templates))], rng)
            if handle is None:
                sentences.append(sentence)
            else:
                handle.write(sentence + "\n")
    finally:
        if handle is not None:
            handle.close()
    if analogies_path is not None:
        write_analogies(analogies_path)
    return Bunch(
        sentences=sentences,
        path=None if path is None else os.fspath(path),
        analogies_path=None if analogies_path is None else os.fspath(analogies_path),
        categories={k: list(v) for k, v in CATEGORIES.items()},
        relation=dict(CAPITALS),
        analogies=_analogies(CAPITALS),
    )


def category_precision(wv, categories=None, topn=5):
    """Nearest-neighbour precision of word vectors on the language's categories.

    For every word of a category that ``wv`` knows, the fraction of its ``topn`` nearest
    neighbours (``wv.most_similar``) in the same category, pooled over all such words.
    Chance is about one in the number of categories.

    Parameters
    ----------
    wv : KeyedVectors-like
        Supports ``word in wv`` and ``wv.most_similar(word, topn=...)``.
    categories : dict of str to list of str, default=CATEGORIES
    topn : int, default=5

    Returns
    -------
    precision : float
    """
    categories = CATEGORIES if categories is None else categories
    hits = total = 0
    for words in categories.values():
        members = set(words)
        for word in words:
            if word in wv:
                hits += sum(n in members for n, _ in wv.most_similar(word, topn=topn))
                total += topn
    if not total:
        raise ValueError("none of the categories' words is in the vocabulary")
    return hits / total
