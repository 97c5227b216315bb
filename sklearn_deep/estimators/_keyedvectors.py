"""The former private path of :class:`sklearn_deep.keyedvectors.KeyedVectors`."""

from ..keyedvectors import KeyedVectors

__all__ = ["KeyedVectors"]
