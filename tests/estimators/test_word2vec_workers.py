"""Word2VecTransformer(workers=k): rounds of k batches trained by k processes.

Oracle: ``workers=k`` takes the gradients of k consecutive batches at the same parameters,
then steps them one batch after the other (:func:`_rounds_in_one_process`, written here in
one process with the network's gradients and the estimator's optimizer); the processes
must reproduce it up to float32 rounding, and for a given ``workers`` bit for bit from run
to run."""

import itertools
import multiprocessing
import os
import pickle
import warnings
from contextlib import contextmanager

import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_deep.datasets import make_synthetic_language
from sklearn_deep.estimators import Word2VecTransformer, _parallel, _word2vec_problem
from sklearn_deep.estimators import word2vec as word2vec_module
from sklearn_deep.estimators._parallel import fork_available
from sklearn_deep.training import TrainingError

pytestmark = pytest.mark.skipif(not fork_available(), reason="needs the fork start method")

ARCHITECTURES = {
    "sg-ns": dict(sg=1), "cbow-ns": dict(sg=0), "sg-hs": dict(sg=1, hs=1, negative=0),
    "cbow-softmax": dict(sg=0, hs=0, negative=0), "sg-hs-ns": dict(sg=1, hs=1, negative=3),
}


def _our_processes():
    return [p for p in multiprocessing.active_children()
            if p.name.startswith("sklearn_deep-worker")]


@pytest.fixture(scope="module")
def texts():
    return make_synthetic_language(400, random_state=0).sentences


def _fit(texts, workers, **params):
    return Word2VecTransformer(vector_size=12, min_count=1, batch_words=9, epochs=3,
                               random_state=0, workers=workers, **params).fit(texts)


@contextmanager
def _rounds_in_one_process(problem, build_optimizer, tables, n_workers):
    """What ``workers=n_workers`` computes, in this process: the batch stream cut into
    rounds of ``n_workers`` batches, whose gradients are all taken before any is stepped;
    the learning rate is the training loop's at the round's last batch."""
    optimizer = build_optimizer(problem.params)

    class Rounds:
        params, n_samples = problem.params, problem.n_samples

        def batch_fraction(self, batch_round):
            return problem.batch_fraction(batch_round[-1])

        def batches(self, rng):
            stream = iter(problem.batches(rng))
            while batch_round := list(itertools.islice(stream, n_workers)):
                yield batch_round

        def loss_and_grads(self, batch_round):
            results = [problem.model.loss_and_grads(batch) for batch in batch_round]
            loss, n = sum(r[0] for r in results), sum(r[1] for r in results)
            return (loss / n if n else 0.0), n, [(b, r[2]) for b, r in
                                                 zip(batch_round, results, strict=True)]

    class Steps:
        learning_rate = property(lambda self: optimizer.learning_rate)
        set_progress, iteration_ends = optimizer.set_progress, optimizer.iteration_ends
        trigger_stopping = optimizer.trigger_stopping

        def step(self, batches):
            for batch, grads in batches:
                problem.count_uses(batch)
                optimizer.step(grads)

    yield Rounds(), Steps()


@pytest.mark.parametrize("workers", [2, 3])
@pytest.mark.parametrize("params", ARCHITECTURES.values(), ids=ARCHITECTURES.keys())
def test_workers_train_rounds_of_batches_and_repeat_exactly(texts, workers, params,
                                                            monkeypatch):
    parallel = _fit(texts, workers, **params)
    again = _fit(texts, workers, **params)
    np.testing.assert_array_equal(parallel.wv.vectors, again.wv.vectors)
    assert parallel.loss_curve_ == again.loss_curve_
    # the workers are gone and the tables are ordinary arrays again
    assert _our_processes() == []
    for table in (parallel.syn0_, parallel.syn1neg_, parallel.syn1_, parallel.syn1softmax_):
        assert table is None or (table.base is None and table.flags.writeable)
    assert np.array_equal(pickle.loads(pickle.dumps(parallel)).wv.vectors,
                          parallel.wv.vectors)
    with monkeypatch.context() as patch:
        patch.setattr(word2vec_module, "parallel_training", _rounds_in_one_process)
        oracle = _fit(texts, workers, **params)
    np.testing.assert_allclose(parallel.wv.vectors, oracle.wv.vectors, rtol=0, atol=1e-6)
    np.testing.assert_allclose(parallel.loss_curve_, oracle.loss_curve_, rtol=1e-6)
    serial = _fit(texts, 1, **params)  # another run: close, not equal
    assert not np.array_equal(parallel.wv.vectors, serial.wv.vectors)
    np.testing.assert_allclose(parallel.loss_curve_, serial.loss_curve_, rtol=0.1)


