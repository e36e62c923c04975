"""Training and leave-one-document-out scoring of the title model (pipeline/extract/titles.py).

Every opening line of a gold document is a candidate; the line whose headline is
the gold title (compared as ``govcase evaluate`` compares titles: NFKC, no
spaces) is the positive one. A document whose gold title is null (an untitled
brief) teaches that no line is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .binary_training import card_tail, fit_binary, strictest_within_one_se
from .evaluate import _fold
from .extract.metadata import _headline, _lines
from .extract.titles import MAX_LINES, MODEL_FILE, TitleModel, candidates, choose
from .themes_train import Dirs, _dirs, read_corpus

CARD_FILE = "title_model.md"
REGULARIZATION = 1.0  # inverse strength C of the L2 penalty
THRESHOLDS = (0.1, 0.2, 0.3, 0.4, 0.5)  # P(headline) below which a page is taken as untitled


@dataclass
class LabelledPage:
    stem: str
    corpus: str
    lines: list[str]
    gold_title: str | None
    features: list[dict[str, float]] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)


def _is_title(line: str, gold: str | None) -> bool:
    got, want = _fold(_headline(0, len(line), line)[0]), _fold(gold)
    if not got or not want:
        return False
    # A headline printed over two lines: its first line is the one to choose.
    return got == want or (want.startswith(got) and len(got) >= 0.5 * len(want))


def labelled_pages(gold_dir: Dirs, corpus_dir: Dirs) -> list[LabelledPage]:
    """Every document of the gold directories whose gold gives a title (null included) and whose text is
    in the corpus directories; a stem seen once is not read again."""
    from .structure import build_structure

    texts = read_corpus(corpus_dir)
    out, seen = [], set()
    for corpus, path in sorted((str(d), p) for d in _dirs(gold_dir) for p in Path(d).glob("*.json")):
        gold = json.loads(path.read_text(encoding="utf-8"))
        if "title" not in gold or path.stem not in texts or path.stem in seen:
            continue
        seen.add(path.stem)
        doc = build_structure(path.stem, texts[path.stem])
        lines = [text for _, _, text in _lines(doc)[: MAX_LINES + 1]]
        page = LabelledPage(path.stem, corpus, lines, gold["title"])
        for i, feats in candidates(lines):
            page.features.append(feats)
            page.labels.append(int(_is_title(lines[i], gold["title"])))
        out.append(page)
    return out


def fit(pages: list[LabelledPage]) -> TitleModel:
    return fit_binary([f for p in pages for f in p.features], [y for p in pages for y in p.labels], REGULARIZATION)


def predicted_title(page: LabelledPage, model: TitleModel) -> str | None:
    found = choose(page.lines, model=model)
    if found is None:
        return None
    line = page.lines[found[0]]
    return _headline(0, len(line), line)[0]


def _accuracy(pages: list[LabelledPage], models: dict[str, TitleModel], threshold: float) -> dict:
    right, by_corpus = 0, {}
    for page in pages:
        model = models[page.stem]
        model = model.with_threshold(threshold)
        ok = _fold(predicted_title(page, model)) == _fold(page.gold_title)
        right += ok
        hits, total = by_corpus.get(page.corpus, (0, 0))
        by_corpus[page.corpus] = (hits + ok, total + 1)
    return {
        "accuracy": round(right / len(pages), 4) if pages else 0.0,
        "documents": len(pages),
        "by_corpus": {k: {"accuracy": round(h / n, 4), "documents": n} for k, (h, n) in by_corpus.items()},
    }


def leave_one_document_out(pages: list[LabelledPage]) -> dict[float, dict]:
    """By threshold: title accuracy (as ``govcase evaluate`` scores titles), each page read by a model
    trained without it."""
    models = {held.stem: fit([p for p in pages if p is not held]) for held in pages}
    return {t: _accuracy(pages, models, t) for t in THRESHOLDS}


def held_out(train_pages: list[LabelledPage], test_pages: list[LabelledPage], threshold: float) -> dict:
    model = fit(train_pages)
    return _accuracy(test_pages, {p.stem: model for p in test_pages}, threshold)


def choose_threshold(lodo: dict[float, dict]) -> float:
    """The highest threshold whose leave-one-document-out accuracy is within one standard error of the
    best (binary_training.strictest_within_one_se): at 0.1 an untitled brief took its first sentence
    (外交部发言人表示,……。) for a title, one document in 629 better than 0.3."""
    best = max(lodo.values(), key=lambda s: s["accuracy"])
    return strictest_within_one_se({t: lodo[t]["accuracy"] for t in THRESHOLDS}, best["documents"])


@dataclass
class TitleTrainReport:
    model_path: Path
    card_path: Path
    documents: int
    candidates: int
    lodo: dict[float, dict]
    threshold: float

    def __str__(self) -> str:
        return (
            f"标题识别模型已写入 {self.model_path}({self.documents} 篇文档,候选行 {self.candidates} 个);"
            f"留一文档验证 标题准确率 {self.lodo[self.threshold]['accuracy']:.3f},阈值 {self.threshold}"
        )


def train(gold_dir: Dirs, corpus_dir: Dirs, out_dir: Path | str) -> TitleTrainReport:
    out = Path(out_dir)
    pages = labelled_pages(gold_dir, corpus_dir)
    lodo = leave_one_document_out(pages)
    threshold = choose_threshold(lodo)
    fitted = fit(pages)
    model = fitted.with_threshold(threshold)
    model_path = out / MODEL_FILE
    model.save(model_path)
    report = TitleTrainReport(
        model_path, out / CARD_FILE, len(pages), sum(len(p.labels) for p in pages), lodo, threshold
    )
    report.card_path.write_text(_card(model, report, gold_dir, corpus_dir), encoding="utf-8")
    return report


def _card(model: TitleModel, report: TitleTrainReport, gold_dir: Dirs, corpus_dir: Dirs) -> str:
    lines = [
        "# Title model: model card",
        "",
        f"Binary logistic regression (scikit-learn, lbfgs, L2, C={REGULARIZATION}) over named features of the",
        f"first {MAX_LINES} lines of a page (pipeline/extract/titles.py); the line of highest probability is the",
        "headline when it reaches the threshold, else the page is untitled. Page metadata (an HTML <title>)",
        "still wins when ingest found it.",
        "",
        f"Trained on {report.documents} gold documents with a title field: "
        + ", ".join(str(d) for d in _dirs(gold_dir))
        + " (texts from "
        + ", ".join(str(d) for d in _dirs(corpus_dir))
        + f"); {report.candidates} candidate lines.",
        "",
        "## Leave-one-document-out (title accuracy, as `govcase evaluate` scores titles)",
        "",
        f"Shipped threshold: {report.threshold} (the highest within one standard error of the best accuracy).",
        "",
        "| threshold | gold dir | accuracy | documents |",
        "|---|---|---|---|",
    ]
    for threshold, scores in report.lodo.items():
        lines.append(f"| {threshold} | all | {scores['accuracy']:.3f} | {scores['documents']} |")
        for corpus, s in sorted(scores["by_corpus"].items()):
            lines.append(f"| {threshold} | {corpus} | {s['accuracy']:.3f} | {s['documents']} |")
    lines += card_tail(model, "the headline", "titles", 12)
    return "\n".join(lines)
