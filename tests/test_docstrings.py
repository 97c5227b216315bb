"""The Examples sections of the public docstrings run and print what they claim."""

import doctest
import importlib
import pkgutil
import warnings

import pytest
from sklearn.exceptions import ConvergenceWarning

import sklearn_deep

MODULES = [m.name for m in pkgutil.walk_packages(sklearn_deep.__path__, "sklearn_deep.")
           if not m.name.endswith("__main__")]
# modules of an optional extra: skipped where it is not installed
NEEDS = {"sklearn_deep.onnx": "skl2onnx"}


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    if name in NEEDS:
        pytest.importorskip(NEEDS[name])
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for test in finder.find(module, name):
            runner.run(test)
    assert runner.failures == 0
