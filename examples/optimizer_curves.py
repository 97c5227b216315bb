"""SGD, momentum, RMSProp and Adam on the same problem: training-loss curves.

The same network (64→64→10, ReLU) on standardised digits, the same initial weights and the
same minibatches, trained with each of CS231n's optimizers through
``MLPClassifierScratch(solver=...)``:

- 'sgd' with ``momentum=0`` — plain stochastic gradient descent;
- 'momentum' — heavy-ball SGD (velocity v ← 0.9 v − lr·g);
- 'sgd' with Nesterov momentum (scikit-learn's default for 'sgd');
- 'rmsprop' — per-parameter steps scaled by a running RMS of the gradient;
- 'adam' — RMSProp plus momentum, with bias correction.

Each uses a learning rate that suits it (plain SGD tolerates much larger steps than the
adaptive methods). Heavy-ball and Nesterov momentum nearly coincide here. The left panel
is the training loss per epoch (log scale), the right the test accuracy reached.

Run: ``python examples/optimizer_curves.py [--out DIR] [--quick]``
"""

import warnings

from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from _gallery import parse_args, plt, save
from sklearn_deep import MLPClassifierScratch

SOLVERS = {
    "SGD": dict(solver="sgd", momentum=0.0, learning_rate_init=0.05),
    "momentum": dict(solver="momentum", momentum=0.9, learning_rate_init=0.01),
    "Nesterov": dict(solver="sgd", momentum=0.9, learning_rate_init=0.01),
    "RMSProp": dict(solver="rmsprop", learning_rate_init=1e-3),
    "Adam": dict(solver="adam", learning_rate_init=1e-3),
}


def train_all(quick=False):
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    results = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for name, kw in SOLVERS.items():
            clf = MLPClassifierScratch((64,), batch_size=64, max_iter=8 if quick else 40,
                                       random_state=0, tol=0.0, **kw).fit(X_train, y_train)
            results[name] = (clf.loss_curve_, clf.score(X_test, y_test))
    return results


def main(argv=None):
    args = parse_args(__doc__, argv)
    results = train_all(args.quick)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4), width_ratios=[2, 1])
    for name, (curve, accuracy) in results.items():
        # heavy-ball momentum nearly coincides with Nesterov: dashed, on top, so both show
        style = dict(ls="--", zorder=3) if name == "momentum" else {}
        lr = SOLVERS[name]["learning_rate_init"]
        left.semilogy(range(1, len(curve) + 1), curve, label=f"{name} (lr {lr:g})", **style)
        bar = right.bar(name, accuracy)
        right.bar_label(bar, fmt="%.3f", fontsize=8)
        print(f"{name:>9}: final training loss {curve[-1]:.4f}, test accuracy {accuracy:.3f}")
    accs = [accuracy for _, accuracy in results.values()]
    left.set_title("training loss per epoch", fontsize=10)
    left.set_xlabel("epoch")
    left.set_ylabel("training loss (cross-entropy + L2)")
    left.legend()
    right.set_ylim(0.9, 1.0)
    right.set_ylabel("test accuracy (axis starts at 0.9)")
    right.set_title(f"test accuracy: all within {max(accs) - min(accs):.3f}", fontsize=10)
    right.tick_params(axis="x", rotation=30)
    fig.suptitle("Digits, 64→64→10 ReLU network, same start and minibatches")
    return [save(fig, args.out, "optimizer_curves.png")]


if __name__ == "__main__":
    main()
