"""Training and leave-one-document-out scoring of the heading classifier (pipeline/extract/headings.py).

Labels come from the gold: a candidate line that is a gold measure's heading is a
``practice`` title, one that names a section (or a gold measure's group) is a
``section`` title, datelines, bylines and page chrome are ``chrome``, the rest
``body``. Gold measures that are no line of the text (a clause the annotator
picked out of an untitled paragraph) label nothing, so they teach the model no
made-up heading.
"""

from __future__ import annotations

import difflib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .extract.headings import CLASSES, MODEL_FILE, Candidate, HeadingModel, candidates, features, title_paragraphs
from .extract.lexicon import lexicon
from .records import Structure
from .themes_train import Dirs, _dirs, read_corpus

CARD_FILE = "heading_model.md"
REGULARIZATION = 1.0  # inverse strength C of the L2 penalty; 0.3–3 score within 0.01 LODO


@dataclass
class LabelledDocument:
    stem: str
    structure: Structure
    candidates: list[Candidate]
    labels: list[str]
    gold_measures: list[dict] = field(default_factory=list)
    title: str | None = None
    corpus: str = ""  # the gold directory it came from


def _norm(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum())


def _is_heading_of(candidate: str, heading: str) -> bool:
    a, b = _norm(candidate), _norm(heading)
    if not a or not b:
        return False
    if a == b:
        return True
    shorter, longer = sorted((a, b), key=len)
    if shorter in longer and len(shorter) >= 0.6 * len(longer):
        return True
    return difflib.SequenceMatcher(None, a, b).ratio() >= 0.8


def label_candidates(doc: Structure, items: list[Candidate], gold: dict) -> list[str]:
    measures = gold.get("measures") or []
    headings = [m["heading"] for m in measures if m.get("heading")]
    titled_lines = [h for h in headings if any(_is_heading_of(c.text, h) for c in items)]
    # A gold group whose measures are clauses picked out of untitled paragraphs (no line of the text
    # heads them) is, by SCHEMA.md, itself the sub-heading of one practice: it is labelled so.
    sections, untitled_groups = set(), set()
    for m in measures:
        if m.get("section"):
            (sections if m.get("heading") in titled_lines else untitled_groups).add(_norm(m["section"]))
    untitled_groups -= sections
    labels = []
    for c, f in zip(items, features(doc, items, lexicon()), strict=True):
        if any(_is_heading_of(c.text, h) for h in headings) or _norm(c.text) in untitled_groups:
            labels.append("practice")
        elif _norm(c.text) in sections or any(k.startswith("section_word=") for k in f):
            labels.append("section")
        elif f.get("byline") or f.get("chrome_cue") or f.get("caption_cue"):
            labels.append("chrome")
        else:
            labels.append("body")
    return labels


def labelled_documents(gold_dir: Dirs, corpus_dir: Dirs) -> list[LabelledDocument]:
    """Every gold document with measures that has a text in the corpus directories."""
    from .extract.metadata import title_text
    from .structure import build_structure

    texts = read_corpus(corpus_dir)
    out = []
    for corpus, path in sorted((str(d), p) for d in _dirs(gold_dir) for p in Path(d).glob("*.json")):
        gold = json.loads(path.read_text(encoding="utf-8"))
        if "measures" not in gold or path.stem not in texts:
            continue
        doc = build_structure(path.stem, texts[path.stem])
        title = title_text(doc)
        items = candidates(doc, skip=title_paragraphs(doc, title))
        labels = label_candidates(doc, items, gold)
        out.append(LabelledDocument(path.stem, doc, items, labels, gold["measures"], title, corpus))
    return out


