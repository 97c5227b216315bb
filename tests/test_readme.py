"""The README's commands are the ones CI runs, and its engine quickstart works."""

import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

ROOT = Path(__file__).resolve().parents[1]


def _bash_blocks(text):
    return re.findall(r"```bash\n(.*?)```", text, flags=re.S)


def test_readme_has_exactly_two_commands_and_ci_runs_the_test_one():
    blocks = _bash_blocks((ROOT / "README.md").read_text())
    commands = [line for block in blocks for line in block.splitlines() if line.strip()]
    assert len(commands) == 2
    demo, tests = commands
    assert "python -m sklearn_deep" in demo
    assert "pytest" in tests
    assert tests in (ROOT / ".ci" / "run").read_text().splitlines()


def _run_section(title):
    text = (ROOT / "README.md").read_text()
    code = re.search(rf"## {title}\n\n```python\n(.*?)```", text, flags=re.S)
    namespace = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        exec(compile(code.group(1), f"README: {title}", "exec"), namespace)
    return namespace


def test_readme_engine_quickstart_runs():
    namespace = _run_section("The engine in 20 lines")
    assert namespace["predictions"].shape == (200,)
    assert np.isfinite(namespace["loss"].item())


def test_readme_autoencoder_quickstart_runs_and_its_claims_hold():
    ns = _run_section("AutoencoderTransformer in 20 lines")
    from scipy.linalg import subspace_angles

    assert subspace_angles(ns["ae"].components_.T, ns["pca"].components_.T).max() < 0.002
    assert ns["ae"].explained_variance_ratio_.sum() == pytest.approx(
        ns["pca"].explained_variance_ratio_.sum(), rel=1e-4)
    assert ns["pipe"].score(ns["X"][1200:], ns["y"][1200:]) > 0.8


def test_readme_word2vec_quickstart_runs_and_its_claims_hold(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # it writes vectors.bin
    ns = _run_section("Word2VecTransformer in 20 lines")
    wv = ns["w2v"].wv
    assert {w for w, _ in wv.most_similar("dog", topn=3)} <= set(ns["CATEGORIES"]["animal"])
    assert wv.most_similar(positive=["berlin", "france"], negative=["germany"],
                           topn=1)[0][0] == "paris"
    assert (tmp_path / "vectors.bin").stat().st_size > 0
    assert ns["cross_val_score"](ns["pipe"], ns["texts"][:3000], ns["y"], cv=3).mean() > 0.7


def test_readme_mlp_quickstart_runs_and_its_claims_hold():
    ns = _run_section("MLPClassifierScratch in 20 lines")
    ours = ns["clf"].score(ns["X_test"], ns["y_test"])
    theirs = make_pipeline(StandardScaler(), MLPClassifier(max_iter=50, random_state=0)).fit(
        ns["X_train"], ns["y_train"]).score(ns["X_test"], ns["y_test"])
    assert ours == theirs and f"{ours:.3f}" in (ROOT / "README.md").read_text()
    assert ns["grid"].best_score_ > 0.95


def test_readme_pictures_exist_and_examples_named_exist():
    text = (ROOT / "README.md").read_text()
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert len(images) >= 3
    for image in images:
        assert (ROOT / image).read_bytes().startswith(b"\x89PNG")
    for script in re.findall(r"`python ((?:examples|benchmarks)/[a-z_0-9/]+\.py)", text):
        assert (ROOT / script).exists(), script
