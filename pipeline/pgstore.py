"""The case database on a PostgreSQL server: the same tables, reads and search as ``pipeline.store``.

For a team: one database that many people search and several processes
ingest into at once. ``open_store("postgresql://user@host/db")`` picks it.

Differences from the SQLite store, and why:

- Full text: ``measures_fts`` holds one ``tsvector`` per practice, written
  from the same jieba-segmented (heading, body) as FTS5's, split into tokens
  the way FTS5's unicode61 tokenizer splits them (``index_tokens``), heading
  tokens weighted A, so ``{heading}`` queries are weight-A queries. A GIN index
  serves ``@@``. The vector is built here as a literal rather than by
  ``to_tsvector('simple', …)``, whose parser cuts text differently from unicode61.
- Ranking: BM25 computed as FTS5's ``bm25(measures_fts, 2.0, 1.0)`` computes it
  (k1 = 1.2, b = 0.75, IDF floored at 1e-6, heading hits weighted 2, length =
  tokens of both columns), so the two backends rank alike. A word spelled as
  several tokens (Wi-Fi) counts its last token's hits: FTS5 counts phrase hits.
  The term frequencies are stored beside the vector (``measures_fts.tf``, a
  jsonb of weighted hits per token and per token prefix, as FTS5's prefix
  queries count them): looking one up costs a microsecond, where unnesting
  every candidate's vector cost ~30 µs a row, most of a search's time.
- Themes: each practice's themes are lexemes of its vector too (``THEME_MARK`` + the theme,
  without positions; no query word can spell or begin one), so a theme filter and the words are
  one GIN scan that intersects both: the rows of a word that also carry the theme, where the
  semi-join with ``measure_themes`` read every row of the word first (~80 ms for 网格 and a
  theme on 50,000 documents, ~10 ms now). ``ntok`` and ``tf`` leave them out; BM25 is unchanged.
- Concurrency: every document is written in its own transaction, and
  ``INSERT … ON CONFLICT DO NOTHING`` on its unique content hash decides which
  of two writers stores it; the other adds its file as an alias. A batch
  transaction, as on SQLite, would hold the unique keys of hundreds of
  documents and deadlock against a second writer storing them in another order.
  Measure ids come from a sequence, so writers never compute the same one.
- Text columns use the "C" collation, so ORDER BY sorts by code point as SQLite does.
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from .readmodel import (
    FACET_MATCHES,
    RECORD_TABLES,
    TABLE_ORDER,
    AggregateCache,
    MeasureFilter,
    Reads,
    TextFilter,
    TextQuery,
    _filter_key,
)
from .records import Document, Extraction, Structure
from .store import (
    SCHEMA_VERSION,
    DocumentRows,
    ExtractionRows,
    StoreError,
    _build,
    _opens_with_heading,
    _record_json,
    _relevance,
    _structure_from_json,
    document_rows,
    extraction_rows,
    now_iso,
    record_lists,
)

BM25_K1 = 1.2
BM25_B = 0.75
HEADING_WEIGHT = 2.0
# How often a reader asks whether the store changed (store_generation): per-store aggregates
# (BM25's corpus statistics and document frequencies, facet counts) are cached until it does.
GENERATION_TTL_S = 1.0
# Documents read per batch of profile_sources (a compare page over a few cities reads thousands).
PROFILE_BATCH = 500

_T = 'TEXT COLLATE "C"'
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    rowid BIGSERIAL PRIMARY KEY,
    doc_id {_T} NOT NULL UNIQUE,
    content_hash {_T} NOT NULL UNIQUE,
    raw_hash {_T} NOT NULL,
    text {_T} NOT NULL,
    script {_T} NOT NULL,
    source_format {_T} NOT NULL,
    title_hint {_T},
    published_hint {_T},
    ingested_at {_T} NOT NULL,
    minhash BYTEA,
    structure {_T},
    title {_T},
    published {_T},
    source {_T},
    province {_T},
    city {_T},
    district {_T},
    street {_T},
    community {_T},
    extracted_at {_T}
);
CREATE TABLE IF NOT EXISTS aliases (
    alias {_T} PRIMARY KEY,
    doc_id {_T} NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    raw_hash {_T} NOT NULL,
    added_at {_T} NOT NULL,
    id BIGSERIAL
);
CREATE INDEX IF NOT EXISTS aliases_doc ON aliases(doc_id);
CREATE TABLE IF NOT EXISTS records (
    doc_id {_T} NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    kind {_T} NOT NULL,
    ordinal INTEGER NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    data {_T} NOT NULL,
    PRIMARY KEY (doc_id, kind, ordinal)
);
CREATE INDEX IF NOT EXISTS records_kind ON records(kind);
CREATE TABLE IF NOT EXISTS measures (
    measure_id BIGSERIAL PRIMARY KEY,
    doc_id {_T} NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    heading {_T} NOT NULL,
    section {_T},
    kind {_T} NOT NULL,
    text {_T} NOT NULL,
    themes {_T} NOT NULL,
    theme_scores {_T} NOT NULL,
    primary_theme {_T},
    cluster_id INTEGER,
    UNIQUE (doc_id, ordinal)
);
CREATE INDEX IF NOT EXISTS measures_theme ON measures(primary_theme);
CREATE INDEX IF NOT EXISTS measures_kind ON measures(kind);
CREATE TABLE IF NOT EXISTS measure_themes (
    measure_id BIGINT NOT NULL REFERENCES measures(measure_id) ON DELETE CASCADE,
    theme {_T} NOT NULL,
    score DOUBLE PRECISION,
    PRIMARY KEY (measure_id, theme)
);
CREATE INDEX IF NOT EXISTS measure_themes_theme ON measure_themes(theme, measure_id);
CREATE INDEX IF NOT EXISTS documents_city ON documents(city, doc_id);
CREATE INDEX IF NOT EXISTS documents_province ON documents(province, doc_id);
CREATE INDEX IF NOT EXISTS documents_district ON documents(district, doc_id);
CREATE INDEX IF NOT EXISTS documents_street ON documents(street, doc_id);
CREATE INDEX IF NOT EXISTS documents_community ON documents(community, doc_id);
CREATE TABLE IF NOT EXISTS mechanism_names (
    doc_id {_T} NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    name {_T} NOT NULL,
    PRIMARY KEY (doc_id, name)
);
CREATE INDEX IF NOT EXISTS mechanism_names_name ON mechanism_names(name);
CREATE TABLE IF NOT EXISTS measures_fts (
    measure_id BIGINT PRIMARY KEY REFERENCES measures(measure_id) ON DELETE CASCADE,
    fts TSVECTOR NOT NULL,
    ntok INTEGER NOT NULL,
    tf JSONB,
    doc_id {_T},
    kind {_T},
    head TSVECTOR
);
CREATE INDEX IF NOT EXISTS measures_fts_gin ON measures_fts USING GIN (fts);
-- The heading's own lexemes: a heading query's selectivity is known, where the planner took
-- fts @@ '平台':*A for as common as 平台 anywhere and walked every row newest first.
CREATE INDEX IF NOT EXISTS measures_fts_head ON measures_fts USING GIN (head);
-- A place filter's few documents, found by their id rather than by walking every match newest first.
CREATE INDEX IF NOT EXISTS measures_fts_doc ON measures_fts(doc_id);
CREATE TABLE IF NOT EXISTS ingest_errors (
    id BIGSERIAL PRIMARY KEY,
    path {_T} NOT NULL,
    reason {_T} NOT NULL,
    at {_T} NOT NULL
);
CREATE TABLE IF NOT EXISTS clusters (
    cluster_id INTEGER PRIMARY KEY,
    label {_T} NOT NULL,
    theme {_T},
    size INTEGER NOT NULL,
    terms {_T} NOT NULL
);
-- Advanced after every committed write: readers cache aggregates while it stays the same.
CREATE SEQUENCE IF NOT EXISTS store_generation;
CREATE TABLE IF NOT EXISTS minhash_bands (
    band_key BIGINT NOT NULL,
    doc_id {_T} NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    PRIMARY KEY (band_key, doc_id)
);
"""

