"""The training loop shared by every estimator (see :mod:`.loop`)."""

from .loop import TrainingState, fit_lbfgs, train_epochs

__all__ = ["TrainingState", "fit_lbfgs", "train_epochs"]
