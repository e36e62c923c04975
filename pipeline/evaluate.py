"""Score extractions against hand-made gold files (corpus/gold/SCHEMA.md, "Scoring").

Pure functions over gold-schema dicts (what :mod:`pipeline.export` writes),
keyed by document stem. Per-field counts are computed per document and then
summed (micro-averaged).

Choices the schema leaves open, made here:

- Every matching is one-to-one and maximal (``scipy.optimize.linear_sum_assignment``
  over lexicographic weights): first as many *required* gold items as
  possible, then as many items at all, then the closest pairs (same ``approx``,
  similar text). This includes mechanisms: the schema does not say one-to-one
  for them, but otherwise a single short (“联动”) or run-on prediction could
  cover several gold names at once.
- A ratio with nothing to count (0/0) is 1.0: nothing to find and nothing
  claimed is not an error. The counts beside every ratio show when it is vacuous.
- A gold document missing from the predictions counts as all missed, including
  metadata fields whose gold value is null.
"""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from .kinds import RECORD_KINDS
from .resources import read_lines

FIELDS = ("figures", "changes", "mechanisms", "measures", "themes", "locations", "metadata", "profile")
LOCATION_FIELDS = ("province", "city", "district", "street", "community")
METADATA_FIELDS = ("title", "published", "source")
HEADING_SIMILARITY = 0.6
REL_TOLERANCE = 1e-6

# The schema names quotes, brackets and spaces as noise in names; the set is
# part of the scoring definition, not a vocabulary, so it lives here.
_NAME_NOISE = re.compile(r"[\s“”\"'‘’「」『』《》〈〉()()【】\[\]〔〕]")
# Traditional-script sources quote with 「」『』 where Simplified ones use “”‘’.
_CORNER_QUOTES = str.maketrans("「」『』", "“”‘’")
_EDGE_PUNCT = ".,;:!?。、…·-—"  # compared after NFKC, so half-width forms suffice

PairScore = tuple[bool, float] | None


# -- counts ----------------------------------------------------------------------------


def _ratio(num: int, den: int) -> float:
    return num / den if den else 1.0


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


class _Summable:
    """Dataclass mixin: field-wise addition, so document scores sum to corpus scores."""

    def __add__(self, other):
        values = {}
        for f in fields(self):
            a, b = getattr(self, f.name), getattr(other, f.name)
            if isinstance(a, dict):
                values[f.name] = {k: a.get(k, Accuracy()) + b.get(k, Accuracy()) for k in a.keys() | b.keys()}
            else:
                values[f.name] = a + b
        return type(self)(**values)


@dataclass
class Accuracy(_Summable):
    correct: int = 0
    n: int = 0

    @property
    def accuracy(self) -> float:
        return _ratio(self.correct, self.n)

    def to_dict(self) -> dict:
        return {"accuracy": self.accuracy, "correct": self.correct, "n": self.n}


@dataclass
class MatchCounts(_Summable):
    """Recall counts gold items, precision counts predictions; they can differ in
    size (optional gold items are outside recall, and for figures a prediction
    matching one is outside precision too)."""

    gold: int = 0
    gold_matched: int = 0
    predicted: int = 0
    predicted_matched: int = 0

    @property
    def precision(self) -> float:
        return _ratio(self.predicted_matched, self.predicted)

    @property
    def recall(self) -> float:
        return _ratio(self.gold_matched, self.gold)

    @property
    def f1(self) -> float:
        return _f1(self.precision, self.recall)

    def to_dict(self) -> dict:
        return {
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "tp": self.predicted_matched,
            "fp": self.predicted - self.predicted_matched,
            "fn": self.gold - self.gold_matched,
            "gold": self.gold,
            "predicted": self.predicted,
        }


@dataclass
class FigureScore(_Summable):
    counts: MatchCounts = field(default_factory=MatchCounts)
    left_out: int = 0  # predictions matching an optional gold figure
    approx: Accuracy = field(default_factory=Accuracy)

    def to_dict(self) -> dict:
        return {
            **self.counts.to_dict(),
            "left_out": self.left_out,
            "approx_accuracy": self.approx.accuracy,
            "approx_correct": self.approx.correct,
            "approx_n": self.approx.n,
        }


