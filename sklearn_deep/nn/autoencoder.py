"""A fully connected autoencoder over explicit parameters.

:class:`Autoencoder` holds the architecture and the training objective — no parameters and
no data: every method takes the parameter list, so that the training loop, the estimator
and the tests can all drive the same network. It imports nothing from scikit-learn.

Parameter layout (a flat list, the order the optimizers and L-BFGS see)::

    encoder weights (L)  encoder biases (L)  [decoder weights (L), untied only]  decoder biases (L)

with ``L`` encoder layers (hidden layers, then the code layer), weights of shape
``(fan_in, fan_out)`` (a layer is ``X @ W + b``), decoder layers code side first. With tied
weights the decoder's weights are the transposes of the encoder's, in reverse order.

The objective of a batch is the reconstruction loss (½·mean squared error for a linear
output, binary cross-entropy for a logistic one) plus the contractive or sparsity penalty
(:mod:`.penalties`) plus the L2 term ``0.5 · alpha · Σ‖W‖² / batch size``.
:class:`Corruption` is the denoising autoencoder's input corruption (Vincent et al., 2008).
"""

import copy

import numpy as np
from scipy.special import expit

from ..engine import (
    binary_cross_entropy_with_logits,
    get_activation,
    l2_penalty,
    no_grad,
    squared_error,
)
from ..engine.flat import flat_views, parameter_tensors
from ..engine.replay import graph_cache
from .dense import dense_forward, init_dense
from .penalties import (
    contractive_penalty,
    kl_sparsity_penalty,
    l1_activity_penalty,
    sampled_contractive_penalty,
)

__all__ = ["Autoencoder", "Corruption"]


