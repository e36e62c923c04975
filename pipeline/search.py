"""Search the case database: practices by words, theme, place, mechanism and kind.

Queries are normalized like documents (Traditional → Simplified, full-width
folded) and segmented with jieba, the way ``measures_fts`` was indexed, so
two-character words (社区, 养老) match and a Traditional query finds
Simplified text. Every token is quoted for FTS5, so user input can never be
read as FTS5 syntax.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import NamedTuple

from .records import MEASURE_KINDS
from .resources import data_path, read_lines
from .segment import get_segmenter
from .store import Store

KIND_NAMES = {"measure": "做法", "outcome": "成效", "lesson": "经验"}
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
    snippet_html: str  # HTML-escaped, query words in <mark>
    start: int  # the measure's span in the document's normalized text
    end: int
    score: float  # higher is better (negated bm25); 0.0 when listing by filters only


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
    try:
        from .ingest.normalize import normalize
    except ImportError:  # the shared normalizer is written concurrently; same conventions
        return _normalize_fallback(text)
    return normalize(text).text


def _normalize_fallback(text: str) -> str:
    folded = "".join(unicodedata.normalize("NFKC", c) if "\uff01" <= c <= "\uff5e" else c for c in text)
    return _t2s().convert(folded.replace("\u3000", " "))


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


# Queries are cut with rjieba whichever segmenter wrote the index: its cuts of Han text are
# jieba.lcut's (tests/extract/test_lexicon.py), and it loads in 0.1 s where jieba takes 0.9 s,
# which was nine tenths of a `govcase search`. The two differ only on runs like 2022-2025 or
# 30.06.2017 (jieba splits them at - and .), which FTS5 splits there anyway.
QUERY_SEGMENTER = "rjieba"


def query_tokens(query: str, segmenter: str = QUERY_SEGMENTER) -> list[str]:
    """The words of a query as the index holds them (punctuation-only tokens dropped)."""
    text = normalize_query(query)
    seen: list[str] = []
    for tok in get_segmenter(segmenter).cut(text):
        tok = tok.strip()
        if tok and any(c.isalnum() for c in tok) and tok not in seen:
            seen.append(tok)
    return seen


def fts_expression(tokens: Iterable[str]) -> str:
    """Tokens quoted as FTS5 strings, as prefixes, ANDed: "社区"* "养老"*.

    A prefix query lets 议事 find the index's longer words 议事会 and 议事厅
    (jieba keeps them whole); numbers stay exact so 36 does not find 360.
    """
    return " ".join(_quoted(tok) + ("" if tok.isdigit() else "*") for tok in tokens)


def _quoted(tok: str) -> str:
    return '"' + tok.replace('"', '""') + '"'


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


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class FilterSet(NamedTuple):
    op: str  # "IN" or "NOT IN"
    sql: str  # selects measure_id
    params: list


class ThemeSet(FilterSet):
    """A theme's practices: often a large share of the store, and cheap to probe one id at a time."""


def filter_sets(store: Store, theme, city, province, mechanism, kind) -> list[FilterSet]:
    """Per filter: ("IN" or "NOT IN", a query of measure_ids, its parameters).

    Document-level filters (place, mechanism) are resolved to document ids
    here, once: the mechanism's JSON records are scanned a single time per
    search instead of once per statement that uses the filter.
    """
    sets: list[FilterSet] = []
    docs: set[str] | None = None
    for column, value in (("city", city), ("province", province)):
        names = [n for v in _as_list(value) for n in place_names(v, column)]
        if names:
            found = {
                r[0]
                for r in store.conn.execute(
                    f"SELECT doc_id FROM documents WHERE {column} IN ({','.join('?' * len(names))})", names
                )
            }
            docs = found if docs is None else docs & found
    mechanisms = _as_list(mechanism)
    if mechanisms:
        likes = " OR ".join("name LIKE ? ESCAPE '\\'" for _ in mechanisms)
        found = {
            r[0]
            for r in store.conn.execute(
                f"SELECT DISTINCT doc_id FROM mechanism_names WHERE ({likes})",
                [f"%{_like_escape(normalize_query(x).strip())}%" for x in mechanisms],
            )
        }
        docs = found if docs is None else docs & found
    if docs is not None:
        ids = sorted(docs)
        sets.append(
            FilterSet("IN", f"SELECT measure_id FROM measures WHERE doc_id IN ({','.join('?' * len(ids))})", ids)
        )
    themes = [normalize_query(t).strip() for t in _as_list(theme)]
    if themes:
        sets.append(
            ThemeSet(
                "IN", f"SELECT measure_id FROM measure_themes WHERE theme IN ({','.join('?' * len(themes))})", themes
            )
        )
    kinds = _as_list(kind)
    if kinds:
        unknown = [k for k in kinds if k not in MEASURE_KINDS]
        if unknown:
            raise SearchError(
                f"未知的类型: {'、'.join(unknown)};可选: {'、'.join(MEASURE_KINDS)}({'、'.join(KIND_NAMES.values())})"
            )
        # Practices (measure) are most of every report: their filter is the small set of the other kinds.
        op, test = ("NOT IN", "NOT IN") if "measure" in kinds else ("IN", "IN")
        sets.append(
            FilterSet(op, f"SELECT measure_id FROM measures WHERE kind {test} ({','.join('?' * len(kinds))})", kinds)
        )
    return sets


