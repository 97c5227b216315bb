"""Row gathers (embedding lookups) with row-sparse gradients, alone or fused with the
scoring of hidden vectors against the gathered rows."""

import numpy as np

from ..function import Function
from ..sparse import RowSparseGrad, as_indices, bag_sums, scatter_rows

__all__ = ["BagNegativeSampling", "EmbeddingBag", "GatherRows", "GatherScores",
           "GatheredSampledLogistic", "NegativeSampling", "SampledLogistic"]


def _check_rows(rows, n, negative=False):
    """``rows`` as an integer array of row numbers of a table of ``n`` rows (negative ones
    counted from the end when ``negative``); TypeError or IndexError otherwise."""
    rows = np.asarray(rows)
    if rows.dtype.kind not in "iu":
        raise TypeError(f"row indices must be integers, got dtype {rows.dtype}")
    if not rows.dtype.isnative:  # (the unsigned view below reads bytes in native order)
        rows = rows.astype(rows.dtype.newbyteorder("="))
    if not rows.size:
        return rows
    bits = 8 * rows.dtype.itemsize
    if not negative and (rows.dtype.kind == "u" or n <= 1 << (bits - 1)):
        # one reduction: seen as unsigned, a negative index is at least 2**(bits - 1)
        bad = rows.view(f"u{rows.dtype.itemsize}").max() >= n
    else:
        bad = rows.min() < (-n if negative else 0) or rows.max() >= n
    if bad:
        raise IndexError(f"row index out of range for a table of {n} rows")
    return rows


class GatherRows(Function):
    """``table[indices]`` for an integer array of row numbers (any shape).

    The output has shape ``indices.shape + table.shape[1:]``. The gradient of ``table`` is a
    :class:`RowSparseGrad` holding only the gathered rows — a scatter-add, never a dense
    ``(V, d)`` array — which optimizers apply to those rows alone.
    """

    @staticmethod
    def forward(ctx, table, indices):
        indices = _check_rows(indices, table.shape[0], negative=True)
        ctx.indices, ctx.shape = indices, table.shape
        return np.take(table, indices, axis=0)

    @staticmethod
    def backward(ctx, grad):
        idx = ctx.indices.reshape(-1) % ctx.shape[0]
        return RowSparseGrad(idx, grad.reshape((idx.shape[0], *ctx.shape[1:])), ctx.shape)


class GatherScores(Function):
    """Scores of hidden vectors against gathered table rows: a fused row gather and
    batched product, ``scores[b, r, j] = hidden[b, r] · table[rows[b, j]]``.

    This is the core of every sampled output layer (word2vec's negative sampling and
    hierarchical softmax, sampled softmax): each group ``b`` of ``R`` hidden vectors is
    scored against its own ``J`` rows of a large table, without materialising the
    ``(B, J, d)`` rows twice or transposing them. ``hidden`` has shape ``(B, R, d)`` (or
    ``(B, d)``, giving scores ``(B, J)``); ``rows`` is an integer array ``(B, J)``. The
    table's gradient is row-sparse: ``Σ_r grad[b, r, j] · hidden[b, r]`` on row
    ``rows[b, j]``.
    """

    @staticmethod
    def forward(ctx, hidden, table, rows):
        rows = _check_rows(rows, table.shape[0])
        if rows.ndim != 2 or hidden.ndim not in (2, 3) or hidden.shape[0] != rows.shape[0]:
            raise ValueError(f"hidden {hidden.shape} and rows {rows.shape} must be (B, R, d) "
                             "or (B, d) and (B, J)")
        squeeze = hidden.ndim == 2
        h = hidden[:, None, :] if squeeze else hidden
        gathered = np.take(table, rows, axis=0)                  # (B, J, d)
        ctx.h, ctx.gathered, ctx.rows, ctx.shape, ctx.squeeze = (
            h, gathered, rows, table.shape, squeeze)
        scores = np.matmul(h, gathered.transpose(0, 2, 1))       # (B, R, J)
        return scores[:, 0, :] if squeeze else scores

    @staticmethod
    def backward(ctx, grad):
        need_hidden, need_table = ctx.needs_input_grad[:2]
        g = grad[:, None, :] if ctx.squeeze else grad
        g_hidden = g_table = None
        if need_hidden:
            g_hidden = np.matmul(g, ctx.gathered)                # (B, R, d)
            if ctx.squeeze:
                g_hidden = g_hidden[:, 0, :]
        if need_table:  # row rows[b, j] gains Σ_r g[b, r, j] · h[b, r]
            B, J = ctx.rows.shape
            if g.shape[1] == 1:   # one hidden vector per group: g[b, 0, j] · h[b, 0]
                sources = np.repeat(np.arange(B), J)
                g_table = scatter_rows(ctx.rows.reshape(-1), sources, g.reshape(-1),
                                       ctx.h[:, 0, :], ctx.shape)
            else:
                values = np.matmul(g.transpose(0, 2, 1), ctx.h)  # (B, J, d)
                g_table = RowSparseGrad(ctx.rows.reshape(-1),
                                        values.reshape(-1, ctx.shape[1]), ctx.shape)
        return g_hidden, g_table, None


