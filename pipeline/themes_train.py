"""Training the theme model: gold measures and weak labels from the corpus, leave-one-document-out, the card.

The model itself (taxonomy, seed evidence, scoring, the shipped weights) is :mod:`pipeline.themes`;
this module builds its training set and writes ``models/theme_model.npz``, its sidecar and the
model card (``govcase train``). Weak examples are corpus sentences labelled by their seed terms
(:func:`weak_examples`); gold measures get their text back from the corpus around each heading.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np

from .resources import models_dir
from .themes import (
    CLASSIFIER_WEIGHT,
    MODEL_FILE,
    RANDOM_STATE,
    SECOND_THEME_FLOOR,
    SECOND_THEME_RATIO,
    SeedScorer,
    Taxonomy,
    ThemeModel,
    load_default_model,
    load_taxonomy,
    measure_text,
)

CARD_FILE = "README.md"
# Weak labels: a corpus sentence is a training example for theme t when it
# holds at least WEAK_MIN_HITS seed matches of t and at least WEAK_MARGIN times
# the matches of any other theme.
WEAK_MIN_HITS = 2
WEAK_MARGIN = 2.0
WEAK_MIN_CHARS = 15


# ---------------------------------------------------------------- training data


@dataclass
class GoldMeasure:
    doc_id: str
    heading: str
    text: str  # the measure's recovered body (heading included)
    themes: list[str]


Dirs = Path | str | Sequence[Path | str]  # one directory or several


def _dirs(dirs: Dirs) -> list[Path]:
    return [Path(dirs)] if isinstance(dirs, (str, Path)) else [Path(d) for d in dirs]


def read_corpus(corpus_dir: Dirs) -> dict[str, str]:
    """Normalized text of every case report in ``corpus_dir`` (one or more directories), by file stem.

    Every format and encoding the ingest reader takes (a GB18030 .txt included).
    """
    from .ingest.normalize import normalize
    from .ingest.read import SUPPORTED_EXTENSIONS, read_path

    texts = {}
    for directory in _dirs(corpus_dir):
        for path in sorted(directory.iterdir()):
            if path.suffix.lower() in SUPPORTED_EXTENSIONS:
                texts[path.stem] = normalize(read_path(path).text).text
    return texts


def gold_measures(gold_dir: Dirs, corpus_dir: Dirs | dict[str, str]) -> list[GoldMeasure]:
    """Gold measures with their full text recovered from the corpus (directories, or texts by stem)."""
    texts = corpus_dir if isinstance(corpus_dir, dict) else read_corpus(corpus_dir)
    out = []
    for path in sorted(p for directory in _dirs(gold_dir) for p in directory.glob("*.json")):
        gold = json.loads(path.read_text(encoding="utf-8"))
        doc_id = gold.get("doc_id") or path.stem
        if doc_id not in texts:
            continue
        rows = [m for m in gold.get("measures", []) if m.get("themes")]
        bodies = _recover_bodies(doc_id, texts[doc_id], [m["heading"] for m in rows])
        out += [
            GoldMeasure(doc_id, m["heading"], body, list(m["themes"])) for m, body in zip(rows, bodies, strict=False)
        ]
    return out


def _recover_bodies(doc_id: str, text: str, headings: list[str]) -> list[str]:
    extracted = _extracted_bodies(doc_id, text, headings)
    return extracted if extracted is not None else _local_bodies(text, headings)


def _similar(a: str, b: str) -> bool:
    a, b = _squash(a), _squash(b)
    return bool(a and b) and (a in b or b in a or difflib.SequenceMatcher(None, a, b).ratio() >= 0.6)


def _squash(s: str) -> str:
    return re.sub(r"[\s“”‘’\"'《》()()]", "", s)


def _extracted_bodies(doc_id: str, text: str, headings: list[str]) -> list[str] | None:
    """Bodies from the project's measure extractor, when it finds every gold heading."""
    from .analyze import document_context
    from .extract.measures import measures as extract_measures
    from .structure import build_structure

    found = list(extract_measures(document_context(build_structure(doc_id, text))))
    bodies = []
    for heading in headings:
        match = next((m for m in found if _similar(m.heading, heading)), None)
        if match is None:
            return None
        bodies.append(match.text)
    return bodies


def _local_bodies(text: str, headings: list[str]) -> list[str]:
    """Fallback: locate each heading and read on to the next heading or the end of its paragraph.

    A heading standing alone on its line (成效 items) takes the following
    paragraph too. Headings that are paraphrases are placed at the sentence
    sharing most characters with them.
    """
    starts = [_locate(text, h) for h in headings]
    bodies = []
    for i, start in enumerate(starts):
        later = [s for s in starts if s > start]
        stop = min(later) if later else len(text)
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        if end - start < len(headings[i]) + 20:
            nxt = text.find("\n", end + 1)
            while nxt >= 0 and not text[end:nxt].strip():
                nxt = text.find("\n", nxt + 1)
            end = len(text) if nxt < 0 else nxt
        bodies.append(text[start : min(end, stop)].strip())
    return bodies