@dataclass
class MeasureScore(_Summable):
    counts: MatchCounts = field(default_factory=MatchCounts)
    kind: Accuracy = field(default_factory=Accuracy)

    def to_dict(self) -> dict:
        return {
            **self.counts.to_dict(),
            "kind_accuracy": self.kind.accuracy,
            "kind_correct": self.kind.correct,
            "kind_n": self.kind.n,
        }


@dataclass
class FieldAccuracy(_Summable):
    per_field: dict[str, Accuracy] = field(default_factory=dict)

    @property
    def overall(self) -> Accuracy:
        total = Accuracy()
        for acc in self.per_field.values():
            total = total + acc
        return total

    def to_dict(self) -> dict:
        return {**self.overall.to_dict(), "per_field": {k: self.per_field[k].to_dict() for k in sorted(self.per_field)}}


@dataclass
class ProfileScore(_Summable):
    """The case profile: per indicator, the chosen value where gold has one (``per_indicator``)
    and "未找到" where gold has none (``not_found``); and the case's place chain."""

    per_indicator: dict[str, Accuracy] = field(default_factory=dict)
    not_found: dict[str, Accuracy] = field(default_factory=dict)
    place: Accuracy = field(default_factory=Accuracy)

    @property
    def overall(self) -> Accuracy:
        total = Accuracy()
        for acc in self.per_indicator.values():
            total = total + acc
        return total

    def to_dict(self) -> dict:
        absent = Accuracy()
        for acc in self.not_found.values():
            absent = absent + acc
        return {
            **self.overall.to_dict(),
            "per_indicator": {k: self.per_indicator[k].to_dict() for k in sorted(self.per_indicator)},
            "not_found": {
                **absent.to_dict(),
                "per_indicator": {k: v.to_dict() for k, v in sorted(self.not_found.items())},
            },
            "place": self.place.to_dict(),
        }


@dataclass
class DocumentScore(_Summable):
    figures: FigureScore = field(default_factory=FigureScore)
    changes: MatchCounts = field(default_factory=MatchCounts)
    mechanisms: MatchCounts = field(default_factory=MatchCounts)
    measures: MeasureScore = field(default_factory=MeasureScore)
    themes: MatchCounts = field(default_factory=MatchCounts)
    locations: FieldAccuracy = field(default_factory=FieldAccuracy)
    metadata: FieldAccuracy = field(default_factory=FieldAccuracy)
    profile: ProfileScore = field(default_factory=ProfileScore)


