"""What the contractive and sparse penalties do to an autoencoder's codes.

Four one-layer autoencoders, 64 pixels → 36 logistic code units → 64 pixels, are trained
on the same digits with Adam for the same number of epochs; only the penalty differs:

- vanilla: reconstruction error alone (encoder and decoder weights untied);
- contractive (Rifai et al., 2011): + λ · mean ‖J_f(x)‖²_F, the squared Frobenius norm of
  the encoder's Jacobian, which asks the codes to change little when the input moves;
- sparse, KL (Ng): + β · Σ_j KL(ρ ‖ ρ̂_j), which pulls each unit's mean activation ρ̂_j
  to the target ρ = ``sparsity_target`` = 0.05;
- sparse, L1: + λ · mean Σ_j |h_j|, which pushes every activation towards 0.

The pixels are scaled to [0, 1] (divided by 16) rather than standardised: the logistic
codes and the filters are then on the scale of the images, and the rarely inked border
pixels are not blown up to unit variance. Penalised models tie their decoder to the
encoder (``tied_weights='auto'``), so a penalty on the encoder cannot be dodged by
shrinking it and growing the decoder.

Top row: histograms of the code activations on held-out digits (log counts). The vanilla
codes spread over (0, 1); both sparse codes pile up near 0, and the KL model's mean
activation lands near ρ. The contractive codes saturate instead: most sit near 0 or near
1, where the logistic's slope — and so its share of the Jacobian — is smallest.

Middle: the held-out mean of ‖J_f(x)‖²_F, computed from the fitted encoder weights
(``encoder_coefs_``, ``encoder_intercepts_``, ``mean_``) with the library's closed-form
:func:`~sklearn_deep.nn.penalties.contractive_penalty` (log scale), beside the
held-out reconstruction error. The contractive model's Jacobian is the smallest; the
sparse ones are smaller than the vanilla one too (saturated units have small slopes), and
every penalty costs reconstruction error — how much depends on its weight.

Bottom: 36 decoder filters of each model (rows of ``decoder_coefs_[0]``, each 8 × 8,
scaled to its own largest |weight|; red positive, blue negative). ``--quick`` trains for
a few epochs only, too few for the codes to settle as described.

Run: ``python examples/autoencoder_codes_contractive_sparse.py [--out DIR] [--quick]``
"""

import warnings

import numpy as np
from scipy.special import expit
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from _gallery import parse_args, plt, save
from sklearn_deep import AutoencoderTransformer
from sklearn_deep.engine import Tensor
from sklearn_deep.nn.penalties import contractive_penalty

N_CODES = 36  # a 6 × 6 mosaic of filters
MODELS = {
    "vanilla": {"variant": "vanilla"},
    "contractive, λ=0.01": {"variant": "contractive", "contractive_weight": 0.01},
    "sparse KL, ρ=0.05, β=0.1": {"variant": "sparse", "sparsity": "kl",
                                 "sparsity_target": 0.05, "sparsity_weight": 0.1},
    "sparse L1, λ=0.001": {"variant": "sparse", "sparsity": "l1", "sparsity_weight": 1e-3},
}


def jacobian_norm(ae, X):
    """mean_i ‖J_f(x_i)‖²_F of a fitted one-layer logistic encoder, in closed form."""
    W, b = ae.encoder_coefs_[0], ae.encoder_intercepts_[0]
    pre = (X - ae.mean_) @ W + b  # the estimator centres its inputs with mean_
    return contractive_penalty(Tensor(pre), Tensor(expit(pre)), Tensor(W), "logistic").item()


def mosaic(filters, n_cols=6, pad=1):
    """Tile 8 × 8 filters, each scaled to [-1, 1], into one image (NaN padding)."""
    n_rows = int(np.ceil(len(filters) / n_cols))
    out = np.full((n_rows * (8 + pad) - pad, n_cols * (8 + pad) - pad), np.nan)
    for i, f in enumerate(filters):
        r, c = divmod(i, n_cols)
        out[r * (8 + pad):r * (8 + pad) + 8, c * (8 + pad):c * (8 + pad) + 8] = (
            f.reshape(8, 8) / max(np.abs(f).max(), 1e-12))
    return out


