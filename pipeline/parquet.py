"""Every record table of the store as Parquet files, for pandas, Dask, Spark or DuckDB without govcase.

``govcase export --format parquet --out DIR`` writes DIR/<table>.parquet for each
table of ``readmodel.RECORD_TABLES``, streamed a batch of rows at a time, so a
large store is exported in flat memory. JSON columns (records.data, measures.themes,
structure …) stay JSON text, as the store holds them; column types follow the
declared SQL types, so an empty table still has its schema.
"""

from __future__ import annotations

from pathlib import Path

from .fileio import atomic_path
from .readmodel import RECORD_TABLES

ROW_GROUP = 10_000


def _arrow_type(declared: str):
    import pyarrow as pa

    declared = declared.upper()
    if "INT" in declared:
        return pa.int64()
    if declared in {"REAL", "DOUBLE PRECISION", "FLOAT", "NUMERIC"}:
        return pa.float64()
    if declared in {"BLOB", "BYTEA"}:
        return pa.binary()
    return pa.string()


def write_parquet(store, out_dir: str | Path) -> list[Path]:
    """One Parquet file per record table; returns their paths."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise RuntimeError("导出 Parquet 需要安装 pyarrow:pip install pyarrow") from exc
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for table in RECORD_TABLES:
        columns = store.table_columns(table)
        schema = pa.schema([(name, _arrow_type(kind)) for name, kind in columns])
        path = out / f"{table}.parquet"
        with atomic_path(path) as tmp, pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
            for rows in store.stream_table(table, ROW_GROUP):
                writer.write_table(
                    pa.Table.from_pylist([dict(zip(schema.names, r, strict=True)) for r in rows], schema)
                )
        paths.append(path)
    return paths
