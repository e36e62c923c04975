"""The PostgreSQL backend against a real server: same records, tables and pages as SQLite; concurrent writers.

The search tests (tests/test_search.py) run on both backends; these cover the rest of the interface.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from pipeline import api
from pipeline.compare import compare
from pipeline.pgstore import PgStore, index_tokens, term_frequencies, tsquery, tsvector_literal
from pipeline.readmodel import TextQuery
from pipeline.search import search
from pipeline.store import SCHEMA_VERSION, StoreError
from pipeline.web import create_app
from pipeline.web.facets import facet_counts

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "corpus" / "reports"
GOVCASE = Path(sys.executable).with_name("govcase")


@pytest.fixture(scope="module")
def both(pg_database, seed_store, tmp_path_factory):
    """(SQLite store, PostgreSQL store) holding the four seed reports, both clustered."""
    url = pg_database()
    summary = api.ingest([SEEDS], db=url)
    assert summary.ingested == 4 and not summary.errors
    pg = api.open_store(url)
    copy = tmp_path_factory.mktemp("lite") / "seeds.db"
    with sqlite3.connect(seed_store) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    lite = api.open_store(copy)
    for store in (lite, pg):
        api.cluster(store)
    yield lite, pg
    pg.close()
    lite.close()


def test_unicode61_tokens_and_vectors():
    assert index_tokens("社区 养老 Wi-Fi 2022-2025 ５G") == ["社区", "养老", "wi", "fi", "2022", "2025", "５g"]
    literal, n = tsvector_literal("社区 议事会", "居民 议事会 议事会")
    assert n == 5 and literal == "'社区':1A '议事会':2A,5,6 '居民':4"
    # Weighted hits (heading ×2) per token and per prefix, as FTS5's prefix queries count them;
    # numbers stay exact, so 36 is no entry of 360.
    assert term_frequencies("社区 议事会", "居民 议事会 议事会 360") == {
        "社": 2.0,
        "社区": 2.0,
        "议": 4.0,
        "议事": 4.0,
        "议事会": 4.0,
        "居": 1.0,
        "居民": 1.0,
        "360": 1.0,
    }
    assert tsquery(TextQuery(("议事", "36"))) == "('议事':*) & ('36')"
    assert tsquery(TextQuery(("Wi-Fi",), scope="heading")) == "('wi':A <-> 'fi':*A)"
    assert tsquery(TextQuery(("养老",), scope="not_heading")) == "(('养老':*)) & !(('养老':*A))"
    assert tsquery(TextQuery(("it's",))) == "('it' <-> 's':*)"


def test_records_read_back_the_same_from_both_backends(both):
    lite, pg = both
    assert lite.doc_ids() == pg.doc_ids()
    for doc_id in lite.doc_ids():
        assert replace(pg.get_document(doc_id), ingested_at="") == replace(lite.get_document(doc_id), ingested_at="")
        assert pg.get_structure(doc_id) == lite.get_structure(doc_id)
        assert pg.get_extraction(doc_id) == lite.get_extraction(doc_id)
    for table in ("documents", "aliases", "records", "measures", "clusters"):
        assert pg.count(table) == lite.count(table), table
    # Read in batches (compare's profiles) as one at a time.
    batched = [(replace(d, ingested_at=""), s, e) for d, s, e in pg.profile_sources(lite.doc_ids())]
    assert batched == [(replace(d, ingested_at=""), s, e) for d, s, e in lite.profile_sources(lite.doc_ids())]
    assert pg.resolve(lite.doc_ids()[0][:6]) == lite.doc_ids()[0]


def test_read_model_rows_are_equal(both):
    lite, pg = both
    assert pg.documents_overview() == lite.documents_overview()
    assert pg.document_places() == lite.document_places()
    assert pg.place_counts() == lite.place_counts()
    assert pg.records_of_kinds(("figure", "change", "mechanism")) == lite.records_of_kinds(
        ("figure", "change", "mechanism")
    )
    assert pg.themes_by_frequency() == lite.themes_by_frequency()
    # Measure ids are given by each backend; the rows they name are the same, in the same order.
    strip = [(r.doc_id, r.heading, r.themes, r.city) for r in lite.measures_for_clustering()]
    assert [(r.doc_id, r.heading, r.themes, r.city) for r in pg.measures_for_clustering()] == strip
    assert [r[1:] for r in pg.aliases_in_order()] == [r[1:] for r in lite.aliases_in_order()]
    # A comparison's practices of the documents it compares, read by their ids (any number: one parameter).
    ids = lite.doc_ids()[1:3]
    every = [(r.doc_id, r.heading, r.theme) for r in lite.measure_themes(("measure",)) if r.doc_id in ids]
    for store in (lite, pg):
        assert [(r.doc_id, r.heading, r.theme) for r in store.measure_themes(("measure",), doc_ids=ids)] == every
    assert every and lite.measure_themes(("measure",), doc_ids=[]) == pg.measure_themes(("measure",), doc_ids=[]) == []


@pytest.mark.parametrize(
    "query, filters", [("", {}), ("养老", {}), ("社区", {"theme": "党建引领"}), ("", {"kind": "measure"})]
)
def test_facets_and_comparison_tables_are_equal(both, query, filters):
    lite, pg = both
    assert facet_counts(pg, query, filters) == facet_counts(lite, query, filters)


def test_comparison_tables_are_equal(both):
    lite, pg = both
    for by in ("case", "district", "city", "province"):
        left, right = compare(lite, by=by), compare(pg, by=by)
        for sheet, frame in left.tables().items():
            other = right.tables()[sheet]
            if "聚类编号" in frame.columns:  # cluster ids are numbered per run; the rest is the same
                frame, other = frame.drop(columns="聚类编号"), other.drop(columns="聚类编号")
            pd.testing.assert_frame_equal(frame, other, check_dtype=False, obj=sheet)


def test_schema_version_and_reopening(pg_database):
    url = pg_database()
    with api.open_store(url) as store:
        assert store.schema_version == SCHEMA_VERSION
    with api.open_store(url) as again:  # opening again creates nothing and migrates nothing
        assert again.schema_version == SCHEMA_VERSION and again.count("documents") == 0
        again.conn.execute("UPDATE schema_version SET version = %s", (SCHEMA_VERSION + 1,))
    with pytest.raises(StoreError, match="更新版本"):
        api.open_store(url)


def test_a_readonly_store_refuses_writes_and_an_empty_database(pg_database):
    url = pg_database()
    with pytest.raises(StoreError, match="还没有 govcase 数据"):
        api.open_store(url, readonly=True)
    api.open_store(url).close()
    with api.open_store(url, readonly=True) as store, pytest.raises(Exception, match="read-only"):
        # Statements prepared by psycopg are still planned for each execution's own words and limits.
        assert store._query("SHOW plan_cache_mode") == [("force_custom_plan",)]
        store.record_error("x.txt", "测试")


def test_unreachable_server_is_one_clear_error():
    with pytest.raises(StoreError, match="无法连接 PostgreSQL"):
        PgStore("postgresql://nobody:secret@127.0.0.1:9/none?connect_timeout=2")


def test_the_web_pages_are_served_from_postgresql(both):
    _, pg = both
    app = create_app(pg.url)
    client = app.test_client()
    page = client.get("/?q=养老")
    assert page.status_code == 200 and "养老" in page.get_data(as_text=True)
    api_hits = client.get("/api/search?q=社区").get_json()
    assert api_hits["total"] > 0
    doc = pg.doc_ids()[0]
    assert client.get(f"/cases/{doc}").status_code == 200
    assert client.get("/compare").status_code == 200
    assert client.get(f"/api/cases/{doc}").get_json()


def test_a_kept_comparison_gives_way_to_another_connections_write(pg_database, monkeypatch):
    """The web keeps comparisons until the store changes; an ingest by another process must show."""
    from pipeline import pgstore
    from pipeline.web import app as web_app

    monkeypatch.setattr(pgstore, "GENERATION_TTL_S", 0.0)  # ask the server every time
    built = []
    monkeypatch.setattr(web_app, "compare", lambda *a, **k: built.append(1) or compare(*a, **k))
    url = pg_database()
    seeds = sorted(SEEDS.glob("*.txt"))
    assert api.ingest(seeds[:3], db=url).ingested == 3
    client = create_app(url).test_client()

    def cases() -> list[str]:
        return [row["文档"] for row in client.get("/api/compare").get_json()["tables"]["cases"]]

    first = cases()
    assert len(first) == 3 and cases() == first and len(built) == 1  # the second page read the kept one
    assert api.ingest(seeds[3:], db=url).ingested == 1  # its own connection, as another process's would be
    assert len(cases()) == 4 and set(first) < set(cases()) and len(built) == 2


def test_two_processes_ingest_into_one_database_every_document_once(pg_database, tmp_path):
    """Both ingest the same files, one in the opposite order: each document stored once, every file an alias."""
    sys.path.insert(0, str(ROOT / "tests" / "reliability"))
    from reliability_support import copy_seeds, govcase_env, make_corpus

    files = make_corpus(tmp_path / "corpus", 40, seed=5) + copy_seeds(tmp_path / "seeds", 4)
    url = pg_database()
    api.open_store(url).close()  # the schema first, so neither run waits on the other's DDL
    procs = [
        subprocess.Popen(
            [str(GOVCASE), "ingest", *map(str, order), "--db", url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**govcase_env(), **os.environ},
        )
        for order in (files, files[::-1])
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0 and "Traceback" not in err, err
    with api.open_store(url, readonly=True) as store:
        hashes = Counter(store.get_document(d).content_hash for d in store.doc_ids())
        assert hashes and max(hashes.values()) == 1
        aliases = [r.alias for r in store.aliases_in_order()]
        assert sorted(aliases) == sorted(str(p) for p in files)
        measures = store.count("measures")
    with api.open_store(tmp_path / "lone.db") as lone:  # what one process alone stores
        assert api.ingest(files, db=lone).ingested == len(hashes)
        assert lone.count("measures") == measures


def test_version_5_server_store_keeps_titled_practices_and_turns_cut_clauses_into_passages(pg_database):
    url = pg_database()
    assert not api.ingest([SEEDS / "001_143382d16654aa58.txt"], db=url).errors
    with api.open_store(url) as store:
        rows = store._query("SELECT measure_id, heading, text FROM measures WHERE titled = 1 ORDER BY measure_id")
        assert len(rows) >= 2
        cut_id, _, cut_text = rows[0]
        clause = cut_text[len(cut_text) // 2 :][:8]  # a clause from inside the paragraph, as versions ≤ 5 made
        store.conn.execute("UPDATE measures SET heading = %s WHERE measure_id = %s", (clause, cut_id))
        store.conn.execute("ALTER TABLE measures DROP COLUMN titled")
        store.conn.execute("UPDATE schema_version SET version = 5")
    with api.open_store(url) as migrated:
        assert migrated.schema_version == SCHEMA_VERSION
        after = dict(
            (mid, (titled, heading))
            for mid, titled, heading in migrated._query("SELECT measure_id, titled, heading FROM measures")
        )
    assert after[cut_id] == (0, "")
    assert all(after[mid] == (1, heading) for mid, heading, _ in rows[1:])


def test_non_cases_are_left_out_on_postgresql_as_on_sqlite(pg_database, tmp_path):
    from tests.test_relevance import CASE, DIPLOMACY, MEETING

    for name, text in (("case", CASE), ("diplomacy", DIPLOMACY), ("meeting", MEETING)):
        (tmp_path / f"{name}.txt").write_text(text, encoding="utf-8")
    url = pg_database()
    lite_db = tmp_path / "mixed.db"
    for db in (lite_db, url):
        assert not api.ingest([tmp_path], db=db).errors
    lite, pg = api.open_store(lite_db), api.open_store(url)
    labels = {r[0] for r in pg._query("SELECT relevance FROM documents")}
    assert labels == {"治理案例", "相关报道", "无关"}
    for all_documents in (False, True):
        hits = [
            [(h.doc_id, h.heading) for h in search(s, "", limit=100, all_documents=all_documents).hits]
            for s in (lite, pg)
        ]
        assert hits[0] == hits[1]
        assert facet_counts(pg, "", {}, all_documents=all_documents) == facet_counts(
            lite, "", {}, all_documents=all_documents
        )
        assert len(compare(pg, all_documents=all_documents).sources) == (3 if all_documents else 1)
        assert pg.documents_overview(cases_only=not all_documents) == lite.documents_overview(
            cases_only=not all_documents
        )
    assert len({d for d, _ in hits[0]}) >= 2  # with all_documents, news shows too
    pg.close()
    lite.close()


def test_version_6_server_store_gets_relevance_scored(pg_database):
    url = pg_database()
    assert not api.ingest([SEEDS / "001_143382d16654aa58.txt"], db=url).errors
    with api.open_store(url) as store:
        store.conn.execute("DELETE FROM records WHERE kind = 'relevance'")
        store.conn.execute("DROP INDEX documents_relevance")
        store.conn.execute("ALTER TABLE documents DROP COLUMN relevance, DROP COLUMN case_score")
        store.conn.execute("UPDATE schema_version SET version = 6")
    with api.open_store(url) as migrated:
        assert migrated.schema_version == SCHEMA_VERSION
        [(label, score)] = migrated._query("SELECT relevance, case_score FROM documents")
        stored = migrated.get_extraction(migrated.doc_ids()[0]).relevance
    assert label == stored.label == "治理案例" and score == stored.score


def test_version_8_server_store_gets_themes_and_mechanisms_into_the_vectors_and_place_indexes(pg_database):
    url = pg_database()
    assert not api.ingest([SEEDS / "001_143382d16654aa58.txt"], db=url).errors
    with api.open_store(url) as store:
        [(theme,)] = store._query(
            "SELECT theme FROM measure_themes GROUP BY theme ORDER BY count(*) DESC, theme LIMIT 1"
        )
        before = [h.measure_id for h in search(store, "社区", theme=theme, limit=100).hits]
        store.conn.execute(
            "UPDATE measures_fts SET fts = ts_delete(fts, ARRAY(SELECT u.lexeme FROM unnest(fts) u "
            "WHERE u.lexeme LIKE '#%'))"
        )
        store.conn.execute("DROP INDEX documents_district, documents_street, documents_community")
        store.conn.execute("UPDATE schema_version SET version = 8")
        assert before and search(store, "社区", theme=theme).total == 0  # the filter reads the lexemes
    with api.open_store(url) as migrated:
        assert migrated.schema_version == SCHEMA_VERSION
        assert [h.measure_id for h in search(migrated, "社区", theme=theme, limit=100).hits] == before
        [(lexemes,)] = migrated._query(
            "SELECT count(*) FROM measures_fts, unnest(fts) u WHERE u.lexeme LIKE '#theme:%'"
        )
        assert lexemes == migrated._query("SELECT count(*) FROM measure_themes")[0][0]
        [(mechanisms,)] = migrated._query(
            "SELECT count(*) FROM measures_fts, unnest(fts) u WHERE u.lexeme LIKE '#mechanism:%'"
        )
        [(expected,)] = migrated._query(
            "SELECT count(*) FROM measures_fts f JOIN mechanism_names n ON n.doc_id = f.doc_id"
        )  # version 11: every practice carries its document's mechanisms
        assert mechanisms == expected > 0
        indexes = {r[0] for r in migrated._query("SELECT indexname FROM pg_indexes WHERE tablename = 'documents'")}
        assert {"documents_district", "documents_street", "documents_community"} <= indexes  # version 10