# -- search -------------------------------------------------------------------------------------
_HIT_COLUMNS_SQL = (
    "m.measure_id, m.doc_id, m.heading, m.kind, m.themes, m.text, m.start, m.end, d.title, d.city, d.province"
)


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
) -> SearchResult:
    """Practices matching ``query`` (all words, BM25-ranked, headings weighted ×2) and the filters.

    With no query words the filters alone select, ordered by document and
    position. City and province accept short names (深圳 for 深圳市).

    Raises:
        SearchError: an unknown ``kind``.
    """
    tokens = query_tokens(query, segmenter) if query.strip() else []
    sets = filter_sets(store, theme, city, province, mechanism, kind)
    params = [p for _, _, ps in sets for p in ps]
    if tokens:
        where = _fts_filters(store, sets)
        ids, total = _ranked_ids(store, tokens, where, params, limit, offset)
        rows = _rows(store, ids)
    else:
        # "+measure_id" keeps the planner on the (doc_id, ordinal) index, which is already in
        # page order, instead of fetching every admitted row and sorting it.
        where = "".join(f" AND +measure_id {op} ({sql})" for op, sql, _ in sets)
        page = store.conn.execute(
            f"SELECT measure_id FROM measures WHERE 1{where} ORDER BY doc_id, ordinal LIMIT ? OFFSET ?",
            [*params, limit, offset],
        ).fetchall()
        rows = _rows(store, [(r[0], 0.0) for r in page])
        total = store.conn.execute(
            f"SELECT count(*) FROM (SELECT measure_id FROM measures WHERE 1{where} LIMIT ?)", [*params, COUNT_CAP + 1]
        ).fetchone()[0]
    hits = [_hit(row, tokens, marks) for row in rows]
    result = SearchResult(hits=hits, total=min(total, COUNT_CAP), tokens=tokens, total_capped=total > COUNT_CAP)
    if not hits and offset == 0:
        result.suggestions = suggest_themes(query, store)
        result.message = no_hits_message(query, result.suggestions)
    return result


def _fts_filters(store: Store, sets: list[FilterSet]) -> str:
    """The filters as conditions on measures_fts rows.

    "+rowid IN (…)" builds the whole set first (~0.2 µs an id), then tests
    each row cheaply; the "+" matters: a plain rowid IN (…) is pushed into
    FTS5 as one full-text lookup per listed id. A broad theme holds so many
    practices that building it costs more than the rows a scan visits before
    its LIMIT is reached; its rows are probed one by one instead (~0.7 µs).
    """
    clauses = []
    for s in sets:
        if isinstance(s, ThemeSet) and _is_broad(store, s):
            clauses.append(f" AND EXISTS ({s.sql} AND measure_id = measures_fts.rowid)")
        else:
            clauses.append(f" AND +rowid {s.op} ({s.sql})")
    return "".join(clauses)


def _is_broad(store: Store, s: FilterSet) -> bool:
    # Past ~1/8 of the store, a LIMIT-ed scan stops before it has seen as many rows as building would cost.
    share = (store.conn.execute("SELECT max(measure_id) FROM measures").fetchone()[0] or 0) // 8
    return store.conn.execute(f"SELECT count(*) FROM ({s.sql} LIMIT ?)", [*s.params, share]).fetchone()[0] >= share


def _count(store: Store, match: str, where: str, params: list, cap: int = COUNT_CAP) -> int:
    """Matches of an FTS expression, counted up to cap + 1 (counting all of 社区 costs more than ranking)."""
    return store.conn.execute(
        f"SELECT count(*) FROM (SELECT 1 FROM measures_fts WHERE measures_fts MATCH ?{where} LIMIT ?)",
        [match, *params, cap + 1],
    ).fetchone()[0]


def _ranked_ids(
    store: Store, tokens: list[str], where: str, params: list, limit: int, offset: int
) -> tuple[list[tuple[int, float]], int]:
    """(measure_id, score) of one page of matches, best first; and the (capped) number of matches.

    bm25() first counts every row of each of its terms, so a term found in
    most practices (社区, 服务) costs ~1 µs per row while telling nothing (its
    IDF is about zero). Such terms must match but do not rank: bm25 runs over
    the rarer terms within the rows matching all terms. When every term is
    that common, rows with all terms in the heading come first, newest first.
    """
    match = fts_expression(tokens)
    counts = [_rows_with(store, t) for t in tokens]
    rare = [t for t, n in zip(tokens, counts, strict=False) if n <= RANK_CAP]
    if rare:
        rows = store.conn.execute(
            f"WITH cand AS MATERIALIZED (SELECT rowid AS id FROM measures_fts WHERE measures_fts MATCH ?{where}) "
            f"SELECT rowid, bm25(measures_fts, 2.0, 1.0) AS rank, (SELECT count(*) FROM cand) FROM measures_fts "
            f"WHERE measures_fts MATCH ? AND +rowid IN (SELECT id FROM cand) ORDER BY rank LIMIT ? OFFSET ?",
            [match, *params, fts_expression(rare), limit, offset],
        ).fetchall()
        total = rows[0][2] if rows else _count(store, match, where, params)
        return [(r[0], -r[1]) for r in rows], total
    # Unfiltered, a lone word's count above may already say that more than COUNT_CAP rows match.
    known = counts[0] if len(tokens) == 1 and not where and counts[0] > COUNT_CAP else None
    return _heading_first(store, match, where, params, limit, offset, known)


