"""What search, compare, the API and the web pages read from the store: one method a query, typed rows.

Every query outside the writing path lives here, so the layers above hold no
SQL and a second backend is a second implementation of these methods:
``Reads`` holds the queries whose SQL is portable (``?`` placeholders, run
through ``_query``); ``SqliteReads`` adds the full-text and filter queries
written for SQLite's FTS5 and its planner. ``pipeline.store.Store`` is
``SqliteReads`` plus the writing side.

Filters arrive as a ``MeasureFilter`` (document ids already resolved from
places and mechanisms) and text queries as a ``TextQuery`` of the query's
segmented words; the ranking policy (which words rank, heading matches
first) stays in ``pipeline.search`` and is the same on every backend.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple, TypeVar

_V = TypeVar("_V")

# -- typed rows and arguments ------------------------------------------------------------------


class MeasureFilter(NamedTuple):
    """Which practices a search admits. Empty fields do not restrict."""

    doc_ids: tuple[str, ...] | None = None  # from place and mechanism filters; () admits none
    themes: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    cases_only: bool = False  # only the practices of governance cases (CASES_ONLY)
    # Parts of mechanism names a document must name one of, where the store tests them itself
    # (``Reads.mechanisms_in_rows``) instead of their documents being listed in doc_ids.
    mechanisms: tuple[str, ...] = ()

    @property
    def restricts(self) -> bool:
        return (
            self.doc_ids is not None
            or bool(self.themes)
            or bool(self.kinds)
            or self.cases_only
            or bool(self.mechanisms)
        )


class PlaceScope(NamedTuple):
    """Documents whose stored place chain names one of ``names``, or a place starting with one of ``prefixes``.

    A superset that narrows what a comparison reads: the caller still tests each case's own place.
    """

    names: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()

    def sql(self) -> tuple[str, list]:
        """A query selecting the ids of the documents in scope, with its parameters."""
        tests, params = [], []
        for level in PLACE_COLUMNS:
            if self.names:
                tests.append(f"{level} IN ({_marks(len(self.names))})")
                params += self.names
            for prefix in self.prefixes:
                tests.append(f"{level} LIKE ? ESCAPE '\\'")
                params.append(_like_escape(prefix) + "%")
        return f"SELECT doc_id FROM documents WHERE {' OR '.join(tests) or '1=0'}", params


class TextQuery(NamedTuple):
    """Segmented query words, all of which must match.

    ``prefix``: a word also matches the longer indexed words it begins (议事 → 议事会), numbers stay exact.
    ``scope``: "all" (anywhere), "heading" (every word in the heading), "not_heading" (a match of
    "all" that is not one of "heading").
    """

    tokens: tuple[str, ...]
    prefix: bool = True
    scope: str = "all"


class HitRow(NamedTuple):
    measure_id: int
    doc_id: str
    heading: str
    kind: str
    themes: list[str]
    text: str
    start: int
    end: int
    title: str | None
    city: str | None
    province: str | None
    titled: bool = True  # False for a practice passage


class DocumentRow(NamedTuple):
    doc_id: str
    title: str | None
    source: str | None
    published: str | None
    province: str | None
    city: str | None


class DocumentPlace(NamedTuple):
    """A document's title, source, date and primary place as the documents table keeps them."""

    doc_id: str
    title: str | None
    source: str | None
    published: str | None
    province: str | None
    city: str | None
    district: str | None
    street: str | None
    community: str | None


class PlaceCount(NamedTuple):
    city: str | None
    province: str | None
    docs: int


class MeasureTheme(NamedTuple):
    doc_id: str
    measure_id: int
    heading: str
    theme: str


class RecordRow(NamedTuple):
    doc_id: str
    kind: str
    data: dict


class ClusterMember(NamedTuple):
    doc_id: str
    heading: str
    cluster_id: int
    label: str
    theme: str | None


class AliasRow(NamedTuple):
    doc_id: str
    alias: str


