"""Data-parallel training in forked worker processes, deterministic.

``n`` processes train together: this one (number 0) and ``n - 1`` forked children. The
batch stream is taken ``n`` batches at a time, a *round*: process ``k`` computes the
gradient of batch ``k`` of the round from the parameters, which live in shared memory for
the duration of training, so the ``n`` gradients of a round are all taken at the same
parameters (as those of one batch ``n`` times larger), and transforms it with the
optimizer's gradient transformation (which acts row by row); then each process applies
the optimizer's update to the rows it owns, ``r % n == k``, from each batch's gradient in
turn, in the batches' order. So the result depends on the data, the seed and ``n`` only,
never on timing (unlike gensim's lock-free worker threads); it differs from one
process's (whose every batch starts from its predecessor's result) as a larger batch
would.

Whole batches, not parts of one, because the cost of a batch's gradient and step has a
large fixed part (a few dozen NumPy calls): halving a batch of 512 centres saved only
about a third of a CBOW gradient's time (measured). No batch and no message crosses
between the processes: every process runs the same batch stream (``problem.batches``
with its own copy of the random generator, forked in the same state, so every copy draws
the same numbers) and keeps its own batch of each round; what that repeats in every
process (reading and subsampling the corpus, drawing windows and negatives: about 15 %
of one process's time) cost less than the pipe messages and copies that handed batches
over before. Two barriers order a round: after the gradients (each process has written
its gradient into shared memory, its entries grouped by the rows' owners, and its loss),
and before the next round's gradients (every row stepped; the next round is prepared
before it). A barrier is a counter of arrivals and one wake-up per child on POSIX
semaphores, polled for a while before sleeping (waking a sleeping process takes longer
than a short wait). Processes that wait for each other run well on otherwise idle cores;
on cores busy with other work each barrier waits for the slowest process to be scheduled
again. Processes, not threads: NumPy's small operations hold the GIL, and two threads
stepping word2vec ran slower than one (measured).

:func:`parallel_training` wraps a learning problem and its optimizer for the training
loop. Workers are forked (Linux and the other POSIX systems except macOS), so they
inherit the problem, the optimizer and the generator without pickling them; elsewhere
:func:`fork_available` says so and the caller trains in one process. The children
ignore Ctrl-C (this process decides: it stops them) and discard what they print; a
child exits when this process does, however it ends, and this process reports a child's
exception, or its death, as a ``RuntimeError``.
"""

import itertools
import mmap
import multiprocessing
import os
import signal
import sys
import time
import traceback
import warnings
from contextlib import contextmanager

import numpy as np

from ..engine import RowSparseGrad

__all__ = ["WorkerPool", "fork_available", "parallel_training", "shared_array", "usable_cores",
           "usable_workers"]

