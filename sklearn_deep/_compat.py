"""The only module that imports private scikit-learn names (they may move between
releases; keep every such import here), and the one that bridges scikit-learn versions."""

from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval, Options, RealNotInt, StrOptions
from sklearn.utils.validation import (
    _check_feature_names_in,
    _check_sample_weight,
    validate_data,
)

try:
    from sklearn.callback import CallbackSupportMixin
except ImportError:  # scikit-learn < 1.9 has no callback API: fits run without callbacks

    class _NoCallbackContext:
        """The part of ``sklearn.callback.CallbackContext`` a fit without callbacks calls."""

        def call_on_fit_task_begin(self, **kwargs):
            return self

        def call_on_fit_task_end(self, **kwargs):
            return False

    class CallbackSupportMixin:
        """No ``set_callbacks`` before scikit-learn 1.9; the fit skeleton still runs."""

        def _init_callback_context(self, **kwargs):
            return _NoCallbackContext()


__all__ = [
    "CallbackSupportMixin", "Interval", "Options", "RealNotInt", "StrOptions",
    "_check_feature_names_in",
    "_check_sample_weight", "_fit_context", "validate_data",
]