# Migrations from version N to N+1, as for SQLite (pipeline.store._MIGRATIONS). A server
# database starts at the version this module was written for; every column added to the
# SQLite schema later is added here too, with its step.
FIRST_VERSION = 5


def _passages_apart(store: PgStore) -> None:
    # Same rule as SQLite's step 5 -> 6 (pipeline.store._opens_with_heading).
    conn = store.conn
    conn.execute("ALTER TABLE measures ADD COLUMN IF NOT EXISTS titled INTEGER NOT NULL DEFAULT 1")
    untitled = [
        (measure_id,)
        for measure_id, heading, text in conn.execute("SELECT measure_id, heading, text FROM measures").fetchall()
        if not _opens_with_heading(heading, text)
    ]
    if untitled:
        with conn.cursor() as cur:
            cur.executemany("UPDATE measures SET titled = 0, heading = '' WHERE measure_id = %s", untitled)


def _relevance_columns(store: PgStore) -> None:
    """Version 6 -> 7, as SQLite's: each document's relevance label and case score, from its stored records."""
    from .relevance import classify, load_default_model

    conn = store.conn
    conn.execute('ALTER TABLE documents ADD COLUMN IF NOT EXISTS relevance TEXT COLLATE "C"')
    conn.execute("ALTER TABLE documents ADD COLUMN IF NOT EXISTS case_score DOUBLE PRECISION")
    conn.execute("CREATE INDEX IF NOT EXISTS documents_relevance ON documents(relevance, doc_id)")
    try:
        model = load_default_model()
    except FileNotFoundError:
        return  # the columns stay empty: such documents count as cases
    last = 0
    while True:
        page = store._query(
            "SELECT rowid, doc_id FROM documents WHERE rowid > ? AND structure IS NOT NULL ORDER BY rowid LIMIT 256",
            (last,),
        )
        if not page:
            return
        for rowid, doc_id in page:
            relevance = classify(store.get_structure(doc_id), store.get_extraction(doc_id), model)
            store._exec(
                "UPDATE documents SET relevance = ?, case_score = ? WHERE rowid = ?",
                (relevance.label, relevance.score, rowid),
            )
            store._exec("DELETE FROM records WHERE doc_id = ? AND kind = 'relevance'", (doc_id,))
            store._exec("INSERT INTO records VALUES (?, 'relevance', 0, 0, 0, ?)", (doc_id, _record_json(relevance)))
        last = page[-1][0]


def _term_frequencies(store: PgStore) -> None:
    """Version 7 -> 8: each practice's term frequencies (``term_frequencies``), read back from its vector,
    and its document and kind beside it, which search filters test on the row they already read."""
    conn = store.conn
    conn.execute("CREATE SEQUENCE IF NOT EXISTS store_generation")
    conn.execute("ALTER TABLE measures_fts ADD COLUMN IF NOT EXISTS tf JSONB")
    conn.execute('ALTER TABLE measures_fts ADD COLUMN IF NOT EXISTS doc_id TEXT COLLATE "C"')
    conn.execute('ALTER TABLE measures_fts ADD COLUMN IF NOT EXISTS kind TEXT COLLATE "C"')
    conn.execute(
        "UPDATE measures_fts f SET doc_id = m.doc_id, kind = m.kind FROM measures m "
        "WHERE m.measure_id = f.measure_id AND f.doc_id IS NULL"
    )
    conn.execute("CREATE INDEX IF NOT EXISTS measures_fts_doc ON measures_fts(doc_id)")
    conn.execute("ALTER TABLE measures_fts ADD COLUMN IF NOT EXISTS head TSVECTOR")
    conn.execute("UPDATE measures_fts SET head = ts_filter(fts, '{a}') WHERE head IS NULL")
    conn.execute("CREATE INDEX IF NOT EXISTS measures_fts_head ON measures_fts USING GIN (head)")
    conn.execute("DROP FUNCTION IF EXISTS govcase_tf(tsvector, text, boolean, text)")
    # Most vectors with their frequencies pass the 2 kB at which PostgreSQL compresses a row:
    # pglz cost a search ~3 µs a row to undo, lz4 a third of that (a server without lz4 keeps pglz).
    import psycopg

    try:
        with conn.transaction():
            conn.execute("ALTER TABLE measures_fts ALTER COLUMN tf SET COMPRESSION lz4")
    except psycopg.Error:
        pass
    last = 0
    while True:
        rows = conn.execute(
            "SELECT f.measure_id, u.lexeme, u.positions, u.weights FROM "
            "(SELECT measure_id, fts FROM measures_fts WHERE measure_id > %s ORDER BY measure_id LIMIT 1000) f "
            "CROSS JOIN LATERAL unnest(f.fts) AS u ORDER BY f.measure_id",
            (last,),
        ).fetchall()
        if not rows:
            return
        hits: dict[int, list[tuple[str, bool]]] = {}
        for measure_id, lexeme, positions, weights in rows:
            if lexeme.startswith("#"):  # a theme or mechanism, not a word (a store that already had them)
                continue
            hits.setdefault(measure_id, []).extend((lexeme, w == "A") for w in weights or ["D"] * len(positions))
        with conn.cursor() as cur:
            cur.executemany(
                "UPDATE measures_fts SET tf = %s::jsonb WHERE measure_id = %s",
                [(_tf_json(_frequencies(h)), mid) for mid, h in hits.items()],
            )
        last = max(hits)


