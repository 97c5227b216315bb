"""Learning-rate schedules: hand-computed values and scikit-learn's MLP schedules as oracles."""

import pytest
from sklearn.neural_network._stochastic_optimizers import SGDOptimizer

from sklearn_deep.optim import (
    SCHEDULES,
    Adaptive,
    Constant,
    InvScaling,
    LinearDecay,
    Schedule,
    make_schedule,
)


def test_constant_keeps_rate_and_stops_at_plateau(capsys):
    schedule = Constant(0.25)
    assert schedule.learning_rate == 0.25
    assert schedule.learning_rate_init == 0.25
    schedule.iteration_ends(1000)
    schedule.set_progress(0.5)
    assert schedule.learning_rate == 0.25
    assert schedule.trigger_stopping("Epoch 3.", verbose=True) is True
    assert capsys.readouterr().out == "Epoch 3. Stopping.\n"
    assert schedule.trigger_stopping("quiet") is True
    assert capsys.readouterr().out == ""


def test_constant_rate_is_a_python_float():
    schedule = Constant(2)
    assert type(schedule.learning_rate) is float
    assert schedule.learning_rate == 2.0


def test_invscaling_formula():
    schedule = InvScaling(0.1, power_t=0.5)
    assert schedule.learning_rate == 0.1  # unchanged before the first epoch ends
    schedule.iteration_ends(3)
    assert schedule.learning_rate == pytest.approx(0.1 / 2.0)  # 0.1 / (3 + 1) ** 0.5
    schedule.iteration_ends(99)
    assert schedule.learning_rate == pytest.approx(0.01)  # 0.1 / 100 ** 0.5
    cubic = InvScaling(1.0, power_t=1.0)
    cubic.iteration_ends(9)
    assert cubic.learning_rate == pytest.approx(0.1)
    flat = InvScaling(0.3, power_t=0.0)
    flat.iteration_ends(50)
    assert flat.learning_rate == pytest.approx(0.3)


@pytest.mark.parametrize("lr_schedule, schedule", [
    ("constant", Constant(0.1)),
    ("invscaling", InvScaling(0.1, power_t=0.5)),
])
def test_non_adaptive_iteration_ends_matches_sklearn(lr_schedule, schedule):
    reference = SGDOptimizer([], learning_rate_init=0.1, lr_schedule=lr_schedule, power_t=0.5)
    for time_step in [1, 7, 200, 201, 12345]:
        schedule.iteration_ends(time_step)
        reference.iteration_ends(time_step)
        assert schedule.learning_rate == reference.learning_rate


def test_adaptive_sequence_matches_sklearn(capsys):
    reference = SGDOptimizer([], learning_rate_init=0.1, lr_schedule="adaptive")
    schedule = Adaptive(0.1)
    outputs = []
    for k in range(20):
        msg = f"Training loss did not improve (epoch {k})."
        expected_stop = reference.trigger_stopping(msg, True)
        expected_out = capsys.readouterr().out
        stop = schedule.trigger_stopping(msg, True)
        out = capsys.readouterr().out
        assert stop == expected_stop
        assert out == expected_out
        assert schedule.learning_rate == reference.learning_rate
        outputs.append(out)
        if stop:
            break
    # 0.1 / 5**8 = 2.56e-7 <= 1e-6 < 0.1 / 5**7 = 1.28e-6: eight divisions, then a stop.
    assert k == 8
    assert schedule.learning_rate == pytest.approx(0.1 / 5**8)
    assert outputs[0].endswith(" Setting learning rate to 0.020000\n")
    assert outputs[-1].endswith(" Learning rate too small. Stopping.\n")


def test_adaptive_custom_factor_and_floor():
    schedule = Adaptive(1.0, factor=10.0, min_learning_rate=0.05)
    assert schedule.trigger_stopping() is False
    assert schedule.learning_rate == pytest.approx(0.1)
    assert schedule.trigger_stopping() is False
    assert schedule.learning_rate == pytest.approx(0.01)
    assert schedule.trigger_stopping() is True
    assert schedule.learning_rate == pytest.approx(0.01)


