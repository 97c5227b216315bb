"""sklearn_deep.engine — reverse-mode automatic differentiation over NumPy arrays.

The public surface, which estimators and users can rely on::

    from sklearn_deep.engine import Tensor, no_grad, check_grad

    w = Tensor([2.0, -3.0, -3.0], requires_grad=True)
    x = Tensor([-1.0, -2.0], requires_grad=True)
    f = logistic(w[:2] @ x + w[2])   # CS231n's sigmoid neuron
    f.backward()                     # w.grad ≈ [-0.20, -0.39, 0.20], x.grad ≈ [0.39, -0.59]

- :class:`Tensor` — an ndarray with ``requires_grad``, ``.grad`` and ``backward()``; Python
  operators ``+ - * / @ **`` (and reflected forms), unary ``-``, indexing, ``sum``, ``mean``,
  ``max``, ``reshape``, ``transpose``/``T``, ``exp``, ``log``, ``sqrt``, ``abs``, ``clip``,
  ``logsumexp``, ``softmax``. NumPy broadcasting, gradients summed back to each shape.
- :func:`no_grad` — a context in which no graph is recorded.
- :func:`check_grad` — numerical gradient check (central differences, float64).
- Functional forms of the primitives: ``add sub mul div neg power matmul affine dense exp
  log sqrt absolute sum mean max reshape transpose concatenate gather_rows gather_scores
  embedding_bag sampled_logistic gathered_sampled_logistic negative_sampling
  bag_negative_sampling where clip logsumexp softmax``.
- Activations, by registered name (:data:`ACTIVATIONS`, :func:`get_activation`):
  ``identity logistic tanh relu leaky_relu elu softplus maxout``.
- Losses, by registered name (:data:`LOSSES`, :func:`get_loss`): ``softmax_cross_entropy
  multiclass_hinge binary_cross_entropy_with_logits squared_error poisson_with_log_link``;
  penalties
  ``l2_penalty`` and ``l1_penalty``.
- :class:`RowSparseGrad` — the gradient of a row gather (embedding lookup).
- :func:`to_dot` and :func:`draw_graph` — a result's graph as a circuit, each wire with its
  forward value and (after ``backward(keep_grads=True)``) its gradient: DOT text for
  Graphviz, or a matplotlib figure; the course's circuits in
  :mod:`sklearn_deep.engine.circuits`.
- :mod:`sklearn_deep.engine.replay` — a graph recorded once and replayed on new inputs
  (:class:`~sklearn_deep.engine.replay.GraphCache`), as a training loop's steps need.
- Initialisers in :mod:`sklearn_deep.engine.init`; optimizers in :mod:`sklearn_deep.optim`.

Adding a primitive: one :class:`~sklearn_deep.engine.function.Function` subclass in
``ops/`` with ``forward(ctx, *arrays)`` and ``backward(ctx, grad)`` side by side, plus a row
in the gradient-check table ``tests/engine/op_cases.py`` and a gate label in
:data:`sklearn_deep.engine.graph.OP_LABELS` (tests fail until they are there).
"""

# isort: off
# tensor first: it imports the primitives, which import function, which needs Tensor.
from .tensor import Tensor, is_grad_enabled, no_grad
# isort: on
from .function import Function, unbroadcast
from .gradcheck import GradientCheckError, check_grad
from .graph import draw_graph, to_dot
from .ops import *  # noqa: F403 - the functional forms, listed in ops.__all__
from .ops import __all__ as _ops_all
from .sparse import RowSparseGrad, add_rows

__all__ = [
    "Function", "GradientCheckError", "RowSparseGrad", "Tensor", "add_rows", "check_grad",
    "draw_graph", "is_grad_enabled", "no_grad", "to_dot", "unbroadcast", *_ops_all,
]