# A comparison's places are tested at every level (PlaceScope): with an index per level the planner
# ORs index scans (~14 ms for three cities of 50,000 documents) where it read every document (~50 ms).
_PLACE_INDEXES = (
    "CREATE INDEX IF NOT EXISTS documents_district ON documents(district, doc_id);\n"
    "CREATE INDEX IF NOT EXISTS documents_street ON documents(street, doc_id);\n"
    "CREATE INDEX IF NOT EXISTS documents_community ON documents(community, doc_id);\n"
)


def _themes_in_vectors(store: PgStore) -> None:
    """Version 8 -> 9: each practice's themes become lexemes of its vector (``theme_lexeme``)."""
    store.conn.execute(
        "UPDATE measures_fts f SET fts = f.fts || t.lexemes FROM (SELECT measure_id, "
        "array_to_tsvector(array_agg(%s || theme)) AS lexemes FROM measure_themes GROUP BY measure_id) t "
        "WHERE t.measure_id = f.measure_id",
        (THEME_MARK,),
    )


def _mechanisms_in_vectors(store: PgStore) -> None:
    """Version 10 -> 11: each practice's vector gets a lexeme per mechanism its document names."""
    store.conn.execute(
        "UPDATE measures_fts f SET fts = f.fts || n.lexemes FROM (SELECT doc_id, "
        "array_to_tsvector(array_agg(%s || name)) AS lexemes FROM mechanism_names GROUP BY doc_id) n "
        "WHERE n.doc_id = f.doc_id",
        (MECHANISM_MARK,),
    )


_MIGRATIONS: dict[int, str | Callable[[PgStore], None]] = {
    5: _passages_apart,
    6: _relevance_columns,
    7: _term_frequencies,
    8: _themes_in_vectors,
    9: _PLACE_INDEXES,
    10: _mechanisms_in_vectors,
}


def is_url(db: Any) -> bool:
    return isinstance(db, str) and db.startswith(("postgresql://", "postgres://"))


# -- tokens as FTS5's unicode61 sees them ------------------------------------------------------------
_TOKEN = re.compile(r"[^\W_]+|[\ue000-\uf8ff]+")  # letters and digits (L*, N*) and private use (Co)


def index_tokens(text: str) -> list[str]:
    """The tokens FTS5's unicode61 tokenizer (remove_diacritics 0) finds in ``text``, case-folded."""
    return [t.lower() for t in _TOKEN.findall(text)]


def _lexeme(tok: str) -> str:
    return "'" + tok.replace("\\", "\\\\").replace("'", "''") + "'"


# A filter listing documents is read before the words when every word is common (more than RANK_PROBE
# rows: counted that far, cached per word, as search counts them) or the filter admits at most
# 1/NARROW_FILTER of the rarest word's rows (PgStore._rows).
NARROW_FILTER = 2
RANK_PROBE = 10_000

# The newest matches of a search page's words, shared by its facets (PgStore._newest_ids): a page's
# worth of entries is enough, and each holds up to 2,001 ids.
NEWEST_MATCHES = AggregateCache(size=64)

# Theme and mechanism lexemes begin with a character index_tokens never keeps, so no word (nor
# prefix) matches one.
THEME_MARK = "#theme:"
MECHANISM_MARK = "#mechanism:"


def theme_lexeme(theme: str) -> str:
    return _lexeme(THEME_MARK + theme)


def mechanism_lexeme(name: str) -> str:
    return _lexeme(MECHANISM_MARK + name)


def tsvector_literal(
    heading: str, body: str, themes: Sequence[str] = (), mechanisms: Sequence[str] = ()
) -> tuple[str, int]:
    """A practice's segmented heading and body as a tsvector literal (heading weight A), with a lexeme
    per theme of the practice and per mechanism its document names (no position: ts_filter leaves
    them out of the heading's vector), and its token count.

    Body positions start two after the heading's, so a phrase never spans the two columns.
    """
    positions: dict[str, list[str]] = {}
    head, text = index_tokens(heading), index_tokens(body)
    for i, tok in enumerate(head, start=1):
        positions.setdefault(tok, []).append(f"{min(i, 16383)}A")
    for i, tok in enumerate(text, start=len(head) + 2):
        positions.setdefault(tok, []).append(str(min(i, 16383)))
    # A lexeme keeps at most 256 positions; more are dropped by PostgreSQL anyway.
    words = [f"{_lexeme(tok)}:{','.join(pos[:256])}" for tok, pos in positions.items()]
    marks = [theme_lexeme(t) for t in dict.fromkeys(themes)] + [mechanism_lexeme(m) for m in dict.fromkeys(mechanisms)]
    return " ".join(words + marks), len(head) + len(text)


def term_frequencies(heading: str, body: str) -> dict[str, float]:
    """Weighted hits (heading ×2) of every token of a practice and of every prefix of a token.

    A prefix query (议事*) counts the hits of every token it begins, as FTS5 does, so
    each prefix gets the sum of its tokens. Numbers are matched exactly, so a prefix
    made of digits only (36 of 360) gets no entry of its own.
    """
    return _frequencies([(tok, True) for tok in index_tokens(heading)] + [(tok, False) for tok in index_tokens(body)])


