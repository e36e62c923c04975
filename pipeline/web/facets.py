"""Facet counts for the search page: how many practices each filter value would give.

Counts are disjunctive: a facet is counted with every filter except its own,
so a chosen theme still shows the other themes and their counts.
"""
from __future__ import annotations

from typing import Mapping, Optional, Sequence

# Facets reuse search's filters so that a filter means the same on both
# (short place names, mechanism substrings).
from ..search import filter_sets, fts_expression, query_tokens
from ..store import Store

MECHANISM_FACET_SIZE = 30

_FACET_SQL = {
    "theme": "SELECT theme AS value, count(*) AS n FROM measure_themes WHERE measure_id IN ({ids}) "
             "GROUP BY theme ORDER BY n DESC, value",
    "city": "SELECT d.city AS value, count(*) AS n FROM measures m JOIN documents d ON d.doc_id = m.doc_id "
            "WHERE m.measure_id IN ({ids}) AND d.city IS NOT NULL GROUP BY d.city ORDER BY n DESC, value",
    "province": "SELECT d.province AS value, count(*) AS n FROM measures m JOIN documents d ON d.doc_id = m.doc_id "
                "WHERE m.measure_id IN ({ids}) AND d.province IS NOT NULL GROUP BY d.province ORDER BY n DESC, value",
    "kind": "SELECT m.kind AS value, count(*) AS n FROM measures m WHERE m.measure_id IN ({ids}) "
            "GROUP BY m.kind ORDER BY n DESC, value",
    "mechanism": "SELECT json_extract(r.data, '$.name') AS value, count(DISTINCT m.measure_id) AS n "
                 "FROM records r JOIN measures m ON m.doc_id = r.doc_id "
                 "WHERE r.kind = 'mechanism' AND m.measure_id IN ({ids}) "
                 f"GROUP BY value ORDER BY n DESC, value LIMIT {MECHANISM_FACET_SIZE}",
}
FACETS = tuple(_FACET_SQL)


def _matching_ids(store: Store, tokens: Sequence[str],
                  filters: Mapping[str, Optional[Sequence[str]]]) -> tuple[str, list]:
    """SQL selecting the ids of the practices that match ``tokens`` and ``filters``, with its parameters."""
    sets = filter_sets(store, *(filters.get(name) for name in ("theme", "city", "province", "mechanism", "kind")))
    params = [p for _, _, ps in sets for p in ps]
    if tokens:
        # "+rowid" keeps FTS5 from running one full-text lookup per id of the filter's set.
        where = "".join(f" AND +rowid {op} ({sql})" for op, sql, _ in sets)
        return f"SELECT rowid FROM measures_fts WHERE measures_fts MATCH ?{where}", [fts_expression(tokens), *params]
    where = "".join(f" AND m.measure_id {op} ({sql})" for op, sql, _ in sets)
    return f"SELECT m.measure_id FROM measures m WHERE 1{where}", params


def facet_counts(store: Store, query: str = "",
                 filters: Optional[Mapping[str, Optional[Sequence[str]]]] = None) -> dict[str, list[tuple[str, int]]]:
    """Facet name → [(value, number of matching practices)], most frequent first.

    Raises:
        search.SearchError: an unknown kind among the filters.
    """
    filters = filters or {}
    tokens = query_tokens(query) if query.strip() else []
    counts: dict[str, list[tuple[str, int]]] = {}
    for facet, sql in _FACET_SQL.items():
        ids, params = _matching_ids(store, tokens, {k: v for k, v in filters.items() if k != facet})
        counts[facet] = [(r["value"], r["n"]) for r in store.conn.execute(sql.format(ids=ids), params)]
    return counts
