"""sklearn_deep: scikit-learn-compatible neural networks on one NumPy backprop engine."""

__version__ = "0.1.0"

__all__ = ["__version__"]