class EmbeddingBag(Function):
    """Weighted sums of gathered rows: ``out[b] = Σ_c weights[b, c] · table[rows[b, c]]``.

    The bag-of-words hidden layer (word2vec's CBOW, fastText, torch's ``EmbeddingBag``) as
    one primitive. ``rows`` is an integer array ``(B, C)`` and ``weights`` a constant
    ``(B, C)`` (1 for a sum, ``1/n_b`` for a mean, 0 for padding); or, without padding,
    ``rows`` and ``weights`` are flat ``(n,)`` and ``offsets`` ``(B + 1,)`` says where
    each bag starts (bag ``b`` is ``rows[offsets[b]:offsets[b + 1]]``, as a CSR matrix).
    The output has shape ``(B, d)``: the product of that ``(B × V)`` sparse matrix with the
    table (:func:`~sklearn_deep.engine.sparse.bag_sums`), with no ``(n, d)`` gather. The
    table's gradient is row-sparse, ``weights[k] · grad[b]`` on row ``rows[k]``, one entry
    per use, uncoalesced and kept factored
    (:meth:`~sklearn_deep.engine.RowSparseGrad.from_product`): plain SGD adds it into the
    table in one pass (:func:`~sklearn_deep.engine.sparse.add_rows`) without forming the
    ``(n, d)`` weighted copies. Entries of weight 0 (padding) take no part.
    """

    @staticmethod
    def forward(ctx, table, rows, weights, offsets=None):
        rows = _check_rows(rows, table.shape[0])
        weights = np.asarray(weights, dtype=table.dtype)
        if weights.shape != rows.shape or rows.ndim != (1 if offsets is not None else 2):
            raise ValueError(f"rows {rows.shape} and weights {weights.shape} must both be "
                             "(B, C), or both (n,) with offsets")
        if offsets is None:  # padded: entries of weight 0 take no part
            used = weights != 0
            offsets = np.zeros(rows.shape[0] + 1, dtype=np.intp)
            np.cumsum(used.sum(axis=1), out=offsets[1:])
            rows, weights = rows[used], weights[used]
        offsets = as_indices(offsets)
        ctx.rows, ctx.weights, ctx.offsets, ctx.shape = rows, weights, offsets, table.shape
        ctx.checked = False
        if table.dtype.kind != "f":  # integer tables: no sparse product for them
            out = np.zeros((offsets.shape[0] - 1, *table.shape[1:]), dtype=table.dtype)
            np.add.at(out, np.repeat(np.arange(out.shape[0]), np.diff(offsets)),
                      table[rows] * weights[:, None])
            return out
        # rows checked here, offsets by bag_sums; kept as copies the caller cannot change
        # before backward, whose gradient is added without checking them again
        rows, offsets = np.array(rows), np.array(offsets)
        ctx.rows, ctx.offsets, ctx.checked = rows, offsets, True
        return bag_sums(table, rows, weights, offsets, rows_checked=True)  # (B, d)

    @staticmethod
    def backward(ctx, grad):
        if not ctx.needs_input_grad[0]:
            return None, None, None
        # row rows[k] gains weights[k] · grad[b] for the bag b holding entry k
        return (RowSparseGrad.from_product(ctx.rows, ctx.offsets, ctx.weights, grad,
                                           ctx.shape, checked=ctx.checked), None, None)


