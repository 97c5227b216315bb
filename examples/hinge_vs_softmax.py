"""Hinge (multiclass SVM) vs softmax cross-entropy: the losses and what they learn.

Left: both losses for one sample as a function of the margin s_y − s_j between the correct
class and one other class (CS231n's picture). The hinge loss
Σ_{j≠y} max(0, s_j − s_y + 1) is exactly zero once the correct score wins by 1 — it stops
caring — while cross-entropy −log softmax(s)_y keeps pushing, ever more gently.

Right: ``MLPClassifierScratch(loss='hinge')`` and ``loss='log_loss'`` on three overlapping
blobs; same network, same data. The hinge model offers ``decision_function`` (scores),
the cross-entropy model ``predict_proba``.

Run: ``python examples/hinge_vs_softmax.py [--out DIR] [--quick]``
"""

import warnings

import numpy as np
from sklearn.datasets import make_blobs
from sklearn.exceptions import ConvergenceWarning

from _gallery import parse_args, plt, save
from sklearn_deep import MLPClassifierScratch
from sklearn_deep.engine import Tensor, multiclass_hinge, softmax_cross_entropy


def loss_curves():
    margins = np.linspace(-3, 3, 121)
    scores = np.column_stack([margins, np.zeros_like(margins)])  # class 0 is correct
    labels = np.zeros(len(margins), dtype=int)
    hinge = [multiclass_hinge(Tensor(s[None]), labels[:1]).item() for s in scores]
    ce = [softmax_cross_entropy(Tensor(s[None]), labels[:1]).item() for s in scores]
    return margins, np.array(hinge), np.array(ce)


def main(argv=None):
    args = parse_args(__doc__, argv)
    margins, hinge, ce = loss_curves()
    X, y = make_blobs(n_samples=150 if args.quick else 300, centers=3, cluster_std=1.6,
                      random_state=2)
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    axes[0].plot(margins, hinge, label="hinge  max(0, 1 − margin)")
    axes[0].plot(margins, ce, label="cross-entropy  log(1 + e^(−margin))")
    axes[0].set_xlabel("margin s_y − s_j")
    axes[0].set_ylabel("loss of one sample")
    axes[0].legend(fontsize=8)
    xx, yy = np.meshgrid(np.linspace(X[:, 0].min() - 1, X[:, 0].max() + 1, 200),
                         np.linspace(X[:, 1].min() - 1, X[:, 1].max() + 1, 200))
    grid = np.column_stack([xx.ravel(), yy.ravel()])
    for ax, loss in zip(axes[1:], ["hinge", "log_loss"]):
        clf = MLPClassifierScratch((32,), loss=loss, solver="lbfgs",
                                   max_iter=100 if args.quick else 400, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X, y)
        ax.contourf(xx, yy, clf.predict(grid).reshape(xx.shape), alpha=0.3, cmap="viridis")
        ax.scatter(X[:, 0], X[:, 1], c=y, s=12, cmap="viridis", edgecolors="k", linewidths=0.3)
        ax.set_title(f"loss='{loss}': training accuracy {clf.score(X, y):.2f}")
        print(f"{loss:>8}: training accuracy {clf.score(X, y):.3f}")
    return [save(fig, args.out, "hinge_vs_softmax.png")]


if __name__ == "__main__":
    main()
