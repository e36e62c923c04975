"""The SQLite store: schema versions, transactions, FTS over segmented text, near-duplicate lookup."""

import pickle
import sqlite3

import pytest

from pipeline.ingest.dedupe import signature
from pipeline.ingest.normalize import normalize
from pipeline.records import CaseMetadata, Document, Extraction, Figure, Measure, Place
from pipeline.resources import reports_dir
from pipeline.segment import segment_for_index
from pipeline.store import SCHEMA_VERSION, Store, StoreBusy, StoreError, _opens_with_heading, document_rows

TEXT = "一是建立社区养老服务站。为老年人提供助餐服务,全年服务3000人次。"


def _doc(doc_id="d1", text=TEXT, content_hash="h1"):
    return Document(doc_id=doc_id, text=text, aliases=[f"/tmp/{doc_id}.txt"], raw_hash="r", content_hash=content_hash)


def _extraction(doc_id="d1"):
    return Extraction(
        doc_id=doc_id,
        metadata=CaseMetadata(doc_id, title="养老服务", source="测试日报"),
        figures=[
            Figure(
                doc_id,
                TEXT.index("全年"),
                TEXT.index("全年") + 10,
                3000,
                "人次",
                None,
                "服务",
                "全年服务3000人次",
                "3000人次",
            )
        ],
        measures=[
            Measure(
                doc_id,
                0,
                len(TEXT),
                "建立社区养老服务站",
                TEXT,
                None,
                "measure",
                themes=["精准服务供给"],
                theme_scores={"精准服务供给": 0.9},
            )
        ],
        places=[Place(doc_id, 0, 0, province="广东省", city="深圳市", primary=True)],
    )


def _put(store, doc_id="d1", content_hash="h1", minhash=None):
    store.put_document(
        _doc(doc_id, content_hash=content_hash),
        *_analysis(doc_id),
        minhash=minhash,
        index_text=segment_for_index(TEXT),
        measure_index=_measure_index(doc_id),
    )


def _analysis(doc_id="d1"):
    from pipeline.structure import build_structure

    return build_structure(doc_id, TEXT), _extraction(doc_id)


def _measure_index(doc_id="d1"):
    return [(segment_for_index(m.heading), segment_for_index(m.text)) for m in _extraction(doc_id).measures]


def _rows(store):
    """Every stored row of every table but the timestamps, FTS rows with their rowid."""
    tables = [
        r[0]
        for r in store.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '%fts_%' ORDER BY name"
        )
    ]
    dump = {}
    for table in tables:
        rowid = "" if table == "minhash_bands" else "rowid AS rid, "
        cur = store.conn.execute(f"SELECT {rowid}* FROM {table} ORDER BY 1, 2")
        names = [d[0] for d in cur.description]
        dump[table] = [{k: v for k, v in zip(names, row, strict=False) if not k.endswith("_at")} for row in cur]
    return dump


SEED_TEXTS = [normalize(p.read_text(encoding="utf-8")).text for p in sorted(reports_dir().glob("*.txt"))]


def test_round_trip_keeps_records_and_spans(tmp_path):
    store = Store(tmp_path / "t.db")
    _put(store)
    ext = store.get_extraction("d1")
    assert ext.metadata.title == "养老服务"
    assert ext.figures[0].value == 3000 and ext.figures[0].unit == "人次"
    assert ext.measures[0].themes == ["精准服务供给"]
    assert store.get_document("d1").text[ext.figures[0].start : ext.figures[0].end] == "全年服务3000人次"
    assert store.get_structure("d1").sentences[0].end > 0


def test_fts_finds_two_character_words(tmp_path):
    store = Store(tmp_path / "t.db")
    _put(store)
    hits = store.conn.execute("SELECT rowid FROM measures_fts WHERE measures_fts MATCH ?", ('"养老"',)).fetchall()
    assert len(hits) == 1
    assert not store.conn.execute("SELECT rowid FROM measures_fts WHERE measures_fts MATCH ?", ('"教育"',)).fetchall()


def test_failed_document_write_leaves_nothing(tmp_path):
    store = Store(tmp_path / "t.db")
    _put(store)
    with pytest.raises(sqlite3.IntegrityError):
        _put(store, doc_id="d2", content_hash="h1")  # same content hash: rejected as a whole
    assert store.doc_ids() == ["d1"]
    assert store.conn.execute("SELECT count(*) FROM records WHERE doc_id = 'd2'").fetchone()[0] == 0
    assert store.conn.execute("SELECT count(*) FROM measures WHERE doc_id = 'd2'").fetchone()[0] == 0


def test_replace_extraction_is_complete(tmp_path):
    store = Store(tmp_path / "t.db")
    _put(store)
    from pipeline.structure import build_structure

    store.replace_extraction("d1", build_structure("d1", TEXT), Extraction("d1", CaseMetadata("d1")))
    assert store.count("measures") == 0
    assert not store.conn.execute("SELECT rowid FROM measures_fts WHERE measures_fts MATCH '\"养老\"'").fetchall()


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "t.db"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="更新版本"):
        Store(path)