class MeasureRow(NamedTuple):
    """A stored practice with its document's place, as clustering reads it."""

    measure_id: int
    doc_id: str
    heading: str
    text: str
    themes: list[str]
    cluster_id: int | None
    city: str | None
    province: str | None


class FilterSet(NamedTuple):
    op: str  # "IN" or "NOT IN"
    sql: str  # selects measure_id
    params: list
    theme: bool = False  # a theme's practices: often a large share of the store, cheap to probe one at a time


# The tables a researcher reads (pipeline.parquet); the full-text and LSH tables are the store's own.
RECORD_TABLES = (
    "documents",
    "aliases",
    "records",
    "measures",
    "measure_themes",
    "mechanism_names",
    "clusters",
    "ingest_errors",
)
# Insertion order of each: the rowid of SQLite's tables without an integer key.
TABLE_ORDER = {"measures": "measure_id", "clusters": "cluster_id", "ingest_errors": "id"}

# Documents the default views (search, facets, themes, clusters, comparisons) show: the
# governance cases (pipeline.relevance), and documents stored before relevance was scored.
CASES_ONLY = "(relevance IS NULL OR relevance = '治理案例')"

PLACE_COLUMNS = ("province", "city", "district", "street", "community")
FACETS = ("theme", "city", "province", "kind", "mechanism")
MECHANISM_FACET_SIZE = 30
# A text query's facets count its newest FACET_MATCHES matches (the page then says so): counting
# every match of a common word (社区: 220,000 of 250,000 practices) cost 0.5-1 s a facet on a
# 50,000-document PostgreSQL store, the newest 2,000 cost ~50 ms. Filters alone count exactly.
FACET_MATCHES = 2_000


def _marks(n: int) -> str:
    return ",".join("?" * n)


class AggregateCache:
    """Results of per-store aggregate queries (document frequencies, facet counts, the share of
    cases), kept while the store's generation (``Reads._generation``) stays the same.

    One per process, shared by its threads; least recently used entries go first.
    """

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], _V]) -> _V:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = compute()  # outside the lock: two threads may both compute a new key, neither waits
        self.put(key, value)
        return value

    def peek(self, key: Hashable, default: Any = None) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            return default

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)


AGGREGATES = AggregateCache()
_ABSENT = object()