@dataclass
class EvaluationReport:
    total: DocumentScore
    per_document: dict[str, DocumentScore]
    details: dict[str, dict[str, dict]]  # stem -> field -> {"scored", "missed", "spurious", ...}
    missing: list[str] = field(default_factory=list)  # gold stems with no prediction
    unscored: list[str] = field(default_factory=list)  # predicted stems with no gold
    clusters: dict | None = None  # NMI/ARI of practice clusters against gold first themes

    def to_dict(self) -> dict:
        out: dict[str, Any] = {name: getattr(self.total, name).to_dict() for name in FIELDS}
        if self.clusters is not None:
            out["clusters"] = self.clusters
        out["documents"] = {"scored": len(self.per_document), "missing": self.missing, "unscored": self.unscored}
        out["per_document"] = {
            stem: {name: {**getattr(score, name).to_dict(), **self.details[stem][name]} for name in FIELDS}
            for stem, score in self.per_document.items()
        }
        return out

    def render_table(self) -> str:
        rows: list[tuple[str, str, str, str, str]] = []

        def prf(label: str, c: MatchCounts, extra: str = "") -> None:
            counts = (
                f"tp={c.predicted_matched} fp={c.predicted - c.predicted_matched} fn={c.gold - c.gold_matched}{extra}"
            )
            rows.append((label, f"{c.precision:.3f}", f"{c.recall:.3f}", f"{c.f1:.3f}", counts))

        def acc(label: str, a: Accuracy) -> None:
            rows.append((label, "", "", f"{a.accuracy:.3f}", f"{a.correct}/{a.n}"))

        t = self.total
        prf("figures", t.figures.counts, f" left_out={t.figures.left_out}")
        acc("  approx", t.figures.approx)
        prf("changes", t.changes)
        prf("mechanisms", t.mechanisms)
        prf("measures", t.measures.counts)
        acc("  kind", t.measures.kind)
        prf("themes", t.themes)
        for name in ("locations", "metadata"):
            group: FieldAccuracy = getattr(t, name)
            acc(name, group.overall)
            for key in sorted(group.per_field):
                acc(f"  {key}", group.per_field[key])
        profile = t.profile
        if profile.per_indicator or profile.not_found:
            acc("profile (gold has a value)", profile.overall)
            for key in sorted(profile.per_indicator):
                acc(f"  {key}", profile.per_indicator[key])
            absent = Accuracy()
            for a in profile.not_found.values():
                absent = absent + a
            acc("  未找到 where gold has none", absent)
            acc("  place", profile.place)
        if self.clusters and self.clusters.get("measures"):
            c = self.clusters
            rows.append(
                (
                    "clusters",
                    "",
                    "",
                    f"{c['nmi']:.3f}",
                    f"NMI; ARI={c['ari']:.3f} over {c['measures']} matched measures, {c['clusters']} clusters",
                )
            )
        header = ("field", "P", "R", "F1/acc", "counts")
        widths = [max(len(r[i]) for r in (header, *rows)) for i in range(4)]
        lines = [
            "  ".join(c.ljust(w) for c, w in zip(r[:4], widths, strict=False)) + "  " + r[4] for r in (header, *rows)
        ]
        footer = f"{len(self.per_document)} documents scored"
        if self.missing:
            footer += f"; {len(self.missing)} without prediction: {', '.join(self.missing)}"
        if self.unscored:
            footer += f"; {len(self.unscored)} predictions without gold"
        return "\n".join([*lines, footer])


# The ratios the score ratchet (tests/expected_scores.json) keeps per field; counts
# are left out because they change whenever gold grows, ratios only when quality does.
RATCHET_METRICS: dict[str, tuple[str, ...]] = {
    "figures": ("precision", "recall", "approx_accuracy"),
    "changes": ("precision", "recall"),
    "mechanisms": ("precision", "recall"),
    "measures": ("precision", "recall", "kind_accuracy"),
    "themes": ("precision", "recall"),
    "locations": ("accuracy",),
    "metadata": ("accuracy",),
    "profile": ("accuracy", "not_found.accuracy", "place.accuracy"),
}
TOTAL_KEY = "(total)"


def flat_scores(report: EvaluationReport, digits: int = 4) -> dict[str, dict[str, float]]:
    """``{TOTAL_KEY or document stem: {"field.metric": ratio}}`` for the score ratchet.

    Per document only the fields its gold scores; locations and metadata also
    per level (``locations.city``), the profile per indicator, so a trade
    between two levels or indicators shows.
    """
    data = report.to_dict()

    def flatten(scores: dict, scored: Callable[[str], bool]) -> dict[str, float]:
        out: dict[str, float] = {}
        for name, metrics in RATCHET_METRICS.items():
            if not scored(name):
                continue
            for metric in metrics:
                value = scores[name]
                for key in metric.split("."):
                    value = value[key]
                out[f"{name}.{metric}"] = round(value, digits)
            levels = scores[name].get("per_field") or scores[name].get("per_indicator") or {}
            for level, acc in levels.items():
                out[f"{name}.{level}"] = round(acc["accuracy"], digits)
        return out

    flat = {TOTAL_KEY: flatten(data, lambda name: True)}
    for stem, doc in data["per_document"].items():
        flat[stem] = flatten(doc, lambda name, doc=doc: doc[name]["scored"])
    return flat


# -- normalization ---------------------------------------------------------------------


def _fold(text: str | None) -> str | None:
    """Full-width to half-width (NFKC), corner quotes as curly ones, no whitespace; empty becomes None."""
    if text is None:
        return None
    folded = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text)).translate(_CORNER_QUOTES))
    return folded or None


def name_key(name: str | None) -> str:
    """A mechanism name or heading as compared: no quotes, brackets, spaces or edge punctuation."""
    return _NAME_NOISE.sub("", unicodedata.normalize("NFKC", name or "")).strip(_EDGE_PUNCT)


