"""Autoencoders on digits: the linear one is PCA; the denoising one cleans noisy digits.

Top rows: the first principal components of the digits from
:class:`sklearn.decomposition.PCA` and from ``AutoencoderTransformer(n_components=10)``
(linear, the default). A linear autoencoder on centred data only identifies PCA's
subspace; the Rayleigh–Ritz step turns that subspace into PCA's components, signs
included — the two rows agree, and the printed principal angle is a few hundredths of a
degree.

Bottom rows: test digits with Gaussian noise (σ = 0.3 on pixels in [0, 1]), and their
reconstructions by a vanilla and a denoising tanh autoencoder of the same shape. The
denoising one was trained to map corrupted inputs back to clean ones, and its error to the
clean digits is the lower of the two (printed beside each row). The digits are drawn on
the common pixel range [0, 1], so the rows compare; each component on its own scale.

Run: ``python examples/autoencoder_pca_and_denoising.py [--out DIR] [--quick]``
"""

import warnings

import numpy as np
from scipy.linalg import subspace_angles
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from _gallery import parse_args, plt, save
from sklearn_deep import AutoencoderTransformer


def main(argv=None):
    args = parse_args(__doc__, argv)
    X = load_digits().data
    pca = PCA(n_components=10).fit(X)
    ae = AutoencoderTransformer(n_components=10, random_state=0).fit(X)
    angle = np.degrees(subspace_angles(ae.components_.T, pca.components_.T).max())
    print(f"largest principal angle to PCA's subspace: {angle:.4f} deg")

    X01 = X / 16
    X_train, X_test = train_test_split(X01, test_size=0.25, random_state=0)
    noisy = X_test + 0.3 * np.random.RandomState(1).standard_normal(X_test.shape)
    recons, mse = {}, {}
    for variant in ("vanilla", "denoising"):
        est = AutoencoderTransformer(
            n_components=32, hidden_layer_sizes=(64,), activation="tanh", variant=variant,
            noise_level=0.3, learning_rate_init=1e-2, max_iter=20 if args.quick else 100,
            random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est.fit(X_train)
        recons[variant] = est.inverse_transform(est.transform(noisy))
        mse[variant] = np.mean((recons[variant] - X_test) ** 2)
        print(f"{variant:>9}: MSE to the clean digits {mse[variant]:.4f}")

    n_show = 6
    fig, axes = plt.subplots(6, n_show, figsize=(1.6 * n_show, 10))
    rows = [("PCA component", pca.components_), ("autoencoder component", ae.components_),
            ("noisy input", noisy), ("clean", X_test),
            (f"vanilla AE\nMSE {mse['vanilla']:.4f}", recons["vanilla"]),
            (f"denoising AE\nMSE {mse['denoising']:.4f}", recons["denoising"])]
    for r, (label, images) in enumerate(rows):
        # components: each image on its own scale; digits: all on the pixel range [0, 1]
        scale = {} if r < 2 else {"vmin": 0, "vmax": 1}
        for c in range(n_show):
            ax = axes[r, c]
            ax.imshow(images[c].reshape(8, 8), cmap="gray_r", **scale)
            ax.set_xticks([])
            ax.set_yticks([])
            if c == 0:
                ax.set_ylabel(label, fontsize=8)
    fig.suptitle(f"top: linear AE vs PCA, max principal angle {angle:.3f}°\n"
                 f"bottom: noisy test digits (σ = 0.3) and their reconstructions, "
                 f"MSE to the clean digits")
    return [save(fig, args.out, "autoencoder_pca_and_denoising.png")]


if __name__ == "__main__":
    main()
