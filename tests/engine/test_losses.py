"""Loss values against independent oracles: scikit-learn's MLP losses and CS231n's
formulas written out as loops."""

import numpy as np
import pytest
from scipy.special import expit, softmax
from sklearn.neural_network import _base as sk_losses

import sklearn_deep.engine as E
from sklearn_deep.engine import Tensor

RNG = np.random.default_rng(42)
SCORES = RNG.standard_normal((6, 4)) * 3
LABELS = np.array([0, 3, 1, 1, 2, 3])
WEIGHTS = RNG.uniform(0.1, 3.0, 6)


@pytest.mark.parametrize("sample_weight", [None, WEIGHTS])
def test_softmax_cross_entropy_matches_sklearn_log_loss(sample_weight):
    onehot = np.eye(4)[LABELS]
    expected = sk_losses.log_loss(onehot, softmax(SCORES, axis=1), sample_weight=sample_weight)
    for target in (LABELS, onehot):
        got = E.softmax_cross_entropy(Tensor(SCORES), target, sample_weight=sample_weight)
        assert got.item() == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("sample_weight", [None, WEIGHTS])
def test_bce_with_logits_matches_sklearn_binary_log_loss(sample_weight):
    y = (RNG.uniform(size=(6, 4)) > 0.5).astype(float)
    expected = sk_losses.binary_log_loss(y, expit(SCORES), sample_weight=sample_weight)
    got = E.binary_cross_entropy_with_logits(Tensor(SCORES), y, sample_weight=sample_weight)
    assert got.item() == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("sample_weight", [None, WEIGHTS])
def test_squared_error_matches_sklearn_squared_loss(sample_weight):
    y = RNG.standard_normal((6, 4))
    expected = sk_losses.squared_loss(y, SCORES, sample_weight=sample_weight)
    got = E.squared_error(Tensor(SCORES), y, sample_weight=sample_weight)
    assert got.item() == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("sample_weight", [None, WEIGHTS])
def test_multiclass_hinge_matches_the_course_formula(sample_weight):
    w = np.ones(6) if sample_weight is None else sample_weight
    total = 0.0
    for i in range(6):
        li = sum(max(0.0, SCORES[i, j] - SCORES[i, LABELS[i]] + 1.0)
                 for j in range(4) if j != LABELS[i])
        total += w[i] * li
    got = E.multiclass_hinge(Tensor(SCORES), LABELS, sample_weight=sample_weight)
    assert got.item() == pytest.approx(total / w.sum(), rel=1e-12)


@pytest.mark.parametrize("sample_weight", [None, WEIGHTS])
def test_poisson_matches_sklearn_poisson_loss(sample_weight):
    y = RNG.poisson(2.0, size=(6, 4)).astype(float)
    raw = SCORES * 0.3
    expected = sk_losses.poisson_loss(y, np.exp(raw), sample_weight=sample_weight)
    got = E.poisson_with_log_link(Tensor(raw), y, sample_weight=sample_weight)
    assert got.item() == pytest.approx(expected, rel=1e-10)


def test_penalties_match_their_definitions():
    a, b = RNG.standard_normal((3, 2)), RNG.standard_normal(5)
    assert E.l2_penalty(Tensor(a), Tensor(b)).item() == pytest.approx(
        0.5 * ((a**2).sum() + (b**2).sum()), rel=1e-14)
    assert E.l1_penalty(Tensor(a), Tensor(b)).item() == pytest.approx(
        np.abs(a).sum() + np.abs(b).sum(), rel=1e-14)


