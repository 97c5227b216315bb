"""scikit-learn estimators built on the engine."""

from .autoencoder import AutoencoderTransformer
from .mlp import MLPClassifierScratch, MLPRegressorScratch
from .word2vec import Word2VecTransformer

__all__ = ["AutoencoderTransformer", "MLPClassifierScratch", "MLPRegressorScratch",
           "Word2VecTransformer"]
