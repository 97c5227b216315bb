"""scikit-learn estimators built on the engine."""

from .mlp import MLPClassifierScratch, MLPRegressorScratch

__all__ = ["MLPClassifierScratch", "MLPRegressorScratch"]
