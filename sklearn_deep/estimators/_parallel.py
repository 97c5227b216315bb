"""Data-parallel training steps in forked worker processes, deterministic.

Each minibatch is cut into ``n_workers`` consecutive parts; every worker computes the
gradient of one part from the same parameters, which live in shared memory for the
duration of training, and then applies the optimizer's own step (its gradient
transformations included) to its share of every table's rows, once per part in a fixed
order. So the result depends on the data, the seed and ``n_workers`` only, never on
timing (unlike gensim's lock-free worker threads), and equals one process's up to float32
rounding. While the workers compute, the parent prepares the next batch. Processes, not
threads: NumPy's small operations hold the GIL, and two threads stepping word2vec ran
slower than one (measured).

:func:`parallel_training` wraps a learning problem and its optimizer for the training
loop: the wrapped problem's ``loss_and_grads`` has the workers compute the gradients
(which stay in shared memory), the wrapped optimizer's ``step`` has them apply the step.

Workers are forked (Linux and the other POSIX systems except macOS), so they inherit the
problem and the optimizer without pickling them; elsewhere :func:`fork_available` says so
and the caller trains in one process. A worker exits when its parent does, however the
parent ends.
"""

import mmap
import multiprocessing
import os
import sys
import traceback
import warnings
from contextlib import contextmanager

import numpy as np

from ..engine import RowSparseGrad

__all__ = ["WorkerPool", "fork_available", "parallel_training", "shared_array", "usable_cores",
           "usable_workers"]


def fork_available():
    """Whether worker processes can be forked here: POSIX systems but macOS, whose system
    libraries (Accelerate, for NumPy's BLAS) are not safe to use after a fork."""
    return sys.platform != "darwin" and "fork" in multiprocessing.get_all_start_methods()


def usable_cores():
    """The cores this process may run on (its CPU affinity where the system says, else
    every core)."""
    if hasattr(os, "sched_getaffinity"):
        return max(len(os.sched_getaffinity(0)), 1)
    return os.cpu_count() or 1


def usable_workers(n_workers):
    """``n_workers``, or 1 with a warning where processes cannot be forked; None: one per
    usable core where processes can be forked, else 1 (silently)."""
    if n_workers is None:
        return usable_cores() if fork_available() else 1
    if n_workers > 1 and not fork_available():
        warnings.warn("workers > 1 needs the 'fork' start method, which this platform "
                      "lacks; training in one process.", UserWarning, stacklevel=5)
        return 1
    return n_workers


def shared_array(shape, dtype, fill=None):
    """A zeroed (or ``fill``-copied) array in anonymous shared memory: forked children
    see the parent's later writes and the parent theirs."""
    dtype = np.dtype(dtype)
    nbytes = max(int(np.prod(shape)) * dtype.itemsize, 1)
    buffer = mmap.mmap(-1, nbytes)
    array = np.frombuffer(buffer, dtype=dtype, count=int(np.prod(shape))).reshape(shape)
    if fill is not None:
        array[...] = fill
    return array