def test_adaptive_ignores_iteration_ends():
    schedule = Adaptive(0.1)
    schedule.iteration_ends(500)
    assert schedule.learning_rate == 0.1


def test_linear_decay():
    schedule = LinearDecay(0.025, min_learning_rate=0.0001)
    assert schedule.learning_rate == 0.025
    schedule.set_progress(0.5)
    assert schedule.learning_rate == pytest.approx((0.025 + 0.0001) / 2)
    schedule.set_progress(0.25)
    assert schedule.learning_rate == pytest.approx(0.025 - 0.0249 * 0.25)
    schedule.set_progress(1.0)
    assert schedule.learning_rate == pytest.approx(0.0001)
    schedule.set_progress(3.0)
    assert schedule.learning_rate == pytest.approx(0.0001)
    schedule.set_progress(-1.0)
    assert schedule.learning_rate == pytest.approx(0.025)
    schedule.iteration_ends(100)
    assert schedule.learning_rate == pytest.approx(0.025)


def test_linear_decay_to_zero():
    schedule = LinearDecay(0.5, min_learning_rate=0.0)
    schedule.set_progress(0.8)
    assert schedule.learning_rate == pytest.approx(0.1)


def test_linear_decay_in_steps_keeps_the_rate_of_each_stretch_start():
    # word2vec.c / gensim: the rate is recomputed every stretch, at its start's value
    schedule = LinearDecay(0.5, min_learning_rate=0.0, step=0.25)
    for fraction, start in [(0.0, 0.0), (0.1, 0.0), (0.24, 0.0), (0.25, 0.25), (0.6, 0.5),
                            (0.99, 0.75), (1.0, 1.0)]:
        schedule.set_progress(fraction)
        assert schedule.learning_rate == pytest.approx(0.5 * (1 - start)), fraction


@pytest.mark.parametrize("factory, match", [
    (lambda: Constant(0.0), r"learning_rate_init == 0\.0"),
    (lambda: Constant(-0.1), r"learning_rate_init == -0\.1"),
    (lambda: InvScaling(-1.0), r"learning_rate_init == -1\.0"),
    (lambda: InvScaling(0.1, power_t=-0.5), r"power_t == -0\.5"),
    (lambda: Adaptive(0.1, factor=1.0), r"factor == 1\.0"),
    (lambda: Adaptive(0.1, factor=0.5), r"factor == 0\.5"),
    (lambda: Adaptive(0.1, min_learning_rate=0.0), r"min_learning_rate == 0\.0"),
    (lambda: LinearDecay(0.1, min_learning_rate=-1e-3), r"min_learning_rate == -0\.001"),
    (lambda: LinearDecay(0.1, min_learning_rate=0.2), r"min_learning_rate == 0\.2"),
    (lambda: LinearDecay(0.1, step=1.5), r"step == 1\.5"),
    (lambda: LinearDecay(0.1, step=-0.1), r"step == -0\.1"),
])
def test_invalid_arguments(factory, match):
    with pytest.raises(ValueError, match=match):
        factory()


def test_non_numeric_rate_is_a_type_error():
    with pytest.raises(TypeError, match="learning_rate_init"):
        Constant("fast")


def test_registry_and_factory():
    assert SCHEDULES == {
        "constant": Constant,
        "invscaling": InvScaling,
        "adaptive": Adaptive,
        "linear": LinearDecay,
    }
    schedule = make_schedule("invscaling", 0.2, power_t=0.25)
    assert isinstance(schedule, InvScaling)
    assert isinstance(schedule, Schedule)
    assert (schedule.learning_rate_init, schedule.power_t) == (0.2, 0.25)
    assert make_schedule("linear", 0.1, min_learning_rate=0.01).min_learning_rate == 0.01
    with pytest.raises(ValueError, match="'constant', 'invscaling', 'adaptive', 'linear'"):
        make_schedule("cosine", 0.1)
