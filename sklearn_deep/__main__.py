"""``python -m sklearn_deep`` (or ``sklearn-deep``): a tour on embedded data, no download.

Each part trains one of our estimators side by side with its peer and adds rows to one
table printed at the end; progress lines show while it works.

- ``mlp`` — MLPClassifierScratch vs scikit-learn's MLPClassifier on digits: test accuracy
  and fit time.
- ``autoencoder`` — the linear AutoencoderTransformer vs PCA on digits (largest principal
  angle between their subspaces, reconstruction error), and a denoising autoencoder vs a
  vanilla one and PCA at reconstructing noisy test digits.
- ``graph`` — the backprop notes' circuits on our engine: f = (x + y)·z and the sigmoid
  neuron, their gradients beside the numbers the notes publish; with ``--figures``, each
  circuit drawn with its values and gradients, the four gate patterns (add, mul, copy, max)
  in one figure, and the DOT text of each circuit (for Graphviz).
- ``word2vec`` — Word2VecTransformer (skip-gram, negative sampling) on the embedded synthetic
  language, beside gensim when it is installed: nearest-neighbour category precision, the
  planted country → capital analogies, fit time; and a few neighbours and a solved analogy.

Usage::

    sklearn-deep                     # the whole tour
    sklearn-deep mlp                 # one part
    sklearn-deep --figures --out DIR # also write the tour's figures (needs matplotlib)
"""

import argparse
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from . import __version__


@dataclass
class Row:
    """One line of the tour's table."""

    part: str
    model: str
    metric: str
    ours: float
    peer: float = float("nan")
    peer_name: str = ""
    seconds: float = float("nan")
    peer_seconds: float = float("nan")


