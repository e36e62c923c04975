"""Practice themes for measures: a small trained model plus seed-term evidence.

The taxonomy (``corpus/themes.json``) names 14 themes, each with seed terms.
A measure's theme scores blend two views:

* a one-vs-rest logistic regression over TF-IDF of jieba tokens plus the
  seed evidence itself as 14 extra features, and
* seed-term evidence: how many seed terms of each theme the text contains.

(Char 2-3-gram TF-IDF was tried as a second block; it lowered the
leave-one-document-out F1 by 0.01-0.03 in every configuration tried, so it
is left out.)

The classifier is trained on the gold measures plus weakly labelled corpus
sentences (see :func:`weak_examples`) plus one prototype per theme built
from the taxonomy itself, so every theme has a positive example even when
the gold never uses it (training: :mod:`pipeline.themes_train`).  Rebuild the
shipped model with ``govcase train``.
"""

from __future__ import annotations

import hashlib
import json
import re
import warnings
import zipfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from .records import Measure
from .resources import data_path, models_dir
from .segment import get_segmenter

TAXONOMY_FILE = "themes.json"
MODEL_FILE = "theme_model.npz"  # the weights; theme_model.json beside it says what they were trained with
MISSING_MODEL = "主题模型文件缺失,请运行 govcase train (theme model file missing; run `govcase train`): {path}"

RANDOM_STATE = 0
# Blend weight of the classifier against seed evidence, and the rule for a
# second theme. Chosen on the leave-one-document-out score (see the model card);
# seed evidence carries more weight because the gold is small.
CLASSIFIER_WEIGHT = 0.5
SECOND_THEME_RATIO = 0.5  # second theme kept when its score >= ratio * top score
SECOND_THEME_FLOOR = 0.15  # ... and at least this absolute score


_HAN_OR_WORD = re.compile(r"[\u4e00-\u9fffA-Za-z]")


# ---------------------------------------------------------------- taxonomy


@dataclass(frozen=True)
class Theme:
    name: str
    description: str
    seeds: tuple[str, ...]


@dataclass(frozen=True)
class Taxonomy:
    version: str  # declared version + content hash, so any edit is visible
    themes: tuple[Theme, ...]

    @property
    def names(self) -> list[str]:
        return [t.name for t in self.themes]


def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """The theme taxonomy from ``corpus/themes.json`` (or ``path``)."""
    path = Path(path) if path else data_path(TAXONOMY_FILE)
    raw = path.read_bytes()
    try:
        data = json.loads(raw.decode("utf-8-sig"))
        themes = tuple(
            Theme(t["name"], t["description"], tuple(dict.fromkeys(s.strip() for s in t["seeds"] if s.strip())))
            for t in data["themes"]
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"主题分类表格式错误 (theme taxonomy malformed): {path}: {exc}") from exc
    digest = hashlib.sha256(raw).hexdigest()[:12]
    return Taxonomy(version=f"{data.get('version', '0')}+{digest}", themes=themes)


class SeedScorer:
    """Counts seed-term matches per theme.

    One regex alternation per theme, longest seed first, so nested seeds
    (志愿服务队 / 志愿服务 / 志愿) count once per occurrence rather than three times.
    """

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.names = taxonomy.names
        self._patterns = [
            re.compile("|".join(re.escape(s) for s in sorted(t.seeds, key=len, reverse=True))) for t in taxonomy.themes
        ]

    def counts(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), len(self._patterns)))
        for i, text in enumerate(texts):
            out[i] = [len(pattern.findall(text)) for pattern in self._patterns]
        return out

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """Seed evidence in [0, 1): relative to the text's strongest theme, damped when evidence is thin."""
        counts = np.log1p(self.counts(texts))
        top = counts.max(axis=1, keepdims=True)
        return np.divide(counts, top + np.log1p(1.0), out=np.zeros_like(counts), where=top > 0)


def measure_text(heading: str, body: str) -> str:
    """What the model reads for a measure: the heading counted twice, because it names the practice."""
    return f"{heading}\n{body}" if body else heading


