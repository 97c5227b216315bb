"""Gradient checking your own function with ``sklearn_deep.engine.check_grad``.

Write a function of tensors — here a small softmax regression with an L2 term — and
``check_grad`` compares its backprop gradients with central differences in float64,
entry by entry for small inputs and along random directions for large ones. It returns
the worst relative error and raises ``GradientCheckError`` when they disagree.

The figure shows why the step ``eps`` matters: the relative error of a central difference
falls as eps² (truncation) until round-off, which grows as 1/eps, takes over — the classic
V shape, with its bottom here near eps ≈ 3e-5 (between 1e-5 and 1e-4; ``check_grad``'s
default is 1e-6, on the round-off side but still near 1e-9). A deliberately wrong gradient
stays far above the tolerance (≈ 0.26 here) whatever the step.

Run: ``python examples/gradient_checking.py [--out DIR]``
"""

import numpy as np

from _gallery import parse_args, plt, save
from sklearn_deep.engine import (
    Function,
    GradientCheckError,
    Tensor,
    check_grad,
    l2_penalty,
    softmax_cross_entropy,
)

RNG = np.random.default_rng(0)
X = RNG.standard_normal((20, 5))
Y = RNG.integers(0, 3, 20)


def loss(W):
    """Softmax regression: mean cross-entropy plus 1e-2·½‖W‖²."""
    return softmax_cross_entropy(Tensor(X) @ W, Y) + 1e-2 * l2_penalty(W)


class BuggyCube(Function):
    """x³ with the classic slip in its backward (3x instead of 3x²)."""

    @staticmethod
    def forward(ctx, a):
        ctx.a = a
        return a**3

    @staticmethod
    def backward(ctx, grad):
        return grad * 3 * ctx.a


def main(argv=None):
    args = parse_args(__doc__, argv)
    W = RNG.standard_normal((5, 3))
    print(f"softmax regression: worst relative error {check_grad(loss, W):.2e}")
    try:
        check_grad(lambda a: BuggyCube.apply(a).sum(), RNG.uniform(0.5, 2, 4))
    except GradientCheckError as err:
        print("buggy x**3 caught:", err)

    eps_values = np.logspace(-12, -1, 23)
    good = [check_grad(loss, W, eps=e, raise_error=False, atol=1e-12) for e in eps_values]
    bad = [check_grad(lambda a: BuggyCube.apply(a).sum(), np.full(3, 1.7), eps=e,
                      raise_error=False, atol=1e-12) for e in eps_values]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.loglog(eps_values, good, "o-", label="correct backprop (softmax regression)")
    ax.loglog(eps_values, bad, "s--", label="buggy backward (3x instead of 3x²)")
    ax.axhline(1e-5, color="gray", lw=0.8, ls=":", label="default tolerance 1e-5")
    ax.set_xlabel("finite-difference step eps")
    ax.set_ylabel("worst relative error")
    ax.set_title("Central differences: truncation ∝ eps², round-off ∝ 1/eps")
    ax.legend(fontsize=8)
    return [save(fig, args.out, "gradient_check_eps.png")]


if __name__ == "__main__":
    main()
