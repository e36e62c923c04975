"""The Flask application: routes render what the library functions return.

One read-only Store per request (sqlite3 connections never cross threads);
WAL lets pages read while an ingest writes. Every page works without
JavaScript, and the Content-Security-Policy forbids scripts altogether.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pandas as pd
from flask import Flask, Response, abort, current_app, g, jsonify, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from .. import api
from ..compare import (
    TABLES,
    UNKNOWN_PLACE,
    CompareError,
    Comparison,
    ComparisonPlan,
    compare,
    format_number,
    format_quantity,
    indicator_headers,
    plan_comparison,
)
from ..pgstore import is_url
from ..profile import NOT_FOUND
from ..readmodel import FACET_MATCHES, AggregateCache
from ..records import Extraction, Figure, RecordName
from ..relevance import explain
from ..search import KIND_NAMES, SearchError, SearchResult, search, theme_taxonomy
from ..store import Store, StoreError
from . import downloads
from .cache import page_cache
from .facets import facet_counts, facets_sampled
from .highlight import MARKS, Span, marked_parts, pieces
from .params import (
    COMPARE_BY,
    FILTER_NAMES,
    MAX_PAGE,
    MAX_PER_PAGE,
    MAX_QUERY_CHARS,
    CompareParams,
    ParamError,
    SearchParams,
    compare_params,
    search_params,
)

THEME_PAGE_LIMIT = 500
# What pipeline.web.cache.page_cache returns: a view that keeps its pages until the store changes.
Cached = Callable[[Callable[..., Any]], Callable[..., Any]]
# Comparisons per process (pages and downloads only read them); see _comparison.
COMPARISONS = AggregateCache(size=16)
# Rows of the compare page's tables per page: a comparison of a few cities holds hundreds of
# cases, and rendering each row's dozens of cells cost most of the page (~1 ms a row).
COMPARE_PAGE_ROWS = 50
HIGHLIGHT_KINDS = {
    RecordName.MEASURE: "做法",
    RecordName.CHANGE: "变化",
    RecordName.FIGURE: "数字",
    RecordName.MECHANISM: "机制",
}
HEAT_LEVELS = 5
CSP = (
    "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
ERROR_TEXT = {
    400: "请求有误",
    404: "找不到您要的页面或案例",
    405: "不支持这种请求方式",
    413: "请求内容过大",
    500: "服务器内部错误,请稍后再试或联系管理员",
    503: "数据库暂时无法使用",
}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class PageError(Exception):
    """An HTTP error with a message for the user (in Chinese)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def create_app(
    db_path: str | Path, *, cache_config: Mapping[str, Any] | None = None, cache_check_s: float | None = None
) -> Flask:
    """The web application over the case database at ``db_path`` (opened read-only).

    Args:
        cache_config: Flask-Caching settings for the pages kept until the store changes
            (``pipeline.web.cache``; ``{"CACHE_TYPE": "NullCache"}`` keeps none).
        cache_check_s: how often to ask whether a SQLite store changed (``cache.CHECK_S`` by default;
            PostgreSQL's stores ask every ``pgstore.GENERATION_TTL_S``).

    Raises:
        StoreError: the database is missing or was written by a newer govcase.
    """
    path = str(db_path) if is_url(str(db_path)) else str(Path(db_path).resolve())
    api.open_store(path, readonly=True).close()  # fail now, in the terminal, rather than on every page
    app = Flask(__name__)
    app.config.update(GOVCASE_DB=path, MAX_CONTENT_LENGTH=64 * 1024)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.jinja_env.globals.update(
        KIND_NAMES=KIND_NAMES,
        FILTER_NAMES=FILTER_NAMES,
        MAX_QUERY_CHARS=MAX_QUERY_CHARS,
        HIGHLIGHT_KINDS=HIGHLIGHT_KINDS,
        COMPARE_BY=COMPARE_BY,
        FACET_MATCHES=FACET_MATCHES,
    )
    app.teardown_appcontext(_close_store)
    app.after_request(_security_headers)
    app.register_error_handler(PageError, lambda e: _error(e.status, e.message))
    for exc in (ParamError, SearchError, CompareError):
        app.register_error_handler(exc, lambda e: _error(400, str(e)))
    app.register_error_handler(StoreError, lambda e: _error(503, str(e)))
    app.register_error_handler(HTTPException, lambda e: _error(e.code or 500, ERROR_TEXT.get(e.code or 500, e.name)))
    app.register_error_handler(Exception, _internal_error)
    cached = page_cache(app, path, store, config=cache_config, check_s=cache_check_s)
    _page_routes(app, cached)
    _download_routes(app)
    _api_routes(app, cached)
    return app