@lru_cache(maxsize=1)
def _unit_table() -> tuple[dict[str, tuple[str, float]], tuple[tuple[str, float], ...]]:
    aliases: dict[str, tuple[str, float]] = {}
    prefixes: list[tuple[str, float]] = []
    for line in read_lines("eval_units.tsv"):
        kind, written, canonical, factor = line.split("\t")
        if kind == "alias":
            aliases[written] = (canonical, float(factor))
        else:
            prefixes.append((written, float(factor)))
    return aliases, tuple(sorted(prefixes, key=lambda p: -len(p[0])))


def normalize_quantity(value: float, unit: str | None) -> tuple[float, str]:
    """(value, unit) with multiplier prefixes and unit aliases folded: (2, "万元") -> (20000, "元")."""
    aliases, prefixes = _unit_table()
    unit = _fold(unit) or ""
    value = float(value)
    while True:
        if unit in aliases:
            canonical, factor = aliases[unit]
            return value * factor, canonical
        prefix = next((p for p in prefixes if unit.startswith(p[0]) and len(unit) > len(p[0])), None)
        if prefix is None:
            return value, unit
        unit, value = unit[len(prefix[0]) :], value * prefix[1]


def _same_number(a: Any, b: Any) -> bool:
    if not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
        return False
    return abs(a - b) <= REL_TOLERANCE * max(abs(a), abs(b))


def _same_quantity(gv: Any, gu: str | None, pv: Any, pu: str | None) -> bool:
    if not isinstance(gv, (int, float)) or not isinstance(pv, (int, float)):
        return False
    (gv, gu), (pv, pu) = normalize_quantity(gv, gu), normalize_quantity(pv, pu)
    return gu == pu and _same_number(gv, pv)


def _similarity(a: str | None, b: str | None) -> float:
    return difflib.SequenceMatcher(None, a or "", b or "", autojunk=False).ratio()


# -- matching --------------------------------------------------------------------------


def _assign(gold: list[dict], pred: list[dict], score: Callable[[dict, dict], PairScore]) -> list[tuple[int, int]]:
    """Maximum one-to-one matching, lexicographic in (required pairs, pairs, closeness).

    ``score(g, p)`` is None for an incompatible pair, else (gold is required,
    closeness in [0, 1]). The weights make each level outweigh every possible
    total of the levels below it, so one assignment solve gives the
    lexicographic optimum (greedy matching would not, for similarity matches).
    """
    if not gold or not pred:
        return []
    n = min(len(gold), len(pred))
    pair_w = n + 1.0  # > the sum of at most n closeness values
    required_w = (n + 1.0) * pair_w  # > n pairs' weight plus closeness
    weights = np.zeros((len(gold), len(pred)))
    for i, g in enumerate(gold):
        for j, p in enumerate(pred):
            s = score(g, p)
            if s is not None:
                weights[i, j] = required_w * s[0] + pair_w + min(max(s[1], 0.0), 1.0)
    rows, cols = linear_sum_assignment(weights, maximize=True)
    return [(int(i), int(j)) for i, j in zip(rows, cols, strict=False) if weights[i, j] > 0]


def _required(item: dict) -> bool:
    return item.get("required", True) is not False


def _num(value: Any) -> str:
    if isinstance(value, (int, float)):
        return f"{value:g}" if not float(value).is_integer() else str(int(value))
    return str(value)


def _figure_label(f: dict) -> str:
    approx = f.get("approx") or ""
    return f"{_num(f.get('value'))}{f.get('unit') or ''}{approx} | {f.get('text') or f.get('subject') or ''}"


def _change_label(c: dict) -> str:
    return f"{_num(c.get('from'))}->{_num(c.get('to'))}{c.get('unit') or ''} | {c.get('text') or ''}"


def _measure_label(m: dict) -> str:
    return f"[{m.get('kind')}] {m.get('heading')}"


# -- per-field scorers -----------------------------------------------------------------