class SampledLogistic(Function):
    """The summed logistic loss of hidden vectors scored against gathered table rows:
    :class:`GatherScores` fused with a weighted binary cross-entropy on the scores.

    ``S[g, l, j] = hidden[g, l] · table[rows[g, j]]`` (one small matrix product per group
    ``g``) and the loss is ``Σ weights · log(1 + exp(-(2·targets - 1) · S))``. This is
    negative sampling's output layer when a group of centre words shares its negatives:
    ``rows[g]`` holds the group's centres and its negatives, ``hidden[g]`` the hidden
    vectors of all its training examples (skip-gram: one per (context, centre) pair;
    CBOW: one per centre), and ``weights`` say which (example, row) scores count
    (0 for padding and for the other centres' rows). The backward pass is two more
    batched products; the table's gradient is an uncoalesced :class:`RowSparseGrad`
    (one entry per gathered row), which a plain SGD step adds in place
    (:func:`~sklearn_deep.engine.sparse.add_rows`).

    Parameters
    ----------
    hidden : ndarray of shape (G, L, d)
    table : ndarray of shape (V, d)
    rows : ndarray of int, shape (G, J)
    targets : ndarray of shape (G, L, J)
        1 for the true (centre) row, 0 for a negative.
    weights : ndarray of shape (G, L, J)
        Weight of each score's loss.
    clip : float or None
        word2vec.c's and gensim's shortcut: a score with ``|S| >= clip`` gets no gradient
        (their sigmoid table ends at ±6). The loss is computed exactly either way, so
        with ``clip`` the gradient is the loss's only where every ``|S| < clip``; None
        gives the exact gradient.
    """

    @staticmethod
    def forward(ctx, hidden, table, rows, targets, weights, clip=None):
        rows = _check_rows(rows, table.shape[0])
        G, L, _ = hidden.shape
        if rows.ndim != 2 or rows.shape[0] != G or np.shape(targets) != (G, L, rows.shape[1]):
            raise ValueError(f"hidden {hidden.shape}, rows {rows.shape} and targets "
                             f"{np.shape(targets)} must be (G, L, d), (G, J) and (G, L, J)")
        gathered = np.take(table, rows, axis=0)                       # (G, J, d)
        scores = np.matmul(hidden, gathered.transpose(0, 2, 1))       # (G, L, J)
        targets = np.asarray(targets)
        weights = np.asarray(weights, dtype=scores.dtype)
        # σ(|S|) and σ(-|S|) from one exp(-|S|), which never overflows (np.logaddexp is
        # ~20x slower than exp on float32). The loss is -log σ(±S), the probability of
        # the target: log σ(|S|), or log σ(-|S|) = log σ(|S|) - |S| where the score
        # disagrees with the target (log σ(|S|) rounds to 0 only where |S| > 16, an
        # error under 1e-7)
        magnitude = np.abs(scores)
        shrunk = np.exp(-magnitude)
        high = 1 / (1 + shrunk)                                        # σ(|S|)
        low = shrunk * high                                            # σ(-|S|)
        positive = scores >= 0
        log_likely = np.log(high)
        log_likely -= magnitude * (positive != (targets if targets.dtype == bool
                                                else targets > 0))
        loss = -np.sum(weights * log_likely, dtype=np.float64)
        # d loss / d S = weights · (σ(S) − targets)
        slope = np.where(positive, high, low)
        slope -= targets
        # no slope for a saturated score: its weight times |S| < clip
        slope *= weights if clip is None else weights * (magnitude < clip)
        ctx.hidden, ctx.gathered, ctx.rows, ctx.slope, ctx.shape = (
            hidden, gathered, rows, slope, table.shape)
        return np.asarray(loss, dtype=scores.dtype)

    @staticmethod
    def backward(ctx, grad):
        slope = ctx.slope * np.asarray(grad, dtype=ctx.slope.dtype)
        need_hidden, need_table = ctx.needs_input_grad[:2]
        g_hidden = np.matmul(slope, ctx.gathered) if need_hidden else None   # (G, L, d)
        g_table = None
        if need_table:
            values = np.matmul(slope.transpose(0, 2, 1), ctx.hidden)      # (G, J, d)
            g_table = RowSparseGrad(ctx.rows.reshape(-1), values.reshape(-1, ctx.shape[1]),
                                    ctx.shape)
        return g_hidden, g_table, None, None, None


