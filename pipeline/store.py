"""The case database: one SQLite file (WAL), behind this one module.

Documents, their structure and extracted records, an FTS5 index over
jieba-segmented text, ingest errors, clusters. Each document is written in
one transaction, so a killed batch leaves every document complete or absent.
A server database can replace this module when a team outgrows one file.

Writing is split so that ingest workers do the expensive part: the pure
``document_rows`` turns an analysed document into compact rows (picklable,
JSON already encoded), and ``Store.put_rows`` only inserts them.

FTS5 notes: ``unicode61`` sees a run of Han characters as one token and
``trigram`` cannot match two-character words (社区, 养老), so we index text
pre-segmented by jieba, space-joined, and segment queries the same way.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import fields
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from .kinds import RECORD_ROWS
from .readmodel import SqliteReads
from .records import (
    CaseMetadata,
    Change,
    Document,
    EnumItem,
    Extraction,
    Figure,
    Measure,
    Mechanism,
    Paragraph,
    Place,
    Relevance,
    Section,
    Sentence,
    Structure,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from _typeshed import DataclassInstance

    from .cluster import ClusterResult

_R = TypeVar("_R", bound="DataclassInstance")  # a record dataclass

SCHEMA_VERSION = 11
DEFAULT_DB = Path("outputs") / "govcase.db"
BUSY_TIMEOUT_S = 10.0
# Page cache of a writing connection (SQLite's default is 2 MiB). Document ids are
# random, so each new document lands on its own leaf page of several indexes; past
# a few thousand documents those pages were read again for every batch. 32 MiB cut
# storing by a sixth on a 10,000-document store (64 MiB did no better).
WRITER_CACHE_KIB = 32 * 1024


class StoreError(Exception):
    """A problem with the store that the user can act on (message in Chinese)."""


class StoreBusy(StoreError):
    pass


# LSH band keys of each document's MinHash (pipeline.ingest.dedupe): a near-duplicate
# lookup reads the few documents sharing a key instead of every signature. No index
# on doc_id: documents are never deleted, and each one adds BANDS rows.
_BANDS_TABLE = """CREATE TABLE IF NOT EXISTS minhash_bands (
    band_key INTEGER NOT NULL,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    PRIMARY KEY (band_key, doc_id)
) WITHOUT ROWID"""

_SCHEMA = (
    """
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    rowid INTEGER PRIMARY KEY,
    doc_id TEXT NOT NULL UNIQUE,
    content_hash TEXT NOT NULL UNIQUE,
    raw_hash TEXT NOT NULL,
    text TEXT NOT NULL,
    script TEXT NOT NULL,
    source_format TEXT NOT NULL,
    title_hint TEXT,
    published_hint TEXT,
    ingested_at TEXT NOT NULL,
    minhash BLOB,
    structure TEXT,
    title TEXT,
    published TEXT,
    source TEXT,
    province TEXT,
    city TEXT,
    district TEXT,
    street TEXT,
    community TEXT,
    extracted_at TEXT,
    relevance TEXT,
    case_score REAL
);
CREATE TABLE IF NOT EXISTS aliases (
    alias TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    raw_hash TEXT NOT NULL,
    added_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS aliases_doc ON aliases(doc_id);
CREATE TABLE IF NOT EXISTS records (
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    ordinal INTEGER NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (doc_id, kind, ordinal)
);
CREATE INDEX IF NOT EXISTS records_kind ON records(kind);
CREATE TABLE IF NOT EXISTS measures (
    measure_id INTEGER PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    heading TEXT NOT NULL,
    section TEXT,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    themes TEXT NOT NULL,
    theme_scores TEXT NOT NULL,
    primary_theme TEXT,
    cluster_id INTEGER,
    titled INTEGER NOT NULL DEFAULT 1,
    UNIQUE (doc_id, ordinal)
);
CREATE INDEX IF NOT EXISTS measures_doc ON measures(doc_id);
CREATE INDEX IF NOT EXISTS measures_theme ON measures(primary_theme);
CREATE TABLE IF NOT EXISTS measure_themes (
    measure_id INTEGER NOT NULL REFERENCES measures(measure_id) ON DELETE CASCADE,
    theme TEXT NOT NULL,
    score REAL,
    PRIMARY KEY (measure_id, theme)
);
CREATE INDEX IF NOT EXISTS measure_themes_theme ON measure_themes(theme, measure_id);
CREATE INDEX IF NOT EXISTS measures_kind ON measures(kind);
CREATE INDEX IF NOT EXISTS documents_city ON documents(city, doc_id);
CREATE INDEX IF NOT EXISTS documents_province ON documents(province, doc_id);
CREATE INDEX IF NOT EXISTS documents_relevance ON documents(relevance, doc_id);
CREATE TABLE IF NOT EXISTS mechanism_names (
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    PRIMARY KEY (doc_id, name)
);
CREATE INDEX IF NOT EXISTS mechanism_names_name ON mechanism_names(name);
CREATE VIRTUAL TABLE IF NOT EXISTS measures_fts USING fts5(
    heading, body, tokenize = 'unicode61 remove_diacritics 0', prefix = '2'
);
CREATE VIRTUAL TABLE IF NOT EXISTS documents_fts USING fts5(
    body, tokenize = 'unicode61 remove_diacritics 0'
);
CREATE TABLE IF NOT EXISTS ingest_errors (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL,
    reason TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS clusters (
    cluster_id INTEGER PRIMARY KEY,
    label TEXT NOT NULL,
    theme TEXT,
    size INTEGER NOT NULL,
    terms TEXT NOT NULL
);
"""
    + _BANDS_TABLE
    + ";\n"
)


def _signatures_and_bands(store: Store) -> None:
    """Version 3 → 4: MinHash signatures recomputed with the vectorized shingle hash, and band keys.

    Pages through the documents, so memory stays flat on a large store.
    """
    from .ingest.dedupe import band_keys, signature

    conn = store.conn

    conn.execute(_BANDS_TABLE)
    conn.execute("DELETE FROM minhash_bands")  # keys of older signatures, if any, are stale
    last = 0
    while True:
        page = conn.execute(
            "SELECT rowid, doc_id, text FROM documents WHERE rowid > ? ORDER BY rowid LIMIT 256", (last,)
        ).fetchall()
        if not page:
            return
        for rowid, doc_id, text in page:
            sig = signature(text)
            conn.execute("UPDATE documents SET minhash = ? WHERE rowid = ?", (sig, rowid))
            conn.executemany("INSERT INTO minhash_bands VALUES (?, ?)", [(key, doc_id) for key in band_keys(sig)])
        last = page[-1][0]


# Before version 6 an untitled practice paragraph was stored as a measure headed by a
# clause cut out of it. A titled practice's text opens with its heading (after a list
# marker or an ornament, for enumerated items and bulleted sub-headings, or with the
# marker inside the heading, as in 第一步"摸底":…) and the heading ends its line or
# sentence there; a cut clause starts inside the paragraph or stops at one of its commas.
# That shape is what the migration keeps as titled. The markers are normalize's
# (corpus/list_markers.txt), so a family added there is known here too.
_TITLE_STOPS = "。::!?!?;;\n"
_ITEM_TITLE_STOPS = _TITLE_STOPS + ",,"  # an enumerated item's title may end at its first comma (SCHEMA.md)


def _opens_with_heading(heading: str, text: str) -> bool:
    from .ingest.normalize import strip_list_marker

    stripped = text.lstrip()
    unmarked = strip_list_marker(stripped)
    readings = [(stripped, _TITLE_STOPS)]
    if unmarked != stripped:
        readings.insert(0, (unmarked, _ITEM_TITLE_STOPS))
    head = heading.lstrip("“「")
    for body, stops in readings:
        body = body.lstrip("“「")
        if head and body.startswith(head):
            rest = body[len(head) :].lstrip("”」")
            if not rest or rest[0] in stops:
                return True
    return False


def _passages_apart(store: Store) -> None:
    conn = store.conn
    if "titled" not in {row[1] for row in conn.execute("PRAGMA table_info(measures)")}:
        conn.execute("ALTER TABLE measures ADD COLUMN titled INTEGER NOT NULL DEFAULT 1")
    untitled = [
        (measure_id,)
        for measure_id, heading, text in conn.execute("SELECT measure_id, heading, text FROM measures")
        if not _opens_with_heading(heading, text)
    ]
    conn.executemany("UPDATE measures SET titled = 0, heading = '' WHERE measure_id = ?", untitled)


def _relevance_columns(store: Store) -> None:
    """Version 6 → 7: every document's relevance label and case score, read from its stored records.

    Pages through the documents, so memory stays flat on a large store. Without the
    relevance model the columns stay empty (such documents count as cases).
    """
    from .relevance import classify, load_default_model

    conn = store.conn
    columns = {row[1] for row in conn.execute("PRAGMA table_info(documents)")}
    for column, kind in (("relevance", "TEXT"), ("case_score", "REAL")):
        if column not in columns:  # a store that claims an older version may have them already
            conn.execute(f"ALTER TABLE documents ADD COLUMN {column} {kind}")
    conn.execute("CREATE INDEX IF NOT EXISTS documents_relevance ON documents(relevance, doc_id)")
    try:
        model = load_default_model()
    except FileNotFoundError:
        return
    last = 0
    while True:
        page = conn.execute(
            "SELECT rowid, doc_id FROM documents WHERE rowid > ? AND structure IS NOT NULL ORDER BY rowid LIMIT 256",
            (last,),
        ).fetchall()
        if not page:
            return
        for rowid, doc_id in page:
            structure = store.get_structure(doc_id)
            if structure is None:  # the query keeps documents with a structure only
                continue
            relevance = classify(structure, store.get_extraction(doc_id), model)
            conn.execute(
                "UPDATE documents SET relevance = ?, case_score = ? WHERE rowid = ?",
                (relevance.label, relevance.score, rowid),
            )
            conn.execute(
                "INSERT OR REPLACE INTO records VALUES (?, 'relevance', 0, 0, 0, ?)", (doc_id, _record_json(relevance))
            )
        last = page[-1][0]


# Migrations from version N to N+1 (SQL, or a function of the store); each
# runs inside one transaction.
_MIGRATIONS: dict[int, str | Callable[[Store], None]] = {
    1: "ALTER TABLE measures ADD COLUMN primary_theme TEXT;\n"
    "CREATE INDEX IF NOT EXISTS measures_theme ON measures(primary_theme);\n",
    # Filter indexes, a narrow table of mechanism names (the JSON scan was slow),
    # and a prefix index so that 议事* finds 议事会 and 议事厅 quickly.
    2: "CREATE INDEX IF NOT EXISTS measures_kind ON measures(kind);\n"
    "CREATE INDEX IF NOT EXISTS documents_city ON documents(city);\n"
    "CREATE INDEX IF NOT EXISTS documents_province ON documents(province);\n"
    "CREATE TABLE IF NOT EXISTS mechanism_names (doc_id TEXT NOT NULL REFERENCES documents(doc_id) "
    "ON DELETE CASCADE, name TEXT NOT NULL, PRIMARY KEY (doc_id, name));\n"
    "CREATE INDEX IF NOT EXISTS mechanism_names_name ON mechanism_names(name);\n"
    "INSERT OR IGNORE INTO mechanism_names SELECT doc_id, json_extract(data, '$.name') FROM records "
    "WHERE kind = 'mechanism';\n"
    "CREATE VIRTUAL TABLE measures_fts_new USING fts5(heading, body, "
    "tokenize = 'unicode61 remove_diacritics 0', prefix = '2');\n"
    "INSERT INTO measures_fts_new(rowid, heading, body) SELECT rowid, heading, body FROM measures_fts;\n"
    "DROP TABLE measures_fts;\n"
    "ALTER TABLE measures_fts_new RENAME TO measures_fts;\n",
    3: _signatures_and_bands,
    # Search filters read ids straight from these indexes instead of one table row per id.
    4: "DROP INDEX measure_themes_theme;\n"
    "CREATE INDEX measure_themes_theme ON measure_themes(theme, measure_id);\n"
    "DROP INDEX documents_city;\n"
    "CREATE INDEX documents_city ON documents(city, doc_id);\n"
    "DROP INDEX documents_province;\n"
    "CREATE INDEX documents_province ON documents(province, doc_id);\n",
    5: _passages_apart,
    6: _relevance_columns,
    # Nothing changes on SQLite: version 8 stores term frequencies beside PostgreSQL's vectors,
    # version 9 the practices' themes inside them, version 10 indexes its documents' districts,
    # streets and communities (SQLite's LIKE cannot use them), version 11 puts the documents'
    # mechanisms in the vectors.
    7: "",
    8: "",
    9: "",
    10: "",
}


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


class Store(SqliteReads):
    """A govcase case database in one SQLite file (or ``:memory:``).

    The reads of search, compare, the API and the web pages are ``readmodel.SqliteReads``.
    """

    def __init__(self, path: str | Path = DEFAULT_DB, *, readonly: bool = False) -> None:
        self.path = str(path)
        self.readonly = readonly
        self._pending: _PendingRows | None = None  # set while a transaction() is open
        if readonly:
            if self.path != ":memory:" and not Path(self.path).exists():
                raise StoreError(f"数据库不存在: {self.path}(请先运行 govcase ingest 或 govcase run)")
            uri = f"file:{Path(self.path).resolve()}?mode=ro" if self.path != ":memory:" else ":memory:"
            self.conn = sqlite3.connect(
                uri, uri=self.path != ":memory:", timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
            )
        else:
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
            )
        self.conn.row_factory = sqlite3.Row
        try:
            self.conn.execute("PRAGMA foreign_keys = ON")
            if not readonly:
                if self.path != ":memory:":
                    self.conn.execute("PRAGMA journal_mode = WAL")
                self.conn.execute("PRAGMA synchronous = NORMAL")
                self.conn.execute(f"PRAGMA cache_size = -{WRITER_CACHE_KIB}")
                self._ensure_schema()
            else:
                self._check_version(self._read_version())
        except sqlite3.DatabaseError as exc:
            self.conn.close()
            if isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc)):
                raise StoreBusy(f"数据库 {self.path} 正被另一个进程写入,请稍后再试。") from exc
            raise StoreError(f"{self.path} 不是 govcase 数据库或已损坏({exc})") from exc

    # -- schema ---------------------------------------------------------------
    def _read_version(self) -> int | None:
        try:
            row = self.conn.execute("SELECT version FROM schema_version").fetchone()
        except sqlite3.DatabaseError as exc:
            if "no such table" in str(exc):
                return None
            raise StoreError(f"无法读取数据库 {self.path}: {exc}") from exc
        return row[0] if row else None

    def _check_version(self, version: int | None) -> None:
        if version is not None and version > SCHEMA_VERSION:
            raise StoreError(
                f"数据库 {self.path} 由更新版本的 govcase 写入(结构版本 {version},本程序支持 {SCHEMA_VERSION}),"
                "请升级 govcase 后再打开。"
            )

    def _ensure_schema(self) -> None:
        version = self._read_version()
        self._check_version(version)
        with self.transaction():
            if version is None:
                _run_script(self.conn, _SCHEMA)
                self.conn.execute("INSERT INTO schema_version VALUES (?)", (SCHEMA_VERSION,))
                return
            while version < SCHEMA_VERSION:
                step = _MIGRATIONS.get(version)
                if step is None:
                    raise StoreError(
                        f"数据库 {self.path} 的结构版本 {version} 过旧且无法自动升级;请用 govcase run 重新建库。"
                    )
                if callable(step):
                    step(self)
                else:
                    _run_script(self.conn, step)
                version += 1
            self.conn.execute("UPDATE schema_version SET version = ?", (version,))

    @property
    def schema_version(self) -> int:
        return self._read_version() or 0

    # -- transactions ------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT; a store held by another writer raises StoreBusy.

        The full-text rows of the documents written inside are inserted at its end:
        FTS5 writes its pending terms to disk at every statement savepoint, and
        every insert into a table with a foreign key opens one, so FTS rows written
        between them cost a flush per document (half of the cost of storing).
        So are their extracted records, one statement per table for all of them
        rather than per document: nothing reads those rows back before the commit.
        """
        if self._pending is not None:
            yield self.conn  # the enclosing transaction() writes the pending rows and commits
            return
        began = not self.conn.in_transaction
        if began:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if "locked" in str(exc) or "busy" in str(exc):
                    raise StoreBusy(f"数据库 {self.path} 正被另一个进程写入,请稍后再试。") from exc
                raise
        self._pending = _PendingRows([], [])
        try:
            yield self.conn
            self._flush_pending()
        except BaseException:
            if began:
                self.conn.execute("ROLLBACK")
            raise
        finally:
            self._pending = None
        if began:
            self.conn.execute("COMMIT")

    def _flush_pending(self) -> None:
        """Insert the extracted records and full-text rows held back so far, in document order."""
        pending = self._open_pending()
        extractions = pending.extractions
        records = chain.from_iterable(rows.records for rows in extractions)
        self.conn.executemany("INSERT INTO records VALUES (?,?,?,?,?,?)", records)
        names = chain.from_iterable(rows.mechanism_names for rows in extractions)
        self.conn.executemany("INSERT OR IGNORE INTO mechanism_names VALUES (?, ?)", names)
        measure_index = self._insert_measures(extractions)
        self.conn.executemany("INSERT INTO documents_fts(rowid, body) VALUES (?, ?)", pending.documents_fts)
        self.conn.executemany("INSERT INTO measures_fts(rowid, heading, body) VALUES (?,?,?)", measure_index)
        extractions.clear()
        pending.documents_fts.clear()

    def _open_pending(self) -> _PendingRows:
        """The rows held back by the open transaction(); writing outside one is a bug."""
        if self._pending is None:
            raise RuntimeError("store writes must run inside Store.transaction()")
        return self._pending

    def _insert_measures(self, extractions: list[ExtractionRows]) -> list[tuple[int, str, str]]:
        """Insert the measures and their themes; returns their full-text rows."""
        measures = [row for rows in extractions for row in rows.measures]
        if not measures:
            return []
        # The ids are given, so that the measures go in with one executemany: max + 1 is
        # also what SQLite would pick for each (the table has no AUTOINCREMENT).
        first = self.conn.execute("SELECT coalesce(max(measure_id), 0) + 1 FROM measures").fetchone()[0]
        ids = range(first, first + len(measures))
        self.conn.executemany(
            "INSERT INTO measures(measure_id, doc_id, ordinal, start, end, heading, section, kind, text, themes, "
            "theme_scores, primary_theme, titled) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [(mid, *row) for mid, row in zip(ids, measures, strict=False)],
        )
        themes = chain.from_iterable(rows.measure_themes for rows in extractions)
        self.conn.executemany(
            "INSERT INTO measure_themes VALUES (?,?,?)",
            [(mid, theme, score) for mid, pairs in zip(ids, themes, strict=False) for theme, score in pairs],
        )
        index = chain.from_iterable(rows.measure_index for rows in extractions)
        return [(mid, heading, body) for mid, (heading, body) in zip(ids, index, strict=False)]

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- documents -------------------------------------------------------------
    def doc_for_alias(self, alias: str) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.conn.execute("SELECT * FROM aliases WHERE alias = ?", (alias,)).fetchone()
        return row

    def doc_id_for_hash(self, content_hash: str) -> str | None:
        row = self.conn.execute("SELECT doc_id FROM documents WHERE content_hash = ?", (content_hash,)).fetchone()
        return row[0] if row else None

    def add_alias(self, doc_id: str, alias: str, raw_hash: str) -> None:
        with self.transaction():
            self.conn.execute(
                "INSERT INTO aliases(alias, doc_id, raw_hash, added_at) VALUES (?,?,?,?) "
                "ON CONFLICT(alias) DO UPDATE SET doc_id = excluded.doc_id, raw_hash = excluded.raw_hash",
                (alias, doc_id, raw_hash, now_iso()),
            )

    def near_duplicates(self, minhash: bytes, keys: list[int] | None = None) -> list[str]:
        """Stored documents whose text is a near-copy of the one behind ``minhash``, best first.

        Only the documents sharing an LSH band key with it are read and compared.
        ``keys`` are its band keys, when the caller has them already.
        """
        from .ingest.dedupe import band_keys, best_matches

        keys = band_keys(minhash) if keys is None else keys
        if not keys:
            return []
        candidates = self.conn.execute(
            "SELECT doc_id, minhash FROM documents WHERE doc_id IN "
            f"(SELECT doc_id FROM minhash_bands WHERE band_key IN ({','.join('?' * len(keys))}))",
            keys,
        )
        return best_matches(minhash, candidates)

    def put_document(
        self,
        doc: Document,
        structure: Structure,
        extraction: Extraction,
        *,
        minhash: bytes | None = None,
        index_text: str = "",
        measure_index: list[tuple[str, str]] | None = None,
    ) -> None:
        """Store a new document with everything found in it, in one transaction.

        ``index_text`` is the document's segmented text for FTS;
        ``measure_index`` the segmented (heading, body) per measure.
        """
        rows = document_rows(
            doc, structure, extraction, minhash=minhash, index_text=index_text, measure_index=measure_index
        )
        self.put_rows(rows, ingested_at=doc.ingested_at or None)

    def put_rows(self, rows: DocumentRows, *, ingested_at: str | None = None) -> bool:
        """Store a new document given as rows (``document_rows``), in one transaction.

        True: stored. (PgStore returns False when another writer stored it first; SQLite has one writer.)
        """
        now = now_iso()
        with self.transaction():
            cur = self.conn.execute(
                _INSERT_DOCUMENT, (*rows.document, *rows.extraction.document, ingested_at or now, now)
            )
            assert cur.lastrowid is not None  # an INSERT's rowid
            pending = self._open_pending()
            pending.documents_fts.append((cur.lastrowid, rows.index_text))
            self.conn.executemany(_UPSERT_ALIAS, [(alias, rows.doc_id, rows.raw_hash, now) for alias in rows.aliases])
            self.conn.executemany(
                "INSERT INTO minhash_bands VALUES (?, ?)", [(key, rows.doc_id) for key in rows.band_keys]
            )
            pending.extractions.append(rows.extraction)
        return True

    def replace_extraction(
        self,
        doc_id: str,
        structure: Structure,
        extraction: Extraction,
        measure_index: list[tuple[str, str]] | None = None,
    ) -> None:
        rows = extraction_rows(doc_id, structure, extraction, measure_index)
        with self.transaction():
            self._delete_extraction(doc_id)
            self.conn.execute(
                "UPDATE documents SET structure = ?, title = ?, published = ?, source = ?, province = ?, city = ?, "
                "district = ?, street = ?, community = ?, relevance = ?, case_score = ?, extracted_at = ? "
                "WHERE doc_id = ?",
                (*rows.document, now_iso(), doc_id),
            )
            self._open_pending().extractions.append(rows)

    def _delete_extraction(self, doc_id: str) -> None:
        # Pending rows first: they may be this document's, and a measure id freed
        # here may be given again in this transaction.
        self._flush_pending()
        ids = [r[0] for r in self.conn.execute("SELECT measure_id FROM measures WHERE doc_id = ?", (doc_id,))]
        self.conn.executemany("DELETE FROM measures_fts WHERE rowid = ?", [(i,) for i in ids])
        self.conn.execute("DELETE FROM measures WHERE doc_id = ?", (doc_id,))
        self.conn.execute("DELETE FROM records WHERE doc_id = ?", (doc_id,))
        self.conn.execute("DELETE FROM mechanism_names WHERE doc_id = ?", (doc_id,))

    def put_clusters(self, result: ClusterResult) -> None:
        """Replace the stored practice clusters (a pipeline.cluster.ClusterResult)."""
        with self.transaction():
            self.conn.execute("DELETE FROM clusters")
            self.conn.execute("UPDATE measures SET cluster_id = NULL")
            for c in result.clusters:
                self.conn.execute(
                    "INSERT INTO clusters VALUES (?,?,?,?,?)",
                    (c.cluster_id, c.label, c.theme, len(c.members), json.dumps(c.terms, ensure_ascii=False)),
                )
                self.conn.executemany(
                    "UPDATE measures SET cluster_id = ? WHERE measure_id = ?",
                    [(c.cluster_id, m.measure_id) for m in c.members],
                )

    def record_error(self, path: str, reason: str) -> None:
        with self.transaction():
            self.conn.execute("INSERT INTO ingest_errors(path, reason, at) VALUES (?,?,?)", (path, reason, now_iso()))

    # -- reading back -----------------------------------------------------------
    def doc_ids(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT doc_id FROM documents ORDER BY rowid")]

    def count(self, table: str) -> int:
        if table not in {"documents", "aliases", "records", "measures", "ingest_errors", "clusters"}:
            raise ValueError(table)
        return int(self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

    def resolve(self, ref: str) -> str | None:
        """A doc id from an id, an id prefix, an alias or a file stem."""
        row = self.conn.execute("SELECT doc_id FROM documents WHERE doc_id = ?", (ref,)).fetchone()
        if row:
            return str(row[0])
        row = self.conn.execute(
            "SELECT doc_id FROM aliases WHERE alias = ? OR alias LIKE ? ORDER BY added_at LIMIT 1", (ref, f"%/{ref}.%")
        ).fetchone()
        if row:
            return str(row[0])
        rows = self.conn.execute("SELECT doc_id FROM documents WHERE doc_id LIKE ?", (ref + "%",)).fetchall()
        return rows[0][0] if len(rows) == 1 else None

    def get_document(self, doc_id: str) -> Document:
        row = self.conn.execute("SELECT * FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        if row is None:
            raise StoreError(f"找不到文档: {doc_id}")
        aliases = [
            r[0]
            for r in self.conn.execute("SELECT alias FROM aliases WHERE doc_id = ? ORDER BY added_at, rowid", (doc_id,))
        ]
        return Document(
            doc_id=row["doc_id"],
            text=row["text"],
            script=row["script"],
            source_format=row["source_format"],
            aliases=aliases,
            raw_hash=row["raw_hash"],
            content_hash=row["content_hash"],
            title_hint=row["title_hint"],
            published_hint=row["published_hint"],
            ingested_at=row["ingested_at"],
        )

    def get_structure(self, doc_id: str) -> Structure | None:
        row = self.conn.execute(
            "SELECT structure, text, title_hint, published_hint FROM documents WHERE doc_id = ?", (doc_id,)
        ).fetchone()
        if row is None or row["structure"] is None:
            return None
        return _structure_from_json(
            doc_id, row["text"], json.loads(row["structure"]), row["title_hint"], row["published_hint"]
        )

    def get_extraction(self, doc_id: str) -> Extraction:
        by_kind: dict[str, list[dict[str, Any]]] = {}
        for row in self.conn.execute(
            "SELECT kind, data FROM records WHERE doc_id = ? ORDER BY kind, ordinal", (doc_id,)
        ):
            by_kind.setdefault(row["kind"], []).append(json.loads(row["data"]))
        meta = by_kind.get("metadata", [{"doc_id": doc_id}])[0]
        for key in ("title_span", "source_span", "published_span"):
            if meta.get(key) is not None:
                meta[key] = tuple(meta[key])
        measures = []
        for row in self.conn.execute("SELECT * FROM measures WHERE doc_id = ? ORDER BY ordinal", (doc_id,)):
            measures.append(
                Measure(
                    doc_id=doc_id,
                    start=row["start"],
                    end=row["end"],
                    heading=row["heading"],
                    text=row["text"],
                    section=row["section"],
                    kind=row["kind"],
                    themes=json.loads(row["themes"]),
                    theme_scores=json.loads(row["theme_scores"]),
                    ordinal=row["ordinal"],
                    titled=bool(row["titled"]),
                )
            )
        relevance = by_kind.get("relevance")
        return Extraction(
            doc_id=doc_id,
            metadata=_build(CaseMetadata, meta),
            relevance=_relevance(relevance[0]) if relevance else None,
            measures=measures,
            **record_lists(by_kind),
        )

    def ingest_errors(self) -> list[sqlite3.Row]:
        rows: list[sqlite3.Row] = self.conn.execute("SELECT path, reason, at FROM ingest_errors ORDER BY id").fetchall()
        return rows


def _relevance(data: dict[str, Any]) -> Relevance:
    relevance = _build(Relevance, data)
    # JSON gives lists; the record holds (feature, value, contribution) tuples.
    relevance.contributions = [(str(f), float(v), float(c)) for f, v, c in relevance.contributions]
    return relevance


_INSERT_DOCUMENT = (
    "INSERT INTO documents(doc_id, content_hash, raw_hash, text, script, source_format, title_hint, published_hint, "
    "minhash, structure, title, published, source, province, city, district, street, community, relevance, "
    "case_score, ingested_at, extracted_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)
_UPSERT_ALIAS = (
    "INSERT INTO aliases(alias, doc_id, raw_hash, added_at) VALUES (?,?,?,?) "
    "ON CONFLICT(alias) DO UPDATE SET doc_id = excluded.doc_id, raw_hash = excluded.raw_hash"
)


# What ``json.dumps(o, ensure_ascii=False)`` gives, from one encoder built once (dumps with
# keyword arguments builds a new JSONEncoder on every call, 40 a document). Public API only:
# no circular-reference checks, as rows never refer to themselves.
_to_json: Callable[[Any], str] = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode


class _PendingRows(NamedTuple):
    documents_fts: list[tuple[int, str]]  # rowid, segmented text
    extractions: list[ExtractionRows]


class ExtractionRows(NamedTuple):
    """A document's structure and extracted records as table rows, JSON already encoded."""

    document: tuple[
        Any, ...
    ]  # documents' structure, title, published, source, province … community, relevance, case_score
    records: list[tuple[Any, ...]]
    mechanism_names: list[tuple[str, str]]
    measures: list[tuple[Any, ...]]  # measures' columns doc_id … primary_theme
    measure_themes: list[list[tuple[str, float | None]]]  # (theme, score) per measure
    measure_index: list[tuple[str, str]]  # segmented (heading, body) per measure, for FTS


class DocumentRows(NamedTuple):
    """A new document with everything found in it, as rows for ``Store.put_rows``.

    Built by ``document_rows`` where the analysis ran (an ingest worker), so that
    the process holding the store only inserts; plain tuples and strings pickle
    far cheaper than the records.
    """

    doc_id: str
    content_hash: str
    raw_hash: str
    minhash: bytes | None
    band_keys: list[int]
    aliases: list[str]
    document: tuple[Any, ...]  # documents' columns doc_id … minhash
    index_text: str
    extraction: ExtractionRows


def document_rows(
    doc: Document,
    structure: Structure,
    extraction: Extraction,
    *,
    minhash: bytes | None = None,
    index_text: str = "",
    measure_index: list[tuple[str, str]] | None = None,
) -> DocumentRows:
    """The rows that store a new document (see ``Store.put_document`` for the arguments). Pure."""
    from .ingest.dedupe import band_keys

    return DocumentRows(
        doc.doc_id,
        doc.content_hash,
        doc.raw_hash,
        minhash,
        band_keys(minhash) if minhash is not None else [],
        list(doc.aliases),
        (
            doc.doc_id,
            doc.content_hash,
            doc.raw_hash,
            doc.text,
            doc.script,
            doc.source_format,
            doc.title_hint,
            doc.published_hint,
            minhash,
        ),
        index_text,
        extraction_rows(doc.doc_id, structure, extraction, measure_index),
    )


def extraction_rows(
    doc_id: str, structure: Structure, extraction: Extraction, measure_index: list[tuple[str, str]] | None = None
) -> ExtractionRows:
    """The rows of a document's structure and records. Pure."""
    meta = extraction.metadata
    place = extraction.primary_place() or Place(doc_id, 0, 0)
    records = [(doc_id, "metadata", 0, 0, 0, _record_json(meta))]
    relevance = extraction.relevance
    if relevance is not None:
        records.append((doc_id, "relevance", 0, 0, 0, _record_json(relevance)))
    for kind in RECORD_ROWS:
        items: Sequence[Figure | Change | Mechanism | Place] = getattr(extraction, kind.field)
        records += [(doc_id, kind.name, i, r.start, r.end, _record_json(r)) for i, r in enumerate(items)]
    measures = extraction.measures
    return ExtractionRows(
        (
            _to_json(_structure_to_json(structure)),
            meta.title,
            meta.published,
            meta.source,
            place.province,
            place.city,
            place.district,
            place.street,
            place.community,
            relevance.label if relevance else None,
            relevance.score if relevance else None,
        ),
        records,
        [(doc_id, m.name) for m in extraction.mechanisms],
        [
            (
                doc_id,
                i,
                m.start,
                m.end,
                m.heading,
                m.section,
                m.kind,
                m.text,
                _to_json(m.themes),
                _to_json(m.theme_scores),
                m.themes[0] if m.themes else None,
                int(m.titled),
            )
            for i, m in enumerate(measures)
        ],
        [[(theme, m.theme_scores.get(theme)) for theme in m.themes] for m in measures],
        list(measure_index) if measure_index else [(m.heading, m.text) for m in measures],
    )


def _field_names(cls: type) -> tuple[str, ...]:
    return _FIELD_NAMES.get(cls) or _FIELD_NAMES.setdefault(cls, tuple(f.name for f in fields(cls)))


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _flat_dict(record: Any) -> dict[str, Any]:
    """What dataclasses.asdict gives for a record of plain values (all of ours), for encoding.

    Without asdict's recursive deep copy, which cost half of storing a document. A
    record's own __dict__ holds its fields in order, set by __init__, and nothing else
    unless someone attached another attribute: then the fields are picked by name.
    """
    names = _field_names(type(record))
    attributes: dict[str, Any] = record.__dict__
    if len(attributes) == len(names):
        return attributes
    return {name: getattr(record, name) for name in names}


def _record_json(record: Any) -> str:
    return _to_json(_flat_dict(record))


def _run_script(conn: sqlite3.Connection, script: str) -> None:
    # executescript() would COMMIT the open transaction first; run statement by statement instead.
    for statement in script.split(";\n"):
        if statement.strip():
            conn.execute(statement)


def record_lists(by_kind: dict[str, list[dict[str, Any]]]) -> dict[str, list[Any]]:
    """The Extraction fields of the kinds stored as records rows, from those rows' JSON by kind."""
    return {kind.field: [_build(kind.record, d) for d in by_kind.get(kind.name, [])] for kind in RECORD_ROWS}


def _build(cls: type[_R], data: dict[str, Any]) -> _R:
    """A dataclass from a dict, ignoring keys the class does not (or no longer) have."""
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in names})


def _structure_to_json(structure: Structure) -> dict[str, Any]:
    return {
        "paragraphs": [_flat_dict(p) for p in structure.paragraphs],
        "sentences": [[s.start, s.end, s.paragraph] for s in structure.sentences],
        "sections": [_flat_dict(s) for s in structure.sections],
        "items": [_flat_dict(i) for i in structure.items],
    }


def _structure_from_json(
    doc_id: str, text: str, data: dict[str, Any], title_hint: str | None = None, published_hint: str | None = None
) -> Structure:
    return Structure(
        doc_id=doc_id,
        text=text,
        paragraphs=[_build(Paragraph, p) for p in data.get("paragraphs", [])],
        sentences=[Sentence(*s) for s in data.get("sentences", [])],
        sections=[_build(Section, s) for s in data.get("sections", [])],
        items=[_build(EnumItem, i) for i in data.get("items", [])],
        title_hint=title_hint,
        published_hint=published_hint,
    )
