"""The ``Function`` base class: one primitive = one class with forward and backward.

A primitive works on plain ndarrays. ``forward(ctx, *arrays, **options)`` computes the
output and stores in ``ctx`` whatever ``backward`` will need; ``backward(ctx, grad)``
receives the gradient of the final scalar with respect to the output and returns one
gradient per positional input (an ndarray of that input's shape, a
:class:`~sklearn_deep.engine.sparse.RowSparseGrad`, or ``None`` where no gradient is needed).

``Function.apply`` wraps this for tensors: it unwraps the inputs, runs ``forward`` and, only
when gradients are enabled and some input requires one, records the ``ctx`` on the output
so that :meth:`Tensor.backward` can find it. Nothing is recorded otherwise, so inference
builds no graph. The context stores arrays, tensors and the Function *class*, never a
closure, so graphs pickle.
"""

import numpy as np

from .tensor import Tensor, is_grad_enabled

__all__ = ["Context", "Function", "unbroadcast"]


class Context:
    """Per-call storage shared by a primitive's forward and backward.

    Attributes set by :meth:`Function.apply`: ``fn`` (the Function class), ``inputs`` (the
    positional inputs, tensors or constants), ``options`` (the keyword options given to
    ``forward``, so that a :class:`~sklearn_deep.engine.replay.Recording` can call it
    again) and ``needs_input_grad`` (one bool per input). Forward may set any other
    attribute; they are dropped after backward unless the graph is retained.

    Set by :meth:`Tensor.backward` before each call of ``backward``, so that a primitive
    can spare allocations (a primitive may ignore them all):

    - ``grad_owned``: no one else holds the gradient received (it may be overwritten and
      returned as an input's gradient);
    - ``last_backward``: the graph is not retained, so this is the last backward through
      this context (what forward saved may be overwritten);
    - ``grad_into``: None, or one entry per input: the gradient storage of a leaf input
      that still holds zeros only, or None. A backward may write that input's gradient
      into it (``out=``) and return that very array, which is then not added again.
    """

    released = False  # True once release() dropped what forward saved

    def release(self):
        """Drop what forward saved, keeping only the graph structure."""
        d = self.__dict__
        self.__dict__ = {"fn": d["fn"], "inputs": d["inputs"],
                         "needs_input_grad": d["needs_input_grad"], "released": True}


class Function:
    """Base class of every primitive; see the module docstring for the contract.

    A subclass whose backward returns, for each input, an array of its own (not the
    gradient it received, not a view, not what forward saved, not an array returned for
    another input) sets ``fresh_grads = True``: the engine then lets the primitive that
    receives such a gradient overwrite it (``Context.grad_owned``).
    """

    fresh_grads = False

    @staticmethod
    def forward(ctx, *arrays, **options):  # pragma: no cover - interface
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):  # pragma: no cover - interface
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs, **options):
        """Run the primitive on tensors (or constants) and return the output tensor.

        Positional inputs that are not :class:`Tensor` are passed to ``forward`` as they are
        (Python scalars stay weakly typed, so ``float32 * 2.0`` stays float32) and receive
        no gradient. Keyword options are never differentiated.
        """
        arrays, needs = [], []
        for x in inputs:  # one pass: the arrays, and which inputs need a gradient
            if isinstance(x, Tensor):
                arrays.append(x.data)
                needs.append(x.requires_grad)
            else:
                arrays.append(x)
                needs.append(False)
        ctx = Context()
        out = cls.forward(ctx, *arrays, **options)
        if is_grad_enabled():
            needs = tuple(needs)
            if True in needs:
                ctx.fn = cls
                ctx.inputs = inputs
                ctx.options = options
                ctx.needs_input_grad = needs
                return Tensor._from_op(out, ctx)
        return Tensor._from_op(out, None)


def unbroadcast(grad, shape):
    """Sum ``grad`` down to ``shape``, undoing NumPy broadcasting.

    Broadcasting copies an operand along new leading axes and along axes of length 1; the
    gradient of a copy is the sum of the gradients of its copies (CS231n's "copy adds").
    """
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, n in enumerate(shape) if n == 1 and grad.shape[i + lead] != 1
    )
    out = grad.sum(axis=axes, keepdims=True) if axes else grad
    if lead:
        out = out.reshape(out.shape[lead:])
    return np.reshape(out, shape)
