"""Fidelity (sdmetrics Quality and Diagnostic reports) and privacy (exact copies, DCR)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.neighbors import NearestNeighbors
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from ..errors import InvalidParameterError
from . import _validation as v
from ._downstream import as_categorical, is_numeric
from .dependencies import dependencies
from .detection import detection

__all__ = [
    "fidelity",
    "detect_metadata",
    "exact_copy_share",
    "distance_to_closest_record",
]


def detect_metadata(real: pd.DataFrame) -> dict[str, Any]:
    """sdmetrics single-table metadata ``{"columns": {name: {"sdtype": ...}}}`` from dtypes."""
    columns: dict[str, Any] = {}
    for name in real.columns:
        s = real[name]
        if pd.api.types.is_bool_dtype(s):
            sdtype = "boolean"
        elif pd.api.types.is_datetime64_any_dtype(s):
            sdtype = "datetime"
        elif is_numeric(s):
            sdtype = "numerical"
        else:
            sdtype = "categorical"
        columns[name] = {"sdtype": sdtype}
    return {"columns": columns}


def _reports() -> tuple[type, type, bool]:
    """The single-table report classes (deprecated in sdmetrics 0.32, same scores), else the
    unified ones; the flag says whether tables and metadata must be wrapped as one-table dicts."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            from sdmetrics.reports.single_table import DiagnosticReport, QualityReport
        return QualityReport, DiagnosticReport, False
    except (ImportError, AttributeError):  # pragma: no cover - future sdmetrics
        from sdmetrics.reports import DiagnosticReport, QualityReport

        return QualityReport, DiagnosticReport, True


def _run_report(cls: type, real: pd.DataFrame, synth: pd.DataFrame, meta: dict, wrap: bool):
    report = cls()
    if wrap:
        meta = {"tables": {"table": meta}}
        report.generate({"table": real}, {"table": synth}, meta, verbose=False)
    else:
        report.generate(real, synth, meta, verbose=False)
    props = report.get_properties()
    props = {p: float(s) for p, s in zip(props["Property"], props["Score"], strict=True)}
    return float(report.get_score()), props


def _row_hashes(df: pd.DataFrame, columns: list[Any], numeric: set[Any]) -> np.ndarray:
    """One 64-bit hash per row, with numerics as float64 and the rest as text, so that an
    int 39 and a float 39.0 (or True and "True") count as the same value."""
    norm = {}
    for c in columns:
        s = df[c]
        if c in numeric:
            norm[c] = pd.to_numeric(s, errors="coerce").to_numpy(dtype="float64")
        else:
            norm[c] = as_categorical(s).to_numpy()
    frame = pd.DataFrame(norm)
    return pd.util.hash_pandas_object(frame, index=False).to_numpy()


def exact_copy_share(synthetic: pd.DataFrame, real_train: pd.DataFrame) -> float:
    """Share of ``synthetic`` rows identical (all columns, NaN equal to NaN) to a training row."""
    columns = list(real_train.columns)
    v.check_has_columns(synthetic, columns, "the synthetic table")
    numeric = {c for c in columns if is_numeric(real_train[c])}
    syn = _row_hashes(synthetic, columns, numeric)
    ref = _row_hashes(real_train, columns, numeric)
    return float(np.isin(syn, ref).mean()) if len(syn) else float("nan")


def _encoder(real_train: pd.DataFrame) -> ColumnTransformer:
    numeric = [c for c in real_train.columns if is_numeric(real_train[c])]
    categorical = [c for c in real_train.columns if c not in set(numeric)]
    return ColumnTransformer(
        [
            ("num", make_pipeline(SimpleImputer(strategy="mean"), StandardScaler()), numeric),
            (
                "cat",
                make_pipeline(
                    SimpleImputer(strategy="most_frequent"),
                    OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                ),
                categorical,
            ),
        ],
        sparse_threshold=0.0,
    )


def _encodable(df: pd.DataFrame, real_train: pd.DataFrame) -> pd.DataFrame:
    out = df[list(real_train.columns)].copy()
    for c in out.columns:
        if is_numeric(real_train[c]):
            out[c] = pd.to_numeric(out[c], errors="coerce")
        else:
            out[c] = as_categorical(out[c])
    return out


def _subsample(df: pd.DataFrame, max_rows: int, rng: np.random.Generator) -> pd.DataFrame:
    if len(df) <= max_rows:
        return df
    return df.iloc[np.sort(rng.choice(len(df), size=max_rows, replace=False))]


def _ratio(a: float, b: float) -> float:
    return a / b if b > 0 else float("nan")