def _locate(text: str, heading: str) -> int:
    pos = text.find(heading)
    if pos >= 0:
        return pos
    best, best_score = 0, -1.0
    wanted = set(_squash(heading))
    for match in re.finditer(r"[^。!?;\n]+", text):
        score = len(wanted & set(match.group())) / (len(wanted) or 1)
        if score > best_score:
            best, best_score = match.start(), score
    return best


def weak_examples(
    texts: dict[str, str], scorer: SeedScorer, *, exclude: Iterable[str] = ()
) -> list[tuple[str, str, str]]:
    """(doc_id, sentence, theme) for sentences whose seed evidence points at one theme.

    Rule: the top theme has >= WEAK_MIN_HITS seed matches and >= WEAK_MARGIN
    times the matches of the runner-up; sentences under WEAK_MIN_CHARS
    characters are skipped.
    """
    skip = set(exclude)
    out = []
    for doc_id, text in texts.items():
        if doc_id in skip:
            continue
        sentences = [s.strip() for s in re.split(r"(?<=[。!?;])|\n", text) if len(s.strip()) >= WEAK_MIN_CHARS]
        if not sentences:
            continue
        counts = scorer.counts(sentences)
        for sentence, row in zip(sentences, counts, strict=False):
            order = np.argsort(-row, kind="stable")
            top, runner = row[order[0]], row[order[1]]
            if top >= WEAK_MIN_HITS and top >= WEAK_MARGIN * runner:
                out.append((doc_id, sentence, scorer.names[order[0]]))
    return out


# ---------------------------------------------------------------- train and score


@dataclass
class TrainReport:
    model_path: Path
    card_path: Path
    gold_measures: int
    weak_examples: int
    prototypes: int
    lodo: dict = field(default_factory=dict)

    def __str__(self) -> str:
        m = self.lodo.get("micro", {})
        return (
            f"主题模型已写入 {self.model_path}\n"
            f"训练数据: 金标措施 {self.gold_measures} 条, 弱标注句子 {self.weak_examples} 条, "
            f"主题原型 {self.prototypes} 条\n"
            f"留一文档评估 (leave-one-document-out): P={m.get('precision', 0):.3f} "
            f"R={m.get('recall', 0):.3f} F1={m.get('f1', 0):.3f}"
        )


def _training_set(
    gold: list[GoldMeasure], texts: dict[str, str], scorer: SeedScorer, *, exclude: set[str]
) -> tuple[list[str], list[list[str]], int]:
    rows = [(measure_text(g.heading, g.text), g.themes) for g in gold if g.doc_id not in exclude]
    weak = weak_examples(texts, scorer, exclude=exclude)
    rows += [(sentence, [theme]) for _, sentence, theme in weak]
    return [r[0] for r in rows], [r[1] for r in rows], len(weak)


def leave_one_document_out(gold_dir: Dirs, corpus_dir: Dirs, *, segmenter: str = "jieba") -> dict:
    """Micro P/R/F1 of theme labels when each gold document is predicted by a model trained on the others.

    Weak labels are drawn only from the training documents, never from the held-out one.
    """
    taxonomy = load_taxonomy()
    scorer = SeedScorer(taxonomy)
    gold = gold_measures(gold_dir, corpus_dir)
    texts = read_corpus(corpus_dir)
    tp = n_pred = n_gold = 0
    per_doc = {}
    for doc_id in sorted({g.doc_id for g in gold}):
        held = [g for g in gold if g.doc_id == doc_id]
        x, y, _ = _training_set(gold, texts, scorer, exclude={doc_id})
        model = ThemeModel(taxonomy, segmenter=segmenter).fit(x, y)
        predicted = model.predict([measure_text(g.heading, g.text) for g in held])
        d_tp = sum(len({n for n, _ in p} & set(g.themes)) for p, g in zip(predicted, held, strict=False))
        d_pred = sum(len(p) for p in predicted)
        d_gold = sum(len(g.themes) for g in held)
        per_doc[doc_id] = _prf(d_tp, d_pred, d_gold)
        tp, n_pred, n_gold = tp + d_tp, n_pred + d_pred, n_gold + d_gold
    return {"micro": _prf(tp, n_pred, n_gold), "per_document": per_doc, "measures": len(gold)}