def _timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def _digits(standardise=True):
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y,
                                                        random_state=0)
    if not standardise:
        return X_train, X_test, y_train, y_test
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def part_mlp(log, figures_dir=None, quick=False):
    """MLPClassifierScratch vs MLPClassifier on digits."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    from . import MLPClassifierScratch

    X_train, X_test, y_train, y_test = _digits()
    epochs = 10 if quick else 50
    log(f"mlp: digits ({len(X_train)} train / {len(X_test)} test), 64-100-10 ReLU, adam, "
        f"{epochs} epochs")
    rows = []
    models = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for loss in ("log_loss", "hinge"):
            ours, t_ours = _timed(lambda loss=loss: MLPClassifierScratch(
                max_iter=epochs, loss=loss, random_state=0).fit(X_train, y_train))
            models[loss] = ours
            log(f"  MLPClassifierScratch(loss={loss!r}) trained in {t_ours:.2f} s")
            row = Row("mlp", f"MLPClassifierScratch({loss})", "test accuracy",
                      ours.score(X_test, y_test), seconds=t_ours)
            if loss == "log_loss":
                theirs, t_theirs = _timed(lambda: MLPClassifier(
                    max_iter=epochs, random_state=0).fit(X_train, y_train))
                log(f"  sklearn MLPClassifier trained in {t_theirs:.2f} s")
                row.peer, row.peer_name = theirs.score(X_test, y_test), "MLPClassifier"
                row.peer_seconds = t_theirs
            rows.append(row)
    if figures_dir is not None:
        _plot_curves(models, figures_dir, log)
    return rows


def _plot_curves(models, figures_dir, log):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for loss, model in models.items():
        ax.semilogy(model.loss_curve_, label=f"loss={loss!r}")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss")
    ax.set_title("MLPClassifierScratch on digits")
    ax.legend()
    path = Path(figures_dir) / "tour_mlp_loss.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    log(f"  wrote {path}")


def part_autoencoder(log, figures_dir=None, quick=False):
    """Linear AutoencoderTransformer vs PCA; denoising vs vanilla on noisy digits."""
    import numpy as np
    from scipy.linalg import subspace_angles
    from sklearn.decomposition import PCA
    from sklearn.exceptions import ConvergenceWarning

    from . import AutoencoderTransformer

    # raw pixels (0-16), as PCA is usually applied; their 10th/11th eigenvalue gap is
    # large enough for the subspace to be well defined (standardised digits: nearly tied)
    X_train, X_test, _, _ = _digits(standardise=False)
    k = 10
    log(f"autoencoder: digits pixels, {k} components, linear autoencoder vs PCA")
    ae, t_ae = _timed(lambda: AutoencoderTransformer(n_components=k, random_state=0)
                      .fit(X_train))
    pca, t_pca = _timed(lambda: PCA(n_components=k).fit(X_train))
    log(f"  AutoencoderTransformer trained in {t_ae:.2f} s, PCA in {t_pca:.3f} s")
    angle = np.degrees(subspace_angles(ae.components_.T, pca.components_.T).max())

    def mse(model, X_in, X_clean):
        return float(np.mean((model.inverse_transform(model.transform(X_in)) - X_clean) ** 2))

    rows = [Row("autoencoder", "linear AE vs PCA", "max angle (degrees)", angle,
                0.0, "PCA (exact)", t_ae, t_pca),
            Row("autoencoder", "linear AE", "test reconstr. MSE", mse(ae, X_test, X_test),
                mse(pca, X_test, X_test), "PCA", t_ae, t_pca)]
    rng = np.random.default_rng(0)
    noisy = X_test + 4.0 * rng.standard_normal(X_test.shape)  # a quarter of the pixel range
    epochs = 20 if quick else 100
    log(f"autoencoder: 64-32-{k} tanh autoencoders, {epochs} epochs, vanilla and denoising")
    for variant in ("vanilla", "denoising"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model, t = _timed(lambda variant=variant: AutoencoderTransformer(
                n_components=k, hidden_layer_sizes=(32,), activation="tanh", variant=variant,
                noise_level=4.0, max_iter=epochs, batch_size=128, learning_rate_init=3e-3,
                random_state=0).fit(X_train))
        log(f"  {variant} trained in {t:.2f} s")
        rows.append(Row("autoencoder", f"{variant} AE, noisy input", "clean-target MSE",
                        mse(model, noisy, X_test), mse(pca, noisy, X_test), "PCA", t,
                        t_pca))
    return rows


def part_word2vec(log, figures_dir=None, quick=False):
    """Word2VecTransformer (and gensim, if installed) on the synthetic language."""
    import tempfile

    from . import Word2VecTransformer
    from .datasets import category_precision, make_synthetic_language, write_analogies

    n_sentences = 5000 if quick else 20000
    language = make_synthetic_language(n_sentences, random_state=0)
    tokens = [s.split() for s in language.sentences]
    settings = dict(vector_size=50, window=5, negative=5, min_count=3, sample=1e-3,
                    epochs=5, sg=1)
    log(f"word2vec: synthetic language, {n_sentences} sentences "
        f"({sum(map(len, tokens))} words), skip-gram, negative sampling, 5 epochs")
    ours, t_ours = _timed(lambda: Word2VecTransformer(random_state=0, workers=1,  # as gensim
                                                      **settings).fit(tokens))
    log(f"  Word2VecTransformer trained in {t_ours:.2f} s")
    wv = ours.wv
    for word in ("paris", "dog", "tuesday"):
        log(f"  nearest to {word!r}: {', '.join(w for w, _ in wv.most_similar(word, topn=4))}")
    answer = wv.most_similar(positive=["berlin", "france"], negative=["germany"], topn=1)[0]
    log(f"  berlin - germany + france = {answer[0]!r} (cosine {answer[1]:.2f})")
    try:
        from gensim.models import Word2Vec
    except ImportError:
        Word2Vec = None
        log("  (gensim is not installed: no peer column; pip install gensim)")
    peer = None
    if Word2Vec is not None:
        peer, t_peer = _timed(lambda: Word2Vec(tokens, seed=1, workers=1, **settings))
        log(f"  gensim Word2Vec (workers=1) trained in {t_peer:.2f} s")
    with tempfile.TemporaryDirectory() as tmp:
        questions = f"{tmp}/questions.txt"
        write_analogies(questions)

        def scores(vectors):
            return (category_precision(vectors),
                    vectors.evaluate_word_analogies(questions)[0])

        ours_scores = scores(wv)
        peer_scores = scores(peer.wv) if peer is not None else (float("nan"),) * 2
    names = ("neighbour precision@5", "analogy accuracy")
    return [Row("word2vec", "Word2VecTransformer(sg)", name, mine, theirs,
                "gensim Word2Vec" if peer is not None else "",
                t_ours, t_peer if peer is not None else float("nan"))
            for name, mine, theirs in zip(names, ours_scores, peer_scores)]


# The numbers CS231n's notes "Backpropagation, Intuitions" publish for their two circuits.
_NOTES = {"(x+y)z": {"f": -12.0, "df/dx": -4.0, "df/dz": 3.0},
          "sigmoid neuron": {"f": 0.73, "df/dw0": -0.20, "df/dx0": 0.39}}


def part_graph(log, figures_dir=None, quick=False):
    """The notes' circuits: gradients beside the notes' numbers; drawn with --figures."""
    from .engine import draw_graph, to_dot
    from .engine.circuits import add_multiply, draw_gate_patterns, sigmoid_neuron

    circuits = {"(x+y)z": add_multiply(), "sigmoid neuron": sigmoid_neuron()}
    rows = []
    for key, circuit in circuits.items():
        log(f"graph: {circuit.title}")
        values = {name: t for name, t in circuit.names.items() if t.is_leaf}
        log("  " + ", ".join(f"{n} = {t.item():g} (df/d{n} = {t.grad.item():.2f})"
                             for n, t in values.items()))
        for metric, published in _NOTES[key].items():
            ours = (circuit.root.item() if metric == "f"
                    else values[metric.removeprefix("df/d")].grad.item())
            rows.append(Row("graph", key, metric, ours, published, "CS231n notes"))
    if figures_dir is None:
        log("  (add --figures to draw the circuits and the gate patterns)")
        return rows
    out = Path(figures_dir)
    out.mkdir(parents=True, exist_ok=True)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    for stem, circuit in zip(("graph_add_multiply", "graph_sigmoid_neuron"),
                             circuits.values()):
        (out / f"{stem}.dot").write_text(to_dot(circuit.root, names=circuit.names,
                                                title=circuit.title))
        plt.close(draw_graph(circuit.root, out / f"{stem}.png", names=circuit.names,
                             title=circuit.title))
        log(f"  wrote {out / stem}.png and .dot")
    plt.close(draw_gate_patterns(out / "graph_gate_patterns.png"))
    log(f"  wrote {out / 'graph_gate_patterns.png'}")
    return rows


PARTS = {"mlp": part_mlp, "autoencoder": part_autoencoder, "graph": part_graph,
         "word2vec": part_word2vec}


def format_table(rows):
    """The tour's results as one plain-text table."""
    head = (f"{'part':<12}{'model':<34}{'metric':<22}{'ours':>9}{'peer':>9}  "
            f"{'peer model':<16}{'ours (s)':>9}{'peer (s)':>9}")
    lines = [head, "-" * len(head)]
    def num(value, digits):
        return f"{value:>9.{digits}f}" if value == value else f"{'—':>9}"  # NaN: no peer

    for r in rows:
        lines.append(f"{r.part:<12}{r.model:<34}{r.metric:<22}{num(r.ours, 3)}"
                     f"{num(r.peer, 3)}  {r.peer_name or '—':<16}"
                     f"{num(r.seconds, 2)}{num(r.peer_seconds, 2)}")
    return "\n".join(lines)