def serve(db: str | Path, host: str = "127.0.0.1", port: int = 8000, *, workers: int | None = None) -> None:
    """Serve the interface until interrupted: with ``workers``, that many gunicorn worker processes
    (pipeline.web.wsgi); else one threaded werkzeug server (debugger and reloader off)."""
    if workers:
        from .wsgi import serve_gunicorn

        serve_gunicorn(str(db), host, port, workers=workers)
        return
    from werkzeug.serving import run_simple

    run_simple(host, port, create_app(db), threaded=True, use_debugger=False, use_reloader=False)


# -- plumbing ----------------------------------------------------------------------------------
def store() -> Store:
    if "store" not in g:
        g.store = _request_store()
    return g.store


def _request_store() -> Store:
    """A read-only store for this request: a new SQLite connection (they never cross threads), or
    this thread's PostgreSQL connection, kept between requests (a connection costs more than a page)."""
    db = current_app.config["GOVCASE_DB"]
    if not is_url(db):
        return api.open_store(db, readonly=True)
    local = current_app.extensions.setdefault("govcase_pg", threading.local())
    kept = getattr(local, "store", None)
    if kept is None or kept.conn.closed or kept.conn.broken:
        kept = local.store = api.open_store(db, readonly=True)
    g.store_kept = True
    return kept


def _close_store(_exc: BaseException | None) -> None:
    opened = g.pop("store", None)
    if opened is not None and not g.pop("store_kept", False):
        opened.close()


def _security_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _error(status: int, message: str):
    if _wants_json():
        return jsonify({"error": {"status": status, "message": message}}), status
    return render_template("error.html", status=status, title=ERROR_TEXT.get(status, "出错了"), message=message), status


def _internal_error(exc: Exception):
    current_app.logger.exception("unhandled error on %s", request.path)
    return _error(500, ERROR_TEXT[500])


# -- data for pages and API --------------------------------------------------------------------
def _run_search(params: SearchParams) -> SearchResult:
    return search(store(), params.q, **params.search_kwargs(), limit=params.per_page, offset=params.offset, marks=MARKS)


def _hit_view(hit) -> dict:
    return {
        **asdict(hit),
        "label": hit.label,  # a property: asdict leaves it out
        "parts": marked_parts(hit.snippet),
        "kind_name": KIND_NAMES.get(hit.kind, hit.kind),
        "place": hit.city or hit.province or "",
    }


def _page_count(total: int, per_page: int) -> int:
    return min(MAX_PAGE, max(1, math.ceil(total / per_page)))


def _theme_names() -> list[str]:
    return [name for name, _ in theme_taxonomy()]


def _place_rows() -> list[dict]:
    """(city, province, number of documents) for every place the store knows."""
    return [row._asdict() for row in store().place_counts()]


def _level_counts(rows: list[dict], level: str) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for row in rows:
        if row[level]:
            counts[row[level]] = counts.get(row[level], 0) + row["docs"]
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def _compare_args(params: CompareParams) -> dict:
    mapping = {r["city"]: r["province"] for r in _place_rows() if r["city"]}
    places = params.places(mapping)
    themes = tuple(params.themes)
    return {
        "by": params.by,
        "themes": themes or None,
        "places": None if places is None else tuple(places),
        "all_documents": params.all_documents,
    }


def _comparison(params: CompareParams) -> Comparison:
    """The comparison the parameters ask for, every table (downloads, the API), kept (on a server
    database) until the store changes: it costs seconds for a few cities of a large store."""
    args = _compare_args(params)
    return store().cached(("comparison", *args.values()), lambda: compare(store(), **args), COMPARISONS)


