"""Digits in two dimensions: PCA, the linear autoencoder, and a non-linear autoencoder.

All three maps send each 64-pixel digit (pixels scaled to [0, 1]) to a point in the plane;
the panels show the held-out digits, coloured by their class.

Left: :class:`sklearn.decomposition.PCA` with ``n_components=2``. Middle:
``AutoencoderTransformer(n_components=2, tol=1e-6)``, the default linear autoencoder (with
a tighter L-BFGS tolerance: at the default ``tol=1e-4`` it stops about 2.6° short of PCA's
plane on these data, whose 2nd and 3rd variances differ by only 12 %). A linear
autoencoder can only find a plane, and the plane that reconstructs best is PCA's (Baldi &
Hornik, 1989): the printed principal angle between the two planes is a few hundredths of a
degree, and since ``transform`` expresses the codes in the principal basis the two scatter
plots coincide. Right: a non-linear autoencoder, 64 → 64 ELU units → 2 ELU codes and a
mirrored decoder, trained with Adam. It is no longer tied to a plane: it can bend the
2-D sheet it decodes from through pixel space, and on these data its codes separate the
classes better. (ELU outputs are bounded below by −1, hence the straight left and
bottom edges along which some classes pile up.)

"Better" is measured, not eyeballed: a 10-nearest-neighbour classifier and a logistic
regression are trained on the 2-D codes of the training digits and scored on the codes of
the held-out digits (30 %, never seen by any of the three maps). Each panel's title gives
those two accuracies and the held-out reconstruction error. The non-linear model's numbers
depend on its training budget; ``--quick`` trains it for only a few epochs.

Run: ``python examples/autoencoder_embedding_2d.py [--out DIR] [--quick]``
"""

import warnings

import numpy as np
from scipy.linalg import subspace_angles
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier

from _gallery import parse_args, plt, save
from sklearn_deep import AutoencoderTransformer


def code_accuracies(model, X_train, y_train, X_test, y_test):
    """Held-out accuracy of 10-NN and of logistic regression on the 2-D codes."""
    Z_train, Z_test = model.transform(X_train), model.transform(X_test)
    knn = KNeighborsClassifier(n_neighbors=10).fit(Z_train, y_train).score(Z_test, y_test)
    logreg = LogisticRegression(max_iter=2000).fit(Z_train, y_train).score(Z_test, y_test)
    return knn, logreg


def main(argv=None):
    args = parse_args(__doc__, argv)
    X, y = load_digits(return_X_y=True)
    X = X / 16  # pixels in [0, 1]
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=0)

    epochs = 30 if args.quick else 1000
    models = {
        "PCA(n_components=2)": PCA(n_components=2),
        # L-BFGS's default tol=1e-4 stops about 2.6° short of PCA's plane here (the 2nd
        # and 3rd variances differ by only 12 %); tol=1e-6 costs a few milliseconds
        "linear autoencoder": AutoencoderTransformer(n_components=2, tol=1e-6, random_state=0),
        # tol=0 with n_iter_no_change=epochs: train for the full budget (the loss keeps
        # falling slowly long after the default stopping rule would end the fit)
        "non-linear autoencoder\n64 ELU units, Adam": AutoencoderTransformer(
            n_components=2, hidden_layer_sizes=(64,), activation="elu", solver="adam",
            learning_rate_init=3e-3, batch_size=64, max_iter=epochs, tol=0.0,
            n_iter_no_change=epochs, random_state=0),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for model in models.values():
            model.fit(X_train)

    pca, linear = models["PCA(n_components=2)"], models["linear autoencoder"]
    angle = np.degrees(subspace_angles(linear.components_.T, pca.components_.T).max())
    print(f"largest principal angle, linear autoencoder's plane vs PCA's: {angle:.4f} deg")

    fig, axes = plt.subplots(1, 3, figsize=(15, 5.4))
    cmap = plt.get_cmap("tab10")
    for ax, (name, model) in zip(axes, models.items()):
        knn, logreg = code_accuracies(model, X_train, y_train, X_test, y_test)
        Z = model.transform(X_test)
        mse = np.mean((model.inverse_transform(Z) - X_test) ** 2)
        label = name.replace("\n", ", ")
        print(f"{label:>40}: held-out accuracy on the codes: 10-NN {knn:.3f}, "
              f"logistic regression {logreg:.3f}; reconstruction MSE {mse:.4f}")
        ax.scatter(Z[:, 0], Z[:, 1], c=y_test, cmap=cmap, vmin=-0.5, vmax=9.5, s=9,
                   alpha=0.8, linewidths=0)
        for digit in range(10):  # the class label at each class's median code
            cx, cy = np.median(Z[y_test == digit], axis=0)
            ax.text(cx, cy, str(digit), fontsize=13, weight="bold", ha="center",
                    va="center", color=cmap(digit),
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "alpha": 0.8,
                          "ec": cmap(digit)})
        ax.set_title(f"{name}\n10-NN {knn:.2f} · logistic reg. {logreg:.2f} · "
                     f"MSE {mse:.4f}", fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
    axes[1].set_xlabel(f"same plane as PCA: largest principal angle {angle:.3f}°", fontsize=9)
    fig.suptitle("Held-out digits embedded in 2-D; titles: held-out accuracy of classifiers "
                 "trained on the codes, and reconstruction MSE")
    fig.tight_layout()
    return [save(fig, args.out, "autoencoder_embedding_2d.png")]


if __name__ == "__main__":
    main()
