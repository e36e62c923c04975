"""The one loader of the word lists and tables under ``corpus/``: every file is read and checked here.

Each shipped list file has a :class:`Spec` in :data:`FILES` that says how its lines split and
what makes it wrong: a wrong number of columns, an unknown kind or section, an entry listed
twice, an entry under two kinds whose lists must be disjoint, a pattern that does not compile.
An error names the file and the line (``corpus/hedges.txt:12: …``), in Chinese first, since the
staff who extend these files read it. ``tests/test_vocabulary.py`` runs every loader over every
shipped file.

Three shapes of file:

- ``lines``: one entry a line (``words``), or a pattern a line (``regex=True``);
- ``sections``: ``[name]`` lines open a section, one entry a line below (``sections``);
- ``columns``: fields split by ``sep`` (a tab, or any whitespace when ``sep`` is None), field
  ``kind_column`` a kind when ``kinds`` is set; with ``spread=True`` every field after the kind
  is one entry of that kind (``practice 建立 建成 …``).

Lines are stripped; empty lines and lines starting with ``#`` are comments.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .records import SECTION_KINDS
from .resources import data_dir, data_path


class VocabularyError(ValueError):
    """A mistake in a data file, at a line (0: the file as a whole)."""

    def __init__(self, path: Path | str, line: int, message: str) -> None:
        self.path, self.line, self.message = Path(path), line, message
        super().__init__(f"{self.path}:{line}: {message}")


@dataclass(frozen=True)
class Spec:
    """How a file's lines read, and which mistakes to report."""

    shape: str = "lines"  # lines | sections | columns
    regex: bool = False  # entries (lines, sections) are patterns
    sep: str | None = "\t"  # columns: the field separator; None splits on any whitespace
    columns: tuple[int, int] = (1, 1)  # columns: fewest and most fields a row may have
    kinds: tuple[str, ...] = ()  # the section names, or the values the kind column may take
    kind_column: int = 0  # columns: which field is the kind (when ``kinds`` or ``spread`` is set)
    spread: bool = False  # columns: every field after the kind is one entry of that kind
    key: tuple[int, ...] = (0,)  # columns: the fields (of the row, kind included) unique within a kind
    disjoint: tuple[str, ...] = ()  # kinds (sections) that may not share an entry
    characters: tuple[str, ...] = ()  # kinds (sections) whose entries are single characters
    includes: tuple[str, ...] = ()  # word lists a pattern may name as {file.txt}: their alternation


_WORDS = Spec()
_VERB_KINDS = ("practice", "opinion", "modal")
_CUE_KINDS = ("whole", "part", "plan", "own", "lever")
_OTHER_CUE_KINDS = ("facts", "example", "generic", "group", "single", "facility", "everyone", "minimum")
_SECTION_KINDS = (*SECTION_KINDS, "filler")
_UNIT_CATEGORIES = (
    "count",
    "money",
    "area",
    "length",
    "weight",
    "percent",
    "duration",
    "ratio",
    "age",
    "points",
    "pieces",
    "implied",
)
_PATTERNS = Spec(regex=True)

