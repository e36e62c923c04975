"""Fitting a BinaryModel (pipeline/extract/binary_model.py) with scikit-learn."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from .extract.binary_model import BinaryModel


def fit_binary(features: Sequence[dict[str, float]], labels: Sequence[int], regularization: float) -> BinaryModel:
    """L2 logistic regression on named features; lbfgs on a convex loss, so the same data give the
    same weights on every machine. Weights below 1e-6 are dropped, the rest rounded to 5 places."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = DictVectorizer(sparse=True)
    matrix = vectorizer.fit_transform(features)
    model = LogisticRegression(C=regularization, max_iter=5000)
    model.fit(matrix, list(labels))
    names = vectorizer.get_feature_names_out()
    weights = {str(n): round(float(w), 5) for n, w in zip(names, model.coef_[0], strict=True) if abs(w) > 1e-6}
    return BinaryModel(weights, round(float(model.intercept_[0]), 5))


def strictest_within_one_se(scores: Mapping[float, float], trials: int) -> float:
    """The highest threshold whose score is within one standard error of the best score (the
    one-standard-error rule of Hastie, Tibshirani and Friedman, ESL 7.10); a score is read as a proportion
    of ``trials`` (the best threshold's documents, or its gold + predicted names for an F1).

    Between thresholds one or two documents apart the data cannot choose; the stricter one shows a
    reader fewer wrong answers (a title taken from an untitled brief's first sentence, a formula of the
    real feed read as a mechanism) where a blank is honest.
    """
    best = max(scores.values())
    floor = best - math.sqrt(best * (1 - best) / max(trials, 1))
    return max(t for t, score in scores.items() if score >= floor)


def card_tail(model: BinaryModel, positive: str, name: str, top: int) -> list[str]:
    """The end of a model card: the strongest features each way and how to rebuild the model."""
    ranked = sorted(model.weights.items(), key=lambda kv: -kv[1])
    return [
        "",
        "## Strongest features",
        "",
        f"For {positive}: " + ", ".join(f"`{n}` {w:+.2f}" for n, w in ranked[:top]) + ".",
        "",
        "Against: " + ", ".join(f"`{n}` {w:+.2f}" for n, w in ranked[-top:][::-1]) + ".",
        "",
        f"Rebuild: `make models` (or `govcase train --model {name}`, see `govcase train --help`).",
        "",
    ]
