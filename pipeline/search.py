"""Search the case database: practices by words, theme, place, mechanism and kind.

Queries are normalized like documents (Traditional → Simplified, full-width
folded) and segmented with jieba, the way ``measures_fts`` was indexed, so
two-character words (社区, 养老) match and a Traditional query finds
Simplified text. The store's backend turns the words into its own full-text
query (``pipeline.readmodel``), quoted so user input is never read as query
syntax; which words rank and in what order hits come is decided here, the
same for every backend.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache

from .readmodel import HitRow, MeasureFilter, TextQuery
from .readmodel import fts_expression as fts_expression  # for callers that built FTS5 queries from here
from .records import MEASURE_KINDS, MeasureKind, snippet
from .resources import data_path, read_lines
from .segment import DEFAULT_SEGMENTER, get_segmenter
from .store import Store

KIND_NAMES = {MeasureKind.MEASURE: "做法", MeasureKind.OUTCOME: "成效", MeasureKind.LESSON: "经验"}
HIT_COLUMNS = ("标题", "做法", "类型", "主题", "城市", "片段", "文档", "位置")
# Counting every match of a broad query (社区 治理 hits most rows) costs more
# than the ranked page itself; past this many the total is reported as "N+".
COUNT_CAP = 1_000
# A word found in more practices than this does not rank (see _ranked_ids).
RANK_CAP = 10_000


class SearchError(ValueError):
    """A query the user must change (message in Chinese)."""


@dataclass
class SearchHit:
    measure_id: int
    doc_id: str
    heading: str
    kind: str
    themes: list[str]
    city: str | None
    province: str | None
    title: str | None
    snippet: str  # query words marked with the pair given to search() (default 【】)
    start: int  # the measure's span in the document's normalized text
    end: int
    score: float  # higher is better (negated bm25); 0.0 when listing by filters only
    opening: str = ""  # the practice's opening words (what a passage without a heading shows)
    titled: bool = True  # False for a practice passage (a paragraph its author gave no title)

    @property
    def label(self) -> str:
        """What a result list shows: the author's heading, or a passage's opening words, marked."""
        return self.heading if self.titled else f"〔段落〕{self.opening}"


@dataclass
class SearchResult:
    hits: list[SearchHit]
    total: int
    tokens: list[str]
    total_capped: bool = False  # total is a lower bound (more than COUNT_CAP matches)
    suggestions: list[str] = field(default_factory=list)  # nearest themes when nothing matched
    message: str = ""


# -- query preparation ----------------------------------------------------------------
def normalize_query(text: str) -> str:
    from .ingest.normalize import normalize

    return normalize(text).text


# The store does not record which segmenter wrote its index, and need not: both load the same
# dictionary and cut Han text alike (tests/extract/test_lexicon.py); they differ only on runs
# like 2022-2025 or 30.06.2017 (jieba splits them at - and .), which FTS5 splits there anyway.
# So queries are cut with the default segmenter (rjieba loads in a fraction of jieba's time,
# which was most of a `govcase search`), and a caller that runs jieba only passes segmenter="jieba".
QUERY_SEGMENTER = DEFAULT_SEGMENTER


def query_tokens(query: str, segmenter: str = QUERY_SEGMENTER) -> list[str]:
    """The words of a query as the index holds them (punctuation-only tokens dropped)."""
    text = normalize_query(query)
    seen: list[str] = []
    for tok in get_segmenter(segmenter).cut(text):
        tok = tok.strip()
        if tok and any(c.isalnum() for c in tok) and tok not in seen:
            seen.append(tok)
    return seen


# -- places -------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _gazetteer_names() -> dict[tuple[str, str], frozenset[str]]:
    """(level, name) → every name of that division: 深圳 and 深圳市 alike."""
    names: dict[tuple[str, str], set[str]] = {}
    for line in read_lines("gazetteer.tsv"):
        parts = line.split("\t")
        if len(parts) < 4 or parts[0] not in ("P", "C"):
            continue
        level = "province" if parts[0] == "P" else "city"
        group = {parts[2], parts[3]}
        for name in group:
            names.setdefault((level, name), set()).update(group)
    return {key: frozenset(value) for key, value in names.items()}


def place_names(name: str, level: str) -> list[str]:
    """The stored spellings a user's place name stands for (level: city | province)."""
    name = normalize_query(name).strip()
    return sorted(_gazetteer_names().get((level, name), frozenset()) | {name})


