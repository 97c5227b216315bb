"""scikit-learn estimators built on the engine."""

from .autoencoder import AutoencoderTransformer
from .mlp import MLPClassifierScratch, MLPRegressorScratch

__all__ = ["AutoencoderTransformer", "MLPClassifierScratch", "MLPRegressorScratch"]
