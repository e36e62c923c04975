"""``govcase export --format parquet``: every record table, readable without govcase, from either backend."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from pipeline import api
from pipeline.cli import main
from pipeline.readmodel import RECORD_TABLES

SEEDS = Path(__file__).resolve().parents[1] / "corpus" / "reports"


def test_every_record_table_is_written_with_its_rows(seed_store, tmp_path):
    out = tmp_path / "parquet"
    result = CliRunner().invoke(main, ["export", "--format", "parquet", "--out", str(out), "--db", str(seed_store)])
    assert result.exit_code == 0, result.output
    with api.open_store(seed_store, readonly=True) as store:
        for table in RECORD_TABLES:
            frame = pq.read_table(out / f"{table}.parquet").to_pandas()
            assert list(frame.columns) == [name for name, _ in store.table_columns(table)]
            if table in {"documents", "aliases", "records", "measures", "ingest_errors", "clusters"}:
                assert len(frame) == store.count(table), table
        documents = pq.read_table(out / "documents.parquet").to_pandas()
        assert list(documents["doc_id"]) == store.doc_ids()
        assert documents["text"].iloc[0] == store.get_document(store.doc_ids()[0]).text
        measures = pq.read_table(out / "measures.parquet")
        assert str(measures.schema.field("measure_id").type) == "int64"


def test_postgresql_exports_the_same_tables(seed_store, pg_database, tmp_path):
    url = pg_database()
    assert api.ingest([SEEDS], db=url).ingested == 4
    lite, pg = tmp_path / "lite", tmp_path / "pg"
    api.export(seed_store, lite, fmt="parquet")
    api.export(url, pg, fmt="parquet")
    for table in RECORD_TABLES:
        left, right = pq.read_table(lite / f"{table}.parquet"), pq.read_table(pg / f"{table}.parquet")
        assert left.schema.names == right.schema.names, table
        assert left.num_rows == right.num_rows, table
    docs = [pq.read_table(d / "documents.parquet").to_pandas() for d in (lite, pg)]
    assert list(docs[0]["text"]) == list(docs[1]["text"])


def test_an_unknown_table_is_refused(seed_store):
    with api.open_store(seed_store, readonly=True) as store, pytest.raises(ValueError):
        store.table_columns("measures_fts")
