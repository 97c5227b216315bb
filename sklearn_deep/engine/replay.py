"""Replay a recorded graph: the same operations on new inputs, no graph built again.

A training loop builds the same graph at every step: the same primitives in the same
order, on inputs of the same shapes (a minibatch of the data, the same parameters); it is
rebuilt only because the data changed. A :class:`Recording` keeps the operations of a
graph built once — each primitive, its options, where each of its inputs comes from — and
runs them again on new input arrays: the primitives' ``forward`` in the order they were
first called, then their ``backward`` in the order :meth:`Tensor.backward` calls them,
with the same :class:`~sklearn_deep.engine.function.Context` hints, so the same
arithmetic and the same results, without the tensors, contexts and heap that building and
walking a graph cost at each step. It is the idea of PyTorch's ``torch.jit.trace`` on
NumPy: a replay runs the recorded primitives themselves, so it runs any graph the engine
can build.

A recording stands for a graph of one structure. :class:`GraphCache` records a graph
again whenever the structure may differ: other input shapes or dtypes (a last, smaller
batch), an input that was None, or anything the caller's Python code decided while
building the graph, which the caller passes as the ``key`` (an option of its own, say).
Values that entered the graph other than as the declared inputs — a constant array, a
number computed before building — are replayed as recorded: a number computed from the
batch (a penalty's scale) must be one of the inputs, and a graph whose values depend on a
random draw at each step (dropout masks) must not be replayed. :func:`graph_cache` keeps
one cache per set of parameter arrays.

A run writes the gradients into the storage it is given (:class:`GraphCache` gives views
of one new flat buffer, in the parameters' layout): the first contribution to a
parameter's gradient is written there (by the primitive itself, with ``out=``, where it
can), later ones are added to it, so that the storage need not be zeroed.
"""

from collections import OrderedDict
from operator import is_, itemgetter

import numpy as np

from .flat import views_of
from .sparse import RowSparseGrad
from .tensor import Tensor, _add_grads, _topological_order

__all__ = ["GraphCache", "Recording", "graph_cache"]


