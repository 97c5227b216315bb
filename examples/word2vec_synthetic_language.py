"""Word vectors on the embedded synthetic language, then documents into a classifier.

Skip-gram word2vec (``Word2VecTransformer``) learns from sentences of sklearn_deep's
synthetic language (no download): words of one category end up neighbours, and the planted
country → capital relation is solved by analogy (``berlin − germany + france ≈ paris``).

Top left: the loss per epoch. Top right: a PCA projection of the word vectors, one colour
per category. Bottom left: every country joined to its capital, seen in the plane spanned
by the mean offset capital − country (horizontal) and the direction along which countries
and capitals vary most within their category (vertical), drawn to scale: the segments are
close to horizontal, i.e. the offsets point nearly the same way — the shared direction that
3CosAdd analogies use. A generic 2-D PCA of the same points would hide this: it mixes
the offset with the within-category spread and the segments seem to cross at random.
Bottom right: the same property measured in the full space, without any projection: the
cosine of each offset to the mean offset, for each country's own capital, for another
country's capital and for a random word. Finally the same transformer turns sentences into
features for a classifier inside a Pipeline.

Run: ``python examples/word2vec_synthetic_language.py [--out DIR] [--quick]``
"""

import tempfile
from pathlib import Path

import numpy as np
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from _gallery import parse_args, plt, save
from sklearn_deep.datasets import CAPITALS, CATEGORIES, make_synthetic_language, write_analogies
from sklearn_deep.estimators import Word2VecTransformer


def fit_word_vectors(quick=False):
    """The synthetic language and a skip-gram ``Word2VecTransformer`` fitted on it."""
    language = make_synthetic_language(6000 if quick else 20000, random_state=0)
    w2v = Word2VecTransformer(vector_size=50, sg=1, min_count=3, random_state=0,
                              epochs=3 if quick else 5)
    return language, w2v.fit(language.sentences)


def offset_pairs(wv, random_state=0):
    """(country, capital) pairs in the vocabulary, and two contrasts for their offsets.

    Returns ``pairs``, ``other_capitals`` (each country paired with the capital of the
    next country in the list, never its own) and ``random_words`` (each country paired with a
    random vocabulary word that is neither a country nor its capital).
    """
    pairs = [(c, k) for c, k in CAPITALS.items() if c in wv and k in wv]
    other_capitals = [(c, pairs[(i + 1) % len(pairs)][1]) for i, (c, _) in enumerate(pairs)]
    countries = set(CATEGORIES["country"])
    vocabulary = [w for w in wv.index_to_key if w not in countries]
    rng = np.random.default_rng(random_state)
    random_words = []
    for country, capital in pairs:
        word = capital
        while word == capital:
            word = vocabulary[rng.integers(len(vocabulary))]
        random_words.append((country, word))
    return pairs, other_capitals, random_words


def offsets(wv, pairs):
    """The offsets ``wv[b] − wv[a]`` of the pairs ``(a, b)``, one row each."""
    return wv[[b for _, b in pairs]] - wv[[a for a, _ in pairs]]


def cosine_to_mean(rows):
    """Cosine of each row to the mean row."""
    mean = rows.mean(axis=0)
    return rows @ mean / (np.linalg.norm(rows, axis=1) * np.linalg.norm(mean))


def offset_plane(wv, pairs):
    """Orthonormal basis ``(d, 2)`` of the plane that shows whether the offsets are parallel.

    Axis 1 is the mean offset capital − country (unit length). Axis 2 is the top principal
    direction of the countries and capitals, each centred on its own category mean, after
    removing axis 1: the direction along which both categories spread the most.
    """
    countries = wv[[a for a, _ in pairs]]
    capitals = wv[[b for _, b in pairs]]
    u1 = (capitals - countries).mean(axis=0)
    u1 /= np.linalg.norm(u1)
    within = np.vstack([countries - countries.mean(axis=0), capitals - capitals.mean(axis=0)])
    within -= np.outer(within @ u1, u1)
    u2 = np.linalg.svd(within, full_matrices=False)[2][0]
    return np.column_stack([u1, u2])