def held_out_models(
    gold_dir: Dirs, texts: dict[str, str], *, segmenter: str = "jieba"
) -> Iterator[tuple[str, ThemeModel]]:
    """(stem, model trained without that document's gold or weak labels) for every gold document in ``texts``."""
    taxonomy = load_taxonomy()
    scorer = SeedScorer(taxonomy)
    gold = gold_measures(gold_dir, texts)
    for doc_id in sorted({g.doc_id for g in gold}):
        x, y, _ = _training_set(gold, texts, scorer, exclude={doc_id})
        yield doc_id, ThemeModel(taxonomy, segmenter=segmenter).fit(x, y)


def _prf(tp: int, n_pred: int, n_gold: int) -> dict:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {
        "precision": round(p, 4),
        "recall": round(r, 4),
        "f1": round(f, 4),
        "tp": tp,
        "predicted": n_pred,
        "gold": n_gold,
    }


def train(gold_dir: Dirs, corpus_dir: Dirs, out_dir: Path | None = None, *, segmenter: str = "jieba") -> TrainReport:
    """Train on all gold documents plus weak labels; write the model, its sidecar and the model card."""
    out_dir = Path(out_dir) if out_dir else models_dir()
    taxonomy = load_taxonomy()
    scorer = SeedScorer(taxonomy)
    gold = gold_measures(gold_dir, corpus_dir)
    texts = read_corpus(corpus_dir)
    x, y, n_weak = _training_set(gold, texts, scorer, exclude=set())
    model = ThemeModel(taxonomy, segmenter=segmenter).fit(x, y)
    model_path = model.save(out_dir / MODEL_FILE)
    lodo = leave_one_document_out(gold_dir, corpus_dir, segmenter=segmenter)
    report = TrainReport(model_path, out_dir / CARD_FILE, len(gold), n_weak, len(taxonomy.themes), lodo)
    command = " ".join(
        [
            "govcase train",
            *(f"--gold {d}" for d in _dirs(gold_dir)),
            *(f"--corpus {d}" for d in _dirs(corpus_dir)),
            f"--out {out_dir}",
        ]
    )
    report.card_path.write_text(
        _model_card(report, taxonomy, sorted({g.doc_id for g in gold}), len(texts), command), encoding="utf-8"
    )
    load_default_model.cache_clear()
    return report


def _model_card(
    report: TrainReport, taxonomy: Taxonomy, gold_docs: list[str], n_corpus: int, command: str = "govcase train"
) -> str:
    m = report.lodo["micro"]
    per_doc = "\n".join(
        f"| {d} | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} |"
        for d, s in report.lodo["per_document"].items()
    )
    return f"""# Theme model card

`theme_model.npz` (the weights, plain numpy arrays) labels each measure with one or two
practice themes from `corpus/themes.json` (taxonomy version `{taxonomy.version}`);
`theme_model.json` is its sidecar (the taxonomy as trained, theme order, segmenter, blend weight).

- Built: {date.today().isoformat()} by `pipeline.themes_train.train` (`govcase train`).
- Model: TF-IDF over jieba tokens (jionlp stop words removed) plus 14 seed-evidence
  features, one-vs-rest LogisticRegression (liblinear, C=1, balanced, random_state={RANDOM_STATE});
  score = {CLASSIFIER_WEIGHT} x classifier probability + {1 - CLASSIFIER_WEIGHT:.1f} x seed-term evidence.
  Top theme always; a second when its score >= max({SECOND_THEME_FLOOR}, {SECOND_THEME_RATIO} x top).
- Data: {report.gold_measures} gold measures from {len(gold_docs)} documents ({", ".join(gold_docs)}),
  text recovered from the corpus around each gold heading; {report.weak_examples} weakly labelled
  sentences from {n_corpus} corpus texts (a theme with >= {WEAK_MIN_HITS} seed matches and
  >= {WEAK_MARGIN:g}x the runner-up; >= {WEAK_MIN_CHARS} characters); {report.prototypes} theme
  prototypes (description + seed terms).

## Leave-one-document-out (each gold document predicted by a model trained on the others)

Micro over {report.lodo["measures"]} measures: precision {m["precision"]:.3f}, recall {m["recall"]:.3f},
**F1 {m["f1"]:.3f}** ({m["tp"]} of {m["gold"]} gold labels found, {m["predicted"]} predicted).

| held-out document | P | R | F1 |
|---|---|---|---|
{per_doc}

## Rebuild

    {command}

Retrain after editing `corpus/themes.json` (a stale model warns when loaded).
Known limits: {len(gold_docs)} training documents; themes the gold rarely uses (智慧治理)
rest on seed terms and their prototype only.
"""
