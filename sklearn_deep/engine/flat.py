"""Parameters and gradients stored as views of one flat buffer.

A network's weights and biases can live in one contiguous 1-D array, each parameter a
reshaped slice of it, in the order of the parameter list; so can their gradients. Then
anything elementwise done to every parameter — an optimizer's step, a copy — is a handful of
NumPy calls on one array, whatever the number of layers (the idea behind PyTorch's
flattened, fused optimizers). :func:`flat_views` builds such a layout, :func:`parameter_tensors`
gives the engine's leaves gradient storage laid out alike, and :func:`shared_buffer`
recognises a layout, so that code given plain arrays keeps working and code given views of
a buffer can use it.

Nothing requires the layout: a list of independent arrays (a model unpickled, weights set
by hand) is handled parameter by parameter, with the same results.
"""

import math
from operator import is_

import numpy as np

from .tensor import Tensor

__all__ = ["TiledViews", "flat_views", "parameter_tensors", "shared_buffer", "views_of"]


class TiledViews(list):
    """A list of views that tile one flat buffer, in order (what :func:`views_of` returns).

    It remembers the buffer and the views it was made with, so :func:`shared_buffer`
    recognises the layout with identity checks alone; a list changed since (an entry
    replaced) is examined like any other.

    Attributes
    ----------
    buffer : ndarray of shape (total size,)
    """

    def __init__(self, buffer, views):
        super().__init__(views)
        self.buffer = buffer
        self._views = tuple(views)

    def __reduce__(self):  # pickles as a plain list: views do not survive pickling
        return list, (list(self),)

    def __copy__(self):
        return list(self)


def views_of(buffer, shapes):
    """Consecutive views of the 1-D ``buffer`` with the given shapes, as a
    :class:`TiledViews`; the shapes must together hold exactly ``buffer.size`` values."""
    views, start = [], 0
    for shape in shapes:
        size = math.prod(shape)
        views.append(buffer[start:start + size].reshape(shape))
        start += size
    if start != buffer.size:
        raise ValueError(f"shapes holding {start} values for a buffer of {buffer.size}")
    return TiledViews(buffer, views)


def flat_views(arrays, dtype=None):
    """Copy ``arrays`` into one new flat buffer; return ``(buffer, views)``.

    Parameters
    ----------
    arrays : list of ndarray
        Any shapes; copied in order.
    dtype : numpy dtype, optional
        The buffer's dtype (default: the arrays' common dtype).

    Returns
    -------
    buffer : ndarray of shape (total size,)
    views : TiledViews
        ``views[i]`` has the shape of ``arrays[i]`` and is a view of ``buffer``.
    """
    dtype = np.result_type(*arrays) if dtype is None else np.dtype(dtype)
    buffer = np.empty(sum(a.size for a in arrays), dtype=dtype)
    views = views_of(buffer, [a.shape for a in arrays])
    for view, array in zip(views, arrays):
        view[...] = array
    return buffer, views


def shared_buffer(arrays):
    """The flat buffer that ``arrays`` tile exactly, in order, or None.

    ``arrays`` tile a buffer when each is a C-contiguous view of the same 1-D, contiguous,
    writable array, each starting where the previous one ends, the first at its start and
    the last at its end — the layout :func:`views_of` makes. Anything else (None entries,
    sparse gradients, independent arrays, a gap, another order) gives None. An unchanged
    :class:`TiledViews` is recognised at once; other lists by their arrays' addresses.

    Parameters
    ----------
    arrays : list

    Returns
    -------
    ndarray of shape (total size,) or None
    """
    if isinstance(arrays, TiledViews) and len(arrays) == len(arrays._views) and all(
            map(is_, arrays, arrays._views)):
        return arrays.buffer
    if not arrays or not isinstance(arrays[0], np.ndarray):
        return None
    base = arrays[0].base
    if not (isinstance(base, np.ndarray) and base.ndim == 1 and base.flags.c_contiguous
            and base.flags.writeable):
        return None
    address = base.__array_interface__["data"][0]
    step = base.itemsize
    for a in arrays:
        if (not isinstance(a, np.ndarray) or a.base is not base or a.dtype != base.dtype
                or not a.flags.c_contiguous or a.__array_interface__["data"][0] != address):
            return None
        address += a.size * step
    if address != base.__array_interface__["data"][0] + base.size * step:
        return None
    return base


def parameter_tensors(params):
    """Leaf tensors requiring a gradient over ``params`` (ndarrays, kept, not copied), and
    their gradients' storage: views of one new, zeroed flat buffer.

    Each tensor's ``.grad`` starts as its view, which backward accumulates into in place
    (:meth:`~sklearn_deep.engine.Tensor.backward`), the first contribution written there
    directly by primitives that can (no temporary, no addition to zeros): after
    ``backward()`` the views hold the gradients, and an optimizer whose parameters tile a
    buffer too steps on both in one go.

    Parameters
    ----------
    params : list of ndarray
        Floating-point arrays (the buffer has their common dtype).

    Returns
    -------
    tensors : list of Tensor
    grads : TiledViews
        The gradient views, aligned with ``params``.
    """
    tensors = [Tensor(p, requires_grad=True) for p in params]
    buffer = np.zeros(sum(p.size for p in params), np.result_type(*params))
    grads = views_of(buffer, [p.shape for p in params])
    for tensor, grad in zip(tensors, grads):
        tensor.grad = tensor._zeroed_grad = grad
    return tensors, grads