class WorkerPool:
    """Forked processes that compute parts of each minibatch's gradient, then apply the
    optimizer's step, each to its own share of every parameter's rows.

    Worker ``k`` owns the rows ``r`` with ``r % n_workers == k`` (frequent words, low ids,
    are spread evenly, where contiguous ranges gave one worker most of the work).

    Parameters
    ----------
    compute : callable
        ``compute(part) -> (loss_sum, n_examples, grads)``: a part is a dict of arrays;
        ``grads`` has one entry per parameter, None or a :class:`RowSparseGrad` or a dense
        array.
    optimizer : Optimizer
        Built on the parameters, which are in shared memory (:func:`shared_array`); each
        worker steps its forked copy, with the parent's learning rate and transform state.
    part_arrays : dict of str to (shape, dtype)
        The arrays of a part with their largest shapes.
    n_workers : int
        Worker processes.
    gradient_rows : list of int, optional
        Per parameter, the most entries an uncoalesced row-sparse gradient of one part
        may have to be handed over as it is (repeated rows and all, which plain SGD
        adds in place); a larger one is coalesced first (at most one entry per row).
    """

    def __init__(self, compute, optimizer, part_arrays, n_workers, gradient_rows=None):
        self.compute = compute
        self.optimizer = optimizer
        self.n_workers = n_workers
        params = optimizer.params
        self._inputs = [{name: shared_array(shape, dtype) for name, (shape, dtype) in
                         part_arrays.items()} for _ in range(n_workers)]
        rows = [max(p.shape[0], extra) for p, extra in
                zip(params, gradient_rows or [0] * len(params), strict=True)]
        self._outputs = [[(shared_array((n,), np.intp), shared_array((n, *p.shape[1:]), p.dtype))
                          for p, n in zip(params, rows, strict=True)]
                         for _ in range(n_workers)]
        context = multiprocessing.get_context("fork")
        self._connections, self._processes = [], []
        parent = os.getpid()
        try:
            for k in range(n_workers):
                here, there = context.Pipe()
                process = context.Process(target=self._serve, args=(there, here, k, parent),
                                          daemon=True, name=f"sklearn_deep-worker-{k + 1}")
                self._processes.append(process)
                with warnings.catch_warnings():
                    # Python 3.12+ warns that forking a process with threads (OpenBLAS's
                    # idle pool) may deadlock a child that takes their locks; the workers
                    # only run NumPy with BLAS pinned to one thread (threadpoolctl).
                    warnings.filterwarnings("ignore", message=".*fork.*",
                                            category=DeprecationWarning)
                    process.start()
                there.close()
                self._connections.append(here)
        except BaseException:
            self.close()
            raise

    # ------------------------------------------------------------- in a worker
    def _serve(self, connection, parent_end, k, parent):
        # Close the parent's ends of the pipes inherited by the fork, so that the parent's
        # death ends recv() with EOFError; also check for it while idle (a parent killed
        # without running its cleanup must not leave workers behind).
        parent_end.close()
        for other in self._connections:
            other.close()
        while True:
            try:
                while not connection.poll(1.0):
                    if os.getppid() != parent:
                        return
                message = connection.recv()
            except (EOFError, OSError, KeyboardInterrupt):
                return
            if message is None:
                return
            try:
                if message[0] == "gradient":
                    connection.send(("ok", *self._gradient(k, message[1])))
                else:
                    self._step(k, *message[1:])
                    connection.send(("ok",))
            except BaseException:  # reported to the parent, which raises
                connection.send(("error", traceback.format_exc()))

    def _gradient(self, k, lengths):
        part = {name: array[:lengths[name]] for name, array in self._inputs[k].items()}
        loss, n, grads = self.compute(part)
        sizes = []
        for grad, (out_rows, out_values) in zip(grads, self._outputs[k], strict=True):
            if grad is None:
                sizes.append((0, True))
                continue
            if isinstance(grad, RowSparseGrad):
                if grad.indices.shape[0] > out_rows.shape[0]:
                    grad = grad.coalesce()  # at most one entry per row of the table
                rows, values = grad.indices, grad.values
            else:  # a dense gradient: every row
                grad = RowSparseGrad.from_dense(grad, np.arange(grad.shape[0]))
                rows, values = grad.indices, grad.dense
            out_rows[:rows.shape[0]] = rows
            out_values[:rows.shape[0]] = values
            sizes.append((rows.shape[0], grad.coalesced))
        return float(loss), int(n), sizes

    def _step(self, k, learning_rate, sizes, transform_state):
        optimizer = self.optimizer
        optimizer.schedule.learning_rate = learning_rate
        if optimizer.transform is not None:
            optimizer.transform.set_step_state(transform_state)
        for w in range(self.n_workers):  # always in this order
            grads = []
            for param, (rows, values), (size, coalesced) in zip(
                    optimizer.params, self._outputs[w], sizes[w], strict=True):
                rows = rows[:size]
                take = np.flatnonzero(rows % self.n_workers == k)
                grads.append(RowSparseGrad(rows[take], values[take], param.shape,
                                           coalesced=coalesced) if take.shape[0] else None)
            optimizer.step(grads)

    # ------------------------------------------------------------ in the parent
    def _ask(self, messages):
        for connection, message in zip(self._connections, messages, strict=True):
            connection.send(message)

    def _answers(self):
        replies = [connection.recv() for connection in self._connections]
        for reply in replies:
            if reply[0] == "error":
                raise RuntimeError(f"a training worker process failed:\n{reply[1]}")
        return replies

    def gradients(self, parts, meanwhile=None):
        """Have the workers compute the gradients of ``parts`` (one dict of arrays per
        worker), running ``meanwhile()`` here in the meantime. Returns the loss sum, the
        number of examples and the gradients' sizes (kept by the workers for
        :meth:`step`)."""
        messages = []
        for inputs, part in zip(self._inputs, parts, strict=True):
            lengths = {name: array.shape[0] for name, array in part.items()}
            for name, array in part.items():
                inputs[name][:lengths[name]] = array
            messages.append(("gradient", lengths))
        self._ask(messages)
        if meanwhile is not None:
            meanwhile()
        replies = self._answers()
        loss = sum(reply[1] for reply in replies)
        n = sum(reply[2] for reply in replies)
        return loss, n, [reply[3] for reply in replies]

    def step(self, sizes):
        """Have the workers apply the optimizer's step to the gradients last computed."""
        optimizer = self.optimizer
        state = optimizer.transform.step_state() if optimizer.transform is not None else None
        self._ask([("step", float(optimizer.learning_rate), sizes, state)] * self.n_workers)
        self._answers()

    def close(self):
        """Stop and reap the workers."""
        for connection in self._connections:
            try:
                connection.send(None)
            except (OSError, ValueError):
                pass
        for process in self._processes:
            if process.pid is None:  # never started
                continue
            process.join(timeout=5)
            if process.is_alive():
                process.terminate()
                process.join()
        for connection in self._connections:
            connection.close()
        self._connections, self._processes = [], []


