"""Engine overhead: one training step through the engine vs the same step hand-written.

One forward + backward + Adam step of a 64→100→10 ReLU network with softmax
cross-entropy and an L2 penalty, on a batch of 200 (the shape of scikit-learn's MLP on
digits), timed two ways in the same run:

- ``engine``: the network the estimators train (:class:`sklearn_deep.nn.MLP`: a graph of
  fused dense-layer and loss primitives, recorded at the first step and replayed after
  (:mod:`sklearn_deep.engine.replay`), backward included, parameters and gradients as
  views of flat buffers) and :class:`sklearn_deep.optim.Adam`;
- ``numpy``: the same arithmetic written out by hand, as scikit-learn's MLP does it
  (forward pass, ``P − Y`` output delta, explicit backprop, Adam on the arrays).

Prints the median time per step of each over several repeats and their ratio
(target: engine ≤ 1.0× numpy). Both run with the same BLAS thread setting; pass
``--threads N`` to pin it (default: 1, the policy that wins for matrices this small).

Run: ``python benchmarks/engine_overhead.py [--repeats 15] [--steps 300] [--threads 1]``
"""

import argparse
import statistics
import time

import numpy as np
from threadpoolctl import threadpool_limits

from sklearn_deep.engine.flat import flat_views
from sklearn_deep.nn import MLP
from sklearn_deep.optim import Adam

N, D, H, C = 200, 64, 100, 10
ALPHA = 1e-4


def make_problem(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, D))
    y = rng.integers(0, C, N)
    params = [rng.uniform(-0.2, 0.2, (D, H)), rng.uniform(-0.2, 0.2, H),
              rng.uniform(-0.2, 0.2, (H, C)), rng.uniform(-0.2, 0.2, C)]
    return X, y, params


def engine_stepper(X, y, params):
    """The step as the estimators take it: the network of :mod:`sklearn_deep.nn` (a graph
    of fused dense layers and loss, recorded once and replayed) over parameters that are
    views of one flat buffer, and Adam stepping on that buffer."""
    W1, b1, W2, b2 = params
    _, (W1, W2, b1, b2) = flat_views([W1, W2, b1, b2])  # copies: step.params are trained
    net = MLP([W1, W2], [b1, b2], ["relu"], "softmax_cross_entropy", alpha=ALPHA)
    opt = Adam(net.params, learning_rate=1e-3)

    def step():
        loss, _, grads = net.loss_and_grads(X, y)
        opt.step(grads)
        return loss

    step.params = [W1, b1, W2, b2]
    return step


def numpy_stepper(X, y, params):
    W1, b1, W2, b2 = params
    Y = np.eye(C)[y]
    opt = Adam(params, learning_rate=1e-3)

    def step():
        # forward
        a1 = X @ W1
        a1 += b1
        np.maximum(a1, 0, out=a1)
        s = a1 @ W2
        s += b2
        s -= s.max(axis=1, keepdims=True)
        np.exp(s, out=s)
        s /= s.sum(axis=1, keepdims=True)
        loss = -np.log(s[np.arange(N), y]).mean() + 0.5 * ALPHA * (
            np.vdot(W1, W1) + np.vdot(W2, W2)) / N
        # backward: canonical-link delta P − Y, then the chain rule by hand
        delta = (s - Y) / N
        gW2 = a1.T @ delta + ALPHA * W2 / N
        gb2 = delta.sum(axis=0)
        d1 = delta @ W2.T
        d1[a1 == 0] = 0
        gW1 = X.T @ d1 + ALPHA * W1 / N
        gb1 = d1.sum(axis=0)
        opt.step([gW1, gb1, gW2, gb2])
        return loss

    step.params = params
    return step


def check_same_math():
    """Both steppers must compute the same loss and parameters (else the timing lies)."""
    X, y, p1 = make_problem()
    _, _, p2 = make_problem()
    a, b = engine_stepper(X, y, p1), numpy_stepper(X, y, p2)
    for _ in range(3):
        la, lb = a(), b()
        assert abs(la - lb) < 1e-12, (la, lb)
    for u, v in zip(a.params, b.params):
        np.testing.assert_allclose(u, v, rtol=1e-10, atol=1e-13)


def time_steps(step, steps):
    step()  # warm up
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - start) / steps


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)

    with threadpool_limits(limits=args.threads):
        check_same_math()
        X, y, pe = make_problem()
        _, _, pn = make_problem()
        engine, numpy_ = engine_stepper(X, y, pe), numpy_stepper(X, y, pn)
        times = {"engine": [], "numpy": []}
        for _ in range(args.repeats):  # interleaved, so machine noise hits both alike
            times["engine"].append(time_steps(engine, args.steps))
            times["numpy"].append(time_steps(numpy_, args.steps))
    med = {k: statistics.median(v) for k, v in times.items()}
    ratios = [e / n for e, n in zip(times["engine"], times["numpy"])]
    print(f"64->100->10 ReLU net, batch {N}, forward+backward+Adam, BLAS threads={args.threads}")
    print(f"  engine : {med['engine'] * 1e6:8.1f} us/step (median of {args.repeats})")
    print(f"  numpy  : {med['numpy'] * 1e6:8.1f} us/step (hand-written backprop)")
    print(f"  ratio engine/numpy: median {statistics.median(ratios):.3f} "
          f"(min {min(ratios):.3f}, max {max(ratios):.3f}); target <= 1.0")
    return statistics.median(ratios)


if __name__ == "__main__":
    main()
