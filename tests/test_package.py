"""Packaging facts: one version, the dependencies we import declared."""

import importlib.metadata

import sklearn_deep


def test_version_is_written_once_and_installed_metadata_agrees():
    assert importlib.metadata.version("sklearn_deep") == sklearn_deep.__version__


def test_directly_imported_runtime_dependencies_are_declared():
    required = {r.split(">")[0].split("=")[0].split(";")[0].strip().lower()
                for r in importlib.metadata.requires("sklearn_deep") if "extra ==" not in r}
    assert {"numpy", "scipy", "scikit-learn", "threadpoolctl"} <= required
