"""The one training loop (:mod:`.loop`) and the contract of what it trains (:mod:`.problem`)."""

from .loop import EpochHooks, TrainingError, TrainingState, fit_lbfgs, train_epochs
from .problem import MinibatchProblem, Problem, ReportsProgress, Validates

__all__ = ["EpochHooks", "MinibatchProblem", "Problem", "ReportsProgress", "TrainingError",
           "TrainingState", "Validates", "fit_lbfgs", "train_epochs"]