def _score_figures(gold: list[dict], pred: list[dict]) -> tuple[FigureScore, dict]:
    def score(g: dict, p: dict) -> PairScore:
        if not _same_quantity(g.get("value"), g.get("unit"), p.get("value"), p.get("unit")):
            return None
        same_approx = (g.get("approx") or None) == (p.get("approx") or None)
        return _required(g), 0.5 * same_approx + 0.5 * _similarity(g.get("text"), p.get("text"))

    pairs = _assign(gold, pred, score)
    matched_gold = {i for i, _ in pairs}
    matched_pred = {j for _, j in pairs}
    required_hits = [(i, j) for i, j in pairs if _required(gold[i])]
    left_out = len(pairs) - len(required_hits)
    approx = Accuracy(
        sum((gold[i].get("approx") or None) == (pred[j].get("approx") or None) for i, j in pairs), len(pairs)
    )
    counts = MatchCounts(
        gold=sum(map(_required, gold)),
        gold_matched=len(required_hits),
        predicted=len(pred) - left_out,
        predicted_matched=len(required_hits),
    )
    details = {
        "missed": [_figure_label(g) for i, g in enumerate(gold) if i not in matched_gold and _required(g)],
        "spurious": [_figure_label(p) for j, p in enumerate(pred) if j not in matched_pred],
        "approx_errors": [
            f"{_figure_label(gold[i])}: predicted {pred[j].get('approx')}"
            for i, j in pairs
            if (gold[i].get("approx") or None) != (pred[j].get("approx") or None)
        ],
    }
    return FigureScore(counts, left_out, approx), details


def _score_changes(gold: list[dict], pred: list[dict]) -> tuple[MatchCounts, dict]:
    def score(g: dict, p: dict) -> PairScore:
        if not (
            _same_quantity(g.get("from"), g.get("unit"), p.get("from"), p.get("unit"))
            and _same_quantity(g.get("to"), g.get("unit"), p.get("to"), p.get("unit"))
        ):
            return None
        return True, _similarity(g.get("text"), p.get("text"))

    pairs = _assign(gold, pred, score)
    counts = MatchCounts(gold=len(gold), gold_matched=len(pairs), predicted=len(pred), predicted_matched=len(pairs))
    return counts, _unmatched(gold, pred, pairs, _change_label)


def _contains_either(a: str, b: str) -> bool:
    return bool(a) and bool(b) and (a in b or b in a)


def _score_mechanisms(gold: list[dict], pred: list[dict]) -> tuple[MatchCounts, dict]:
    def score(g: dict, p: dict) -> PairScore:
        gk, pk = name_key(g.get("name")), name_key(p.get("name"))
        return (_required(g), _similarity(gk, pk)) if _contains_either(gk, pk) else None

    pairs = _assign(gold, pred, score)
    counts = MatchCounts(
        gold=sum(map(_required, gold)),
        gold_matched=sum(_required(gold[i]) for i, _ in pairs),
        predicted=len(pred),
        predicted_matched=len(pairs),
    )
    details = _unmatched(gold, pred, pairs, lambda m: str(m.get("name")))
    details["missed"] = [str(g.get("name")) for g in _unmatched_items(gold, {i for i, _ in pairs}) if _required(g)]
    return counts, details


def _unmatched_items(items: list[dict], matched: set[int]) -> list[dict]:
    return [item for k, item in enumerate(items) if k not in matched]


def _unmatched(gold: list[dict], pred: list[dict], pairs: list[tuple[int, int]], label: Callable[[dict], str]) -> dict:
    return {
        "missed": [label(g) for g in _unmatched_items(gold, {i for i, _ in pairs})],
        "spurious": [label(p) for p in _unmatched_items(pred, {j for _, j in pairs})],
    }


def headings_match(gold_heading: str | None, predicted_heading: str | None) -> bool:
    """Equal, one containing the other, or difflib ratio >= 0.6, after name_key()."""
    g, p = name_key(gold_heading), name_key(predicted_heading)
    return _contains_either(g, p) or (bool(g) and bool(p) and _similarity(g, p) >= HEADING_SIMILARITY)