def distance_to_closest_record(
    synthetic: pd.DataFrame,
    real_train: pd.DataFrame,
    holdout: pd.DataFrame | None = None,
    max_rows: int = 5000,
    random_state: int = 0,
) -> dict[str, Any]:
    """Euclidean distance of each synthetic (and holdout) row to its nearest training row.

    Encoding, fitted on the (subsampled) training rows: standardised numerics (mean imputation) and
    one-hot categoricals (most-frequent imputation). At most ``max_rows`` synthetic and
    ``max_rows`` holdout rows are queried, against at most ``10 * max_rows`` training rows,
    all drawn with ``random_state``. Synthetic rows no closer than real unseen rows
    (``median_ratio``, ``p5_ratio`` = synthetic / holdout, near or above 1) suggest no copying.
    """
    v.check_positive_int(max_rows, "max_rows", allow_none=False)
    rng = np.random.default_rng(random_state)
    ref = _subsample(real_train, 10 * max_rows, rng)
    # Fitted on the reference rows only: the dense one-hot of a whole large table would set
    # a fit's peak memory (+6 GB at 300k rows × 40 columns); below 10·max_rows they are the
    # whole table anyway.
    enc = _encoder(real_train).fit(_encodable(ref, real_train))
    nn = NearestNeighbors(n_neighbors=1).fit(enc.transform(_encodable(ref, real_train)))

    def dcr(df: pd.DataFrame) -> dict[str, Any]:
        q = _subsample(df, max_rows, rng)
        d = nn.kneighbors(enc.transform(_encodable(q, real_train)))[0][:, 0]
        return {"median": float(np.median(d)), "p5": float(np.percentile(d, 5)), "n": len(q)}

    out: dict[str, Any] = {"synthetic": dcr(synthetic), "holdout": None, "n_reference": len(ref)}
    if holdout is not None:
        out["holdout"] = dcr(holdout)
        out["median_ratio"] = _ratio(out["synthetic"]["median"], out["holdout"]["median"])
        out["p5_ratio"] = _ratio(out["synthetic"]["p5"], out["holdout"]["p5"])
    else:
        out["median_ratio"] = out["p5_ratio"] = None
    return out


def fidelity(
    synthetic: pd.DataFrame,
    real_train: pd.DataFrame,
    holdout: pd.DataFrame | None = None,
    metadata: dict[str, Any] | None = None,
    *,
    max_rows: int = 5000,
    random_state: int = 0,
    joint: bool = True,
) -> dict[str, Any]:
    """sdmetrics reports against the training table, the joint-law yardstick, privacy.

    Returns ``{"quality": {overall, column_shapes, column_pair_trends}, "diagnostic":
    {overall, properties}, "detection", "dependencies", "privacy": {exact_copy_share,
    holdout_exact_copy_share, dcr}, "metadata", "n_synthetic", "n_real"}``. ``detection``
    (evaluate/detection.py: GBM real vs synthetic, 3-fold AUC, give-away columns) and
    ``dependencies`` (evaluate/dependencies.py: the real table's functional dependencies and
    the share of synthetic rows that break each) are None with ``joint=False``. ``metadata``
    (sdmetrics single-table dict) is detected from ``real_train`` when not given. The
    holdout (real rows the generator never saw) is the yardstick for the privacy numbers.
    """
    v.check_table(synthetic, "the synthetic table")
    v.check_table(real_train, "the real training table")
    v.check_same_columns(
        synthetic, list(real_train.columns), "the synthetic table", "the real training table"
    )
    if holdout is not None:
        v.check_table(holdout, "the holdout table")
        v.check_has_columns(holdout, list(real_train.columns), "the holdout table")
    if metadata is None:
        metadata = detect_metadata(real_train)
    elif not isinstance(metadata, dict) or "columns" not in metadata:
        raise InvalidParameterError(
            "metadata must be an sdmetrics single-table dict {'columns': {name: {'sdtype': ...}}}"
        )
    synth = synthetic[list(real_train.columns)]
    quality_cls, diagnostic_cls, wrap = _reports()
    q_score, q_props = _run_report(quality_cls, real_train, synth, metadata, wrap)
    d_score, d_props = _run_report(diagnostic_cls, real_train, synth, metadata, wrap)
    d_props = {k: s for k, s in d_props.items() if not np.isnan(s)}
    privacy = {
        "exact_copy_share": exact_copy_share(synth, real_train),
        "holdout_exact_copy_share": (
            exact_copy_share(holdout, real_train) if holdout is not None else None
        ),
        "dcr": distance_to_closest_record(synth, real_train, holdout, max_rows, random_state),
    }
    return {
        "quality": {
            "overall": q_score,
            "column_shapes": q_props["Column Shapes"],
            "column_pair_trends": q_props["Column Pair Trends"],
        },
        "diagnostic": {"overall": d_score, "properties": d_props},
        "detection": detection(synth, real_train, random_state=random_state) if joint else None,
        "dependencies": dependencies(synth, real_train) if joint else None,
        "privacy": privacy,
        "metadata": metadata,
        "n_synthetic": len(synth),
        "n_real": len(real_train),
    }
