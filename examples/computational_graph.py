"""See the circuit: any computational graph drawn with its forward values and gradients.

Backprop is taught on circuits (CS231n, "Backpropagation, Intuitions"): each gate a node,
each value a wire with its forward value above (green) and, after the backward pass, the
gradient of the output with respect to it below (red). ``backward(keep_grads=True)`` keeps
the intermediate gradients that ``backward()`` otherwise frees, and
``sklearn_deep.engine.draw_graph`` draws the graph (``to_dot`` writes the same circuit as
Graphviz DOT text, with no dependency).

Three figures:

- the notes' sigmoid neuron 1 / (1 + e^−(w0·x0 + w1·x1 + w2)), gate by gate: f = 0.73,
  ∂f/∂w = [−0.20, −0.39, 0.20], ∂f/∂x = [0.39, −0.59];
- the four gate patterns with an upstream gradient of 2: add distributes, mul swaps, copy
  adds (a value used twice gets the sum of both gradients), max routes;
- a real two-layer network on a batch of 32 digits (64 → 16 ReLU → 10, softmax
  cross-entropy plus an L2 penalty): arrays are summarised by their shape and norm, first
  gate by gate, then with each layer collapsed into one box.

Run: ``python examples/computational_graph.py [--out DIR]``
"""

import numpy as np
from sklearn.datasets import load_digits

from _gallery import parse_args, save
from sklearn_deep.engine import (
    Tensor,
    affine,
    draw_graph,
    l2_penalty,
    relu,
    softmax_cross_entropy,
    to_dot,
)
from sklearn_deep.engine.circuits import draw_gate_patterns, sigmoid_neuron


def digits_network(n=32, seed=0):
    """A 64-16-10 ReLU network's loss on ``n`` digits, after backward(keep_grads=True)."""
    X, y = load_digits(return_X_y=True)
    X, y = X[:n] / 16.0, y[:n]
    rng = np.random.default_rng(seed)
    W1 = Tensor(rng.normal(0, 0.1, (64, 16)), requires_grad=True)
    b1 = Tensor(np.zeros(16), requires_grad=True)
    W2 = Tensor(rng.normal(0, 0.1, (16, 10)), requires_grad=True)
    b2 = Tensor(np.zeros(10), requires_grad=True)
    hidden = relu(affine(X, W1, b1))
    scores = affine(hidden, W2, b2)
    loss = softmax_cross_entropy(scores, y) + 1e-3 * l2_penalty(W1, W2)
    loss.backward(keep_grads=True)
    names = dict(X=X, W1=W1, b1=b1, W2=W2, b2=b2, hidden=hidden, scores=scores, loss=loss)
    return loss, names


def main(argv=None):
    args = parse_args(__doc__, argv)
    paths = []
    neuron = sigmoid_neuron()
    print(to_dot(neuron.root, names=neuron.names, title=neuron.title))
    paths.append(save(draw_graph(neuron.root, names=neuron.names,
                                 title="The sigmoid neuron of the notes: values above the "
                                       "wires, gradients below"),
                      args.out, "graph_sigmoid_neuron.png"))
    paths.append(save(draw_gate_patterns(), args.out, "graph_gate_patterns.png"))
    loss, names = digits_network()
    paths.append(save(draw_graph(loss, names=names, title="A 64-16-10 network on 32 digits, "
                                 "gate by gate (arrays: shape and norm)"),
                      args.out, "graph_mlp.png"))
    layers = {"hidden layer": names["hidden"], "output layer": names["scores"], "loss": loss}
    paths.append(save(draw_graph(loss, names=names, layers=layers,
                                 title="The same graph, each layer collapsed into one box"),
                      args.out, "graph_mlp_layers.png"))
    return paths


if __name__ == "__main__":
    main()