def _frequencies(hits: list[tuple[str, bool]]) -> dict[str, float]:
    tf: dict[str, float] = {}
    for tok, in_heading in hits:
        weight = HEADING_WEIGHT if in_heading else 1.0
        tf[tok] = tf.get(tok, 0.0) + weight
        for end in range(1, len(tok)):
            if not (head := tok[:end]).isdigit():
                tf[head] = tf.get(head, 0.0) + weight
    return tf


def _tf_json(tf: dict[str, float]) -> str:
    return json.dumps({k: int(v) if v.is_integer() else v for k, v in tf.items()}, ensure_ascii=False)


def _term(tok: str, prefix: bool, weight: str = "") -> str | None:
    """One query word as tsquery: its tokens as a phrase, the last a prefix unless a number."""
    parts = index_tokens(tok)
    if not parts:
        return None
    star = "*" if prefix and not tok.isdigit() else ""
    marks = [weight] * (len(parts) - 1) + [star + weight]
    return " <-> ".join(f"{_lexeme(p)}:{m}" if m else _lexeme(p) for p, m in zip(parts, marks, strict=True))


def tsquery(q: TextQuery) -> str:
    """A TextQuery as tsquery text: all words (&), in the heading (weight A), or not all in it."""
    every = [t for t in (_term(tok, q.prefix) for tok in q.tokens) if t]
    if not every:
        return "''"  # matches nothing, as an empty FTS5 query would
    allq = " & ".join(f"({t})" for t in every)
    if q.scope == "all":
        return allq
    heading = " & ".join(f"({t})" for t in (_term(tok, q.prefix, "A") for tok in q.tokens) if t)
    return heading if q.scope == "heading" else f"({allq}) & !({heading})"


# -- the store ----------------------------------------------------------------------------------------
def _idle():
    from psycopg.pq import TransactionStatus

    return TransactionStatus.IDLE


@lru_cache(maxsize=512)
def _pg_sql(sql: str) -> str:
    return sql.replace("%", "%%").replace("?", "%s")


def _connect(url: str, readonly: bool):
    try:
        import psycopg
    except ImportError as exc:  # an optional dependency: pip install 'govcase[server]'
        raise StoreError("使用 PostgreSQL 数据库需要安装 psycopg:pip install 'psycopg[binary]'") from exc
    try:
        conn = psycopg.connect(url, autocommit=True, connect_timeout=10)
    except psycopg.OperationalError as exc:
        raise StoreError(f"无法连接 PostgreSQL 数据库 {_safe(url)}:{str(exc).strip()}") from exc
    # psycopg prepares a statement run five times, and PostgreSQL then plans it once for any parameters:
    # a search's statements differ by their words and limits (the newest 20 matches of 平台, or 1,001),
    # and the generic plan gathered every match before sorting (0.8 ms planned for the words, 91 ms
    # generic, inside bench_scale's query mix). Each execution is planned for its own parameters.
    conn.execute("SET plan_cache_mode = force_custom_plan")
    if readonly:
        conn.execute("SET default_transaction_read_only = on")
    return conn


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