def run(parts, out=sys.stdout, figures_dir=None, quick=False):
    """Run the named parts, print progress and the table; return the rows."""
    from threadpoolctl import threadpool_limits

    def log(line):
        print(line, file=out, flush=True)

    log(f"sklearn_deep {__version__} tour: {', '.join(parts)}")
    rows = []
    # Small problems train faster on one BLAS thread (README, "Thread policy"); the peers
    # get the same setting so that the times compare.
    with threadpool_limits(limits=1):
        for name in parts:
            rows.extend(PARTS[name](log, figures_dir=figures_dir, quick=quick))
    log("")
    log(format_table(rows))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="sklearn-deep",
        description="A tour of sklearn_deep on embedded data (no download): each part "
                    "trains our estimator beside its peer and prints one table.")
    parser.add_argument("parts", nargs="*", metavar="PART",
                        help=f"parts to run, among {', '.join(PARTS)} (default: all)")
    parser.add_argument("--out", type=Path, default=Path("sklearn_deep_tour"),
                        help="folder for figures (default: ./sklearn_deep_tour)")
    parser.add_argument("--figures", action="store_true",
                        help="also write the tour's figures as PNG (needs matplotlib)")
    parser.add_argument("--quick", action="store_true", help="smaller runs, for a smoke test")
    args = parser.parse_args(argv)
    unknown = [p for p in args.parts if p not in PARTS]
    if unknown:
        parser.error(f"unknown part(s) {', '.join(unknown)}; choose among {', '.join(PARTS)}")
    run(args.parts or list(PARTS), figures_dir=args.out if args.figures else None,
        quick=args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
