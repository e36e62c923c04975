"""Comparison tables across places, and their Excel/CSV/Markdown/HTML writers.

``compare(store)`` gathers, per city (or province): the practices per theme,
the figures mapped to canonical indicators (corpus/indicators.tsv), the
named mechanisms and the practice clusters, plus the list of source
documents. Every indicator cell can be traced to its sentence through the
long-format ``indicator_values`` table (document id and character span).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cache, lru_cache
from pathlib import Path

import pandas as pd

from .fileio import atomic_path
from .readmodel import DocumentRow, MeasureTheme
from .records import MEASURE_KINDS
from .resources import read_lines
from .search import display_width, place_names, theme_taxonomy
from .store import Store

PathLike = str | Path
PLACE_HEADERS = {"city": "城市", "province": "省份"}
UNKNOWN_PLACE = "未注明地点"
# table attribute → (sheet name, CSV file stem)
TABLES = {
    "theme_counts": ("主题做法数", "theme_counts"),
    "theme_headings": ("主题做法清单", "theme_headings"),
    "indicators": ("指标对比", "indicators"),
    "indicator_values": ("指标明细", "indicator_values"),
    "mechanisms": ("机制", "mechanisms"),
    "clusters": ("实践聚类", "clusters"),
    "sources": ("来源文档", "sources"),
}
VALUE_COLUMNS = ["指标", "数值", "单位", "修饰", "原值", "显示", "文档", "起", "止", "原文"]


class CompareError(ValueError):
    """A comparison request the user must change (message in Chinese)."""


# -- indicators ------------------------------------------------------------------------------
@dataclass(frozen=True)
class IndicatorRule:
    name: str
    unit: str
    factors: dict  # accepted unit → factor into ``unit``
    keywords: tuple[str, ...]  # ("*",) fits any subject
    exclusions: tuple[str, ...] = ()

    @property
    def header(self) -> str:
        return f"{self.name}({self.unit})"

    def fit(self, subject: str, unit: str) -> int | None:
        """Length of the keyword this rule matches ``subject`` with (0 for *), or None."""
        if unit not in self.factors or any(x in subject for x in self.exclusions):
            return None
        if "*" in self.keywords:
            return 0
        lengths = [len(k) for k in self.keywords if k in subject]
        return max(lengths) if lengths else None


def _split(cell: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in cell.split(",") if x.strip())


@cache
def load_indicators(name: str = "indicators.tsv") -> tuple[IndicatorRule, ...]:
    rules = []
    for line in read_lines(name):
        cols = line.split("\t") + [""] * 5
        factors = {}
        for item in _split(cols[2]):
            unit, _, factor = item.partition("=")
            factors[unit] = float(Fraction(factor)) if factor else 1.0
        rules.append(IndicatorRule(cols[0], cols[1], factors, _split(cols[3]), _split(cols[4])))
    return tuple(rules)


def map_indicator(
    subject: str | None, unit: str, rules: Sequence[IndicatorRule] = ()
) -> tuple[IndicatorRule, float] | None:
    """The indicator a quantity belongs to and the factor into its unit, or None."""
    best: tuple[int, IndicatorRule] | None = None
    for rule in rules or load_indicators():
        length = rule.fit(subject or "", unit)
        if length is not None and (best is None or length > best[0]):
            best = (length, rule)
    return (best[1], best[1].factors[unit]) if best else None


@lru_cache(maxsize=1)
def _hedge_positions() -> dict[str, str]:
    """approx label → where it is written: pre (约400), mid (1.3万多人), post (96.5%以上)."""
    positions = {}
    for line in read_lines("hedges.txt"):
        cols = line.split("\t")
        if len(cols) >= 3 and cols[0] == cols[2]:
            positions[cols[2]] = cols[1]
    return positions


def format_number(value: float) -> str:
    """1.3万, 3亿, 21059, 96.5: how the reports write amounts."""
    for size, word in ((1e8, "亿"), (1e4, "万")):
        scaled = value / size
        if abs(value) >= size and abs(round(scaled, 2) - scaled) < 1e-9:
            return f"{round(scaled, 2):g}{word}"
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.4f}".rstrip("0").rstrip(".")


def format_quantity(value: float, unit: str, approx: str | None = None) -> str:
    """A value with its unit and hedge as a report writes it: 约1.3万人, 1.3万多人, 96.5%以上."""
    number = format_number(value)
    if not approx:
        return f"{number}{unit}"
    position = _hedge_positions().get(approx, "pre")
    if position == "mid":
        return f"{number}{approx}{unit}"
    if position == "post":
        return f"{number}{unit}{approx}"
    return f"{approx}{number}{unit}"


# -- the comparison ------------------------------------------------------------------------------
@dataclass
class Comparison:
    by: str
    place_header: str
    theme_counts: pd.DataFrame  # place × theme: number of practices
    theme_headings: pd.DataFrame  # place × theme: the practices' headings, ";"-joined
    indicators: pd.DataFrame  # place × indicator: values as written (hedges, 183→769家)
    indicator_values: pd.DataFrame  # one row per value behind ``indicators``, with its source span
    mechanisms: pd.DataFrame
    clusters: pd.DataFrame
    sources: pd.DataFrame

    def tables(self) -> dict[str, pd.DataFrame]:
        """Sheet name → table, in reading order."""
        return {sheet: getattr(self, attr) for attr, (sheet, _) in TABLES.items()}

    @property
    def themes(self) -> list[str]:
        return [c for c in self.theme_counts.columns if c != self.place_header]


def compare(
    store: Store,
    *,
    by: str = "city",
    themes: Sequence[str] | None = None,
    places: Sequence[str] | None = None,
    kinds: Sequence[str] = ("measure",),
) -> Comparison:
    """Compare places (cities or provinces) across every stored document.

    Args:
        themes: only these theme columns (in this order); default all themes found.
        places: only these places; short names work (深圳 for 深圳市).
        kinds: which practices count in the theme tables (measure, outcome, lesson).

    Raises:
        CompareError: ``by`` or a kind is not one the tables know.
    """
    if by not in PLACE_HEADERS:
        raise CompareError(f"只能按城市(city)或省份(province)比较,而不是 {by!r}")
    unknown = [k for k in kinds if k not in MEASURE_KINDS]
    if unknown:
        raise CompareError(f"未知的类型: {'、'.join(unknown)};可选: {'、'.join(MEASURE_KINDS)}")
    header = PLACE_HEADERS[by]
    docs = pd.DataFrame(store.documents_overview(), columns=list(DocumentRow._fields))
    docs["place"] = [_place_label(r, by) for r in docs.itertuples()]
    if places:
        wanted = {n for p in places for n in place_names(p, by)}
        docs = docs[docs["place"].isin(wanted)]
    place_of = dict(zip(docs["doc_id"], docs["place"], strict=False))
    counts, headings = _theme_tables(store, place_of, header, themes, kinds)
    wide, long = _indicator_tables(store, place_of, header)
    return Comparison(
        by=by,
        place_header=header,
        theme_counts=counts,
        theme_headings=headings,
        indicators=wide,
        indicator_values=long,
        mechanisms=_mechanism_table(store, place_of, header),
        clusters=_cluster_table(store, place_of, header),
        sources=_source_table(store, docs, header),
    )


def _text(value) -> str | None:
    """A stored text field, or None: pandas reads a missing one as NaN, which is truthy and not a str."""
    return value if isinstance(value, str) and value.strip() else None


def _place_label(row, by: str) -> str:
    if by == "city":
        return _text(row.city) or _text(row.province) or UNKNOWN_PLACE
    return _text(row.province) or UNKNOWN_PLACE


def _place_order(place_of: dict[str, str], weights: pd.Series) -> list[str]:
    """Places with most practices first, then by name; documents without a place last."""
    names = sorted(set(place_of.values()))
    return sorted(names, key=lambda p: (p == UNKNOWN_PLACE, -int(weights.get(p, 0)), p))


def _theme_tables(store, place_of, header, themes, kinds):
    rows = store.measure_themes(kinds)
    data = pd.DataFrame([r for r in rows if r.doc_id in place_of], columns=list(MeasureTheme._fields))
    data["place"] = data["doc_id"].map(place_of)
    taxonomy = [name for name, _ in theme_taxonomy()]
    found = set(data["theme"])
    columns = [t for t in themes] if themes else [t for t in taxonomy if t in found] + sorted(found - set(taxonomy))
    data = data[data["theme"].isin(columns)]
    order = _place_order(place_of, data.groupby("place")["measure_id"].nunique())
    counts = pd.crosstab(data["place"], data["theme"]).reindex(index=order, columns=columns, fill_value=0)
    joined = (
        data.drop_duplicates(["place", "theme", "heading"])
        .groupby(["place", "theme"])["heading"]
        .agg(";".join)
        .unstack()
        if len(data)
        else pd.DataFrame()
    )
    headings = joined.reindex(index=order, columns=columns).fillna("")
    return _with_place(counts.astype(int), header), _with_place(headings, header)


def _with_place(frame: pd.DataFrame, header: str) -> pd.DataFrame:
    frame = frame.copy()
    frame.index.name = header
    frame.columns.name = None
    return frame.reset_index()


def _indicator_tables(store, place_of, header):
    records = [r for r in store.records_of_kinds(("figure", "change")) if r.doc_id in place_of]
    change_spans = {}
    for doc_id, kind, rec in records:
        if kind == "change":
            change_spans.setdefault(doc_id, []).append((rec["start"], rec["end"]))
    rows = []
    for doc_id, kind, rec in records:
        subject = rec.get("subject") or rec.get("text") or ""
        if kind == "figure" and any(s <= rec["start"] and rec["end"] <= e for s, e in change_spans.get(doc_id, ())):
            continue  # both numbers of a change are shown by the change itself (183→769家)
        mapped = map_indicator(subject, rec["unit"])
        if mapped is None:
            continue
        rule, factor = mapped
        if kind == "change":
            value, before, approx = rec["to_value"] * factor, rec["from_value"] * factor, None
            shown = f"{format_number(before)}→{format_number(value)}{rule.unit}"
        else:
            value, before, approx = rec["value"] * factor, None, rec.get("approx")
            shown = format_quantity(value, rule.unit, approx)
        rows.append(
            {
                header: place_of[doc_id],
                "指标": rule.header,
                "数值": value,
                "单位": rule.unit,
                "修饰": approx,
                "原值": before,
                "显示": shown,
                "文档": doc_id,
                "起": rec["start"],
                "止": rec["end"],
                "原文": rec.get("text", ""),
            }
        )
    long = pd.DataFrame(rows, columns=[header, *VALUE_COLUMNS])
    if long.empty:
        return pd.DataFrame(columns=[header]), long
    long = long.sort_values([header, "文档", "起"], kind="stable").reset_index(drop=True)
    headers = list(dict.fromkeys(r.header for r in load_indicators()))
    wide = long.drop_duplicates([header, "指标", "显示"]).groupby([header, "指标"])["显示"].agg("; ".join).unstack()
    order = _place_order(place_of, long.groupby(header).size())
    wide = wide.reindex(
        index=[p for p in order if p in wide.index], columns=[h for h in headers if h in wide.columns]
    ).fillna("")
    return _with_place(wide, header), long


def _mechanism_table(store, place_of, header) -> pd.DataFrame:
    grouped: dict[tuple[str, str], dict] = {}
    for r in store.records_of_kinds(("mechanism",)):
        if r.doc_id not in place_of:
            continue
        rec = r.data
        row = grouped.setdefault(
            (place_of[r.doc_id], rec["name"]),
            {header: place_of[r.doc_id], "机制": rec["name"], "定义": "", "提及次数": 0, "文档": []},
        )
        row["定义"] = row["定义"] or rec.get("definition") or ""
        row["提及次数"] += rec.get("mentions", 1)
        if r.doc_id not in row["文档"]:
            row["文档"].append(r.doc_id)
    rows = [{**row, "文档": "; ".join(row["文档"])} for row in grouped.values()]
    frame = pd.DataFrame(rows, columns=[header, "机制", "定义", "提及次数", "文档"])
    return frame.sort_values([header, "提及次数"], ascending=[True, False], kind="stable").reset_index(drop=True)


def _cluster_table(store, place_of, header) -> pd.DataFrame:
    grouped: dict[tuple[str, int], dict] = {}
    for r in store.cluster_members():
        if r.doc_id not in place_of:
            continue
        place = place_of[r.doc_id]
        row = grouped.setdefault(
            (place, r.cluster_id),
            {header: place, "聚类编号": r.cluster_id, "聚类": r.label, "主题": r.theme or "", "做法": []},
        )
        row["做法"].append(r.heading)
    frame = pd.DataFrame(
        [{**row, "做法数": len(row["做法"]), "做法": ";".join(row["做法"])} for row in grouped.values()],
        columns=[header, "聚类编号", "聚类", "主题", "做法数", "做法"],
    )
    return frame.sort_values([header, "做法数"], ascending=[True, False], kind="stable").reset_index(drop=True)


def _source_table(store, docs: pd.DataFrame, header) -> pd.DataFrame:
    aliases: dict[str, list[str]] = {}
    for r in store.aliases_in_order():
        aliases.setdefault(r.doc_id, []).append(r.alias)
    return pd.DataFrame(
        {
            "文档": docs["doc_id"],
            "标题": docs["title"].fillna(""),
            "来源": docs["source"].fillna(""),
            "发布日期": docs["published"].fillna(""),
            header: docs["place"],
            "文件": ["; ".join(aliases.get(d, [])) for d in docs["doc_id"]],
        }
    ).reset_index(drop=True)


# -- writers ---------------------------------------------------------------------------------------
def write_xlsx(comparison: Comparison, path: PathLike) -> Path:
    """One sheet per table: frozen header row and place column, wrapped text, CJK-aware widths."""
    from openpyxl.styles import Alignment, Font

    with atomic_path(path) as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        for sheet, frame in comparison.tables().items():
            frame.to_excel(writer, sheet_name=sheet, index=False)
            ws = writer.sheets[sheet]
            ws.freeze_panes = "B2"
            wrap = Alignment(wrap_text=True, vertical="top")
            for col_idx, column in enumerate(frame.columns, start=1):
                cells = [str(column)] + ["" if pd.isna(v) else str(v) for v in frame[column]]
                width = max(display_width(line) for c in cells for line in (c.splitlines() or [""]))
                ws.column_dimensions[ws.cell(1, col_idx).column_letter].width = min(max(width, 6), 60) + 2
            for row in ws.iter_rows():
                for cell in row:
                    cell.alignment = wrap
            for cell in ws[1]:
                cell.font = Font(bold=True)
    return Path(path)


def write_csv(comparison: Comparison, path_or_dir: PathLike) -> list[Path]:
    """One UTF-8 CSV per table (with a BOM, so Excel reads the Chinese).

    A directory gets ``theme_counts.csv`` …; a path ``x.csv`` gets ``x_theme_counts.csv`` … beside it.
    """
    target = Path(path_or_dir)
    if target.suffix.lower() == ".csv":
        paths = {attr: target.with_name(f"{target.stem}_{stem}.csv") for attr, (_, stem) in TABLES.items()}
    else:
        paths = {attr: target / f"{stem}.csv" for attr, (_, stem) in TABLES.items()}
    for attr, out in paths.items():
        with atomic_path(out) as tmp:
            getattr(comparison, attr).to_csv(tmp, index=False, encoding="utf-8-sig")
    return list(paths.values())


def _markdown_table(frame: pd.DataFrame) -> str:
    # pandas.to_markdown needs the tabulate package; a pipe table is simple enough by hand.
    def cell(v) -> str:
        text = "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v)
        return text.replace("|", "\\|").replace("\n", "<br>")

    if frame.empty and not len(frame.columns):
        return "(无数据)"
    lines = ["| " + " | ".join(cell(c) for c in frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines) if len(frame) else lines[0] + "\n" + lines[1] + "\n\n(无数据)"


def write_markdown(comparison: Comparison, path: PathLike) -> Path:
    parts = [f"# 各{comparison.place_header}社区治理做法对比"]
    for sheet, frame in comparison.tables().items():
        parts += [f"## {sheet}", _markdown_table(frame)]
    with atomic_path(path) as tmp:
        tmp.write_text("\n\n".join(parts) + "\n", encoding="utf-8")
    return Path(path)


_HTML_STYLE = (
    "body{font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin:2em}"
    "table{border-collapse:collapse;margin-bottom:2em}th,td{border:1px solid #ccc;padding:4px 8px;"
    "vertical-align:top;text-align:left}th{background:#f3f3f3;position:sticky;top:0}"
)


def write_html(comparison: Comparison, path: PathLike) -> Path:
    title = f"各{comparison.place_header}社区治理做法对比"
    body = "".join(
        f"<h2>{html.escape(sheet)}</h2>\n" + frame.to_html(index=False, escape=True, na_rep="", border=0)
        for sheet, frame in comparison.tables().items()
    )
    page = (
        f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{_HTML_STYLE}</style></head><body><h1>{html.escape(title)}</h1>\n{body}</body></html>\n"
    )
    with atomic_path(path) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return Path(path)


WRITERS = {"xlsx": write_xlsx, "csv": write_csv, "md": write_markdown, "html": write_html}


def write(comparison: Comparison, path: PathLike, fmt: str | None = None):
    """Write with the writer named by ``fmt`` or by the path's extension (a directory gets CSVs)."""
    suffix = Path(path).suffix.lower().lstrip(".")
    fmt = fmt or {"markdown": "md", "htm": "html"}.get(suffix, suffix) or "csv"
    if fmt not in WRITERS:
        raise CompareError(f"不支持的输出格式: {fmt}(可选 xlsx、csv、md、html)")
    return WRITERS[fmt](comparison, path)
