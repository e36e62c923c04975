"""Relevance: is a document a governance case (治理案例), related news (相关报道) or unrelated (无关)?

A news feed or a portal's column holds far more than case reports: diplomacy,
markets, sports, weather, meeting reports. Each document gets a case score
(the probability of 治理案例) and a label from a small multinomial logistic
regression over named features: what the extractors found (titled practices,
mechanisms, grassroots places, figures, case sections) and the density of
three vocabularies (``corpus/relevance_vocabulary.tsv``: grassroots
governance, meeting and policy reports, the other genres of a feed) plus the
theme taxonomy's seed terms. A handful of named features, not words, so that
about a hundred training documents suffice and every label can be explained:
each feature's contribution to the label is its weight times its standardized
value.

The model is plain numbers in ``models/relevance_model.json`` (no pickle, no
scikit-learn at run time); ``govcase train`` rebuilds it with scikit-learn
and writes its card, ``models/relevance_card.md``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

import numpy as np

from .records import Extraction, MeasureKind, Relevance, Structure
from .resources import models_dir, read_lines

LABELS = ("治理案例", "相关报道", "无关")
CASE = LABELS[0]
RELATED = LABELS[1]
UNRELATED = LABELS[2]
MODEL_FILE = "relevance_model.json"
CARD_FILE = "relevance_card.md"
VOCABULARY_FILE = "relevance_vocabulary.tsv"
MISSING_MODEL = "相关性模型文件缺失,请运行 govcase train (relevance model file missing; run `govcase train`): {path}"
# Regularisation of the logistic regression; chosen on the leave-one-out score (see the card).
C = 0.5
RANDOM_STATE = 0
TOP_CONTRIBUTIONS = 4  # features shown as the explanation of a label
CASE_SECTIONS = ("background", "measures", "outcomes", "lessons")


@dataclass(frozen=True)
class Feature:
    name: str
    description: str  # Chinese: what `govcase show` prints beside the contribution


FEATURES = (
    Feature("titled_practices", "有标题的做法数(对数)"),
    Feature("practice_passages", "无标题的做法段落数(对数)"),
    Feature("mechanisms", "命名的机制数(对数)"),
    Feature("governance_density", "基层治理词密度(每千字)"),
    Feature("theme_seed_density", "主题种子词密度(每千字)"),
    Feature("policy_density", "会议、政策、统计报道词密度(每千字)"),
    Feature("other_news_density", "外交、经济、体育、天气、灾害等其他新闻词密度(每千字)"),
    Feature("national_density", "全国性报道词密度(领导人、中央、各地,每千字)"),
    Feature("emergency_density", "抢险救灾词密度(救援、安置点、受灾,每千字)"),
    Feature("person_pronouns", "人物代词密度(他、她,每千字):人物报道讲一个人的事迹"),
    Feature("provinces_named", "提到的省份数(对数):案例讲一地,综述讲多地"),
    Feature("place_depth", "主要地点的层级(0 无,1 省 … 5 社区)"),
    Feature("grassroots_places", "街道、社区、村名数(对数)"),
    Feature("figures", "数字数(对数)"),
    Feature("changes", "前后变化数(对数)"),
    Feature("case_sections", "案例结构部分数(背景、做法、成效、经验)"),
    Feature("length", "篇幅(千字,对数)"),
    Feature("title_governance", "标题中的治理词数"),
)
FEATURE_NAMES = tuple(f.name for f in FEATURES)
DESCRIPTIONS = {f.name: f.description for f in FEATURES}


# -- features ---------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _vocabularies() -> dict[str, re.Pattern]:
    words: dict[str, list[str]] = {}
    for line in read_lines(VOCABULARY_FILE):
        kind, _, word = line.partition("\t")
        if word.strip():
            words.setdefault(kind.strip(), []).append(word.strip())
    from .themes import load_taxonomy

    words["theme_seed"] = [s for theme in load_taxonomy().themes for s in theme.seeds]
    return {kind: _alternation(ws) for kind, ws in words.items()}


def _alternation(words: Iterable[str]) -> re.Pattern:
    return re.compile("|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True)))


def vocabulary_count(kind: str, text: str) -> int:
    pattern = _vocabularies().get(kind)
    return len(pattern.findall(text)) if pattern else 0


def vocabulary_density(kind: str, text: str) -> float:
    """Words of one vocabulary of corpus/relevance_vocabulary.tsv (governance, policy, other_news,
    theme_seed) per thousand characters; a two-line brief is not a dense one."""
    return vocabulary_count(kind, text) / (max(len(text), 200) / 1000)


# 他 and 她 of one person: not 他们, 其他, 他人 (nor 她们).
_PERSON_PRONOUN = re.compile(r"(?<![其吉])[他她](?![们人乡])")


def features(structure: Structure, extraction: Extraction) -> dict[str, float]:
    """The named features of one analysed document (see FEATURES)."""
    text = structure.text
    practices = [m for m in extraction.measures if m.kind == MeasureKind.MEASURE]
    titled = sum(1 for m in practices if getattr(m, "titled", True))
    place = extraction.primary_place()
    depth = (
        sum(v is not None for v in (place.province, place.city, place.district, place.street, place.community))
        if place
        else 0
    )
    title = extraction.metadata.title or ""
    return {
        "titled_practices": math.log1p(titled),
        "practice_passages": math.log1p(len(practices) - titled),
        "mechanisms": math.log1p(len(extraction.mechanisms)),
        "governance_density": vocabulary_density("governance", text),
        "theme_seed_density": vocabulary_density("theme_seed", text),
        "policy_density": vocabulary_density("policy", text),
        "other_news_density": vocabulary_density("other_news", text),
        "national_density": vocabulary_density("national", text),
        "emergency_density": vocabulary_density("emergency", text),
        "person_pronouns": len(_PERSON_PRONOUN.findall(text)) / (max(len(text), 200) / 1000),
        "provinces_named": math.log1p(len({p.province for p in extraction.places if p.province})),
        "place_depth": float(depth),
        "grassroots_places": math.log1p(sum(1 for p in extraction.places if p.street or p.community)),
        "figures": math.log1p(len(extraction.figures)),
        "changes": math.log1p(len(extraction.changes)),
        "case_sections": float(len({s.kind for s in structure.sections} & set(CASE_SECTIONS))),
        "length": math.log1p(len(text) / 1000),
        "title_governance": float(
            min(3, vocabulary_count("governance", title) + vocabulary_count("theme_seed", title))
        ),
    }


# -- the model --------------------------------------------------------------------------------
@dataclass
class RelevanceModel:
    """Standardization and a multinomial logistic regression, as plain numbers."""

    labels: tuple[str, ...]
    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray  # (labels, features)
    intercept: np.ndarray  # (labels,)
    info: dict = field(default_factory=dict)  # training summary, kept in the file

    def probabilities(self, values: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
        """(probability per label, standardized feature values)."""
        x = np.array([values[name] for name in self.features], dtype=float)
        z = (x - self.mean) / self.scale
        logits = self.coef @ z + self.intercept
        exp = np.exp(logits - logits.max())
        return exp / exp.sum(), z

    def classify(self, doc_id: str, values: dict[str, float]) -> Relevance:
        probs, z = self.probabilities(values)
        best = int(np.argmax(probs))
        contributions = self.coef[best] * z
        order = np.argsort(-np.abs(contributions))[:TOP_CONTRIBUTIONS]
        return Relevance(
            doc_id=doc_id,
            label=self.labels[best],
            score=round(float(probs[self.labels.index(CASE)]), 4),
            probabilities={label: round(float(p), 4) for label, p in zip(self.labels, probs, strict=True)},
            contributions=[
                (self.features[j], round(float(values[self.features[j]]), 3), round(float(contributions[j]), 3))
                for j in order
            ],
        )

    def to_json(self) -> dict:
        return {
            "labels": list(self.labels),
            "features": list(self.features),
            "mean": self.mean.round(6).tolist(),
            "scale": self.scale.round(6).tolist(),
            "coef": self.coef.round(6).tolist(),
            "intercept": self.intercept.round(6).tolist(),
            "info": self.info,
        }

    @classmethod
    def from_json(cls, data: dict) -> RelevanceModel:
        model = cls(
            labels=tuple(data["labels"]),
            features=tuple(data["features"]),
            mean=np.array(data["mean"], dtype=float),
            scale=np.array(data["scale"], dtype=float),
            coef=np.array(data["coef"], dtype=float),
            intercept=np.array(data["intercept"], dtype=float),
            info=data.get("info", {}),
        )
        unknown = set(model.features) - set(FEATURE_NAMES)
        if unknown:
            raise ValueError(f"相关性模型含未知特征 {sorted(unknown)},请运行 govcase train 重新训练")
        return model

    def save(self, path: Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: Path) -> RelevanceModel:
        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(MISSING_MODEL.format(path=path))
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")))


def fit(rows: Sequence[dict[str, float]], labels: Sequence[str]) -> RelevanceModel:
    """Train on feature rows and their labels (scikit-learn, deterministic)."""
    from sklearn.linear_model import LogisticRegression

    x = np.array([[row[name] for name in FEATURE_NAMES] for row in rows], dtype=float)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    present = [label for label in LABELS if label in set(labels)]
    clf = LogisticRegression(C=C, class_weight="balanced", max_iter=5000, random_state=RANDOM_STATE)
    clf.fit((x - mean) / scale, list(labels))
    coef, intercept = clf.coef_, clf.intercept_
    if len(present) == 2:  # sklearn keeps one row for two classes: the second class's logit
        coef, intercept = np.vstack([-coef[0] / 2, coef[0] / 2]), np.array([-intercept[0] / 2, intercept[0] / 2])
    order = [list(clf.classes_).index(label) for label in present]
    return RelevanceModel(tuple(present), FEATURE_NAMES, mean, scale, coef[order], intercept[order])


@lru_cache(maxsize=1)
def load_default_model() -> RelevanceModel:
    """The shipped model ``models/relevance_model.json`` (loaded once per process)."""
    return RelevanceModel.load(models_dir() / MODEL_FILE)


def classify(structure: Structure, extraction: Extraction, model: RelevanceModel | None = None) -> Relevance:
    """The relevance of an analysed document, with the features that decided it."""
    return (model or load_default_model()).classify(structure.doc_id, features(structure, extraction))


def explain(relevance: Relevance) -> list[str]:
    """Chinese lines saying why a document got its label (for `govcase show` and the case page)."""
    lines = [
        f"相关性: {relevance.label}  (案例得分 {relevance.score:.2f}; "
        + ", ".join(f"{k} {v:.2f}" for k, v in relevance.probabilities.items())
        + ")"
    ]
    for name, value, contribution in relevance.contributions:
        direction = "支持" if contribution > 0 else "不支持"
        lines.append(
            f"  {direction}“{relevance.label}” {contribution:+.2f}: {DESCRIPTIONS.get(name, name)} = {value:g}"
        )
    return lines


# -- training ---------------------------------------------------------------------------------
@dataclass
class LabelledText:
    name: str
    path: Path
    label: str
    origin: str  # the directory it came from, for the card


def labelled_texts(case_dirs: Iterable[Path | str], labelled_dirs: Iterable[Path | str]) -> list[LabelledText]:
    """Training documents: every report in ``case_dirs`` is a case (unless its gold JSON says
    otherwise); a report in ``labelled_dirs`` takes the "relevance" of its NAME.json."""
    from .ingest.read import SUPPORTED_EXTENSIONS

    out: dict[str, LabelledText] = {}
    for directory, default in [*((d, CASE) for d in case_dirs), *((d, None) for d in labelled_dirs)]:
        directory = Path(directory)
        for path in sorted(directory.iterdir()):
            if path.suffix.lower() not in SUPPORTED_EXTENSIONS or path.suffix.lower() == ".json":
                continue
            sidecar = path.with_suffix(".json")
            gold = json.loads(sidecar.read_text(encoding="utf-8")) if sidecar.exists() else {}
            label = gold.get("relevance") or default
            if label in LABELS:
                out.setdefault(path.stem, LabelledText(path.stem, path, label, str(directory)))
    return list(out.values())


def document_features(paths: Iterable[Path], *, segmenter: str = "jieba") -> list[dict[str, float]]:
    """Read, analyse and featurize each file as ingest would (themes are not needed)."""
    from .analyze import analyze_document, document_from_raw
    from .ingest.read import read_path

    rows = []
    for path in paths:
        analysis = analyze_document(
            document_from_raw(read_path(path)), segmenter=segmenter, label_themes=False, relevance=False
        )
        rows.append(features(analysis.structure, analysis.extraction))
    return rows


def label_scores(gold: Sequence[str], predicted: Sequence[str]) -> dict:
    """Per label precision/recall, and accuracy."""
    out: dict = {}
    for label in LABELS:
        tp = sum(g == p == label for g, p in zip(gold, predicted, strict=True))
        n_pred, n_gold = sum(p == label for p in predicted), sum(g == label for g in gold)
        out[label] = {
            "precision": round(tp / n_pred, 3) if n_pred else None,
            "recall": round(tp / n_gold, 3) if n_gold else None,
            "tp": tp,
            "predicted": n_pred,
            "gold": n_gold,
        }
    out["accuracy"] = round(sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold), 3) if gold else None
    return out


def leave_one_out(rows: Sequence[dict[str, float]], labels: Sequence[str]) -> tuple[list[str], dict]:
    """Each training document labelled by a model trained on all the others."""
    predicted = []
    for i, row in enumerate(rows):
        model = fit([r for j, r in enumerate(rows) if j != i], [lab for j, lab in enumerate(labels) if j != i])
        predicted.append(model.classify("", row).label)
    return predicted, label_scores(labels, predicted)


@dataclass
class RelevanceReport:
    model_path: Path
    card_path: Path
    counts: dict[str, int]
    loo: dict

    def __str__(self) -> str:
        per_label = ", ".join(
            f"{label} P={s['precision'] if s['precision'] is not None else '—'} "
            f"R={s['recall'] if s['recall'] is not None else '—'}"
            for label, s in ((label, self.loo[label]) for label in LABELS)
        )
        counts = ", ".join(f"{label} {n}" for label, n in self.counts.items())
        return (
            f"相关性模型已写入 {self.model_path}\n训练文档: {counts}\n"
            f"留一评估 (leave-one-out): 准确率 {self.loo['accuracy']}; {per_label}"
        )


def train(
    case_dirs: Sequence[Path | str],
    labelled_dirs: Sequence[Path | str],
    out_dir: Path | None = None,
    *,
    segmenter: str = "jieba",
) -> RelevanceReport:
    """Train on all labelled documents; write the model and its card (with leave-one-out figures)."""
    out_dir = Path(out_dir) if out_dir else models_dir()
    texts = labelled_texts(case_dirs, labelled_dirs)
    rows = document_features([t.path for t in texts], segmenter=segmenter)
    labels = [t.label for t in texts]
    predicted, loo = leave_one_out(rows, labels)
    model = fit(rows, labels)
    counts = {label: labels.count(label) for label in LABELS}
    model.info = {"built": date.today().isoformat(), "documents": counts, "leave_one_out": loo, "C": C}
    model_path = model.save(out_dir / MODEL_FILE)
    report = RelevanceReport(model_path, out_dir / CARD_FILE, counts, loo)
    mistakes = [(t.name, t.label, p) for t, p in zip(texts, predicted, strict=True) if t.label != p]
    origins = sorted({t.origin for t in texts})
    report.card_path.write_text(_card(model, report, origins, mistakes, case_dirs, labelled_dirs), encoding="utf-8")
    load_default_model.cache_clear()
    return report


def _card(model, report, origins, mistakes, case_dirs, labelled_dirs) -> str:
    weights = "\n".join(
        f"| {name} | {DESCRIPTIONS[name]} | "
        + " | ".join(f"{model.coef[k][j]:+.2f}" for k in range(len(model.labels)))
        + " |"
        for j, name in enumerate(model.features)
    )
    per_label = "\n".join(
        f"| {label} | {report.loo[label]['gold']} | {report.loo[label]['predicted']} | "
        f"{report.loo[label]['precision']} | {report.loo[label]['recall']} |"
        for label in LABELS
    )
    wrong = "\n".join(f"- {name}: {gold} → {pred}" for name, gold, pred in mistakes) or "- (none)"
    command = " ".join(
        ["govcase train", *(f"--gold {d}" for d in case_dirs), *(f"--relevance {d}" for d in labelled_dirs)]
    )
    return f"""# Relevance model card