class Autoencoder:
    """Encoder ``X → hidden layers → n_components`` and its mirrored decoder.

    Parameters
    ----------
    n_features, n_components : int
        Input width and code width.
    hidden_layer_sizes : sequence of int, default=()
        The encoder's hidden layers, input side first; the decoder mirrors them.
    activations : list of str, default=None
        One registered activation per encoder layer (the code layer last); the decoder's
        hidden layers mirror them. None means 'identity' everywhere.
    out_activation : {'identity', 'logistic'}, default='identity'
        The reconstruction's output activation (and loss: squared error or binary
        cross-entropy against targets in [0, 1]).
    tied : bool, default=False
        Decoder weights are the encoder's, transposed.
    alpha : float, default=0.0
        L2 penalty (each tied matrix counted once).
    contractive_weight : float, default=0.0
        λ of the contractive penalty (Rifai et al., 2011): closed form when
        :attr:`contractive_closed_form`, else the finite-difference estimate with
        perturbations of standard deviation ``contractive_sigma``.
    contractive_sigma : float, default=0.1
    sparsity : {None, 'kl', 'l1'}, default=None
    sparsity_target : float, default=0.05
    sparsity_weight : float, default=0.0
    """

    def __init__(self, n_features, n_components, hidden_layer_sizes=(), activations=None, *,
                 out_activation="identity", tied=False, alpha=0.0, contractive_weight=0.0,
                 contractive_sigma=0.1, sparsity=None, sparsity_target=0.05,
                 sparsity_weight=0.0):
        self.n_features, self.n_components = n_features, n_components
        self.hidden_layer_sizes = list(hidden_layer_sizes)
        n_layers = len(self.hidden_layer_sizes) + 1
        self.activations = (["identity"] * n_layers if activations is None
                            else list(activations))
        if len(self.activations) != n_layers:
            raise ValueError(f"{len(self.activations)} activation(s) for {n_layers} encoder "
                             "layer(s)")
        self.out_activation, self.tied, self.alpha = out_activation, tied, alpha
        self.contractive_weight, self.contractive_sigma = contractive_weight, contractive_sigma
        self.sparsity, self.sparsity_target = sparsity, sparsity_target
        self.sparsity_weight = sparsity_weight
        self._graphs = None  # the recorded training graphs (GraphCache), made when needed

    @property
    def linear(self):
        """Whether the whole network is linear (identity everywhere)."""
        return (all(a == "identity" for a in self.activations)
                and self.out_activation == "identity")

    @property
    def contractive_closed_form(self):
        """Whether the encoder's Jacobian norm has a closed form: a linear network, or one
        encoder layer whose activation has an elementwise derivative."""
        return self.linear or (len(self.activations) == 1
                               and get_activation(self.activations[0]).derivative is not None)

    # ------------------------------------------------------------------ parameters
    def init_params(self, rng, dtype):
        """Initial parameter list (encoder, then decoder, drawn as :func:`.init_dense`), as
        views of one flat buffer in that order."""
        units = [self.n_features, *self.hidden_layer_sizes, self.n_components]
        enc_W, enc_b = init_dense(units, self.activations, rng, dtype)
        dec_W, dec_b = init_dense(units[::-1], self.activations[:-1][::-1], rng, dtype)
        return flat_views(enc_W + enc_b + ([] if self.tied else dec_W) + dec_b, dtype)[1]

    def unpack(self, params):
        """Split the parameter list into ``(enc_W, enc_b, dec_W, dec_b)`` lists."""
        L = len(self.activations)
        enc_W, enc_b = params[:L], params[L:2 * L]
        if self.tied:
            return enc_W, enc_b, [W.T for W in reversed(enc_W)], params[2 * L:3 * L]
        return enc_W, enc_b, params[2 * L:3 * L], params[3 * L:4 * L]

    def affine_maps(self, params):
        """``((A_enc, a_enc), (A_dec, a_dec))``: the encoder and decoder of a linear network
        as single affine maps ``x ↦ x A + a`` (ndarrays)."""
        enc_W, enc_b, dec_W, dec_b = self.unpack(params)
        return _compose(enc_W, enc_b), _compose(dec_W, dec_b)

    def recoded(self, params, encode, decode):
        """The network whose code layer outputs ``k`` linear combinations of this one's
        codes, and its parameters: a code ``c = h @ encode`` (``encode`` of shape (K, k))
        is decoded as the old code ``c @ decode`` (``decode`` (k, K); ignored for a tied
        network, whose decoder stays its encoder transposed). For a linear code layer only
        (a linear map commutes with it). The output bias is shifted so that the network's
        constant term (the reconstruction of the mean) is kept. Returns ``(network,
        params)``; the arrays are new."""
        enc_W, enc_b, dec_W, dec_b = self.unpack(params)
        network = copy.copy(self)
        network.n_components = encode.shape[1]
        enc_W = [*enc_W[:-1], enc_W[-1] @ encode]
        enc_b = [*enc_b[:-1], enc_b[-1] @ encode]
        own_dec_W = [] if self.tied else [decode @ dec_W[0], *dec_W[1:]]
        new = [np.array(p) for p in enc_W + enc_b + own_dec_W + dec_b]
        new[-1] += self._constant_term(params) - network._constant_term(new)
        return network, new

    def _constant_term(self, params):
        """The reconstruction of a centred input of zero by a linear network."""
        (_, a_enc), (A_dec, a_dec) = self.affine_maps(params)
        return a_enc @ A_dec + a_dec

    # ------------------------------------------------------------------ forward
    def encode(self, X, enc_W, enc_b):
        """``(pre, code)``: the code layer's pre-activation and output Tensors."""
        pre = dense_forward(X, enc_W, enc_b, self.activations[:-1])
        return pre, get_activation(self.activations[-1]).function(pre)

    def decode(self, code, dec_W, dec_b):
        """Raw reconstruction Tensor (before the output activation)."""
        return dense_forward(code, dec_W, dec_b, self.activations[:-1][::-1])

    def codes(self, params, X):
        """The codes of ``X`` as an ndarray (no graph)."""
        with no_grad():
            enc_W, enc_b, _, _ = self.unpack(params)
            return self.encode(X, enc_W, enc_b)[1].data

    def reconstruction(self, params, Z):
        """The decoder's output for codes ``Z`` as an ndarray, output activation applied."""
        with no_grad():
            _, _, dec_W, dec_b = self.unpack(params)
            raw = self.decode(Z, dec_W, dec_b).data
        return expit(raw) if self.out_activation == "logistic" else raw

    # ------------------------------------------------------------------ objective
    def reconstruction_loss(self, raw, target):
        if self.out_activation == "logistic":
            return binary_cross_entropy_with_logits(raw, target)
        return squared_error(raw, target)

    def objective(self, params, X, target, rng=None, l2_rows=None):
        """The training objective of a batch as a 0-d Tensor of ``params``.

        Parameters
        ----------
        params : list of Tensor
            In the layout of :meth:`init_params`.
        X : ndarray of shape (n, n_features)
            The inputs (already corrupted, for a denoising autoencoder).
        target : ndarray of shape (n, n_features)
            The reconstruction targets.
        rng : numpy.random.RandomState, optional
            Draws the perturbations of the finite-difference contractive penalty (the only
            random term).
        l2_rows : int, optional
            The rows the L2 term is divided by, when ``X`` is one block of a larger batch
            (default: ``X``'s own rows).
        """
        n = X.shape[0] if l2_rows is None else l2_rows
        return self._objective(params, X, target, self._l2_scale(n), rng)

    def _l2_scale(self, n):
        return self.alpha / n if self.alpha and n > 0 else None

    def _objective(self, params, X, target, l2_scale, rng=None):
        """The objective's graph, with the L2 term's scale given (None: no term)."""
        enc_W, enc_b, dec_W, dec_b = self.unpack(params)
        pre, code = self.encode(X, enc_W, enc_b)
        loss = self.reconstruction_loss(self.decode(code, dec_W, dec_b), target)
        if self.contractive_weight:
            loss = loss + self.contractive_weight * self._contractive(X, pre, code, enc_W,
                                                                      enc_b, rng)
        if self.sparsity and self.sparsity_weight:
            penalty = (kl_sparsity_penalty(code, self.sparsity_target)
                       if self.sparsity == "kl" else l1_activity_penalty(code))
            loss = loss + self.sparsity_weight * penalty
        if l2_scale is not None:
            own = enc_W if self.tied else enc_W + dec_W
            loss = loss + l2_penalty(*own, scale=l2_scale)
        return loss

    def _contractive(self, X, pre, code, enc_W, enc_b, rng):
        if self.contractive_closed_form and len(enc_W) == 1:
            return contractive_penalty(pre, code, enc_W[0], self.activations[0])
        if self.contractive_closed_form:  # deep linear encoder: J = W1 W2 … Wl
            J = enc_W[0]
            for W in enc_W[1:]:
                J = J @ W
            return (J * J).sum()
        sigma = self.contractive_sigma
        noise = (sigma * rng.standard_normal(X.shape)).astype(X.dtype)
        return sampled_contractive_penalty(lambda Z: self.encode(Z, enc_W, enc_b)[1], X, code,
                                           noise, sigma)

    def loss_and_grads(self, params, X, target, rng=None, l2_rows=None):
        """``(loss, n, grads)`` of a batch: the training loop's contract for ``params``
        (ndarrays); ``l2_rows`` as in :meth:`objective`.

        The graph is built at the first call for a batch shape and replayed after
        (:class:`~sklearn_deep.engine.replay.GraphCache`: the same primitives, the same
        results), except with the finite-difference contractive penalty, whose
        perturbations are drawn while building: that graph is built each time."""
        scale = self._l2_scale(X.shape[0] if l2_rows is None else l2_rows)
        if self.contractive_weight and not self.contractive_closed_form:
            tensors, grads = parameter_tensors(params)
            loss = self._objective(tensors, X, target, scale, rng)
            loss.backward()  # into the views of grads
            return loss.item(), X.shape[0], grads
        self._graphs = graph_cache(self._graphs, params)
        loss, grads = self._graphs.loss_and_grads(self._objective, [X, target, scale])
        return loss, X.shape[0], grads

    def reconstruction_error(self, params, X, target):
        """The reconstruction loss of clean inputs, no penalty (a float; no graph)."""
        with no_grad():
            enc_W, enc_b, dec_W, dec_b = self.unpack(params)
            _, code = self.encode(X, enc_W, enc_b)
            return self.reconstruction_loss(self.decode(code, dec_W, dec_b), target).item()


