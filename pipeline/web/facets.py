"""Facet counts for the search page: how many practices each filter value would give.

Counts are disjunctive: a facet is counted with every filter except its own,
so a chosen theme still shows the other themes and their counts.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from ..readmodel import FACETS, MeasureFilter

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
    With query words, each facet counts the newest ``FACET_MATCHES`` matches (``facets_sampled``).

    Raises:
        search.SearchError: an unknown kind among the filters.
    """
    tokens = query_tokens(query) if query.strip() else []
    # Every practice counts when nothing restricts them (the store's fast path).
    return {
        facet: store.facet_counts(facet, tokens, f if tokens or f.restricts else None)
        for facet, f in _facet_filters(store, filters or {}, all_documents)
    }


def facets_sampled(
    store: Store,
    query: str = "",
    filters: Mapping[str, Sequence[str] | None] | None = None,
    *,
    all_documents: bool = False,
) -> bool:
    """Whether some facet of ``facet_counts`` counted only the newest ``FACET_MATCHES`` of its matches."""
    tokens = query_tokens(query) if query.strip() else []
    if not tokens:
        return False
    # The facets without a chosen value share one filter: it is asked about once.
    shared = dict.fromkeys(f for _, f in _facet_filters(store, filters or {}, all_documents))
    return any(store.facet_sampled(tokens, f) for f in shared)


def _facet_filters(
    store: Store, filters: Mapping[str, Sequence[str] | None], all_documents: bool
) -> Iterator[tuple[str, MeasureFilter]]:
    """Each facet with what it is counted under: every filter but its own (disjunctive facets)."""
    for facet in FACETS:
        others = {k: v for k, v in filters.items() if k != facet}
        yield (
            facet,
            measure_filter(
                store,
                *(others.get(name) for name in ("theme", "city", "province", "mechanism", "kind")),
                all_documents=all_documents,
            ),
        )
