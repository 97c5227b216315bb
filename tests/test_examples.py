"""Every example script runs headless in its quick mode and writes non-empty PNGs."""

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib")

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SCRIPTS = sorted(p for p in EXAMPLES.glob("*.py") if not p.name.startswith("_"))
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _load(path):
    sys.path.insert(0, str(EXAMPLES))
    try:
        spec = importlib.util.spec_from_file_location(f"example_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(EXAMPLES))


def test_there_are_examples():
    assert len(SCRIPTS) >= 5


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_example_runs_in_quick_mode(script, tmp_path):
    module = _load(script)
    assert module.__doc__ and "Run:" in module.__doc__  # each one teaches and says how to run
    paths = module.main(["--out", str(tmp_path), "--quick"])
    assert paths, "an example must save at least one figure"
    for path in paths:
        data = Path(path).read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 5_000


def test_word2vec_figure_draws_parallel_offsets():
    # The figure's third panel claims the country -> capital offsets are (nearly) parallel and
    # draws them in the plane of the mean offset. Check that property on the quick-mode vectors,
    # with the offsets, cosines and angles computed here, not by the example.
    module = _load(EXAMPLES / "word2vec_synthetic_language.py")
    from sklearn_deep.datasets import CAPITALS, CATEGORIES

    _, w2v = module.fit_word_vectors(quick=True)
    wv = w2v.wv
    pairs = [(c, k) for c, k in CAPITALS.items() if c in wv and k in wv]
    assert len(pairs) >= 15
    countries = np.array([wv[c] for c, _ in pairs])
    capitals = np.array([wv[k] for _, k in pairs])
    rng = np.random.default_rng(1)
    others = [w for w in wv.index_to_key
              if w not in CATEGORIES["country"] and w not in CATEGORIES["capital"]]
    random_words = np.array([wv[w] for w in rng.choice(others, len(pairs), replace=False)])

    def cosines(offsets):
        mean = offsets.mean(axis=0)
        return [float(o @ mean / np.linalg.norm(o) / np.linalg.norm(mean)) for o in offsets]

    own, baseline = cosines(capitals - countries), cosines(random_words - countries)
    assert np.mean(own) > 0.85 and min(own) > 0.6
    assert np.mean(own) > np.mean(baseline) + 0.2

    # the drawn plane: orthonormal, its first axis along the mean offset
    plane = module.offset_plane(wv, pairs)
    assert plane.shape == (wv.vector_size, 2)
    np.testing.assert_allclose(plane.T @ plane, np.eye(2), atol=1e-6)
    mean_offset = (capitals - countries).mean(axis=0)
    assert plane[:, 0] @ mean_offset > 0.9999 * np.linalg.norm(mean_offset)

    def angles(ends):  # degrees of the drawn segments country -> end against the first axis
        d = (ends - countries) @ plane
        return np.degrees(np.arctan2(d[:, 1], d[:, 0]))

    drawn = angles(capitals)
    assert np.abs(drawn).max() < 30 and drawn.std() < 12
    assert angles(random_words).std() > 2 * drawn.std() + 10
