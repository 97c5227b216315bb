"""The README's first command: the demo trains with the engine and reports accuracy."""

import io
import subprocess
import sys

import pytest

from sklearn_deep.__main__ import digits_demo, main


def test_demo_learns_digits_as_well_as_sklearn():
    out = io.StringIO()
    ours, theirs = digits_demo(epochs=30, out=out)
    assert ours > 0.95  # sklearn's MLP reaches ≈0.96–0.97 on this split (REFERENCE.md §2)
    assert ours >= theirs - 0.02
    assert "test accuracy" in out.getvalue() and "sklearn MLPClassifier" in out.getvalue()


def test_module_entry_point_runs():
    result = subprocess.run([sys.executable, "-m", "sklearn_deep", "--epochs", "3"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "sklearn_deep engine + Adam" in result.stdout


def test_bad_arguments_are_refused():
    with pytest.raises(SystemExit):
        main(["--epochs", "0"])