class Corruption:
    """The denoising autoencoder's corruption of centred inputs (Vincent et al., 2008).

    Parameters
    ----------
    kind : {'gaussian', 'masking', 'salt_and_pepper'}
        Additive N(0, level²); each entry replaced by ``zero`` with probability ``level``;
        or each entry, with probability ``level``, replaced by ``low`` or ``high`` by a
        fair coin.
    level : float
    zero, low, high : ndarray of shape (n_features,), optional
        Per-feature replacement values in the centred units (the raw 0, minimum and
        maximum, each minus the mean), for 'masking' and 'salt_and_pepper'.
    """

    def __init__(self, kind, level, zero=None, low=None, high=None):
        self.kind, self.level = kind, level
        self.zero, self.low, self.high = zero, low, high

    def __call__(self, X, rng):
        """A corrupted copy of ``X`` (same dtype), drawn from ``rng``."""
        if self.kind == "gaussian":
            return X + (self.level * rng.standard_normal(X.shape)).astype(X.dtype)
        hit = rng.random_sample(X.shape) < self.level
        if self.kind == "masking":
            replacement = np.broadcast_to(self.zero, X.shape)
        else:
            high = rng.random_sample(X.shape) < 0.5
            replacement = np.where(high, self.high, self.low)
        return np.where(hit, replacement, X).astype(X.dtype, copy=False)


def _compose(coefs, intercepts):
    """The affine map ``x ↦ x A + a`` of a stack of linear layers (ndarrays)."""
    A, a = coefs[0], intercepts[0]
    for W, b in zip(coefs[1:], intercepts[1:]):
        A, a = A @ W, a @ W + b
    return np.asarray(A), np.asarray(a)
