"""Training memory: bounded by the batch, not by the number of samples or tokens.

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
matrix, now class indices. AutoencoderTransformer (100-64-16 tanh, adam): 3.9, 6.3 and 6.3
MiB (it used to hold a centred copy of the data: 4.3, 15.9, 38.9 MiB). Word2vec streaming
the synthetic language: +3.8 MiB for 0.48 M tokens, +4.1 MiB for 3.9 M tokens.

(Early stopping holds out a validation split, which copies that fraction of the data; it is
off here, as it is by default.)

For word2vec, a corpus file of the synthetic language is generated at two sizes (a few
million tokens for the larger) and streamed from disk by ``Word2VecTransformer.fit(path)``;
each fit runs in a fresh process that samples its resident memory (``/proc/self/statm``)
every 5 ms and reports the peak above its value just before the fit. A streamed corpus
should add only the model (vocabulary × vector_size × 2 tables) and a batch, whatever its
length.

Run: ``python benchmarks/memory.py [--features 100] [--batch 200] [--tokens 4000000]``
"""

import argparse
import gc
import os
import subprocess
import sys
import tempfile
import tracemalloc
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from sklearn_deep import AutoencoderTransformer, MLPClassifierScratch

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


def loop_memory(make, sizes, n_features):
    """(n, data bytes, peak bytes allocated during fit) for each n."""
    rows = []
    for n in sizes:
        rng = np.random.default_rng(0)
        X = rng.standard_normal((n, n_features))
        y = rng.integers(0, 10, n)
        est = make()
        rows.append((n, X.nbytes, peak_extra_bytes(lambda est=est, X=X, y=y: est.fit(X, y))))
    return rows


def report(title, rows):
    base = rows[0][2]
    print(title)
    print(f"{'n_samples':>10} {'data (MiB)':>11} {'fit peak (MiB)':>15} {'vs smallest n':>14}")
    for n, data, peak in rows:
        print(f"{n:>10} {data / 2**20:>11.1f} {peak / 2**20:>15.2f} {peak / base:>14.2f}")
    print()


_W2V_CHILD = """
import os, sys, threading, time
from sklearn_deep import Word2VecTransformer
page_kib = os.sysconf("SC_PAGE_SIZE") // 1024
def rss_kib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * page_kib
peak, done = [0], threading.Event()
def sample():
    while not done.is_set():
        peak[0] = max(peak[0], rss_kib())
        time.sleep(0.005)
before = rss_kib()
sampler = threading.Thread(target=sample)
sampler.start()
start = time.perf_counter()
model = Word2VecTransformer(vector_size=100, min_count=5, epochs=1, random_state=0).fit(
    sys.argv[1])
seconds = time.perf_counter() - start
done.set()
sampler.join()
print(before, max(peak[0], rss_kib()), model.corpus_total_words_, len(model.wv), seconds)
"""


def word2vec_memory(token_counts):
    """(tokens, vocabulary, RSS growth in KiB, seconds) for streamed corpora of each size."""
    from sklearn_deep.datasets import make_synthetic_language

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for tokens in token_counts:
            path = os.path.join(tmp, f"corpus_{tokens}.txt")
            make_synthetic_language(tokens // 7, random_state=0, path=path)  # ~7 words each
            out = subprocess.run([sys.executable, "-c", _W2V_CHILD, path], check=True,
                                 capture_output=True, text=True).stdout.split()
            before, peak, n_tokens, n_words, seconds = out
            rows.append((int(n_tokens), int(n_words), int(peak) - int(before),
                         float(seconds)))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--features", type=int, default=100)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--tokens", type=int, default=4_000_000,
                        help="tokens of the larger word2vec corpus (the smaller has 1/8)")
    args = parser.parse_args(argv)
    sizes = [5_000, 20_000, 50_000]
    report(f"MLPClassifierScratch (256, 128), batch {args.batch}, {args.features} features, "
           "2 epochs: peak memory allocated during fit",
           loop_memory(lambda: MLPClassifierScratch((256, 128), batch_size=args.batch,
                                                    max_iter=2, random_state=0),
                       sizes, args.features))
    report(f"AutoencoderTransformer 100-64-16 tanh, adam, batch {args.batch}, 2 epochs: peak "
           "memory allocated during fit",
           loop_memory(lambda: AutoencoderTransformer(
               16, hidden_layer_sizes=(64,), activation="tanh", batch_size=args.batch,
               max_iter=2, random_state=0), sizes, args.features))
    print("Word2VecTransformer streaming a corpus file (vector_size=100, 1 epoch): peak RSS "
          "growth during fit")
    w2v = word2vec_memory([args.tokens // 8, args.tokens])
    print(f"{'tokens':>10} {'vocabulary':>11} {'RSS growth (MiB)':>17} {'seconds':>8}")
    for tokens, words, growth_kib, seconds in w2v:
        print(f"{tokens:>10} {words:>11} {growth_kib / 1024:>17.1f} {seconds:>8.1f}")


if __name__ == "__main__":
    main()