_NOT_YET = object()  # no batch prefetched yet


class _WorkerGradients:
    """What :meth:`_ParallelProblem.loss_and_grads` hands the optimizer: the sizes of the
    gradients the workers hold."""

    __slots__ = ("sizes",)

    def __init__(self, sizes):
        self.sizes = sizes


class _ParallelProblem:
    """A learning problem whose batch gradients the workers compute; the next batch is
    prepared while they do (the batches and the random draws are the same)."""

    def __init__(self, problem, pool):
        self.problem, self.pool = problem, pool
        self.n_samples = problem.n_samples
        if hasattr(problem, "batch_fraction"):
            self.batch_fraction = problem.batch_fraction
        self._stream, self._ahead = None, _NOT_YET

    @property
    def params(self):
        return self.problem.params

    def batches(self, rng):
        self._stream = iter(self.problem.batches(rng))
        batch = next(self._stream, None)
        while batch is not None:
            self._ahead = _NOT_YET
            yield batch
            batch = self._ahead if self._ahead is not _NOT_YET else next(self._stream, None)

    def _prefetch(self):
        if self._ahead is _NOT_YET:
            self._ahead = next(self._stream, None)

    def loss_and_grads(self, batch):
        loss, n, sizes = self.pool.gradients(batch.parts(self.pool.n_workers),
                                             meanwhile=self._prefetch)
        if not n:
            return 0.0, 0, None
        self.problem.count_uses(batch)
        return loss / n, n, _WorkerGradients(sizes)


class _ParallelOptimizer:
    """The optimizer as the training loop sees it: its step is applied by the workers."""

    def __init__(self, optimizer, pool):
        self.optimizer, self.pool = optimizer, pool

    @property
    def learning_rate(self):
        return self.optimizer.learning_rate

    def step(self, grads):
        if grads is not None:
            self.pool.step(grads.sizes)

    def set_progress(self, fraction):
        self.optimizer.set_progress(fraction)

    def iteration_ends(self, time_step):
        self.optimizer.iteration_ends(time_step)

    def trigger_stopping(self, msg, verbose):
        return self.optimizer.trigger_stopping(msg, verbose)


@contextmanager
def parallel_training(problem, build_optimizer, tables, n_workers):
    """The problem and optimizer to hand the training loop, trained by ``n_workers``
    processes.

    Parameters
    ----------
    problem : object
        The learning problem (the training loop's contract), with ``count_uses(batch)``
        (told before each step), ``part_gradients(part)``, ``part_arrays(n)`` and
        optionally ``part_gradient_rows(n)`` (see :class:`WorkerPool`'s
        ``gradient_rows``);
        its batches have ``parts(n)``. Its ``params`` must be the arrays of ``tables``.
    build_optimizer : callable
        ``build_optimizer(params) -> Optimizer``.
    tables : list
        The list holding the parameters (None entries allowed): for the duration of the
        block its arrays are replaced by copies in shared memory, copied back at the end.
    n_workers : int
        1 trains in this process: the problem and the optimizer are yielded as they are.

    Yields
    ------
    problem, optimizer
    """
    if n_workers == 1:
        yield problem, build_optimizer(problem.params)
        return
    private = list(tables)
    pool = None
    try:
        tables[:] = [None if t is None else shared_array(t.shape, t.dtype, fill=t)
                     for t in private]
        optimizer = build_optimizer(problem.params)
        rows = getattr(problem, "part_gradient_rows", None)
        pool = WorkerPool(problem.part_gradients, optimizer, problem.part_arrays(n_workers),
                          n_workers, rows(n_workers) if rows is not None else None)
        yield _ParallelProblem(problem, pool), _ParallelOptimizer(optimizer, pool)
    finally:
        if pool is not None:
            pool.close()
        for mine, shared in zip(private, tables, strict=True):  # references stay valid
            if mine is not None and shared is not mine:
                mine[...] = shared
        tables[:] = private