def main(argv=None):
    args = parse_args(__doc__, argv)
    X = load_digits().data / 16  # pixels in [0, 1]
    X_train, X_test = train_test_split(X, test_size=0.3, random_state=0)
    epochs = 15 if args.quick else 300
    results = {}
    for name, params in MODELS.items():
        ae = AutoencoderTransformer(
            n_components=N_CODES, activation="logistic", solver="adam",
            learning_rate_init=3e-3, batch_size=64, max_iter=epochs, tol=0.0,
            n_iter_no_change=epochs, random_state=0, **params)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            ae.fit(X_train)
        H = ae.transform(X_test)
        results[name] = {
            "codes": H,
            "jacobian": jacobian_norm(ae, X_test),
            "mse": np.mean((ae.inverse_transform(H) - X_test) ** 2),
            "filters": ae.decoder_coefs_[0],
        }
        r = results[name]
        print(f"{name:>24}: mean activation {H.mean():.3f} (units' means "
              f"{H.mean(axis=0).min():.3f}–{H.mean(axis=0).max():.3f}), "
              f"{np.mean(H < 0.05):.0%} below 0.05, {np.mean(H > 0.95):.0%} above 0.95; "
              f"mean ‖J‖²_F {r['jacobian']:.3f}; "
              f"reconstruction MSE {r['mse']:.4f}")

    names = list(MODELS)
    colors = ["tab:gray", "tab:green", "tab:orange", "tab:purple"]
    fig = plt.figure(figsize=(14, 11.5))
    grid = fig.add_gridspec(3, 4, height_ratios=[1, 0.9, 1.25], hspace=0.45, wspace=0.25)
    bins = np.linspace(0, 1, 41)
    for i, name in enumerate(names):
        ax = fig.add_subplot(grid[0, i])
        H = results[name]["codes"]
        ax.hist(H.ravel(), bins=bins, color=colors[i], log=True)
        ax.axvline(H.mean(), color="k", ls="--", lw=1)
        ax.set_title(f"{name}\nmean activation {H.mean():.3f}", fontsize=10)
        ax.set_xlabel("code activation (held out)")
        if i == 0:
            ax.set_ylabel("count (log)")

    ax_j = fig.add_subplot(grid[1, :2])
    jac = [results[n]["jacobian"] for n in names]
    ax_j.barh(names, jac, color=colors, log=True)
    for y_pos, value in enumerate(jac):
        ax_j.text(value, y_pos, f" {value:.3f}", va="center", fontsize=9)
    ax_j.set_xlim(min(jac) / 2, max(jac) * 4)
    ax_j.invert_yaxis()
    ax_j.set_xlabel("mean ‖J_f(x)‖²_F on held-out digits (log scale)")
    ax_j.set_title("encoder sensitivity: squared Frobenius norm of the Jacobian", fontsize=10)

    ax_m = fig.add_subplot(grid[1, 2:])
    mse = [results[n]["mse"] for n in names]
    ax_m.barh(names, mse, color=colors)
    for y_pos, value in enumerate(mse):
        ax_m.text(value, y_pos, f" {value:.4f}", va="center", fontsize=9)
    ax_m.set_xlim(0, max(mse) * 1.3)
    ax_m.invert_yaxis()
    ax_m.set_yticklabels([])
    ax_m.set_xlabel("mean squared error per pixel (pixels in [0, 1])")
    ax_m.set_title("held-out reconstruction error", fontsize=10)

    filter_cmap = plt.get_cmap("RdBu_r").with_extremes(bad="0.55")  # gray gaps
    for i, name in enumerate(names):
        ax = fig.add_subplot(grid[2, i])
        ax.imshow(mosaic(results[name]["filters"]), cmap=filter_cmap, vmin=-1, vmax=1)
        ax.set_title(f"decoder filters: {name.split(',')[0]}", fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(f"Four autoencoders on digits (64 → {N_CODES} logistic codes), "
                 f"{epochs} Adam epochs each")
    return [save(fig, args.out, "autoencoder_codes_contractive_sparse.png")]


if __name__ == "__main__":
    main()
