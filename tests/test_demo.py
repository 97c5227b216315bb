"""The README's first command: the tour trains our estimators beside their peers."""

import io
import subprocess
import sys

import pytest

from sklearn_deep.__main__ import PARTS, Row, format_table, main, run


def test_mlp_part_matches_sklearn_and_prints_the_table():
    out = io.StringIO()
    rows = run(["mlp"], out=out)
    by_model = {r.model: r for r in rows}
    softmax = by_model["MLPClassifierScratch(log_loss)"]
    # same start and minibatches as sklearn's MLP: the same accuracy (≈0.97 on digits)
    assert softmax.ours == softmax.peer and softmax.ours > 0.95
    assert by_model["MLPClassifierScratch(hinge)"].ours > 0.95
    text = out.getvalue()
    assert "test accuracy" in text and "MLPClassifier" in text and "trained in" in text


def test_autoencoder_part_finds_pcas_subspace_and_denoises():
    rows = {r.model: r for r in run(["autoencoder"], out=io.StringIO())}
    assert rows["linear AE vs PCA"].ours < 1.0  # degrees
    linear = rows["linear AE"]
    assert linear.ours <= 1.001 * linear.peer  # PCA's reconstruction error
    denoising, vanilla = rows["denoising AE, noisy input"], rows["vanilla AE, noisy input"]
    assert denoising.ours < vanilla.ours and denoising.ours < denoising.peer


def test_whole_tour_is_quick_and_word2vec_learns_the_language_like_gensim():
    import time

    out = io.StringIO()
    start = time.perf_counter()
    rows = run(list(PARTS), out=out)
    assert time.perf_counter() - start < 60  # the README promises under a minute
    assert {r.part for r in rows} == set(PARTS)
    w2v = {r.metric: r for r in rows if r.part == "word2vec"}
    precision, analogy = w2v["neighbour precision@5"], w2v["analogy accuracy"]
    # chance: ≈1/9 of neighbours share the category, 1 in ~170 analogy answers is right
    assert precision.ours > 0.7 and analogy.ours > 0.8
    if precision.peer == precision.peer:  # gensim installed: within its reach
        assert precision.ours > precision.peer - 0.1 and analogy.ours > analogy.peer - 0.15
    assert "berlin - germany + france = 'paris'" in out.getvalue()


def test_table_marks_missing_peers():
    table = format_table([Row("p", "m", "metric", 0.5)])
    assert "0.500" in table and "—" in table


def test_figures_are_written(tmp_path):
    pytest.importorskip("matplotlib")
    run(["mlp"], out=io.StringIO(), figures_dir=tmp_path, quick=True)
    assert (tmp_path / "tour_mlp_loss.png").stat().st_size > 5_000


def test_module_entry_point_runs_one_part():
    result = subprocess.run([sys.executable, "-m", "sklearn_deep", "mlp", "--quick"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "MLPClassifierScratch(log_loss)" in result.stdout


def test_unknown_parts_are_refused():
    with pytest.raises(SystemExit):
        main(["nope"])
    assert set(PARTS) == {"mlp", "autoencoder", "graph", "word2vec"}


def test_graph_part_gives_the_notes_numbers_and_draws_the_circuits(tmp_path):
    rows = run(["graph"], out=io.StringIO())
    assert {r.model for r in rows} == {"(x+y)z", "sigmoid neuron"}
    for r in rows:  # the notes publish two decimals
        assert r.peer_name == "CS231n notes" and abs(r.ours - r.peer) <= 0.005, r
    pytest.importorskip("matplotlib")
    run(["graph"], out=io.StringIO(), figures_dir=tmp_path)
    for stem in ("graph_add_multiply", "graph_sigmoid_neuron", "graph_gate_patterns"):
        assert (tmp_path / f"{stem}.png").stat().st_size > 10_000
    assert "-12.00" in (tmp_path / "graph_add_multiply.dot").read_text()