# -- portable reads ----------------------------------------------------------------------------------
class Reads:
    """Reads whose SQL every backend runs as written; ``_query`` is the backend's."""

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list:
        raise NotImplementedError

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """One consistent view of the store for the several statements of one read.

        A search decides whether non-cases need leaving out, counts, lists and fetches in
        separate statements; outside a transaction each of them sees the latest commit, so a
        batch committing in between made a reader's total jump up and back down.
        """
        raise NotImplementedError

    def _generation(self) -> Hashable | None:
        """The store's identity and a number that changes with every write; None: aggregates are not cached."""
        return None

    def generation(self) -> Hashable | None:
        """What this store's cached aggregates are read under (``_generation``): whatever is kept under
        it reflects at least the writes it names. None: this connection keeps no aggregates."""
        return self._generation()

    def cached(self, key: Hashable, compute: Callable[[], _V], cache: AggregateCache | None = None) -> _V:
        """``compute()``, or its result for this key while the store has not changed since
        (kept in ``cache``, by default the aggregates' own)."""
        generation = self._generation()
        if generation is None:
            return compute()
        value = (cache or AGGREGATES).get((generation, key), compute)
        return list(value) if isinstance(value, list) else value  # type: ignore[return-value]  # a copy to change

    def cached_each(
        self, keys: Sequence[Hashable], compute_missing: Callable[[list[Hashable]], Iterable[_V]], cache: AggregateCache
    ) -> list[_V]:
        """The value of each key, as ``cached`` keeps them; those not kept are computed together,
        ``compute_missing(keys)`` giving their values in the same order."""
        generation = self._generation()
        if generation is None:
            return list(compute_missing(list(keys)))
        found = {k: v for k in keys if (v := cache.peek((generation, k), _ABSENT)) is not _ABSENT}
        missing = [k for k in dict.fromkeys(keys) if k not in found]
        for key, value in zip(missing, compute_missing(missing), strict=True):
            cache.put((generation, key), value)
            found[key] = value
        return [found[k] for k in keys]

    def _among(self, column: str, ids: Sequence[str]) -> tuple[str, list]:
        """`` AND column`` is one of ``ids`` (any number of them: one parameter, a JSON array)."""
        return f" AND {column} IN (SELECT value FROM json_each(?))", [json.dumps(list(ids))]

    def profile_sources(self, doc_ids: Sequence[str]) -> Iterator[tuple[Any, Any, Any]]:
        """(Document, Structure or None, Extraction) of each document, in order."""
        for doc_id in doc_ids:
            yield self.get_document(doc_id), self.get_structure(doc_id), self.get_extraction(doc_id)  # type: ignore[attr-defined]

    # documents and places
    def docs_in_places(self, level: str, names: Sequence[str]) -> set[str]:
        """Ids of the documents whose city (or province) is one of ``names``."""
        if level not in ("city", "province"):
            raise ValueError(level)
        sql = f"SELECT doc_id FROM documents WHERE {level} IN ({_marks(len(names))})"
        return set(
            self.cached(("places", level, tuple(names)), lambda: frozenset(r[0] for r in self._query(sql, names)))
        )

    # Whether a mechanism filter reaches the store as its name parts (MeasureFilter.mechanisms) rather
    # than as the ids of its documents.
    mechanisms_in_rows = False

    def docs_with_mechanisms(self, parts: Sequence[str]) -> set[str]:
        """Ids of the documents naming a mechanism that contains any of ``parts`` (kept until the store
        changes: a substring test reads every name, ~50 ms on a 50,000-document server store)."""
        likes = " OR ".join("name LIKE ? ESCAPE '\\'" for _ in parts)
        sql, params = (
            f"SELECT DISTINCT doc_id FROM mechanism_names WHERE ({likes})",
            [f"%{_like_escape(p)}%" for p in parts],
        )
        return set(self.cached(("mechanisms", tuple(parts)), lambda: frozenset(r[0] for r in self._query(sql, params))))

    def documents_overview(self, *, cases_only: bool = False, within: PlaceScope | None = None) -> list[DocumentRow]:
        """Every document's (every governance case's) title, source, date and place, in ingest order;
        with ``within``, only the documents in that scope."""
        return [DocumentRow(*r) for r in self._documents_in(DocumentRow._fields, cases_only, within)]

    def document_places(self, *, cases_only: bool = False, within: PlaceScope | None = None) -> list[DocumentPlace]:
        """``documents_overview`` with the whole place chain (a comparison's rows before any profile)."""
        return [DocumentPlace(*r) for r in self._documents_in(DocumentPlace._fields, cases_only, within)]

    def _documents_in(self, columns: Sequence[str], cases_only: bool, within: PlaceScope | None) -> list:
        tests, params = [CASES_ONLY] if cases_only else [], []
        if within is not None:
            scope, params = within.sql()
            tests.append(f"doc_id IN ({scope})")
        where = f" WHERE {' AND '.join(tests)}" if tests else ""
        return self._query(f"SELECT {', '.join(columns)} FROM documents{where} ORDER BY rowid", params)

    def place_counts(self) -> list[PlaceCount]:
        """(city, province, number of documents) for every place the store knows, most documents first."""
        return self.cached(
            ("place_counts",),
            lambda: [
                PlaceCount(*r)
                for r in self._query(
                    "SELECT city, province, count(*) AS docs FROM documents GROUP BY city, province "
                    "ORDER BY docs DESC, city"
                )
            ],
        )

    def aliases_in_order(self, within: PlaceScope | None = None) -> list[AliasRow]:
        """Every (doc_id, alias) (of the documents in scope), oldest alias first."""
        where, params = _scoped("doc_id", within)
        return [
            AliasRow(*r)
            for r in self._query(
                f"SELECT doc_id, alias FROM aliases WHERE 1=1{where} ORDER BY added_at, {self._alias_order}", params
            )
        ]

    _alias_order = "rowid"  # the order aliases were inserted in (a column on a server database)

    # practices and records
    _themes_join = "JOIN measure_themes t ON t.measure_id = m.measure_id"  # each practice's themes as t

    def measure_themes(
        self, kinds: Sequence[str], within: PlaceScope | None = None, *, doc_ids: Sequence[str] | None = None
    ) -> list[MeasureTheme]:
        """(doc_id, measure_id, heading, theme) of the titled practices of these kinds (of the documents
        in scope, or of ``doc_ids``), by document and position."""
        where, params = self._among("m.doc_id", doc_ids) if doc_ids is not None else _scoped("m.doc_id", within)
        return [
            MeasureTheme(*r)
            for r in self._query(
                f"SELECT m.doc_id, m.measure_id, m.heading, t.theme FROM measures m {self._themes_join} "
                f"WHERE m.titled = 1 AND m.kind IN ({_marks(len(kinds))}){where} ORDER BY m.doc_id, m.ordinal, t.theme",
                [*kinds, *params],
            )
        ]

    def records_of_kinds(self, kinds: Sequence[str], within: PlaceScope | None = None) -> list[RecordRow]:
        """Extracted records (figure, change, mechanism, …) with their decoded data (of the documents in
        scope), by document, kind, ordinal."""
        where, params = _scoped("doc_id", within)
        return [
            RecordRow(r[0], r[1], json.loads(r[2]))
            for r in self._query(
                f"SELECT doc_id, kind, data FROM records WHERE kind IN ({_marks(len(kinds))}){where} "
                "ORDER BY doc_id, kind, ordinal",
                [*kinds, *params],
            )
        ]

    def cluster_members(self, within: PlaceScope | None = None) -> list[ClusterMember]:
        """Every clustered practice (of the documents in scope) with its cluster, by cluster, document and
        position."""
        where, params = _scoped("m.doc_id", within)
        return [
            ClusterMember(*r)
            for r in self._query(
                "SELECT m.doc_id, m.heading, c.cluster_id, c.label, c.theme FROM measures m "
                f"JOIN clusters c ON c.cluster_id = m.cluster_id WHERE 1=1{where} "
                "ORDER BY c.cluster_id, m.doc_id, m.ordinal",
                params,
            )
        ]

    def measures_for_clustering(self, *, cases_only: bool = False) -> list[MeasureRow]:
        """Every stored titled practice (of a governance case, with ``cases_only``) with its document's place,
        by measure id (passages are no named 做法)."""
        cases = f" AND {_on_documents('d')}" if cases_only else ""
        return [
            MeasureRow(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5], r[6], r[7])
            for r in self._query(
                "SELECT m.measure_id, m.doc_id, m.heading, m.text, m.themes, m.cluster_id, d.city, d.province "
                f"FROM measures m JOIN documents d ON d.doc_id = m.doc_id WHERE m.titled = 1{cases} "
                "ORDER BY m.measure_id"
            )
        ]

    def hit_rows(self, ids: Sequence[int]) -> dict[int, HitRow]:
        """The practices with these ids and their documents' title and place, by id."""
        if not ids:
            return {}
        rows = self._query(
            "SELECT m.measure_id, m.doc_id, m.heading, m.kind, m.themes, m.text, m.start, m.end, "
            "d.title, d.city, d.province, m.titled FROM measures m JOIN documents d ON d.doc_id = m.doc_id "
            f"WHERE m.measure_id IN ({_marks(len(ids))})",
            list(ids),
        )
        return {r[0]: HitRow(r[0], r[1], r[2], r[3], json.loads(r[4]), *r[5:11], bool(r[11])) for r in rows}

    def themes_by_frequency(self) -> list[str]:
        """Every stored theme, most practices first."""
        sql = "SELECT theme FROM measure_themes GROUP BY theme ORDER BY count(*) DESC, theme"
        return self.cached(("themes",), lambda: [r[0] for r in self._query(sql)])

    # whole tables, for export
    def table_columns(self, table: str) -> list[tuple[str, str]]:
        """(name, declared type) of a record table's columns, in table order."""
        raise NotImplementedError

    def stream_table(self, table: str, batch: int = 10_000) -> Iterator[list[tuple]]:
        """A record table's rows (columns as ``table_columns``), a batch at a time, in insertion order."""
        raise NotImplementedError

    # filters on practices (no words)
    def list_measures(self, f: MeasureFilter, limit: int, offset: int = 0) -> list[int]:
        """Ids of the admitted practices, by document and position."""
        where, params = self._measure_where(f, hint=True)
        return [
            r[0]
            for r in self._query(
                f"SELECT measure_id FROM measures WHERE 1=1{where} ORDER BY doc_id, ordinal LIMIT ? OFFSET ?",
                [*params, limit, offset],
            )
        ]

    def count_measures(self, f: MeasureFilter, cap: int) -> int:
        """Admitted practices, counted up to cap + 1."""
        where, params = self._measure_where(f, hint=True)
        return self._query(
            f"SELECT count(*) FROM (SELECT measure_id FROM measures WHERE 1=1{where} LIMIT ?) AS admitted",
            [*params, cap + 1],
        )[0][0]

    def _filter_sets(self, f: MeasureFilter) -> list[FilterSet]:
        """Per restriction: ("IN" or "NOT IN", a query selecting measure ids, its parameters).

        Order: documents, themes, kinds. Practices (measure) are most of every report, so a
        kind filter naming them is the small set of the other kinds, negated.
        """
        sets: list[FilterSet] = []
        if f.cases_only and (cases := self._cases_set()) is not None:
            sets.append(cases)
        if f.doc_ids is not None:
            ids = sorted(f.doc_ids)
            docs = f"doc_id IN ({_marks(len(ids))})" if ids else "1=0"  # "IN ()" is SQLite's only
            sets.append(FilterSet("IN", f"SELECT measure_id FROM measures WHERE {docs}", ids))
        if f.themes:
            themes = list(f.themes)
            sql = f"SELECT measure_id FROM measure_themes WHERE theme IN ({_marks(len(themes))})"
            sets.append(FilterSet("IN", sql, themes, theme=True))
        if f.kinds:
            kinds = list(f.kinds)
            op = "NOT IN" if "measure" in kinds else "IN"
            sets.append(FilterSet(op, f"SELECT measure_id FROM measures WHERE kind {op} ({_marks(len(kinds))})", kinds))
        return sets

    def _cases_set(self) -> FilterSet | None:
        """The practices of governance cases, as the smaller side: kept, or the others left out.

        None when every document is a case (nothing to leave out), which keeps the fast
        unrestricted paths for stores of case reports only.
        """
        if (side := self._cases_side()) is None:
            return None
        op, test = side
        return FilterSet(
            op, f"SELECT measure_id FROM measures WHERE doc_id IN (SELECT doc_id FROM documents WHERE {test})", []
        )

    def _cases_side(self) -> tuple[str, str] | None:
        """("IN", the test of a case) or ("NOT IN", the test of the others), whichever selects fewer documents."""
        sql = (
            f"SELECT count(CASE WHEN {CASES_ONLY} THEN 1 END), count(CASE WHEN NOT {CASES_ONLY} THEN 1 END) "
            "FROM documents"
        )
        cases, others = self.cached(("cases",), lambda: self._query(sql)[0])
        if not others:
            return None
        return ("IN", CASES_ONLY) if cases < others else ("NOT IN", f"NOT {CASES_ONLY}")

    def _measure_where(self, f: MeasureFilter, *, hint: bool = False, column: str = "measure_id") -> tuple[str, list]:
        # "+measure_id" (hint) keeps SQLite's planner on the (doc_id, ordinal) index, which is
        # already in page order, instead of fetching every admitted row and sorting it.
        sets = self._filter_sets(f)
        ref = f"+{column}" if hint and self._planner_hints else column
        return "".join(f" AND {ref} {s.op} ({s.sql})" for s in sets), [p for s in sets for p in s.params]

    _planner_hints = True  # SQLite's unary + that keeps a column off an index

    # facets
    def facet_counts(
        self, facet: str, tokens: Sequence[str] = (), f: MeasureFilter | None = None
    ) -> list[tuple[str, int]]:
        """[(value, number of matching practices)] of one facet, most frequent first.

        With no words and no filter (``f`` None) every practice counts; with words, the newest
        FACET_MATCHES matches (``facet_sampled`` says whether there are more).
        """
        if facet not in FACETS:
            raise ValueError(facet)
        key = ("facet", facet, tuple(tokens), _filter_key(f))
        return self.cached(key, lambda: self._facet_counts(facet, tokens, f))

    def _facet_counts(self, facet: str, tokens: Sequence[str], f: MeasureFilter | None) -> list[tuple[str, int]]:
        # A cases-only filter on a store of cases alone restricts nothing: _filter_sets is empty.
        if not tokens and (f is None or not self._filter_sets(f)):
            if facet == "mechanism":
                return [(r[0], r[1]) for r in self._query(_ALL_MECHANISMS_SQL)]
            return [(r[0], r[1]) for r in self._query(_FACET_SQL[facet].format(where="1=1"))]
        ids, params = self._matching_ids(tokens, f or MeasureFilter())
        return [(r[0], r[1]) for r in self._query(_FACET_SQL[facet].format(where=f"m.measure_id IN ({ids})"), params)]

    def facet_sampled(self, tokens: Sequence[str], f: MeasureFilter | None = None) -> bool:
        """Whether more than FACET_MATCHES practices match ``tokens`` and ``f``: their facets counted the newest."""
        if not tokens:
            return False
        q, where = TextQuery(tuple(tokens)), self.text_filter(f or MeasureFilter())
        key = ("sampled", q, _filter_key(f))
        return self.cached(key, lambda: self.count_matches(q, where, FACET_MATCHES) > FACET_MATCHES)

    def text_filter(self, f: MeasureFilter) -> TextFilter:
        """``f`` as conditions on the full-text index's rows."""
        raise NotImplementedError

    def count_matches(self, q: TextQuery, where: TextFilter | None = None, cap: int = 1_000) -> int:
        """Practices matching ``q`` (and ``where``), counted up to cap + 1."""
        raise NotImplementedError

    def _matching_ids(self, tokens: Sequence[str], f: MeasureFilter) -> tuple[str, list]:
        """SQL selecting the ids of the practices matching ``f`` and, with ``tokens``, the newest
        FACET_MATCHES of them matching the words; with its parameters."""
        raise NotImplementedError


