"""Facet counts for the search page: how many practices each filter value would give.

Counts are disjunctive: a facet is counted with every filter except its own,
so a chosen theme still shows the other themes and their counts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..readmodel import FACETS

# Facets reuse search's filters so that a filter means the same on both
# (short place names, mechanism substrings).
from ..search import measure_filter, query_tokens
from ..store import Store


def facet_counts(
    store: Store,
    query: str = "",
    filters: Mapping[str, Sequence[str] | None] | None = None,
    *,
    all_documents: bool = False,
) -> dict[str, list[tuple[str, int]]]:
    """Facet name → [(value, number of matching practices)], most frequent first.

    Like search, practices of documents that are no governance case count only with ``all_documents``.

    Raises:
        search.SearchError: an unknown kind among the filters.
    """
    filters = filters or {}
    tokens = query_tokens(query) if query.strip() else []
    counts: dict[str, list[tuple[str, int]]] = {}
    for facet in FACETS:
        others = {k: v for k, v in filters.items() if k != facet}
        f = measure_filter(
            store,
            *(others.get(name) for name in ("theme", "city", "province", "mechanism", "kind")),
            all_documents=all_documents,
        )
        # Every practice counts when nothing restricts them (the store's fast path).
        counts[facet] = store.facet_counts(facet, tokens, f if tokens or f.restricts else None)
    return counts