def test_loss_input_errors_name_the_problem():
    for bad in ([0, 1, 2, 3, 4, 0], [0, -1, 2, 3, 1, 0]):  # NumPy would wrap -1 silently
        with pytest.raises(ValueError, match="class labels must lie"):
            E.softmax_cross_entropy(Tensor(SCORES), np.array(bad))
    for bad in ([0, 1, 2, 3, 4, 0], [0, -1, 2, 3, 1, 0]):
        with pytest.raises(ValueError, match="class labels must lie"):
            E.multiclass_hinge(Tensor(SCORES), np.array(bad))
    with pytest.raises(ValueError, match="does not match"):
        E.squared_error(Tensor(SCORES), np.zeros((6, 3)))
    with pytest.raises(ValueError, match="sample_weight has 2 entries for 6 samples"):
        E.softmax_cross_entropy(Tensor(SCORES), LABELS, sample_weight=np.ones(2))
    with pytest.raises(ValueError, match="unknown loss"):
        E.get_loss("nope")
    with pytest.raises(ValueError, match="unknown activation"):
        E.get_activation("swish!")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sampled_logistic_loss_is_exact_for_extreme_scores(dtype):
    # oracle: log(1 + exp(∓s)) by np.logaddexp in float64, scores far past overflow
    scores = np.array([-800.0, -50.0, -3.0, 0.0, 2.5, 40.0, 900.0])
    hidden = np.ones((1, 1, 1), dtype=dtype)
    table = scores[:, None].astype(dtype)
    rows = np.arange(7)[None, :]
    for target in (True, False):
        targets = np.full((1, 1, 7), target)
        weights = np.linspace(0.5, 2.0, 7)[None, None, :]
        loss = E.sampled_logistic(hidden, table, rows, targets, weights).item()
        expected = weights.ravel() @ np.logaddexp(0.0, -scores if target else scores)
        np.testing.assert_allclose(loss, expected, rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_negative_sampling_loss_is_exact_for_extreme_scores(dtype):
    # oracle: log(1 + exp(-s)) for the true row and log(1 + exp(s)) for each negative,
    # by np.logaddexp in float64, scores far past overflow
    scores = np.array([-800.0, -50.0, -3.0, 0.0, 2.5, 40.0, 900.0])
    table = scores[:, None].astype(dtype)
    hidden = np.ones((7, 1, 1), dtype=dtype)
    positives = np.arange(7)[:, None]
    negatives = np.arange(7)[::-1, None]
    weights = np.linspace(0.5, 2.0, 14).reshape(7, 1, 2)
    loss = E.negative_sampling(hidden, table, positives, negatives, weights).item()
    expected = (weights[:, 0, 0] @ np.logaddexp(0.0, -scores)
                + weights[:, 0, 1] @ np.logaddexp(0.0, scores[::-1]))
    np.testing.assert_allclose(loss, expected, rtol=1e-6)


def _gathered_against_composed(table_in, table_out, inputs, rows, targets, weights):
    """The fused gathered_sampled_logistic against its oracle, the gather and
    sampled_logistic composed: equal loss and gradients; returns the fused input table's
    gradient."""
    a = E.Tensor(table_in, requires_grad=True, sparse_grad=True)
    b = E.Tensor(table_out, requires_grad=True)
    fused = E.gathered_sampled_logistic(a, b, inputs, rows, targets, weights)
    fused.backward()
    c, d = E.Tensor(table_in, requires_grad=True), E.Tensor(table_out, requires_grad=True)
    composed = E.sampled_logistic(E.gather_rows(c, inputs), d, rows, targets, weights)
    composed.backward()
    assert fused.item() == pytest.approx(composed.item(), rel=1e-12)
    for ours, theirs in ((a.grad, c.grad), (b.grad, d.grad)):
        np.testing.assert_allclose(*(g.to_dense() if isinstance(g, E.RowSparseGrad) else g
                                     for g in (ours, theirs)), rtol=1e-12, atol=1e-15)
    return a.grad


def test_gathered_sampled_logistic_gives_padding_no_gradient_entry():
    # the fused primitive's input-table gradient has one entry per slot with a weight,
    # none for the padding slots
    rng = np.random.default_rng(0)
    table_in, table_out = rng.standard_normal((6, 3)), rng.standard_normal((5, 3))
    inputs = np.array([[1, 1, 4, 0], [0, 2, 5, 5]])
    rows = np.array([[0, 3, 3], [3, 1, 4]])
    targets = rng.random((2, 4, 3)) < 0.4
    weights = rng.uniform(0.5, 2.0, (2, 4, 3))
    weights[0, 3] = weights[1, 1] = 0.0  # padding
    grad = _gathered_against_composed(table_in, table_out, inputs, rows, targets, weights)
    np.testing.assert_array_equal(grad.indices, [1, 1, 4, 0, 5, 5])


@pytest.mark.parametrize("weights", [0.5, np.full((1, 1, 3), 2.0), "none"])
def test_gathered_sampled_logistic_takes_weights_as_sampled_logistic_does(weights):
    # broadcast (scalar, (1, 1, J)) weights, and no scores at all (J = 0)
    rng = np.random.default_rng(1)
    table_in, table_out = rng.standard_normal((6, 3)), rng.standard_normal((5, 3))
    inputs = np.array([[0, 2], [1, 5]])
    rows, targets = np.array([[0, 3, 4], [1, 2, 4]]), np.zeros((2, 2, 3))
    targets[:, :, 0] = 1
    no_scores = isinstance(weights, str)
    if no_scores:
        rows, targets, weights = rows[:, :0], targets[:, :, :0], np.zeros((2, 2, 0))
    grad = _gathered_against_composed(table_in, table_out, inputs, rows, targets, weights)
    # one entry per slot with a weight: every slot, or none without scores
    np.testing.assert_array_equal(grad.indices, [] if no_scores else inputs.reshape(-1))
