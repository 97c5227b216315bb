"""Building blocks shared by the estimators' models."""

from .dense import dense_forward, init_dense, layer_activations
from .word2vec import Word2VecBatch, Word2VecNetwork, output_tables, word2vec_batch_loss

__all__ = ["Word2VecBatch", "Word2VecNetwork", "dense_forward", "init_dense", "layer_activations",
           "output_tables", "word2vec_batch_loss"]
