"""Optimizers: hand-computed updates and scikit-learn's MLP solvers as oracles."""

import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.neural_network._stochastic_optimizers import AdamOptimizer, SGDOptimizer

from sklearn_deep.engine.sparse import RowSparseGrad
from sklearn_deep.optim import (
    OPTIMIZERS,
    SGD,
    Adam,
    Adaptive,
    Constant,
    InvScaling,
    LinearDecay,
    Momentum,
    Optimizer,
    RMSProp,
    make_optimizer,
)

# One configuration of each update rule, used where every optimizer should behave alike.
CONFIGS = {
    "sgd": (SGD, {"learning_rate": 0.1}),
    "momentum": (SGD, {"learning_rate": 0.1, "momentum": 0.9}),
    "nesterov": (SGD, {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True}),
    "rmsprop": (RMSProp, {"learning_rate": 0.01}),
    "adam": (Adam, {"learning_rate": 0.01}),
}


def make(name, params):
    cls, kwargs = CONFIGS[name]
    return cls(params, **kwargs)


def random_grads(rng, shapes, n_steps):
    return [[rng.standard_normal(shape) for shape in shapes] for _ in range(n_steps)]


# --- hand-computed updates -------------------------------------------------------------


def test_sgd_plain_by_hand():
    param = np.array([1.0, -2.0, 0.5])
    opt = SGD([param], learning_rate=0.1)
    opt.step([np.array([0.5, 1.0, -3.0])])
    assert_allclose(param, [1.0 - 0.05, -2.0 - 0.1, 0.5 + 0.3])
    opt.step([np.array([1.0, 0.0, 1.0])])
    assert_allclose(param, [0.95 - 0.1, -2.1, 0.8 - 0.1])


def test_sgd_momentum_by_hand():
    param = np.array([1.0, -1.0])
    grad = np.array([1.0, 2.0])
    opt = SGD([param], learning_rate=0.1, momentum=0.5)
    opt.step([grad])  # v = -0.1 g = [-0.1, -0.2]
    assert_allclose(param, [0.9, -1.2])
    opt.step([grad])  # v = 0.5 v - 0.1 g = [-0.15, -0.3]
    assert_allclose(param, [0.75, -1.5])
    assert_allclose(opt.state[0]["velocity"], [-0.15, -0.3])
    opt.step([np.zeros(2)])  # v = [-0.075, -0.15]: momentum keeps moving
    assert_allclose(param, [0.675, -1.65])


def test_sgd_nesterov_by_hand():
    param = np.array([1.0])
    opt = SGD([param], learning_rate=0.1, momentum=0.5, nesterov=True)
    opt.step([np.array([1.0])])  # v = -0.1; update = 0.5 v - 0.1 = -0.15
    assert_allclose(param, [0.85])
    opt.step([np.array([1.0])])  # v = -0.05 - 0.1 = -0.15; update = -0.075 - 0.1 = -0.175
    assert_allclose(param, [0.675])


def test_rmsprop_by_hand():
    param = np.array([1.0, 1.0])
    g1, g2 = np.array([2.0, -0.5]), np.array([1.0, 1.0])
    opt = RMSProp([param], learning_rate=0.01, rho=0.9, epsilon=1e-8)
    opt.step([g1])
    cache = 0.1 * g1**2
    # First step: g / sqrt(0.1 g^2) = sign(g) / sqrt(0.1), so each moves by about that * -lr.
    assert_allclose(param, 1.0 - 0.01 * np.sign(g1) / np.sqrt(0.1), rtol=1e-7)
    expected = 1.0 - 0.01 * g1 / (np.sqrt(cache) + 1e-8)
    assert_allclose(param, expected, rtol=1e-12)
    opt.step([g2])
    cache = 0.9 * cache + 0.1 * g2**2
    expected = expected - 0.01 * g2 / (np.sqrt(cache) + 1e-8)
    assert_allclose(param, expected, rtol=1e-12)
    assert_allclose(opt.state[0]["cache"], cache, rtol=1e-12)


