"""The shared training loop on tiny problems whose behaviour is known in closed form."""

import math
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from sklearn_deep.optim import SGD, Adaptive, LinearDecay
from sklearn_deep.training import TrainingState, train_epochs
from sklearn_deep.training.loop import TrainingError


class Quadratic:
    """loss = ½‖w − target‖², one 'sample' per batch, ``n_batches`` batches an epoch."""

    def __init__(self, target, n_batches=4, scale=1.0):
        self.w = np.zeros_like(target)
        self.params = [self.w]
        self.target, self.n_batches, self.scale = target, n_batches, scale
        self.n_samples = n_batches

    def batches(self, rng):
        return range(self.n_batches)

    def loss_and_grads(self, batch):
        d = (self.w - self.target) * self.scale
        return 0.5 * float(d @ d), 1.0, [d * self.scale]


class Flat(Quadratic):
    def loss_and_grads(self, batch):
        return 1.0, 1.0, [np.zeros_like(self.w)]


def test_gradient_descent_converges_and_records_history():
    p = Quadratic(np.array([1.0, -2.0]))
    state = TrainingState()
    train_epochs(p, SGD(p.params, 0.5), state, max_iter=30, rng=None, tol=1e-12,
                 n_iter_no_change=3)
    np.testing.assert_allclose(p.w, [1.0, -2.0], atol=1e-6)
    assert state.t == 4 * state.n_iter and len(state.loss_curve) == state.n_iter
    assert state.loss_curve == sorted(state.loss_curve, reverse=True)


def test_plateau_stops_after_n_iter_no_change_plus_two_epochs():
    # epoch 1 sets the best loss; epochs 2.. do not improve; stop once count > n
    p = Flat(np.zeros(2))
    state = TrainingState()
    train_epochs(p, SGD(p.params, 0.1), state, max_iter=100, rng=None, n_iter_no_change=5)
    assert state.n_iter == 5 + 2


def test_adaptive_schedule_divides_by_five_until_1e_6():
    p = Flat(np.zeros(2))
    state = TrainingState()
    opt = SGD(p.params, Adaptive(1e-3))
    train_epochs(p, opt, state, max_iter=1000, rng=None, n_iter_no_change=2)
    # 1e-3 / 5**k <= 1e-6 first at k = 5: 5 reductions, then the stop
    assert opt.learning_rate == pytest.approx(1e-3 / 5**5)
    assert state.n_iter == 4 + 5 * 3


