"""Reading and writing tables (CSV, Parquet).

Model files moved to `fairsynth.persist`; the names below are re-exported so that code
written against `fairsynth.io` keeps working.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd

from .errors import InvalidDataError, spelled
from .persist import (
    atomic_path,
    estimator_from_config,
    load,
    read_bundle,
    read_model_file,
    save_model,
    write_bundle,
)

__all__ = [
    "TABLE_SUFFIXES",
    "read_table",
    "write_table",
    # re-exported from fairsynth.persist for code written before it existed
    "atomic_path",
    "estimator_from_config",
    "load",
    "read_bundle",
    "read_model_file",
    "save_model",
    "write_bundle",
]

TABLE_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".tsv.gz", ".parquet", ".pq")


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


def _is_tsv(name: str) -> bool:
    return name.endswith((".tsv", ".tsv.gz"))


def read_table(path, sep: str = ",") -> pd.DataFrame:
    """Read a CSV or TSV (optionally gzipped) or Parquet table; every defect is an
    InvalidDataError that names the file and the fix (issue 6: empty, header only, binary,
    wrong delimiter, duplicate or empty column names). A `.tsv` file is tab-separated
    whatever `sep` says."""
    path = Path(path)
    if not path.is_file():
        raise InvalidDataError(f"table {path} does not exist")
    name = path.name.lower()
    if _is_tsv(name):
        sep = "\t"
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
            raise spelled(
                InvalidDataError,
                f"{path} was read as a single column named {header[:60]!r}: it looks "
                f"{shown!r}-separated; use ",
                (f"read_table(path, sep={other!r})", f"--sep '{shown}'"),
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
    """Write DataFrame chunks to CSV, TSV or Parquet atomically, in bounded memory (the
    format from the suffix: one of TABLE_SUFFIXES, gzipped for `.gz`). Returns rows.

    Parquet: one row group per chunk through a single ParquetWriter; nothing is held but
    the current chunk, so memory does not grow with the number of rows.
    """
    path = Path(path)
    name = path.name.lower()
    if not name.endswith(TABLE_SUFFIXES):
        raise InvalidDataError(
            f"cannot write {path}: unsupported table format {path.suffix or '(no suffix)'!r}; "
            f"use one of {', '.join(TABLE_SUFFIXES)}"
        )
    parquet = name.endswith((".parquet", ".pq"))
    text = {
        "sep": "\t" if _is_tsv(name) else ",",
        "compression": "gzip" if name.endswith(".gz") else None,
    }
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
                    # a gzip member per chunk: concatenated members are one valid gzip file
                    chunk.to_csv(
                        tmp, mode="w" if i == 0 else "a", header=i == 0, index=False, **text
                    )
                rows += len(chunk)
                if on_chunk is not None:
                    on_chunk(len(chunk))
        finally:
            if writer is not None:
                writer.close()
    return rows
