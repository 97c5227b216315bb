"""Activation functions and their registry — the one place to add an activation.

Each activation is a primitive (forward and backward side by side) or a composition of
primitives, plus one :class:`ActivationSpec` line in :data:`ACTIVATIONS`. The estimators'
``activation`` options, the initialisation gains, the contractive penalty's closed form (which
needs the derivative) and the gradient-check tests all read that registry, so adding an
activation means: write it here, register it (with its derivative when it has an elementwise
closed form), add it to the gradient-check table, and give it an ONNX graph in
:data:`sklearn_deep.onnx.ONNX_ACTIVATIONS` (a test fails until you do each).
"""

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.special import expit

from ..function import Function
from ..tensor import Tensor
from .basic import _CONSTANT_MAX_SIZE, Max, Reshape, Where, constant

__all__ = [
    "ACTIVATIONS", "ELU", "ELU_ALPHA", "LEAKY_RELU_SLOPE", "ActivationSpec", "LeakyReLU",
    "Logistic", "ReLU", "Softplus", "Tanh", "elu", "get_activation", "identity", "leaky_relu",
    "logistic", "maxout", "register_activation", "relu", "softplus", "tanh",
]

# The registered activations' constants, public so that exporters (sklearn_deep.onnx)
# read the engine's values.
LEAKY_RELU_SLOPE = 0.01  # leaky_relu's slope for negative inputs
ELU_ALPHA = 1.0  # elu's saturation value is −α


class Logistic(Function):
    """σ(a) = 1 / (1 + e^(−a)); local gradient σ(1 − σ) (CS231n's sigmoid gate)."""

    accepts_out = True  # forward may write into a given array (see Dense)

    @staticmethod
    def forward(ctx, a, out=None):
        ctx.out = expit(a, out=out)
        return ctx.out

    @staticmethod
    def backward(ctx, grad):
        s = ctx.out
        if getattr(ctx, "grad_owned", False):  # the same operations, in place
            np.multiply(grad, s, out=grad)
            return np.multiply(grad, 1 - s, out=grad)
        return grad * s * (1 - s)


class Tanh(Function):
    accepts_out = True

    @staticmethod
    def forward(ctx, a, out=None):
        ctx.out = np.tanh(a, out=out)
        return ctx.out

    @staticmethod
    def backward(ctx, grad):
        if getattr(ctx, "grad_owned", False):
            return np.multiply(grad, 1 - ctx.out * ctx.out, out=grad)
        return grad * (1 - ctx.out * ctx.out)


class ReLU(Function):
    """max(0, a); the gradient is routed where a > 0 (the Jacobian is diagonal, never
    formed).

    The zero is an array of zeros of the input's shape (when small): NumPy's
    vectorised loop for two arrays then runs (5 against 10 µs for 200×100 float64, 18
    against 51 µs for 256×512 float32, measured), with the same results, NaN and signed
    zeros included (the same ``maximum`` of the same pairs).
    """

    accepts_out = True

    @staticmethod
    def forward(ctx, a, out=None):
        ctx.active = a > 0
        kept = isinstance(a, np.ndarray) and 0 < a.size <= _CONSTANT_MAX_SIZE
        floor = constant("zeros", a.shape, a.dtype) if kept else 0
        return np.maximum(a, floor, out=out)

    @staticmethod
    def backward(ctx, grad):
        if getattr(ctx, "grad_owned", False):
            return np.multiply(grad, ctx.active, out=grad)
        return grad * ctx.active


class LeakyReLU(Function):
    @staticmethod
    def forward(ctx, a, negative_slope=LEAKY_RELU_SLOPE):
        ctx.active, ctx.slope = a > 0, negative_slope
        return np.where(ctx.active, a, a * negative_slope)

    @staticmethod
    def backward(ctx, grad):
        return np.where(ctx.active, grad, grad * ctx.slope)


class ELU(Function):
    """a for a > 0, α(e^a − 1) otherwise (Clevert et al., 2016)."""

    @staticmethod
    def forward(ctx, a, alpha=ELU_ALPHA):
        ctx.active, ctx.alpha = a > 0, alpha
        ctx.out = np.where(ctx.active, a, alpha * np.expm1(np.minimum(a, 0)))
        return ctx.out

    @staticmethod
    def backward(ctx, grad):
        return np.where(ctx.active, grad, grad * (ctx.out + ctx.alpha))


class Softplus(Function):
    """log(1 + e^a), computed as ``logaddexp(0, a)``; its derivative is σ(a)."""

    @staticmethod
    def forward(ctx, a):
        ctx.a = a
        return np.logaddexp(0, a).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        return grad * expit(ctx.a)


# ------------------------------------------------------------------ functional forms
def identity(x):
    """f(x) = x."""
    return x if isinstance(x, Tensor) else Tensor(x)


def logistic(x):
    return Logistic.apply(x)


def tanh(x):
    return Tanh.apply(x)


def relu(x):
    return ReLU.apply(x)


def leaky_relu(x, negative_slope=LEAKY_RELU_SLOPE):
    return LeakyReLU.apply(x, negative_slope=negative_slope)


def elu(x, alpha=ELU_ALPHA):
    return ELU.apply(x, alpha=alpha)


def softplus(x):
    return Softplus.apply(x)


