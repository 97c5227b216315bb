"""Building blocks shared by the estimators' models."""

from .autoencoder import Autoencoder, Corruption
from .dense import dense_forward, init_dense, layer_activations

__all__ = ["Autoencoder", "Corruption", "dense_forward", "init_dense", "layer_activations"]