def test_adam_by_hand():
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    param = np.array([0.0, 1.0, -1.0])
    g1, g2, g3 = np.array([3.0, -0.2, 1e-3]), np.array([1.0, 1.0, -1.0]), np.zeros(3)
    opt = Adam([param], learning_rate=lr)
    opt.step([g1])
    # First step: m_hat = g, v_hat = g^2, so each param moves by about -lr sign(g).
    assert_allclose(param, [-0.01, 1.01, -1.01], rtol=1e-5)
    m, v, expected = (1 - b1) * g1, (1 - b2) * g1**2, np.array([0.0, 1.0, -1.0])
    expected -= lr * np.sqrt(1 - b2) / (1 - b1) * m / (np.sqrt(v) + eps)
    assert_allclose(param, expected, rtol=1e-12)
    for t, g in [(2, g2), (3, g3)]:
        opt.step([g])
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        expected -= lr * np.sqrt(1 - b2**t) / (1 - b1**t) * m / (np.sqrt(v) + eps)
        assert_allclose(param, expected, rtol=1e-12)
    assert opt.t == 3
    assert_allclose(opt.state[0]["m"], m, rtol=1e-12)
    assert_allclose(opt.state[0]["v"], v, rtol=1e-12)


def test_none_gradient_leaves_parameter_alone():
    a, b = np.ones(3), np.ones(2)
    opt = Adam([a, b], learning_rate=0.1)
    opt.step([None, np.ones(2)])
    assert_array_equal(a, np.ones(3))
    assert_array_equal(opt.state[0]["m"], np.zeros(3))
    assert np.all(b < 1.0)


@pytest.mark.parametrize("name", CONFIGS)
def test_params_updated_in_place(name):
    params = [np.ones((2, 3)), np.ones(3)]
    originals = list(params)
    opt = make(name, params)
    opt.step([np.ones((2, 3)), RowSparseGrad([1], np.ones((1,)), (3,))])
    assert all(p is q for p, q in zip(opt.params, originals, strict=True))
    assert np.all(originals[0] < 1.0)
    assert_array_equal(originals[1] < 1.0, [False, True, False])


# --- against scikit-learn ----------------------------------------------------------------

SHAPES = [(5, 3), (3,)]


@pytest.mark.parametrize("momentum", [0.0, 0.9])
@pytest.mark.parametrize("nesterov", [False, True])
@pytest.mark.parametrize("lr_schedule", ["constant", "invscaling", "adaptive"])
def test_sgd_matches_sklearn_bit_exactly(momentum, nesterov, lr_schedule):
    rng = np.random.default_rng(0)
    init = [rng.standard_normal(shape) for shape in SHAPES]
    ours_params = [p.copy() for p in init]
    ref_params = [p.copy() for p in init]
    schedule = {
        "constant": Constant(0.1),
        "invscaling": InvScaling(0.1, power_t=0.5),
        "adaptive": Adaptive(0.1),
    }[lr_schedule]
    ours = SGD(ours_params, learning_rate=schedule, momentum=momentum, nesterov=nesterov)
    ref = SGDOptimizer(ref_params, learning_rate_init=0.1, lr_schedule=lr_schedule,
                       momentum=momentum, nesterov=nesterov, power_t=0.5)
    for step, grads in enumerate(random_grads(rng, SHAPES, 20), start=1):
        ours.step(grads)
        ref.update_params(ref_params, grads)
        for p, q in zip(ours_params, ref_params, strict=True):
            assert_array_equal(p, q)
        if step % 5 == 0:
            ours.iteration_ends(step * 32)
            ref.iteration_ends(step * 32)
        if step in (10, 15):
            assert ours.trigger_stopping("plateau", False) == ref.trigger_stopping("plateau", False)
        assert ours.learning_rate == ref.learning_rate
    if lr_schedule == "invscaling":
        assert ours.learning_rate < 0.1


