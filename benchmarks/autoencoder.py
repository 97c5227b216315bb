"""AutoencoderTransformer benchmarks, in one run.

1. **PCA drop-in** — digits (1797 × 64), linear autoencoder with k = 10 at its defaults
   (tied weights, full-batch L-BFGS, chosen by ``solver='auto'``): fit time next to
   :class:`sklearn.decomposition.PCA`, the largest principal angle to PCA's subspace and
   the reconstruction MSE ratio (target: within 0.1 %, i.e. ratio ≤ 1.001).
2. **Epoch time vs torch** — digits standardised, the 64→32→10 tanh autoencoder (decoder
   10→32→64, linear output, ½·MSE, Adam at 1e-3, batch 128, 100 epochs, untied weights,
   no L2), in float64 and in float32: time per epoch of ``AutoencoderTransformer.fit``
   next to the same network and loop written in torch (``torch.nn`` +
   ``torch.optim.Adam``), when torch is installed. Target: no slower than torch.

Both sides run with the same BLAS / intra-op thread setting (``--threads``, default 1:
the policy that wins for matrices this small, which the estimator applies by itself).
Prints medians over ``--repeats`` runs; the machine is noisy, so compare ratios.

Run: ``python benchmarks/autoencoder.py [--repeats 5] [--threads 1]``
"""

import argparse
import statistics
import time
import warnings

import numpy as np
from scipy.linalg import subspace_angles
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from sklearn_deep import AutoencoderTransformer

EPOCHS, BATCH, LR = 100, 128, 1e-3


def _timed(fn, repeats):
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def bench_pca(X, repeats):
    k = 10
    t_pca, pca = _timed(lambda: PCA(n_components=k).fit(X), repeats)
    t_ae, ae = _timed(lambda: AutoencoderTransformer(n_components=k, random_state=0).fit(X),
                      repeats)
    mse_pca = np.mean((X - pca.inverse_transform(pca.transform(X))) ** 2)
    mse_ae = np.mean((X - ae.inverse_transform(ae.transform(X))) ** 2)
    angle = np.degrees(subspace_angles(ae.components_.T, pca.components_.T).max())
    print("1. digits, linear k=10 (PCA drop-in)")
    print(f"   PCA fit                     {t_pca * 1e3:8.2f} ms")
    print(f"   AutoencoderTransformer fit  {t_ae * 1e3:8.2f} ms  ({ae.solver_}, "
          f"{ae.n_iter_} iterations, tied={ae.tied_weights_})  ratio {t_ae / t_pca:.0f}x")
    print(f"   max principal angle         {angle:.4f} deg")
    print(f"   reconstruction MSE ratio    {mse_ae / mse_pca:.6f}  (target <= 1.001)")
    print(f"   max |components_ - PCA's|   {np.abs(ae.components_ - pca.components_).max():.2e}")


def _ours_epoch_time(X, repeats):
    def fit():
        est = AutoencoderTransformer(
            n_components=10, hidden_layer_sizes=(32,), activation="tanh",
            tied_weights=False, alpha=0.0, solver="adam", learning_rate_init=LR,
            batch_size=BATCH, max_iter=EPOCHS, n_iter_no_change=np.inf, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return est.fit(X)
    t, est = _timed(fit, repeats)
    return t / EPOCHS, est.loss_


def _torch_epoch_time(X, repeats, threads):
    import torch

    torch.set_num_threads(threads)
    dtype = torch.float64 if X.dtype == np.float64 else torch.float32
    Xt = torch.as_tensor(X, dtype=dtype)
    Xt = Xt - Xt.mean(dim=0)  # the estimator centres its input

    def fit():
        torch.manual_seed(0)
        net = torch.nn.Sequential(
            torch.nn.Linear(64, 32), torch.nn.Tanh(), torch.nn.Linear(32, 10),
            torch.nn.Tanh(), torch.nn.Linear(10, 32), torch.nn.Tanh(),
            torch.nn.Linear(32, 64)).to(dtype)
        opt = torch.optim.Adam(net.parameters(), lr=LR)
        n = Xt.shape[0]
        epoch_loss = 0.0
        for _ in range(EPOCHS):
            perm = torch.randperm(n)
            epoch_loss = 0.0
            for start in range(0, n, BATCH):
                xb = Xt[perm[start:start + BATCH]]
                loss = 0.5 * torch.mean((net(xb) - xb) ** 2)
                opt.zero_grad()
                loss.backward()
                opt.step()
                epoch_loss += loss.item() * xb.shape[0]
        return epoch_loss / n
    t, loss = _timed(fit, repeats)
    return t / EPOCHS, loss


def bench_epoch(X, repeats, threads, dtype):
    X = StandardScaler().fit_transform(X).astype(dtype)
    print(f"2. digits, 64->32->10 tanh autoencoder, {EPOCHS} epochs, batch {BATCH}, Adam "
          f"{LR:g} ({np.dtype(dtype).name}, {threads} thread(s))")
    ours, our_loss = _ours_epoch_time(X, repeats)
    print(f"   sklearn_deep epoch          {ours * 1e3:8.3f} ms  (final loss {our_loss:.4f})")
    try:
        theirs, their_loss = _torch_epoch_time(X, repeats, threads)
    except ImportError:
        print("   torch not installed: no comparison")
        return
    print(f"   torch epoch                 {theirs * 1e3:8.3f} ms  (final loss {their_loss:.4f}; "
          "torch's default initialisation differs)")
    print(f"   ratio ours/torch            {ours / theirs:.2f}  (target <= 1)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    X = load_digits().data.astype(np.float64)
    with threadpool_limits(limits=args.threads):
        bench_pca(X, args.repeats)
        for dtype in (np.float64, np.float32):
            bench_epoch(X, args.repeats, args.threads, dtype)


if __name__ == "__main__":
    main()
