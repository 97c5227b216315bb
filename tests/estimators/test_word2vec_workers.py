"""Word2VecTransformer(workers=k): each minibatch trained by k processes.

Oracle: the parallel gradient is the serial one summed in another order, so after
training the vectors must equal those of ``workers=1`` up to float32 rounding; and for a
given ``workers`` they must be bit-identical from run to run."""

import multiprocessing
import os
import pickle

import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_deep.datasets import make_synthetic_language
from sklearn_deep.estimators import Word2VecTransformer, _parallel, _word2vec_problem
from sklearn_deep.estimators._parallel import fork_available

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


@pytest.mark.parametrize("workers", [2, 3])
@pytest.mark.parametrize("params", ARCHITECTURES.values(), ids=ARCHITECTURES.keys())
def test_workers_give_the_serial_result_up_to_rounding_and_repeat_exactly(texts, workers,
                                                                           params):
    serial = _fit(texts, 1, **params)
    parallel = _fit(texts, workers, **params)
    again = _fit(texts, workers, **params)
    np.testing.assert_array_equal(parallel.wv.vectors, again.wv.vectors)
    np.testing.assert_allclose(parallel.wv.vectors, serial.wv.vectors, rtol=0, atol=1e-5)
    np.testing.assert_allclose(parallel.loss_curve_, serial.loss_curve_, rtol=1e-5)
    # the workers are gone and the tables are ordinary arrays again
    assert _our_processes() == []
    for table in (parallel.syn0_, parallel.syn1neg_, parallel.syn1_, parallel.syn1softmax_):
        assert table is None or (table.base is None and table.flags.writeable)
    assert np.array_equal(pickle.loads(pickle.dumps(parallel)).wv.vectors,
                          parallel.wv.vectors)


def test_partial_fit_with_workers(texts):
    serial = _fit(texts[:200], 1).partial_fit(texts[200:])
    parallel = _fit(texts[:200], 2).partial_fit(texts[200:])
    assert parallel.wv.index_to_key == serial.wv.index_to_key
    np.testing.assert_allclose(parallel.wv.vectors, serial.wv.vectors, rtol=0, atol=1e-5)


def test_a_failing_worker_raises_and_leaves_no_process(texts, monkeypatch):
    parent = os.getpid()
    original = _word2vec_problem.Word2VecProblem.part_gradients

    def fail_in_child(self, part):
        if os.getpid() != parent:
            raise FloatingPointError("boom in the worker")
        return original(self, part)

    monkeypatch.setattr(_word2vec_problem.Word2VecProblem, "part_gradients", fail_in_child)
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
        "workers = WorkerPool(lambda part: (0.0, 0, [None]), SGD([table]),\n"
        "                     {'x': ((2,), np.int32)}, 2)\n"
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
