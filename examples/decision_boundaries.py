"""Why non-linearity: a 2-layer network's decision boundary for several activations.

Two interleaved half-moons cannot be separated by a line. A network whose hidden layer is
linear ('identity') is still a linear classifier — stacking linear maps gives a linear map —
so its boundary is a straight line. Any non-linear activation bends it. Each panel is
``MLPClassifierScratch(hidden_layer_sizes=(16,), activation=...)`` trained on the same data;
the title gives its training accuracy.

Run: ``python examples/decision_boundaries.py [--out DIR] [--quick]``
"""

import numpy as np
from sklearn.datasets import make_moons

from _gallery import parse_args, plt, save
from sklearn_deep import MLPClassifierScratch

ACTIVATIONS = ["identity", "logistic", "tanh", "relu", "elu", "maxout"]


def fit_all(quick=False):
    X, y = make_moons(n_samples=200 if quick else 400, noise=0.15, random_state=0)
    models = {}
    for name in ACTIVATIONS:
        clf = MLPClassifierScratch((16,), activation=name, solver="lbfgs",
                                   max_iter=200 if quick else 1000, random_state=0)
        models[name] = clf.fit(X, y)
    return X, y, models


def main(argv=None):
    args = parse_args(__doc__, argv)
    X, y, models = fit_all(args.quick)
    xx, yy = np.meshgrid(np.linspace(-1.5, 2.5, 200), np.linspace(-1.0, 1.5, 150))
    grid = np.column_stack([xx.ravel(), yy.ravel()])
    fig, axes = plt.subplots(2, 3, figsize=(11, 6.5), sharex=True, sharey=True)
    for ax, (name, clf) in zip(axes.ravel(), models.items()):
        proba = clf.predict_proba(grid)[:, 1].reshape(xx.shape)
        ax.contourf(xx, yy, proba, levels=20, cmap="RdBu_r", alpha=0.6)
        ax.contour(xx, yy, proba, levels=[0.5], colors="k", linewidths=1.5)
        ax.scatter(X[:, 0], X[:, 1], c=y, cmap="RdBu_r", s=10, edgecolors="k", linewidths=0.3)
        ax.set_title(f"{name}: train accuracy {clf.score(X, y):.2f}")
        print(f"{name:>9}: training accuracy {clf.score(X, y):.3f}")
    fig.suptitle("2-layer network (16 hidden units) on two moons")
    return [save(fig, args.out, "decision_boundaries.png")]


if __name__ == "__main__":
    main()