def _plan(params: CompareParams) -> ComparisonPlan:
    """The comparison's rows before any case is profiled, kept like ``_comparison``: a page, its other
    pages and its heatmap (which the browser asks for right after the page) share it."""
    args = _compare_args(params)
    return store().cached(("comparison plan", *args.values()), lambda: plan_comparison(store(), **args), COMPARISONS)


def _records(frame: pd.DataFrame) -> list[dict]:
    return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")


def _row_link(comparison: Comparison | ComparisonPlan, label: str) -> str | None:
    """A case row opens its case page; a place row at city or province level searches its practices."""
    docs = comparison.documents.get(label, [])
    if comparison.by == "case" and len(docs) == 1:
        return url_for("case_page", ref=docs[0])
    return None


def _case_table(comparison: ComparisonPlan, shown: pd.DataFrame, sources: pd.DataFrame) -> dict:
    """案例对比 as written (约1.3万人, 183→769家, 未找到), each value with its sentence as a tooltip
    (``shown`` and ``sources``: the rows of ``cases_shown`` and ``cases_sources`` on the page)."""
    indicators = set(indicator_headers())
    columns = [str(c) for c in shown.columns if c not in ("文档", "链接")]
    rows = []
    # Plain dicts: a DataFrame cell read by position costs tens of µs, a page has thousands.
    for row, source in zip(shown.to_dict(orient="records"), sources.to_dict(orient="records"), strict=True):
        label = str(row[comparison.place_header])
        link = str(row["链接"]) if "链接" in shown.columns else ""
        cells = []
        for column in columns:
            value = row[column]
            cells.append(
                {
                    "text": format_number(value) if isinstance(value, float) else str(value),
                    "note": str(source[column]) if column in indicators else "",
                    "missing": value == NOT_FOUND,
                    "numeric": column in indicators or column.endswith("(做法数)"),
                }
            )
        rows.append(
            {
                "label": label,
                "link": _row_link(comparison, label),
                "source": link if link.startswith(("http://", "https://")) else None,
                "cells": cells,
            }
        )
    return {"columns": columns, "rows": rows}


def _matrix(comparison: Comparison | ComparisonPlan, rows_shown: slice = slice(None)) -> dict:
    """The place × theme counts with a heat level per cell and a link to the practices behind it
    (the rows of ``rows_shown``; heat levels are relative to every row)."""
    frame = comparison.theme_counts
    themes = comparison.themes
    peak = max([int(v) for t in themes for v in frame[t]] or [0])
    rows = []
    for row in frame.iloc[rows_shown].to_dict(orient="records"):
        place = row[comparison.place_header]
        row_link = _row_link(comparison, place)  # once a row: url_for costs ~50 µs
        cells = []
        for theme in themes:
            n = int(row[theme])
            link = None
            if n and place != UNKNOWN_PLACE and comparison.by in ("city", "province"):
                link = "/?" + SearchParams(filters={"theme": [theme], comparison.by: [place]}).query_string()
            elif n:
                link = row_link
            cells.append({"n": n, "level": math.ceil(HEAT_LEVELS * n / peak) if peak else 0, "link": link})
        rows.append({"place": place, "cells": cells})
    return {"header": comparison.place_header, "themes": themes, "rows": rows}


def _case(ref: str) -> dict:
    try:
        shown = api.show(store(), ref)
    except StoreError:
        raise PageError(404, f"找不到案例“{ref[:60]}”。它可能已被删除,或链接有误。") from None
    return shown


def _place_chain(extraction: Extraction) -> dict:
    place = extraction.primary_place()
    if place is None:
        return {"chain": [], "code": None}
    chain = [p for p in (place.province, place.city, place.district, place.street, place.community) if p]
    return {"chain": chain, "code": place.code}


def _figure_span(text: str, figure: Figure) -> tuple[int, int]:
    """The number as written (``raw``) inside the figure's clause, else the whole clause."""
    at = text.find(figure.raw, figure.start, figure.end) if figure.raw else -1
    return (at, at + len(figure.raw)) if at >= 0 else (figure.start, figure.end)


