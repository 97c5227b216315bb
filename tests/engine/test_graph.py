"""Drawing a graph as a circuit: the values and gradients on its wires are the course's.

The oracle is the published numbers of CS231n's notes "Backpropagation, Intuitions"
(two decimals): the circuit f = (x + y)·z at x = −2, y = 5, z = −4 and the sigmoid neuron
at w = [2, −3, −3], x = [−1, −2], drawn gate by gate as the notes draw them.
"""

import inspect
import re
import sys
import time
import tracemalloc

import numpy as np
import pytest

import sklearn_deep.engine as E
from sklearn_deep.engine import Function, Tensor, draw_graph, graph, no_grad, to_dot
from sklearn_deep.engine.circuits import add_multiply, gate_patterns, sigmoid_neuron
from sklearn_deep.engine.ops import activations, basic, indexing, linalg, losses

WIRE = re.compile(r"(n\d+) -> (n\d+) \[label=<(.*)>\];")
FONT = re.compile(r'<font color="[^"]+">([^<]*)</font>')


def wires(dot):
    """(value text, gradient text) of every wire of a DOT text, parsed independently."""
    out = []
    for _, _, label in WIRE.findall(dot):
        lines = FONT.findall(label)
        value_color = '<font color="#1a7f37">'
        value = lines.pop(0) if label.startswith(value_color) else ""
        out.append((value, lines[0] if lines else None))
    return out


def labels(dot):
    return re.findall(r'n\d+ \[label="([^"]*)"', dot)


def test_add_multiply_circuit_has_the_notes_numbers():
    c = add_multiply()
    dot = to_dot(c.root, names=c.names)
    # the notes: q = 3, f = -12; df/dz = 3, df/dq = -4, df/dx = df/dy = -4
    assert set(wires(dot)) == {("x = -2.00", "-4.00"), ("y = 5.00", "-4.00"),
                               ("z = -4.00", "3.00"), ("q = 3.00", "-4.00"),
                               ("f = -12.00", "1.00")}
    assert sorted(labels(dot)) == sorted(["+", "*", "x", "y", "z", "f"])
    assert c.names["q"].grad == -4.0  # kept by backward(keep_grads=True)


def test_sigmoid_neuron_circuit_has_the_notes_numbers():
    c = sigmoid_neuron()
    dot = to_dot(c.root, names=c.names)
    # every wire of the notes' figure: inputs, then gate outputs from w0*x0 to 1/x
    expected = {("w0 = 2.00", "-0.20"), ("x0 = -1.00", "0.39"), ("w1 = -3.00", "-0.39"),
                ("x1 = -2.00", "-0.59"), ("w2 = -3.00", "0.20"),
                ("-2.00", "0.20"), ("6.00", "0.20"), ("4.00", "0.20"), ("1.00", "0.20"),
                ("-1.00", "-0.20"), ("0.37", "-0.53"), ("1.37", "-0.53"),
                ("f = 0.73", "1.00")}
    assert set(wires(dot)) == expected
    assert sorted(g for g in labels(dot) if g not in c.names) == sorted(
        ["*", "*", "+", "+", "*-1", "exp", "+1", "1/x"])  # the notes' gates


def test_vector_neuron_forks_the_reused_weights_and_copy_adds():
    w = Tensor([2.0, -3.0, -3.0], requires_grad=True)
    x = Tensor([-1.0, -2.0], requires_grad=True)
    f = E.logistic(w[:2] @ x + w[2])
    f.backward(keep_grads=True)
    found = wires(to_dot(f, names={"w": w, "x": x}))
    # w feeds two slices: a fork whose branches carry each slice's gradient, summed before it
    assert ("w = [2.00, -3.00, -3.00]", "[-0.20, -0.39, 0.20]") in found
    assert ("", "[-0.20, -0.39, 0.00]") in found and ("", "[0.00, 0.00, 0.20]") in found
    assert ("x = [-1.00, -2.00]", "[0.39, -0.59]") in found
    assert ("0.73", "1.00") in found