def test_older_schema_is_migrated(tmp_path):
    path = tmp_path / "t.db"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute("DROP INDEX measures_theme")
    conn.execute("ALTER TABLE measures DROP COLUMN primary_theme")
    conn.execute("UPDATE schema_version SET version = 1")
    conn.commit()
    conn.close()
    store = Store(path)
    assert store.schema_version == SCHEMA_VERSION
    _put(store)
    assert store.conn.execute("SELECT primary_theme FROM measures").fetchone()[0] == "精准服务供给"


def test_second_writer_is_told_the_store_is_busy(tmp_path):
    path = tmp_path / "t.db"
    first = Store(path)
    second = Store(path)
    second.conn.execute("PRAGMA busy_timeout = 100")
    with first.transaction(), pytest.raises(StoreBusy, match="正被另一个进程写入"), second.transaction():
        pass


def test_readonly_store_refuses_missing_file(tmp_path):
    with pytest.raises(StoreError, match="数据库不存在"):
        Store(tmp_path / "missing.db", readonly=True)


def test_version_2_store_gains_prefix_index_and_mechanism_names(tmp_path):
    path = tmp_path / "t.db"
    store = Store(path)
    _put(store)
    store.conn.execute("DELETE FROM mechanism_names")
    store.conn.execute("UPDATE schema_version SET version = 2")
    store.close()
    migrated = Store(path)
    assert migrated.schema_version == SCHEMA_VERSION
    sql = migrated.conn.execute("SELECT sql FROM sqlite_master WHERE name = 'measures_fts'").fetchone()[0]
    assert "prefix" in sql
    assert migrated.conn.execute("SELECT rowid FROM measures_fts WHERE measures_fts MATCH '\"养老\"*'").fetchall()


def test_rows_built_elsewhere_store_what_put_document_stores(tmp_path):
    direct = Store(tmp_path / "direct.db")
    _put(direct, minhash=signature(TEXT))
    shipped = Store(tmp_path / "shipped.db")
    rows = document_rows(
        _doc(),
        *_analysis(),
        minhash=signature(TEXT),
        index_text=segment_for_index(TEXT),
        measure_index=_measure_index(),
    )
    shipped.put_rows(pickle.loads(pickle.dumps(rows)))  # as a worker process hands them over
    assert _rows(shipped) == _rows(direct)
    assert _rows(direct)["minhash_bands"]  # the document is findable as a near-duplicate


def test_a_batch_is_indexed_at_commit_and_a_failed_one_leaves_no_index(tmp_path):
    store = Store(tmp_path / "t.db")
    with store.transaction():
        _put(store, "d1", "h1")
        _put(store, "d2", "h2")
    doc_rowids = {r[0] for r in store.conn.execute("SELECT rowid FROM documents")}
    assert {
        r[0] for r in store.conn.execute("SELECT rowid FROM documents_fts WHERE documents_fts MATCH '养老'")
    } == doc_rowids
    assert {r[0] for r in store.conn.execute("SELECT rowid FROM measures_fts WHERE measures_fts MATCH '养老'")} == {
        r[0] for r in store.conn.execute("SELECT measure_id FROM measures")
    }
    with pytest.raises(RuntimeError), store.transaction():
        _put(store, "d3", "h3")
        raise RuntimeError("killed mid-batch")
    assert store.doc_ids() == ["d1", "d2"]
    assert store.conn.execute("SELECT count(*) FROM documents_fts").fetchone()[0] == 2
    _put(store, "d3", "h3")  # nothing of the failed batch is written with the next one
    assert store.conn.execute("SELECT count(*) FROM measures_fts").fetchone()[0] == 3


def test_replacing_an_extraction_in_the_transaction_that_stored_it(tmp_path):
    store = Store(tmp_path / "t.db")
    with store.transaction():
        _put(store)
        store.replace_extraction("d1", *_analysis(), measure_index=_measure_index())
    ids = [r[0] for r in store.conn.execute("SELECT measure_id FROM measures")]
    assert [r[0] for r in store.conn.execute("SELECT rowid FROM measures_fts WHERE measures_fts MATCH '养老'")] == ids


def test_near_duplicates_are_found_through_band_keys(tmp_path):
    store = Store(tmp_path / "t.db")
    original, other = SEED_TEXTS[0], SEED_TEXTS[1]
    _put(store, "d1", "h1", minhash=signature(original))
    _put(store, "d2", "h2", minhash=signature(other))
    store.close()
    store = Store(tmp_path / "t.db")  # nothing held in memory: a later run finds them too
    paragraphs = original.split("\n")
    paragraphs[2] += "记者从相关部门了解到,这一做法还将在全市推广。"
    assert store.near_duplicates(signature("首页 > 新闻\n" + "\n".join(paragraphs))) == ["d1"]
    assert store.near_duplicates(signature(SEED_TEXTS[2])) == []
    assert store.near_duplicates(signature("")) == []