def _spans(text: str, extraction: Extraction) -> list[Span]:
    spans = [
        Span(
            m.start,
            m.end,
            "measure",
            (f"{KIND_NAMES.get(m.kind, m.kind)}:{m.heading}" if m.titled else "实践段落(无小标题)")
            + (f"(主题:{'、'.join(m.themes)})" if m.themes else ""),
            anchor=f"at-{m.start}",
        )
        for m in extraction.measures
    ]
    spans += [
        Span(
            c.start,
            c.end,
            "change",
            f"变化:{c.subject + ' ' if c.subject else ''}"
            f"{format_number(c.from_value)}→{format_number(c.to_value)}{c.unit}",
        )
        for c in extraction.changes
    ]
    spans += [
        Span(
            *_figure_span(text, f),
            "figure",
            f"数字:{format_quantity(f.value, f.unit, f.approx)}" + (f"({f.subject})" if f.subject else ""),
        )
        for f in extraction.figures
    ]
    spans += [
        Span(m.start, m.end, "mechanism", f"机制:{m.name}" + (f"——{m.definition}" if m.definition else ""))
        for m in extraction.mechanisms
    ]
    return spans


def _sources(aliases: list[str]) -> list[dict]:
    # Only web addresses become links; file paths are shown, never served.
    return [{"text": a, "url": a if a.startswith(("http://", "https://")) else None} for a in aliases]


# -- routes ------------------------------------------------------------------------------------
def _page_routes(app: Flask, cached: Cached) -> None:
    @app.get("/")
    @cached
    def search_page():
        params = search_params(request.args)
        result = _run_search(params)
        facets = facet_counts(store(), params.q, params.filters, all_documents=params.all_documents)
        return render_template(
            "search.html",
            params=params,
            result=result,
            hits=[_hit_view(h) for h in result.hits],
            facets=facets,
            facets_sampled=facets_sampled(store(), params.q, params.filters, all_documents=params.all_documents),
            pages=_page_count(result.total, params.per_page),
            per_page_choices=sorted({10, 20, 50, MAX_PER_PAGE, params.per_page}),
        )

    @app.get("/themes")
    @cached
    def themes_index():
        counts = dict(facet_counts(store())["theme"])
        names = _theme_names()
        names += sorted(set(counts) - set(names))
        return render_template("themes.html", themes=[(n, counts.get(n, 0)) for n in names])

    @app.get("/themes/<theme>")
    @cached
    def theme_page(theme: str):
        result = search(store(), "", theme=theme, limit=THEME_PAGE_LIMIT, marks=MARKS)
        if not result.hits and theme not in _theme_names():
            raise PageError(404, f"没有名为“{theme[:60]}”的主题。")
        groups: dict[str, list[dict]] = {}
        for hit in result.hits:
            groups.setdefault(hit.city or hit.province or UNKNOWN_PLACE, []).append(_hit_view(hit))
        ordered = sorted(groups.items(), key=lambda kv: (kv[0] == UNKNOWN_PLACE, -len(kv[1]), kv[0]))
        return render_template(
            "theme.html",
            theme=theme,
            groups=ordered,
            total=result.total,
            limit=THEME_PAGE_LIMIT,
            search_link="/?" + SearchParams(filters={"theme": [theme]}).query_string(),
        )

    @app.get("/cases/<ref>")
    @cached
    def case_page(ref: str):
        shown = _case(ref)
        doc, extraction = shown["document"], shown["extraction"]
        if doc.doc_id != ref:
            return redirect(url_for("case_page", ref=doc.doc_id))
        return render_template(
            "case.html",
            doc=doc,
            meta=extraction.metadata,
            extraction=extraction,
            place=_place_chain(extraction),
            pieces=pieces(doc.text, _spans(doc.text, extraction), tuple(HIGHLIGHT_KINDS)),
            sources=_sources(doc.aliases),
            format_quantity=format_quantity,
            format_number=format_number,
            explain=explain,
        )

    @app.get("/compare")
    @cached
    def compare_page():
        params = compare_params(request.args)
        plan = _plan(params)
        rows = _place_rows()
        shown = slice((params.page - 1) * COMPARE_PAGE_ROWS, params.page * COMPARE_PAGE_ROWS)
        total = max(len(plan), len(plan.theme_counts))
        _, cases_shown, cases_sources = plan.rows(store(), shown)  # only the cases of the page are profiled
        return render_template(
            "compare.html",
            params=params,
            matrix=_matrix(plan, shown),
            cases=_case_table(plan, cases_shown, cases_sources),
            rows_total=total,
            per_page=COMPARE_PAGE_ROWS,
            pages=max(1, math.ceil(total / COMPARE_PAGE_ROWS)),
            cities=_level_counts(rows, "city"),
            provinces=_level_counts(rows, "province"),
            themes=_theme_names(),
            query=params.query_string(),
        )