def content_tokens(text: str, segmenter: str = "jieba") -> list[str]:
    """Segmenter tokens that carry content: Han or Latin letters, stop words dropped."""
    return [tok for tok in get_segmenter(segmenter).cut(text) if _is_content(tok)]


@lru_cache(maxsize=200_000)
def _is_content(token: str) -> bool:
    # Cached: a corpus repeats a small vocabulary, and this runs once per token
    # of every text clustered (millions for 100,000 measures).
    return bool(_HAN_OR_WORD.search(token)) and token not in stopwords()


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """jionlp's Chinese stop-word list.

    Read from the package's data file rather than ``jionlp.stopwords_loader``
    because importing jionlp prints a banner to stdout.
    """
    from importlib.util import find_spec

    spec = find_spec("jionlp")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("停用词表需要 jionlp,请安装 (jionlp is needed for its stop-word list)")
    path = Path(next(iter(spec.submodule_search_locations))) / "dictionary" / "stopwords.txt"
    return frozenset(line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip())


# ---------------------------------------------------------------- model


class _Tokenizer:
    """Picklable tokenizer for TfidfVectorizer: the segmenter is looked up by name when called."""

    def __init__(self, segmenter: str) -> None:
        self.segmenter = segmenter

    def __call__(self, text: str) -> list[str]:
        return content_tokens(text, self.segmenter)


@dataclass(frozen=True)
class _Weights:
    """What scoring needs of the fitted vectorizer and classifiers: plain arrays, no scikit-learn."""

    vocabulary: dict[str, int]  # content tokens of the TF-IDF vocabulary -> column
    n_words: int  # columns of the TF-IDF block (the seed features follow)
    idf: np.ndarray
    coef: np.ndarray  # (n_themes, n_words + n_themes): the one-vs-rest regressions stacked
    intercept: np.ndarray

    # (n_words, n_themes): the word block's coefficients, a row per vocabulary column.
    word_coef: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "word_coef", np.ascontiguousarray(self.coef[:, : self.n_words].T))

    @classmethod
    def of(cls, word, clf) -> _Weights:
        """From a fitted TfidfVectorizer and OneVsRestClassifier (their public fitted attributes)."""
        estimators = clf.estimators_
        # Only content tokens are ever counted (see _word_tfidf), so the others are left out here.
        return cls(
            {tok: col for tok, col in word.vocabulary_.items() if _is_content(tok)},
            len(word.vocabulary_),
            word.idf_,
            np.vstack([e.coef_ for e in estimators]),
            np.concatenate([e.intercept_ for e in estimators]),
        )

    def arrays(self) -> dict[str, np.ndarray]:
        """The weights as named arrays (what save writes; from_arrays reads them back)."""
        tokens = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        return {
            "tokens": np.array(tokens, dtype=str),
            "columns": np.array([self.vocabulary[t] for t in tokens], dtype=np.int64),
            "n_words": np.array(self.n_words, dtype=np.int64),
            "idf": self.idf,
            "coef": self.coef,
            "intercept": self.intercept,
        }

    @classmethod
    def from_arrays(cls, arrays) -> _Weights:
        vocabulary = dict(zip(arrays["tokens"].tolist(), arrays["columns"].tolist(), strict=True))
        return cls(vocabulary, int(arrays["n_words"]), arrays["idf"], arrays["coef"], arrays["intercept"])


