"""Fast decoding paths: soft one-hot draws, O(1) quantile interpolation, threads, subsampled GMM."""

import numpy as np
import pandas as pd
import pytest

import fairsynth.data._numeric as numeric
import fairsynth.data.transformer as transformer_module
from fairsynth.data import TableTransformer
from fairsynth.data._decode import decode_onehot, inverse_cdf
from fairsynth.data._numeric import QuantileCodec
from fairsynth.data.transformer import _columns_first


def _soft_block(n, k, rng, zeros=0.3):
    """Softmax-like rows with some exact zeros (a hard or underflowed generator output)."""
    w = rng.gamma(0.5, size=(n, k)).astype(np.float32)
    w[rng.random((n, k)) < zeros] = 0.0
    return w


@pytest.mark.parametrize("k", [3, 9, 42, 300])
@pytest.mark.parametrize("order", ["C", "F"])
def test_column_loops_match_the_row_by_row_decoding(k, order):
    rng = np.random.default_rng(k)
    block = _soft_block(3000, k, rng)
    block[:40] = 0.0  # all-zero rows: uniform
    block[40:60, 1] = np.inf  # an infinite weight wins
    block[60:80, : k // 2] = block[60:80, -1:]  # ties: argmax takes the first
    block = np.asarray(block, order=order)
    got = decode_onehot(block, "sample", np.random.default_rng(0))
    r = np.random.default_rng(0).random(len(block))
    np.testing.assert_array_equal(got, inverse_cdf(block, r))  # row by row
    positive = block[np.arange(len(block)), got] > 0
    assert positive[block.sum(axis=1) > 0].all()  # a category of weight 0 is never drawn
    assert (got[40:60] == 1).all()
    assert got.min() >= 0 and got.max() < k
    np.testing.assert_array_equal(decode_onehot(block, "argmax", None), block.argmax(axis=1))


def test_sample_frequencies_match_the_soft_onehot():
    rng = np.random.default_rng(1)
    n, k = 200_000, 9
    block = _soft_block(n, k, rng, zeros=0.2)
    block[block.sum(axis=1) == 0, 0] = 1.0
    expected = (block / block.sum(axis=1, keepdims=True)).mean(axis=0)
    got = decode_onehot(block, "sample", np.random.default_rng(2))
    freq = np.bincount(got, minlength=k) / n
    # binomial standard error of a share p over n rows is at most 0.5/sqrt(n) ~ 0.0011
    np.testing.assert_allclose(freq, expected, atol=0.005)


def test_argmax_takes_the_first_largest():
    block = np.array([[0.1, 0.5, 0.5], [0.0, 0.0, 0.0], [0.3, 0.2, 0.1]], dtype=np.float32)
    assert decode_onehot(block, "argmax", None).tolist() == [1, 0, 0]


def test_quantile_interpolation_is_np_interp():
    rng = np.random.default_rng(0)
    values = np.r_[
        np.zeros(500), rng.exponential(size=300), np.full(100, 5.0), rng.integers(0, 4, 300)
    ]
    for n_quantiles in (2, 7, 1000):
        codec = QuantileCodec.fit(values, n_quantiles)
        n = codec._cells[0]
        grid = codec._cells[1][:n]
        c = np.r_[grid, np.nextafter(grid, 2), np.nextafter(grid, -1), rng.random(20_000), 0, 1]
        np.testing.assert_array_equal(codec._interp(c.copy()), np.interp(c, codec._xp, codec._fp))
    # a state whose levels are not the fitted grid falls back to np.interp
    odd = QuantileCodec([0.0, 1.0, 3.0], [0.1, 0.45, 0.9], 1.5, [0.1, 0.45, 0.9], [0.1, 0.45, 0.9])
    assert odd._cells is None
    np.testing.assert_array_equal(odd._interp(c.copy()), np.interp(c, odd._xp, odd._fp))


def test_columns_first_is_the_transpose():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(10_000, 7)).astype(np.float32)
    XT, owned = _columns_first(X)
    assert owned and XT.flags.c_contiguous
    np.testing.assert_array_equal(XT, X.T)
    XT, owned = _columns_first(np.asfortranarray(X))
    assert not owned and XT.flags.c_contiguous  # a view: already column-major
    np.testing.assert_array_equal(XT, X.T)


def _tempered(tt, X, rng):
    """Generator-like rows: soft one-hots (renormalised noisy one-hots), tanh scalars."""
    X = X + rng.normal(0, 0.3, X.shape).astype(np.float32)
    for s in tt.spans:
        b = X[:, s.start : s.stop]
        if s.kind == "onehot":
            e = np.exp(4 * b)
            X[:, s.start : s.stop] = e / e.sum(axis=1, keepdims=True)
        else:
            X[:, s.start : s.stop] = np.tanh(b)
    return X


def test_threaded_chunked_and_serial_decoding_agree(adult, monkeypatch):
    tt = TableTransformer(random_state=0).fit(adult)
    rng = np.random.default_rng(0)
    X = _tempered(tt, tt.transform(adult.head(3000)), rng)
    monkeypatch.setattr(transformer_module, "_PARALLEL_MIN_ROWS", 1)  # threads
    monkeypatch.setattr(transformer_module, "_TRANSPOSE_TILE", 512)  # tiles copied in parallel
    threaded = {d: tt.inverse_transform(X, decode=d, random_state=4) for d in ("sample", "argmax")}
    monkeypatch.setattr(transformer_module, "_PARALLEL_MIN_ROWS", 10**9)  # one thread
    for decode, out in threaded.items():
        pd.testing.assert_frame_equal(tt.inverse_transform(X, decode=decode, random_state=4), out)
    # argmax decodes row by row: chunks give the same table as one call
    parts = [tt.inverse_transform(X[i : i + 700], decode="argmax") for i in range(0, 3000, 700)]
    pd.testing.assert_frame_equal(pd.concat(parts, ignore_index=True), threaded["argmax"])


def test_mode_gmm_is_fitted_on_a_seeded_subsample(adult, monkeypatch):
    seen = []
    fit = numeric.ModeCodec.fit.__func__

    def spy(cls, values, *args):
        seen.append(len(values))
        return fit(cls, values, *args)

    monkeypatch.setattr(numeric, "MODE_FIT_ROWS", 400)
    monkeypatch.setattr("fairsynth.data._columns.MODE_FIT_ROWS", 400)
    monkeypatch.setattr(numeric.ModeCodec, "fit", classmethod(spy))
    df = adult[["age", "hours_per_week", "sex"]].head(3000)
    a = TableTransformer(continuous="mode", max_modes=4, random_state=3).fit(df)
    assert seen == [400, 400]
    b = TableTransformer(continuous="mode", max_modes=4, random_state=3).fit(df)
    assert a.to_dict() == b.to_dict()
    out = a.inverse_transform(a.transform(df), decode="argmax")
    for c in ("age", "hours_per_week"):  # all rows are still encoded, nearly all exactly
        assert (out[c] == df[c]).mean() > 0.98, c
