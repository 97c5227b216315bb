"""See the circuit: a result tensor's graph as a picture, with its values and gradients.

Backprop is usually taught on circuits (Karpathy's CS231n notes, "Backpropagation,
Intuitions"): every gate is drawn as a node, every value as a wire between gates, with the
forward value written above the wire and, after the backward pass, the gradient of the
output with respect to that value below it. This module draws any graph the engine
recorded in that convention:

- :func:`to_dot` returns `Graphviz <https://graphviz.org>`_ DOT text, with no dependency
  (render it with ``dot -Tpng`` where Graphviz is installed);
- :func:`draw_graph` draws the same circuit with matplotlib (an optional dependency) and
  can save it as PNG or SVG.

Conventions of the picture:

- a gate shows its operation (``+``, ``*``, ``exp``, ``1/x``, ``relu``, ``affine``...); a
  Python number combined with a tensor is folded into the gate, as in the notes (``+1``,
  ``*-1``, ``1/x``);
- a value used twice goes through a fork (a dot), whose branches carry the gradient each
  use sent back; the wire before the fork carries their sum ("copy adds");
- an array is summarised: its values when it has at most ``max_values`` of them, else its
  shape and its Euclidean norm, so that a real network's graph stays readable; ``layers``
  collapses every gate of a layer into one box.

Gradients are drawn only where they were kept: :meth:`Tensor.backward` frees intermediate
gradients as it goes, so call ``backward(keep_grads=True)`` before drawing them. A tensor
computed inside :func:`~sklearn_deep.engine.no_grad` (or from inputs none of which requires
a gradient) has no recorded graph; drawing it raises a ValueError that says so.

The walk is iterative (a chain of 10,000 gates is fine) and the picture's description is
built once and shared by both renderers.
"""

from dataclasses import dataclass, field
from numbers import Number

import numpy as np

from .ops import activations as _act
from .ops import basic as _basic
from .ops import indexing as _indexing
from .ops import linalg as _linalg
from .ops import losses as _losses
from .sparse import RowSparseGrad
from .tensor import Tensor, _topological_order

__all__ = ["OP_LABELS", "draw_graph", "op_label", "to_dot"]

# Gates written between their operands; a Python number operand is folded into the label.
_INFIX = {_basic.Add: "+", _basic.Sub: "-", _basic.Mul: "*", _basic.Div: "/",
          _basic.Pow: "^"}

#: The label of each primitive's gate. A test checks that every primitive has one.
OP_LABELS = {
    **_INFIX,
    _basic.Neg: "-x", _basic.Exp: "exp", _basic.Log: "log", _basic.Sqrt: "sqrt",
    _basic.Abs: "|x|", _basic.Where: "where", _basic.Clip: "clip", _basic.Sum: "sum",
    _basic.Mean: "mean", _basic.Max: "max", _basic.Reshape: "reshape",
    _basic.Transpose: "transpose", _basic.Concatenate: "concat", _basic.GetItem: "x[i]",
    _basic.LogSumExp: "logsumexp", _basic.Softmax: "softmax",
    _linalg.Matmul: "@", _linalg.Affine: "affine", _linalg.Dense: "dense",
    _indexing.GatherRows: "rows", _indexing.GatherScores: "gather scores",
    _indexing.EmbeddingBag: "embedding bag", _indexing.SampledLogistic: "sampled loss",
    _indexing.NegativeSampling: "neg. sampling",
    _indexing.GatheredSampledLogistic: "rows sampled",
    _indexing.BagNegativeSampling: "bag neg. loss",
    _act.Logistic: "sigmoid", _act.Tanh: "tanh", _act.ReLU: "relu",
    _act.LeakyReLU: "leaky relu", _act.ELU: "elu", _act.Softplus: "softplus",
    _losses.SoftmaxCrossEntropy: "softmax loss", _losses.MulticlassHinge: "hinge loss",
    _losses.BinaryCrossEntropyWithLogits: "logistic loss",
    _losses.SquaredError: "squared error", _losses.PoissonWithLogLink: "poisson loss",
    _losses.L2Penalty: "L2 penalty", _losses.L1Penalty: "L1 penalty",
}