def _score_measures(gold: list[dict], pred: list[dict]) -> tuple[MeasureScore, MatchCounts, dict, dict]:
    def score(g: dict, p: dict) -> PairScore:
        if not headings_match(g.get("heading"), p.get("heading")):
            return None
        heading = _similarity(name_key(g.get("heading")), name_key(p.get("heading")))
        section = _similarity(name_key(g.get("section")), name_key(p.get("section")))
        return False, 0.8 * heading + 0.2 * section

    pairs = _assign(gold, pred, score)
    counts = MatchCounts(gold=len(gold), gold_matched=len(pairs), predicted=len(pred), predicted_matched=len(pairs))
    kind_pairs = [(gold[i], pred[j]) for i, j in pairs if gold[i].get("kind") is not None]
    kind = Accuracy(sum(g["kind"] == p.get("kind") for g, p in kind_pairs), len(kind_pairs))
    details = _unmatched(gold, pred, pairs, _measure_label)
    details["kind_errors"] = [
        f"{_measure_label(g)}: predicted {p.get('kind')}" for g, p in kind_pairs if g["kind"] != p.get("kind")
    ]

    themes = MatchCounts()
    theme_details: dict[str, list[str]] = {"missed": [], "spurious": []}
    for i, j in pairs:
        if "themes" not in gold[i]:
            continue
        g_labels, p_labels = set(gold[i]["themes"] or ()), set(pred[j].get("themes") or ())
        hit = len(g_labels & p_labels)
        themes = themes + MatchCounts(len(g_labels), hit, len(p_labels), hit)
        theme_details["missed"] += [f"{gold[i].get('heading')}: {t}" for t in sorted(g_labels - p_labels)]
        theme_details["spurious"] += [f"{gold[i].get('heading')}: {t}" for t in sorted(p_labels - g_labels)]
    return MeasureScore(counts, kind), themes, details, theme_details


def _primary(locations: Any) -> dict | None:
    if not locations:
        return None
    return next((loc for loc in locations if loc.get("primary")), locations[0])


def _score_locations(gold: dict, pred: dict | None) -> tuple[FieldAccuracy, dict]:
    g = _primary(gold.get("locations")) or {}
    p = _primary(pred.get("locations")) if pred else None
    result, errors = FieldAccuracy(), []
    for key in LOCATION_FIELDS:
        want = _fold(g.get(key))
        if want is None:
            continue
        got = _fold(p.get(key)) if p else None
        result.per_field[key] = Accuracy(int(want == got), 1)
        if want != got:
            errors.append(f"{key}: gold {want}, predicted {got}")
    return result, {"errors": errors}


def _score_metadata(gold: dict, pred: dict | None) -> tuple[FieldAccuracy, dict]:
    result, errors = FieldAccuracy(), []
    for key in METADATA_FIELDS:
        if key not in gold:
            continue
        want = _fold(gold[key])
        got = _fold(pred.get(key)) if pred else None
        ok = pred is not None and want == got
        result.per_field[key] = Accuracy(int(ok), 1)
        if not ok:
            errors.append(f"{key}: gold {want}, predicted {got if pred else '(no prediction)'}")
    return result, {"errors": errors}


def _place_chain(value: Any) -> str | None:
    """广东省/深圳市/… with repeats dropped (北京市/北京市 is one level written twice)."""
    if not value:
        return None
    parts = [p for p in (_fold(x) for x in str(value).split("/")) if p]
    return "/".join(dict.fromkeys(parts)) or None


def _profile_value_matches(gold: dict, pred: dict | None) -> bool:
    """Same quantity (units normalized); when gold gives a change, the same earlier value too."""
    if not pred:
        return False
    want, got = gold.get("value", gold.get("to")), pred.get("value", pred.get("to"))
    if want is None or got is None or not _same_quantity(want, gold.get("unit"), got, pred.get("unit")):
        return False
    if gold.get("from") is not None:
        return pred.get("from") is not None and _same_quantity(
            gold["from"], gold.get("unit"), pred["from"], pred.get("unit")
        )
    return True