class GatheredSampledLogistic(Function):
    """:class:`SampledLogistic` of hidden vectors that are rows of a table, gathered in
    the primitive: ``hidden[g, l] = table_in[inputs[g, l]]`` (skip-gram's context words)
    scored against ``table_out[rows[g, j]]``; the arguments ``rows``, ``targets``,
    ``weights`` and ``clip`` are :class:`SampledLogistic`'s.

    ``table_in``'s gradient is factored (:meth:`~sklearn_deep.engine.RowSparseGrad.
    from_product`): one entry per slot ``(g, l)`` with a nonzero weight, the gradient of
    its hidden vector on row ``inputs[g, l]``. A slot whose weights are all 0 (padding)
    has a zero gradient and gets no entry, so that plain SGD adds only the real ones.

    Parameters
    ----------
    table_in : ndarray of shape (V_in, d)
    table_out : ndarray of shape (V, d)
    inputs : ndarray of int, shape (G, L)
    rows, targets, weights, clip
        As for :class:`SampledLogistic`.
    """

    @staticmethod
    def forward(ctx, table_in, table_out, inputs, rows, targets, weights, clip=None):
        inputs = _check_rows(inputs, table_in.shape[0])
        if inputs.ndim != 2:
            raise ValueError(f"inputs {inputs.shape} must be (G, L)")
        hidden = np.take(table_in, inputs, axis=0)                     # (G, L, d)
        loss = SampledLogistic.forward(ctx, hidden, table_out, rows, targets, weights, clip)
        # slots with a weight: the entries of table_in's gradient (kept as copies); an OR
        # of the few columns, where any(axis=2) over them took 3x longer
        nonzero = np.asarray(weights)
        nonzero = np.broadcast_to(nonzero if nonzero.dtype == bool else nonzero != 0,
                                  np.shape(targets))  # (weights broadcast, as in forward)
        used = (nonzero[:, :, 0].copy() if nonzero.shape[2]
                else np.zeros(nonzero.shape[:2], dtype=bool))
        for j in range(1, nonzero.shape[2]):
            used |= nonzero[:, :, j]
        ctx.used = used.reshape(-1)
        ctx.input_rows, ctx.shape_in = inputs.reshape(-1)[ctx.used], table_in.shape
        return loss

    @staticmethod
    def backward(ctx, grad):
        # SampledLogistic's backward reads needs_input_grad[:2] as (hidden, table): here
        # (table_in, table_out), whose gradients are the hidden vectors' and the table's
        g_hidden, g_out = SampledLogistic.backward(ctx, grad)[:2]
        g_in = None
        if g_hidden is not None:
            offsets = np.zeros(ctx.used.shape[0] + 1, dtype=np.intp)
            np.cumsum(ctx.used, out=offsets[1:])
            g_in = RowSparseGrad.from_product(
                ctx.input_rows, offsets, np.ones(ctx.input_rows.shape[0], dtype=g_hidden.dtype),
                g_hidden.reshape(-1, ctx.shape_in[1]), ctx.shape_in, checked=True)
        return g_in, g_out, None, None, None, None