# Every list file the pipeline reads, with its shape. themes.json (a taxonomy) is checked by
# pipeline/themes.py; reports/, gold/ and relevance/ hold documents, not lists.
FILES: dict[str, Spec] = {
    "boilerplate.txt": Spec(
        "sections",
        regex=True,
        kinds=("keep", "dateline", "drop", "tail", "nav"),
        includes=("source_markers.txt", "date_labels.txt"),
    ),
    "byline_words.txt": Spec(
        "sections", kinds=("outlet", "rank", "reporter", "photo_credit", "wechat_tag"), disjoint=("outlet", "rank")
    ),
    "caption_endings.txt": _WORDS,
    "caption_markers.txt": _WORDS,
    "change_words.txt": Spec(
        "sections", kinds=("verb", "link", "lead_in"), disjoint=("verb", "link", "lead_in"), characters=("link",)
    ),
    "date_labels.txt": _WORDS,
    "enum_markers.txt": Spec("columns", sep=None, columns=(3, 8)),
    "eval_units.tsv": Spec("columns", columns=(4, 4), kinds=("alias", "prefix"), key=(1,)),
    "figure_words.txt": Spec(
        "sections",
        kinds=(
            "estate_end",
            "whole_before_estate",
            "building_unit",
            "not_before_half",
            "link_tail",
            "tenths_blocker",
            "tenths_before",
            "tenths_after",
        ),
        disjoint=("tenths_before", "tenths_after"),
        characters=("whole_before_estate", "not_before_half", "tenths_blocker"),
    ),
    # Divisions (P C D) by code and name, streets (S) by their district, renames (R) by old name.
    "gazetteer.tsv": Spec("columns", columns=(3, 5), kinds=("P", "C", "D", "S", "R"), key=(1, 2)),
    "heading_chrome.txt": _PATTERNS,
    "hedges.txt": Spec("columns", columns=(3, 3), kinds=("pre", "mid", "post"), kind_column=1),
    "indicators.tsv": Spec("columns", columns=(4, 6), key=(0, 3)),
    "jurisdiction_reports.txt": _WORDS,
    "list_markers.txt": _PATTERNS,
    "mechanism_context.txt": _WORDS,
    "mechanism_heads.txt": _WORDS,
    "mechanism_clause_verbs.txt": _WORDS,
    "mechanism_joins.txt": _WORDS,
    "mechanism_reject.txt": Spec("sections", regex=True, kinds=("any", "unquoted")),
    "mechanism_stop.txt": _WORDS,
    "mechanism_suffixes.txt": _WORDS,
    "mechanism_triggers.txt": _WORDS,
    "mechanism_adherence.txt": _WORDS,
    "mechanisms.txt": _WORDS,
    "outlook_words.txt": Spec(
        "sections",
        kinds=("opener", "opener_if_next", "next"),
        disjoint=("opener", "opener_if_next"),
        characters=("next",),
    ),
    "page_chrome.txt": _WORDS,
    "place_words.tsv": Spec(
        "columns",
        columns=(2, 3),
        kinds=(
            "street",
            "community",
            "continuation",
            "boundary",
            "generic",
            "common",
            "not_before_village",
            "division_end",
            "conjunction",
        ),
        key=(1,),
        disjoint=("street", "community"),
        characters=("not_before_village", "division_end", "conjunction"),
    ),
    "practice_verbs.txt": Spec(
        "columns", sep=None, columns=(2, 999), kinds=_VERB_KINDS, spread=True, disjoint=_VERB_KINDS
    ),
    # whole, part, plan, own and lever exclude each other; facts words may also be whole words
    # (共有, 下辖), and the other kinds are lists of their own (title words, indicators).
    "profile_cues.tsv": Spec(
        "columns", columns=(2, 2), kinds=(*_CUE_KINDS, *_OTHER_CUE_KINDS), key=(1,), disjoint=_CUE_KINDS
    ),
    "relevance_vocabulary.tsv": Spec(
        "columns",
        columns=(2, 2),
        kinds=("governance", "policy", "national", "other_news", "emergency", "market", "campaign"),
        key=(1,),
        disjoint=("governance", "policy", "national", "other_news", "emergency", "market", "campaign"),
    ),
    "roundup_markers.txt": _WORDS,
    "section_headings.txt": Spec(
        "columns", sep=None, columns=(2, 999), kinds=_SECTION_KINDS, spread=True, disjoint=_SECTION_KINDS
    ),
    "source_markers.txt": _WORDS,
    "source_org_endings.txt": _WORDS,
    "title_skip_markers.txt": _WORDS,
    # A form has one category; a subject word (implied) may also be a unit (人次).
    "units.txt": Spec("columns", columns=(3, 4), kinds=_UNIT_CATEGORIES, kind_column=2, disjoint=_UNIT_CATEGORIES[:-1]),
    "userdict.txt": Spec("columns", sep=None, columns=(1, 3)),
}


_REGISTER = ";新的类别或分节请登记在 pipeline/vocabulary.py 的 FILES 中"
_UNREGISTERED = "未登记的数据文件:请在 pipeline/vocabulary.py 的 FILES 中说明其格式"


@dataclass(frozen=True)
class Row:
    """One non-comment line: its number in the file, its kind (section or first column), its fields."""

    line: int
    kind: str | None
    fields: tuple[str, ...]


def _numbered(path: Path) -> Iterable[tuple[int, str]]:
    for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), 1):
        line = line.strip()
        if line and not line.startswith("#"):
            yield number, line


def parse(path: Path, spec: Spec) -> tuple[list[Row], list[VocabularyError]]:
    """The rows of ``path`` read by ``spec``, and every mistake found (all of them, in line order)."""
    rows: list[Row] = []
    errors: list[VocabularyError] = []
    section: str | None = None
    included = {}
    for name in spec.includes:
        listed, more = parse(path.parent / name, FILES[name])
        errors.extend(more)
        included["{" + name + "}"] = "(?:" + "|".join(re.escape(row.fields[0]) for row in listed) + ")"
    for number, line in _numbered(path):
        for placeholder, alternation in included.items():
            line = line.replace(placeholder, alternation)
        if spec.shape == "sections" and line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            if spec.kinds and section not in spec.kinds:
                errors.append(
                    VocabularyError(
                        path,
                        number,
                        f"未知的分节 [{section}](可用:{'、'.join(spec.kinds)}){_REGISTER}",
                    )
                )
            continue
        if spec.shape == "sections":
            if section is None:
                errors.append(VocabularyError(path, number, f"条目“{line}”不在任何 [分节] 之下"))
                continue
            rows.append(Row(number, section, (line,)))
        elif spec.shape == "columns":
            fields = tuple(line.split(spec.sep)) if spec.sep else tuple(line.split())
            low, high = spec.columns
            if not low <= len(fields) <= high:
                wanted = str(low) if low == high else f"{low}–{high}"
                errors.append(VocabularyError(path, number, f"应有 {wanted} 列,实有 {len(fields)} 列:“{line}”"))
                continue
            kind = fields[spec.kind_column] if spec.kinds or spec.spread else None
            if spec.kinds and kind not in spec.kinds:
                errors.append(
                    VocabularyError(
                        path,
                        number,
                        f"未知的类别“{kind}”(可用:{'、'.join(spec.kinds)}){_REGISTER}",
                    )
                )
                continue
            rows.append(Row(number, kind, fields[1:] if spec.spread else fields))
        else:
            rows.append(Row(number, None, (line,)))
    errors.extend(_check_entries(path, spec, rows))
    return rows, sorted(errors, key=lambda e: (e.path != path, str(e.path), e.line))