def main(argv=None):
    args = parse_args(__doc__, argv)
    language, w2v = fit_word_vectors(args.quick)
    wv = w2v.wv
    for word in ("dog", "paris", "bread", "tuesday"):
        print(f"neighbours of {word!r}: {[w for w, _ in wv.most_similar(word, topn=5)]}")
    print("berlin - germany + france =",
          wv.most_similar(positive=["berlin", "france"], negative=["germany"], topn=1))
    with tempfile.TemporaryDirectory() as tmp:
        questions = Path(tmp) / "questions.txt"
        write_analogies(questions)
        accuracy, _ = wv.evaluate_word_analogies(questions)
    print(f"analogy accuracy on {len(language.analogies)} country:capital questions: "
          f"{accuracy:.2f} (chance ≈ {1 / len(wv):.3f})")
    print("predicted centre of 'the capital of ... is':",
          [w for w, _ in w2v.predict_output_word(["capital", "of", "is"], topn=3)])

    fig, axes = plt.subplots(2, 2, figsize=(13, 10))
    (ax_loss, ax_pca), (ax_plane, ax_cos) = axes
    ax_loss.plot(range(1, len(w2v.loss_curve_) + 1), w2v.loss_curve_, "o-")
    ax_loss.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    ax_loss.set(xlabel="epoch", ylabel="mean loss per (context, centre) pair",
                title="skip-gram, negative sampling: loss per epoch")
    shown = ["country", "capital", "animal", "food", "day", "vehicle"]
    words = [w for c in shown for w in CATEGORIES[c] if w in wv]
    xy = PCA(n_components=2).fit_transform(wv[words])
    for category in shown:
        idx = [i for i, w in enumerate(words) if w in CATEGORIES[category]]
        ax_pca.scatter(xy[idx, 0], xy[idx, 1], label=category, s=18)
    ax_pca.legend(fontsize=8)
    ax_pca.set(xlabel="PC 1", ylabel="PC 2",
               title="word vectors (PCA of six categories): one cluster per category")

    pairs, other_capitals, random_words = offset_pairs(wv)
    plane = offset_plane(wv, pairs)
    for country, capital in pairs:
        a, b = wv[[country, capital]] @ plane
        ax_plane.plot(*np.column_stack([a, b]), color="grey", alpha=0.6, lw=1)
        ax_plane.text(*b, f" {capital}", fontsize=7, va="center")
    starts = wv[[c for c, _ in pairs]] @ plane
    ends = wv[[k for _, k in pairs]] @ plane
    ax_plane.scatter(*starts.T, color="tab:blue", s=14, zorder=3)
    ax_plane.scatter(*ends.T, color="tab:orange", s=14, zorder=3)
    points = np.vstack([starts, ends])
    low, high = points.min(axis=0), points.max(axis=0)
    pad = 0.08 * (high - low).max()
    ax_plane.set(xlim=(low[0] - pad, high[0] + 4 * pad), ylim=(low[1] - pad, high[1] + 2 * pad))
    ax_plane.set_aspect("equal", adjustable="box")  # to scale: angles are true angles
    for group, name in [(starts, "countries"), (ends, "capitals")]:
        ax_plane.text(group[:, 0].mean(), high[1] + pad, name, ha="center")
    angles = np.degrees(np.arctan2(*(ends - starts).T[::-1]))
    ax_plane.set(xlabel="mean offset capital − country (unit)",
                 ylabel="top within-category direction, orthogonal to it",
                 title=f"country → capital, to scale: segments within {np.abs(angles).max():.0f}° "
                       f"of horizontal (sd {angles.std():.0f}°)\nanalogy accuracy {accuracy:.2f}")

    bins = np.linspace(-0.2, 1, 25)
    for name, chosen in [("own capital", pairs), ("another country's capital", other_capitals),
                         ("random word", random_words)]:
        cos = cosine_to_mean(offsets(wv, chosen))
        print(f"offsets country → {name}: mean cosine to their mean offset {cos.mean():.2f}")
        ax_cos.hist(np.clip(cos, bins[0], bins[-1]), bins=bins, alpha=0.6,
                    label=f"country → {name}: mean {cos.mean():.2f}")
    ax_cos.legend(fontsize=8, loc="upper left")
    ax_cos.set(xlabel=f"cosine of each offset to the mean offset (full {wv.vector_size}-d space)",
               ylabel="pairs", title="how parallel the offsets are, without projecting")
    fig.tight_layout()
    paths = [save(fig, args.out, "word2vec_synthetic_language.png")]

    # Documents → features → classifier: does the sentence mention an animal?
    texts = language.sentences[:1500 if args.quick else 3000]
    animals = set(CATEGORIES["animal"])
    y = np.array([any(w in animals for w in t.split()) for t in texts])
    pipe = make_pipeline(Word2VecTransformer(vector_size=30, min_count=2, random_state=0),
                         StandardScaler(), LogisticRegression(max_iter=1000))
    print(f"sentence classification, 3-fold accuracy: "
          f"{cross_val_score(pipe, texts, y, cv=3).mean():.3f}")
    return paths


if __name__ == "__main__":
    main()
