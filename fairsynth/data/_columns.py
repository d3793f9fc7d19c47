"""Per-column encoders of :class:`~fairsynth.data.transformer.TableTransformer`.

Each encoder is fitted on one column, keeps only JSON-safe state (``to_dict``), lists the
spans it occupies (``layout``: ``(kind, role, width)`` triples, in order), encodes a column
into float blocks and decodes blocks back to a pandas array of the column's original dtype.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InvalidDataError
from ._dates import format_dates, parse_dates
from ._decode import decode_onehot
from ._numeric import (
    MODE_FIT_ROWS,
    BinCodec,
    ModeCodec,
    QuantileCodec,
    codec_from_dict,
    learn_range_and_digits,
    subsample,
)
from ._values import decode_value, encode_value
from .schema import ColumnSpec

__all__ = ["ColumnEncoder", "DerivedEncoder", "fit_encoder", "encoder_from_dict"]

_NS_PER_UNIT = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}
# granularity candidates for datetimes, in nanoseconds: day, hour, minute, s, ms, us, ns
_DT_STEPS_NS = (86_400 * 10**9, 3_600 * 10**9, 60 * 10**9, 10**9, 10**6, 10**3, 1)


def _is_textual(dtype: str) -> bool:
    return dtype in ("object", "string", "str") or dtype.startswith("string")


def _lookup_take(spec: ColumnSpec, lookup: list[Any], idx: np.ndarray) -> Any:
    """``lookup[idx]`` as an array of the column's dtype (conversion done once on ``lookup``)."""
    if spec.dtype == "category":
        dtype: Any = pd.CategoricalDtype(spec.categories, ordered=spec.ordered)
    else:
        dtype = spec.dtype
    values = np.empty(len(lookup), dtype=object)
    values[:] = lookup
    table = pd.Series(values, dtype=object)
    if dtype != "object":
        table = table.astype(dtype)
    return table.array.take(idx)


def _missing_block(missing: np.ndarray) -> np.ndarray:
    b = np.zeros((len(missing), 2), dtype=np.float32)
    b[:, 0] = ~missing
    b[:, 1] = missing
    return b


def _onehot(codes: np.ndarray, width: int) -> np.ndarray:
    b = np.zeros((len(codes), width), dtype=np.float32)
    b[np.arange(len(codes)), codes] = 1.0
    return b


class ColumnEncoder:
    """Base class: one column, its spans and its encode/decode."""

    def __init__(self, spec: ColumnSpec):
        self.spec = spec

    @property
    def name(self) -> str:
        return self.spec.name

    def layout(self) -> list[tuple[str, str, int]]:
        return []

    def encode(self, s: pd.Series) -> list[np.ndarray]:
        return []

    def decode(self, blocks: list[np.ndarray], n: int, decode: str, rng) -> Any:
        raise NotImplementedError

    def state(self) -> dict[str, Any]:
        return {}

    def to_dict(self) -> dict[str, Any]:
        return {"type": type(self).__name__, "spec": self.spec.to_dict(), **self.state()}

    def _check_missing(self, missing: np.ndarray) -> None:
        if missing.any() and not self.spec.has_missing:
            raise InvalidDataError(
                f"column {self.name!r} has missing values but had none when the transformer "
                "was fitted; fill them or refit on data with missing values"
            )


