"""Word vectors on the embedded synthetic language, then documents into a classifier.

Skip-gram word2vec (``Word2VecTransformer``) learns from sentences of sklearn_deep's
synthetic language (no download): words of one category end up neighbours, and the planted
country → capital relation is solved by analogy (``berlin − germany + france ≈ paris``).

Left: the loss per epoch. Middle: a PCA projection of the word vectors, one colour per
category. Right: the offsets capital − country of every pair, which point the same way —
that shared direction is what 3CosAdd analogies use. Finally the same transformer turns
sentences into features for a classifier inside a Pipeline.

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


def main(argv=None):
    args = parse_args(__doc__, argv)
    language = make_synthetic_language(6000 if args.quick else 20000, random_state=0)
    w2v = Word2VecTransformer(vector_size=50, sg=1, min_count=3, random_state=0,
                              epochs=3 if args.quick else 5)
    w2v.fit(language.sentences)
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

    fig, axes = plt.subplots(1, 3, figsize=(16, 4.5))
    axes[0].plot(range(1, len(w2v.loss_curve_) + 1), w2v.loss_curve_, "o-")
    axes[0].set(xlabel="epoch", ylabel="mean loss per (context, centre) pair",
                title="skip-gram, negative sampling")
    shown = ["country", "capital", "animal", "food", "day", "vehicle"]
    words = [w for c in shown for w in CATEGORIES[c] if w in wv]
    xy = PCA(n_components=2).fit_transform(wv[words])
    for category in shown:
        idx = [i for i, w in enumerate(words) if w in CATEGORIES[category]]
        axes[1].scatter(xy[idx, 0], xy[idx, 1], label=category, s=18)
    axes[1].legend(fontsize=8)
    axes[1].set(title="word vectors (PCA), by category")
    pairs = [(c, k) for c, k in CAPITALS.items() if c in wv and k in wv]
    pca = PCA(n_components=2).fit(wv[[w for p in pairs for w in p]])
    for country, capital in pairs:
        a, b = pca.transform(wv[[country, capital]])
        axes[2].plot(*np.column_stack([a, b]), color="grey", alpha=0.6)
        axes[2].scatter(*a, color="tab:blue", s=14)
        axes[2].scatter(*b, color="tab:orange", s=14)
        axes[2].text(*b, capital, fontsize=7)
    axes[2].set(title=f"country → capital offsets (analogy accuracy {accuracy:.2f})")
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
