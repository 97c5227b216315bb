"""Backward never forms a Jacobian: CS231n's (64×4096)·(4096×4096) example would need
~256 GB for one; ours must stay within a small multiple of the operands."""

import gc
import tracemalloc

import numpy as np

import sklearn_deep.engine as E
from sklearn_deep.engine import Tensor


def test_matmul_relu_backward_memory_is_a_small_multiple_of_the_operands():
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((64, 4096), dtype=np.float32), requires_grad=True)
    w = Tensor(rng.standard_normal((4096, 4096), dtype=np.float32) * 0.01, requires_grad=True)
    operands = x.data.nbytes + w.data.nbytes  # 65 MiB
    gc.collect()
    tracemalloc.start()
    try:
        loss = E.relu(x @ w).sum()
        loss.backward()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert w.grad.shape == w.shape and x.grad.shape == x.shape
    # Needed: the gradients themselves (one operand's worth) plus the 64×4096 activations;
    # a Jacobian of the product alone would be 64·4096·4096·4096·4 bytes.
    assert peak < 2.5 * operands, f"peak {peak / 2**20:.0f} MiB for {operands / 2**20:.0f} MiB"
    assert peak > w.data.nbytes  # the measurement sees numpy allocations at all
