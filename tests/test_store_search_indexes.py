"""Schema version 5: the indexes search's filters read ids from, on new and on migrated stores."""

import sqlite3

from pipeline.records import CaseMetadata, Document, Extraction, Measure, Place, Structure
from pipeline.search import search
from pipeline.segment import segment_for_index
from pipeline.store import SCHEMA_VERSION, Store

TEXT = "建立社区养老服务站。为高龄独居老人提供助餐服务。"
FILTER_INDEXES = {
    "measure_themes_theme": ["theme", "measure_id"],
    "documents_city": ["city", "doc_id"],
    "documents_province": ["province", "doc_id"],
}


def _put(store: Store) -> None:
    measure = Measure(
        "d1",
        0,
        len(TEXT),
        "建立社区养老服务站",
        TEXT,
        None,
        "measure",
        themes=["精准服务供给"],
        theme_scores={"精准服务供给": 0.9},
    )
    extraction = Extraction(
        "d1",
        CaseMetadata("d1", title="养老"),
        measures=[measure],
        places=[Place("d1", 0, 0, province="广东省", city="深圳市", primary=True)],
    )
    store.put_document(
        Document("d1", TEXT, aliases=["d1.txt"], raw_hash="r", content_hash="h"),
        Structure("d1", TEXT),
        extraction,
        index_text=segment_for_index(TEXT),
        measure_index=[(segment_for_index(measure.heading), segment_for_index(TEXT))],
    )


def _index_columns(store: Store) -> dict[str, list[str]]:
    return {name: [r[2] for r in store.conn.execute(f"PRAGMA index_info({name})")] for name in FILTER_INDEXES}


def _plan(store: Store, sql: str, *params) -> str:
    return " ".join(r[3] for r in store.conn.execute(f"EXPLAIN QUERY PLAN {sql}", params))


def test_new_store_reads_filter_ids_from_covering_indexes(tmp_path):
    store = Store(tmp_path / "t.db")
    assert _index_columns(store) == FILTER_INDEXES
    assert "COVERING INDEX measure_themes_theme" in _plan(
        store, "SELECT measure_id FROM measure_themes WHERE theme IN (?)", "党建引领"
    )
    assert "COVERING INDEX documents_city" in _plan(store, "SELECT doc_id FROM documents WHERE city IN (?)", "深圳市")


def test_version_4_store_gets_the_covering_filter_indexes(tmp_path):
    path = tmp_path / "t.db"
    store = Store(path)
    _put(store)
    store.close()
    conn = sqlite3.connect(path)
    for name, (column, _) in FILTER_INDEXES.items():
        table = "measure_themes" if name.startswith("measure") else "documents"
        conn.execute(f"DROP INDEX {name}")
        conn.execute(f"CREATE INDEX {name} ON {table}({column})")  # as versions 2 to 4 made them
    conn.execute("UPDATE schema_version SET version = 4")
    conn.commit()
    conn.close()
    migrated = Store(path)
    assert migrated.schema_version == SCHEMA_VERSION
    assert _index_columns(migrated) == FILTER_INDEXES
    # The migration also scores relevance: a two-sentence text is no governance case, and
    # this test is about the filters' indexes, so it searches every document.
    found = search(migrated, "养老", theme="精准服务供给", city="深圳", all_documents=True)
    assert [h.heading for h in found.hits] == ["建立社区养老服务站"]
    assert search(migrated, "养老", theme="党建引领", all_documents=True).total == 0
