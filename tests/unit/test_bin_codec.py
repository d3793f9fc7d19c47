"""Quantile-bin encoding of numeric columns (continuous='bins', data/_numeric.py)."""

import numpy as np
import pandas as pd
from scipy.stats import ks_2samp

from fairsynth.data import TableTransformer
from fairsynth.data._numeric import BinCodec, codec_from_dict


def _hours(n=20_000, seed=0):
    rng = np.random.default_rng(seed)
    spike = rng.random(n) < 0.45
    return np.where(spike, 40.0, np.round(rng.gamma(6.0, 7.0, n)))


def test_atoms_are_their_own_bins_and_decode_exactly():
    x = _hours()
    codec = BinCodec.fit(x, 16)
    s, k = codec.encode(x)
    assert (s == 0).all()
    at_40 = k[x == 40]
    assert len(set(at_40)) == 1
    back = codec.decode(s, k, np.random.default_rng(0))
    assert (back[x == 40] == 40).all()


def test_a_value_beside_an_atom_goes_to_its_spread_bin_not_the_atom():
    x = _hours()
    codec = BinCodec.fit(x, 16)
    atom = codec.assign(np.array([40.0]))[0]
    near = codec.assign(np.array([41.0, 39.0, 42.5]))
    assert atom not in near


def test_values_drawn_within_a_bin_keep_the_column_law_and_stay_in_the_bin():
    x = _hours()
    codec = BinCodec.fit(x, 16)
    s, k = codec.encode(x)
    back = codec.decode(s, k, np.random.default_rng(1))
    assert ks_2samp(x, np.round(back)).statistic < 0.01
    lo, hi = codec.quantiles[k, 0], codec.quantiles[k, -1]
    assert ((back >= lo) & (back <= hi)).all()
    assert codec.assign(back).tolist() == k.tolist()  # a drawn value is in its bin


def test_state_round_trip_decodes_the_same_values():
    x = _hours()
    codec = BinCodec.fit(x, 16)
    again = codec_from_dict(codec.to_dict())
    s, k = codec.encode(x)
    assert np.array_equal(
        codec.decode(s, k, np.random.default_rng(2)), again.decode(s, k, np.random.default_rng(2))
    )


def test_transformer_bins_give_integer_columns_their_dtype_and_range():
    df = pd.DataFrame({"hours": _hours(3000).astype(np.int64), "c": ["a", "b", "c"] * 1000})
    t = TableTransformer(continuous="bins", n_bins=8, random_state=0).fit(df)
    assert [s.stop - s.start for s in t.spans_of("hours")] == [1, 8]
    back = t.inverse_transform(t.transform(df), random_state=0)
    assert back["hours"].dtype == np.int64
    assert back["hours"].between(df["hours"].min(), df["hours"].max()).all()


def test_a_bin_cut_across_two_clusters_draws_no_value_in_the_gap_between_them():
    rng = np.random.default_rng(0)
    x = np.r_[rng.normal(0, 0.01, 5000), rng.normal(1, 0.01, 5000)]
    codec = BinCodec.fit(x, 3)  # the middle bin holds the tails of both clusters
    s, k = codec.encode(x)
    back = codec.decode(s, k, np.random.default_rng(1))
    assert ((back > 0.1) & (back < 0.9)).sum() == 0