# A wait polls its semaphore this long before sleeping on it (seconds).
_SPIN = 200e-6
# A sleeping wait wakes this often to check that the other processes are alive (seconds).
_POLL = 1.0
# Bytes of a child's error report (the end of its traceback).
_REPORT_BYTES = 1 << 14


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
    usable core where processes can be forked, else 1 (silently), as in a daemonic
    process (a ``multiprocessing.Pool``'s worker), which may not have children."""
    if n_workers is None:
        forks = fork_available() and not multiprocessing.current_process().daemon
        return usable_cores() if forks else 1
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


class _Stopped(Exception):
    """The pool was stopped, or a process failed: leave the training."""


class _Barriers:
    """Barriers of ``n`` processes: number 0 counts the others' arrivals on one semaphore,
    then wakes each on its own; a child waiting for the next epoch waits on its own too.
    :meth:`stop` wakes every process, whose wait then raises :class:`_Stopped`."""

    def __init__(self, n, context):
        self.n = n
        self._arrived = context.Semaphore(0)
        self._wake = [context.Semaphore(0) for _ in range(n)]  # [0] unused
        self._stopped = shared_array((1,), np.int8)

    @property
    def stopped(self):
        return bool(self._stopped[0])

    def _acquire(self, semaphore, alive):
        if semaphore.acquire(False):
            return
        end = time.perf_counter() + _SPIN
        while time.perf_counter() < end:
            if semaphore.acquire(False):
                return
        while not semaphore.acquire(timeout=_POLL):
            alive()

    def wait(self, k, alive):
        """Wait until all ``n`` processes have called ``wait``; ``alive()`` is called
        while waiting long, and raises when a process it depends on is gone."""
        if k == 0:
            for _ in range(self.n - 1):
                self._acquire(self._arrived, alive)
            if self.stopped:
                raise _Stopped
            self.release_children()
        else:
            self._arrived.release()
            self.wait_for_parent(k, alive)

    def wait_for_parent(self, k, alive):
        """Child ``k`` waits until process 0 releases it."""
        self._acquire(self._wake[k], alive)
        if self.stopped:
            raise _Stopped

    def release_children(self):
        for semaphore in self._wake[1:]:
            semaphore.release()

    def stop(self):
        """Wake every waiting process for good."""
        self._stopped[0] = 1
        for _ in range(self.n):
            self._arrived.release()
        self.release_children()


class WorkerPool:
    """``n_workers`` processes training rounds of ``n_workers`` batches together (see the
    module docstring): this one, number 0, and ``n_workers - 1`` children forked by
    :meth:`start`.

    Parameters
    ----------
    problem : object
        The learning problem: ``batches(rng)``; ``batch_gradients(batch) -> (loss_sum,
        n_examples, grads)`` with one entry per parameter in ``grads``, None or a
        :class:`RowSparseGrad` or a dense array; and ``count_uses(batch)``, told of
        every batch before its gradient is transformed.
    optimizer : Optimizer
        Built on the parameters, which are in shared memory (:func:`shared_array`); each
        child steps its forked copy, at the learning rate of this process's. Its
        ``transform``, if any, must act on each row's gradient entries alone (as
        :class:`~sklearn_deep.optim.transforms.RowDamping` does): the pool applies it
        to each batch's gradient before handing the gradient over, and steps without it
        (for the duration of training).
    n_workers : int
        Processes, this one included.
    gradient_rows : list of int, optional
        Per parameter, the most entries an uncoalesced row-sparse gradient of one batch
        may have to be handed over as it is (repeated rows and all, which plain SGD
        adds in place); a larger one is coalesced first (at most one entry per row).
    """

    def __init__(self, problem, optimizer, n_workers, gradient_rows=None):
        self.problem, self.optimizer, self.n_workers = problem, optimizer, n_workers
        params = optimizer.params
        rows = [max(p.shape[0], extra) for p, extra in
                zip(params, gradient_rows or [0] * len(params), strict=True)]
        # Each process's gradient, its entries grouped by the owner of their row: the rows
        # and values, or for a factored gradient (see _hand_over) the rows, the vectors
        # (in the values' place), and each entry's vector and weight.
        self._grads = [[(shared_array((n,), np.intp), shared_array((n, *p.shape[1:]), p.dtype),
                         shared_array((n,), np.intp), shared_array((n,), p.dtype))
                        for p, n in zip(params, rows, strict=True)]
                       for _ in range(n_workers)]
        self._counts = shared_array((n_workers, len(params), n_workers), np.int64)
        self._coalesced = shared_array((n_workers, len(params)), bool)
        self._n_vectors = shared_array((n_workers, len(params)), np.int64)  # 0: not factored
        self._losses = shared_array((n_workers, 2), np.float64)  # loss sum, examples
        self._learning_rate = shared_array((1,), np.float64)
        self._reports = shared_array((n_workers, _REPORT_BYTES), np.uint8)
        self._owner_dtype = np.uint8 if n_workers <= 256 else np.int64
        self._context = multiprocessing.get_context("fork")
        self._barriers = _Barriers(n_workers, self._context)
        self._transform, optimizer.transform = optimizer.transform, None
        self._processes = []
        self._parent = os.getpid()
        self._rng = None
        self._step_pending = False

    # ------------------------------------------------------------ every process
    def rounds(self, rng):
        """The rounds of one epoch: lists of ``n_workers`` consecutive batches (fewer
        for the last)."""
        batches = iter(self.problem.batches(rng))
        while batch_round := list(itertools.islice(batches, self.n_workers)):
            yield batch_round

    def _gradient(self, k, batch_round):
        """Compute the gradient of batch ``k`` of the round into shared memory, then wait
        for the others'. Returns the round's loss sum and examples, or None when the
        loss is not finite (training stops: no step)."""
        n = self.n_workers
        if k < len(batch_round):
            batch = batch_round[k]
            loss, count, grads = self.problem.batch_gradients(batch)
            if self._transform is not None and count:
                self.problem.count_uses(batch)  # the transformation's state for it
                grads = self._transform.update(list(grads), self.optimizer.params)
        else:  # the last round of an epoch may be short
            loss, count, grads = 0.0, 0, [None] * self._counts.shape[1]
        for p, (grad, out) in enumerate(zip(grads, self._grads[k], strict=True)):
            self._hand_over(k, p, grad, out)
        self._losses[k] = loss, count
        if k == 0:
            self._learning_rate[0] = self.optimizer.learning_rate
        self._barriers.wait(k, self._alive)
        loss = sum(float(self._losses[w, 0]) for w in range(n))  # always in this order
        examples = int(sum(self._losses[w, 1] for w in range(n)))
        return (loss, examples) if np.isfinite(loss) else None

    def _hand_over(self, k, p, grad, out):
        """Write process ``k``'s gradient of parameter ``p`` into its shared arrays
        ``out``, its entries grouped by the owner of their row.

        A factored gradient (each of a few vectors added to several rows with a weight
        each, as CBOW's bags give) is handed over as it is when it has at most half as
        many vectors as entries: the vectors, and each entry's row, vector and weight (a
        CBOW batch's input gradient: about 7 times less data than its entries' values).
        Otherwise the entries' values are formed and handed over."""
        out_rows, out_values, out_sources, out_weights = out
        counts = self._counts[k, p]
        self._n_vectors[k, p] = 0
        if grad is None:
            counts[:] = 0
            return
        if isinstance(grad, RowSparseGrad):
            if grad.indices.shape[0] > out_rows.shape[0]:
                grad = grad.coalesce()  # at most one entry per row of the table
            rows, coalesced = grad.indices, grad.coalesced
            factored = grad.product
            if factored is not None and 2 * factored[2].shape[0] > rows.shape[0]:
                factored = None
            values = grad.values if factored is None else None
        else:  # a dense gradient: every row
            rows, values, coalesced, factored = np.arange(grad.shape[0]), grad, True, None
        n = self.n_workers
        owner = (rows % n).astype(self._owner_dtype)
        order = np.argsort(owner, kind="stable")  # a radix sort of small integers
        size = rows.shape[0]
        # straight into shared memory: mode="clip" (the indices are valid) does not buffer
        # the output, which the default mode does (2.5x slower, measured)
        np.take(rows, order, out=out_rows[:size], mode="clip")
        if factored is None:
            np.take(values.astype(out_values.dtype, copy=False), order, axis=0,
                    out=out_values[:size], mode="clip")
        else:  # the stable sort keeps each owner's entries in the order of their vectors
            offsets, weights, vectors = factored
            m = vectors.shape[0]
            if offsets[-1] != size or weights.shape[0] != size:  # as one process refuses it
                raise ValueError(f"a factored gradient of {size} entries with offsets to "
                                 f"{offsets[-1]} and {weights.shape[0]} weights")
            out_values[:m] = vectors
            sources = np.repeat(np.arange(m), np.diff(offsets))
            np.take(sources, order, out=out_sources[:size], mode="clip")
            np.take(weights.astype(out_weights.dtype, copy=False), order,
                    out=out_weights[:size], mode="clip")
            self._n_vectors[k, p] = m
        counts[:] = np.bincount(owner, minlength=n)
        self._coalesced[k, p] = coalesced

    def _step(self, k, batch_round):
        """Apply the optimizer's update to the rows of process ``k``, from each batch's
        (transformed) gradient in turn."""
        optimizer = self.optimizer
        if k:
            optimizer.schedule.learning_rate = float(self._learning_rate[0])
        for w in range(len(batch_round)):
            grads = []
            for p, (param, (rows, values, sources, weights)) in enumerate(
                    zip(optimizer.params, self._grads[w], strict=True)):
                counts = self._counts[w, p]
                start = int(counts[:k].sum())
                stop = start + int(counts[k])
                m = int(self._n_vectors[w, p])
                if stop == start:
                    grads.append(None)
                elif m:  # factored: this process's entries, in the order of their vectors
                    offsets = np.zeros(m + 1, dtype=np.intp)
                    np.cumsum(np.bincount(sources[start:stop], minlength=m),
                              out=offsets[1:])
                    grads.append(RowSparseGrad.from_product(
                        rows[start:stop], offsets, weights[start:stop], values[:m],
                        param.shape))
                else:
                    grads.append(RowSparseGrad(rows[start:stop], values[start:stop],
                                               param.shape,
                                               coalesced=bool(self._coalesced[w, p])))
            optimizer.step(grads)

    # ------------------------------------------------------------- in a child
    def _serve(self, k):
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # process 0 decides, and stops us
        sys.stdout = open(os.devnull, "w")  # process 0 alone reports progress
        barriers = self._barriers
        try:
            while True:
                barriers.wait_for_parent(k, self._parent_alive)  # the next epoch
                stepped = False
                for batch_round in self.rounds(self._rng):
                    if stepped:
                        barriers.wait(k, self._parent_alive)
                    if self._gradient(k, batch_round) is None:
                        break  # a loss that is not finite: process 0 stops training
                    self._step(k, batch_round)
                    stepped = True
                else:
                    if stepped:
                        barriers.wait(k, self._parent_alive)
        except _Stopped:
            return
        except BaseException:  # reported to process 0, which raises
            report = traceback.format_exc().encode("utf-8", "replace")[-_REPORT_BYTES + 1:]
            self._reports[k, :len(report)] = np.frombuffer(report, np.uint8)
            barriers.stop()

    def _parent_alive(self):
        if os.getppid() != self._parent:
            raise _Stopped

    # ----------------------------------------------------------- in process 0
    def _alive(self):
        for process in self._processes:
            if process.exitcode is not None and not self._barriers.stopped:
                raise RuntimeError(f"a training worker process died (exit code "
                                   f"{process.exitcode}).")

    def _raise_reports(self):
        for report in self._reports:
            text = bytes(report).split(b"\0", 1)[0]
            if text:
                raise RuntimeError("a training worker process failed:\n"
                                   + text.decode("utf-8", "replace"))
        raise RuntimeError("a training worker process failed.")

    def start(self, rng):
        """Fork the children (at the first call, with ``rng``, the generator that every
        epoch's ``problem.batches`` draws from), and let them run one epoch."""
        if not self._processes:
            self._rng = rng
            try:
                for k in range(1, self.n_workers):
                    process = self._context.Process(target=self._serve, args=(k,),
                                                    daemon=True,
                                                    name=f"sklearn_deep-worker-{k}")
                    self._processes.append(process)
                    with warnings.catch_warnings():
                        # Python 3.12+ warns that forking a process with threads
                        # (OpenBLAS's idle pool) may deadlock a child that takes their
                        # locks; the workers only run NumPy with BLAS pinned to one
                        # thread (threadpoolctl).
                        warnings.filterwarnings("ignore", message=".*fork.*",
                                                category=DeprecationWarning)
                        process.start()
            except BaseException:
                self.close()
                raise
        elif rng is not self._rng:
            raise RuntimeError("every epoch must draw from the generator of the first.")
        self._barriers.release_children()

    def gradient(self, batch_round):
        """This process's gradient of the round, after the previous round's step
        everywhere; returns the round's loss sum and examples (None: not finite)."""
        try:
            self.finish_step()
            return self._gradient(0, batch_round)
        except _Stopped:
            self._raise_reports()

    def step(self, batch_round):
        """Step this process's rows; the others' steps are awaited by
        :meth:`finish_step`."""
        self._step(0, batch_round)
        self._step_pending = True

    def finish_step(self):
        """Wait until every process has stepped its rows (if a step is under way)."""
        if self._step_pending:
            self._step_pending = False
            try:
                self._barriers.wait(0, self._alive)
            except _Stopped:
                self._raise_reports()

    def close(self):
        """Stop and reap the children."""
        self._barriers.stop()
        for process in self._processes:
            if process.pid is None:  # never started
                continue
            process.join(timeout=5)
            if process.is_alive():
                process.terminate()
                process.join()
        self._processes = []
        self.optimizer.transform = self._transform


class _ParallelProblem:
    """A learning problem trained by the processes of a pool, a round of batches at a
    time (the training loop's batches are the rounds)."""

    def __init__(self, problem, pool):
        self.problem, self.pool = problem, pool
        self.n_samples = problem.n_samples
        if hasattr(problem, "batch_fraction"):
            self.batch_fraction = lambda batch_round: problem.batch_fraction(batch_round[-1])

    @property
    def params(self):
        return self.problem.params

    def batches(self, rng):
        self.pool.start(rng)
        yield from self.pool.rounds(rng)
        self.pool.finish_step()

    def loss_and_grads(self, batch_round):
        result = self.pool.gradient(batch_round)
        if result is None:
            return np.nan, 0, None
        loss, n = result
        return (loss / n if n else 0.0), n, batch_round


class _ParallelOptimizer:
    """The optimizer as the training loop sees it: each process steps its rows."""

    def __init__(self, optimizer, pool):
        self.optimizer, self.pool = optimizer, pool

    @property
    def learning_rate(self):
        return self.optimizer.learning_rate

    def step(self, batch_round):
        self.pool.step(batch_round)

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
        The learning problem (the training loop's contract), with what
        :class:`WorkerPool` needs, and optionally ``gradient_rows()`` (its
        ``gradient_rows``). Its ``params`` must be the arrays of ``tables``; its random
        generator must be drawn from by ``batches`` only.
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
        rows = getattr(problem, "gradient_rows", None)
        pool = WorkerPool(problem, optimizer, n_workers, rows() if rows is not None else None)
        yield _ParallelProblem(problem, pool), _ParallelOptimizer(optimizer, pool)
    finally:
        if pool is not None:
            pool.close()
        for mine, shared in zip(private, tables, strict=True):  # references stay valid
            if mine is not None and shared is not mine:
                mine[...] = shared
        tables[:] = private
