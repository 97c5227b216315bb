"""The only module that imports private scikit-learn names (they may move between
releases; keep every such import here)."""

from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval, Options, RealNotInt, StrOptions
from sklearn.utils.validation import (
    _check_feature_names_in,
    _check_sample_weight,
    validate_data,
)

__all__ = [
    "Interval", "Options", "RealNotInt", "StrOptions", "_check_feature_names_in",
    "_check_sample_weight", "_fit_context", "validate_data",
]