def test_gate_patterns_add_distributes_mul_swaps_copy_adds_max_routes():
    c = gate_patterns(upstream=2.0)  # x = 3, y = -4, upstream gradient 2
    found = {k: set(wires(to_dot(v.root, names=v.names))) for k, v in c.items()}
    assert {("x = 3.00", "2.00"), ("y = -4.00", "2.00")} <= found["add"]
    assert {("x = 3.00", "-8.00"), ("y = -4.00", "6.00")} <= found["mul"]  # 2·y, 2·x
    assert {("x = 3.00", "-6.00"), ("", "-8.00"), ("", "2.00")} <= found["copy"]
    assert ("v = [3.00, -4.00]", "[2.00, 0.00]") in found["max"]
    for circuit in c.values():
        assert circuit.root.grad == 2.0


def test_keep_grads_costs_nothing_when_unused():
    x, y, z = (Tensor(v, requires_grad=True) for v in (-2.0, 5.0, -4.0))
    q = x + y
    f = q * z
    f.backward()
    assert q.grad is None and f.grad is None  # intermediate gradients freed, as before
    assert not hasattr(q._ctx, "input_grads") and not hasattr(f._ctx, "input_grads")
    assert (x.grad, y.grad, z.grad) == (-4.0, -4.0, 3.0)
    # drawing still works and says how to get the gradients
    dot = to_dot(f)
    assert "keep_grads=True" in dot
    assert all(g is None for _, g in wires(dot))


def test_keep_grads_gives_intermediates_their_gradient():
    a = Tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)
    h = a * a
    loss = h.sum()
    loss.backward(keep_grads=True)
    np.testing.assert_array_equal(h.grad, np.ones(3))
    np.testing.assert_array_equal(a.grad, 2 * a.data)  # d(a·a)/da = 2a: both uses summed
    assert loss.grad == 1.0


def test_no_graph_is_refused_with_a_reason():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with no_grad():
        y = (x * 2).sum()
    with pytest.raises(ValueError, match="no_grad"):
        to_dot(y)
    with pytest.raises(ValueError, match="no recorded graph"):
        to_dot(x)
    with pytest.raises(TypeError, match="Tensor"):
        to_dot(np.ones(3))


def test_bad_options_are_refused():
    c = add_multiply()
    with pytest.raises(TypeError, match="names\\['x'\\]"):
        to_dot(c.root, names={"x": 3.0})
    with pytest.raises(TypeError, match="dict"):
        to_dot(c.root, names=["x"])
    with pytest.raises(TypeError, match="layers"):
        to_dot(c.root, layers={"a": np.ones(2)})
    with pytest.raises(ValueError, match="not the result"):
        to_dot(c.root, layers={"a": c.names["x"]})
    with pytest.raises(ValueError, match="precision"):
        to_dot(c.root, precision=-1)
    with pytest.raises(ValueError, match="max_values"):
        to_dot(c.root, max_values=0)


def _primitives():
    for module in (basic, linalg, indexing, activations, losses):
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, Function) and obj.__module__ == module.__name__:
                yield obj


def test_every_primitive_has_a_readable_label():
    prims = set(_primitives())
    assert len(prims) > 30
    missing = {p.__name__ for p in prims} - {p.__name__ for p in graph.OP_LABELS}
    assert not missing, f"add gate labels to engine/graph.py OP_LABELS for {missing}"
    for p in prims:
        label = graph.op_label(p)
        assert 0 < len(label) <= 15 and label != p.__name__, p


def _mlp(n=32):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, 64))
    y = rng.integers(0, 10, n)
    W1 = Tensor(rng.normal(0, 0.1, (64, 16)), requires_grad=True)
    b1 = Tensor(np.zeros(16), requires_grad=True)
    W2 = Tensor(rng.normal(0, 0.1, (16, 10)), requires_grad=True)
    b2 = Tensor(np.zeros(10), requires_grad=True)
    h = E.relu(E.affine(X, W1, b1))
    scores = E.affine(h, W2, b2)
    loss = E.softmax_cross_entropy(scores, y) + 1e-3 * E.l2_penalty(W1, W2)
    loss.backward(keep_grads=True)
    return loss, dict(X=X, W1=W1, b1=b1, W2=W2, b2=b2, h=h, scores=scores, loss=loss)


