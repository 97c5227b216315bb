"""The BLAS thread policy: small fits on one BLAS thread, through a cached controller."""

from sklearn.datasets import load_iris
from threadpoolctl import threadpool_info, threadpool_limits

from sklearn_deep import MLPClassifierScratch
from sklearn_deep._threads import limit_threads
from sklearn_deep.training import MinibatchProblem


def _blas_threads():
    return sorted({lib["num_threads"] for lib in threadpool_info()
                   if lib["user_api"] == "blas"})


def test_limit_holds_blas_to_one_thread_and_restores_it():
    with threadpool_limits(limits=2, user_api="blas"):
        before = _blas_threads()
        with limit_threads(1, user_api="blas"):
            assert _blas_threads() == [1]
        assert _blas_threads() == before
        with limit_threads(None):
            assert _blas_threads() == before


def test_a_small_fit_trains_on_one_blas_thread(monkeypatch):
    seen = []
    original = MinibatchProblem.loss_and_grads

    def recording(self, batch):
        seen.append(tuple(_blas_threads()))
        return original(self, batch)

    monkeypatch.setattr(MinibatchProblem, "loss_and_grads", recording)
    X, y = load_iris(return_X_y=True)
    with threadpool_limits(limits=2, user_api="blas"):
        before = _blas_threads()
        MLPClassifierScratch((8,), max_iter=2, random_state=0).fit(X, y)
        assert _blas_threads() == before
    assert seen and set(seen) == {(1,)}