class Recording:
    """The operations of a graph, to run again on new inputs.

    Parameters
    ----------
    root : Tensor
        A one-element result (a loss) of recorded operations.
    params : list of Tensor
        The leaves that receive gradients; every leaf of the graph that requires a gradient
        must be one. Their ``.data`` arrays are read at each run (update them in place).
    inputs : list
        What a run replaces (arrays, sparse matrices, numbers or None): an operation's
        input or option that *is* one of them (identity), or a tensor whose ``.data`` is
        one of them, is read from the run's inputs; anything else is replayed as
        recorded. A number must be an object made for the call (a float computed from the
        batch), not one that may also stand for a constant (a small integer).

    Raises
    ------
    ValueError
        If ``root`` is not a one-element result of recorded operations, the graph has a
        leaf requiring a gradient that is not among ``params``, or an input (not None)
        reaches no operation as it is: a value the graph was built from a copy or a
        conversion of it would be replayed as recorded, so the recording refuses it.
    """

    def __init__(self, root, params, inputs):
        if not isinstance(root, Tensor) or root._ctx is None or root.data.size != 1:
            raise ValueError("a recording needs a one-element result of recorded operations")
        n_params = len(params)
        slot_of = {id(p): i for i, p in enumerate(params)}
        input_slot = {id(a): n_params + i for i, a in enumerate(inputs) if a is not None}
        values = [p.data for p in params] + list(inputs)  # then constants and outputs

        def slot(x):
            if isinstance(x, Tensor):
                if id(x) in slot_of:
                    return slot_of[id(x)]
                if x._ctx is None and x.requires_grad:
                    raise ValueError("the graph has a leaf requiring a gradient that is not "
                                     "among the recording's params")
                x = x.data
            if id(x) in input_slot:
                return input_slot[id(x)]
            values.append(x)  # a constant, replayed as it is
            return len(values) - 1

        made = sorted((t for t in _topological_order(root) if t._ctx is not None),
                      key=lambda t: t._number)  # the order the operations were called in
        forward_plan, read = [], set()  # read: the slots some operation reads
        for t in made:
            ctx = t._ctx
            args = tuple(slot(x) for x in ctx.inputs)
            option_slots = tuple((name, input_slot[id(v)]) for name, v in ctx.options.items()
                                 if v is not None and id(v) in input_slot)
            read.update(args, (s for _, s in option_slots))
            values.append(t.data)
            slot_of[id(t)] = len(values) - 1
            # what a fresh context holds (not the first build's input tensors, which would
            # keep that build's arrays alive as long as the recording)
            structure = {"fn": ctx.fn, "options": ctx.options,
                         "needs_input_grad": ctx.needs_input_grad}
            forward_plan.append((ctx, ctx.fn.forward, args, ctx.options, option_slots,
                                 len(values) - 1, structure))
        unread = [i for i, a in enumerate(inputs)  # (an object given twice has one slot)
                  if a is not None and input_slot[id(a)] not in read]
        if unread:
            raise ValueError(f"input(s) {unread} reach no operation as they are (a copy or "
                             "a conversion of an input would be replayed as recorded); "
                             "pass what the operations use, or None")
        self._values, self._n_params, self._root = values, n_params, slot_of[id(root)]
        self._n_inputs = len(inputs)
        # slots refilled by every run: the inputs and the operations' outputs (emptied
        # after a backward, so that a recording does not keep a batch's arrays alive)
        self._run_slots = [n_params + i for i in range(len(inputs))] + [
            out for *_, out, _ in forward_plan]
        self._contexts = [(ctx, structure) for ctx, *_, structure in forward_plan]
        self._forward_done = True
        # backward in Tensor.backward's order, the latest made first; each operation is
        # offered the storage (Context.grad_into) of the parameters it is the first to
        # send a gradient to
        self._backward_plan, offered = [], set()
        for ctx, _, args, _, _, out, _ in reversed(forward_plan):
            grad_args = tuple((i, args[i]) for i, need in enumerate(ctx.needs_input_grad)
                              if need)  # (input position, slot) of inputs getting one
            offers = []  # (one parameter may be several inputs of one operation)
            for i, s in grad_args:
                if s < n_params and s not in offered:
                    offers.append((i, s))
                    offered.add(s)
            offers = tuple(offers)
            self._backward_plan.append((ctx, ctx.fn.backward, out, grad_args, offers,
                                        len(args), ctx.fn.fresh_grads))
        # what each run reads, as flat tuples (a step runs these loops, nothing else); an
        # operation's inputs are read with one call, into a list (a slice for one input)
        self._forward_plan = [(ctx, forward, _reader(args), *rest)
                              for ctx, forward, args, *rest in forward_plan]

    def forward(self, inputs):
        """Run the recorded primitives' ``forward`` on new inputs; return the root's value.

        Parameters
        ----------
        inputs : list
            Aligned with the recorded ``inputs``, of the same kinds, shapes and dtypes.

        Returns
        -------
        ndarray
            The root's new value.
        """
        if len(inputs) != self._n_inputs:
            raise ValueError(f"{len(inputs)} inputs given to a recording of "
                             f"{self._n_inputs}")
        values, start = self._values, self._n_params
        values[start:start + len(inputs)] = inputs
        self._forward_done = True
        ndarray = np.ndarray
        for ctx, forward, read, options, option_slots, out, structure in self._forward_plan:
            ctx.__dict__ = structure.copy()  # a fresh context, as apply gives
            if option_slots:
                options = options.copy()
                for name, s in option_slots:
                    options[name] = values[s]
            result = forward(ctx, *read(values), **options)
            values[out] = result if isinstance(result, ndarray) else np.asarray(result)
        return values[self._root]

    def backward(self, grads):
        """Write the gradients of the root's last value into ``grads``.

        The primitives' ``backward`` run in the order, and with the Context hints, of
        :meth:`Tensor.backward` on a graph not retained (each run's forward saves anew).

        Parameters
        ----------
        grads : list of ndarray
            One writable array per parameter, of its shape and dtype (what it holds is
            overwritten).

        Raises
        ------
        ValueError
            If no forward ran since the last backward (the primitives' last backward may
            overwrite what their forward saved).
        """
        if not self._forward_done:
            raise ValueError("a recording's backward needs a forward since the last one")
        self._forward_done = False
        values, n_params = self._values, self._n_params
        written = [False] * n_params
        pending = [None] * len(values)  # per slot: (gradient, whether no one else holds it)
        root = values[self._root]
        pending[self._root] = (np.ones(root.shape, root.dtype), True)
        for ctx, backward, out, grad_args, offers, n_args, fresh in self._backward_plan:
            if pending[out] is None:  # no gradient reached this operation
                continue
            g, owned = pending[out]
            pending[out] = None
            if isinstance(g, RowSparseGrad):
                g, owned = g.to_dense(), False
            into = None
            if offers:
                into = [None] * n_args
                for i, s in offers:
                    into[i] = grads[s]
            ctx.grad_owned, ctx.last_backward, ctx.grad_into = owned, True, into
            sent = backward(ctx, g)
            if not isinstance(sent, tuple):
                sent = (sent,)
            for i, s in grad_args:
                pg = sent[i]
                if pg is None:
                    continue
                if s < n_params:  # a parameter: into its storage
                    if isinstance(pg, RowSparseGrad):
                        pg = pg.to_dense()
                    if written[s]:
                        np.add(grads[s], pg, out=grads[s], casting="unsafe")
                    elif pg is not grads[s]:
                        np.copyto(grads[s], pg, casting="unsafe")
                    written[s] = True
                elif pending[s] is None:
                    pending[s] = (pg, fresh)
                else:
                    total = _add_grads(pending[s][0], pg)
                    pending[s] = (total, isinstance(total, np.ndarray))
        for s in range(n_params):
            if not written[s]:
                grads[s].fill(0)
        # let go of what this run saved and made
        for ctx, structure in self._contexts:
            ctx.__dict__ = structure
        for s in self._run_slots:
            values[s] = None


