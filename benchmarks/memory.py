"""Training memory: bounded by the batch, not by the number of samples.

For the MLP (and any estimator built on the shared loop), fits on n and 10·n samples with
the same batch size should need the same *extra* memory beyond the data itself: the
activations and gradients of one minibatch plus the parameters and optimizer state. The
script measures, with ``tracemalloc`` (NumPy reports its buffers to it), the peak memory
allocated during ``fit`` beyond the input arrays, for growing n, and prints it with the
ratio to the smallest n. A ratio near 1 means memory is batch-bounded. What still grows
with n is a few integer index arrays (the shuffled order, the class indices: 8 bytes per
sample each, against 8·n_features bytes of data per sample).

Measured (2 cores, 100 features, batch 200): 5.8 MiB at n=5,000, 6.0 at 20,000, 6.8 at
50,000 (data 3.8 → 38 MiB) — the encoded targets used to be a one-hot n × n_classes
matrix, now class indices.

(Early stopping holds out a validation split, which copies that fraction of the data; it is
off here, as it is by default.)

Run: ``python benchmarks/memory.py [--features 100] [--batch 200]``
"""

import argparse
import gc
import tracemalloc
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from sklearn_deep import MLPClassifierScratch

warnings.simplefilter("ignore", ConvergenceWarning)


def peak_extra_bytes(fit):
    gc.collect()
    tracemalloc.start()
    try:
        fit()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak


def mlp_memory(sizes, n_features, batch_size):
    rows = []
    for n in sizes:
        rng = np.random.default_rng(0)
        X = rng.standard_normal((n, n_features))
        y = rng.integers(0, 10, n)
        est = MLPClassifierScratch((256, 128), batch_size=batch_size, max_iter=2,
                                   random_state=0)
        rows.append((n, X.nbytes, peak_extra_bytes(lambda est=est, X=X, y=y: est.fit(X, y))))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--features", type=int, default=100)
    parser.add_argument("--batch", type=int, default=200)
    args = parser.parse_args(argv)
    rows = mlp_memory([5_000, 20_000, 50_000], args.features, args.batch)
    base = rows[0][2]
    print(f"MLPClassifierScratch (256, 128), batch {args.batch}, {args.features} features, "
          "2 epochs: peak memory allocated during fit")
    print(f"{'n_samples':>10} {'data (MiB)':>11} {'fit peak (MiB)':>15} {'vs smallest n':>14}")
    for n, data, peak in rows:
        print(f"{n:>10} {data / 2**20:>11.1f} {peak / 2**20:>15.2f} {peak / base:>14.2f}")


if __name__ == "__main__":
    main()
