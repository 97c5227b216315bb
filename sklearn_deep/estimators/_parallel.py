"""Data-parallel minibatch gradients in forked worker processes, deterministic.

Each minibatch is cut into ``n_workers`` consecutive parts: this process computes the
gradient of the first part and every forked worker one of the others, all from the same
parameters, which live in shared memory for the duration of training. The parts'
row-sparse gradients are added in a fixed order and one optimizer step follows, so the
result depends on the data, the seed and ``n_workers`` only — never on timing, unlike
gensim's lock-free worker threads. Processes, not threads: NumPy's small operations hold
the GIL, and two threads stepping word2vec ran slower than one (measured).

Workers are forked (POSIX), so they inherit the learning problem without pickling it;
where ``fork`` is unavailable :func:`fork_available` says so and the caller trains in
one process.
"""

import mmap
import multiprocessing
import traceback

import numpy as np

from sklearn_deep.engine import RowSparseGrad

__all__ = ["GradientWorkers", "fork_available", "shared_array"]


def fork_available():
    """Whether worker processes can be forked here."""
    return "fork" in multiprocessing.get_all_start_methods()


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


class GradientWorkers:
    """Forked processes that compute the gradients of parts of minibatches.

    Parameters
    ----------
    compute : callable
        ``compute(part) -> (loss_sum, n_examples, grads)`` with ``grads`` a list (one per
        table) of None or a :class:`RowSparseGrad`; run in the workers on the parts this
        object sends them, and by :meth:`gradients` on the first part here.
    tables : list of ndarray
        The parameters (in shared memory), for the shapes of the gradient buffers.
    part_arrays : dict of str to (shape, dtype)
        The arrays that describe a part, with their largest shape (first axis: rows of
        the part); a part is passed as a dict of arrays.
    n_workers : int
        Processes in all, this one included (so ``n_workers - 1`` are forked).
    """

    def __init__(self, compute, tables, part_arrays, n_workers):
        self.compute = compute
        self.n_children = n_workers - 1
        context = multiprocessing.get_context("fork")
        self._slots = []
        for _ in range(self.n_children):
            inputs = {name: shared_array(shape, dtype) for name, (shape, dtype) in
                      part_arrays.items()}
            outputs = [None if t is None else
                       (shared_array(t.shape[:1], np.intp), shared_array(t.shape, t.dtype))
                       for t in tables]
            self._slots.append((inputs, outputs))
        self._connections, self._processes = [], []
        try:
            for k in range(self.n_children):
                here, there = context.Pipe()
                process = context.Process(target=self._serve, args=(there, k), daemon=True,
                                          name=f"sklearn_deep-gradients-{k + 1}")
                process.start()
                there.close()
                self._connections.append(here)
                self._processes.append(process)
        except BaseException:
            self.close()
            raise

    # ------------------------------------------------------------- in a worker
    def _serve(self, connection, k):
        inputs, outputs = self._slots[k]
        while True:
            try:
                message = connection.recv()
            except (EOFError, KeyboardInterrupt):
                return
            if message is None:
                return
            try:
                part = {name: array[:message] for name, array in inputs.items()}
                loss, n, grads = self.compute(part)
                sizes = []
                for grad, out in zip(grads, outputs, strict=True):
                    if grad is None:
                        sizes.append(-1)
                        continue
                    if isinstance(grad, RowSparseGrad):
                        grad = grad.coalesce()
                        indices, values = grad.indices, grad.values
                    else:  # a dense gradient: every row
                        indices, values = np.arange(grad.shape[0]), grad
                    out[0][:indices.shape[0]] = indices
                    out[1][:indices.shape[0]] = values
                    sizes.append(indices.shape[0])
                connection.send(("ok", float(loss), int(n), sizes))
            except BaseException:  # reported to the parent, which raises
                connection.send(("error", traceback.format_exc()))

    # ------------------------------------------------------------ in the parent
    def gradients(self, parts):
        """Loss sum, example count and summed gradients of ``parts`` (a list of
        ``n_workers`` dicts of arrays; the first is computed here)."""
        for k, part in enumerate(parts[1:]):
            inputs = self._slots[k][0]
            rows = next(iter(part.values())).shape[0]
            for name, array in part.items():
                inputs[name][:rows] = array
            self._connections[k].send(rows)
        loss, n, grads = self.compute(parts[0])
        for k, connection in enumerate(self._connections):
            reply = connection.recv()
            if reply[0] == "error":
                raise RuntimeError(f"a gradient worker failed:\n{reply[1]}")
            _, part_loss, part_n, sizes = reply
            loss += part_loss
            n += part_n
            outputs = self._slots[k][1]
            for i, rows in enumerate(sizes):
                if rows < 0:
                    continue
                grads[i] = _add_rows(grads[i], outputs[i][0][:rows], outputs[i][1][:rows],
                                     outputs[i][1].shape)
        return loss, n, grads

    def close(self):
        """Stop and reap the workers."""
        for connection in self._connections:
            try:
                connection.send(None)
            except (OSError, ValueError):
                pass
        for process in self._processes:
            process.join(timeout=5)
            if process.is_alive():
                process.terminate()
                process.join()
        for connection in self._connections:
            connection.close()
        self._connections, self._processes = [], []


def _add_rows(grad, indices, values, shape):
    """``grad`` (this step's, or None) plus the coalesced rows ``indices, values`` read
    from a worker's buffers (copied: the worker reuses them)."""
    if grad is None:
        return RowSparseGrad(indices.copy(), values.copy(), shape, coalesced=True)
    if isinstance(grad, np.ndarray):  # a dense gradient of this step, added in place
        grad[indices] += values
        return grad
    if grad.dense is not None:  # add into this step's own array, in place
        grad.dense[indices] += values
        touched = np.zeros(shape[0], dtype=bool)
        touched[grad.indices] = True
        touched[indices] = True
        return RowSparseGrad.from_dense(grad.dense, np.flatnonzero(touched))
    return grad.coalesce() + RowSparseGrad(indices, values, shape, coalesced=True)