@pytest.mark.parametrize("lr, beta_1, beta_2, epsilon", [
    (1e-3, 0.9, 0.999, 1e-8),
    (0.05, 0.8, 0.99, 1e-6),
    (0.3, 0.0, 0.5, 1e-3),
])
def test_adam_matches_sklearn_bit_exactly(lr, beta_1, beta_2, epsilon):
    rng = np.random.default_rng(1)
    init = [rng.standard_normal(shape) for shape in SHAPES]
    ours_params = [p.copy() for p in init]
    ref_params = [p.copy() for p in init]
    ours = Adam(ours_params, learning_rate=lr, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon)
    ref = AdamOptimizer(ref_params, learning_rate_init=lr, beta_1=beta_1, beta_2=beta_2,
                        epsilon=epsilon)
    for step, grads in enumerate(random_grads(rng, SHAPES, 20), start=1):
        ours.step(grads)
        ref.update_params(ref_params, grads)
        for p, q in zip(ours_params, ref_params, strict=True):
            assert_array_equal(p, q)
        if step % 5 == 0:
            ours.iteration_ends(step * 32)
            ref.iteration_ends(step * 32)
    assert ours.t == ref.t == 20
    for state, m, v in zip(ours.state, ref.ms, ref.vs, strict=True):
        assert_array_equal(state["m"], m)
        assert_array_equal(state["v"], v)


def test_trigger_stopping_messages_match_sklearn(capsys):
    ours = SGD([np.zeros(2)], learning_rate=Adaptive(0.1), momentum=0.9)
    ref = SGDOptimizer([np.zeros(2)], learning_rate_init=0.1, lr_schedule="adaptive")
    for _ in range(10):
        stop = ours.trigger_stopping("No improvement.", True)
        out = capsys.readouterr().out
        assert stop == ref.trigger_stopping("No improvement.", True)
        assert out == capsys.readouterr().out
    assert stop
    # Adam with the default constant schedule stops at once, as sklearn's does.
    ref_adam = AdamOptimizer([np.zeros(2)])
    assert Adam([np.zeros(2)]).trigger_stopping("Done.", True) is True
    out = capsys.readouterr().out
    assert ref_adam.trigger_stopping("Done.", True) is True
    assert out == capsys.readouterr().out == "Done. Stopping.\n"


# --- schedules apply to every optimizer ---------------------------------------------------


@pytest.mark.parametrize("cls", [Adam, RMSProp, SGD])
def test_invscaling_changes_step_size(cls):
    grad = np.array([1.0, -2.0])
    fixed, scaled = np.zeros(2), np.zeros(2)
    cls([fixed], learning_rate=0.01).step([grad])
    opt = cls([scaled], learning_rate=InvScaling(0.01, power_t=0.5))
    opt.iteration_ends(3)  # rate 0.01 / sqrt(4) = 0.005
    assert opt.learning_rate == pytest.approx(0.005)
    opt.step([grad])
    # The first step of each rule is linear in the learning rate.
    assert_allclose(scaled, fixed / 2, rtol=1e-12)


def test_adam_follows_adaptive_and_linear_schedules():
    grad = np.array([1.0])
    param = np.zeros(1)
    opt = Adam([param], learning_rate=Adaptive(0.01))
    assert opt.trigger_stopping("", False) is False
    opt.step([grad])
    assert_allclose(param, [-0.002], rtol=1e-5)  # -lr sign(g) with lr = 0.01 / 5
    param = np.zeros(1)
    opt = RMSProp([param], learning_rate=LinearDecay(0.02, min_learning_rate=0.0))
    opt.set_progress(0.75)
    opt.step([grad])
    assert_allclose(param, [-0.005 / np.sqrt(0.1)], rtol=1e-6)


# --- dtype ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", CONFIGS)
@pytest.mark.parametrize("grad_dtype", [np.float32, np.float64])
def test_float32_params_stay_float32(name, grad_dtype):
    rng = np.random.default_rng(2)
    params = [rng.standard_normal((4, 3)).astype(np.float32), np.ones(3, dtype=np.float32)]
    opt = make(name, params)
    for _ in range(3):
        opt.step([
            rng.standard_normal((4, 3)).astype(grad_dtype),
            RowSparseGrad([0, 2, 0], rng.standard_normal(3).astype(grad_dtype), (3,)),
        ])
    for param, state in zip(params, opt.state, strict=True):
        assert param.dtype == np.float32
        assert all(array.dtype == np.float32 for array in state.values())
    assert all(np.isfinite(p).all() for p in params)
    assert not np.array_equal(params[1], np.ones(3))


