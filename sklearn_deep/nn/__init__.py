"""The networks, over explicit parameters: what each computes and the gradient of its
objective. Nothing here imports scikit-learn; the estimators wrap these networks."""

from .autoencoder import Autoencoder, Corruption
from .dense import dense_forward, init_dense, layer_activations
from .mlp import MLP

__all__ = ["MLP", "Autoencoder", "Corruption", "dense_forward", "init_dense",
           "layer_activations"]