def fit(docs: list[LabelledDocument]) -> HeadingModel:
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    lex = lexicon()
    x = [f for d in docs for f in features(d.structure, d.candidates, lex)]
    y = [label for d in docs for label in d.labels]
    vectorizer = DictVectorizer(sparse=True)
    matrix = vectorizer.fit_transform(x)
    # lbfgs on a convex loss: the same data give the same weights on every machine.
    model = LogisticRegression(C=REGULARIZATION, max_iter=5000, class_weight="balanced")
    model.fit(matrix, y)
    names = vectorizer.get_feature_names_out()
    weights, intercepts = [], []
    for row, intercept in zip(model.coef_, model.intercept_, strict=True):
        weights.append({str(n): round(float(w), 5) for n, w in zip(names, row, strict=True) if abs(w) > 1e-6})
        intercepts.append(round(float(intercept), 5))
    classes = [str(c) for c in model.classes_]
    return HeadingModel(classes, weights, intercepts)


def _f1(scores: dict) -> float:
    p, r = scores["precision"], scores["recall"]
    return 2 * p * r / (p + r) if p + r else 0.0


def _practice_scores(pairs: list[tuple[str, str]]) -> dict:
    tp = sum(1 for want, got in pairs if want == got == "practice")
    predicted = sum(1 for _, got in pairs if got == "practice")
    gold = sum(1 for want, _ in pairs if want == "practice")
    return {
        "precision": round(tp / predicted, 4) if predicted else 0.0,
        "recall": round(tp / gold, 4) if gold else 0.0,
        "tp": tp,
        "predicted": predicted,
        "gold": gold,
        "accuracy": round(sum(1 for w, g in pairs if w == g) / len(pairs), 4) if pairs else 0.0,
    }


def leave_one_document_out(docs: list[LabelledDocument]) -> dict:
    """Candidate-level scores of the practice class, each document predicted by a model trained without it."""
    pairs: list[tuple[str, str]] = []
    per_document = {}
    for held in docs:
        model = fit([d for d in docs if d is not held])
        predicted = [model.label(f) for f in features(held.structure, held.candidates, lexicon())]
        doc_pairs = list(zip(held.labels, predicted, strict=True))
        per_document[held.stem] = _practice_scores(doc_pairs)
        pairs += doc_pairs
    return {"practice": _practice_scores(pairs), "per_document": per_document}


THRESHOLDS = (0.3, 0.4, 0.5)  # P(practice) cut-offs tried; the best leave-one-document-out F1 is shipped


def measures_leave_one_document_out(docs: list[LabelledDocument], threshold: float = 0.5) -> dict:
    """Measure-level P/R (as ``govcase evaluate`` scores measures), each document read by a model trained without it."""
    from .analyze import document_context
    from .evaluate import MatchCounts, _score_measures
    from .export import _measure
    from .extract.measures import measures

    total = MatchCounts()
    per_document: dict[str, dict] = {}
    by_corpus: dict[str, MatchCounts] = {}
    for held in docs:
        model = fit([d for d in docs if d is not held])
        model.threshold = threshold
        ctx = document_context(held.structure, title=held.title)
        found = [_measure(m) for m in measures(ctx, heading_model=model) if m.titled]
        score = _score_measures(held.gold_measures, found)[0].counts
        per_document[held.stem] = {"gold": score.gold, "predicted": score.predicted, "matched": score.gold_matched}
        by_corpus[held.corpus] = by_corpus.get(held.corpus, MatchCounts()) + score
        total = total + score
    return {
        "precision": round(total.precision, 4),
        "recall": round(total.recall, 4),
        "gold": total.gold,
        "predicted": total.predicted,
        "matched": total.gold_matched,
        "per_document": per_document,
        "by_corpus": {
            k: {
                "precision": round(v.precision, 4),
                "recall": round(v.recall, 4),
                "gold": v.gold,
                "predicted": v.predicted,
            }
            for k, v in by_corpus.items()
        },
    }


@dataclass
class HeadingTrainReport:
    model_path: Path
    card_path: Path
    documents: int
    labels: dict[str, int]
    lodo: dict
    measures_lodo: dict[float, dict]  # by threshold: measure-level P/R as govcase evaluate scores them

    def __str__(self) -> str:
        p = self.lodo["practice"]
        m = self.measures_lodo[self.threshold]
        return (
            f"小标题模型已写入 {self.model_path}({self.documents} 篇文档,候选行 {sum(self.labels.values())} 个:"
            + "、".join(f"{k} {v}" for k, v in sorted(self.labels.items()))
            + f");留一文档验证 候选行 做法标题 P/R {p['precision']:.3f}/{p['recall']:.3f},"
            + f"做法(按评测规则)P/R {m['precision']:.3f}/{m['recall']:.3f},阈值 {self.threshold}"
        )

    @property
    def threshold(self) -> float:
        return max(self.measures_lodo, key=lambda t: (_f1(self.measures_lodo[t]), -abs(t - 0.5)))