def _score_profile(gold: dict, pred: dict | None) -> tuple[ProfileScore, dict]:
    result, errors = ProfileScore(), []
    predicted = (pred or {}).get("indicators") or {}
    for name, want in (gold.get("indicators") or {}).items():
        got = predicted.get(name)
        if want is None:
            result.not_found[name] = Accuracy(int(got is None), 1)
            if got is not None:
                errors.append(f"{name}: gold 未找到, predicted {_num(got.get('value'))}{got.get('unit') or ''}")
            continue
        ok = _profile_value_matches(want, got)
        result.per_indicator[name] = Accuracy(int(ok), 1)
        if not ok:
            shown = f"{_num(got.get('value'))}{got.get('unit') or ''}" if got else "未找到"
            errors.append(f"{name}: gold {_num(want.get('value'))}{want.get('unit') or ''}, predicted {shown}")
    want_place, got_place = _place_chain(gold.get("place")), _place_chain((pred or {}).get("place"))
    result.place = Accuracy(int(want_place == got_place), 1)
    if want_place != got_place:
        errors.append(f"place: gold {want_place}, predicted {got_place}")
    return result, {"errors": errors}


def score_document(predicted: dict | None, gold: dict) -> tuple[DocumentScore, dict[str, dict]]:
    """Score one document; ``predicted`` None means the document was not extracted at all.

    Returns the counts and, per field, debugging lists (missed, spurious …) and
    whether the field was scored (it is not when the gold file lacks it).
    """
    pred = predicted or {}
    score = DocumentScore()
    details: dict[str, dict] = {}

    def items(name: str) -> tuple[list[dict], list[dict]]:
        return list(gold.get(name) or ()), list(pred.get(name) or ())

    for kind in RECORD_KINDS:  # figures, changes, mechanisms: each kind's own scorer
        if kind.score is not None and kind.field in gold:
            counts, details[kind.field] = kind.score(*items(kind.field))
            setattr(score, kind.field, counts)
    if "measures" in gold:
        score.measures, score.themes, details["measures"], details["themes"] = _score_measures(*items("measures"))
    if "locations" in gold:
        score.locations, details["locations"] = _score_locations(gold, predicted)
    if "profile" in gold:
        score.profile, details["profile"] = _score_profile(gold["profile"], pred.get("profile"))
    metadata, metadata_details = _score_metadata(gold, predicted)
    if metadata.per_field:
        score.metadata, details["metadata"] = metadata, metadata_details
    for name in FIELDS:
        details[name] = {"scored": name in details, **details.get(name, {})}
    return score, details


def score_documents(predicted: dict[str, dict], gold: dict[str, dict]) -> EvaluationReport:
    """Score predictions against gold, both keyed by document stem (gold file stem).

    A gold document missing from ``predicted`` counts as all missed; predicted
    documents without gold are listed in ``unscored`` and not counted.
    """
    total = DocumentScore()
    per_document: dict[str, DocumentScore] = {}
    details: dict[str, dict[str, dict]] = {}
    for stem in sorted(gold):
        per_document[stem], details[stem] = score_document(predicted.get(stem), gold[stem])
        total = total + per_document[stem]
    return EvaluationReport(
        total=total,
        per_document=per_document,
        details=details,
        missing=sorted(set(gold) - set(predicted)),
        unscored=sorted(set(predicted) - set(gold)),
    )


def load_gold_dir(path: str | Path) -> dict[str, dict]:
    """Every ``*.json`` gold file of a directory, keyed by file stem.

    Raises:
        FileNotFoundError: the directory does not exist.
        ValueError: a file is not valid JSON or not a JSON object (the message names it).
    """
    directory = Path(path)
    if not directory.is_dir():
        raise FileNotFoundError(f"金标准目录不存在: {directory}")
    gold: dict[str, dict] = {}
    for file in sorted(directory.glob("*.json")):
        try:
            data = json.loads(file.read_text(encoding="utf-8-sig"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ValueError(f"金标准文件 {file} 不是有效的 JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise ValueError(f"金标准文件 {file} 的顶层应为 JSON 对象")
        gold[file.stem] = data
    # Our own annotations beside a reference gold that must stay a verbatim copy (the seeds' gold is
    # ../shared/gold): DIR/profile/STEM.json holds a document's profile block.
    for file in sorted((directory / "profile").glob("*.json")):
        if file.stem in gold:
            gold[file.stem] = {**gold[file.stem], **json.loads(file.read_text(encoding="utf-8-sig"))}
    return gold