def op_label(fn):
    """The gate label of a primitive (a Function class); its class name if it has none."""
    return OP_LABELS.get(fn, fn.__name__)


@dataclass
class _Node:
    kind: str  # input | const | gate | layer | fork | output
    label: str


@dataclass
class _Wire:
    src: int
    dst: int
    value: str  # None on a fork's branches: the same value as before the fork
    grad: str = None  # None: no gradient kept for this wire
    name: str = ""

    @property
    def above(self):
        """The text above the wire: ``name = value``, or the value alone."""
        if self.value is None:
            return ""
        return f"{self.name} = {self.value}" if self.name else self.value


@dataclass
class _Circuit:
    nodes: list = field(default_factory=list)
    wires: list = field(default_factory=list)
    has_grads: bool = False

    def add(self, kind, label):
        self.nodes.append(_Node(kind, label))
        return len(self.nodes) - 1


# ------------------------------------------------------------------ summaries
def _number(v, precision):
    v = float(v)
    if v == 0 or 10.0**-precision <= abs(v) < 1e5:
        return f"{v:.{precision}f}"
    return f"{v:.{precision}e}"


def _summary(a, precision, max_values):
    """Short text for an array: its values if few, else its shape and norm."""
    if a is None:
        return None
    if isinstance(a, RowSparseGrad):
        a = a.to_dense()
    a = np.asarray(a)
    if a.ndim == 0:
        return _number(a, precision)
    if a.size <= max_values:
        values = ", ".join(_number(v, precision) for v in a.ravel())
        return f"[{values}]" if a.ndim == 1 else f"{a.shape} [{values}]"
    norm = np.linalg.norm(a.ravel().astype(float)) if a.dtype.kind in "biuf" else float("nan")
    return f"{a.shape} norm {_number(norm, precision)}"


def _total(grads):
    """The sum of the gradients sent along several wires (None if none was kept)."""
    kept = [g.to_dense() if isinstance(g, RowSparseGrad) else g
            for g in grads if g is not None]
    return sum(kept[1:], kept[0]) if kept else None


# --------------------------------------------------------------------- tracing
def _check_options(names, layers, precision, max_values):
    for option, mapping in (("names", names), ("layers", layers)):
        if mapping is None:
            continue
        if not hasattr(mapping, "items"):
            raise TypeError(f"{option} must be a dict of name -> Tensor, got "
                            f"{type(mapping).__name__}")
        for key, value in mapping.items():
            allowed = (Tensor, np.ndarray) if option == "names" else Tensor
            if not isinstance(value, allowed):
                raise TypeError(f"{option}[{key!r}] must be a Tensor, got "
                                f"{type(value).__name__}")
    for option, value, low in (("precision", precision, 0), ("max_values", max_values, 1)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"{option} must be an integer >= {low}, got {value!r}")


def _layer_of(order, layers):
    """Map id(op tensor) -> layer name: the gates between a layer's output and the leaves
    or the other layers' outputs."""
    outputs = {id(t): name for name, t in layers.items()}
    producers = {id(t): t for t in order if t._ctx is not None}
    group = {}
    for name, out in layers.items():
        if out._ctx is None:
            raise ValueError(f"layers[{name!r}] is not the result of a recorded operation")
        stack = [out]
        while stack:
            t = stack.pop()
            if id(t) in group or id(t) not in producers:
                continue
            group[id(t)] = name
            stack.extend(p for p in t._ctx.inputs if isinstance(p, Tensor)
                         and id(p) not in outputs)
    return group


