"""The circuits of CS231n's backprop notes ("Backpropagation, Intuitions"), on tensors.

Each function builds one circuit, runs ``backward(keep_grads=True)`` and returns a
:class:`Circuit` ready for :func:`~sklearn_deep.engine.graph.to_dot` or
:func:`~sklearn_deep.engine.graph.draw_graph`. The tour (``python -m sklearn_deep graph``)
and the gallery draw them; the tests check their numbers against the notes'.

- :func:`add_multiply` — f(x, y, z) = (x + y)·z at x = −2, y = 5, z = −4;
- :func:`sigmoid_neuron` — 1 / (1 + e^−(w0·x0 + w1·x1 + w2)) at w = [2, −3, −3],
  x = [−1, −2], gate by gate as the notes draw it (``*``, ``+``, ``*-1``, ``exp``, ``+1``,
  ``1/x``);
- :func:`gate_patterns` — one small circuit per pattern of the gradient flow: add
  distributes, mul swaps, copy adds, max routes.
"""

from typing import NamedTuple

import numpy as np

from .tensor import Tensor

__all__ = ["Circuit", "add_multiply", "draw_gate_patterns", "gate_patterns",
           "sigmoid_neuron"]


class Circuit(NamedTuple):
    """A computed circuit: its output, the names of its values, and a caption."""

    root: Tensor
    names: dict
    title: str


def _inputs(**values):
    return {name: Tensor(v, requires_grad=True) for name, v in values.items()}


def add_multiply():
    """f = (x + y)·z at (−2, 5, −4): q = 3, f = −12; ∂f/∂x = ∂f/∂y = −4, ∂f/∂z = 3."""
    t = _inputs(x=-2.0, y=5.0, z=-4.0)
    q = t["x"] + t["y"]
    f = q * t["z"]
    f.backward(keep_grads=True)
    return Circuit(f, {**t, "q": q, "f": f}, "f = (x + y) z")


def sigmoid_neuron():
    """The notes' 2-D sigmoid neuron, one gate per elementary operation: f ≈ 0.73,
    ∂f/∂w ≈ [−0.20, −0.39, 0.20], ∂f/∂x ≈ [0.39, −0.59]."""
    t = _inputs(w0=2.0, x0=-1.0, w1=-3.0, x1=-2.0, w2=-3.0)
    dot = t["w0"] * t["x0"] + t["w1"] * t["x1"] + t["w2"]
    f = 1 / (1 + (dot * -1).exp())
    f.backward(keep_grads=True)
    return Circuit(f, {**t, "f": f}, "f = 1 / (1 + exp(-(w0 x0 + w1 x1 + w2)))")


def _add(x, y):
    return x + y


def _mul(x, y):
    return x * y


def _mul_add(x, y):
    return x * y + x  # x is used twice


def gate_patterns(upstream=2.0):
    """One circuit per gate pattern, each receiving ``upstream`` as the gradient of its
    output, at x = 3, y = −4.

    Returns
    -------
    dict of str -> Circuit
        ``"add"`` (both inputs get the upstream gradient), ``"mul"`` (each input gets the
        other's value times it), ``"copy"`` (f = x·y + x: x's gradient is the sum over its
        two uses, −8 + 2 = −6) and ``"max"`` (f = max(v), v = [3, −4]: the gradient goes
        to the larger element only).
    """
    seed = np.array(upstream)
    circuits = {}
    for kind, caption in (("add", "add distributes: f = x + y"),
                          ("mul", "mul swaps: f = x * y"),
                          ("copy", "copy adds: f = x * y + x")):
        t = _inputs(x=3.0, y=-4.0)
        x, y = t["x"], t["y"]
        f = {"add": _add, "mul": _mul, "copy": _mul_add}[kind](x, y)
        f.backward(seed, keep_grads=True)
        circuits[kind] = Circuit(f, {**t, "f": f}, caption)
    v = Tensor([3.0, -4.0], requires_grad=True)
    f = v.max()
    f.backward(seed, keep_grads=True)
    circuits["max"] = Circuit(f, {"v": v, "f": f}, "max routes: f = max(v)")
    return circuits


def draw_gate_patterns(path=None, upstream=2.0):
    """The four gate patterns as one 2×2 figure (needs matplotlib); saved to ``path`` if
    given. Returns the figure."""
    import matplotlib.pyplot as plt

    from .graph import draw_graph

    fig, axes = plt.subplots(2, 2, figsize=(12, 6.5))
    for ax, circuit in zip(axes.ravel(), gate_patterns(upstream).values()):
        draw_graph(circuit.root, ax=ax, names=circuit.names, title=circuit.title)
    fig.suptitle(f"Gradient flow through gates (upstream gradient {upstream:g}): "
                 "values above the wires, gradients below", fontsize=12)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=110, bbox_inches="tight")
    return fig
