"""Choosing an autoencoder variant by cross-validation, inside a Pipeline.

``AutoencoderTransformer`` is an ordinary scikit-learn transformer, so the variant is just
another hyper-parameter: the pipeline

    MinMaxScaler → AutoencoderTransformer(logistic codes) → LogisticRegression

goes into :class:`~sklearn.model_selection.GridSearchCV` (``n_jobs=2``, 3-fold CV on 70 % of
the digits), and the grid is a *list* of parameter dicts, one per variant, so each variant
only gets the parameters it uses: the masking probability of 'denoising', the weight λ of
'contractive', the weight β (KL to a target mean activation ρ = 0.1) of 'sparse'. Every
variant is tried with codes of 8 and 16 units (``ae__n_components``); every autoencoder has
one layer and is trained for the same number of Adam epochs.

The figure shows each candidate's mean cross-validated accuracy (a point) with its standard
deviation over the folds as an error bar; the dashed lines are the cross-validated
accuracy of the same pipeline with ``PCA(n_components=k)`` in place of the autoencoder.
The printout gives ``best_params_`` and the accuracy of the refitted best pipeline on the
held-out 30 %, beside the PCA pipeline with the same number of components. What the
figure shows is what the search found on digits with this training budget: with 8 or 16
one-layer logistic codes none of the autoencoder pipelines beats PCA's, in CV or on the
held-out digits. The mildest settings (masking p = 0.1, λ = 0.001) land within 0.025 of
the vanilla autoencoder, above or below it depending on k; the KL sparsity penalty costs
0.03–0.07 at both weights tried, the larger contractive weight 0.01–0.06. ``--quick``
searches a two-candidate grid on a subset with a few epochs; its numbers mean nothing.

Run: ``python examples/autoencoder_grid_search.py [--out DIR] [--quick]``
"""

import warnings

from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler

from _gallery import parse_args, plt, save
from sklearn_deep import AutoencoderTransformer

VARIANTS = ["vanilla", "denoising", "contractive", "sparse"]


def param_grid(n_components, quick=False):
    """One dict per variant, each with only the parameters that variant reads."""
    k = {"ae__n_components": n_components}
    if quick:
        return [{"ae__variant": ["vanilla"], **k},
                {"ae__variant": ["sparse"], "ae__sparsity_weight": [0.1], **k}]
    return [
        {"ae__variant": ["vanilla"], **k},
        {"ae__variant": ["denoising"], "ae__noise": ["masking"],
         "ae__noise_level": [0.1, 0.3], **k},
        {"ae__variant": ["contractive"], "ae__contractive_weight": [1e-3, 1e-2], **k},
        {"ae__variant": ["sparse"], "ae__sparsity": ["kl"], "ae__sparsity_target": [0.1],
         "ae__sparsity_weight": [0.01, 0.1], **k},
    ]


def candidate_label(params):
    """Short label of a candidate: its variant and its variant's own parameter."""
    variant = params["ae__variant"]
    extra = {"denoising": ("ae__noise_level", "p"), "contractive": ("ae__contractive_weight", "λ"),
             "sparse": ("ae__sparsity_weight", "β")}.get(variant)
    if extra and extra[0] in params:
        return f"{variant}, {extra[1]}={params[extra[0]]:g}"
    return variant


def pipeline(reducer):
    return Pipeline([("scale", MinMaxScaler()), ("ae", reducer),
                     ("clf", LogisticRegression(max_iter=2000))])


def main(argv=None):
    args = parse_args(__doc__, argv)
    X, y = load_digits(return_X_y=True)
    if args.quick:
        X, y = X[:600], y[:600]
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=0)
    sizes = [8] if args.quick else [8, 16]
    epochs = 10 if args.quick else 150
    cv = 2 if args.quick else 3

    ae = AutoencoderTransformer(activation="logistic", solver="adam", learning_rate_init=3e-3,
                                batch_size=64, max_iter=epochs, tol=0.0,
                                n_iter_no_change=epochs, random_state=0)
    search = GridSearchCV(pipeline(ae), param_grid(sizes, args.quick), cv=cv, n_jobs=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X_train, y_train)
    res = search.cv_results_

    pca_cv, pca_test = {}, {}
    for k in sizes:
        pca_pipe = pipeline(PCA(n_components=k))
        pca_cv[k] = cross_val_score(pca_pipe, X_train, y_train, cv=cv).mean()
        pca_test[k] = pca_pipe.fit(X_train, y_train).score(X_test, y_test)

    for params, mean, std in zip(res["params"], res["mean_test_score"], res["std_test_score"]):
        print(f"k={params['ae__n_components']:>2} {candidate_label(params):>22}: "
              f"CV accuracy {mean:.3f} ± {std:.3f}")
    for k in sizes:
        print(f"k={k:>2} {'PCA':>22}: CV accuracy {pca_cv[k]:.3f}")
    best_k = search.best_params_["ae__n_components"]
    best_test = search.score(X_test, y_test)
    print("best_params_:", search.best_params_)
    print(f"held-out accuracy: best autoencoder pipeline {best_test:.3f}, "
          f"PCA(n_components={best_k}) pipeline {pca_test[best_k]:.3f}")

    labels = list(dict.fromkeys(candidate_label(p) for p in res["params"]))
    fig, ax = plt.subplots(figsize=(10, 0.4 * len(labels) * len(sizes) + 1.8))
    height = 0.8 / len(sizes)
    colors = dict(zip(sizes, ["tab:blue", "tab:orange"]))
    for j, k in enumerate(sizes):
        rows = [i for i, p in enumerate(res["params"]) if p["ae__n_components"] == k]
        pos = [labels.index(candidate_label(res["params"][i])) + (j - (len(sizes) - 1) / 2)
               * height for i in rows]
        # points, not bars: the axis does not start at 0, so bar lengths would mislead
        ax.errorbar(res["mean_test_score"][rows], pos, xerr=res["std_test_score"][rows],
                    fmt="o", ms=7, color=colors[k], capsize=3, label=f"autoencoder, k={k}")
        ax.axvline(pca_cv[k], color=colors[k], ls="--", lw=1.5,
                   label=f"PCA, k={k}: {pca_cv[k]:.3f}")
    best = res["params"][search.best_index_]
    ax.set_yticks(range(len(labels)), labels)
    ax.invert_yaxis()
    best_pos = labels.index(candidate_label(best)) + (
        sizes.index(best_k) - (len(sizes) - 1) / 2) * height
    top = res["mean_test_score"] + res["std_test_score"]
    ax.plot(top[search.best_index_] + 0.006, best_pos, marker="*", ms=12, color="k",
            ls="none", label="best_params_")
    low = min(res["mean_test_score"].min() - res["std_test_score"].max(), *pca_cv.values())
    ax.set_xlim(max(0.0, low - 0.03), min(1.0, max(top.max(), *pca_cv.values()) + 0.02))
    ax.set_xlabel(f"mean accuracy over {cv} CV folds (error bar: one standard deviation)")
    ax.set_title(f"GridSearchCV over autoencoder variants: best = {candidate_label(best)}, "
                 f"k={best_k}\nheld-out accuracy {best_test:.3f} vs PCA(k={best_k}) "
                 f"pipeline {pca_test[best_k]:.3f}", fontsize=10)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return [save(fig, args.out, "autoencoder_grid_search.png")]


if __name__ == "__main__":
    main()