def _entries(spec: Spec, row: Row) -> list[str]:
    """What must be unique in a row: each field of a spread row, else the key fields."""
    if spec.shape != "columns":
        return [row.fields[0]]
    if spec.spread:
        return list(row.fields)
    return ["\t".join(row.fields[i] for i in spec.key if i < len(row.fields))]


def _check_entries(path: Path, spec: Spec, rows: list[Row]) -> list[VocabularyError]:
    errors = []
    seen: dict[tuple[str | None, str], int] = {}
    kind_of: dict[str, tuple[str, int]] = {}
    for row in rows:
        if spec.regex:
            for pattern in row.fields:
                try:
                    re.compile(pattern)
                except re.error as exc:
                    errors.append(VocabularyError(path, row.line, f"正则表达式无效:“{pattern}”({exc})"))
        if row.kind in spec.characters and len(row.fields[-1]) != 1:
            errors.append(VocabularyError(path, row.line, f"[{row.kind}] 中每行只能写一个字:“{row.fields[-1]}”"))
        for entry in _entries(spec, row):
            first = seen.setdefault((row.kind, entry), row.line)
            if first != row.line:
                where = f"[{row.kind}] 中" if row.kind else ""
                errors.append(VocabularyError(path, row.line, f"“{entry}”{where}重复(第 {first} 行已有)"))
            if row.kind in spec.disjoint:
                other = kind_of.setdefault(entry, (row.kind, row.line))
                if other[0] != row.kind:
                    message = f"“{entry}”同时属于 {other[0]}(第 {other[1]} 行)和 {row.kind},这两类不能重叠"
                    errors.append(VocabularyError(path, row.line, message))
    return errors


def check(name: str, directory: Path | None = None) -> list[VocabularyError]:
    """Every mistake in the data file ``name`` (in ``directory``, else the data directory)."""
    path = (directory or data_dir()) / name
    spec = FILES.get(name)
    if spec is None:
        return [VocabularyError(path, 0, _UNREGISTERED)]
    if not path.exists():
        return [VocabularyError(path, 0, "数据文件缺失")]
    return parse(path, spec)[1]


def check_all(directory: Path | None = None) -> list[VocabularyError]:
    """Every mistake in every list file of ``directory`` (the data directory): registered or not."""
    directory = directory or data_dir()
    names = sorted(set(FILES) | {p.name for p in directory.iterdir() if p.suffix in {".txt", ".tsv"}})
    return [error for name in names for error in check(name, directory)]


@cache
def rows(name: str) -> tuple[Row, ...]:
    """The rows of a registered data file.

    Raises:
        VocabularyError: the file breaks its spec; the message lists every mistake, one a line.
    """
    path = data_path(name)
    if name not in FILES:
        raise VocabularyError(path, 0, _UNREGISTERED)
    parsed, errors = parse(path, FILES[name])
    if errors:
        raise VocabularyError(path, errors[0].line, "\n".join(str(e) for e in errors))
    return tuple(parsed)


@cache
def lines(name: str) -> tuple[str, ...]:
    """The checked, non-comment lines of a data file as written (stripped)."""
    rows(name)  # raises on a mistake
    return tuple(line for _, line in _numbered(data_path(name)))


@cache
def words(name: str) -> tuple[str, ...]:
    """The entries of a one-entry-a-line file, in file order."""
    return tuple(row.fields[0] for row in rows(name))


@cache
def sections(name: str) -> dict[str, tuple[str, ...]]:
    """Entries per section (or per kind) in file order; every declared kind is present (shared: do not change)."""
    spec = FILES[name]
    found: dict[str, list[str]] = {kind: [] for kind in spec.kinds}
    for row in rows(name):
        if spec.shape != "columns" or spec.spread:
            entries = row.fields
        else:  # the first field besides the kind
            entries = row.fields[1:2] if spec.kind_column == 0 else row.fields[:1]
        found.setdefault(row.kind or "", []).extend(entries)
    return {kind: tuple(entries) for kind, entries in found.items()}


# -- views derived from one file, so that no module repeats a list another file holds -----------
@cache
def approx_positions() -> dict[str, str]:
    """approx label → where it is written: pre (约400), mid (1.3万多人), post (96.5%以上).

    The position of the hedge in hedges.txt that is written as its own label.
    """
    return {row.fields[2]: row.fields[1] for row in rows("hedges.txt") if row.fields[0] == row.fields[2]}
