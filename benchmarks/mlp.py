"""MLP fit time against scikit-learn's MLPClassifier (and torch), in the same run.

1. digits (1347 training samples, standardised), hidden (100,), adam, 50 epochs,
   batch 200, float64: fit time of MLPClassifierScratch vs MLPClassifier. Target ratio
   ≤ 0.6. Both run under the BLAS thread setting each would use by default: we pin
   small problems to one BLAS thread inside fit (our thread policy), sklearn does not.
   ``sklearn-1t`` is MLPClassifier pinned to one thread too: the same arithmetic on the
   same resources, the ratio that does not depend on how busy the machine is (on a
   loaded machine, sklearn's default threads can be many times slower).
2. 30,000×784 float32 synthetic (make_classification, 10 classes), hidden (512, 256),
   5 epochs, batch 256: fit time vs MLPClassifier and vs the same network trained with
   torch (when installed), and the achieved GFLOP/s of our fit against numpy's float32
   matmul peak measured in the same run.

Prints medians over ``--repeats`` runs and the ratios ours/peer (< 1 means we are faster).
Run: ``python benchmarks/mlp.py [--repeats 5] [--quick]``
"""

import argparse
import itertools
import statistics
import time
import warnings

import numpy as np
from sklearn.datasets import load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from sklearn_deep import MLPClassifierScratch

warnings.simplefilter("ignore", ConvergenceWarning)


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def digits_case(repeats):
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    kw = dict(hidden_layer_sizes=(100,), solver="adam", max_iter=50, batch_size=200,
              random_state=0)
    times = {"ours": [], "sklearn": [], "sklearn-1t": []}
    scores = {}
    for _ in range(repeats):
        for name, Est in (("ours", MLPClassifierScratch), ("sklearn", MLPClassifier),
                          ("sklearn-1t", MLPClassifier)):
            with threadpool_limits(limits=1 if name == "sklearn-1t" else None):
                t, est = timed(lambda Est=Est: Est(**kw).fit(X_train, y_train))
            times[name].append(t)
            scores[name] = est.score(X_test, y_test)
    return times, scores


def torch_fit(X, y, hidden, epochs, batch_size, seed=0):
    import torch

    torch.manual_seed(seed)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y.astype(np.int64))
    layers, fan_in = [], X.shape[1]
    for h in hidden:
        layers += [torch.nn.Linear(fan_in, h), torch.nn.ReLU()]
        fan_in = h
    model = torch.nn.Sequential(*layers, torch.nn.Linear(fan_in, int(y.max()) + 1))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=0.0)
    loss_fn = torch.nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        perm = torch.randperm(len(Xt), generator=gen)
        for start in range(0, len(Xt), batch_size):
            idx = perm[start:start + batch_size]
            opt.zero_grad()
            loss = loss_fn(model(Xt[idx]), yt[idx])
            loss.backward()
            opt.step()
    return model


def matmul_peak_gflops(n=1024, repeats=5):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    a @ b
    best = min(timed(lambda: a @ b)[0] for _ in range(repeats))
    return 2 * n**3 / best / 1e9


def large_case(repeats, n_samples):
    X, y = make_classification(n_samples=n_samples, n_features=784, n_informative=60,
                               n_classes=10, random_state=0)
    X = X.astype(np.float32)
    hidden, epochs, batch = (512, 256), 5, 256
    kw = dict(hidden_layer_sizes=hidden, max_iter=epochs, batch_size=batch, random_state=0,
              tol=0.0, n_iter_no_change=10**6)
    times = {"ours": [], "sklearn": [], "torch": []}
    try:
        import torch  # noqa: F401
        have_torch = True
    except ImportError:
        have_torch = False
    for _ in range(repeats):
        times["ours"].append(timed(lambda: MLPClassifierScratch(**kw).fit(X, y))[0])
        times["sklearn"].append(timed(lambda: MLPClassifier(**kw).fit(X, y))[0])
        if have_torch:
            times["torch"].append(timed(lambda: torch_fit(X, y, hidden, epochs, batch))[0])
    layer = [784, *hidden, 10]
    # the products computed: forward 2·n·Σ(fan_in·fan_out), backward the same for the
    # weight gradients and for the input gradients of every layer but the first (nobody
    # computes the gradient of the data)
    products = sum(a * b for a, b in itertools.pairwise(layer))
    flops = 2 * n_samples * epochs * (3 * products - layer[0] * layer[1])
    return times, flops


def report(title, times, base="ours"):
    print(title)
    med = {k: statistics.median(v) for k, v in times.items() if v}
    for name, value in med.items():
        print(f"  {name:<8} {value:8.3f} s (median of {len(times[name])})")
    for name, value in med.items():
        if name != base:
            print(f"  ratio ours/{name}: {med[base] / value:.3f}")
    return med


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="smaller large case (5,000)")
    args = parser.parse_args(argv)

    times, scores = digits_case(args.repeats)
    report("digits, hidden (100,), adam, 50 epochs, batch 200, float64", times)
    print(f"  test accuracy: ours {scores['ours']:.3f}, sklearn {scores['sklearn']:.3f}")
    ratios = [a / b for a, b in zip(times["ours"], times["sklearn-1t"])]
    print(f"  ours/sklearn-1t per run: median {statistics.median(ratios):.3f} "
          f"(min {min(ratios):.3f}, max {max(ratios):.3f})")

    n = 5_000 if args.quick else 30_000
    times, flops = large_case(max(1, args.repeats // 2) if not args.quick else 1, n)
    med = report(f"{n}x784 float32, hidden (512, 256), adam, 5 epochs, batch 256", times)
    peak = matmul_peak_gflops()
    achieved = flops / med["ours"] / 1e9
    print(f"  ours: {achieved:.1f} GFLOP/s = {achieved / peak:.0%} of numpy's float32 matmul "
          f"peak ({peak:.1f} GFLOP/s, 1024x1024)")


if __name__ == "__main__":
    main()