# {where} restricts to the matching practices; "1=1" when nothing restricts them,
# because "IN (every id)" costs seconds on a 50,000-document store.
_FACET_SQL = {
    "theme": "SELECT theme AS value, count(*) AS n FROM measure_themes m WHERE {where} "
    "GROUP BY theme ORDER BY n DESC, value",
    "city": "SELECT d.city AS value, count(*) AS n FROM measures m JOIN documents d ON d.doc_id = m.doc_id "
    "WHERE {where} AND d.city IS NOT NULL GROUP BY d.city ORDER BY n DESC, value",
    "province": "SELECT d.province AS value, count(*) AS n FROM measures m JOIN documents d ON d.doc_id = m.doc_id "
    "WHERE {where} AND d.province IS NOT NULL GROUP BY d.province ORDER BY n DESC, value",
    "kind": "SELECT m.kind AS value, count(*) AS n FROM measures m WHERE {where} "
    "GROUP BY m.kind ORDER BY n DESC, value",
    # mechanism_names holds each document's names once: reading the records' JSON
    # instead took minutes on a 50,000-document store.
    # (doc_id, name) is mechanism_names' key, so each practice meets each name once: count(*)
    # rather than count(DISTINCT …), which sorts every pair.
    "mechanism": "SELECT mn.name AS value, count(*) AS n "
    "FROM measures m JOIN mechanism_names mn ON mn.doc_id = m.doc_id "
    "WHERE {where} "
    f"GROUP BY mn.name ORDER BY n DESC, value LIMIT {MECHANISM_FACET_SIZE}",
}
# Unrestricted, each document's practices are counted once per name, not joined row by row.
_ALL_MECHANISMS_SQL = (
    "SELECT mn.name AS value, sum(per_doc.n) AS n FROM mechanism_names mn "
    "JOIN (SELECT doc_id, count(*) AS n FROM measures GROUP BY doc_id) per_doc "
    "ON per_doc.doc_id = mn.doc_id "
    f"GROUP BY mn.name ORDER BY n DESC, value LIMIT {MECHANISM_FACET_SIZE}"
)


