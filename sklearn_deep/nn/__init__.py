"""Building blocks shared by the estimators' models."""

from .dense import dense_forward, init_dense, layer_activations

__all__ = ["dense_forward", "init_dense", "layer_activations"]