class ThemeModel:
    """TF-IDF + seed-feature one-vs-rest logistic regression, blended with seed evidence."""

    def __init__(
        self,
        taxonomy: Taxonomy | None = None,
        *,
        segmenter: str = "jieba",
        classifier_weight: float = CLASSIFIER_WEIGHT,
    ) -> None:
        self.taxonomy = taxonomy or load_taxonomy()
        self.segmenter = segmenter
        self.classifier_weight = classifier_weight
        self.seeds = SeedScorer(self.taxonomy)
        self._word = self._clf = None  # the scikit-learn estimators of a model fitted in this process
        self._weights: _Weights | None = None

    @property
    def names(self) -> list[str]:
        return self.taxonomy.names

    def prototypes(self) -> tuple[list[str], list[list[str]]]:
        """One example per theme written from the taxonomy: its description and seed terms."""
        texts = [f"{t.name}\n{t.description}\n{'、'.join(t.seeds)}" for t in self.taxonomy.themes]
        return texts, [[t.name] for t in self.taxonomy.themes]

    def fit(self, texts: Sequence[str], labels: Sequence[Sequence[str]]) -> ThemeModel:
        """Train on ``texts`` with one or more theme names each (the taxonomy prototypes are added)."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.multiclass import OneVsRestClassifier
        from sklearn.preprocessing import MultiLabelBinarizer

        unknown = {name for row in labels for name in row} - set(self.names)
        if unknown:
            raise ValueError(f"未知主题 (unknown themes): {sorted(unknown)}")
        proto_texts, proto_labels = self.prototypes()
        texts = list(texts) + proto_texts
        labels = [list(row) for row in labels] + proto_labels
        self._word = TfidfVectorizer(
            tokenizer=_Tokenizer(self.segmenter), lowercase=False, token_pattern=None, sublinear_tf=True
        )
        self._word.fit(texts)
        features = self._features(texts)
        target = MultiLabelBinarizer(classes=self.names).fit_transform(labels)
        self._clf = OneVsRestClassifier(
            LogisticRegression(C=1.0, class_weight="balanced", solver="liblinear", random_state=RANDOM_STATE)
        ).fit(features, target)
        self._weights = _Weights.of(self._word, self._clf)
        return self

    def _features(self, texts: list[str]):
        from scipy.sparse import csr_matrix, hstack

        return hstack([self._word.transform(texts), csr_matrix(self.seeds.scores(texts))]).tocsr()

    def scores(self, texts: Sequence[str], tokens: Sequence[Sequence[str]] | None = None) -> np.ndarray:
        """(n_texts, n_themes) blended scores in [0, 1].

        Args:
            tokens: each text's segmenter tokens when the caller has them
                already (ingest segments a document once); else the text is
                segmented with the model's segmenter.
        """
        weights = self._weights
        if weights is None:
            raise RuntimeError("主题模型尚未训练 (theme model is not fitted)")
        texts = list(texts)
        if not texts:
            return np.zeros((0, len(self.names)))
        if tokens is None:
            tokens = [get_segmenter(self.segmenter).cut(text) for text in texts]
        seeds = self.seeds.scores(texts)
        logits = self._word_logits(tokens) + seeds @ weights.coef[:, weights.n_words :].T + weights.intercept
        w = self.classifier_weight
        return w * (1.0 / (1.0 + np.exp(-logits))) + (1 - w) * seeds

    def _word_logits(self, tokens: Sequence[Sequence[str]]) -> np.ndarray:
        """The word block's share of the logits: TF-IDF (sublinear tf, idf, l2) times its coefficients.

        TfidfVectorizer.transform is done here rather than through sklearn
        because the vectorizer can only segment the text itself, and its
        per-call validation costs more than the arithmetic on a document's
        handful of measures. Only the columns a measure has are multiplied: a
        dense (measures x vocabulary) product is large enough for OpenBLAS to
        start its threads, which then spin on the other core and slow a second
        ingest worker down (docs/CHANGELOG.md has the measurement).
        """
        weights = self._weights
        out = np.zeros((len(tokens), len(self.names)))
        for row, (cols, values) in enumerate(self._word_tfidf(tokens)):
            if len(cols):
                out[row] = values @ weights.word_coef[cols]
        return out

    def _word_tfidf(self, tokens: Sequence[Sequence[str]]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per text, the TF-IDF columns it has and their l2-normalised values."""
        vocabulary, idf = self._weights.vocabulary, self._weights.idf
        spans, cols, counts = [], [], []
        for toks in tokens:
            # Columns in order of first occurrence, as sklearn sums them.
            found = Counter([col for col in map(vocabulary.get, toks) if col is not None])
            spans.append((len(cols), len(cols) + len(found)))
            cols += found
            counts += found.values()
        cols = np.array(cols, dtype=np.intp)
        values = (np.log(np.array(counts, dtype=float)) + 1.0) * idf[cols] if len(cols) else np.zeros(0)
        out = []
        for lo, hi in spans:
            row_values = values[lo:hi]
            norm = np.sqrt(row_values @ row_values) if hi > lo else 1.0
            out.append((cols[lo:hi], row_values / norm))
        return out

    def predict(self, texts: Sequence[str]) -> list[list[tuple[str, float]]]:
        """The top theme of each text, plus the second when its score is close enough."""
        return [pick_themes(row, self.names) for row in self.scores(texts)]

    def save(self, path: Path) -> Path:
        """Write the weights (a numpy ``.npz``) and a JSON sidecar next to them.

        The sidecar holds what the weights were trained with: the taxonomy (its seeds feed the
        seed features), the segmenter and the blend weight. Loading needs neither scikit-learn
        nor pickle, and the same model gives the same bytes (the zip entries carry a fixed date).
        """
        import sklearn

        if self._weights is None:
            raise RuntimeError("主题模型尚未训练 (theme model is not fitted)")
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, array in self._weights.arrays().items():
                with archive.open(zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0)), "w") as entry:
                    np.lib.format.write_array(entry, np.asarray(array), allow_pickle=False)
        sidecar = {
            "taxonomy_version": self.taxonomy.version,
            "themes": self.names,
            "segmenter": self.segmenter,
            "classifier_weight": self.classifier_weight,
            "sklearn": sklearn.__version__,
            "taxonomy": [
                {"name": t.name, "description": t.description, "seeds": list(t.seeds)} for t in self.taxonomy.themes
            ],
        }
        path.with_suffix(".json").write_text(json.dumps(sidecar, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: Path) -> ThemeModel:
        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(MISSING_MODEL.format(path=path))
        sidecar = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        taxonomy = Taxonomy(
            sidecar["taxonomy_version"],
            tuple(Theme(t["name"], t["description"], tuple(t["seeds"])) for t in sidecar["taxonomy"]),
        )
        model = cls(taxonomy, segmenter=sidecar["segmenter"], classifier_weight=sidecar["classifier_weight"])
        with np.load(path, allow_pickle=False) as arrays:
            model._weights = _Weights.from_arrays(arrays)
        try:
            current = load_taxonomy().version
        except FileNotFoundError:
            current = model.taxonomy.version
        if current != model.taxonomy.version:
            warnings.warn(
                "主题分类表已修改,请运行 govcase train 重新训练 "
                "(themes.json changed since the model was trained; run `govcase train`)",
                stacklevel=2,
            )
        return model


def pick_themes(scores: Sequence[float], names: Sequence[str]) -> list[tuple[str, float]]:
    scores = [float(s) for s in scores]
    # Ties keep the taxonomy order (a stable sort); on 14 values plain floats sort faster than numpy.
    first, second = sorted(range(len(scores)), key=lambda i: -scores[i])[:2]
    picked = [(names[first], round(scores[first], 4))]
    if scores[second] >= max(SECOND_THEME_FLOOR, SECOND_THEME_RATIO * scores[first]):
        picked.append((names[second], round(scores[second], 4)))
    return picked


@lru_cache(maxsize=1)
def load_default_model() -> ThemeModel:
    """The shipped model ``models/theme_model.npz`` (loaded once per process).

    Raises:
        FileNotFoundError: with "主题模型文件缺失,请运行 govcase train" when the file is missing.
    """
    return ThemeModel.load(models_dir() / MODEL_FILE)


def label_measures(
    measures: list[Measure], model: ThemeModel | None = None, *, tokens: Sequence[Sequence[str]] | None = None
) -> None:
    """Fill ``themes`` and ``theme_scores`` of each measure in place.

    Args:
        tokens: per measure, the tokens of ``measure_text(heading, text)``
            when the caller has segmented them already.
    """
    if not measures:
        return
    model = model or load_default_model()
    scores = model.scores([measure_text(m.heading, m.text) for m in measures], tokens)
    for measure, row in zip(measures, scores.tolist(), strict=False):
        measure.themes = [name for name, _ in pick_themes(row, model.names)]
        measure.theme_scores = {name: round(s, 4) for name, s in zip(model.names, row, strict=False) if s >= 0.01}