class NegativeSampling(Function):
    """Negative sampling's summed logistic loss, each example against its own true row
    and its group's shared negatives.

    For hidden vectors ``hidden[g, l]`` (group ``g``, example ``l``), the true rows
    ``positives[g, l]`` and the negatives ``negatives[g]`` shared by every example of
    the group, the scores are ``P[g, l] = hidden[g, l] · table[positives[g, l]]`` (one
    row-wise dot product per example) and ``N[g, l, k] = hidden[g, l] ·
    table[negatives[g, k]]`` (one small matrix product per group), and the loss is
    ``Σ weights[..., 0] · log(1 + exp(-P)) + Σ weights[..., 1:] · log(1 + exp(N))``
    (Mikolov et al. 2013's objective; ``weights`` leave out padding and negatives equal
    to the true row). Unlike :class:`SampledLogistic`, no example is scored against the
    other examples' true rows: the work is ``1 + K`` scores per example whatever the
    group size. Backward is two more batched products and row-wise scalings; the table's
    gradient is one uncoalesced, factored
    :meth:`~sklearn_deep.engine.RowSparseGrad.from_product`: the true rows' entries
    ``slope · hidden``, then the negatives' (one ``(G, K, d)`` product, weight 1), which
    plain SGD adds into the table in one pass.

    Parameters
    ----------
    hidden : ndarray of shape (G, L, d)
    table : ndarray of shape (V, d)
    positives : ndarray of int, shape (G, L)
    negatives : ndarray of int, shape (G, K)
    weights : ndarray of shape (G, L, 1 + K)
        Weight of each score's loss: the true row's first, then the negatives'.
    clip : float or None
        A score with ``|score| >= clip`` gets no gradient (word2vec.c's and gensim's
        shortcut, see :class:`SampledLogistic`); the loss is exact either way.
    """

    @staticmethod
    def forward(ctx, hidden, table, positives, negatives, weights, clip=None):
        positives = _check_rows(positives, table.shape[0])
        negatives = _check_rows(negatives, table.shape[0])
        G, L, _ = hidden.shape
        K = negatives.shape[1] if negatives.ndim == 2 else -1
        if (positives.shape != (G, L) or negatives.shape[:1] != (G,) or K < 0
                or np.shape(weights) != (G, L, 1 + K)):
            raise ValueError(f"hidden {hidden.shape}, positives {positives.shape}, negatives "
                             f"{negatives.shape} and weights {np.shape(weights)} must be "
                             "(G, L, d), (G, L), (G, K) and (G, L, 1 + K)")
        return _scored_loss(ctx, hidden, table, positives, negatives, weights, clip)

    @staticmethod
    def backward(ctx, grad):
        g_hidden, g_table = _scored_grads(ctx, grad, *ctx.needs_input_grad[:2])
        return g_hidden, g_table, None, None, None


