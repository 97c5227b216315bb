"""CS231n's backprop worked examples, run through the sklearn_deep engine.

Each circuit is built from tensors; ``backward()`` fills every input's ``.grad``, and the
printed numbers are the ones CS231n derives by hand:

- f(x, y, z) = (x + y)·z at (−2, 5, −4): f = −12, ∂f/∂x = ∂f/∂y = −4, ∂f/∂z = 3
  ("add distributes the gradient, mul swaps the multipliers");
- the sigmoid neuron σ(w0·x0 + w1·x1 + w2) at w = [2, −3, −3], x = [−1, −2]: f ≈ 0.73,
  ∂f/∂w ≈ [−0.20, −0.39, 0.20], ∂f/∂x ≈ [0.39, −0.59];
- ReLU routes the upstream gradient [4, −1, 5, 9] to where x > 0: [4, 0, 5, 0];
- a matrix product y = x·w: ∂L/∂x = ∂L/∂y·wᵀ and ∂L/∂w = xᵀ·∂L/∂y, no Jacobian formed.

The figure draws the first circuit with its forward values (green) and gradients (red).

Run: ``python examples/backprop_worked_examples.py [--out DIR]``
"""

import numpy as np

from _gallery import parse_args, plt, save
from sklearn_deep.engine import Tensor, logistic, relu


def add_multiply():
    x, y, z = (Tensor(v, requires_grad=True) for v in (-2.0, 5.0, -4.0))
    q = x + y
    f = q * z
    f.backward()
    return {"x": (x.item(), x.grad), "y": (y.item(), y.grad), "z": (z.item(), z.grad),
            "q": (q.item(), z.item()), "f": (f.item(), 1.0)}  # dq = z by the mul rule


def sigmoid_neuron():
    w = Tensor([2.0, -3.0, -3.0], requires_grad=True)
    x = Tensor([-1.0, -2.0], requires_grad=True)
    f = logistic(w[:2] @ x + w[2])
    f.backward()
    return f.item(), w.grad, x.grad


def relu_routing():
    x = Tensor([1.0, -2.0, 3.0, -1.0], requires_grad=True)
    relu(x).backward(np.array([4.0, -1.0, 5.0, 9.0]))
    return x.grad


def matmul_backward():
    x = Tensor([[2.0, 1, -3], [-3, 4, 2]], requires_grad=True)
    w = Tensor([[3.0, 2, 1, -1], [2, 1, 3, 2], [3, 2, 1, -2]], requires_grad=True)
    (x @ w).backward(np.array([[2.0, 3, -3, 9], [-8, 1, 4, 6]]))
    return x.grad, w.grad


def draw_circuit(values):
    fig, ax = plt.subplots(figsize=(7, 4.5))
    pos = {"x": (0, 3.2), "y": (0, 1.6), "z": (0, 0), "q": (2.2, 2.4), "f": (4.4, 1.2)}
    for a, b in (("x", "q"), ("y", "q"), ("q", "f"), ("z", "f")):
        ax.annotate("", xy=pos[b], xytext=pos[a], arrowprops=dict(arrowstyle="->", lw=1.2))
    for name, (px, py) in pos.items():
        value, grad = values[name]
        ax.add_patch(plt.Circle((px, py), 0.32, color="#eeeeee", zorder=2))
        ax.text(px, py + 0.05, name, ha="center", va="center", fontsize=13, zorder=3)
        ax.text(px, py + 0.45, f"{value:g}", ha="center", color="green", fontsize=11)
        ax.text(px, py - 0.55, f"{grad:g}", ha="center", color="red", fontsize=11)
    ax.text(2.6, 2.4, "q = x + y", va="center", fontsize=10, color="gray")
    ax.text(4.8, 1.2, "f = q·z", va="center", fontsize=10, color="gray")
    ax.set_xlim(-0.8, 5.8)
    ax.set_ylim(-0.9, 3.9)
    ax.axis("off")
    ax.set_title("f = (x + y)·z: forward values (green), gradients ∂f/∂· (red)")
    return fig


def main(argv=None):
    args = parse_args(__doc__, argv)
    values = add_multiply()
    print("(x+y)z:", {k: v[1] for k, v in values.items() if k in "xyz"})
    f, dw, dx = sigmoid_neuron()
    print(f"sigmoid neuron: f = {f:.2f}, df/dw = {np.round(dw, 2)}, df/dx = {np.round(dx, 2)}")
    print("ReLU routing:", relu_routing())
    gx, gw = matmul_backward()
    print("matmul dL/dx =\n", gx, "\nmatmul dL/dw =\n", gw)
    return [save(draw_circuit(values), args.out, "backprop_circuit.png")]


if __name__ == "__main__":
    main()
