"""Model files (.fsz), atomic writes, and reading/writing tables (CSV, Parquet).

A `.fsz` file is a zip with
  config.json   format version, fairsynth version, model class and hyperparameters, schema
                and transformer parameters, roles, training summary, sha256 of tensors.pt;
  tensors.pt    the networks' state dicts, read back with torch.load(weights_only=True).
Loading never unpickles arbitrary objects: the config is JSON, the tensors go through
torch's weights-only loader, and the model class comes from a fixed allow-list.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from . import __version__
from .errors import InvalidDataError, ModelFileError

FORMAT = "fairsynth-model"
FORMAT_VERSION = 1
TABLE_SUFFIXES = (".csv", ".csv.gz", ".parquet", ".pq")


# ----------------------------------------------------------------- atomic writes
@contextmanager
def atomic_path(path: str | os.PathLike):
    """Yield a temporary path beside `path`; rename it onto `path` only on success.

    An interrupted write leaves the previous file (or none), never a partial one.
    """
    path = Path(path)
    if not path.parent.exists():
        raise InvalidDataError(
            f"cannot write {path}: folder {path.parent} does not exist; create it first"
        )
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ------------------------------------------------------------------- model files
def _jsonable(value):
    if getattr(value, "is_label_constraint", False) is True:
        # a fairness constraint given as an object: its name and settings
        return {"label_constraint": value.name, "settings": _jsonable(value.settings())}
    if hasattr(value, "get_params") and hasattr(value, "_file_state"):
        # A model inside a model (GAP's base): its class name and parameters.
        params = {k: v for k, v in value.get_params(deep=False).items() if k != "callbacks"}
        return {"estimator": type(value).__name__, "params": _jsonable(params)}
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def _model_classes() -> dict[str, type]:
    from .models import GAP, PMGAN, PTGAN, FairPTGAN

    return {cls.__name__: cls for cls in (PTGAN, FairPTGAN, GAP, PMGAN)}


def estimator_from_config(spec: dict):
    """Rebuild an unfitted model from `{"estimator": name, "params": ...}` (allow-list only)."""
    classes = _model_classes()
    name = spec.get("estimator") if isinstance(spec, dict) else None
    if name not in classes:
        raise ModelFileError(f"unknown model class {name!r} in the file's parameters")
    return classes[name](**params_from_json(spec["params"]))


def params_from_json(params: dict) -> dict:
    """Model keywords read from a file: JSON lists back to tuples, constraint objects back
    to objects (built-in classes of fairsynth.fairness only)."""
    out = {}
    for k, v in params.items():
        if isinstance(v, list):
            v = tuple(v)
        elif isinstance(v, dict) and "label_constraint" in v:
            from .fairness import restore

            v = restore({"name": v["label_constraint"], "settings": v["settings"]}, {}, None)
        out[k] = v
    return out


def save_model(model, path) -> None:
    params = {k: v for k, v in model.get_params(deep=False).items() if k != "callbacks"}
    config = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "fairsynth_version": __version__,
        "model": type(model).__name__,
        "params": _jsonable(params),
        "transformer": model.transformer_.to_dict(),
        "state": _jsonable(model._file_state()),
        "training_summary": _jsonable(model.training_summary_),
        "history": _jsonable(model.history_.to_dict(orient="list")),
    }
    write_bundle(path, config, {k: v.detach().cpu() for k, v in model._tensors().items()})


def write_bundle(path, config: dict, tensors) -> None:
    """Atomically write a zip of `config` (JSON, with the tensors' sha256) and `tensors`
    (torch.save of CPU tensors) — the layout of model files and checkpoints alike."""
    buffer = io.BytesIO()
    torch.save(tensors, buffer)
    blob = buffer.getvalue()
    config = {**config, "tensors_sha256": hashlib.sha256(blob).hexdigest()}
    with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("config.json", json.dumps(config, indent=1))
        zf.writestr("tensors.pt", blob)


def read_model_file(path) -> tuple[dict, dict[str, torch.Tensor]]:
    """Read and check a `.fsz` file: (config, tensors). Raises ModelFileError on any defect."""
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(
            f"model file {path} does not exist; fit one with `fairsynth fit TABLE -o {path}`"
        )
    return read_bundle(path, FORMAT, FORMAT_VERSION, "model")


def read_bundle(path: Path, fmt: str, max_version: int, kind: str) -> tuple[dict, dict]:
    """Read a bundle written by `write_bundle` and check it: zip integrity, format name and
    version, tensor checksum, weights-only tensors. Any defect is a ModelFileError.
    `kind` ("model", "checkpoint") names the file in the messages."""
    what = f"fairsynth {kind} file" if kind == "model" else f"fairsynth {kind}"
    try:
        with zipfile.ZipFile(path) as zf:
            bad = zf.testzip()
            if bad is not None:
                raise ModelFileError(f"{path} is corrupted (member {bad} fails its checksum)")
            names = set(zf.namelist())
            if not {"config.json", "tensors.pt"} <= names:
                raise ModelFileError(f"{path} is a zip file but not a {what}")
            config = json.loads(zf.read("config.json"))
            tensors = zf.read("tensors.pt")
    except (zipfile.BadZipFile, EOFError) as exc:
        raise ModelFileError(f"{path} is not a {what} (or it is truncated): {exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ModelFileError(
            f"{path}: config.json is not valid JSON; the file is damaged"
        ) from None
    if not isinstance(config, dict) or config.get("format") != fmt:
        raise ModelFileError(f"{path} is not a {what}")
    version = config.get("format_version")
    if not isinstance(version, int) or version > max_version:
        raise ModelFileError(
            f"{path} uses {kind} format version {version}, newer than this fairsynth "
            f"({__version__}) reads (≤ {max_version}); upgrade fairsynth"
        )
    if hashlib.sha256(tensors).hexdigest() != config.get("tensors_sha256"):
        raise ModelFileError(
            f"{path}: the tensors do not match their checksum; the file was altered"
        )
    try:
        state = torch.load(io.BytesIO(tensors), map_location="cpu", weights_only=True)
    except Exception as exc:  # the weights-only unpickler refuses anything but tensors
        raise ModelFileError(f"{path}: tensors.pt is not a plain tensor file ({exc})") from None
    return config, state


def load(path, device: str = "auto"):
    """Load a model saved with `model.save(path)`, ready to `sample` (on CPU if no GPU)."""
    config, tensors = read_model_file(path)
    classes = _model_classes()
    name = config.get("model")
    if name not in classes:
        raise ModelFileError(f"{path}: unknown model class {name!r}")
    try:
        return classes[name]._from_file(config, tensors, device)
    except ModelFileError:
        raise
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise ModelFileError(f"{path}: the model file is inconsistent ({exc})") from None


# ------------------------------------------------------------------------ tables
_OTHER_SEPS = (";", "\t", "|", ",")
_SEP_NAMES = {"\t": "\\t"}


def _looks_binary(path: Path) -> bool:
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as fh:
            head = fh.read(8192)
    except (OSError, EOFError):
        return True
    return b"\0" in head


def read_table(path, sep: str = ",") -> pd.DataFrame:
    """Read a CSV (optionally gzipped) or Parquet table; every defect is an InvalidDataError
    that names the file and the fix (issue 6: empty, header only, binary, wrong delimiter,
    duplicate or empty column names)."""
    path = Path(path)
    if not path.is_file():
        raise InvalidDataError(f"table {path} does not exist")
    name = path.name.lower()
    parquet = name.endswith((".parquet", ".pq"))
    if not parquet:
        if name.endswith(".fsz"):
            raise InvalidDataError(
                f"{path} is a fairsynth model file, not a table; fit takes a .csv or .parquet "
                "table (sample from the model with `fairsynth sample --model`)"
            )
        if path.stat().st_size == 0:
            raise InvalidDataError(f"{path} is empty: it has no header and no rows")
        if _looks_binary(path):
            raise InvalidDataError(
                f"{path} is a binary file, not a CSV table; export it as CSV (or Parquet "
                "with a .parquet suffix)"
            )
    try:
        df = pd.read_parquet(path) if parquet else pd.read_csv(path, sep=sep)
    except pd.errors.EmptyDataError:  # a ValueError: must come first
        raise InvalidDataError(f"{path} is empty: it has no header and no rows") from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InvalidDataError(
            f"cannot read {path} as a {'Parquet' if parquet else 'CSV'} table: {first}"
        ) from None
    if not parquet:
        if df.shape[1] == 1:
            _check_delimiter(path, str(df.columns[0]), sep)
        _check_header(path, sep)
    if df.empty:
        raise InvalidDataError(f"{path} has a header but no rows")
    return df


def _check_header(path: Path, sep: str) -> None:
    # read_csv renames a repeated "age" to "age.1" and an empty name to "Unnamed: 3";
    # read the raw header to report the file as it is.
    header = pd.read_csv(path, sep=sep, header=None, nrows=1, dtype=str).iloc[0].tolist()
    empty = [i + 1 for i, h in enumerate(header) if not isinstance(h, str) or not h.strip()]
    if empty:
        raise InvalidDataError(
            f"{path}: column {empty[0]} of the header has no name; give every column a name"
        )
    dup = sorted({h for h in header if header.count(h) > 1})
    if dup:
        raise InvalidDataError(
            f"{path}: duplicate column names {dup}; rename them so that every column name is unique"
        )


def _check_delimiter(path: Path, header: str, sep: str) -> None:
    for other in _OTHER_SEPS:
        if other != sep and header.count(other) >= 1:
            shown = _SEP_NAMES.get(other, other)
            raise InvalidDataError(
                f"{path} was read as a single column named {header[:60]!r}: it looks "
                f"{shown!r}-separated; use --sep '{shown}' (API: read_table(path, sep={other!r}))"
            )


def _arrow_chunk(chunk: pd.DataFrame, schema):
    """One chunk as an Arrow table of the file's `schema` (None: the first chunk's own).

    Every chunk is converted to the first chunk's schema: a chunk where a text column has
    only missing cells would otherwise come out as type null and be refused by the writer
    (a short last chunk with a mostly-present column can). In the first chunk such a
    column is typed string, the type any later text cells will have.
    """
    import pyarrow as pa

    if schema is not None:
        return pa.Table.from_pandas(chunk, schema=schema, preserve_index=False)
    table = pa.Table.from_pandas(chunk, preserve_index=False)
    for i, field in enumerate(table.schema):
        if pa.types.is_null(field.type):
            table = table.set_column(i, field.with_type(pa.string()), table[i].cast(pa.string()))
    return table


def write_table(
    chunks: Iterable[pd.DataFrame], path, on_chunk: Callable[[int], None] | None = None
):
    """Write DataFrame chunks to CSV or Parquet atomically, in bounded memory. Returns rows.

    Parquet: one row group per chunk through a single ParquetWriter; nothing is held but
    the current chunk, so memory does not grow with the number of rows.
    """
    path = Path(path)
    parquet = path.name.lower().endswith((".parquet", ".pq"))
    rows = 0
    with atomic_path(path) as tmp:
        writer = None
        try:
            for i, chunk in enumerate(chunks):
                if parquet:
                    import pyarrow.parquet as pq

                    table = _arrow_chunk(chunk, None if writer is None else writer.schema)
                    if writer is None:
                        writer = pq.ParquetWriter(tmp, table.schema)
                    writer.write_table(table)
                else:
                    chunk.to_csv(tmp, mode="w" if i == 0 else "a", header=i == 0, index=False)
                rows += len(chunk)
                if on_chunk is not None:
                    on_chunk(len(chunk))
        finally:
            if writer is not None:
                writer.close()
    return rows