def test_partial_fit_with_workers(texts, monkeypatch):
    parallel = _fit(texts[:200], 2).partial_fit(texts[200:])
    monkeypatch.setattr(word2vec_module, "parallel_training", _rounds_in_one_process)
    oracle = _fit(texts[:200], 2).partial_fit(texts[200:])
    assert parallel.wv.index_to_key == oracle.wv.index_to_key
    np.testing.assert_allclose(parallel.wv.vectors, oracle.wv.vectors, rtol=0, atol=1e-6)


def test_a_failing_worker_raises_and_leaves_no_process(texts, monkeypatch):
    parent = os.getpid()
    original = _word2vec_problem.Word2VecProblem.batch_gradients

    def fail_in_child(self, batch):
        if os.getpid() != parent:
            raise FloatingPointError("boom in the worker")
        return original(self, batch)

    monkeypatch.setattr(_word2vec_problem.Word2VecProblem, "batch_gradients", fail_in_child)
    model = Word2VecTransformer(vector_size=8, min_count=1, batch_words=16, workers=2,
                                random_state=0)
    with pytest.raises(RuntimeError, match=r"(?s)worker process failed.*boom in the worker"):
        model.fit(texts)
    assert _our_processes() == []
    assert model.wv_.vectors.base is None  # back in private memory


def test_without_fork_one_process_trains_with_a_warning(texts, monkeypatch):
    monkeypatch.setattr(_parallel, "fork_available", lambda: False)
    with pytest.warns(UserWarning, match="fork"):
        model = _fit(texts, 2)
    np.testing.assert_array_equal(model.wv.vectors, _fit(texts, 1).wv.vectors)


def test_workers_must_be_positive():
    with pytest.raises(InvalidParameterError, match="workers"):
        Word2VecTransformer(workers=0).fit([["a", "b"]])


@pytest.mark.parametrize("workers", [1, 2])
def test_training_with_workers_keeps_the_model_arrays(texts, workers):
    model = _fit(texts, workers)
    vectors = model.wv.vectors
    before = vectors.copy()
    model.partial_fit(texts)  # no new word: the same array, updated in place
    assert model.wv.vectors is vectors and vectors.base is None
    assert not np.array_equal(vectors, before)


def _alive(pid):
    try:
        with open(f"/proc/{pid}/status") as status:
            return not any(line.startswith("State:") and "Z" in line for line in status)
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads /proc")
def test_workers_exit_when_their_parent_is_killed(tmp_path):
    import subprocess
    import sys
    import time

    script = tmp_path / "killed.py"
    script.write_text(
        "import os, signal\n"
        "import numpy as np\n"
        "from sklearn_deep.estimators._parallel import WorkerPool, shared_array\n"
        "from sklearn_deep.optim import SGD\n"
        "table = shared_array((4, 2), np.float32)\n"
        "class Idle:  # no batch: the children wait for the next epoch\n"
        "    def batches(self, rng):\n"
        "        return iter(())\n"
        "workers = WorkerPool(Idle(), SGD([table]), 3)\n"
        "workers.start(np.random.RandomState(0))\n"
        "print(*[p.pid for p in workers._processes], flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n", encoding="utf-8")
    import sklearn_deep

    root = os.path.dirname(os.path.dirname(sklearn_deep.__file__))  # this checkout's package
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [root, *filter(None, [os.environ.get("PYTHONPATH")])])}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=60, env=env)
    pids = [int(pid) for pid in done.stdout.split()]
    assert len(pids) == 2, done.stderr
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in pids)


def _failing_batch_gradients(monkeypatch, failure, *, in_child=True, at_call=3):
    """Make ``batch_gradients`` call ``failure(result)`` at its ``at_call``-th call in a
    child (or in this process), and return what it returns."""
    parent, calls = os.getpid(), [0]
    original = _word2vec_problem.Word2VecProblem.batch_gradients

    def batch_gradients(self, batch):
        result = original(self, batch)
        if (os.getpid() != parent) == in_child:
            calls[0] += 1
            if calls[0] == at_call:
                return failure(result)
        return result

    monkeypatch.setattr(_word2vec_problem.Word2VecProblem, "batch_gradients", batch_gradients)


def test_a_worker_that_dies_is_reported_and_the_others_stop(texts, monkeypatch):
    _failing_batch_gradients(monkeypatch, lambda result: os._exit(3))
    model = Word2VecTransformer(vector_size=8, min_count=1, batch_words=16, workers=3,
                                random_state=0)
    with pytest.raises(RuntimeError, match=r"worker process died \(exit code 3\)"):
        model.fit(texts)
    assert _our_processes() == []
    assert model.wv_.vectors.base is None


def test_ctrl_c_stops_the_workers_and_keeps_the_vectors(texts, monkeypatch):
    def interrupt(result):
        raise KeyboardInterrupt

    _failing_batch_gradients(monkeypatch, interrupt, in_child=False, at_call=5)
    model = Word2VecTransformer(vector_size=8, min_count=1, batch_words=16, workers=2,
                                random_state=0)
    with pytest.warns(UserWarning, match="interrupted"):
        model.fit(texts)
    assert _our_processes() == []
    assert model.wv_.vectors.base is None and np.isfinite(model.wv_.vectors).all()