class BagNegativeSampling(Function):
    """CBOW's whole loss in one primitive: :class:`EmbeddingBag` sums of context rows of
    ``table_in``, scored by :class:`NegativeSampling` against ``table_out``.

    Hidden vector ``b`` is ``s_b = Σ table_in[rows[k]]`` over ``offsets[b] <= k <
    offsets[b + 1]``; with ``shift`` it is valued ``s_b + shift_b · s_b`` (``shift =
    1/n_b − 1``: the mean), the added ``shift_b · s_b`` taken as a constant, so that
    ``table_in``'s rows get the error of the mean in full, as in word2vec.c's and gensim's
    CBOW update (without ``shift`` the gradient is the loss's). The hidden vectors, cut
    into groups ``(G, L, d)``, are scored as :class:`NegativeSampling` scores them, with
    its arguments ``positives``, ``negatives``, ``weights`` and ``clip``. The result and
    both gradients equal those of the three primitives composed, in one graph node and
    with the hidden vectors written once, where the table's gradient reads them.

    Parameters
    ----------
    table_in : ndarray of shape (V, d)
    table_out : ndarray of shape (V, d)
    rows : ndarray of int, shape (n,)
    offsets : ndarray of int, shape (G·L + 1,)
        Non-decreasing from 0 to ``n``: where each bag starts.
    shift : ndarray of shape (G·L,), or None
    positives, negatives, weights, clip
        As for :class:`NegativeSampling`.
    """

    @staticmethod
    def forward(ctx, table_in, table_out, rows, offsets, shift, positives, negatives,
                weights, clip=None):
        rows = _check_rows(rows, table_in.shape[0])
        positives = _check_rows(positives, table_out.shape[0])
        negatives = _check_rows(negatives, table_out.shape[0])
        G, L = positives.shape if positives.ndim == 2 else (-1, -1)
        K = negatives.shape[1] if negatives.ndim == 2 else -1
        d = table_in.shape[-1]
        if (rows.ndim != 1 or np.shape(offsets) != (G * L + 1,) or min(G, K) < 0
                or table_in.ndim != 2 or table_out.ndim != 2
                or negatives.shape[0] != G or np.shape(weights) != (G, L, 1 + K)
                or table_out.shape[1] != d
                or (shift is not None and np.shape(shift) != (G * L,))):
            raise ValueError(
                f"rows {rows.shape}, offsets {np.shape(offsets)}, shift {np.shape(shift)}, "
                f"positives {positives.shape}, negatives {negatives.shape} and weights "
                f"{np.shape(weights)} must be (n,), (G·L + 1,), (G·L,), (G, L), (G, K) and "
                "(G, L, 1 + K), with matrices of one width as tables")
        # kept as copies the caller cannot change before backward (unchecked there), of
        # the index type SciPy's kernels take (not converted again by each)
        rows, offsets = np.array(rows, dtype=np.intp), np.array(as_indices(offsets))
        ones = np.ones(rows.shape[0], dtype=table_in.dtype)
        bags = bag_sums(table_in, rows, ones, offsets, rows_checked=True)   # (G·L, d)
        # the table's gradient reads the hidden vectors from these rows, then the
        # negatives' vectors
        vectors = np.empty((G * (L + K), d), dtype=np.result_type(bags, table_out))
        hidden = vectors[:G * L]
        if shift is None:
            hidden[...] = bags
        else:
            np.multiply(bags, np.asarray(shift, dtype=bags.dtype)[:, None], out=hidden)
            hidden += bags
        ctx.rows, ctx.offsets, ctx.ones, ctx.vectors = rows, offsets, ones, vectors
        ctx.shape_in = table_in.shape
        return _scored_loss(ctx, hidden.reshape(G, L, d), table_out, positives, negatives,
                            weights, clip)

    @staticmethod
    def backward(ctx, grad):
        need_in, need_out = ctx.needs_input_grad[:2]
        g_hidden, g_out = _scored_grads(ctx, grad, need_in, need_out, ctx.vectors)
        g_in = None
        if need_in:  # row rows[k] gains the gradient of its bag's hidden vector
            g_in = RowSparseGrad.from_product(ctx.rows, ctx.offsets, ctx.ones,
                                              g_hidden.reshape(-1, ctx.shape_in[1]),
                                              ctx.shape_in, checked=True)
        return g_in, g_out, None, None, None, None, None, None