def _filter_key(f: MeasureFilter | None) -> Hashable:
    """A filter as a cache key: a province's thousands of document ids kept as one digest, not a copy."""
    if f is None or f.doc_ids is None:
        return f
    digest = hashlib.blake2b("\n".join(f.doc_ids).encode(), digest_size=16).digest()
    return (digest, f.themes, f.kinds, f.cases_only, f.mechanisms)


def _scoped(column: str, within: PlaceScope | None) -> tuple[str, list]:
    """`` AND column IN (the documents in scope)``, or nothing without a scope."""
    if within is None:
        return "", []
    sql, params = within.sql()
    return f" AND {column} IN ({sql})", params


def _on_documents(alias: str) -> str:
    """CASES_ONLY on the documents table under ``alias``."""
    return CASES_ONLY.replace("relevance", f"{alias}.relevance")


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# -- SQLite: FTS5 ---------------------------------------------------------------------------------
def fts_expression(tokens: Iterable[str], *, prefix: bool = True) -> str:
    """Tokens quoted as FTS5 strings, ANDed, as prefixes unless told not: "社区"* "养老"*.

    A prefix query lets 议事 find the index's longer words 议事会 and 议事厅
    (jieba keeps them whole); numbers stay exact so 36 does not find 360.
    Quoting every token means user input is never read as FTS5 syntax.
    """
    return " ".join(_quoted(tok) + ("*" if prefix and not tok.isdigit() else "") for tok in tokens)