def test_a_non_finite_loss_in_a_worker_stops_every_process_before_its_step(texts,
                                                                           monkeypatch):
    params = dict(vector_size=8, min_count=1, batch_words=16, workers=2, random_state=0)

    def not_finite(result):
        return np.nan, *result[1:]

    with monkeypatch.context() as patch:  # in this process, before any update
        _failing_batch_gradients(patch, not_finite, in_child=False, at_call=1)
        with pytest.raises(TrainingError, match="before any update"):
            (first := Word2VecTransformer(**params)).fit(texts)
    _failing_batch_gradients(monkeypatch, not_finite, at_call=4)  # in a child, later
    with pytest.raises(TrainingError, match="diverged in epoch 1"):
        (later := Word2VecTransformer(**params)).fit(texts)
    assert _our_processes() == []
    # both restored the vectors the epoch started from: no process stepped the batch
    np.testing.assert_array_equal(later.wv_.vectors, first.wv_.vectors)
    np.testing.assert_array_equal(later.syn1neg_, first.syn1neg_)


def test_workers_none_uses_every_core_but_for_a_small_corpus(monkeypatch):
    monkeypatch.setattr(_parallel, "usable_cores", lambda: 3)
    assert Word2VecTransformer().workers == 1
    model = Word2VecTransformer(workers=None)
    assert model._n_workers(word2vec_module._PARALLEL_MIN_WORDS) == 3
    assert model._n_workers(word2vec_module._PARALLEL_MIN_WORDS - 1) == 1
    assert Word2VecTransformer(workers=2)._n_workers(10) == 2
    monkeypatch.setattr(_parallel, "usable_cores", lambda: 64)
    assert model._n_workers(word2vec_module._PARALLEL_MIN_WORDS) == 4  # at most 4
    assert Word2VecTransformer(workers=6)._n_workers(10) == 6
    monkeypatch.setattr(_parallel, "fork_available", lambda: False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # None falls back silently
        assert model._n_workers(word2vec_module._PARALLEL_MIN_WORDS) == 1


def test_workers_none_trains_in_one_process_inside_a_pool_worker(monkeypatch):
    monkeypatch.setattr(_parallel, "usable_cores", lambda: 3)
    monkeypatch.setattr(multiprocessing.current_process(), "daemon", True, raising=False)
    assert Word2VecTransformer(workers=None)._n_workers(
        word2vec_module._PARALLEL_MIN_WORDS) == 1


@pytest.mark.parametrize("n_vectors", [3, 9])  # factored, and too many vectors to be
def test_a_handed_over_gradient_steps_each_owner_s_rows_as_the_whole_gradient(n_vectors):
    # each process's share of a batch's gradient, stepped by SGD (rate 1) from zero, must
    # give minus the whole gradient (entries of owner k: rows r with r % 2 == k)
    from sklearn_deep.engine import RowSparseGrad
    from sklearn_deep.optim import SGD
    rng = np.random.default_rng(0)
    offsets = np.sort(np.r_[0, rng.integers(0, 12, n_vectors - 1), 12])
    # rows repeat (7 of a table of 20: the pool's buffers hold 20 entries)
    rows, weights = rng.integers(0, 7, 12), rng.uniform(0.5, 2.0, 12)
    vectors = rng.standard_normal((n_vectors, 4))
    grad = RowSparseGrad.from_product(rows, offsets, weights, vectors, (20, 4))
    expected = np.zeros((20, 4))
    for s, (start, stop) in enumerate(itertools.pairwise(offsets)):
        for k in range(start, stop):
            expected[rows[k]] -= weights[k] * vectors[s]
    table = np.zeros((20, 4))
    pool = _parallel.WorkerPool(None, SGD([table], learning_rate=1.0), 2)
    try:
        pool._learning_rate[0] = 1.0
        pool._hand_over(0, 0, grad, pool._grads[0][0])
        assert pool._n_vectors[0, 0] == (n_vectors if 2 * n_vectors <= 12 else 0)
        for k in (0, 1):
            pool._step(k, [None])
    finally:
        pool.close()
    np.testing.assert_allclose(table, expected, rtol=1e-12, atol=1e-12)


def test_a_malformed_factored_gradient_is_refused_by_the_hand_over():
    # offsets reaching 2 of 4 entries: one process's step refuses it, so must the pool
    from sklearn_deep.engine import RowSparseGrad
    from sklearn_deep.optim import SGD
    grad = RowSparseGrad.from_product([0, 1, 2, 3], [0, 1, 2], np.ones(4), np.ones((2, 3)),
                                      (20, 3))
    table = np.zeros((20, 3))
    pool = _parallel.WorkerPool(None, SGD([table], learning_rate=1.0), 2)
    try:
        with pytest.raises(ValueError, match="offsets to 2"):
            pool._hand_over(0, 0, grad, pool._grads[0][0])
    finally:
        pool.close()
    assert not table.any()