def _rows_with(store: Store, tok: str) -> int:
    """Rows holding a word, counted up to RANK_CAP + 1.

    A prefix (社会组织*) longer than the index's prefixes first gathers
    every row of every word it begins (~3 ms for 社会组织 on a 50k store);
    the word alone finds a common word as common for a tenth of that.
    """
    exact = _count(store, _quoted(tok), "", [], RANK_CAP)
    return exact if exact > RANK_CAP or tok.isdigit() else _count(store, fts_expression([tok]), "", [], RANK_CAP)


def _newest(store: Store, match: str, where: str, params: list, limit: int, offset: int = 0) -> list[int]:
    return [
        r[0]
        for r in store.conn.execute(
            f"SELECT rowid FROM measures_fts WHERE measures_fts MATCH ?{where} ORDER BY rowid DESC LIMIT ? OFFSET ?",
            [match, *params, limit, offset],
        )
    ]


def _heading_first(
    store: Store, match: str, where: str, params: list, limit: int, offset: int, known_total: int | None = None
) -> tuple[list[tuple[int, float]], int]:
    """Rows with every word in the heading, newest first, then the other rows, newest first.

    Two LIMIT-ed scans, where a scan of a common word's rows costs ~10 ms
    on a 50k-document store: the heading matches up to the page's end, then
    either a count (the heading matches filled the page) or the newest
    COUNT_CAP + 1 matches, which give the total and the rest of the page.
    """
    in_heading = f"{{heading}} : ({match})"
    head = _newest(store, in_heading, where, params, offset + limit)
    page = [(i, 2.0) for i in head[offset:]]
    if len(page) == limit:
        return page, known_total or _count(store, match, where, params)
    newest = _newest(store, match, where, params, COUNT_CAP + 1)
    in_head = set(head)
    rest = [i for i in newest if i not in in_head]
    skip, wanted = max(0, offset - len(head)), limit - len(page)
    if len(rest) < skip + wanted and len(newest) > COUNT_CAP:  # a page past the newest matches
        rest, skip = _newest(store, f"({match}) NOT {in_heading}", where, params, wanted, skip), 0
    return page + [(i, 1.0) for i in rest[skip : skip + wanted]], len(newest)


def _rows(store: Store, ids: list[tuple[int, float]]) -> list[dict]:
    if not ids:
        return []
    found = {
        r["measure_id"]: dict(r)
        for r in store.conn.execute(
            f"SELECT {_HIT_COLUMNS_SQL} FROM measures m JOIN documents d ON d.doc_id = m.doc_id "
            f"WHERE m.measure_id IN ({','.join('?' * len(ids))})",
            [i for i, _ in ids],
        )
    }
    return [{**found[i], "rank": -score} for i, score in ids if i in found]


def _hit(row, tokens: list[str], marks: tuple[str, str]) -> SearchHit:
    parts = highlight_parts(row["text"], tokens)
    return SearchHit(
        measure_id=row["measure_id"],
        doc_id=row["doc_id"],
        heading=row["heading"],
        kind=row["kind"],
        themes=json.loads(row["themes"]),
        city=row["city"],
        province=row["province"],
        title=row["title"],
        snippet="".join(f"{marks[0]}{s}{marks[1]}" if hit else s for s, hit in parts),
        snippet_html="".join(f"<mark>{html.escape(s)}</mark>" if hit else html.escape(s) for s, hit in parts),
        start=row["start"],
        end=row["end"],
        score=-row["rank"] if row["rank"] else 0.0,
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
    if store is None:
        return []
    return [
        r[0]
        for r in store.conn.execute("SELECT theme FROM measure_themes GROUP BY theme ORDER BY count(*) DESC, theme")
    ]


def no_hits_message(query: str, suggestions: Sequence[str]) -> str:
    head = f"没有找到与“{query.strip()}”相关的做法。" if query.strip() else "没有符合筛选条件的做法。"
    return head + (f"可以试试这些主题:{'、'.join(suggestions)}" if suggestions else "")


# -- rendering for the CLI ------------------------------------------------------------------------
def hit_row(hit: SearchHit) -> dict[str, str]:
    return {
        "标题": hit.title or "",
        "做法": hit.heading,
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