def _scored_loss(ctx, hidden, table, positives, negatives, weights, clip):
    """Negative sampling's forward on checked arrays (see :class:`NegativeSampling`): the
    summed loss, with what :func:`_scored_grads` needs saved in ``ctx``."""
    G, L, _ = hidden.shape
    K = negatives.shape[1]
    true_rows = np.take(table, positives, axis=0)                   # (G, L, d)
    noise_rows = np.take(table, negatives, axis=0)                  # (G, K, d)
    # z: the score signed so that the target is z > 0 (P, and -N)
    z = np.empty((G, L, 1 + K), dtype=np.result_type(hidden, table))
    np.einsum("gld,gld->gl", hidden, true_rows, out=z[:, :, 0])
    # the product into a contiguous array, then negated into z's strided columns (a
    # product straight into them took longer)
    np.negative(np.matmul(hidden, noise_rows.transpose(0, 2, 1)), out=z[:, :, 1:])
    weights = np.asarray(weights)
    # -log σ(z) = log(1 + exp(-|z|)) - min(z, 0), from one exp(-|z|) (no overflow)
    shrunk = np.abs(z)
    # the slope's weights: none for a saturated score (|z| >= clip)
    active = weights if clip is None else weights * (shrunk < clip)
    np.negative(shrunk, out=shrunk)
    np.exp(shrunk, out=shrunk)
    terms = np.log1p(shrunk)
    terms -= np.minimum(z, 0)
    terms *= weights
    loss = np.sum(terms, dtype=np.float64)
    # d loss / d z = -weights · σ(-z), with σ(-z) = exp(-|z|) / (1 + exp(-|z|)) for
    # z >= 0 and 1 / (1 + exp(-|z|)) otherwise
    slope = np.where(z >= 0, shrunk, 1)
    shrunk += 1
    slope /= shrunk
    slope *= active
    slope[:, :, 0] *= -1            # d loss / d P = -weights · σ(-P); for N: +σ(N)
    ctx.hidden, ctx.true_rows, ctx.noise_rows, ctx.slope = (
        hidden, true_rows, noise_rows, slope)
    # the rows of the table's gradient, in a copy of the caller's arrays (checked here:
    # changed by the caller before backward, they would reach SciPy's unchecked kernel)
    ctx.scored_rows = np.concatenate([positives.reshape(-1), negatives.reshape(-1)])
    ctx.n_noise, ctx.shape = K, table.shape
    return np.asarray(loss, dtype=z.dtype)


def _scored_grads(ctx, grad, need_hidden, need_table, vectors=None):
    """Negative sampling's backward (see :class:`NegativeSampling`): the gradients of the
    hidden vectors and of the table (each None when not needed). ``vectors``: an array
    ``(G·(L + K), d)`` whose first ``G·L`` rows already hold the hidden vectors, for the
    table's factored gradient (otherwise they are copied into a new one)."""
    slope = ctx.slope * np.asarray(grad, dtype=ctx.slope.dtype)
    true_slope, noise_slope = slope[:, :, 0], slope[:, :, 1:]
    g_hidden = g_table = None
    if need_hidden:
        g_hidden = np.matmul(noise_slope, ctx.noise_rows)          # (G, L, d)
        # the gathered rows are not needed after the last backward: scaled in place
        scaled = (ctx.true_rows if getattr(ctx, "last_backward", False)
                  else ctx.true_rows.copy())
        scaled *= true_slope[:, :, None]
        g_hidden += scaled
    if need_table:
        # one factored gradient, the true rows' entries then the negatives': vector s
        # of ``vectors`` weighted by ``weights[s]`` on row ``rows[s]``
        G, L, d = ctx.hidden.shape
        K = ctx.n_noise
        if vectors is None:
            vectors = np.empty((G * (L + K), d), dtype=slope.dtype)
            vectors[:G * L] = ctx.hidden.reshape(G * L, d)
        np.matmul(noise_slope.transpose(0, 2, 1), ctx.hidden,
                  out=vectors[G * L:].reshape(G, K, d))
        weights = np.ones(G * (L + K), dtype=slope.dtype)
        weights[:G * L] = true_slope.reshape(-1)
        g_table = RowSparseGrad.from_product(ctx.scored_rows, np.arange(G * (L + K) + 1), weights,
                                             vectors, ctx.shape, checked=True)
    return g_hidden, g_table