def _reader(slots):
    """A function of the values list giving the values at ``slots``, as a sequence."""
    if len(slots) == 1:  # itemgetter of one index would give the value itself
        return itemgetter(slice(slots[0], slots[0] + 1))
    return itemgetter(*slots) if slots else itemgetter(slice(0, 0))


def _signature(key, inputs):
    """What a recording's structure depends on: the key, each input's kind, shape and
    dtype (None for None; the kind alone for a Python number), and which inputs are the
    same object (a recording reads one slot for both)."""
    signature = [key]
    for a in inputs:
        if a is None or type(a) in (int, float, bool):
            signature.append(None if a is None else type(a))
        else:
            signature.append((type(a), getattr(a, "shape", None), getattr(a, "dtype", None)))
    ids = [id(a) for a in inputs if a is not None]
    if len(set(ids)) < len(ids):  # aliases: the first position of each input's object
        signature.append(tuple(next(j for j, b in enumerate(inputs) if b is a)
                               for a in inputs))
    return tuple(signature)


def graph_cache(cache, params):
    """``cache`` if it is a :class:`GraphCache` over the arrays ``params`` (the same
    objects, in order), else a new one over them: a network whose parameter arrays were
    replaced (a new fit, a warm start that copies) records anew."""
    if (cache is None or len(cache.params) != len(params)
            or not all(map(is_, cache.params, params))):
        return GraphCache(params)
    return cache


class GraphCache:
    """Builds a loss graph once per structure, and replays it after that.

    Parameters
    ----------
    params : list of ndarray
        The parameters (kept, not copied; update them in place): the leaves of the graphs,
        which receive gradients.
    size : int, default=4
        How many recordings are kept (the least recently used is dropped first): a loop
        over minibatches needs one per batch shape.

    Examples
    --------
    A least-squares fit's gradient, recorded at the first call and replayed after:

    >>> import numpy as np
    >>> from sklearn_deep.engine import affine, squared_error
    >>> from sklearn_deep.engine.replay import GraphCache
    >>> W, b = np.zeros((2, 1)), np.zeros(1)
    >>> cache = GraphCache([W, b])
    >>> def build(params, X, y):
    ...     return squared_error(affine(X, *params), y)
    >>> X, y = np.array([[1.0, 0.0], [0.0, 2.0]]), np.array([[1.0], [2.0]])
    >>> loss, (gW, gb) = cache.loss_and_grads(build, [X, y])  # built and recorded
    >>> loss, gW.ravel(), gb
    (1.25, array([-0.5, -2. ]), array([-1.5]))
    >>> loss, (gW, gb) = cache.loss_and_grads(build, [2 * X, y])  # replayed
    >>> loss, gW.ravel(), gb
    (1.25, array([-1., -4.]), array([-1.5]))
    """

    def __init__(self, params, size=4):
        self.params = list(params)
        self.size = size
        self._dtype = np.result_type(*self.params)
        self._total = sum(p.size for p in self.params)
        self._shapes = [p.shape for p in self.params]
        self._recordings = OrderedDict()

    def loss_and_grads(self, build, inputs, key=()):
        """The value of the graph ``build`` makes on ``inputs``, and its gradients.

        Parameters
        ----------
        build : callable
            ``build(params, *inputs)`` builds the graph from the parameters (tensors
            requiring gradients, in the order of ``params``) and the inputs, and returns
            its one-element result. It is called only when no recording fits.
        inputs : list
            What changes from run to run (a minibatch): arrays, sparse matrices, None, or
            numbers made for the call, which a replay passes where the recorded ones were
            (see :class:`Recording`).
        key : hashable, default=()
            Everything else ``build`` decides on and bakes into the graph (numbers computed
            from the inputs, options): a recording is replayed only for the same key and
            inputs of the same kinds, shapes and dtypes.

        Returns
        -------
        value : float
        grads : TiledViews
            The gradients, aligned with ``params``: new views of one new flat buffer
            (optimizers step on the whole buffer at once).
        """
        signature = _signature(key, inputs)
        recording = self._recordings.get(signature)
        if recording is None:
            tensors = [Tensor(p, requires_grad=True) for p in self.params]
            root = build(tensors, *inputs)
            recording = Recording(root, tensors, inputs)
            self._recordings[signature] = recording
            if len(self._recordings) > self.size:
                self._recordings.popitem(last=False)
            value = root.data
        else:
            self._recordings.move_to_end(signature)
            value = recording.forward(inputs)
        grads = views_of(np.empty(self._total, self._dtype), self._shapes)
        recording.backward(grads)
        return value.item(), grads