def _trace(root, names, layers, precision, max_values):
    _check_options(names, layers, precision, max_values)
    if not isinstance(root, Tensor):
        raise TypeError(f"expected a Tensor, got {type(root).__name__}")
    if root._ctx is None:
        raise ValueError(
            "this tensor has no recorded graph, nothing to draw: it is a leaf, or it was "
            "computed inside no_grad() or from inputs none of which requires a gradient "
            "(create the inputs with requires_grad=True, outside no_grad)")
    order = _topological_order(root)  # inputs before outputs; every gate is in it
    name_of = {id(t): n for n, t in (names or {}).items()}
    group = _layer_of(order, layers or {})

    def summary(a):
        return _summary(a, precision, max_values)

    circuit = _Circuit()
    node_of = {}  # id(tensor) -> node drawing it (its gate, layer box or input)
    layer_node, layer_ops = {}, {}  # layer name -> its box, the labels of its gates
    uses = {}  # id(tensor) -> [(consumer node, gradient sent back along that use)]
    tensors = {}

    def source(t):
        if id(t) not in node_of:  # a leaf: an input of the circuit
            node_of[id(t)] = circuit.add("input", name_of.get(id(t), "input"))
            tensors[id(t)] = t
        return node_of[id(t)]

    for t in order:
        ctx = t._ctx
        if ctx is None:
            continue
        kept = getattr(ctx, "input_grads", None)
        circuit.has_grads |= kept is not None
        if id(t) in group:
            name = group[id(t)]
            if name not in layer_node:
                layer_node[name] = circuit.add("layer", name)
            node = node_of[id(t)] = layer_node[name]
            layer_ops.setdefault(name, {})[op_label(ctx.fn)] = None  # ordered, once each
        else:
            node = node_of[id(t)] = circuit.add("gate", _gate_label(ctx, precision))
        tensors[id(t)] = t
        for i, x in enumerate(ctx.inputs):
            g = kept[i] if kept is not None and ctx.needs_input_grad[i] else None
            if isinstance(x, Tensor):
                if node_of.get(id(x)) == node:
                    continue  # inside a collapsed layer
                source(x)
                uses.setdefault(id(x), []).append((node, g))
            elif x is not None and not (ctx.fn in _INFIX and _is_number(x)):
                c = circuit.add("const", name_of.get(id(x), "constant"))
                circuit.wires.append(_Wire(c, node, _const_summary(x, summary),
                                           name=name_of.get(id(x), "")))
    for name, node in layer_node.items():
        ops = list(layer_ops[name])
        circuit.nodes[node].label = (f"{name}\n(" + " → ".join(ops[:4])
                                     + (" → ...)" if len(ops) > 4 else ")"))

    uses.setdefault(id(root), []).append((circuit.add("output", name_of.get(id(root), "out")),
                                          getattr(root, "grad", None)))
    for key, consumers in uses.items():
        t, src = tensors[key], node_of[key]
        # several uses of one consumer (a layer box) are one wire carrying their sum
        merged = {}
        for dst, g in consumers:
            merged.setdefault(dst, []).append(g)
        value = summary(t.data)
        name = name_of.get(key, "")
        if len(merged) == 1:
            (dst, gs), = merged.items()
            circuit.wires.append(_Wire(src, dst, value, summary(_total(gs)), name))
            continue
        fork = circuit.add("fork", "")
        all_grads = [g for gs in merged.values() for g in gs]
        circuit.wires.append(_Wire(src, fork, value, summary(_total(all_grads)), name))
        for dst, gs in merged.items():
            circuit.wires.append(_Wire(fork, dst, None, summary(_total(gs))))
    return circuit


def _is_number(x):
    return isinstance(x, Number) or (isinstance(x, np.ndarray) and x.ndim == 0)


def _const_summary(x, summary):
    shape = getattr(x, "shape", None)
    if hasattr(x, "toarray"):  # a scipy sparse matrix: its shape only
        return f"sparse {shape}"
    try:
        return summary(np.asarray(x))
    except (TypeError, ValueError):
        return type(x).__name__