def test_arrays_are_summarised_by_shape_and_norm():
    loss, names = _mlp()
    dot = to_dot(loss, names=names)
    found = dict(wires(dot))
    W1 = names["W1"]
    assert f"W1 = (64, 16) norm {np.linalg.norm(W1.data):.2f}" in found
    assert found[f"W1 = (64, 16) norm {np.linalg.norm(W1.data):.2f}"] == (
        f"(64, 16) norm {np.linalg.norm(W1.grad):.2f}")
    assert f"X = (32, 64) norm {np.linalg.norm(names['X']):.2f}" in found  # a named constant
    assert len(dot) < 5000  # no array printed in full


def test_layers_collapse_into_one_box_each():
    loss, names = _mlp()
    full = to_dot(loss, names=names)
    boxed = to_dot(loss, names=names, layers={"hidden": names["h"], "output": names["scores"]})
    assert len(labels(boxed)) < len(labels(full))
    assert "hidden\\n(affine → relu)" in labels(boxed)
    assert "output\\n(affine)" in labels(boxed)
    assert "relu" not in labels(boxed)
    # the wires crossing the boxes keep their values and gradients
    h = names["h"]
    assert (f"h = (32, 16) norm {np.linalg.norm(h.data):.2f}",
            f"(32, 16) norm {np.linalg.norm(h.grad):.2f}") in wires(boxed)


def test_ten_thousand_nodes_render_in_bounded_time_and_memory():
    x = Tensor(np.array(0.5), requires_grad=True)
    t = x
    for _ in range(5000):  # 10,000 gates
        t = (t * 0.999) + 0.001
    t.backward(keep_grads=True)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)  # the walk must not recurse
    try:
        start = time.perf_counter()
        dot = to_dot(t)
        elapsed = time.perf_counter() - start
        tracemalloc.start()  # measured apart: tracing slows the walk tenfold
        try:
            to_dot(t)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    finally:
        sys.setrecursionlimit(limit)
    assert dot.count(" -> ") == 10_001  # 10,000 gate-to-gate and input wires, and the output
    assert elapsed < 3.0  # about 0.3 s on one core
    assert peak < 40e6, peak  # about 1 kB per gate (11 MB), the DOT text included


def test_draw_graph_writes_png_and_svg(tmp_path):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    c = sigmoid_neuron()
    fig = draw_graph(c.root, tmp_path / "neuron.png", names=c.names, title=c.title)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "f = 0.73" in texts and "x0 = -1.00" in texts and "0.39" in texts
    assert "1/x" in texts and "*-1" in texts
    plt.close(fig)
    assert (tmp_path / "neuron.png").read_bytes().startswith(b"\x89PNG")
    fig = draw_graph(c.root, tmp_path / "neuron.svg", names=c.names)
    plt.close(fig)
    assert b"<svg" in (tmp_path / "neuron.svg").read_bytes()[:500]
    loss, names = _mlp()
    fig = draw_graph(loss, names=names, layers={"hidden": names["h"]})
    assert any(t.get_text().startswith("hidden\n") for t in fig.axes[0].texts)
    plt.close(fig)


def test_gate_patterns_figure_has_four_captioned_panels(tmp_path):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sklearn_deep.engine.circuits import draw_gate_patterns

    fig = draw_gate_patterns(tmp_path / "gates.png")
    titles = [ax.get_title() for ax in fig.axes]
    assert [t.split(":")[0] for t in titles] == ["add distributes", "mul swaps", "copy adds",
                                                "max routes"]
    plt.close(fig)
    assert (tmp_path / "gates.png").stat().st_size > 10_000