def maxout(x, pieces=2):
    """Maxout (Goodfellow et al., 2013): the maximum of ``pieces`` linear pieces.

    The last axis of ``x`` holds ``units × pieces`` values, grouped by unit; the output has
    ``units`` values on that axis. A layer feeding maxout therefore has ``pieces`` times as
    many outputs (see ``ActivationSpec.width_factor``).
    """
    shape = x.shape
    if shape[-1] % pieces:
        raise ValueError(f"maxout with {pieces} pieces needs a last axis divisible by "
                         f"{pieces}, got {shape[-1]}")
    grouped = Reshape.apply(x, shape=(*shape[:-1], shape[-1] // pieces, pieces))
    return Max.apply(grouped, axis=-1)


# ------------------------------------------------------------------ registry
@dataclass(frozen=True)
class ActivationSpec:
    """What the rest of the package needs to know about an activation.

    Attributes
    ----------
    name : str
        Registered name, as estimators accept it.
    function : callable
        Tensor → Tensor functional form.
    gain : float
        Recommended initialisation gain (multiplies the Glorot/He scale), as in the usual
        convention: 1 for linear and sigmoid, 5/3 for tanh, √2 for rectifiers.
    sklearn_init_factor : float
        Reproduces scikit-learn's MLP initialisation, whose uniform bound is
        √(factor / (fan_in + fan_out)) with factor 6, and 2 for the logistic activation.
    output_range : tuple of float
        Interval the outputs lie in (used by estimators that need e.g. values in (0, 1)).
    width_factor : int
        How many pre-activation values each output unit consumes (maxout's pieces).
    description : str
        One line for documentation.
    primitive : Function subclass or None
        The one-input primitive computing ``s`` (default keyword options), which a dense
        layer fuses with its affine map (:class:`~sklearn_deep.engine.ops.linalg.Dense`);
        None for the identity and for compositions (maxout).
    derivative : callable or None
        ``s′`` elementwise, as ``derivative(a, h)`` of the pre-activation Tensor ``a`` and
        the output Tensor ``h = s(a)``: a Tensor where ``s′`` varies smoothly (so that
        backpropagating through it gives the ``s″`` terms), a constant ndarray where it is
        piecewise constant. None where there is no elementwise form (maxout). Used by the
        closed-form contractive penalty (Rifai et al., 2011).
    """

    name: str
    function: object = field(repr=False)
    gain: float = 1.0
    sklearn_init_factor: float = 6.0
    output_range: tuple = (-math.inf, math.inf)
    width_factor: int = 1
    description: str = ""
    primitive: object = field(default=None, repr=False)
    derivative: object = field(default=None, repr=False)


ACTIVATIONS = {}


def register_activation(spec):
    """Add an :class:`ActivationSpec` to :data:`ACTIVATIONS` (its name must be new)."""
    if spec.name in ACTIVATIONS:
        raise ValueError(f"activation {spec.name!r} is already registered")
    ACTIVATIONS[spec.name] = spec
    return spec


def get_activation(name):
    """The :class:`ActivationSpec` registered as ``name``; ValueError listing valid names."""
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown activation {name!r}; expected one of "
                         f"{sorted(ACTIVATIONS)}") from None


def _ones(a, h):
    return np.ones(a.shape, dtype=a.dtype)


def _step(a, h):
    return (a.data > 0).astype(a.dtype)


def _leaky_step(a, h):
    return np.where(a.data > 0, 1.0, LEAKY_RELU_SLOPE).astype(a.dtype)


def _elu_derivative(a, h):  # h + α for a ≤ 0
    return Where.apply(np.ones(a.shape, dtype=a.dtype), h + ELU_ALPHA, condition=a.data > 0)


_RECTIFIER = math.sqrt(2.0)
for _spec in (
    ActivationSpec("identity", identity, description="f(x) = x (no non-linearity)",
                   derivative=_ones),
    ActivationSpec("logistic", logistic, sklearn_init_factor=2.0,
                   output_range=(0.0, 1.0),
                   description="sigmoid 1 / (1 + exp(-x))", primitive=Logistic,
                   derivative=lambda a, h: h * (1.0 - h)),
    ActivationSpec("tanh", tanh, gain=5.0 / 3.0, output_range=(-1.0, 1.0),
                   description="hyperbolic tangent", primitive=Tanh,
                   derivative=lambda a, h: 1.0 - h * h),
    ActivationSpec("relu", relu, gain=_RECTIFIER, output_range=(0.0, math.inf),
                   description="max(0, x)", primitive=ReLU, derivative=_step),
    ActivationSpec("leaky_relu", leaky_relu, gain=math.sqrt(2.0 / (1 + LEAKY_RELU_SLOPE**2)),
                   description=f"x if x > 0 else {LEAKY_RELU_SLOPE} x", primitive=LeakyReLU,
                   derivative=_leaky_step),
    ActivationSpec("elu", elu, gain=_RECTIFIER, output_range=(-1.0, math.inf),
                   description="x if x > 0 else exp(x) - 1", primitive=ELU,
                   derivative=_elu_derivative),
    ActivationSpec("softplus", softplus, gain=_RECTIFIER, output_range=(0.0, math.inf),
                   description="log(1 + exp(x)), a smooth ReLU", primitive=Softplus,
                   derivative=lambda a, h: logistic(a)),
    ActivationSpec("maxout", maxout, width_factor=2,
                   description="max of 2 linear pieces per unit (Goodfellow et al., 2013)"),
):
    register_activation(_spec)