def _gate_label(ctx, precision):
    fn, inputs = ctx.fn, ctx.inputs
    label = op_label(fn)
    if fn in _INFIX and len(inputs) == 2:
        a, b = inputs
        if _is_number(a) and fn in (_basic.Add, _basic.Mul):  # commutative: "+1" as in 1 + x
            a, b = b, a
        if _is_number(b):
            return f"{label}{_number_short(b, precision)}"
        if _is_number(a):
            return f"{_number_short(a, precision)}{label}x"
    return label


def _number_short(v, precision):
    return f"{float(v):.{precision + 1}g}"


# ---------------------------------------------------------------------- DOT
_VALUE_COLOR, _GRAD_COLOR = "#1a7f37", "#cf222e"  # the notes' green above, red below
_NODE_STYLE = {
    "input": 'shape=plaintext, fontsize=14',
    "output": 'shape=plaintext, fontsize=14',
    "const": 'shape=plaintext, fontcolor="#666666"',
    "gate": 'shape=circle, style=filled, fillcolor="#eeeeee", fixedsize=false',
    "layer": 'shape=box, style="rounded,filled", fillcolor="#dde8f5"',
    "fork": 'shape=point, width=0.08',
}


def _html(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _quoted(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(root, *, names=None, layers=None, precision=2, max_values=4, title=None):
    """The graph that computed ``root`` as Graphviz DOT text, values and gradients on wires.

    Parameters
    ----------
    root : Tensor
        The result of recorded operations (typically a loss, after
        ``root.backward(keep_grads=True)`` to have every wire's gradient).
    names : dict of str -> Tensor or ndarray, optional
        Names for some tensors (``{"x": x, "q": q}``), written with their values; named
        inputs are labelled by their name (others read "input"). An ndarray names a
        constant input (such as the data ``X`` of a layer), which has no gradient.
    layers : dict of str -> Tensor, optional
        Collapse each layer into one box: the key names the layer, the value is its output;
        the box holds every gate between that output and the leaves or the other layers'
        outputs.
    precision : int, default=2
        Decimals written (the notes use two).
    max_values : int, default=4
        Arrays with more elements are written as their shape and norm.
    title : str, optional
        A caption drawn under the graph.

    Returns
    -------
    str
        DOT text: ``dot -Tpng`` renders it where Graphviz is installed. Wires read
        ``value`` (green, above) and ``gradient`` (red, below).

    Raises
    ------
    ValueError
        If ``root`` has no recorded graph (a leaf, or computed inside ``no_grad``).

    Examples
    --------
    The notes' first circuit, f = (x + y)·z at (−2, 5, −4): on the wire from x, its
    value −2 and the gradient ∂f/∂x = z = −4.

    >>> from sklearn_deep.engine import Tensor, to_dot
    >>> x, y, z = (Tensor(v, requires_grad=True) for v in (-2.0, 5.0, -4.0))
    >>> f = (x + y) * z
    >>> f.backward(keep_grads=True)
    >>> print(to_dot(f, names={"x": x, "f": f}))  # doctest: +ELLIPSIS
    digraph circuit {
    ...
      n1 -> n0 [label=<<font color="#1a7f37">x = -2.00</font><br/>...>-4.00</font>>];
    ...
      n3 -> n5 [label=<<font color="#1a7f37">f = -12.00</font><br/>...>1.00</font>>];
    }
    """
    circuit = _trace(root, names, layers, precision, max_values)
    lines = ["digraph circuit {", "  rankdir=LR;", '  node [fontname="Helvetica"];',
             '  edge [fontname="Helvetica", fontsize=10];']
    caption = title or ""
    if not circuit.has_grads:
        caption += ("\n" if caption else "") + (
            "no gradients kept: call backward(keep_grads=True) to draw them")
    if caption:
        lines.append(f"  label={_quoted(caption)}; labelloc=b;")
    for i, node in enumerate(circuit.nodes):
        lines.append(f"  n{i} [label={_quoted(node.label)}, {_NODE_STYLE[node.kind]}];")
    for w in circuit.wires:
        text = "<br/>".join(f'<font color="{color}">{_html(line)}</font>'
                            for color, line in ((_VALUE_COLOR, w.above), (_GRAD_COLOR, w.grad))
                            if line)
        lines.append(f"  n{w.src} -> n{w.dst} [label=<{text}>];")
    lines.append("}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------- matplotlib
_CHAR, _ROW = 0.075, 1.05  # inches: width of a 9-point character, distance between rows


def _half_width(node):
    if node.kind == "fork":
        return 0.05
    scale = 1.4 if node.kind in ("input", "output") else 1.15  # 12 or 10 points
    return 0.5 * _CHAR * scale * max(len(line) for line in node.label.split("\n")) + 0.12


def _layout(circuit):
    """Node centres and wire-label abscissas, in inches.

    Columns are topological depths (an input sits just before its first use, as in the
    notes); rows are ordered by a few sweeps of the barycentre heuristic (each node near
    the mean row of its neighbours), at least one row apart; each gap between columns is
    as wide as the widest wire label that starts in it.
    """
    n = len(circuit.nodes)
    preds, succs = [[] for _ in range(n)], [[] for _ in range(n)]
    for w in circuit.wires:
        preds[w.dst].append(w.src)
        succs[w.src].append(w.dst)
    depth, waiting = [0] * n, [len(p) for p in preds]
    ready = [i for i in range(n) if not waiting[i]]
    while ready:  # Kahn's topological order: each node once its predecessors are placed
        i = ready.pop()
        for j in succs[i]:
            depth[j] = max(depth[j], depth[i] + 1)
            waiting[j] -= 1
            if not waiting[j]:
                ready.append(j)
    for i in range(n):
        if not preds[i] and succs[i]:
            depth[i] = min(depth[j] for j in succs[i]) - 1
    n_columns = max(depth) + 1
    columns = [[] for _ in range(n_columns)]
    for i in range(n):
        columns[depth[i]].append(i)
    row = {i: float(k) for col in columns for k, i in enumerate(col)}

    def place(col, first, second):
        def key(i):
            near = first[i] or second[i]
            return np.mean([row[j] for j in near]) if near else row[i]

        col.sort(key=key)
        wanted = [key(i) for i in col]
        placed = []
        for y in wanted:
            placed.append(y if not placed else max(y, placed[-1] + 1))
        shift = np.mean(wanted) - np.mean(placed)
        for i, y in zip(col, placed):
            row[i] = y + shift

    for _ in range(3):
        for col in columns:
            place(col, preds, succs)
        for col in reversed(columns):
            place(col, succs, preds)
    for col in columns:
        place(col, preds, succs)

    half = [max(_half_width(circuit.nodes[i]) for i in col) for col in columns]
    gap = [0.5] * n_columns
    for w in circuit.wires:
        text = max(len(w.above), len(w.grad or ""))
        gap[depth[w.src]] = max(gap[depth[w.src]], _CHAR * text + 0.45)
    x = [0.0] * n_columns
    for d in range(1, n_columns):
        x[d] = x[d - 1] + half[d - 1] + gap[d - 1] + half[d]
    pos = {i: (x[depth[i]], -_ROW * row[i]) for i in range(n)}
    # a label starts just after its source, where converging wires are farthest apart
    at = [x[depth[w.src]] + half[depth[w.src]] + 0.15
          + 0.5 * _CHAR * max(len(w.above), len(w.grad or "")) for w in circuit.wires]
    for k, w in enumerate(circuit.wires):  # but a fork's branches leave one point:
        if circuit.nodes[w.src].kind == "fork":  # label them halfway to their gate
            at[k] = 0.5 * (pos[w.src][0] + pos[w.dst][0] - half[depth[w.dst]])
    return pos, at


def draw_graph(root, path=None, *, ax=None, names=None, layers=None, precision=2,
               max_values=4, title=None):
    """Draw the graph that computed ``root`` with matplotlib, in the notes' convention.

    Same circuit as :func:`to_dot` (see it for ``names``, ``layers``, ``precision``,
    ``max_values``): each gate a node, each wire with its value above in green and its
    gradient below in red. Needs matplotlib (``pip install matplotlib``), not Graphviz.

    Parameters
    ----------
    root : Tensor
    path : str or path-like, optional
        Where to save the figure; the format follows the suffix (``.png``, ``.svg``,
        ``.pdf``).
    ax : matplotlib Axes, optional
        Draw into these axes (a panel of a larger figure) instead of a new figure.
    names, layers, precision, max_values, title
        As in :func:`to_dot`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    circuit = _trace(root, names, layers, precision, max_values)
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("draw_graph needs matplotlib (pip install matplotlib, or the "
                          "'examples' extra); to_dot needs nothing") from exc
    pos, label_x = _layout(circuit)
    xs = [x for x, _ in pos.values()]
    ys = [y for _, y in pos.values()]
    width, height = max(xs) - min(xs) + 1.2, max(ys) - min(ys) + 1.0
    if ax is None:
        fig = plt.figure(figsize=(width, height + (0.4 if title else 0.0)))
        ax = fig.add_axes([0, 0, 1, height / (height + (0.4 if title else 0.0))])
    else:
        fig = ax.figure
    ax.set_axis_off()
    boxes = {}
    for i, node in enumerate(circuit.nodes):
        x, y = pos[i]
        if node.kind == "fork":
            ax.plot([x], [y], "o", color="black", markersize=5, zorder=3)
            continue
        style = {"gate": dict(boxstyle="circle,pad=0.35" if len(node.label) <= 3
                              else "round,pad=0.35", fc="#eeeeee", ec="#555555"),
                 "layer": dict(boxstyle="round,pad=0.4", fc="#dde8f5", ec="#4a6f9c")}
        boxes[i] = ax.text(x, y, node.label, ha="center", va="center", zorder=2,
                           fontsize=12 if node.kind in ("input", "output") else 10,
                           color="#666666" if node.kind == "const" else "black",
                           bbox=style.get(node.kind, dict(boxstyle="square,pad=0.2",
                                                          fc="white", ec="none")))
    for w, lx in zip(circuit.wires, label_x):
        (x0, y0), (x1, y1) = pos[w.src], pos[w.dst]
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0), zorder=3,  # after the boxes it clips to
                    arrowprops=dict(arrowstyle="-", color="#444444", lw=1.0,
                                    shrinkA=0, shrinkB=0,
                                    patchA=boxes.get(w.src) and boxes[w.src].get_bbox_patch(),
                                    patchB=boxes.get(w.dst) and boxes[w.dst].get_bbox_patch()))
        # each label sits in the gap after its source, on its wire
        slope = (y1 - y0) / (x1 - x0) if x1 != x0 else 0.0
        ly = y0 + slope * (lx - x0)
        for text, color, sign, va in ((w.above, _VALUE_COLOR, 1, "bottom"),
                                      (w.grad, _GRAD_COLOR, -1, "top")):
            if text:  # clear of a sloping wire along the text's width
                dy = 0.04 + min(0.12, 0.3 * _CHAR * len(text) * abs(slope))
                ax.text(lx, ly + sign * dy, text, ha="center", va=va, fontsize=9, color=color,
                        zorder=4, bbox=dict(boxstyle="square,pad=0.1", fc="white",
                                            ec="none", alpha=0.75))
    ax.set_xlim(min(xs) - 0.6, max(xs) + 0.6)
    ax.set_ylim(min(ys) - 0.5, max(ys) + 0.5)
    caption = title or ""
    if not circuit.has_grads:
        caption += ("\n" if caption else "") + (
            "(no gradients kept: call backward(keep_grads=True) to draw them)")
    if caption:
        ax.set_title(caption, fontsize=11)
    if path is not None:
        fig.savefig(path, dpi=110, bbox_inches="tight")
    return fig