def _quoted(tok: str) -> str:
    return '"' + tok.replace('"', '""') + '"'


def _fts_match(q: TextQuery) -> str:
    match = fts_expression(q.tokens, prefix=q.prefix)
    if q.scope == "heading":
        return f"{{heading}} : ({match})"
    if q.scope == "not_heading":
        return f"({match}) NOT {{heading}} : ({match})"
    return match


class TextFilter(NamedTuple):
    """A MeasureFilter compiled into conditions on full-text rows (see ``SqliteReads.text_filter``)."""

    sql: str
    params: list
    docs: int | None = None  # how many documents the conditions admit, when they list them


class SqliteReads(Reads):
    """Full-text search and filters over SQLite's FTS5 index ``measures_fts`` (rowid = measure_id)."""

    conn: Any

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list:
        return self.conn.execute(sql, params).fetchall()

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        if self.conn.in_transaction:  # inside a write transaction, which is its own view
            yield
            return
        self.conn.execute("BEGIN")  # deferred: the WAL snapshot is taken at the first read
        try:
            yield
        finally:
            self.conn.execute("COMMIT")

    def data_version(self) -> int:
        """SQLite's data_version: it changes when another connection commits a write. Only values
        read on one connection compare (a new connection starts from its own)."""
        return int(self._query("PRAGMA data_version")[0][0])

    def text_filter(self, f: MeasureFilter) -> TextFilter:
        """``f`` as conditions on measures_fts rows, built once per search.

        "+rowid IN (…)" builds the whole set first (a cost per id), then tests
        each row cheaply; the "+" matters: a plain rowid IN (…) is pushed into
        FTS5 as one full-text lookup per listed id. A broad theme holds so many
        practices that building it costs more than the rows a scan visits before
        its LIMIT is reached; its rows are probed one by one instead.
        """
        clauses, params = [], []
        for s in self._filter_sets(f):
            if s.theme and self._is_broad(s):
                clauses.append(f" AND EXISTS ({s.sql} AND measure_id = measures_fts.rowid)")
            else:
                clauses.append(f" AND +rowid {s.op} ({s.sql})")
            params += s.params
        return TextFilter("".join(clauses), params)

    def _is_broad(self, s: FilterSet) -> bool:
        # Past ~1/8 of the store, a LIMIT-ed scan stops before it has seen as many rows as building would cost.
        share = (self._query("SELECT max(measure_id) FROM measures")[0][0] or 0) // 8
        return self._query(f"SELECT count(*) FROM ({s.sql} LIMIT ?)", [*s.params, share])[0][0] >= share

    def count_matches(self, q: TextQuery, where: TextFilter | None = None, cap: int = 1_000) -> int:
        """Practices matching ``q`` (and ``where``), counted up to cap + 1."""
        where = where or TextFilter("", [])
        return self._query(
            f"SELECT count(*) FROM (SELECT 1 FROM measures_fts WHERE measures_fts MATCH ?{where.sql} LIMIT ?)",
            [_fts_match(q), *where.params, cap + 1],
        )[0][0]

    def newest_matches(self, q: TextQuery, where: TextFilter, limit: int, offset: int = 0) -> list[int]:
        """Ids of the practices matching ``q``, newest (highest id) first."""
        return [
            r[0]
            for r in self._query(
                f"SELECT rowid FROM measures_fts WHERE measures_fts MATCH ?{where.sql} "
                "ORDER BY rowid DESC LIMIT ? OFFSET ?",
                [_fts_match(q), *where.params, limit, offset],
            )
        ]

    def ranked_matches(
        self, q: TextQuery, rank_by: TextQuery, where: TextFilter, limit: int, offset: int = 0
    ) -> tuple[list[tuple[int, float]], int | None]:
        """One page of the practices matching ``q``, ranked by BM25 over ``rank_by``'s words
        (headings weighted ×2); with the number of all matches, or None when the page is empty.

        Scores are higher-is-better (negated bm25).
        """
        rows = self._query(
            "WITH cand AS MATERIALIZED (SELECT rowid AS id FROM measures_fts WHERE measures_fts MATCH ?"
            f"{where.sql}) SELECT rowid, bm25(measures_fts, 2.0, 1.0) AS rank, (SELECT count(*) FROM cand) "
            "FROM measures_fts WHERE measures_fts MATCH ? AND +rowid IN (SELECT id FROM cand) "
            "ORDER BY rank LIMIT ? OFFSET ?",
            [_fts_match(q), *where.params, _fts_match(rank_by), limit, offset],
        )
        return [(r[0], -r[1]) for r in rows], (rows[0][2] if rows else None)

    def table_columns(self, table: str) -> list[tuple[str, str]]:
        if table not in RECORD_TABLES:
            raise ValueError(table)
        return [(r[1], r[2]) for r in self._query(f"PRAGMA table_info({table})")]

    def stream_table(self, table: str, batch: int = 10_000) -> Iterator[list[tuple]]:
        names = ", ".join(f'"{n}"' for n, _ in self.table_columns(table))
        cur = self.conn.execute(f"SELECT {names} FROM {table} ORDER BY {TABLE_ORDER.get(table, 'rowid')}")
        while rows := cur.fetchmany(batch):
            yield [tuple(r) for r in rows]

    def _matching_ids(self, tokens: Sequence[str], f: MeasureFilter) -> tuple[str, list]:
        if tokens:
            # "+rowid" keeps FTS5 from running one full-text lookup per id of the filter's set.
            where, params = self._measure_where(f, hint=True, column="rowid")
            return f"SELECT rowid FROM measures_fts WHERE measures_fts MATCH ?{where} ORDER BY rowid DESC LIMIT ?", [
                fts_expression(tokens),
                *params,
                FACET_MATCHES,
            ]
        where, params = self._measure_where(f, column="m.measure_id")
        return f"SELECT m.measure_id FROM measures m WHERE 1=1{where}", params
