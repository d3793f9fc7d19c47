"""`write_table` streams chunks to Parquet: same rows as `sample`, one row group per chunk."""

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

import fairsynth.models.base as base
from fairsynth.io import write_table


def test_parquet_chunks_are_the_rows_of_sample(fitted_fair, tmp_path, monkeypatch):
    monkeypatch.setattr(base, "SAMPLE_CHUNK", 500)  # several chunks without many rows
    path = tmp_path / "rows.parquet"
    sizes = []
    rows = write_table(fitted_fair.iter_samples(1700, random_state=3), path, on_chunk=sizes.append)
    assert rows == 1700 and sizes == [500, 500, 500, 200]
    assert pq.ParquetFile(path).num_row_groups == 4  # written chunk by chunk
    assert [p.name for p in tmp_path.iterdir()] == ["rows.parquet"]  # no temporary file left
    back = pd.read_parquet(path)
    back = back.mask(back.isna(), np.nan)  # Parquet gives text columns None, not NaN
    pd.testing.assert_frame_equal(back, fitted_fair.sample(1700, random_state=3))


def test_a_chunk_whose_text_column_is_all_missing(tmp_path):
    # e.g. a short last chunk: Arrow types such a column null, which the file cannot take
    first = pd.DataFrame({"s": ["x", None, "y"], "i": [1, 2, 3]})
    empty = pd.DataFrame({"s": [None, None], "i": [4, 5]})
    for chunks in ([first, empty], [empty, first]):
        path = tmp_path / "t.parquet"
        assert write_table(chunks, path) == 5
        back = pd.read_parquet(path)
        pd.testing.assert_frame_equal(back, pd.concat(chunks, ignore_index=True))