def test_version_3_store_gets_new_signatures_and_band_keys(tmp_path):
    path = tmp_path / "t.db"
    store = Store(path)
    _put(store, minhash=b"\x01" * 1024)  # a signature of the old hashing
    store.conn.execute("DROP TABLE minhash_bands")
    store.conn.execute("UPDATE schema_version SET version = 3")
    store.close()
    migrated = Store(path)
    assert migrated.schema_version == SCHEMA_VERSION
    assert migrated.conn.execute("SELECT minhash FROM documents").fetchone()[0] == signature(TEXT)
    assert migrated.near_duplicates(signature(TEXT + "一是建立社区养老服务站。")) == ["d1"]


def test_a_batch_stores_what_one_transaction_per_document_stores(tmp_path):
    # The records of a batch are inserted together at its end: same rows, same ids, same order.
    one_by_one, batched = Store(tmp_path / "one.db"), Store(tmp_path / "batch.db")
    for doc_id in ("d1", "d2", "d3"):
        _put(one_by_one, doc_id, "h" + doc_id)
    with batched.transaction():
        for doc_id in ("d1", "d2", "d3"):
            _put(batched, doc_id, "h" + doc_id)
    assert _rows(batched) == _rows(one_by_one)
    assert [r[0] for r in batched.conn.execute("SELECT doc_id FROM measures ORDER BY measure_id")] == ["d1", "d2", "d3"]


def test_records_are_encoded_as_json_dumps_encodes_them():
    import json

    from pipeline.store import _record_json, _to_json

    figure = Figure("d1", 3, 9, 1.5e16, "元", "近", None, '他说:"增长了1750万元"\n', "1750万元")
    metadata = CaseMetadata("d1", title="社区治理", title_span=(0, 4))
    for record in (figure, metadata):
        assert _record_json(record) == json.dumps(record.__dict__, ensure_ascii=False)
    figure.note = "an attribute that is not a field"
    assert "note" not in json.loads(_record_json(figure))
    value = {"精准服务供给": 0.1 + 0.2, "nan": float("nan"), "list": [None, True, 3]}
    assert _to_json(value) == json.dumps(value, ensure_ascii=False)
    with pytest.raises(TypeError):
        _to_json({"a": object()})


def test_version_5_store_keeps_titled_measures_and_turns_cut_clause_headings_into_passages(tmp_path):
    path = tmp_path / "t.db"
    store = Store(path)
    _put(store)
    first = store.conn.execute("SELECT measure_id, text FROM measures ORDER BY measure_id").fetchone()
    # What version 5 stored for an untitled paragraph: a clause cut out of its middle as heading.
    paragraph = "今年以来,社区干部逐户走访居民,建立需求清单,按月交议事会讨论。"
    store.conn.execute(
        "INSERT INTO measures(doc_id, ordinal, start, end, heading, section, kind, text, themes, theme_scores) "
        "VALUES ('d1', 99, 0, 10, '建立需求清单', NULL, 'measure', ?, '[]', '{}')",
        (paragraph,),
    )
    store.conn.commit()
    store.close()
    conn = sqlite3.connect(path)
    conn.execute("ALTER TABLE measures DROP COLUMN titled")
    conn.execute("UPDATE schema_version SET version = 5")
    conn.commit()
    conn.close()
    store = Store(path)
    assert store.schema_version == SCHEMA_VERSION
    rows = {r[0]: (r[1], r[2]) for r in store.conn.execute("SELECT ordinal, heading, titled FROM measures")}
    assert rows[99] == ("", 0)
    kept = store.conn.execute("SELECT titled FROM measures WHERE measure_id = ?", (first[0],)).fetchone()[0]
    assert kept == 1, first[1]


@pytest.mark.parametrize(
    "heading, text, titled",
    [
        ("开展入户普查", "一是开展入户普查,组织社区干部和社工逐户走访。", True),  # an item's title ends at its comma
        ("要坚持需求导向", "首先,要坚持需求导向,治理从小事做起。", True),
        ("钱从哪儿来?", "钱从哪儿来?\n社区设立微基金。", True),
        ("议事有场所 协商有规矩", "议事有场所 协商有规矩\n社区推选议事代表35名。", True),
        ("推选议事代表", "社区推选议事代表35名,制定议事规则。", False),  # a clause of an untitled paragraph
        ("建立台账", "社区入户走访,建立台账,逐户登记。", False),
        ("第二步“议事”:大家的事大家定", "第二步“议事”:大家的事大家定\n村里每月召开一次议事会。", True),  # marker in it
        ("邻里食堂:老人吃上热乎饭", "▲ 邻里食堂:老人吃上热乎饭\n社区开办食堂。", True),
        ("台账随访到户", "首先是台账随访到户。社区逐户登记。", True),
    ],
)
def test_the_migration_tells_titled_practices_from_cut_clauses(heading, text, titled):
    assert _opens_with_heading(heading, text) is titled