class NumericEncoder(ColumnEncoder):
    """continuous / integer / datetime: value scalar [+ mode one-hot] [+ missing one-hot]."""

    def __init__(self, spec, codec, lo, hi, digits, origin=0, step=1, unit="ns"):
        super().__init__(spec)
        self.codec = codec
        self.lo, self.hi, self.digits = float(lo), float(hi), digits
        self.origin, self.step, self.unit = int(origin), int(step), unit

    # -- raw values -------------------------------------------------------------------
    def _datetime_ints(self, s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        if not pd.api.types.is_datetime64_any_dtype(s.dtype):
            if self.spec.format is not None:  # ISO-like text (_dates.py)
                s = parse_dates(s, self.spec.format)
            else:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", UserWarning)  # "could not infer format"
                    s = pd.to_datetime(s, errors="coerce")
            s = s.dt.as_unit(self.unit)
        elif str(s.dt.unit) != self.unit:
            s = s.dt.as_unit(self.unit)
        missing = s.isna().to_numpy()
        return np.asarray(s.array.asi8, dtype=np.int64), missing

    def values(self, s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        """(float64 values in model units, missing mask)."""
        if self.spec.kind == "datetime":
            ints, missing = self._datetime_ints(s)
            v = ((ints - self.origin) // self.step).astype(np.float64)
            v[missing] = np.nan
            return v, missing
        if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
            v = s.to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            v = pd.to_numeric(s.astype(object), errors="coerce").to_numpy(np.float64)
        return v, np.isnan(v)

    @classmethod
    def fit(cls, spec, s, opts, rng) -> NumericEncoder:
        kw: dict[str, Any] = {}
        if spec.kind == "datetime":
            unit = spec.unit or "ns"
            probe = cls(spec, None, 0, 0, 0, unit=unit)
            ints, missing = probe._datetime_ints(s)
            ints = ints[~missing]
            origin = int(ints.min()) if len(ints) else 0
            step = 1
            for cand in _DT_STEPS_NS:
                st = cand // _NS_PER_UNIT[unit]
                if st >= 1 and np.all(ints % st == 0):
                    step = int(st)
                    break
            kw = {"origin": origin, "step": step, "unit": unit}
            v = ((ints - origin) // step).astype(np.float64)
            lo, hi, digits = (float(v.min()), float(v.max()), 0) if len(v) else (0.0, 0.0, 0)
        else:
            v, missing = cls(spec, None, 0, 0, 0).values(s)
            v = v[~missing]
            if len(v):
                lo, hi, digits = learn_range_and_digits(v, spec.name, spec.kind == "integer")
            else:
                lo, hi, digits = 0.0, 0.0, 0
        if len(v) == 0:
            v = np.zeros(1)
        sub = subsample(v, opts["max_fit_rows"], rng)
        if opts["continuous"] == "bins":
            codec: Any = BinCodec.fit(sub, opts["n_bins"])
        elif opts["continuous"] == "mode":
            seed = int(rng.integers(2**31 - 1))
            gmm_rows = subsample(sub, MODE_FIT_ROWS, rng)
            codec = ModeCodec.fit(gmm_rows, opts["max_modes"], seed, spec.name)
        else:
            sub = np.r_[sub, lo, hi]  # the grid spans the full observed range
            codec = QuantileCodec.fit(sub, opts["n_quantiles"])
        return cls(spec, codec, lo, hi, digits, **kw)

    def layout(self):
        out = [("scalar", "value", 1)]
        if self.codec.n_modes:
            out.append(("onehot", "mode", self.codec.n_modes))
        if self.spec.has_missing:
            out.append(("onehot", "missing", 2))
        return out

    def encode(self, s):
        v, missing = self.values(s)
        self._check_missing(missing)
        v = np.where(missing, self.lo, v)
        scalar, mode = self.codec.encode(v)
        scalar = np.where(missing, 0.0, scalar).astype(np.float32)[:, None]
        blocks = [scalar]
        if mode is not None:
            blocks.append(_onehot(mode, self.codec.n_modes))
        if self.spec.has_missing:
            blocks.append(_missing_block(missing))
        return blocks

    def decode(self, blocks, n, decode, rng):
        mode = decode_onehot(blocks[1], decode, rng) if self.codec.n_modes else None
        x = self.codec.decode(blocks[0][:, 0], mode, rng)  # a fresh array: modified in place
        np.clip(x, self.lo, self.hi, out=x)
        if self.spec.kind != "continuous":
            np.rint(x, out=x)
        elif self.digits is not None:
            np.round(x, self.digits, out=x)
        missing = None
        if self.spec.has_missing:
            missing = decode_onehot(blocks[-1], decode, rng) == 1
        return self._to_dtype(x, missing)

    def _to_dtype(self, x: np.ndarray, missing: np.ndarray | None) -> Any:
        spec, dtype = self.spec, self.spec.dtype
        if spec.kind == "datetime":
            ints = self.origin + x.astype(np.int64) * self.step
            arr = ints.view(f"M8[{self.unit}]").copy()
            if missing is not None:
                arr[missing] = np.datetime64("NaT")
            idx = pd.DatetimeIndex(arr)
            if spec.tz is not None:
                idx = idx.tz_localize("UTC").tz_convert(spec.tz)
            if _is_textual(dtype):
                if spec.format is not None:
                    out = format_dates(idx, spec.format)
                else:
                    out = np.asarray(idx.astype(str), dtype=object)
                if missing is not None:
                    out[missing] = np.nan
                return pd.array(out, dtype=dtype) if dtype != "object" else out
            return idx.array
        if missing is not None:
            x = np.where(missing, np.nan, x)
        if _is_textual(dtype):
            if spec.kind == "continuous":
                out = np.array([repr(float(a)) for a in x], dtype=object)
            else:
                out = np.array([str(int(a)) if a == a else "" for a in x], dtype=object)
            if missing is not None:
                out[missing] = np.nan
            return pd.array(out, dtype=dtype) if dtype != "object" else out
        np_dtype = np.dtype(dtype) if not dtype[:1].isupper() else None
        if np_dtype is not None:
            return x.astype(np_dtype)
        return pd.array(x, dtype=dtype)  # nullable Int64 / Float64...

    def state(self):
        return {
            "codec": self.codec.to_dict(),
            "lo": self.lo,
            "hi": self.hi,
            "digits": self.digits,
            "origin": self.origin,
            "step": self.step,
            "unit": self.unit,
        }

    @classmethod
    def from_state(cls, spec, d):
        return cls(
            spec,
            codec_from_dict(d["codec"]),
            d["lo"],
            d["hi"],
            d["digits"],
            d["origin"],
            d["step"],
            d["unit"],
        )


class CategoricalEncoder(ColumnEncoder):
    """categorical / boolean: one one-hot "value" span (NaN as an extra, last category)."""

    def __init__(self, spec, categories: list[Any]):
        super().__init__(spec)
        self.categories = list(categories)

    @classmethod
    def fit(cls, spec, s, opts, rng) -> CategoricalEncoder:
        if spec.dtype == "category" and spec.categories is not None:
            cats = list(spec.categories)
        else:
            cats = s.value_counts(dropna=True, sort=True).index.tolist()
        return cls(spec, cats)

    @property
    def width(self) -> int:
        return len(self.categories) + int(self.spec.has_missing)

    def layout(self):
        return [("onehot", "value", self.width)]

    def encode(self, s):
        missing = s.isna().to_numpy()
        self._check_missing(missing)
        vals = s.astype(object) if isinstance(s.dtype, pd.CategoricalDtype) else s
        codes = np.asarray(
            pd.Categorical(vals, categories=pd.Index(self.categories, dtype=object)).codes,
            dtype=np.int64,
        )
        unseen = (codes < 0) & ~missing
        if unseen.any():
            examples = pd.unique(s[unseen])[:5].tolist()
            raise InvalidDataError(
                f"column {self.name!r} has values not seen when the transformer was fitted: "
                f"{examples!r}; refit on data that includes them"
            )
        codes[missing] = len(self.categories)
        return [_onehot(codes, self.width)]

    def decode(self, blocks, n, decode, rng):
        idx = decode_onehot(blocks[0], decode, rng)
        lookup = list(self.categories) + ([np.nan] if self.spec.has_missing else [])
        if self.spec.dtype == "object":
            table = np.empty(len(lookup), dtype=object)
            table[:] = lookup
            return table[idx]
        return _lookup_take(self.spec, lookup, idx)

    def state(self):
        return {"categories": [encode_value(c) for c in self.categories]}

    @classmethod
    def from_state(cls, spec, d):
        return cls(spec, [decode_value(c) for c in d["categories"]])


class ConstantEncoder(ColumnEncoder):
    """constant: not modelled, repeats its value; a "missing" span if it has missing cells."""

    def __init__(self, spec, value: Any):
        super().__init__(spec)
        self.value = value

    @classmethod
    def fit(cls, spec, s, opts, rng) -> ConstantEncoder:
        vc = s.value_counts(dropna=True)
        return cls(spec, vc.index[0] if len(vc) else np.nan)

    def layout(self):
        return [("onehot", "missing", 2)] if self.spec.has_missing else []

    def encode(self, s):
        missing = s.isna().to_numpy()
        self._check_missing(missing)
        return [_missing_block(missing)] if self.spec.has_missing else []

    def decode(self, blocks, n, decode, rng):
        idx = np.zeros(n, dtype=np.int64)
        if self.spec.has_missing:
            idx = decode_onehot(blocks[0], decode, rng)
        lookup = [self.value] + ([np.nan] if self.spec.has_missing else [])
        return _lookup_take(self.spec, lookup, idx)

    def state(self):
        return {"value": encode_value(self.value)}

    @classmethod
    def from_state(cls, spec, d):
        return cls(spec, decode_value(d["value"]))


class IdEncoder(ColumnEncoder):
    """id: not modelled; regenerated as unique values in the original style.

    Integers: ``start, start+1, ...`` from the observed minimum. Text: the common prefix of
    the values followed by a zero-padded counter (``"C-0001"``) when all values look like
    prefix + digits, else ``"<column>_<counter>"``.
    """

    def __init__(self, spec, style: str, start: int, prefix: str, width: int):
        super().__init__(spec)
        self.style, self.start, self.prefix, self.width = style, int(start), prefix, int(width)

    @classmethod
    def fit(cls, spec, s, opts, rng) -> IdEncoder:
        nonnull = s.dropna()
        if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
            start = int(np.floor(nonnull.min())) if len(nonnull) else 0
            return cls(spec, "int", start, "", 0)
        text = nonnull.astype(str)
        m = text.str.extract(r"^(.*?)(\d+)$")
        if len(text) and m[0].notna().all() and m[0].nunique() == 1:
            width = int(m[1].str.len().max())
            start = int(m[1].astype(np.int64).min()) if width < 18 else 0
            return cls(spec, "str", start, str(m[0].iloc[0]), width)
        prefix = re.sub(r"\W+", "_", spec.name).strip("_") or "id"
        return cls(spec, "str", 0, prefix + "_", len(str(max(len(text), 1))))

    def decode(self, blocks, n, decode, rng, offset: int = 0):
        # offset: rows already generated by earlier chunks, so ids stay unique across chunks
        counter = np.arange(self.start + offset, self.start + offset + n, dtype=np.int64)
        if self.style == "int":
            dt = self.spec.dtype
            return counter.astype(dt) if not dt[:1].isupper() else pd.array(counter, dtype=dt)
        p, w = self.prefix, self.width
        out = np.array([f"{p}{i:0{w}d}" for i in counter.tolist()], dtype=object)
        return out if self.spec.dtype == "object" else pd.array(out, dtype=self.spec.dtype)

    def state(self):
        return {
            "style": self.style,
            "start": self.start,
            "prefix": self.prefix,
            "width": self.width,
        }

    @classmethod
    def from_state(cls, spec, d):
        return cls(spec, d["style"], d["start"], d["prefix"], d["width"])


class DerivedEncoder(ColumnEncoder):
    """A column that is a function of an earlier categorical column of the fitted table
    (every row with the same `source` value has the same value here, like education_num of
    education: data/_derived.py). Not modelled: decoded by looking up the source's decoded
    value, so the generated rows keep the dependency exactly."""

    def __init__(self, spec, source: str, keys: list[Any], values: list[Any]):
        super().__init__(spec)
        self.source, self.keys, self.values = source, list(keys), list(values)

    def decode_from(self, source_values: Any) -> Any:
        idx = pd.Index(self.keys, dtype=object).get_indexer(np.asarray(source_values, object))
        if (idx < 0).any():  # cannot happen for decoded categories; kept loud, not silent
            raise InvalidDataError(
                f"column {self.source!r} decoded a value the fit never saw, so {self.name!r} "
                "(derived from it) has no value for it"
            )
        return _lookup_take(self.spec, self.values, idx)

    def state(self):
        return {
            "source": self.source,
            "keys": [encode_value(k) for k in self.keys],
            "values": [encode_value(v) for v in self.values],
        }

    @classmethod
    def from_state(cls, spec, d):
        decoded = ([decode_value(v) for v in d[k]] for k in ("keys", "values"))
        return cls(spec, d["source"], *decoded)


_BY_KIND = {
    "continuous": NumericEncoder,
    "integer": NumericEncoder,
    "datetime": NumericEncoder,
    "categorical": CategoricalEncoder,
    "boolean": CategoricalEncoder,
    "constant": ConstantEncoder,
    "id": IdEncoder,
}
_BY_NAME = {
    c.__name__: c
    for c in (NumericEncoder, CategoricalEncoder, ConstantEncoder, IdEncoder, DerivedEncoder)
}


def fit_encoder(spec: ColumnSpec, s: pd.Series, opts: dict, rng) -> ColumnEncoder:
    return _BY_KIND[spec.kind].fit(spec, s, opts, rng)


def encoder_from_dict(d: dict[str, Any]) -> ColumnEncoder:
    spec = ColumnSpec.from_dict(d["spec"])
    return _BY_NAME[d["type"]].from_state(spec, d)