class PgStore(Reads):
    """A govcase case database on a PostgreSQL server (same interface as ``pipeline.store.Store``)."""

    _alias_order = "id"
    _planner_hints = False
    # A mechanism filter is tested on each full-text row's mechanism lexemes: listing its documents
    # (a quarter of a 50,000-document store for 双轨制) cost ~25 ms a statement to send and plan.
    mechanisms_in_rows = True

    def __init__(self, url: str, *, readonly: bool = False) -> None:
        self.path = _safe(url)
        self.url = url
        self.readonly = readonly
        self.conn = _connect(url, readonly)
        self._seen: tuple[float, int] | None = None  # (read at, store generation)
        self._lock = threading.RLock()  # held across a snapshot's statements
        if readonly:
            version = self._read_version()
            if version is None:
                self.conn.close()
                raise StoreError(f"数据库 {self.path} 还没有 govcase 数据(请先运行 govcase ingest 或 govcase run)")
            self._check_version(version)
        else:
            self._ensure_schema()

    # -- plumbing ---------------------------------------------------------------------------------------
    def _query(self, sql: str, params: Sequence[Any] = ()) -> list:
        with self._lock:
            return self.conn.execute(_pg_sql(sql), params).fetchall()

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        from psycopg.pq import TransactionStatus

        with self._lock:
            if self.conn.info.transaction_status != TransactionStatus.IDLE:
                yield
                return
            self._generation()  # read before the snapshot, so that it names no write the snapshot misses
            self.conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            try:
                yield
            finally:
                self.conn.execute("COMMIT")

    def _exec(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.conn.execute(_pg_sql(sql), params)

    def _many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            with self.conn.cursor() as cur:
                cur.executemany(_pg_sql(sql), rows)

    def close(self) -> None:
        self.conn.close()

    def _generation(self) -> tuple[str, int] | None:
        """(this database, the generation last read): re-read at most every GENERATION_TTL_S.

        A write advances the sequence after it commits, so a generation read before a
        statement (or a snapshot) began names only writes that statement sees; inside a
        transaction it is not re-read, since the sequence is not part of the snapshot.
        """
        now = time.monotonic()
        if self._seen is None or now - self._seen[0] > GENERATION_TTL_S:
            if self.conn.info.transaction_status != _idle():
                return None if self._seen is None else (self.url, self._seen[1])
            self._seen = (now, self.data_version())
        return self.url, self._seen[1]

    def data_version(self) -> int:
        """The store_generation sequence now: it advances after every committed write."""
        value, called = self._query("SELECT last_value, is_called FROM store_generation")[0]
        return int(value) if called else 0

    def _changed(self) -> None:
        """After a committed write: readers of this database stop using their cached aggregates."""
        self._exec("SELECT nextval('store_generation')")
        self._seen = None

    def __enter__(self) -> PgStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- schema -------------------------------------------------------------------------------------------
    def _read_version(self) -> int | None:
        row = self.conn.execute("SELECT to_regclass('schema_version')").fetchone()
        if row[0] is None:
            return None
        row = self.conn.execute("SELECT version FROM schema_version").fetchone()
        return row[0] if row else None

    def _check_version(self, version: int | None) -> None:
        if version is not None and version > SCHEMA_VERSION:
            raise StoreError(
                f"数据库 {self.path} 由更新版本的 govcase 写入(结构版本 {version},本程序支持 {SCHEMA_VERSION}),"
                "请升级 govcase 后再打开。"
            )

    def _ensure_schema(self) -> None:
        with self.conn.transaction():
            # Two processes opening a new database at once: one creates, the other waits here.
            self.conn.execute("SELECT pg_advisory_xact_lock(7140052)")
            version = self._read_version()
            self._check_version(version)
            if version is None:
                self.conn.execute(_SCHEMA)
                self.conn.execute("INSERT INTO schema_version VALUES (%s)", (FIRST_VERSION,))
                version = FIRST_VERSION
            start = version
            while version < SCHEMA_VERSION:
                step = _MIGRATIONS.get(version)
                if step is None:
                    raise StoreError(f"数据库 {self.path} 的结构版本 {version} 无法自动升级。")
                if callable(step):
                    step(self)
                else:
                    self.conn.execute(step)
                version += 1
            if version != start:
                self.conn.execute("UPDATE schema_version SET version = %s", (version,))

    @property
    def schema_version(self) -> int:
        return self._read_version() or 0

    @contextmanager
    def transaction(self) -> Iterator[PgStore]:
        """Groups writes for the caller; each document still commits on its own (see the module notes)."""
        yield self

    # -- writing -------------------------------------------------------------------------------------------
    def doc_for_alias(self, alias: str) -> dict | None:
        row = self._exec("SELECT alias, doc_id, raw_hash, added_at FROM aliases WHERE alias = ?", (alias,)).fetchone()
        return dict(zip(("alias", "doc_id", "raw_hash", "added_at"), row, strict=True)) if row else None

    def doc_id_for_hash(self, content_hash: str) -> str | None:
        row = self._exec("SELECT doc_id FROM documents WHERE content_hash = ?", (content_hash,)).fetchone()
        return row[0] if row else None

    def add_alias(self, doc_id: str, alias: str, raw_hash: str) -> None:
        self._exec(_UPSERT_ALIAS, (alias, doc_id, raw_hash, now_iso()))

    def near_duplicates(self, minhash: bytes, keys: list[int] | None = None) -> list[str]:
        from .ingest.dedupe import band_keys, best_matches

        keys = band_keys(minhash) if keys is None else keys
        if not keys:
            return []
        rows = self._exec(
            "SELECT doc_id, minhash FROM documents WHERE doc_id IN "
            "(SELECT doc_id FROM minhash_bands WHERE band_key = ANY(?))",
            (list(keys),),
        ).fetchall()
        return best_matches(minhash, [(d, bytes(m) if m is not None else None) for d, m in rows])

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
        rows = document_rows(
            doc, structure, extraction, minhash=minhash, index_text=index_text, measure_index=measure_index
        )
        self.put_rows(rows, ingested_at=doc.ingested_at or None)

    def put_rows(self, rows: DocumentRows, *, ingested_at: str | None = None) -> bool:
        """Store a new document in one transaction; False when another writer stored it first.

        Then this source becomes an alias of the stored copy, as a duplicate would.
        """
        now = now_iso()
        with self.conn.transaction():
            inserted = self._exec(
                _INSERT_DOCUMENT, (*rows.document, *rows.extraction.document, ingested_at or now, now)
            ).fetchone()
            if inserted is None:
                canonical = self.doc_id_for_hash(rows.content_hash) or rows.doc_id
                self._many(_UPSERT_ALIAS, [(a, canonical, rows.raw_hash, now) for a in rows.aliases])
                return False
            self._many(_UPSERT_ALIAS, [(alias, rows.doc_id, rows.raw_hash, now) for alias in rows.aliases])
            self._many(
                "INSERT INTO minhash_bands VALUES (?, ?) ON CONFLICT DO NOTHING",
                [(key, rows.doc_id) for key in rows.band_keys],
            )
            self._put_extraction(rows.extraction)
        self._changed()
        return True

    def _put_extraction(self, rows: ExtractionRows) -> None:
        self._many("INSERT INTO records VALUES (?,?,?,?,?,?)", rows.records)
        self._many("INSERT INTO mechanism_names VALUES (?, ?) ON CONFLICT DO NOTHING", rows.mechanism_names)
        if not rows.measures:
            return
        ids = [
            r[0]
            for r in self._exec(
                "SELECT nextval(pg_get_serial_sequence('measures', 'measure_id')) FROM generate_series(1, ?)",
                (len(rows.measures),),
            ).fetchall()
        ]
        self._many(
            'INSERT INTO measures(measure_id, doc_id, ordinal, start, "end", heading, section, kind, text, themes, '
            "theme_scores, primary_theme, titled) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [(mid, *row) for mid, row in zip(ids, rows.measures, strict=True)],
        )
        self._many(
            "INSERT INTO measure_themes VALUES (?,?,?)",
            [
                (mid, theme, score)
                for mid, pairs in zip(ids, rows.measure_themes, strict=True)
                for theme, score in pairs
            ],
        )
        names = [name for _, name in rows.mechanism_names]
        vectors = [
            (*tsvector_literal(h, b, [theme for theme, _ in pairs], names), _tf_json(term_frequencies(h, b)))
            for (h, b), pairs in zip(rows.measure_index, rows.measure_themes, strict=False)
        ]
        self._many(
            "INSERT INTO measures_fts(measure_id, fts, ntok, tf, doc_id, kind, head) "
            "VALUES (?, ?::tsvector, ?, ?::jsonb, ?, ?, ts_filter(?::tsvector, '{a}'))",
            [
                (mid, lit, n, tf, row[0], row[6], lit)
                for mid, (lit, n, tf), row in zip(ids, vectors, rows.measures, strict=False)
            ],
        )

    def replace_extraction(
        self,
        doc_id: str,
        structure: Structure,
        extraction: Extraction,
        measure_index: list[tuple[str, str]] | None = None,
    ) -> None:
        rows = extraction_rows(doc_id, structure, extraction, measure_index)
        with self.conn.transaction():
            self._exec("DELETE FROM measures WHERE doc_id = ?", (doc_id,))
            self._exec("DELETE FROM records WHERE doc_id = ?", (doc_id,))
            self._exec("DELETE FROM mechanism_names WHERE doc_id = ?", (doc_id,))
            self._exec(
                "UPDATE documents SET structure = ?, title = ?, published = ?, source = ?, province = ?, city = ?, "
                "district = ?, street = ?, community = ?, relevance = ?, case_score = ?, extracted_at = ? "
                "WHERE doc_id = ?",
                (*rows.document, now_iso(), doc_id),
            )
            self._put_extraction(rows)
        self._changed()

    def put_clusters(self, result) -> None:
        with self.conn.transaction():
            self._exec("DELETE FROM clusters")
            self._exec("UPDATE measures SET cluster_id = NULL WHERE cluster_id IS NOT NULL")
            for c in result.clusters:
                self._exec(
                    "INSERT INTO clusters VALUES (?,?,?,?,?)",
                    (c.cluster_id, c.label, c.theme, len(c.members), json.dumps(c.terms, ensure_ascii=False)),
                )
                self._many(
                    "UPDATE measures SET cluster_id = ? WHERE measure_id = ?",
                    [(c.cluster_id, m.measure_id) for m in c.members],
                )
        self._changed()

    def record_error(self, path: str, reason: str) -> None:
        self._exec("INSERT INTO ingest_errors(path, reason, at) VALUES (?,?,?)", (path, reason, now_iso()))

    # -- reading back ---------------------------------------------------------------------------------------
    def doc_ids(self) -> list[str]:
        return [r[0] for r in self._query("SELECT doc_id FROM documents ORDER BY rowid")]

    def count(self, table: str) -> int:
        if table not in {"documents", "aliases", "records", "measures", "ingest_errors", "clusters"}:
            raise ValueError(table)
        return self._query(f"SELECT count(*) FROM {table}")[0][0]

    def resolve(self, ref: str) -> str | None:
        row = self._query("SELECT doc_id FROM documents WHERE doc_id = ?", (ref,))
        if row:
            return row[0][0]
        row = self._query(
            "SELECT doc_id FROM aliases WHERE alias = ? OR alias LIKE ? ORDER BY added_at LIMIT 1",
            (ref, f"%/{_like(ref)}.%"),
        )
        if row:
            return row[0][0]
        rows = self._query("SELECT doc_id FROM documents WHERE doc_id LIKE ? LIMIT 2", (_like(ref) + "%",))
        return rows[0][0] if len(rows) == 1 else None

    def get_document(self, doc_id: str) -> Document:
        docs = self._documents([doc_id])
        if not docs:
            raise StoreError(f"找不到文档: {doc_id}")
        return docs[doc_id][0]

    def get_structure(self, doc_id: str) -> Structure | None:
        docs = self._documents([doc_id])
        return docs[doc_id][1] if docs else None

    def get_extraction(self, doc_id: str) -> Extraction:
        return self._extractions([doc_id])[doc_id]

    def profile_sources(self, doc_ids: Sequence[str]) -> Iterator[tuple[Document, Structure | None, Extraction]]:
        """(document, structure, extraction) of each, read a batch at a time: four statements a batch
        where reading one document at a time took five a document (a profile's cost on a server)."""
        for at in range(0, len(doc_ids), PROFILE_BATCH):
            batch = list(doc_ids[at : at + PROFILE_BATCH])
            docs, extractions = self._documents(batch), self._extractions(batch)
            for doc_id in batch:
                if doc_id not in docs:
                    raise StoreError(f"找不到文档: {doc_id}")
                yield (*docs[doc_id], extractions[doc_id])

    def _documents(self, doc_ids: Sequence[str]) -> dict[str, tuple[Document, Structure | None]]:
        rows = self._query(
            "SELECT doc_id, text, script, source_format, raw_hash, content_hash, title_hint, published_hint, "
            "ingested_at, structure FROM documents WHERE doc_id = ANY(?)",
            (list(doc_ids),),
        )
        aliases: dict[str, list[str]] = {}
        for doc_id, alias in self._query(
            "SELECT doc_id, alias FROM aliases WHERE doc_id = ANY(?) ORDER BY added_at, id", (list(doc_ids),)
        ):
            aliases.setdefault(doc_id, []).append(alias)
        docs = {}
        for r in rows:
            doc = Document(
                doc_id=r[0],
                text=r[1],
                script=r[2],
                source_format=r[3],
                aliases=aliases.get(r[0], []),
                raw_hash=r[4],
                content_hash=r[5],
                title_hint=r[6],
                published_hint=r[7],
                ingested_at=r[8],
            )
            structure = None if r[9] is None else _structure_from_json(r[0], r[1], json.loads(r[9]), r[6], r[7])
            docs[r[0]] = (doc, structure)
        return docs

    def _extractions(self, doc_ids: Sequence[str]) -> dict[str, Extraction]:
        from .records import CaseMetadata, Measure

        by_doc: dict[str, dict[str, list[dict]]] = {d: {} for d in doc_ids}
        for doc_id, kind, data in self._query(
            "SELECT doc_id, kind, data FROM records WHERE doc_id = ANY(?) ORDER BY doc_id, kind, ordinal",
            (list(doc_ids),),
        ):
            by_doc[doc_id].setdefault(kind, []).append(json.loads(data))
        measures: dict[str, list[Measure]] = {d: [] for d in doc_ids}
        for r in self._query(
            'SELECT doc_id, start, "end", heading, text, section, kind, themes, theme_scores, ordinal, titled '
            "FROM measures WHERE doc_id = ANY(?) ORDER BY doc_id, ordinal",
            (list(doc_ids),),
        ):
            measures[r[0]].append(
                Measure(
                    doc_id=r[0],
                    start=r[1],
                    end=r[2],
                    heading=r[3],
                    text=r[4],
                    section=r[5],
                    kind=r[6],
                    themes=json.loads(r[7]),
                    theme_scores=json.loads(r[8]),
                    ordinal=r[9],
                    titled=bool(r[10]),
                )
            )
        extractions = {}
        for doc_id, by_kind in by_doc.items():
            meta = by_kind.get("metadata", [{"doc_id": doc_id}])[0]
            for key in ("title_span", "source_span", "published_span"):
                if meta.get(key) is not None:
                    meta[key] = tuple(meta[key])
            extractions[doc_id] = Extraction(
                doc_id=doc_id,
                metadata=_build(CaseMetadata, meta),
                measures=measures[doc_id],
                relevance=_relevance(by_kind["relevance"][0]) if by_kind.get("relevance") else None,
                **record_lists(by_kind),
            )
        return extractions

    def ingest_errors(self) -> list[dict]:
        rows = self._query("SELECT path, reason, at FROM ingest_errors ORDER BY id")
        return [dict(zip(("path", "reason", "at"), r, strict=True)) for r in rows]

    # -- whole tables ---------------------------------------------------------------------------------------
    _OWN_COLUMNS = {"aliases": {"id"}}  # columns SQLite keeps as its hidden rowid

    def table_columns(self, table: str) -> list[tuple[str, str]]:
        if table not in RECORD_TABLES:
            raise ValueError(table)
        rows = self._query(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
            (table,),
        )
        return [(name, kind.upper()) for name, kind in rows if name not in self._OWN_COLUMNS.get(table, ())]

    def stream_table(self, table: str, batch: int = 10_000) -> Iterator[list[tuple]]:
        names = ", ".join(f'"{n}"' for n, _ in self.table_columns(table))
        order = {"aliases": "id", "documents": "rowid"}.get(table) or TABLE_ORDER.get(table) or "1"
        with self.conn.transaction(), self.conn.cursor(name=f"export_{table}") as cur:
            cur.execute(f"SELECT {names} FROM {table} ORDER BY {order}")
            while rows := cur.fetchmany(batch):
                yield [tuple(bytes(v) if isinstance(v, memoryview) else v for v in r) for r in rows]

    # -- full text -----------------------------------------------------------------------------------------------
    def text_filter(self, f: MeasureFilter) -> TextFilter:
        """``f`` as conditions on measures_fts rows, which carry their document and kind, and their themes
        as lexemes: a search tests the rows it reads instead of building the set of every admitted
        practice first, and a theme joins the words' index scan."""
        return self._filter(f, themes_in_row=True)

    def _filter(self, f: MeasureFilter, *, themes_in_row: bool) -> TextFilter:
        clauses, params = [], []
        if f.cases_only and (side := self._cases_side()) is not None:
            op, test = side
            clauses.append(f" AND doc_id {op} (SELECT doc_id FROM documents WHERE {test})")
        if f.doc_ids is not None:
            clauses.append(" AND doc_id = ANY(?)")
            params.append(list(f.doc_ids))
        if f.themes and themes_in_row:
            clauses.append(" AND fts @@ ?::tsquery")
            params.append(" | ".join(theme_lexeme(t) for t in f.themes))
        elif f.themes:
            clauses.append(" AND measure_id IN (SELECT measure_id FROM measure_themes WHERE theme = ANY(?))")
            params.append(list(f.themes))
        if f.kinds:
            clauses.append(" AND kind = ANY(?)")
            params.append(list(f.kinds))
        if f.mechanisms and themes_in_row:
            names = self.mechanism_names_with(f.mechanisms)
            clauses.append(" AND fts @@ ?::tsquery" if names else " AND false")
            params += [" | ".join(mechanism_lexeme(n) for n in names)] if names else []
        elif f.mechanisms:
            clauses.append(" AND doc_id = ANY(?)")
            params.append(sorted(self.docs_with_mechanisms(f.mechanisms)))
        return TextFilter("".join(clauses), params, None if f.doc_ids is None else len(f.doc_ids))

    def mechanism_names_with(self, parts: Sequence[str]) -> list[str]:
        """The stored mechanism names containing any of ``parts`` (kept until the store changes)."""
        likes = " OR ".join("name LIKE ? ESCAPE '\\'" for _ in parts)
        sql = f"SELECT DISTINCT name FROM mechanism_names WHERE {likes} ORDER BY name"
        params = [f"%{_like(p)}%" for p in parts]
        return self.cached(("mechanism names", tuple(parts)), lambda: [r[0] for r in self._query(sql, params)])

    def _rows(self, q: TextQuery, where: TextFilter) -> tuple[str, list, TextFilter]:
        """The rows a match reads, their parameters, and the conditions left to test beside the match.

        A filter that lists documents (a city, a mechanism) is read first and the words tested on its
        rows when every query word is common (more than RANK_PROBE rows) or the filter admits at most
        1/NARROW_FILTER of the rarest word's rows: the GIN scan of two common prefixes (社区 服务)
        gathered 120,000 rows before a city's 3,000 were intersected. On 50,000 documents, a city and
        common words 65-120 ms -> 22-45 ms, a province 185 -> 70 ms, a mechanism (a quarter of the
        store) 120 -> 98 ms; a rare word (调解, 3,090 rows) stays with its index (6 ms, 11 ms read the
        other way). OFFSET 0 keeps the planner from folding the filter back into the match.
        """
        if where.docs is None or q.scope == "heading":
            return "measures_fts", [], where
        rows_total, _ = self._corpus_stats()
        docs_total = self.cached(("documents",), lambda: self.count("documents"))
        admitted = where.docs * rows_total / max(docs_total, 1)
        rarest = min(self.count_matches(TextQuery((t,), q.prefix), None, RANK_PROBE) for t in q.tokens)
        if rarest <= RANK_PROBE and admitted * NARROW_FILTER > rarest:
            return "measures_fts", [], where
        source = f"(SELECT * FROM measures_fts WHERE true{where.sql} OFFSET 0) AS measures_fts"
        return source, list(where.params), TextFilter("", [])

    def _among(self, column: str, ids: Sequence[str]) -> tuple[str, list]:
        return f" AND {column} = ANY(?)", [list(ids)]

    # Each practice's themes looked up by its id (OFFSET 0 keeps the subquery from being flattened): the
    # planner hashed all of measure_themes in each parallel worker instead, ~110 ms for the practices
    # of three cities of 50,000 documents, against ~60 ms.
    _themes_join = (
        "CROSS JOIN LATERAL (SELECT theme FROM measure_themes mt WHERE mt.measure_id = m.measure_id OFFSET 0) t"
    )

    def _measure_where(self, f: MeasureFilter, *, hint: bool = False, column: str = "measure_id") -> tuple[str, list]:
        # measures has doc_id and kind as measures_fts has: the filters test the row itself, where the
        # portable form (a semi-join of measures with itself per filter) cost ~50 ms a page on 50,000 documents.
        # Its themes are in measure_themes only.
        where = self._filter(f, themes_in_row=False)
        return where.sql, where.params

    def count_matches(self, q: TextQuery, where: TextFilter | None = None, cap: int = 1_000) -> int:
        """As SQLite's; a word's rows in the whole store (its document frequency) are cached."""
        where = where or TextFilter("", [])
        if not where.sql:
            match, params = _match(q)
            sql = f"SELECT count(*) FROM (SELECT 1 FROM measures_fts WHERE {match} LIMIT ?) AS hits"
            return self.cached(("count", q, cap), lambda: self._query(sql, [*params, cap + 1])[0][0])
        source, params, rest = self._rows(q, where)
        match, words = _match(q)
        sql = f"SELECT count(*) FROM (SELECT 1 FROM {source} WHERE {match}{rest.sql} LIMIT ?) AS hits"
        return self._query(sql, [*params, *words, *rest.params, cap + 1])[0][0]

    def newest_matches(self, q: TextQuery, where: TextFilter, limit: int, offset: int = 0) -> list[int]:
        source, params, rest = self._rows(q, where)
        match, words = _match(q)
        return [
            r[0]
            for r in self._query(
                f"SELECT measure_id FROM {source} WHERE {match}{rest.sql} ORDER BY measure_id DESC LIMIT ? OFFSET ?",
                [*params, *words, *rest.params, limit, offset],
            )
        ]

    def ranked_matches(
        self, q: TextQuery, rank_by: TextQuery, where: TextFilter, limit: int, offset: int = 0
    ) -> tuple[list[tuple[int, float]], int | None]:
        """BM25 as FTS5 computes it (see the module notes), over ``rank_by``'s words.

        One pass over the matching rows: each word's weighted hits are looked up in the
        row's stored term frequencies, and the window count gives the number of matches.
        """
        rows_total, avgdl = self._corpus_stats()
        freqs, terms, params = [], [], []
        for i, tok in enumerate(t for t in rank_by.tokens if index_tokens(t)):
            hits = self.count_matches(TextQuery((tok,), rank_by.prefix), None, rows_total)
            idf = math.log((0.5 + rows_total - hits) / (0.5 + hits))
            idf = idf if idf > 0 else 1e-6
            # A word of several tokens: the hits of its last (prefixed) token stand for the phrase's;
            # a number is matched exactly, so its key holds its own hits only (term_frequencies).
            params.append(index_tokens(tok)[-1])
            freqs.append(f"coalesce((tf ->> ?)::float8, 0) AS f{i}")
            norm = f"{BM25_K1} * (1 - {BM25_B} + {BM25_B} * n / {avgdl!r})"
            terms.append(f"{idf!r} * f{i} * {BM25_K1 + 1} / (f{i} + {norm})")
        # Each frequency is read once per row; the arithmetic is in float8 (ntok is cast), not numeric.
        source, source_params, rest = self._rows(q, where)
        rows = self._query(
            f"WITH cand AS MATERIALIZED (SELECT measure_id, ntok::float8 AS n{''.join(', ' + f for f in freqs)} "
            f"FROM {source} WHERE fts @@ ?::tsquery{rest.sql}) "
            f"SELECT measure_id, {' + '.join(terms) or '0'} AS score, (SELECT count(*) FROM cand) FROM cand "
            "ORDER BY score DESC, measure_id LIMIT ? OFFSET ?",
            [*params, *source_params, tsquery(q), *rest.params, limit, offset],
        )
        return [(r[0], float(r[1])) for r in rows], (rows[0][2] if rows else None)

    def _corpus_stats(self) -> tuple[int, float]:
        """Rows and their average length: summing a 50,000-document store's token counts costs more than a search."""
        rows, tokens = self.cached(
            ("corpus",), lambda: self._query("SELECT count(*), coalesce(sum(ntok), 0) FROM measures_fts")[0]
        )
        return int(rows), (float(tokens) / rows if rows else 1.0) or 1.0

    def _matching_ids(self, tokens: Sequence[str], f: MeasureFilter) -> tuple[str, list]:
        if tokens:
            return "SELECT unnest(?::bigint[])", [list(self._newest_ids(tokens, f)[:FACET_MATCHES])]
        where, params = self._measure_where(f, column="m.measure_id")
        return f"SELECT m.measure_id FROM measures m WHERE 1=1{where}", params

    def facet_sampled(self, tokens: Sequence[str], f: MeasureFilter | None = None) -> bool:
        return bool(tokens) and len(self._newest_ids(tokens, f or MeasureFilter())) > FACET_MATCHES

    def _newest_ids(self, tokens: Sequence[str], f: MeasureFilter) -> tuple[int, ...]:
        """The newest FACET_MATCHES + 1 matches of the words under ``f``: read once for a search page's
        facets (four of its five share one filter) and for whether they were sampled, where each
        facet read them again (~70 ms each for 社区 治理 and a theme on 50,000 documents)."""
        q = TextQuery(tuple(tokens))
        return self.cached(
            ("newest", q, _filter_key(f), FACET_MATCHES),
            lambda: tuple(self.newest_matches(q, self.text_filter(f), FACET_MATCHES + 1)),
            NEWEST_MATCHES,
        )


def _match(q: TextQuery) -> tuple[str, list[str]]:
    """The condition on a measures_fts row that ``q`` matches, and its parameters: heading words
    are looked up in the heading's own vector (``head``), the same words as weight-A positions."""
    every = tsquery(q._replace(scope="all"))
    if q.scope == "heading":
        return "head @@ ?::tsquery", [every]
    if q.scope == "not_heading":
        return "fts @@ ?::tsquery AND NOT head @@ ?::tsquery", [every, every]
    return "fts @@ ?::tsquery", [every]


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


_INSERT_DOCUMENT = (
    "INSERT INTO documents(doc_id, content_hash, raw_hash, text, script, source_format, title_hint, published_hint, "
    "minhash, structure, title, published, source, province, city, district, street, community, relevance, "
    "case_score, ingested_at, extracted_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
    "ON CONFLICT DO NOTHING RETURNING rowid"
)
_UPSERT_ALIAS = (
    "INSERT INTO aliases(alias, doc_id, raw_hash, added_at) VALUES (?,?,?,?) "
    "ON CONFLICT(alias) DO UPDATE SET doc_id = excluded.doc_id, raw_hash = excluded.raw_hash"
)