def train(gold_dir: Dirs, corpus_dir: Dirs, out_dir: Path | str) -> HeadingTrainReport:
    out = Path(out_dir)
    docs = labelled_documents(gold_dir, corpus_dir)
    model = fit(docs)
    by_threshold = {t: measures_leave_one_document_out(docs, t) for t in THRESHOLDS}
    model.threshold = max(THRESHOLDS, key=lambda t: (_f1(by_threshold[t]), -abs(t - 0.5)))
    model_path = out / MODEL_FILE
    model_path.write_text(json.dumps(model.to_json(), ensure_ascii=False, indent=1, sort_keys=True) + "\n", "utf-8")
    lodo = leave_one_document_out(docs)
    labels = Counter(label for d in docs for label in d.labels)
    report = HeadingTrainReport(model_path, out / CARD_FILE, len(docs), dict(labels), lodo, by_threshold)
    report.card_path.write_text(_card(model, report, gold_dir, corpus_dir), encoding="utf-8")
    return report


def _card(model: HeadingModel, report: HeadingTrainReport, gold_dir: Dirs, corpus_dir: Dirs) -> str:
    practice = model.weights[model.classes.index("practice")]
    top = sorted(practice.items(), key=lambda kv: -kv[1])
    p = report.lodo["practice"]
    lines = [
        "# Heading classifier: model card",
        "",
        "Multinomial logistic regression (scikit-learn, lbfgs, L2, C="
        f"{REGULARIZATION}, balanced class weights) over named layout features of candidate lines "
        "and inline heads (pipeline/extract/headings.py). Classes: " + ", ".join(CLASSES) + ".",
        "",
        f"Trained on {report.documents} gold documents: "
        + ", ".join(str(d) for d in _dirs(gold_dir))
        + " (texts from "
        + ", ".join(str(d) for d in _dirs(corpus_dir))
        + "). Candidates by label: "
        + ", ".join(f"{k} {v}" for k, v in sorted(report.labels.items()))
        + ".",
        "",
        "## Leave-one-document-out (practice titles, candidate level)",
        "",
        f"precision {p['precision']:.3f}, recall {p['recall']:.3f} ({p['tp']} of {p['gold']} gold titles, "
        f"{p['predicted']} predicted); accuracy over all classes {p['accuracy']:.3f}.",
        "",
        "## Leave-one-document-out (measures, as `govcase evaluate` scores them)",
        "",
        "Each document's titled practices extracted with a model trained without it (enumerated items",
        "come from the structure, not from this model). Threshold on P(practice) chosen by F1 among "
        + ", ".join(map(str, THRESHOLDS))
        + f": {model.threshold}.",
        "",
        "| threshold | gold dir | precision | recall | gold | predicted |",
        "|---|---|---|---|---|---|",
        *(
            f"| {t} | {name} | {v['precision']:.3f} | {v['recall']:.3f} | {v['gold']} | {v['predicted']} |"
            for t, r in sorted(report.measures_lodo.items())
            for name, v in [*sorted(r["by_corpus"].items()), ("all", r)]
        ),
        "",
        "## Strongest features for `practice`",
        "",
        "| feature | weight |",
        "|---|---|",
        *(f"| {name} | {weight:+.2f} |" for name, weight in top[:12]),
        "",
        "## Strongest features against `practice`",
        "",
        "| feature | weight |",
        "|---|---|",
        *(f"| {name} | {weight:+.2f} |" for name, weight in top[-10:][::-1]),
        "",
        "Rebuild: `make models` (both shipped models, from the gold directories above).",
        "",
    ]
    return "\n".join(lines)
