"""Multi-layer perceptrons: a drop-in for scikit-learn's MLP, trained by the engine.

``MLPClassifierScratch`` and ``MLPRegressorScratch`` take every parameter of
``sklearn.neural_network.MLPClassifier`` / ``MLPRegressor`` with the same name, default
and meaning, expose the same fitted attributes, and start from the same initial weights
and minibatch order for the same ``random_state``. Beyond scikit-learn they offer the
CS231n's multiclass hinge loss, every activation of the engine's registry (one per layer
if wished), RMSProp and heavy-ball momentum solvers, learning-rate schedules for every
stochastic solver, ``class_weight``, dropout and a validation-loss curve.

With scikit-learn ≥ 1.9 both take scikit-learn's callbacks (``set_callbacks``, e.g.
``ProgressBar`` or ``ScoringMonitor``), also inside a ``Pipeline`` or a search: each epoch
(each L-BFGS iteration) is a task of the fit. A callback may stop training; the weights
kept then are the best ones, as with ``early_stopping`` (see
:meth:`~sklearn_deep.estimators._base.TrainedByLoopMixin._train`).
"""

import math
from functools import partial
from numbers import Real

import numpy as np
import scipy.sparse as sp
from scipy.special import expit, log_softmax, softmax
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, is_classifier
from sklearn.metrics import accuracy_score, r2_score
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import compute_sample_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import type_of_target, unique_labels
from sklearn.utils.validation import check_is_fitted, column_or_1d

from .._compat import Interval, StrOptions, _check_sample_weight, _fit_context, validate_data
from ..engine import ACTIVATIONS
from ..nn import MLP, init_dense, layer_activations
from ..training import MinibatchProblem
from ._base import TrainedByLoopMixin

__all__ = ["MLPClassifierScratch", "MLPRegressorScratch"]

# Engine loss used for each (estimator loss, output activation).
_ENGINE_LOSS = {
    ("log_loss", "softmax"): "softmax_cross_entropy",
    ("log_loss", "logistic"): "binary_cross_entropy_with_logits",
    ("hinge", "identity"): "multiclass_hinge",
    ("squared_error", "identity"): "squared_error",
    ("poisson", "exp"): "poisson_with_log_link",
}


