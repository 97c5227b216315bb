"""Packaging facts: one version, the dependencies we import declared."""

import importlib.metadata
import warnings

import sklearn_deep


def test_version_is_written_once_and_installed_metadata_agrees():
    assert importlib.metadata.version("sklearn_deep") == sklearn_deep.__version__


def test_directly_imported_runtime_dependencies_are_declared():
    required = {r.split(">")[0].split("=")[0].split(";")[0].strip().lower()
                for r in importlib.metadata.requires("sklearn_deep") if "extra ==" not in r}
    assert {"numpy", "scipy", "scikit-learn", "threadpoolctl"} <= required


def test_fits_without_the_callback_api_of_scikit_learn_1_9(tmp_path):
    # scikit-learn >= 1.6 is supported; sklearn.callback only exists from 1.9 on. Without
    # it the estimators have no set_callbacks and fit as they do with it.
    import json
    import subprocess
    import sys
    from pathlib import Path

    import numpy as np

    from sklearn_deep import MLPClassifierScratch

    script = tmp_path / "old_sklearn.py"
    script.write_text(
        "import json, sys\n"
        "import numpy as np, sklearn.neural_network, sklearn.callback\n"
        "kept = sys.modules['sklearn.callback']\n"
        "sys.modules['sklearn.callback'] = None  # sklearn_deep imported as before 1.9\n"
        "from sklearn_deep import MLPClassifierScratch\n"
        "sys.modules['sklearn.callback'] = kept  # scikit-learn itself needs it\n"
        "X = np.random.RandomState(0).normal(size=(40, 3)); y = (X[:, 0] > 0).astype(int)\n"
        "curves = [MLPClassifierScratch((4,), solver=s, max_iter=20, random_state=0)\n"
        "          .fit(X, y).loss_curve_ for s in ('adam', 'lbfgs')]\n"
        "assert not hasattr(MLPClassifierScratch(), 'set_callbacks')\n"
        "print(json.dumps(curves))\n")
    root = Path(sklearn_deep.__file__).parents[1]
    run = subprocess.run([sys.executable, "-W", "ignore", str(script)], check=True, cwd=root,
                         env={"PYTHONPATH": str(root)}, capture_output=True, text=True)
    X = np.random.RandomState(0).normal(size=(40, 3))
    y = (X[:, 0] > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = [MLPClassifierScratch((4,), solver=s, max_iter=20, random_state=0)
                    .fit(X, y).loss_curve_ for s in ("adam", "lbfgs")]
    assert json.loads(run.stdout) == expected
