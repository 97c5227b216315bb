"""The networks, over explicit parameters: what each computes and the gradient of its
objective. Nothing here imports scikit-learn; the estimators wrap these networks."""

from .autoencoder import Autoencoder, Corruption
from .dense import dense_forward, init_dense, layer_activations
from .mlp import MLP
from .word2vec import Word2VecBatch, Word2VecNetwork, output_tables, word2vec_batch_loss

__all__ = ["MLP", "Autoencoder", "Corruption", "Word2VecBatch", "Word2VecNetwork",
           "dense_forward", "init_dense", "layer_activations", "output_tables",
           "word2vec_batch_loss"]
