"""The package's BLAS thread limits, through one cached threadpool controller.

``threadpoolctl.threadpool_limits`` inspects every loaded library each time it is
entered (about 2 ms), which a grid search of small fits pays once per fit; a controller
made once, at the first fit, costs nothing to enter again. The libraries it sees are
those loaded by then — NumPy's and SciPy's BLAS, which is what the estimators compute
with.
"""

from contextlib import nullcontext

from threadpoolctl import ThreadpoolController

__all__ = ["limit_threads"]

_controller = None


def limit_threads(limit, user_api=None):
    """A context manager holding the thread pools of ``user_api`` ('blas', 'openmp' or
    None for both) to ``limit`` threads; ``limit=None`` leaves them as they are."""
    global _controller
    if limit is None:
        return nullcontext()
    if _controller is None:
        _controller = ThreadpoolController()
    return _controller.limit(limits=limit, user_api=user_api)
