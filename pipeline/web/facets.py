"""Facet counts for the search page: how many practices each filter value would give.

Counts are disjunctive: a facet is counted with every filter except its own,
so a chosen theme still shows the other themes and their counts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

# Facets reuse search's filters so that a filter means the same on both
# (short place names, mechanism substrings).
from ..search import filter_sets, fts_expression, query_tokens
from ..store import Store

MECHANISM_FACET_SIZE = 30

# {where} restricts to the matching practices; it is "1" when nothing restricts them,
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
    "mechanism": "SELECT mn.name AS value, count(DISTINCT m.measure_id) AS n "
    "FROM measures m JOIN mechanism_names mn ON mn.doc_id = m.doc_id "
    "WHERE {where} "
    f"GROUP BY value ORDER BY n DESC, value LIMIT {MECHANISM_FACET_SIZE}",
}
# Unrestricted, each document's practices are counted once per name, not joined row by row.
_ALL_MECHANISMS_SQL = (
    "SELECT mn.name AS value, sum(per_doc.n) AS n FROM mechanism_names mn "
    "JOIN (SELECT doc_id, count(*) AS n FROM measures GROUP BY doc_id) per_doc "
    "ON per_doc.doc_id = mn.doc_id "
    f"GROUP BY mn.name ORDER BY n DESC, value LIMIT {MECHANISM_FACET_SIZE}"
)
FACETS = tuple(_FACET_SQL)


def _matching_ids(
    store: Store, tokens: Sequence[str], filters: Mapping[str, Sequence[str] | None]
) -> tuple[str | None, list]:
    """SQL selecting the ids of the practices that match ``tokens`` and ``filters``, with its parameters.

    None when nothing restricts them (every practice matches).
    """
    if not tokens and not any(filters.values()):
        return None, []
    sets = filter_sets(store, *(filters.get(name) for name in ("theme", "city", "province", "mechanism", "kind")))
    params = [p for _, _, ps in sets for p in ps]
    if tokens:
        # "+rowid" keeps FTS5 from running one full-text lookup per id of the filter's set.
        where = "".join(f" AND +rowid {op} ({sql})" for op, sql, _ in sets)
        return f"SELECT rowid FROM measures_fts WHERE measures_fts MATCH ?{where}", [fts_expression(tokens), *params]
    where = "".join(f" AND m.measure_id {op} ({sql})" for op, sql, _ in sets)
    return f"SELECT m.measure_id FROM measures m WHERE 1{where}", params


def facet_counts(
    store: Store, query: str = "", filters: Mapping[str, Sequence[str] | None] | None = None
) -> dict[str, list[tuple[str, int]]]:
    """Facet name → [(value, number of matching practices)], most frequent first.

    Raises:
        search.SearchError: an unknown kind among the filters.
    """
    filters = filters or {}
    tokens = query_tokens(query) if query.strip() else []
    counts: dict[str, list[tuple[str, int]]] = {}
    for facet, sql in _FACET_SQL.items():
        ids, params = _matching_ids(store, tokens, {k: v for k, v in filters.items() if k != facet})
        if ids is None:
            sql = _ALL_MECHANISMS_SQL if facet == "mechanism" else sql.format(where="1")
        else:
            sql = sql.format(where=f"m.measure_id IN ({ids})")
        counts[facet] = [(r["value"], r["n"]) for r in store.conn.execute(sql, params)]
    return counts
