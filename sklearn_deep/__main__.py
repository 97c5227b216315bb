"""``python -m sklearn_deep`` (or ``sklearn-deep``): a short tour on embedded data.

For now it trains a 64→hidden→10 ReLU network on scikit-learn's digits (shipped with
scikit-learn, no download) with the engine — tensors, the fused softmax cross-entropy,
``backward()`` and Adam — and prints its test accuracy next to scikit-learn's
``MLPClassifier`` trained the same way on the same split.
"""

import argparse
import sys
import time
import warnings

import numpy as np

from . import __version__
from .engine import Tensor, l2_penalty, no_grad, relu, softmax_cross_entropy
from .engine.init import sklearn_mlp_init
from .optim import Adam


def train_digits_mlp(X, y, hidden=100, epochs=50, batch_size=200, learning_rate=1e-3,
                     alpha=1e-4, seed=0, log=None):
    """Train a one-hidden-layer ReLU classifier with the engine; return its parameters."""
    rng = np.random.RandomState(seed)
    n_classes = int(y.max()) + 1
    W1, b1 = sklearn_mlp_init(X.shape[1], hidden, rng)
    W2, b2 = sklearn_mlp_init(hidden, n_classes, rng)
    params = [Tensor(p, requires_grad=True) for p in (W1, b1, W2, b2)]
    optimizer = Adam([p.data for p in params], learning_rate=learning_rate)
    for epoch in range(epochs):
        order = rng.permutation(len(X))
        total = 0.0
        for start in range(0, len(X), batch_size):
            idx = order[start:start + batch_size]
            scores = forward(params, X[idx])
            loss = softmax_cross_entropy(scores, y[idx])
            loss = loss + (alpha / len(idx)) * l2_penalty(params[0], params[2])
            loss.backward()
            optimizer.step([p.grad for p in params])
            for p in params:
                p.zero_grad()
            total += loss.item() * len(idx)
        if log is not None and (epoch + 1) % 10 == 0:
            log(f"  epoch {epoch + 1:3d}/{epochs}  training loss {total / len(X):.4f}")
    return params


def forward(params, X):
    W1, b1, W2, b2 = params
    return relu(Tensor(X) @ W1 + b1) @ W2 + b2


def predict(params, X):
    with no_grad():
        return forward(params, X).data.argmax(axis=1)


def digits_demo(epochs=50, hidden=100, seed=0, out=sys.stdout):
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier
    from sklearn.preprocessing import StandardScaler
    from threadpoolctl import threadpool_limits

    def log(line):
        print(line, file=out, flush=True)

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=seed)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

    log(f"sklearn_deep {__version__}: digits ({len(X_train)} train / {len(X_test)} test), "
        f"64-{hidden}-10 ReLU network, Adam, {epochs} epochs")
    # Small matrices train faster on one BLAS thread (see README, "Thread policy").
    with threadpool_limits(limits=1):
        start = time.perf_counter()
        params = train_digits_mlp(X_train, y_train, hidden=hidden, epochs=epochs, seed=seed,
                                  log=log)
        ours_time = time.perf_counter() - start
        ours_acc = float(np.mean(predict(params, X_test) == y_test))

        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # max_iter reached is expected here
            sk = MLPClassifier(hidden_layer_sizes=(hidden,), max_iter=epochs,
                               random_state=seed).fit(X_train, y_train)
        sk_time = time.perf_counter() - start
        sk_acc = sk.score(X_test, y_test)

    log("")
    log(f"{'model':<34}{'test accuracy':>14}{'fit time (s)':>14}")
    log(f"{'sklearn_deep engine + Adam':<34}{ours_acc:>14.3f}{ours_time:>14.2f}")
    log(f"{'sklearn MLPClassifier (adam)':<34}{sk_acc:>14.3f}{sk_time:>14.2f}")
    return ours_acc, sk_acc


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="sklearn-deep",
        description="A short tour of sklearn_deep on embedded data (no download).")
    parser.add_argument("--epochs", type=int, default=50, help="training epochs (default 50)")
    parser.add_argument("--hidden", type=int, default=100, help="hidden units (default 100)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    args = parser.parse_args(argv)
    if args.epochs < 1 or args.hidden < 1:
        parser.error("--epochs and --hidden must be at least 1")
    digits_demo(epochs=args.epochs, hidden=args.hidden, seed=args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
