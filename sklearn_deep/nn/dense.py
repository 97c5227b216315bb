"""Fully connected stacks: initialisation and forward pass.

Parameters use scikit-learn's MLP layout: ``coefs[i]`` of shape ``(fan_in, fan_out)`` and
``intercepts[i]`` of shape ``(fan_out,)``, so a layer is ``X @ W + b``. A layer feeding an
activation with ``width_factor`` k (maxout's pieces) has ``k × units`` outputs. Fresh
parameters are views of one flat buffer, weights then biases
(:mod:`sklearn_deep.engine.flat`), so that an optimizer steps on all of them at once.
"""

from ..engine import affine, dense, get_activation
from ..engine.flat import flat_views
from ..engine.init import sklearn_mlp_init

__all__ = ["dense_forward", "init_dense", "layer_activations"]


def layer_activations(activation, n_hidden, kind="hidden"):
    """One registered activation name per hidden layer.

    ``activation`` is a name (used for every hidden layer) or a sequence with one name per
    hidden layer. Raises ValueError for unknown names or a wrong length; ``kind`` names the
    layers in that message (an autoencoder's 'encoder' layers include its code layer).
    """
    names = [activation] * n_hidden if isinstance(activation, str) else list(activation)
    if len(names) != n_hidden:
        raise ValueError(f"activation lists {len(names)} activation(s) for {n_hidden} {kind} "
                         f"layer(s); give one name, or one per {kind} layer")
    for name in names:
        get_activation(name)  # raises a ValueError listing the valid names
    return names


def init_dense(layer_units, activations, rng, dtype):
    """Initial ``(coefs, intercepts)`` for layers of sizes ``layer_units``.

    Draws as scikit-learn's MLP does (:func:`~sklearn_deep.engine.init.sklearn_mlp_init`,
    layer by layer, weights then intercepts, from ``rng``), using for each layer the
    scale of the activation that follows it (the last hidden one for the output layer), so
    a network with one activation everywhere starts exactly where scikit-learn's would.
    The arrays returned are views of one flat buffer: ``coefs`` then ``intercepts``.
    """
    coefs, intercepts = [], []
    n_layers = len(layer_units) - 1
    for i in range(n_layers):
        name = activations[min(i, len(activations) - 1)] if activations else "identity"
        fan_out = layer_units[i + 1]
        if i < len(activations):
            fan_out *= get_activation(activations[i]).width_factor
        W, b = sklearn_mlp_init(layer_units[i], fan_out, rng, activation=name, dtype=dtype)
        coefs.append(W)
        intercepts.append(b)
    _, views = flat_views(coefs + intercepts, dtype)
    return views[:n_layers], views[n_layers:]


def dense_forward(X, coefs, intercepts, activations, dropout=0.0, rng=None):
    """Raw outputs (before any output non-linearity) of a fully connected stack.

    Parameters
    ----------
    X : ndarray, sparse matrix or Tensor of shape (n_samples, n_features)
    coefs, intercepts : lists of Tensor or ndarray
        One per layer; every layer but the last is followed by its activation.
    activations : list of str
        Registered activation names, one per hidden layer.
    dropout : float, default=0.0
        Rate of (inverted) dropout on hidden activations, applied only when ``rng`` is
        given (training); inference is deterministic and row-independent.
    rng : numpy.random.RandomState, optional
        Draws the dropout masks.

    Returns
    -------
    Tensor of shape (n_samples, n_outputs)
    """
    h = X
    last = len(coefs) - 1
    for i, (W, b) in enumerate(zip(coefs, intercepts)):
        if i == last:
            return affine(h, W, b)
        h = dense(h, W, b, activations[i])  # the affine map and the activation as one node
        if dropout and rng is not None:
            keep = rng.random_sample(h.shape) >= dropout
            h = h * (keep.astype(h.dtype) / (1.0 - dropout))
    return h
