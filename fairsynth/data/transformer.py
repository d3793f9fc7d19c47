"""Reversible encoder of a table into a float32 matrix of *spans*, and back.

Layout of one encoded row (columns in schema order, spans of a column in this order):

* continuous / integer / datetime: a ``("scalar", "value")`` span of width 1 in [-1, 1]
  (quantile-to-normal, or mode-specific normalisation, see :mod:`fairsynth.data._numeric`);
  with ``continuous="mode"`` then a ``("onehot", "mode")`` span over the GMM components;
  then, if the column has missing values, a ``("onehot", "missing")`` span of width 2
  (``[present, missing]``) — the scalar is 0 where the value is missing;
* categorical / boolean: a ``("onehot", "value")`` span over the categories, NaN being one
  extra (last) category where the column has missing values;
* constant: only a ``("onehot", "missing")`` span if it has missing values, else nothing;
* id: nothing (regenerated on decoding).

Datetimes are modelled as integers: the count of their granularity (day, hour, minute,
second, ms, us or ns — the largest that divides every value) since the earliest value.

Decoding accepts *tempered* rows (``algorithms.md`` §3): one-hot spans may be any
non-negative soft vectors (normalised per row) and scalars any reals (clipped to [-1, 1]).
Numbers are clipped to the observed [min, max], integers rounded, floats rounded to the
digits learned by rdt's ``FloatFormatter``.

Fitting uses rdt (``FloatFormatter``, ``ClusterBasedNormalizer``) and numpy on at most
``max_fit_rows`` sub-sampled rows for the quantile grid / GMM; the fitted state is plain
JSON (``to_dict``) and encoding / decoding is vectorised numpy.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Collection
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from ..errors import (
    FairsynthWarning,
    InvalidDataError,
    InvalidParameterError,
    NotFittedError,
    spelled,
)
from ._columns import ColumnEncoder, DerivedEncoder, encoder_from_dict, fit_encoder
from ._derived import find_derived
from .schema import Schema, check_table, detect_schema
from .validate import one_hot_memory

__all__ = ["Span", "TableTransformer", "MAX_CATEGORIES_WARN"]

MAX_CATEGORIES_WARN = 1000
_PARALLEL_MIN_ROWS = 50_000
_TRANSPOSE_TILE = 4096
_FORMAT = "fairsynth.TableTransformer"
_VERSION = 1


class Span(NamedTuple):
    """A slice ``[start, stop)`` of the encoded row that belongs to one column.

    ``kind`` is ``"scalar"`` (width 1, tanh-like activation) or ``"onehot"`` (softmax);
    ``role`` is ``"value"``, ``"mode"`` (mode-specific normalisation) or ``"missing"``.
    """

    column: str
    kind: str
    role: str
    start: int
    stop: int

    @property
    def width(self) -> int:
        return self.stop - self.start


def _rng(random_state: Any) -> np.random.Generator:
    if isinstance(random_state, np.random.Generator):
        return random_state
    return np.random.default_rng(random_state)


def _columns_first(X: np.ndarray, map_=map) -> tuple[np.ndarray, bool]:
    """``X.T`` as a C-ordered (d, n) array, so that every column of X is contiguous; and
    whether that is a new array (True) or a view of X (X was column-major already).

    Decoding works column by column (`decode_onehot`), and reading a column of a row-major
    X touches one cache line per row. The transposed copy is made by tiles of rows (numpy's
    plain ``X.T.copy()`` is ~3x slower on a tall X), run through `map_` (a thread pool's
    map copies tiles in parallel).
    """
    if X.flags.f_contiguous:
        return X.T, False
    XT = np.empty((X.shape[1], X.shape[0]), dtype=X.dtype)

    def copy_tile(start):
        XT[:, start : start + _TRANSPOSE_TILE] = X[start : start + _TRANSPOSE_TILE].T

    for _ in map_(copy_tile, range(0, X.shape[0], _TRANSPOSE_TILE)):
        pass
    return XT, True


class TableTransformer:
    """Reversible table ↔ float32 matrix encoder (see the module docstring).

    Args:
        continuous: ``"quantile"`` (quantile-to-normal, default), ``"mode"`` (CTGAN's
            mode-specific normalisation) or ``"bins"`` (quantile bins, values drawn within
            the bin) for continuous, integer and datetime columns.
        n_quantiles: size of the quantile grid (``"quantile"``).
        max_modes: most GMM components per column (``"mode"``).
        n_bins: most bins per column, atoms included (``"bins"``).
        max_fit_rows: the quantile grid / GMM are fitted on at most this many rows (the GMM
            on at most 10,000 of them: ``fairsynth.data._numeric.MODE_FIT_ROWS``).
        random_state: seed of the sub-sampling and of the GMM.
        derive: decode a column that an earlier categorical column determines in every
            row (education_num of education) from that column instead of modelling it
            (data/_derived.py); ``fit``'s ``protected`` columns are always modelled.
    """

    def __init__(
        self,
        continuous: str = "quantile",
        n_quantiles: int = 1000,
        max_modes: int = 10,
        n_bins: int = 32,
        max_fit_rows: int = 100_000,
        random_state: int | None = None,
        derive: bool = False,
    ):
        if continuous not in ("quantile", "mode", "bins"):
            raise InvalidParameterError(
                f"continuous={continuous!r}; allowed values are 'quantile', 'mode' and 'bins'"
            )
        for name, value, low in (
            ("n_quantiles", n_quantiles, 2),
            ("max_modes", max_modes, 1),
            ("n_bins", n_bins, 2),
            ("max_fit_rows", max_fit_rows, 2),
        ):
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
                raise InvalidParameterError(f"{name}={value!r}; it must be an integer >= {low}")
        self.continuous = continuous
        self.n_quantiles = int(n_quantiles)
        self.max_modes = int(max_modes)
        self.n_bins = int(n_bins)
        self.max_fit_rows = int(max_fit_rows)
        self.random_state = random_state
        self.derive = bool(derive)
        self._encoders: list[ColumnEncoder] | None = None
        self._schema: Schema | None = None
        self.spans: list[Span] = []
        self.output_dim = 0

    # ------------------------------------------------------------------ properties
    @property
    def schema(self) -> Schema:
        self._check_fitted()
        return self._schema

    @property
    def is_fitted(self) -> bool:
        return self._encoders is not None

    def spans_of(self, column: str) -> list[Span]:
        """The spans of ``column`` in order (empty for id and plain constant columns)."""
        self._check_fitted()
        if column not in self._schema:
            raise InvalidParameterError(
                f"no column {column!r}; columns are: {', '.join(self._schema.names)}"
            )
        return [s for s in self.spans if s.column == column]

    def derived(self) -> dict[str, str]:
        """{column: the column it is decoded from} for the columns that are not modelled
        because an earlier column determines them (``derive``)."""
        self._check_fitted()
        return {e.name: e.source for e in self._encoders if isinstance(e, DerivedEncoder)}

    def category_label(self, column: str, role: str, k: int) -> str:
        """A readable name of category k of `column`'s one-hot span of this role
        ("relationship=Husband", "age in [17, 18]", "hours missing")."""
        self._check_fitted()
        (enc,) = [e for e in self._encoders if e.name == column]
        if role == "missing":
            return f"{column} {'missing' if k else 'present'}"
        categories = getattr(enc, "categories", None)
        if categories is not None:
            return f"{column}={categories[k]}" if k < len(categories) else f"{column} missing"
        quantiles = getattr(enc.codec, "quantiles", None)
        if quantiles is None:  # a mode of mode-specific normalisation
            return f"{column} mode {k + 1}"
        low, high = quantiles[k, 0], quantiles[k, -1]
        return f"{column}={low:g}" if low == high else f"{column} in [{low:g}, {high:g}]"

    def tied_intervals(self) -> dict[int, np.ndarray]:
        """{start of a scalar span: (k, 3) array of [low, high, code]}: encoded values in
        [low, high] decode to one tied value (e.g. a spike at 0), which encodes to `code`.

        A generated scalar is continuous where the real one has atoms; snapping it to `code`
        compares the two on what decoding will actually give (early_stopping.py).
        """
        return {start: enc.codec.tied_intervals() for start, enc in self.numeric_encoders()}

    def mode_tables(self) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """{start of a scalar span: (means, stds)} for mode-specific columns: the value of a
        row is ``means[k] + 4·stds[k]·scalar`` where k is the row's category in the one-hot
        span that follows the scalar (early_stopping.py compares values, not offsets)."""
        return {start: (enc.codec.means, enc.codec.stds) for start, enc in self.mode_encoders()}

    def mode_encoders(self):
        """(start of the scalar span, NumericEncoder) of each mode-specific numeric column
        (its mode one-hot follows the scalar, then its missing span if it has one)."""
        return [(start, enc) for start, enc in self.numeric_encoders() if enc.codec.n_modes]

    def numeric_encoders(self):
        """(start of the scalar span, NumericEncoder) of each numeric column."""
        self._check_fitted()
        pos = 0
        for enc in self._encoders:
            for kind, _, width in enc.layout():
                if kind == "scalar" and hasattr(enc, "codec"):
                    yield pos, enc
                pos += width

    def _check_fitted(self) -> None:
        if self._encoders is None:
            raise NotFittedError("this TableTransformer is not fitted yet; call fit(df) first")

    def _build_spans(self) -> None:
        spans, pos = [], 0
        for enc in self._encoders:
            for kind, role, width in enc.layout():
                spans.append(Span(enc.name, kind, role, pos, pos + width))
                pos += width
        self.spans, self.output_dim = spans, pos

    # ------------------------------------------------------------------ fit / transform
    def fit(
        self, df: pd.DataFrame, schema: Schema | None = None, protected: Collection[str] = ()
    ) -> TableTransformer:
        """Learn the encoding of ``df`` (``schema`` is detected when None); with ``derive``,
        the ``protected`` columns are modelled even when another column determines them."""
        check_table(df)
        if schema is None:
            schema = detect_schema(df)
        elif list(schema.names) != list(df.columns):
            raise InvalidDataError(
                f"the schema's columns {schema.names} do not match the table's columns "
                f"{list(df.columns)}"
            )
        rng = np.random.default_rng(self.random_state)
        opts = {
            "continuous": self.continuous,
            "n_quantiles": self.n_quantiles,
            "max_modes": self.max_modes,
            "n_bins": self.n_bins,
            "max_fit_rows": self.max_fit_rows,
        }
        derived = find_derived(df, schema, protected) if self.derive else {}
        encoders = []
        for spec in schema.columns:
            if spec.name in derived:
                encoders.append(derived[spec.name])
                continue
            if spec.kind == "categorical" and spec.n_unique > MAX_CATEGORIES_WARN:
                width = spec.n_unique + int(spec.has_missing)
                warning = spelled(
                    FairsynthWarning,
                    f"column {spec.name!r} has {spec.n_unique:,} categories: its one-hot span "
                    f"adds {width} columns to the encoded rows, "
                    f"{one_hot_memory(len(df), width)} for {len(df):,} rows (plus as many "
                    "network inputs); consider grouping rare categories, or declaring it ",
                    (f"kinds={{{spec.name!r}: 'id'}}", f"--kind {spec.name}=id"),
                    " if it is an identifier",
                )
                warnings.warn(warning, stacklevel=2)
            encoders.append(fit_encoder(spec, df[spec.name], opts, rng))
        self._schema = schema
        self._encoders = encoders
        self._build_spans()
        return self

    def transform(self, df: pd.DataFrame) -> np.ndarray:
        """Encode ``df`` into an ``(n, output_dim)`` float32 matrix (one-hots exactly 0/1)."""
        self._check_fitted()
        check_table(df)
        missing = [c for c in self._schema.names if c not in df.columns]
        if missing:
            raise InvalidDataError(
                f"the table lacks the columns {missing} the transformer was fitted on"
            )
        out = np.empty((len(df), self.output_dim), dtype=np.float32)
        pos = 0
        for enc in self._encoders:
            for block in enc.encode(df[enc.name]):
                out[:, pos : pos + block.shape[1]] = block
                pos += block.shape[1]
        return out

    def fit_transform(self, df: pd.DataFrame, schema: Schema | None = None) -> np.ndarray:
        return self.fit(df, schema).transform(df)

    def inverse_transform(
        self,
        X: Any,
        decode: str = "sample",
        random_state: int | np.random.Generator | None = None,
        row_offset: int = 0,
    ) -> pd.DataFrame:
        """Decode (possibly tempered) rows into a table with the fitted columns and dtypes.

        Args:
            X: ``(n, output_dim)`` array (numpy, or anything ``np.asarray`` accepts, e.g. a
                CPU torch tensor).
            decode: ``"sample"`` draws each category from its (normalised) soft one-hot;
                ``"argmax"`` takes the largest entry.
            random_state: seed or Generator for ``"sample"``.
            row_offset: rows decoded by earlier calls of a chunked draw; regenerated
                identifiers continue from there instead of restarting.
        """
        self._check_fitted()
        if decode not in ("sample", "argmax"):
            raise InvalidParameterError(
                f"decode={decode!r}; allowed values are 'sample' and 'argmax'"
            )
        if hasattr(X, "detach"):  # torch tensor
            X = X.detach().cpu().numpy()
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] != self.output_dim:
            raise InvalidDataError(
                f"expected an array of shape (n, {self.output_dim}), got {X.shape}"
            )
        if not np.issubdtype(X.dtype, np.floating):
            X = X.astype(np.float32)
        n = X.shape[0]
        workers = min(len(self._encoders), os.cpu_count() or 1, 8)
        if n >= _PARALLEL_MIN_ROWS and workers > 1:
            with ThreadPoolExecutor(max_workers=workers) as pool:  # numpy releases the GIL
                return self._decode(X, decode, random_state, row_offset, pool.map)
        return self._decode(X, decode, random_state, row_offset, map)

    def _decode(self, X, decode, random_state, row_offset, map_) -> pd.DataFrame:
        """`inverse_transform` of a checked float array; `map_` runs the column jobs (the
        builtin map, or a thread pool's)."""
        n = X.shape[0]
        XT = self._sanitize(*_columns_first(X, map_))
        rng = _rng(random_state)
        seeds = rng.integers(0, 2**63 - 1, size=len(self._encoders))
        jobs = []
        pos = 0
        for enc, seed in zip(self._encoders, seeds, strict=True):
            blocks = []  # (n, width) views with contiguous columns
            for _, _, width in enc.layout():
                blocks.append(XT[pos : pos + width].T)
                pos += width
            jobs.append((enc, blocks, np.random.default_rng(int(seed))))

        def run(job):
            enc, blocks, col_rng = job
            if enc.spec.kind == "id":
                return enc.decode(blocks, n, decode, col_rng, offset=row_offset)
            return enc.decode(blocks, n, decode, col_rng)

        modelled = [job for job in jobs if not isinstance(job[0], DerivedEncoder)]
        data = {job[0].name: res for job, res in zip(modelled, map_(run, modelled), strict=True)}
        for enc in self._encoders:
            if isinstance(enc, DerivedEncoder):
                data[enc.name] = enc.decode_from(data[enc.source])
        return pd.DataFrame(data, columns=self._schema.names, copy=False)

    def _sanitize(self, XT: np.ndarray, owned: bool) -> np.ndarray:
        """XT (the transposed rows) with NaN scalars set to 0 and negative / NaN one-hot
        weights to 0; copied first unless `owned` (XT is ours to modify).

        Returns XT itself in the usual case where nothing needs fixing; the check is one
        min per column (a contiguous row of XT).
        """
        if XT.shape[1] == 0:
            return XT
        colmin = XT.min(axis=1)
        onehot = np.zeros(XT.shape[0], dtype=bool)
        for s in self.spans:
            if s.kind == "onehot":
                onehot[s.start : s.stop] = True
        fix_onehot = onehot & ~(colmin >= 0)
        fix_scalar = ~onehot & np.isnan(colmin)
        if not (fix_onehot.any() or fix_scalar.any()):
            return XT
        if not owned:
            XT = XT.copy()
        for j in np.flatnonzero(fix_onehot):
            np.fmax(XT[j], 0, out=XT[j])
        for j in np.flatnonzero(fix_scalar):
            np.nan_to_num(XT[j], copy=False, nan=0.0)
        return XT

    # ------------------------------------------------------------------ persistence
    def to_dict(self) -> dict[str, Any]:
        """JSON-safe state (str/int/float/bool/None/list/dict only); see :meth:`from_dict`."""
        self._check_fitted()
        return {
            "format": _FORMAT,
            "version": _VERSION,
            "params": {
                "continuous": self.continuous,
                "n_quantiles": self.n_quantiles,
                "max_modes": self.max_modes,
                "max_fit_rows": self.max_fit_rows,
                "random_state": self.random_state
                if self.random_state is None
                else int(self.random_state),
                **({"derive": True} if self.derive else {}),
                **({"n_bins": self.n_bins} if self.continuous == "bins" else {}),
            },
            "columns": [enc.to_dict() for enc in self._encoders],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TableTransformer:
        """Rebuild a fitted transformer from :meth:`to_dict`'s output."""
        if not isinstance(d, dict) or d.get("format") != _FORMAT:
            raise InvalidDataError("not a fairsynth TableTransformer state (bad 'format' key)")
        if d.get("version") != _VERSION:
            raise InvalidDataError(
                f"TableTransformer state version {d.get('version')!r} is not supported "
                f"(this fairsynth reads version {_VERSION})"
            )
        self = cls(**d["params"])
        self._encoders = [encoder_from_dict(c) for c in d["columns"]]
        self._schema = Schema(columns=[enc.spec for enc in self._encoders])
        self._build_spans()
        return self

    def __repr__(self) -> str:
        state = f"output_dim={self.output_dim}" if self.is_fitted else "not fitted"
        return f"TableTransformer(continuous={self.continuous!r}, {state})"