def test_max_iter_warns_unless_told_not_to():
    p = Quadratic(np.array([1.0]))
    with pytest.warns(ConvergenceWarning, match="Maximum iterations \\(3\\)"):
        train_epochs(p, SGD(p.params, 1e-3), TrainingState(), max_iter=3, rng=None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        train_epochs(p, SGD(p.params, 1e-3), TrainingState(), max_iter=3, rng=None,
                     warn_at_max_iter=False)


def test_divergence_restores_the_epoch_start_and_names_the_learning_rate():
    p = Quadratic(np.array([1.0, 1.0]), scale=1e3)
    state = TrainingState()
    with np.errstate(all="ignore"), pytest.raises(TrainingError, match="learning rate \\(10\\)"):
        train_epochs(p, SGD(p.params, 10.0), state, max_iter=500, rng=None)
    assert np.isfinite(p.w).all()
    assert isinstance(TrainingError("x"), ValueError)


def test_a_loss_non_finite_from_the_start_blames_the_data():
    p = Quadratic(np.array([1e300, 1e300]))
    with np.errstate(all="ignore"), pytest.raises(TrainingError, match="before any update"):
        train_epochs(p, SGD(p.params, 1e-3), TrainingState(), max_iter=5, rng=None)
    np.testing.assert_array_equal(p.w, [0.0, 0.0])


def test_lbfgs_relative_tolerance_is_scale_free():
    from sklearn_deep.training import fit_lbfgs

    class Scaled(Quadratic):
        def loss_and_grads(self, batch):
            d = (self.w - self.target) * np.array([1.0, 30.0, 0.1])  # ill-conditioned
            return 0.5 * float(d @ d) * self.scale, 1.0, [d * np.array([1.0, 30.0, 0.1])
                                                          * self.scale]

    iterations = []
    for scale in (1e-4, 1.0, 1e4):
        p = Scaled(np.array([1.0, -2.0, 3.0]), scale=scale)
        state = TrainingState()
        fit_lbfgs(p, state, max_iter=200, tol=1e-6, relative_tol=True)
        iterations.append(state.n_iter)
        np.testing.assert_allclose(p.w, [1.0, -2.0, 3.0], rtol=1e-3)
    assert len(set(iterations)) == 1  # the same run whatever the scale


def test_progress_reaches_the_linear_decay():
    p = Quadratic(np.array([1.0]), n_batches=4)
    p.batch_fraction = lambda batch: (batch + 1) / 4
    opt = SGD(p.params, LinearDecay(0.1, min_learning_rate=0.0))
    seen = []
    original = opt.step
    opt.step = lambda grads: (seen.append(opt.learning_rate), original(grads))
    train_epochs(p, opt, TrainingState(), max_iter=2, rng=None, tol=-math.inf,
                 warn_at_max_iter=False)
    np.testing.assert_allclose(seen, [0.1 * (1 - k / 8) for k in range(1, 9)])


@pytest.mark.parametrize("with_hooks", [False, True])
def test_keyboard_interrupt_keeps_the_current_parameters(with_hooks):
    p = Quadratic(np.array([1.0]))
    calls = []

    def interrupting(batch):
        calls.append(batch)
        if len(calls) == 6:
            raise KeyboardInterrupt
        return Quadratic.loss_and_grads(p, batch)

    p.loss_and_grads = interrupting
    state = TrainingState()
    hooks = Recorder(p) if with_hooks else None
    with pytest.warns(UserWarning, match="interrupted"):
        train_epochs(p, SGD(p.params, 0.1), state, max_iter=10, rng=None, hooks=hooks)
    assert state.n_iter == 1 and 0 < p.w[0] < 1
    if with_hooks:  # the interrupted epoch still ends, as one that did not complete
        assert hooks.names() == ["begin", "end", "begin", "end"]
        assert hooks.events[-1] == ("end", None)


class Recorder:
    """EpochHooks that records what it sees and asks to stop after ``stop_after`` epochs."""

    def __init__(self, problem, stop_after=None):
        self.problem, self.stop_after, self.events = problem, stop_after, []

    def begin(self):
        self.events.append(("begin", [p.copy() for p in self.problem.params]))

    def progress(self, fraction):
        self.events.append(("progress", fraction))

    def end(self, state):
        if state is None:
            self.events.append(("end", None))
            return False
        self.events.append(("end", (state.n_iter, state.loss)))
        return self.stop_after is not None and state.n_iter >= self.stop_after

    def names(self):
        return [name for name, _ in self.events]


class Scripted(Quadratic):
    """One batch an epoch, constant gradient −1 (w grows by the rate each epoch) and the
    epoch losses (and validation scores) given in advance."""

    def __init__(self, losses, scores=None):
        super().__init__(np.zeros(1), n_batches=1)
        self.losses, self.scores, self.epoch = list(losses), scores, 0

    def loss_and_grads(self, batch):
        self.epoch += 1
        return self.losses[self.epoch - 1], 1.0, [-np.ones(1)]

    def validation(self):
        return self.scores[self.epoch - 1], 0.0


def test_hooks_see_each_epoch_begin_and_end_in_pairs():
    p = Quadratic(np.array([1.0, -2.0]))
    hooks = Recorder(p)
    state = TrainingState()
    train_epochs(p, SGD(p.params, 0.5), state, max_iter=30, rng=None, tol=1e-3,
                 n_iter_no_change=2, hooks=hooks)
    assert hooks.names() == ["begin", "end"] * state.n_iter
    ends = [seen for name, seen in hooks.events if name == "end"]
    assert ends == list(zip(range(1, state.n_iter + 1), state.loss_curve))


def test_hooks_do_not_change_the_run():
    runs = []
    for hooks in (None, "passive"):
        p = Quadratic(np.array([1.0, -2.0]))
        state = TrainingState()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            train_epochs(p, SGD(p.params, 0.1), state, max_iter=5, rng=None,
                         hooks=None if hooks is None else Recorder(p))
        runs.append((p.w.copy(), state.loss_curve))
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    assert runs[0][1] == runs[1][1]


def test_hooks_hear_the_progress_of_problems_that_report_it():
    p = Quadratic(np.array([1.0]), n_batches=4)
    p.batch_fraction = lambda batch: (batch + 1) / 4
    hooks = Recorder(p)
    train_epochs(p, SGD(p.params, 0.1), TrainingState(), max_iter=2, rng=None,
                 tol=-math.inf, warn_at_max_iter=False, hooks=hooks)
    epoch = ["begin", *["progress"] * 4, "end"]
    assert hooks.names() == epoch * 2
    assert [f for name, f in hooks.events if name == "progress"] == [0.25, 0.5, 0.75, 1.0] * 2


def test_a_stop_request_keeps_the_weights_of_the_lowest_training_loss():
    # w after epoch k is k * 0.1; the lowest loss is epoch 2's
    p = Scripted([3.0, 1.0, 2.0, 5.0, 0.5])
    state = TrainingState()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # a stop is not a failure
        train_epochs(p, SGD(p.params, 0.1), state, max_iter=5, rng=None, hooks=Recorder(p, 4))
    assert state.n_iter == 4 and state.loss_curve == [3.0, 1.0, 2.0, 5.0]
    np.testing.assert_allclose(p.w, [0.2])


def test_a_stop_request_with_early_stopping_keeps_the_best_validation_score():
    # the best validation score (epoch 3's) wins over the lowest loss (epoch 1's)
    p = Scripted([1.0, 2.0, 3.0, 4.0], scores=[0.1, 0.2, 0.9, 0.3])
    state = TrainingState()
    train_epochs(p, SGD(p.params, 0.1), state, max_iter=10, rng=None, early_stopping=True,
                 hooks=Recorder(p, 4))
    assert state.n_iter == 4
    np.testing.assert_allclose(p.w, [0.3])


def test_without_a_stop_request_the_last_weights_stay():
    p = Scripted([3.0, 1.0, 2.0])
    train_epochs(p, SGD(p.params, 0.1), TrainingState(), max_iter=3, rng=None,
                 warn_at_max_iter=False, hooks=Recorder(p))
    np.testing.assert_allclose(p.w, [0.3])


def test_lbfgs_hooks_see_each_iterate_and_can_stop():
    from sklearn_deep.training import fit_lbfgs

    target, scale = np.array([1.0, -2.0, 3.0]), np.array([1.0, 30.0, 0.1])

    class IllConditioned(Quadratic):
        def loss_and_grads(self, batch):
            d = (self.w - target) * scale
            return 0.5 * float(d @ d), 1.0, [d * scale]

    def loss_at(w):
        d = (w - target) * scale
        return 0.5 * float(d @ d)

    full = TrainingState()
    fit_lbfgs(IllConditioned(target), full, max_iter=100, tol=1e-10)
    assert full.n_iter > 3

    p = IllConditioned(target)
    hooks = Recorder(p)
    state = TrainingState()
    fit_lbfgs(p, state, max_iter=100, tol=1e-10, hooks=hooks)
    assert hooks.names() == ["begin", "end"] * state.n_iter
    assert state.n_iter == full.n_iter and state.loss_curve == full.loss_curve
    # each iteration begins at the previous iterate: the loss there is the one recorded
    begins = [seen for name, seen in hooks.events if name == "begin"]
    for w, loss in zip(begins[1:], state.loss_curve):
        assert loss_at(w[0]) == pytest.approx(loss)

    p = IllConditioned(target)
    state = TrainingState()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # a stop is not a failure
        fit_lbfgs(p, state, max_iter=100, tol=1e-10, hooks=Recorder(p, stop_after=2))
    assert state.n_iter == 2 and state.loss_curve == full.loss_curve[:2]
    assert loss_at(p.w) == pytest.approx(state.loss_curve[-1])  # the iterate kept