# -- filters ----------------------------------------------------------------------------------
def _as_list(value: str | Sequence[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def measure_filter(
    store: Store, theme, city, province, mechanism, kind, *, all_documents: bool = False
) -> MeasureFilter:
    """The filters as the store reads them: place and mechanism filters resolved to document ids.

    Document-level filters are resolved here, once per search, instead of once per
    statement that uses them. City and province accept short names (深圳 for 深圳市).

    Unless ``all_documents``, the practices of documents that are no governance
    case (pipeline.relevance) are left out.

    Raises:
        SearchError: an unknown ``kind``.
    """
    docs: set[str] | None = None
    for level, value in (("city", city), ("province", province)):
        names = [n for v in _as_list(value) for n in place_names(v, level)]
        if names:
            found = store.docs_in_places(level, names)
            docs = found if docs is None else docs & found
    mechanisms = tuple(normalize_query(x).strip() for x in _as_list(mechanism))
    if mechanisms and not store.mechanisms_in_rows:
        found = store.docs_with_mechanisms(mechanisms)
        docs = found if docs is None else docs & found
    kinds = _as_list(kind)
    unknown = [k for k in kinds if k not in MEASURE_KINDS]
    if unknown:
        raise SearchError(
            f"未知的类型: {'、'.join(unknown)};可选: {'、'.join(MEASURE_KINDS)}({'、'.join(KIND_NAMES.values())})"
        )
    return MeasureFilter(
        doc_ids=None if docs is None else tuple(sorted(docs)),
        themes=tuple(normalize_query(t).strip() for t in _as_list(theme)),
        kinds=tuple(kinds),
        cases_only=not all_documents,
        mechanisms=mechanisms if store.mechanisms_in_rows else (),
    )


# -- search -------------------------------------------------------------------------------------
def search(
    store: Store,
    query: str = "",
    *,
    theme: str | Sequence[str] | None = None,
    city: str | Sequence[str] | None = None,
    province: str | Sequence[str] | None = None,
    mechanism: str | Sequence[str] | None = None,
    kind: str | Sequence[str] | None = None,
    limit: int = 20,
    offset: int = 0,
    marks: tuple[str, str] = ("【", "】"),
    segmenter: str = QUERY_SEGMENTER,
    all_documents: bool = False,
) -> SearchResult:
    """Practices matching ``query`` (all words, BM25-ranked, headings weighted ×2) and the filters.

    With no query words the filters alone select, ordered by document and
    position. City and province accept short names (深圳 for 深圳市).
    Practices of documents labelled as no governance case are left out
    unless ``all_documents``.

    Raises:
        SearchError: an unknown ``kind``.
    """
    tokens = query_tokens(query, segmenter) if query.strip() else []
    with store.snapshot():
        f = measure_filter(store, theme, city, province, mechanism, kind, all_documents=all_documents)
        if tokens:
            ids, total = _ranked_ids(store, tokens, store.text_filter(f), limit, offset)
        else:
            ids = [(i, 0.0) for i in store.list_measures(f, limit, offset)]
            total = store.count_measures(f, COUNT_CAP)
        found = store.hit_rows([i for i, _ in ids])
    hits = [_hit(found[i], score, tokens, marks) for i, score in ids if i in found]
    result = SearchResult(hits=hits, total=min(total, COUNT_CAP), tokens=tokens, total_capped=total > COUNT_CAP)
    if not hits and offset == 0:
        result.suggestions = suggest_themes(query, store)
        result.message = no_hits_message(query, result.suggestions)
    return result


def _ranked_ids(store: Store, tokens: list[str], where, limit: int, offset: int) -> tuple[list[tuple[int, float]], int]:
    """(measure_id, score) of one page of matches, best first; and the (capped) number of matches.

    BM25 first counts every row of each of its terms, so a term found in
    most practices (社区, 服务) costs time per row while telling nothing (its
    IDF is about zero). Such terms must match but do not rank: BM25 runs over
    the rarer terms within the rows matching all terms. When every term is
    that common, rows with all terms in the heading come first, newest first.
    """
    query = TextQuery(tuple(tokens))
    counts = [_rows_with(store, t) for t in tokens]
    rare = [t for t, n in zip(tokens, counts, strict=False) if n <= RANK_CAP]
    if rare:
        page, total = store.ranked_matches(query, TextQuery(tuple(rare)), where, limit, offset)
        return page, total if total is not None else store.count_matches(query, where, COUNT_CAP)
    # Unfiltered, a lone word's count above may already say that more than COUNT_CAP rows match.
    known = counts[0] if len(tokens) == 1 and not where.sql and counts[0] > COUNT_CAP else None
    return _heading_first(store, query, where, limit, offset, known)


def _rows_with(store: Store, tok: str) -> int:
    """Rows holding a word, counted up to RANK_CAP + 1.

    A prefix (社会组织*) longer than the index's prefixes first gathers
    every row of every word it begins (slow for 社会组织 on a large store);
    the word alone finds a common word as common for a fraction of that.
    """
    exact = store.count_matches(TextQuery((tok,), prefix=False), None, RANK_CAP)
    return exact if exact > RANK_CAP or tok.isdigit() else store.count_matches(TextQuery((tok,)), None, RANK_CAP)


def _heading_first(
    store: Store, query: TextQuery, where, limit: int, offset: int, known_total: int | None = None
) -> tuple[list[tuple[int, float]], int]:
    """Rows with every word in the heading, newest first, then the other rows, newest first.

    Two LIMIT-ed scans, where a scan of all of a common word's rows is slow
    on a large store: the heading matches up to the page's end, then
    either a count (the heading matches filled the page) or the newest
    COUNT_CAP + 1 matches, which give the total and the rest of the page.
    """
    head = store.newest_matches(query._replace(scope="heading"), where, offset + limit)
    page = [(i, 2.0) for i in head[offset:]]
    if len(page) == limit:
        return page, known_total or store.count_matches(query, where, COUNT_CAP)
    skip, wanted = max(0, offset - len(head)), limit - len(page)
    in_head = set(head)
    if known_total and len(head) + skip + wanted <= COUNT_CAP:
        # The total is known: the newest matches up to the page's end are enough (a common word's
        # newest 1,001 matches walked ~10,000 rows; its page's ~50 matches a few hundred).
        rest = [i for i in store.newest_matches(query, where, len(head) + skip + wanted) if i not in in_head]
        return page + [(i, 1.0) for i in rest[skip : skip + wanted]], known_total
    newest = store.newest_matches(query, where, COUNT_CAP + 1)
    rest = [i for i in newest if i not in in_head]
    if len(rest) < skip + wanted and len(newest) > COUNT_CAP:  # a page past the newest matches
        rest, skip = store.newest_matches(query._replace(scope="not_heading"), where, wanted, skip), 0
    return page + [(i, 1.0) for i in rest[skip : skip + wanted]], len(newest)


def _hit(row: HitRow, score: float, tokens: list[str], marks: tuple[str, str]) -> SearchHit:
    parts = highlight_parts(row.text, tokens)
    return SearchHit(
        measure_id=row.measure_id,
        doc_id=row.doc_id,
        heading=row.heading,
        kind=row.kind,
        themes=row.themes,
        city=row.city,
        province=row.province,
        title=row.title,
        snippet="".join(f"{marks[0]}{s}{marks[1]}" if hit else s for s, hit in parts),
        start=row.start,
        end=row.end,
        score=score if score else 0.0,
        opening=snippet(row.text),
        titled=row.titled,
    )


def highlight_parts(text: str, tokens: Sequence[str], width: int = 80) -> list[tuple[str, bool]]:
    """A window of ``text`` around the first query word, as (piece, is_match) pairs.

    FTS5's own snippet() would mark the segmented, space-joined index text;
    staff should read the original sentence, so the words are found again here.
    """
    text = " ".join(text.split())
    spans: list[tuple[int, int]] = []
    if tokens:
        pattern = re.compile("|".join(re.escape(t) for t in sorted(tokens, key=len, reverse=True)), re.IGNORECASE)
        spans = [m.span() for m in pattern.finditer(text)]
    lo = max(0, spans[0][0] - width // 4) if spans else 0
    hi = min(len(text), lo + width)
    parts: list[tuple[str, bool]] = [("…", False)] if lo > 0 else []
    pos = lo
    for s, e in spans:
        if s < pos or e > hi:
            continue
        parts += [(text[pos:s], False), (text[s:e], True)]
        pos = e
    parts.append((text[pos:hi], False))
    if hi < len(text):
        parts.append(("…", False))
    return [(s, hit) for s, hit in parts if s]


# -- when nothing matches ------------------------------------------------------------------------
@lru_cache(maxsize=1)
def theme_taxonomy() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(theme, seed terms) from corpus/themes.json; empty when the file is absent."""
    try:
        data = json.loads(data_path("themes.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return ()
    return tuple((t["name"], tuple(t.get("seeds", ()))) for t in data.get("themes", ()))


def suggest_themes(query: str, store: Store | None = None, n: int = 3) -> list[str]:
    """Themes nearest to a query: seed terms shared with it, else characters of the theme name.

    With no overlap at all, the themes with most practices in the store.
    """
    text = normalize_query(query)
    taxonomy = theme_taxonomy() or tuple((name, ()) for name in _stored_themes(store))
    scored = []
    for order, (name, seeds) in enumerate(taxonomy):
        seed_hits = sum(1 for s in seeds if s in text or (len(text) >= 2 and text in s))
        chars = len(set(name) & set(text))
        if seed_hits or chars:
            scored.append((-seed_hits, -chars, order, name))
    if scored:
        return [name for *_, name in sorted(scored)[:n]]
    return _stored_themes(store)[:n]


def _stored_themes(store: Store | None) -> list[str]:
    return [] if store is None else store.themes_by_frequency()


def no_hits_message(query: str, suggestions: Sequence[str]) -> str:
    head = f"没有找到与“{query.strip()}”相关的做法。" if query.strip() else "没有符合筛选条件的做法。"
    return head + (f"可以试试这些主题:{'、'.join(suggestions)}" if suggestions else "")


# -- rendering for the CLI ------------------------------------------------------------------------
def hit_row(hit: SearchHit) -> dict[str, str]:
    return {
        "标题": hit.title or "",
        "做法": hit.label,
        "类型": KIND_NAMES.get(hit.kind, hit.kind),
        "主题": "、".join(hit.themes),
        "城市": hit.city or hit.province or "",
        "片段": hit.snippet,
        "文档": hit.doc_id,
        "位置": f"{hit.start}-{hit.end}",
    }


def display_width(text: str) -> int:
    """Terminal/spreadsheet columns a string takes: wide (CJK) characters count double."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def clip(text: str, width: int) -> str:
    """``text`` cut to at most ``width`` display columns, with … when cut."""
    if display_width(text) <= width:
        return text
    out, used = [], 1
    for c in text:
        used += display_width(c)
        if used > width:
            break
        out.append(c)
    return "".join(out) + "…"


_TABLE_WIDTHS = {"标题": 24, "做法": 24, "类型": 4, "主题": 20, "城市": 10, "片段": 60, "文档": 16, "位置": 11}


def format_hits(result: SearchResult, fmt: str = "table") -> str:
    """The hits as an aligned text table, JSON or CSV (Chinese column headers)."""
    if fmt == "json":
        return json.dumps(
            {
                "total": result.total,
                "total_capped": result.total_capped,
                "tokens": result.tokens,
                "hits": [asdict(h) for h in result.hits],
                "suggestions": result.suggestions,
                "message": result.message,
            },
            ensure_ascii=False,
            indent=2,
        )
    rows = [hit_row(h) for h in result.hits]
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=HIT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return buf.getvalue()
    if fmt != "table":
        raise SearchError(f"未知的输出格式: {fmt}(可选 table、json、csv)")
    if not rows:
        return result.message or "没有找到相关的做法。"
    cells = [list(HIT_COLUMNS)] + [[clip(" ".join(r[c].split()), _TABLE_WIDTHS[c]) for c in HIT_COLUMNS] for r in rows]
    widths = [max(display_width(row[i]) for row in cells) for i in range(len(HIT_COLUMNS))]
    lines = [
        "  ".join(c + " " * (w - display_width(c)) for c, w in zip(row, widths, strict=False)).rstrip() for row in cells
    ]
    more = "+" if result.total_capped else ""
    lines.append(f"共 {result.total}{more} 条,显示 {len(rows)} 条")
    return "\n".join(lines)
