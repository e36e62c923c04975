"""Request parameters for the pages and the API: parsed, bounded, explained in Chinese."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict

MAX_QUERY_CHARS = 200
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
MAX_PAGE = 1000  # deeper pages are never read by people and make FTS5 skip many rows
MAX_VALUES = 30  # values per filter
MAX_VALUE_CHARS = 50
SEARCH_FILTERS = ("theme", "city", "province", "mechanism", "kind")
FILTER_NAMES = {"theme": "主题", "city": "城市", "province": "省份", "mechanism": "机制", "kind": "类型"}
COMPARE_BY = {
    "case": "案例",
    "community": "社区",
    "street": "街道",
    "district": "区县",
    "city": "城市",
    "province": "省份",
}


class ParamError(ValueError):
    """A request parameter the user must change (message in Chinese)."""


def _values(args: MultiDict, name: str) -> list[str]:
    values = [v.strip() for v in args.getlist(name) if v.strip()]
    if len(values) > MAX_VALUES:
        raise ParamError(f"“{FILTER_NAMES.get(name, name)}”最多可选 {MAX_VALUES} 项。")
    for value in values:
        if len(value) > MAX_VALUE_CHARS:
            raise ParamError(f"“{FILTER_NAMES.get(name, name)}”的取值过长(最多 {MAX_VALUE_CHARS} 个字)。")
    return list(dict.fromkeys(values))


def _int(args: MultiDict, name: str, label: str, default: int, lo: int, hi: int) -> int:
    raw = args.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ParamError(f"{label}必须是整数,而不是“{raw[:20]}”。") from None
    if not lo <= value <= hi:
        raise ParamError(f"{label}必须在 {lo} 到 {hi} 之间。")
    return value


@dataclass
class SearchParams:
    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    all_documents: bool = False  # also documents that are no governance case (all=1)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def search_kwargs(self) -> dict:
        return {name: self.filters.get(name) or None for name in SEARCH_FILTERS} | {"all_documents": self.all_documents}

    def query_string(self, **changes) -> str:
        """This search's URL query with some parameters replaced (``page=2``, ``theme=[...]``)."""
        data: dict = {"q": self.q, **self.filters, "per_page": self.per_page, "page": self.page}
        data["all"] = "1" if self.all_documents else ""
        data.update(changes)
        if data["per_page"] == DEFAULT_PER_PAGE:
            del data["per_page"]
        if data["page"] == 1:
            del data["page"]
        return urlencode({k: v for k, v in data.items() if v not in ("", [], None)}, doseq=True)


def search_params(args: MultiDict) -> SearchParams:
    q = args.get("q", "").strip()
    if len(q) > MAX_QUERY_CHARS:
        raise ParamError(f"搜索词太长了({len(q)} 个字),请不超过 {MAX_QUERY_CHARS} 个字。")
    return SearchParams(
        q=q,
        filters={name: _values(args, name) for name in SEARCH_FILTERS if _values(args, name)},
        page=_int(args, "page", "页码", 1, 1, MAX_PAGE),
        per_page=_int(args, "per_page", "每页条数", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE),
        all_documents=_flag(args, "all"),
    )


def _flag(args: MultiDict, name: str) -> bool:
    return args.get(name, "").strip().lower() in ("1", "on", "true", "yes")


@dataclass
class CompareParams:
    by: str = "case"
    cities: list[str] = field(default_factory=list)
    provinces: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    all_documents: bool = False  # also documents that are no governance case (all=1)
    page: int = 1  # of the page's tables; downloads and the chart hold every row

    def query_string(self) -> str:
        """The comparison's URL query, without the page (downloads and the chart hold every row)."""
        data = {"by": self.by, "city": self.cities, "province": self.provinces, "theme": self.themes}
        return urlencode(data | ({"all": "1"} if self.all_documents else {}), doseq=True)

    def page_query(self, page: int) -> str:
        return self.query_string() + (f"&page={page}" if page > 1 else "")

    def places(self, city_provinces: Mapping[str, str | None]) -> list[str] | None:
        """The places to compare at level ``by``; None for all.

        A chosen province stands for its cities when comparing cities, and a
        chosen city for its province when comparing provinces.
        ``city_provinces`` maps each stored city to its province.
        """
        if not self.cities and not self.provinces:
            return None
        if self.by not in ("city", "province"):  # cases, or finer places: those inside any chosen place
            return list(dict.fromkeys(self.cities + self.provinces))
        if self.by == "city":
            inside = [c for c, p in city_provinces.items() if p in self.provinces]
            # An empty list would mean "all places"; names of the other level select nothing instead.
            return list(dict.fromkeys(self.cities + inside)) or self.provinces
        outer = [p for c, p in city_provinces.items() if c in self.cities and p]
        return list(dict.fromkeys(self.provinces + outer)) or self.cities


def compare_params(args: MultiDict) -> CompareParams:
    by = args.get("by", "case").strip() or "case"
    if by not in COMPARE_BY:
        choices = "、".join(f"{name}({key})" for key, name in COMPARE_BY.items())
        raise ParamError(f"对比方式只能是按{choices}。")
    return CompareParams(
        by=by,
        cities=_values(args, "city"),
        provinces=_values(args, "province"),
        themes=_values(args, "theme"),
        all_documents=_flag(args, "all"),
        page=_int(args, "page", "页码", 1, 1, MAX_PAGE),
    )
