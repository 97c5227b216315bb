"""The one place where estimators turn ``random_state`` into a generator."""

import numpy as np
from sklearn.utils import check_random_state

__all__ = ["make_rng"]


def make_rng(random_state):
    """A ``numpy.random.RandomState`` for ``random_state`` (int, RandomState or None).

    Unlike :func:`sklearn.utils.check_random_state`, ``None`` gives a fresh, OS-seeded
    generator rather than NumPy's global one, so that fitting never changes the global
    random state that other code may rely on.
    """
    if random_state is None:
        return np.random.RandomState()
    return check_random_state(random_state)
