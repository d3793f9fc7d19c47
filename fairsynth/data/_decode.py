"""Decoding a soft one-hot block to category indices, vectorised (argmax or inverse CDF)."""

from __future__ import annotations

import numpy as np

__all__ = ["TILE_ROWS", "decode_onehot", "inverse_cdf"]

# Below this many rows a soft one-hot block is decoded row by row (numpy's argmax / cumsum
# along the row); from it on, column by column (see `decode_onehot`).
_COLUMN_LOOP_MIN_ROWS = 1024
# Column loops and the quantile decoding pass over at most this many rows at a time, so that
# their working vectors (~1 MB) stay in a core's L2 cache when a million rows are decoded.
TILE_ROWS = 65_536


def decode_onehot(block: np.ndarray, decode: str, rng: np.random.Generator | None) -> np.ndarray:
    """Index of the category chosen in each row of a (soft) one-hot block.

    The block holds non-negative, NaN-free weights (tempered rows; the transformer clips
    negatives and NaN to 0 before calling this): they are normalised per row, an all-zero
    row is uniform and an infinite entry wins. ``"argmax"`` takes the largest weight (the
    first on ties); ``"sample"`` draws the category with one uniform per row through the
    inverse CDF of the row, so a category of weight 0 is never drawn.

    Large blocks are processed column by column, fastest when the block's columns are
    contiguous (the transformer passes such blocks): numpy's reductions along a short row
    cost ~30 ns of overhead per row, while a column loop makes k vectorised passes. Both
    ways give the very same indices (same float32 sums in the same order).
    """
    n, k = block.shape
    if k == 1:
        return np.zeros(n, dtype=np.int64)
    if decode == "argmax":
        if k == 2:
            return (block[:, 1] > block[:, 0]).astype(np.int64)
        if n < _COLUMN_LOOP_MIN_ROWS:
            return np.argmax(block, axis=1).astype(np.int64, copy=False)
        return _by_tiles(_argmax_by_columns, block)
    r = rng.random(n, dtype=np.float64)
    if k == 2:
        b0, b1 = block[:, 0], block[:, 1]
        total = b0 + b1
        if np.isfinite(total).all() and (total > 0).all():
            u = r.astype(block.dtype) * total
            return ((u >= b0) & (b1 > 0)).astype(np.int64)
    if n < _COLUMN_LOOP_MIN_ROWS:
        return inverse_cdf(block, r)
    return _by_tiles(_inverse_cdf_by_columns, block, r)


def _by_tiles(decode_rows, block: np.ndarray, *per_row: np.ndarray) -> np.ndarray:
    """``decode_rows(block, *per_row)`` applied to TILE_ROWS rows at a time."""
    n = block.shape[0]
    if n <= TILE_ROWS:
        return decode_rows(block, *per_row)
    idx = np.empty(n, dtype=np.int64)
    for a in range(0, n, TILE_ROWS):
        rows = slice(a, a + TILE_ROWS)
        idx[rows] = decode_rows(block[rows], *(x[rows] for x in per_row))
    return idx


def _counter(n: int, k: int) -> np.ndarray:
    return np.zeros(n, dtype=np.uint8 if k < 256 else np.int64)


def _argmax_by_columns(block: np.ndarray) -> np.ndarray:
    """``np.argmax(block, axis=1)`` (NaN-free block): with m the row maximum, the first
    index of m is the number of prefix maxima below m."""
    n, k = block.shape
    top = block[:, 0].copy()
    for j in range(1, k):
        np.maximum(top, block[:, j], out=top)
    prefix = block[:, 0].copy()
    idx, below = _counter(n, k), np.empty(n, dtype=bool)
    np.less(prefix, top, out=below)
    idx += below
    for j in range(1, k - 1):  # the last prefix maximum is the maximum: never below it
        np.maximum(prefix, block[:, j], out=prefix)
        np.less(prefix, top, out=below)
        idx += below
    return idx.astype(np.int64)


def _inverse_cdf_by_columns(block: np.ndarray, r: np.ndarray) -> np.ndarray:
    """`inverse_cdf` with a loop over columns: the running sum is the same float
    sequence as np.cumsum's, so a weight of 0 never moves the count."""
    n, k = block.shape
    total = block[:, 0].copy()
    for j in range(1, k):
        total += block[:, j]
    u = r.astype(block.dtype) * total
    running = block[:, 0].copy()
    idx, below = _counter(n, k), np.empty(n, dtype=bool)
    np.less_equal(running, u, out=below)
    idx += below
    for j in range(1, k):
        running += block[:, j]
        np.less_equal(running, u, out=below)
        idx += below
    idx = idx.astype(np.int64)
    # all-zero or infinite rows, and u rounded up to the total (idx == k): the reference
    redo = ~((total > 0) & (total < np.inf)) | (idx >= k)
    if redo.any():
        idx[redo] = inverse_cdf(block[redo], r[redo])
    return idx


def inverse_cdf(block: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Inverse-CDF draw of each row of ``block`` with the uniforms ``r``, row by row."""
    k = block.shape[1]
    w = np.cumsum(block, axis=1)
    total = w[:, -1].copy()
    bad = ~np.isfinite(total) | (total <= 0)
    if bad.any():  # all-zero rows -> uniform; rows with an infinite weight -> those entries
        sub = block[bad]
        inf = np.isinf(sub)
        sub = np.where(inf.any(axis=1, keepdims=True), inf, 1.0).astype(w.dtype)
        w[bad] = np.cumsum(sub, axis=1)
        total[bad] = w[bad, -1]
    u = r.astype(w.dtype) * total
    idx = np.count_nonzero(w <= u[:, None], axis=1)
    over = idx >= k  # u rounded up to the total: take the last category of positive weight
    if over.any():
        idx[over] = np.argmax(w[over] >= total[over, None], axis=1)
    return idx.astype(np.int64, copy=False)
