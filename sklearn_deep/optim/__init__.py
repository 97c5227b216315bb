"""Gradient-descent optimizers and learning-rate schedules.

An optimizer holds a list of parameter arrays and updates them in place::

    opt = Adam(params, learning_rate=1e-3)
    opt.step(grads)          # one gradient per parameter: ndarray, RowSparseGrad or None
    opt.iteration_ends(n)    # end of an epoch, n samples seen: moves the schedule along

Rules that change the gradients before the update (word2vec's row damping; clipping or
weight decay would be more) are gradient transformations, chained in front of any
optimizer with ``transform=chain(...)`` (:mod:`.transforms`, as optax's ``chain``).

``learning_rate`` is a float or a :class:`Schedule` (:class:`Constant`,
:class:`InvScaling`, :class:`Adaptive`, :class:`LinearDecay`), and a schedule works with
every optimizer. :class:`SGD` and :class:`Adam` reproduce scikit-learn's MLP solvers bit
for bit.

Adding an optimizer
-------------------
Write one file, say ``sklearn_deep/optim/adagrad.py``, with a subclass of
:class:`Optimizer` that validates its hyper-parameters in ``__init__`` (then calls
``super().__init__(params, learning_rate)``), lists its per-parameter state arrays in
``_state_names`` and implements ``_update(param, grad, state, learning_rate)``, updating
``param`` and the arrays of ``state`` in place. Dense and row-sparse gradients both go
through that one method (the base class hands it the touched rows for a sparse one);
override ``_begin_step`` for per-step bookkeeping such as Adam's step counter. Then import
the class here and add one line to :data:`OPTIMIZERS`: :func:`make_optimizer` looks names
up there, and the estimators' ``solver`` option lists its keys and passes each optimizer
the hyper-parameters its constructor names (``beta_1``, ``rho``, …) from their own
parameters of the same name.
"""

from .adam import Adam
from .base import Optimizer
from .rmsprop import RMSProp
from .schedules import Adaptive, Constant, InvScaling, LinearDecay, Schedule
from .sgd import SGD, Momentum
from .transforms import Chain, GradientTransformation, RowDamping, chain

__all__ = [
    "OPTIMIZERS",
    "SCHEDULES",
    "SGD",
    "Adam",
    "Adaptive",
    "Chain",
    "Constant",
    "GradientTransformation",
    "InvScaling",
    "LinearDecay",
    "Momentum",
    "Optimizer",
    "RMSProp",
    "RowDamping",
    "Schedule",
    "chain",
    "make_optimizer",
    "make_schedule",
]

#: Optimizer classes by name.
OPTIMIZERS = {
    "sgd": SGD,
    "momentum": Momentum,
    "rmsprop": RMSProp,
    "adam": Adam,
}

#: Schedule classes by name.
SCHEDULES = {
    "constant": Constant,
    "invscaling": InvScaling,
    "adaptive": Adaptive,
    "linear": LinearDecay,
}


def _lookup(registry, kind, name):
    try:
        return registry[name]
    except (KeyError, TypeError):
        valid = ", ".join(repr(key) for key in registry)
        raise ValueError(f"Unknown {kind} {name!r}; valid names are {valid}.") from None


def make_optimizer(name, params, **kwargs):
    """Build the optimizer registered as ``name`` in :data:`OPTIMIZERS`.

    Parameters
    ----------
    name : str
        One of the keys of :data:`OPTIMIZERS`.
    params : list of ndarray
        The parameters to optimize, updated in place.
    **kwargs
        Passed to the optimizer's constructor.

    Returns
    -------
    optimizer : Optimizer
    """
    return _lookup(OPTIMIZERS, "optimizer", name)(params, **kwargs)


def make_schedule(name, learning_rate_init, **kwargs):
    """Build the schedule registered as ``name`` in :data:`SCHEDULES`.

    Parameters
    ----------
    name : str
        One of the keys of :data:`SCHEDULES`.
    learning_rate_init : float
        The initial learning rate.
    **kwargs
        Passed to the schedule's constructor.

    Returns
    -------
    schedule : Schedule
    """
    return _lookup(SCHEDULES, "schedule", name)(learning_rate_init, **kwargs)