def _download_routes(app: Flask) -> None:
    @app.get("/compare.xlsx")
    def compare_xlsx():
        data = downloads.xlsx_bytes(_comparison(compare_params(request.args)))
        return _download(data, XLSX_TYPE, "govcase-compare.xlsx")

    @app.get("/compare.csv")
    def compare_csv():
        data = downloads.csv_bytes(_comparison(compare_params(request.args)))
        return _download(data, "text/csv", "govcase-compare.csv")

    @app.get("/compare.zip")
    def compare_zip():
        data = downloads.zip_bytes(_comparison(compare_params(request.args)))
        return _download(data, "application/zip", "govcase-compare-tables.zip")

    @app.get("/compare.png")
    def compare_png():
        from ..charts import ChartError  # matplotlib loads only when a picture is asked for

        plan = _plan(compare_params(request.args))  # the picture is the place × theme table alone
        if not plan.themes:
            abort(404)
        try:
            data = downloads.heatmap_png(plan)
        except ChartError as exc:
            raise PageError(503, str(exc)) from None
        return Response(data, mimetype="image/png", headers={"Cache-Control": "no-store"})


def _api_routes(app: Flask, cached: Cached) -> None:
    @app.get("/api/search")
    @cached
    def api_search():
        params = search_params(request.args)
        result = _run_search(params)
        hits = [
            {
                **{k: v for k, v in asdict(h).items() if k != "snippet"},
                "snippet": [{"text": t, "match": m} for t, m in marked_parts(h.snippet)],
                "label": h.label,
                "url": url_for("case_page", ref=h.doc_id, _anchor=f"at-{h.start}"),
            }
            for h in result.hits
        ]
        return jsonify(
            {
                "query": params.q,
                "filters": params.filters,
                "page": params.page,
                "per_page": params.per_page,
                "total": result.total,
                "total_capped": result.total_capped,
                "tokens": result.tokens,
                "hits": hits,
                "facets": {
                    k: [{"value": v, "count": n} for v, n in rows]
                    for k, rows in facet_counts(
                        store(), params.q, params.filters, all_documents=params.all_documents
                    ).items()
                },
                "facets_sampled": facets_sampled(store(), params.q, params.filters, all_documents=params.all_documents),
                "suggestions": result.suggestions,
                "message": result.message,
            }
        )

    @app.get("/api/cases/<ref>")
    @cached
    def api_case(ref: str):
        shown = _case(ref)
        doc, extraction = shown["document"], shown["extraction"]
        return jsonify(
            {
                "doc_id": doc.doc_id,
                "metadata": asdict(extraction.metadata),
                "place": _place_chain(extraction),
                "sources": _sources(doc.aliases),
                "text": doc.text,
                "measures": [asdict(m) for m in extraction.titled_measures],
                "passages": [asdict(m) for m in extraction.passages],
                "figures": [asdict(f) for f in extraction.figures],
                "changes": [asdict(c) for c in extraction.changes],
                "mechanisms": [asdict(m) for m in extraction.mechanisms],
                "places": [asdict(p) for p in extraction.places],
                "relevance": asdict(extraction.relevance) if extraction.relevance else None,
            }
        )

    @app.get("/api/compare")
    @cached
    def api_compare():
        params = compare_params(request.args)
        comparison = _comparison(params)
        return jsonify(
            {
                "by": comparison.by,
                "place_header": comparison.place_header,
                "themes": comparison.themes,
                "tables": {attr: _records(getattr(comparison, attr)) for attr in TABLES},
            }
        )


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    return Response(
        data,
        mimetype=mimetype,
        headers={"Content-Disposition": f"attachment; filename={filename}", "Cache-Control": "no-store"},
    )
