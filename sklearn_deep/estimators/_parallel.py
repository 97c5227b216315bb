"""Data-parallel word2vec steps in forked worker processes, deterministic.

Each minibatch is cut into ``n_workers`` consecutive parts; every worker computes the
gradient of one part from the same parameters, which live in shared memory for the
duration of training, and then updates its own share of every table's rows with the
contributions of all parts, added in a fixed order. So the result depends on the data,
the seed and ``n_workers`` only, never on timing (unlike gensim's lock-free worker
threads), and equals one process's up to float32 rounding. While the workers compute,
the parent prepares the next batch. Processes, not threads: NumPy's small operations
hold the GIL, and two threads stepping word2vec ran slower than one (measured).

The step is plain SGD (word2vec's), applied by the workers: the training loop's
optimizer receives no gradients for these tables and only supplies the learning rate.

Workers are forked (Linux and other POSIX systems but macOS), so they inherit the
learning problem without pickling it; elsewhere :func:`fork_available` says so and the
caller trains in one process. A worker exits when its parent does, however the parent
ends.
"""

import mmap
import multiprocessing
import os
import sys
import traceback
import warnings

import numpy as np

from sklearn_deep.engine import RowSparseGrad

__all__ = ["ParallelSGD", "fork_available", "shared_array"]


def fork_available():
    """Whether worker processes can be forked here: POSIX systems but macOS, whose system
    libraries (Accelerate, for NumPy's BLAS) are not safe to use after a fork."""
    return sys.platform != "darwin" and "fork" in multiprocessing.get_all_start_methods()


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


class ParallelSGD:
    """Forked processes that compute parts of each minibatch's gradient, then apply the
    SGD step, each to its own share of every table's rows.

    A step: the parts go to the workers, which compute their gradients from the same
    parameters (shared memory) into shared buffers; meanwhile this process prepares the
    next batch. Then every worker updates its rows (``param[r] -= lr · factor[r] ·
    g_w[r]`` for the workers' gradients ``g_w`` in a fixed order), so the sum, the
    damping and the update are parallel too, and the result depends on nothing but the
    data, the seed and the number of workers.

    Parameters
    ----------
    compute : callable
        ``compute(part) -> (loss_sum, n_examples, grads)``: a part is a dict of arrays;
        ``grads`` has one entry per table, None or a coalesced :class:`RowSparseGrad` or
        a dense array.
    params : list of ndarray
        The tables, in shared memory (:func:`shared_array`), updated in place.
    part_arrays : dict of str to (shape, dtype)
        The arrays of a part with their largest shapes.
    n_workers : int
        Worker processes.
    """

    def __init__(self, compute, params, part_arrays, n_workers):
        self.compute = compute
        self.params = params
        self.n_workers = n_workers
        self._inputs = [{name: shared_array(shape, dtype) for name, (shape, dtype) in
                         part_arrays.items()} for _ in range(n_workers)]
        self._outputs = [[(shared_array(p.shape[:1], np.intp), shared_array(p.shape, p.dtype))
                          for p in params] for _ in range(n_workers)]
        self._factors = [shared_array(p.shape[:1], p.dtype, fill=1) for p in params]
        context = multiprocessing.get_context("fork")
        self._connections, self._processes = [], []
        parent = os.getpid()
        try:
            for k in range(n_workers):
                here, there = context.Pipe()
                process = context.Process(target=self._serve, args=(there, here, k, parent),
                                          daemon=True, name=f"sklearn_deep-sgd-{k + 1}")
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
                    self._apply(k, *message[1:])
                    connection.send(("ok",))
            except BaseException:  # reported to the parent, which raises
                connection.send(("error", traceback.format_exc()))

    def _gradient(self, k, n_rows):
        part = {name: array[:n_rows] for name, array in self._inputs[k].items()}
        loss, n, grads = self.compute(part)
        sizes = []
        for grad, (out_rows, out_values) in zip(grads, self._outputs[k], strict=True):
            if grad is None:
                sizes.append(0)
                continue
            if isinstance(grad, RowSparseGrad):
                rows, values = grad.indices, grad.values
            else:  # a dense gradient: every row
                rows, values = np.arange(grad.shape[0]), grad
            out_rows[:rows.shape[0]] = rows
            out_values[:rows.shape[0]] = values
            sizes.append(rows.shape[0])
        return float(loss), int(n), sizes

    def _apply(self, k, learning_rate, sizes):
        # worker k owns the rows r with r % n_workers == k: frequent words (low ids) are
        # spread evenly, where contiguous ranges gave one worker most of the work
        for i, param in enumerate(self.params):
            scale = self._factors[i] * param.dtype.type(learning_rate)
            for w in range(self.n_workers):  # always in this order
                rows = self._outputs[w][i][0][:sizes[w][i]]
                take = np.flatnonzero(rows % self.n_workers == k)
                if take.shape[0] == 0:
                    continue
                mine = rows[take]
                param[mine] -= self._outputs[w][i][1][take] * scale[mine][:, None]

    # ------------------------------------------------------------ in the parent
    def _ask(self, messages):
        for connection, message in zip(self._connections, messages, strict=True):
            connection.send(message)

    def _answers(self):
        replies = [connection.recv() for connection in self._connections]
        for reply in replies:
            if reply[0] == "error":
                raise RuntimeError(f"a word2vec worker process failed:\n{reply[1]}")
        return replies

    def step(self, parts, learning_rate, damping, meanwhile=None):
        """Train on one batch: its ``parts`` (one dict of arrays per worker).

        ``learning_rate()`` gives the step size, ``damping()`` a list with, per table,
        None or ``(rows, factors)`` scaling those rows' gradients; ``meanwhile()`` runs
        here while the workers compute. Returns the loss sum and the number of examples.
        """
        messages = []
        for inputs, part in zip(self._inputs, parts, strict=True):
            n_rows = next(iter(part.values())).shape[0]
            for name, array in part.items():
                inputs[name][:n_rows] = array
            messages.append(("gradient", n_rows))
        self._ask(messages)
        if meanwhile is not None:
            meanwhile()
        replies = self._answers()
        loss = sum(reply[1] for reply in replies)
        n = sum(reply[2] for reply in replies)
        if n:
            heavy = damping()
            for factors, scaled in zip(self._factors, heavy, strict=True):
                if scaled is not None:
                    factors[scaled[0]] = scaled[1]
            sizes = [reply[3] for reply in replies]
            self._ask([("step", float(learning_rate()), sizes)] * self.n_workers)
            self._answers()
            for factors, scaled in zip(self._factors, heavy, strict=True):
                if scaled is not None:
                    factors[scaled[0]] = 1
        return loss, n

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