`relevance_model.json` gives every document a label, 治理案例 (a governance case of a
named place or programme), 相关报道 (governance-related news that is no case: policy
announcements, meeting reports, statistics) or 无关 (other news), and a case score (the
probability of 治理案例). Non-cases are stored but left out of search, themes, clusters and
comparisons by default (`--all` on the CLI, 包括非案例 on the web page bring them back).

- Built: {model.info.get("built")} by `pipeline.relevance.train` (`govcase train`).
- Model: standardized named features, multinomial LogisticRegression (lbfgs, C={C},
  class_weight=balanced, random_state={RANDOM_STATE}); plain numbers in JSON, scored with numpy.
- Data: {", ".join(f"{n} {label}" for label, n in report.counts.items())} documents from
  {", ".join(origins)}. The cases are the seeds and the reports written for the tests
  (with their gold); the other labels are news texts written for training in the genres of a
  national news feed (diplomacy, economy, sports, weather, disasters, meetings, science,
  culture) and governance-related news that is no case.

## Features and weights (per label, on standardized values)

| feature | meaning | {" | ".join(model.labels)} |
|---|---|{"---|" * len(model.labels)}
{weights}

## Leave-one-out over the training documents

Accuracy {report.loo["accuracy"]}.

| label | documents | predicted | precision | recall |
|---|---|---|---|---|
{per_label}

Documents the held-out model labelled wrongly:
{wrong}

## Held out

The figure that counts is on text never trained on: a labelled sample of a real news feed
(see the README, "Relevance"; `scripts/feed_check.py --labels`).

## Rebuild

    {command}
"""
