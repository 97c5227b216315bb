"""The multi-layer perceptron as a network: a dense stack, an output loss and an L2 penalty.

:class:`MLP` holds its parameters explicitly (scikit-learn's layout, see :mod:`.dense`) and
knows how to compute its outputs and the gradient of its training objective; it knows
nothing about labels, estimators or scikit-learn. Train it with the loop::

    net = MLP.initialise([4, 16, 3], ["relu"], "softmax_cross_entropy", rng, np.float64)
    problem = MinibatchProblem(net, (X, class_indices, None), batch_size=32, shuffle=True)
    train_epochs(problem, make_optimizer("adam", net.params), TrainingState(),
                 max_iter=50, rng=rng)
"""

from ..engine import Tensor, get_loss, l2_penalty, no_grad
from ..engine.flat import parameter_tensors
from ..engine.replay import graph_cache
from .dense import dense_forward, init_dense

__all__ = ["MLP"]


class MLP:
    """A fully connected network trained on an output loss plus an L2 penalty.

    The objective of a batch of ``n`` samples with weights ``s`` (all ones by default) is
    ``loss(raw, Y, s) + 0.5 · alpha · Σ‖W‖² / Σ s`` — scikit-learn's MLP objective — where
    ``raw`` are the outputs of the last layer before any output non-linearity (the losses
    apply their canonical link themselves).

    Parameters
    ----------
    coefs, intercepts : list of ndarray
        One weight matrix of shape (fan_in, fan_out) and one bias of shape (fan_out,) per
        layer, updated in place by training (the arrays are kept, never copied). When they
        are views of one flat buffer, in this order (as :meth:`initialise` and
        :func:`~sklearn_deep.nn.init_dense` make them), the gradients are too, and
        optimizers step on the whole buffer at once.
    activations : list of str
        Registered activation names, one per hidden layer.
    loss : str
        A loss of the engine's registry (``'softmax_cross_entropy'``,
        ``'binary_cross_entropy_with_logits'``, ``'multiclass_hinge'``,
        ``'squared_error'``, ``'poisson_with_log_link'``).
    alpha : float, default=0.0
        Strength of the L2 penalty on the weights (not the biases).
    dropout : float, default=0.0
        Inverted-dropout rate on the hidden activations while training.
    """

    def __init__(self, coefs, intercepts, activations, loss, *, alpha=0.0, dropout=0.0):
        self.coefs, self.intercepts = list(coefs), list(intercepts)
        self.activations = list(activations)
        self.loss_name, self.alpha, self.dropout = loss, alpha, dropout
        self._loss = get_loss(loss)
        self._graphs = None  # the recorded training graphs (GraphCache), made when needed

    @classmethod
    def initialise(cls, layer_units, activations, loss, rng, dtype, **kwargs):
        """A network with fresh weights, drawn as scikit-learn's MLP draws them.

        Parameters
        ----------
        layer_units : list of int
            Inputs, hidden units of each layer, outputs.
        activations, loss, **kwargs
            As for the constructor.
        rng : numpy.random.RandomState
        dtype : numpy dtype

        Returns
        -------
        MLP
        """
        coefs, intercepts = init_dense(layer_units, activations, rng, dtype)
        return cls(coefs, intercepts, activations, loss, **kwargs)

    @property
    def params(self):
        """list of ndarray : The weights, then the biases (the live arrays)."""
        return self.coefs + self.intercepts

    def forward(self, X):
        """Raw outputs of shape (n_samples, n_outputs) as an ndarray (no graph, no dropout)."""
        with no_grad():
            return dense_forward(X, self.coefs, self.intercepts, self.activations).data

    def output_loss(self, raw, Y, sample_weight=None):
        """The output loss (without the penalty) of raw outputs, as a float (no graph)."""
        with no_grad():
            return self._loss(Tensor(raw), Y, sample_weight=sample_weight).item()

    def loss_and_grads(self, X, Y, sample_weight=None, rng=None):
        """The objective of a batch and its gradients.

        The graph is built at the first call for a batch shape and replayed after
        (:class:`~sklearn_deep.engine.replay.GraphCache`: the same primitives, the same
        results), except with dropout while training, whose masks are drawn anew at every
        step: that graph is built each time.

        Parameters
        ----------
        X : ndarray or sparse matrix of shape (n_samples, n_features)
        Y : ndarray
            Targets as the loss takes them (class indices, indicator or real matrix).
        sample_weight : ndarray of shape (n_samples,), optional
        rng : numpy.random.RandomState, optional
            Draws the dropout masks; without it no dropout is applied.

        Returns
        -------
        loss : float
        weight : float
            The batch's weight in an epoch's mean: its size or its sum of sample weights.
        grads : list of ndarray
            Aligned with :attr:`params`.
        """
        weight = X.shape[0] if sample_weight is None else float(sample_weight.sum())
        scale = self.alpha / weight if self.alpha and weight > 0 else 0.0
        if self.dropout and rng is not None:  # new masks each step: build the graph anew
            tensors, grads = parameter_tensors(self.params)
            loss = self._objective(tensors, X, Y, sample_weight, scale, rng)
            loss.backward()  # into the views of grads
            return loss.item(), weight, grads
        self._graphs = graph_cache(self._graphs, self.params)
        # the same structure recurs at every step of a loop: replay the graph (the penalty's
        # scale, which sample weights change from batch to batch, is one of its inputs;
        # None without a penalty, which the cache tells apart)
        loss, grads = self._graphs.loss_and_grads(
            self._objective, [X, Y, sample_weight, scale if scale else None])
        return loss, weight, grads

    def _objective(self, tensors, X, Y, sample_weight, scale, rng=None):
        """The training objective's graph over the parameter tensors."""
        coefs, intercepts = tensors[:len(self.coefs)], tensors[len(self.coefs):]
        raw = dense_forward(X, coefs, intercepts, self.activations, self.dropout, rng)
        loss = self._loss(raw, Y, sample_weight=sample_weight)
        if scale:
            loss = loss + l2_penalty(*coefs, scale=scale)
        return loss