class _BaseMLPScratch(TrainedByLoopMixin, BaseEstimator):
    """Everything the classifier and the regressor share."""

    _parameter_constraints = {
        **TrainedByLoopMixin._parameter_constraints,
        "dropout": [Interval(Real, 0, 1, closed="left")],
    }

    # ------------------------------------------------------------------ network
    def _network(self):
        """The trained network over the live ``coefs_`` and ``intercepts_``."""
        return MLP(self.coefs_, self.intercepts_, self._activations,
                   _ENGINE_LOSS[(self.loss, self.out_activation_)], alpha=self.alpha,
                   dropout=self.dropout)

    def _raw(self, X):
        """Raw output scores as an ndarray (no graph, no dropout)."""
        return self._network().forward(X)

    def _epoch_attributes(self, X):
        return {"coefs_": [c.copy() for c in self.coefs_],
                "intercepts_": [b.copy() for b in self.intercepts_]}

    # ------------------------------------------------------------------ fitting
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, *, X_val=None, y_val=None, sample_weight_val=None):
        """Fit the model to data matrix X and targets y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets: class labels or a multilabel indicator matrix for the classifier.
        sample_weight : array-like of shape (n_samples,), default=None
        X_val : {array-like, sparse matrix} of shape (n_val, n_features), default=None
            A validation set for early stopping, replacing the internal split of
            ``validation_fraction`` (the convention of scikit-learn's
            ``HistGradientBoosting*.fit``); needs ``early_stopping=True`` and a minibatch
            solver. In a ``Pipeline``, ``transform_input=["X_val"]`` transforms it as X.
        y_val : array-like of shape (n_val,) or (n_val, n_outputs), default=None
            Targets of ``X_val``.
        sample_weight_val : array-like of shape (n_val,), default=None
            Weights of the validation samples.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        validation = (X_val, y_val, sample_weight_val) if self._check_validation_set(
            X_val, y_val) else None
        return self._fit(X, y, sample_weight, incremental=False, validation=validation)

    @available_if(lambda est: est._check_solver())
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """One epoch over (X, y), continuing from the current weights and optimizer state.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : object
            The updated estimator.
        """
        return self._fit(X, y, sample_weight, incremental=True)

    def _fit(self, X, y, sample_weight=None, incremental=False, classes=None, validation=None):
        first_pass = self._is_first_pass(incremental)
        hidden = self._hidden_sizes()
        activations = layer_activations(self.activation, len(hidden))
        X, y = validate_data(self, X, y, accept_sparse=["csr", "csc"], multi_output=True,
                             dtype=(np.float64, np.float32), reset=first_pass,
                             y_numeric=not is_classifier(self))
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if sp.issparse(X):
            X = X.tocsr()
        Y = self._prepare_targets(y, first_pass, incremental, classes, X.dtype)
        given_weight, sample_weight = sample_weight, self._sample_weight(sample_weight, X, y)
        if self.dropout and self.solver == "lbfgs":
            raise ValueError("dropout needs a stochastic solver; solver='lbfgs' minimises a "
                             "deterministic full-batch loss.")

        rng = self._begin_fit(first_pass, incremental)
        if first_pass:
            self._activations = activations
            layer_units = [X.shape[1], *hidden, self._output_units(Y)]
            self.coefs_, self.intercepts_ = init_dense(layer_units, activations, rng, X.dtype)
            self.n_layers_ = len(layer_units)
            self.n_outputs_ = layer_units[-1]
            self._sample_order = None
        elif activations != self._activations or [c.shape[1] for c in self.coefs_[:-1]] != [
                h * ACTIVATIONS[a].width_factor for h, a in zip(hidden, activations)]:
            raise ValueError("hidden_layer_sizes or activation changed since the network was "
                             "built; refit without warm_start to change the architecture")

        network = self._network()
        order = self._sample_order if incremental else None

        def make_problem(data, validation, batch_size, shuffle):
            X, Y, sample_weight, _ = data
            n = X.shape[0]
            kept = order if order is not None and order.shape[0] == n else np.arange(n)
            score = None if validation is None else partial(self._validation_scores,
                                                            network, *validation)
            return MinibatchProblem(network, (X, Y, sample_weight), batch_size=batch_size,
                                    shuffle=shuffle, validation=score, order=kept)

        if validation is not None:
            validation = self._validation_arrays(*validation, X.dtype)
        stratify = y if is_classifier(self) and not self._multilabel else None
        metadata = None if given_weight is None else {"sample_weight": given_weight}
        problem = self._train(make_problem, (X, Y, sample_weight, y), solver=self.solver,
                              incremental=incremental, stratify=stratify,
                              units=[X.shape[1], *(c.shape[1] for c in self.coefs_)],
                              validation=validation, callback_data=(X, y, metadata))
        if self.solver != "lbfgs":
            self._sample_order = problem.order
        return self

    def _validation_arrays(self, X_val, y_val, sample_weight_val, dtype):
        """The caller's validation set, checked and laid out as the training arrays."""
        X_val, y_val = validate_data(self, X_val, y_val, accept_sparse=["csr", "csc"],
                                     multi_output=True, dtype=dtype, reset=False,
                                     y_numeric=not is_classifier(self))
        if y_val.ndim == 2 and y_val.shape[1] == 1:
            y_val = column_or_1d(y_val, warn=True)
        if sp.issparse(X_val):
            X_val = X_val.tocsr()
        Y_val = self._encode_targets(y_val, X_val.dtype)
        return X_val, Y_val, self._sample_weight(sample_weight_val, X_val, y_val), y_val

    def _validation_scores(self, network, X_val, Y_val, sample_weight_val, y_val):
        """(score, loss) of ``network`` on the held-out data (early stopping)."""
        raw = network.forward(X_val)
        if not np.isfinite(raw).all():  # diverged: the loop says so, not a metric's check
            return math.nan, math.nan
        score = self._score_raw(raw, y_val, sample_weight_val)
        return score, network.output_loss(raw, Y_val, sample_weight_val)

    def _sample_weight(self, sample_weight, X, y):
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=X.dtype)
        return sample_weight

    def _predict_raw(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse=["csr", "csc"], reset=False,
                          dtype=(np.float64, np.float32))
        return self._raw(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class MLPClassifierScratch(ClassifierMixin, _BaseMLPScratch):
    """Multi-layer perceptron classifier on the sklearn_deep engine.

    A drop-in for :class:`sklearn.neural_network.MLPClassifier`: same parameters, defaults,
    fitted attributes and initialisation, plus the extras listed under Parameters.

    Parameters
    ----------
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
        Units in each hidden layer.
    activation : str or list of str, default='relu'
        Hidden-layer activation, any name of the engine's registry: 'identity',
        'logistic', 'tanh', 'relu', 'leaky_relu', 'elu', 'softplus', 'maxout' (2 pieces per
        unit); or a list with one name per hidden layer.
    solver : {'adam', 'sgd', 'lbfgs', 'rmsprop', 'momentum'}, default='adam'
        'sgd' uses ``momentum`` and ``nesterovs_momentum``; 'momentum' is plain heavy-ball
        SGD; 'rmsprop' uses ``rho`` and ``epsilon``; 'lbfgs' is scipy's L-BFGS-B.
    alpha : float, default=1e-4
        L2 penalty: the loss gains ``0.5 * alpha * Σ‖W‖² / Σ sample_weight``.
    batch_size : int or 'auto', default='auto'
        Minibatch size; 'auto' is ``min(200, n_samples)``.
    learning_rate : {'constant', 'invscaling', 'adaptive'}, default='constant'
        Schedule for every stochastic solver (scikit-learn applies it to 'sgd' only).
    learning_rate_init : float, default=1e-3
    power_t : float, default=0.5
        Exponent of 'invscaling'.
    max_iter : int, default=200
        Epochs at most (L-BFGS iterations for 'lbfgs').
    shuffle : bool, default=True
    random_state : int, RandomState instance or None, default=None
        Initialisation, shuffling, validation split and dropout masks.
    tol : float, default=1e-4
    verbose : bool, default=False
    warm_start : bool, default=False
        Continue from the current ``coefs_`` and ``intercepts_``.
    momentum : float, default=0.9
    nesterovs_momentum : bool, default=True
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` (stratified), stop when its accuracy stalls and
        restore the best weights.
    validation_fraction : float, default=0.1
    beta_1, beta_2, epsilon : float, default=0.9, 0.999, 1e-8
        Adam's parameters (``epsilon`` also RMSProp's).
    n_iter_no_change : int, default=10
    max_fun : int, default=15000
        Function evaluations at most ('lbfgs').
    loss : {'log_loss', 'hinge'}, default='log_loss'
        Softmax (or logistic) cross-entropy, or CS231n's multiclass SVM hinge loss
        Σ_{j≠y} max(0, s_j − s_y + 1). With 'hinge' there is no ``predict_proba`` but a
        ``decision_function``.
    rho : float, default=0.9
        RMSProp's decay of the squared-gradient average.
    dropout : float, default=0.0
        Inverted-dropout rate on hidden activations during training only.
    class_weight : dict, 'balanced' or None, default=None
        Multiplies each sample's weight by its class's weight.

    Attributes
    ----------
    classes_ : ndarray or list of ndarray
    coefs_ : list of ndarray of shape (fan_in, fan_out)
        The live weights: editing them changes predictions, and ``warm_start`` /
        ``partial_fit`` continue from them.
    intercepts_ : list of ndarray of shape (fan_out,)
    loss_ : float
        Loss of the last epoch (data loss + L2 term).
    best_loss_ : float or None
    loss_curve_ : list of float
    validation_scores_ : list of float or None
    validation_loss_curve_ : list of float or None
        Loss on the held-out data per epoch, with ``early_stopping``.
    best_validation_score_ : float or None
    t_ : int
        Training samples seen.
    n_iter_ : int
    n_layers_ : int
    n_outputs_ : int
    out_activation_ : str
        'softmax' (multiclass), 'logistic' (binary, multilabel) or 'identity' (hinge).
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn_deep import MLPClassifierScratch
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MLPClassifierScratch(hidden_layer_sizes=(20,), max_iter=500, random_state=0)
    >>> clf.fit(X, y).score(X, y) > 0.9
    True
    """

    _parameter_constraints = {
        **_BaseMLPScratch._parameter_constraints,
        "loss": [StrOptions({"log_loss", "hinge"})],
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam",
                 alpha=1e-4, batch_size="auto", learning_rate="constant",
                 learning_rate_init=1e-3, power_t=0.5, max_iter=200, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False, momentum=0.9,
                 nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1,
                 beta_1=0.9, beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, max_fun=15000,
                 loss="log_loss", rho=0.9, dropout=0.0, class_weight=None):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.loss = loss
        self.rho = rho
        self.dropout = dropout
        self.class_weight = class_weight

    @available_if(lambda est: est._check_solver())
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """One epoch over (X, y), continuing from the current weights and optimizer state.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), default=None
        classes : array-like of shape (n_classes,), default=None
            All classes across calls; required on the first call.

        Returns
        -------
        self : MLPClassifierScratch
        """
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    # ------------------------------------------------------------------ targets
    def _prepare_targets(self, y, first_pass, incremental, classes, dtype):
        y = _normalise_labels(y)
        if classes is not None:
            classes = _normalise_labels(np.asarray(classes))
        if incremental and not hasattr(self, "classes_"):
            if classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit.")
            first_pass = True
        if first_pass and incremental:  # multilabel: the indicator's columns are the classes
            multilabel = type_of_target(y).startswith("multilabel")
            self._label_binarizer = LabelBinarizer().fit(y if multilabel else classes)
        elif first_pass:
            self._label_binarizer = LabelBinarizer().fit(y)
        elif classes is not None and not np.array_equal(
                np.unique(classes), np.asarray(self.classes_)):
            raise ValueError(f"`classes={list(classes)}` is not the same as on the first "
                             f"call to partial_fit, which was {list(self.classes_)}.")
        if first_pass:
            self.classes_ = self._label_binarizer.classes_
            self._multilabel = self._label_binarizer.y_type_.startswith("multilabel")
            if self.loss == "hinge":
                if self._multilabel:
                    raise ValueError("loss='hinge' supports binary and multiclass targets, "
                                     "not multilabel ones; use loss='log_loss'.")
                self.out_activation_ = "identity"
            elif self._label_binarizer.y_type_ == "multiclass":
                self.out_activation_ = "softmax"
            else:
                self.out_activation_ = "logistic"
        if incremental or not first_pass:  # scikit-learn's rules and messages
            labels = unique_labels(y)
            if self.warm_start and set(labels) != set(self.classes_):
                raise ValueError("warm_start can only be used where `y` has the same classes "
                                 f"as in the previous call to fit. Previously got "
                                 f"{self.classes_}, `y` has {labels}")
        return self._encode_targets(y, dtype)

    def _encode_targets(self, y, dtype):
        """Labels as the loss takes them, once ``classes_`` is known."""
        y = _normalise_labels(y)
        unseen = np.setdiff1d(unique_labels(y), self.classes_)
        if unseen.size:
            raise ValueError(f"`y` has classes not in `self.classes_`. `self.classes_` has "
                             f"{self.classes_}. 'y' has {unique_labels(y)}.")
        if self.loss == "hinge" or self.out_activation_ == "softmax":
            # class indices: the engine's losses one-hot them per batch, so the targets
            # take n integers, not an n × n_classes matrix; unsigned, as they cannot be
            # negative, so that no step checks them for negative values
            return np.searchsorted(self.classes_, y).astype(np.uintp)
        return self._label_binarizer.transform(y).astype(dtype)

    def _output_units(self, Y):
        return len(self.classes_) if Y.ndim == 1 else Y.shape[1]

    def _sample_weight(self, sample_weight, X, y):
        sample_weight = super()._sample_weight(sample_weight, X, y)
        if self.class_weight is None:
            return sample_weight
        if self._multilabel:
            raise ValueError("class_weight is not supported for multilabel targets.")
        weights = compute_sample_weight(self.class_weight, y).astype(X.dtype)
        return weights if sample_weight is None else sample_weight * weights

    # ------------------------------------------------------------------ outputs
    def _score_raw(self, raw, y, sample_weight):
        return accuracy_score(y, self._labels_from_raw(raw), sample_weight=sample_weight)

    def _labels_from_raw(self, raw):
        if self._multilabel:
            return (raw > 0).astype(int)
        if len(self.classes_) == 1:  # trained on one class: it is the only answer
            return np.repeat(self.classes_, raw.shape[0])
        if raw.shape[1] == 1:
            return self.classes_[(raw[:, 0] > 0).astype(int)]
        return self.classes_[np.argmax(raw, axis=1)]

    def predict(self, X):
        """Predict class labels (or a multilabel indicator matrix).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_classes)
        """
        return self._labels_from_raw(self._predict_raw(X))

    def _has_proba(self):
        if self.loss == "hinge":
            raise AttributeError("predict_proba is not available when loss='hinge' (the "
                                 "hinge loss gives scores, not probabilities); use "
                                 "decision_function.")
        return True

    @available_if(_has_proba)
    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        raw = self._predict_raw(X)
        if len(self.classes_) == 1 and not self._multilabel:
            return np.ones_like(raw)
        if self.out_activation_ == "softmax":
            return softmax(raw, axis=1)
        p = expit(raw)
        return np.hstack([1 - p, p]) if raw.shape[1] == 1 and not self._multilabel else p

    @available_if(_has_proba)
    def predict_log_proba(self, X):
        """Logarithm of the class probabilities, computed stably from the scores.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        raw = self._predict_raw(X)
        if len(self.classes_) == 1 and not self._multilabel:
            return np.zeros_like(raw)
        if self.out_activation_ == "softmax":
            return log_softmax(raw, axis=1)
        log_p, log_q = -np.logaddexp(0, -raw), -np.logaddexp(0, raw)
        if raw.shape[1] == 1 and not self._multilabel:
            return np.hstack([log_q, log_p])
        return log_p

    def _has_decision_function(self):
        if self.loss != "hinge":
            raise AttributeError("decision_function is offered with loss='hinge'; with "
                                 "loss='log_loss' use predict_proba.")
        return True

    @available_if(_has_decision_function)
    def decision_function(self, X):
        """Class scores of the hinge-loss model (binary: score of the positive class
        minus that of the negative one).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
        """
        raw = self._predict_raw(X)
        return raw[:, 1] - raw[:, 0] if raw.shape[1] == 2 else raw

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class MLPRegressorScratch(RegressorMixin, _BaseMLPScratch):
    """Multi-layer perceptron regressor on the sklearn_deep engine.

    A drop-in for :class:`sklearn.neural_network.MLPRegressor`; parameters and attributes
    as in :class:`MLPClassifierScratch` (without ``class_weight``), with:

    Parameters
    ----------
    loss : {'squared_error', 'poisson'}, default='squared_error'
        'squared_error' is ½·mean squared error (scikit-learn's convention); 'poisson' is
        the half Poisson deviance with a log link (predictions ``exp`` of the output).
    hidden_layer_sizes, activation, solver, alpha, batch_size, learning_rate,
    learning_rate_init, power_t, max_iter, shuffle, random_state, tol, verbose,
    warm_start, momentum, nesterovs_momentum, early_stopping, validation_fraction, beta_1,
    beta_2, epsilon, n_iter_no_change, max_fun, rho, dropout
        As in :class:`MLPClassifierScratch`; early stopping scores R².

    Attributes
    ----------
    coefs_, intercepts_, loss_, best_loss_, loss_curve_, validation_scores_,
    validation_loss_curve_, best_validation_score_, t_, n_iter_, n_layers_, n_outputs_,
    n_features_in_, feature_names_in_
        As in :class:`MLPClassifierScratch`.
    out_activation_ : str
        'identity' (squared error) or 'exp' (Poisson).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_deep import MLPRegressorScratch
    >>> X = np.linspace(-1, 1, 200)[:, None]
    >>> reg = MLPRegressorScratch(hidden_layer_sizes=(32,), solver="lbfgs", random_state=0)
    >>> reg = reg.fit(X, X[:, 0] ** 2)
    >>> reg.score(X, X[:, 0] ** 2) > 0.95
    True
    """

    _parameter_constraints = {
        **_BaseMLPScratch._parameter_constraints,
        "loss": [StrOptions({"squared_error", "poisson"})],
    }

    def __init__(self, loss="squared_error", hidden_layer_sizes=(100,), activation="relu", *,
                 solver="adam", alpha=1e-4, batch_size="auto", learning_rate="constant",
                 learning_rate_init=1e-3, power_t=0.5, max_iter=200, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False, momentum=0.9,
                 nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1,
                 beta_1=0.9, beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, max_fun=15000,
                 rho=0.9, dropout=0.0):
        self.loss = loss
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.rho = rho
        self.dropout = dropout

    def _prepare_targets(self, y, first_pass, incremental, classes, dtype):
        if first_pass:
            self.out_activation_ = "exp" if self.loss == "poisson" else "identity"
        return self._encode_targets(y, dtype)

    def _encode_targets(self, y, dtype):
        if self.loss == "poisson" and np.any(y < 0):
            raise ValueError("loss='poisson' needs non-negative targets y.")
        return (y.reshape(-1, 1) if y.ndim == 1 else y).astype(dtype, copy=False)

    def _output_units(self, Y):
        return Y.shape[1]

    def _score_raw(self, raw, y, sample_weight):
        return r2_score(y, self._output(raw), sample_weight=sample_weight)

    def _output(self, raw):
        out = np.exp(raw) if self.out_activation_ == "exp" else raw
        return out[:, 0] if out.shape[1] == 1 else out

    def predict(self, X):
        """Predict targets.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        """
        return self._output(self._predict_raw(X))


def _normalise_labels(y):
    """Labels in an object array, made usable like scikit-learn's.

    classes_ are sorted, so labels must be mutually comparable: a mix such as strings and
    numbers gets a clear TypeError. An object array holding one non-string type (ints from
    a pandas object column, say) becomes an array of that type.
    """
    if y.dtype != object:
        return y
    kinds = {type(v) for v in y.ravel()}
    try:
        np.unique(y)
    except TypeError:
        names = ", ".join(sorted(k.__name__ for k in kinds))
        raise TypeError(f"class labels must be mutually comparable (e.g. all strings or all "
                        f"numbers) so that classes_ can be sorted; got a mix of {names}"
                        ) from None
    if len(kinds) == 1 and not issubclass(next(iter(kinds)), str):
        return np.asarray(y.tolist())
    return y
