"""sklearn_deep: scikit-learn-compatible neural networks on one NumPy backprop engine."""

from .estimators import (
    AutoencoderTransformer,
    MLPClassifierScratch,
    MLPRegressorScratch,
    Word2VecTransformer,
)
from .keyedvectors import KeyedVectors

__version__ = "0.1.0"

__all__ = ["AutoencoderTransformer", "KeyedVectors", "MLPClassifierScratch", "MLPRegressorScratch",
           "Word2VecTransformer", "__version__"]
