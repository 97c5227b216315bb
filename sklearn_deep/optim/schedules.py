"""Learning-rate schedules shared by every optimizer.

An optimizer reads ``schedule.learning_rate`` at each step; the training loop moves the
schedule along through the optimizer (``iteration_ends`` after each epoch, ``trigger_stopping``
when the loss stops improving, ``set_progress`` for schedules driven by the fraction of
training done). The formulas and messages of :class:`Constant`, :class:`InvScaling` and
:class:`Adaptive` are those of scikit-learn's ``MLPClassifier``; :class:`LinearDecay` is
word2vec's.
"""

import math
from numbers import Real

from sklearn.utils import check_scalar

__all__ = ["Adaptive", "Constant", "InvScaling", "LinearDecay", "Schedule"]


def check_positive(value, name):
    """Return ``float(value)`` after checking that it is a real number ``> 0``.

    Raises ``TypeError`` for a non-real value and ``ValueError`` naming ``name`` and the
    value otherwise.
    """
    check_scalar(value, name, Real, min_val=0.0, include_boundaries="neither")
    return float(value)


class Schedule:
    """Base learning-rate schedule: a constant rate, and stop at the first plateau.

    Parameters
    ----------
    learning_rate_init : float
        The initial learning rate, ``> 0``.

    Attributes
    ----------
    learning_rate : float
        The current learning rate, read by the optimizer at every step.
    """

    def __init__(self, learning_rate_init):
        self.learning_rate_init = check_positive(learning_rate_init, "learning_rate_init")
        self.learning_rate = self.learning_rate_init

    def iteration_ends(self, time_step):
        """Update the rate at the end of an epoch.

        Parameters
        ----------
        time_step : int
            Number of training samples seen so far.
        """

    def set_progress(self, fraction):
        """Update the rate from the fraction of training done (no-op by default).

        Parameters
        ----------
        fraction : float
            Fraction of the planned training done, in ``[0, 1]``.
        """

    def trigger_stopping(self, msg="", verbose=False):
        """React to the loss no longer improving.

        Parameters
        ----------
        msg : str, default=""
            Start of the message printed when ``verbose``.
        verbose : bool, default=False
            Whether to print what is done.

        Returns
        -------
        stop : bool
            True when training should stop (always, for this schedule).
        """
        if verbose:
            print(msg + " Stopping.")
        return True

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if k != "learning_rate")
        return f"{type(self).__name__}({args})"


class Constant(Schedule):
    """Keep the learning rate at ``learning_rate_init``.

    Parameters
    ----------
    learning_rate_init : float
        The learning rate, ``> 0``.
    """


class InvScaling(Schedule):
    """Decay the rate as ``learning_rate_init / (t + 1) ** power_t`` after each epoch.

    ``t`` is the number of samples seen so far, given to :meth:`iteration_ends`.

    Parameters
    ----------
    learning_rate_init : float
        The initial learning rate, ``> 0``.
    power_t : float, default=0.5
        Exponent of the decay, ``>= 0``.
    """

    def __init__(self, learning_rate_init, power_t=0.5):
        super().__init__(learning_rate_init)
        check_scalar(power_t, "power_t", Real, min_val=0.0)
        self.power_t = float(power_t)

    def iteration_ends(self, time_step):
        """Set ``learning_rate = learning_rate_init / (time_step + 1) ** power_t``.

        Parameters
        ----------
        time_step : int
            Number of training samples seen so far.
        """
        self.learning_rate = self.learning_rate_init / (time_step + 1) ** self.power_t


class Adaptive(Schedule):
    """Divide the rate by ``factor`` at each plateau; stop once it is ``<= min_learning_rate``.

    Parameters
    ----------
    learning_rate_init : float
        The initial learning rate, ``> 0``.
    factor : float, default=5.0
        What the rate is divided by at each plateau, ``> 1``.
    min_learning_rate : float, default=1e-6
        Training stops at a plateau reached with a rate at or below this, ``> 0``.
    """

    def __init__(self, learning_rate_init, factor=5.0, min_learning_rate=1e-6):
        super().__init__(learning_rate_init)
        check_scalar(factor, "factor", Real, min_val=1.0, include_boundaries="neither")
        self.factor = float(factor)
        self.min_learning_rate = check_positive(min_learning_rate, "min_learning_rate")

    def trigger_stopping(self, msg="", verbose=False):
        """Divide the rate by ``factor``, or stop when it is already too small.

        Parameters
        ----------
        msg : str, default=""
            Start of the message printed when ``verbose``.
        verbose : bool, default=False
            Whether to print what is done.

        Returns
        -------
        stop : bool
            True when the rate was already ``<= min_learning_rate``.
        """
        if self.learning_rate <= self.min_learning_rate:
            if verbose:
                print(msg + " Learning rate too small. Stopping.")
            return True
        self.learning_rate /= self.factor
        if verbose:
            print(f"{msg} Setting learning rate to {self.learning_rate:f}")
        return False


class LinearDecay(Schedule):
    """Decay the rate linearly from ``learning_rate_init`` to ``min_learning_rate``.

    word2vec's schedule: with a fraction ``f`` of training done the rate is
    ``learning_rate_init - (learning_rate_init - min_learning_rate) * f``. With ``step``
    the rate changes only at multiples of ``step``: ``f`` is rounded down to one, so the
    rate stays at its value at the start of each stretch of ``step`` of training, as
    word2vec.c and gensim recompute it only every 10,000 words (which makes their mean
    rate higher than the linear decay's by half a stretch).

    Parameters
    ----------
    learning_rate_init : float
        The initial learning rate, ``> 0``.
    min_learning_rate : float, default=1e-4
        The rate at the end of training, in ``[0, learning_rate_init]``.
    step : float, default=0.0
        Fraction of training between changes of the rate, in ``[0, 1]``; 0 changes it at
        every :meth:`set_progress`.
    """

    def __init__(self, learning_rate_init, min_learning_rate=1e-4, step=0.0):
        super().__init__(learning_rate_init)
        check_scalar(
            min_learning_rate, "min_learning_rate", Real, min_val=0.0,
            max_val=self.learning_rate_init,
        )
        check_scalar(step, "step", Real, min_val=0.0, max_val=1.0)
        self.min_learning_rate = float(min_learning_rate)
        self.step = float(step)

    def set_progress(self, fraction):
        """Set the rate for a fraction ``fraction`` of training done (clipped to ``[0, 1]``;
        rounded down to a multiple of ``step``).

        Parameters
        ----------
        fraction : float
            Fraction of the planned training done.
        """
        fraction = min(max(float(fraction), 0.0), 1.0)
        if self.step:  # (a relative 1e-12 keeps exact multiples from rounding below)
            fraction = math.floor(fraction / self.step * (1 + 1e-12)) * self.step
        span = self.learning_rate_init - self.min_learning_rate
        self.learning_rate = self.learning_rate_init - span * fraction