# --- row-sparse gradients -------------------------------------------------------------------


def snapshot(opt):
    return [p.copy() for p in opt.params], [
        {name: array.copy() for name, array in state.items()} for state in opt.state
    ]


@pytest.mark.parametrize("name", CONFIGS)
def test_sparse_leaves_untouched_rows_bit_identical(name):
    rng = np.random.default_rng(3)
    param = rng.standard_normal((6, 3))
    opt = make(name, [param])
    opt.step([rng.standard_normal((6, 3))])  # give every row some state first
    before_params, before_state = snapshot(opt)
    touched = [4, 1]
    opt.step([RowSparseGrad([4, 1, 4], rng.standard_normal((3, 3)), (6, 3))])
    untouched = [0, 2, 3, 5]
    assert_array_equal(param[untouched], before_params[0][untouched])
    assert not np.any(param[touched] == before_params[0][touched])
    for name_, array in opt.state[0].items():
        assert_array_equal(array[untouched], before_state[0][name_][untouched])
        assert not np.any(array[touched] == before_state[0][name_][touched])


@pytest.mark.parametrize("name", CONFIGS)
def test_sparse_covering_all_rows_equals_dense(name):
    rng = np.random.default_rng(4)
    init = rng.standard_normal((5, 2))
    dense_param, sparse_param = init.copy(), init.copy()
    dense, sparse = make(name, [dense_param]), make(name, [sparse_param])
    for _ in range(4):
        # Every row at least once, shuffled, with some rows repeated.
        indices = np.concatenate([rng.permutation(5), rng.integers(0, 5, size=3)])
        grad = RowSparseGrad(indices, rng.standard_normal((8, 2)), (5, 2))
        dense.step([grad.to_dense()])
        sparse.step([grad])
        # plain SGD adds repeated rows one by one (add_rows): equal up to rounding
        assert_allclose(sparse_param, dense_param, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("name", CONFIGS)
def test_first_sparse_step_equals_dense_step(name):
    # From zero state a zero gradient row does not move, so lazy and dense agree.
    rng = np.random.default_rng(5)
    init = rng.standard_normal((6, 2))
    dense_param, sparse_param = init.copy(), init.copy()
    grad = RowSparseGrad([5, 0, 5, 2], rng.standard_normal((4, 2)), (6, 2))
    make(name, [dense_param]).step([grad.to_dense()])
    make(name, [sparse_param]).step([grad])
    assert_allclose(sparse_param, dense_param, rtol=0, atol=1e-15)


def test_sparse_sgd_repeated_rows_sum_by_hand():
    param = np.arange(8.0).reshape(4, 2)
    SGD([param], learning_rate=0.5).step(
        [RowSparseGrad([3, 0, 3], [[1.0, 2.0], [4.0, 4.0], [3.0, -2.0]], (4, 2))]
    )
    expected = np.arange(8.0).reshape(4, 2)
    expected[3] -= 0.5 * np.array([1.0 + 3.0, 2.0 - 2.0])
    expected[0] -= 0.5 * np.array([4.0, 4.0])
    assert_array_equal(param, expected)


def test_lazy_adam_by_hand():
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    param = np.zeros((3, 1))
    opt = Adam([param], learning_rate=lr)
    opt.step([RowSparseGrad([0], [[1.0]], (3, 1))])
    opt.step([RowSparseGrad([1, 1], [[1.0], [1.0]], (3, 1))])
    # Row 0 moved once at t=1 (about -lr) and was left alone at t=2.
    m0, v0 = (1 - b1) * 1.0, (1 - b2) * 1.0
    row0 = -lr * np.sqrt(1 - b2) / (1 - b1) * m0 / (np.sqrt(v0) + eps)
    # Row 1 first moved at t=2, with gradient 2 and the bias correction of t=2.
    m1, v1 = (1 - b1) * 2.0, (1 - b2) * 4.0
    row1 = -lr * np.sqrt(1 - b2**2) / (1 - b1**2) * m1 / (np.sqrt(v1) + eps)
    assert_allclose(param[:, 0], [row0, row1, 0.0], rtol=1e-12)
    assert_allclose(opt.state[0]["m"][:, 0], [m0, m1, 0.0], rtol=1e-12)
    assert_allclose(opt.state[0]["v"][:, 0], [v0, v1, 0.0], rtol=1e-12)
    assert opt.t == 2


def test_lazy_momentum_by_hand():
    param = np.zeros(3)
    opt = SGD([param], learning_rate=1.0, momentum=0.5)
    opt.step([np.array([1.0, 1.0, 1.0])])  # v = [-1, -1, -1]
    opt.step([RowSparseGrad([2], [1.0], (3,))])  # only row 2: v = -0.5 - 1 = -1.5
    assert_array_equal(opt.state[0]["velocity"], [-1.0, -1.0, -1.5])
    assert_array_equal(param, [-1.0, -1.0, -2.5])


def test_sparse_out_of_range_rows_rejected():
    opt = SGD([np.zeros((3, 2))])
    for rows in ([3], [-1]):
        with pytest.raises(ValueError, match=r"grads\[0\] has row indices outside \[0, 3\)"):
            opt.step([RowSparseGrad(rows, np.ones((1, 2)), (3, 2))])


# --- validation ------------------------------------------------------------------------------


@pytest.mark.parametrize("params", [
    np.zeros(3),
    [np.zeros(3, dtype=np.int64)],
    [[0.0, 1.0]],
    [np.zeros(2), "w"],
])
def test_params_must_be_list_of_float_arrays(params):
    with pytest.raises(TypeError, match="params"):
        SGD(params)


@pytest.mark.parametrize("factory, match", [
    (lambda p: SGD(p, learning_rate=0.0), r"learning_rate == 0\.0"),
    (lambda p: SGD(p, learning_rate=-1.0), r"learning_rate == -1\.0"),
    (lambda p: SGD(p, momentum=1.1), r"momentum == 1\.1"),
    (lambda p: SGD(p, momentum=-0.1), r"momentum == -0\.1"),
    (lambda p: Adam(p, beta_1=1.0), r"beta_1 == 1\.0"),
    (lambda p: Adam(p, beta_2=-0.5), r"beta_2 == -0\.5"),
    (lambda p: Adam(p, epsilon=0.0), r"epsilon == 0\.0"),
    (lambda p: Adam(p, learning_rate=-1e-3), r"learning_rate == -0\.001"),
    (lambda p: RMSProp(p, rho=1.0), r"rho == 1\.0"),
    (lambda p: RMSProp(p, rho=-0.2), r"rho == -0\.2"),
    (lambda p: RMSProp(p, epsilon=-1e-8), r"epsilon == -1e-08"),
])
def test_invalid_hyperparameters(factory, match):
    with pytest.raises(ValueError, match=match):
        factory([np.zeros(2)])


def test_learning_rate_must_be_number_or_schedule():
    with pytest.raises(TypeError, match="learning_rate"):
        SGD([np.zeros(2)], learning_rate="constant")


@pytest.mark.parametrize("name", CONFIGS)
def test_bad_gradients_rejected_before_any_update(name):
    params = [np.ones((2, 3)), np.ones(3)]
    opt = make(name, params)
    with pytest.raises(ValueError, match="Expected 2 gradients, got 1"):
        opt.step([np.ones((2, 3))])
    with pytest.raises(ValueError, match=r"grads\[1\] has shape \(4,\), but params\[1\] has "
                                         r"shape \(3,\)"):
        opt.step([np.ones((2, 3)), np.ones(4)])
    with pytest.raises(ValueError, match=r"grads\[0\] has shape \(3, 3\)"):
        opt.step([RowSparseGrad([0], np.ones((1, 3)), (3, 3)), None])
    assert_array_equal(params[0], np.ones((2, 3)))
    assert getattr(opt, "t", 0) == 0


# --- pickling and registry -------------------------------------------------------------------


@pytest.mark.parametrize("name", CONFIGS)
def test_pickle_mid_run_continues_identically(name):
    rng = np.random.default_rng(6)
    params = [rng.standard_normal((4, 2)), rng.standard_normal(2)]
    cls, kwargs = CONFIGS[name]
    opt = cls(params, **{**kwargs, "learning_rate": InvScaling(kwargs["learning_rate"])})
    grads = random_grads(rng, [(4, 2), (2,)], 6)
    for g in grads[:3]:
        opt.step(g)
    opt.iteration_ends(30)
    clone = pickle.loads(pickle.dumps(opt))
    assert clone.params[0] is not opt.params[0]
    for g in grads[3:]:
        opt.step(g)
        clone.step(g)
    for p, q in zip(opt.params, clone.params, strict=True):
        assert_array_equal(p, q)
    for s, c in zip(opt.state, clone.state, strict=True):
        assert s.keys() == c.keys()
        for key in s:
            assert_array_equal(s[key], c[key])
    assert clone.learning_rate == opt.learning_rate
    assert getattr(clone, "t", None) == getattr(opt, "t", None)


def test_registry_and_factory():
    assert OPTIMIZERS == {"sgd": SGD, "momentum": Momentum, "rmsprop": RMSProp, "adam": Adam}
    params = [np.zeros(2)]
    opt = make_optimizer("adam", params, learning_rate=0.5, beta_1=0.8)
    assert isinstance(opt, Adam) and isinstance(opt, Optimizer)
    assert (opt.learning_rate, opt.beta_1) == (0.5, 0.8)
    assert opt.params[0] is params[0]
    assert make_optimizer("sgd", params, momentum=0.5).momentum == 0.5
    with pytest.raises(ValueError, match="'sgd', 'momentum', 'rmsprop', 'adam'"):
        make_optimizer("adagrad", params)


def test_momentum_is_heavy_ball_sgd():
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((2, 4, 3))
    heavy, sgd = Momentum([a], 0.1, momentum=0.8), SGD([b], 0.1, momentum=0.8, nesterov=False)
    b[...] = a
    for _ in range(5):
        g = rng.standard_normal((4, 3))
        heavy.step([g])
        sgd.step([g])
    assert_array_equal(a, b)
    assert not heavy.nesterov


def test_estimator_solvers_and_hyperparameters_come_from_the_registry():
    from sklearn_deep import AutoencoderTransformer, MLPClassifierScratch
    from sklearn_deep.estimators._base import STOCHASTIC_SOLVERS

    assert set(STOCHASTIC_SOLVERS) == set(OPTIMIZERS)
    for est in (MLPClassifierScratch(), AutoencoderTransformer()):
        allowed = est._parameter_constraints["solver"][0].options
        assert set(OPTIMIZERS) <= allowed
    est = MLPClassifierScratch(beta_1=0.7, rho=0.5, momentum=0.3, nesterovs_momentum=False,
                               learning_rate="invscaling", power_t=0.25)
    params = [np.zeros(2)]
    adam = est._make_optimizer(params, "adam")
    assert isinstance(adam, Adam) and adam.beta_1 == 0.7
    assert est._make_optimizer(params, "rmsprop").rho == 0.5
    sgd = est._make_optimizer(params, "sgd")
    assert (sgd.momentum, sgd.nesterov) == (0.3, False)
    assert type(est._make_optimizer(params, "momentum")) is Momentum
    assert sgd.schedule.power_t == 0.25


@pytest.mark.parametrize("name", CONFIGS)
@pytest.mark.parametrize("n_touched", [2, 5])  # under and over half of the rows
def test_dense_backed_sparse_gradient_equals_row_update(name, n_touched):
    # A gradient holding its dense array may be applied densely (plain SGD, most rows
    # touched); every optimizer must give exactly the row-by-row result.
    rng = np.random.default_rng(6)
    init = rng.standard_normal((8, 3))
    backed_param, plain_param = init.copy(), init.copy()
    backed_opt, plain_opt = make(name, [backed_param]), make(name, [plain_param])
    for _ in range(4):  # other rows each step: state of rows left alone must not act
        rows = np.sort(rng.choice(8, n_touched, replace=False))
        dense = np.zeros((8, 3))
        dense[rows] = rng.standard_normal((n_touched, 3))
        backed_opt.step([RowSparseGrad.from_dense(dense, rows)])
        plain_opt.step([RowSparseGrad(rows, dense[rows], (8, 3))])
        assert_array_equal(backed_param, plain_param)
