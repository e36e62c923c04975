"""A binary logistic regression over named features, shipped as plain numbers.

The mechanism and title models are both this: a weight per named feature, an
intercept and the probability threshold chosen by leave-one-document-out.
Training (pipeline.binary_training) needs scikit-learn; using a model needs
nothing but this module and its JSON file.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class BinaryModel:
    weights: dict[str, float]
    intercept: float
    threshold: float = 0.5
    # A text too short for layout and densities (the mechanism model's one-line texts) has a cut-off of its
    # own, chosen on such texts; None: the one threshold serves every text.
    short_threshold: float | None = None
    # The mechanism model's cut-off for a story the relevance model labels 相关报道 (news that touches on
    # governance but is no case), chosen on such stories; None: the one threshold serves every text.
    related_threshold: float | None = None

    def probability(self, feats: dict[str, float]) -> float:
        score = self.intercept + sum(self.weights.get(name, 0.0) * value for name, value in feats.items())
        return 1.0 / (1.0 + math.exp(-score))

    def with_threshold(
        self, threshold: float, short_threshold: float | None = None, related_threshold: float | None = None
    ) -> BinaryModel:
        return BinaryModel(self.weights, self.intercept, threshold, short_threshold, related_threshold)

    def to_json(self) -> dict:
        data = {"intercept": self.intercept, "threshold": self.threshold, "weights": self.weights}
        if self.short_threshold is not None:
            data["short_threshold"] = self.short_threshold
        if self.related_threshold is not None:
            data["related_threshold"] = self.related_threshold
        return data

    @classmethod
    def from_json(cls, data: dict) -> BinaryModel:
        short, related = data.get("short_threshold"), data.get("related_threshold")
        return cls(
            dict(data["weights"]),
            float(data["intercept"]),
            float(data.get("threshold", 0.5)),
            None if short is None else float(short),
            None if related is None else float(related),
        )

    def save(self, path: Path) -> Path:
        path.write_text(json.dumps(self.to_json(), ensure_ascii=False, indent=1, sort_keys=True) + "\n", "utf-8")
        return path


def load(path: Path, missing: str) -> BinaryModel:
    """The model in ``path``; ``missing`` is the message (for staff, in Chinese) when there is none."""
    try:
        return BinaryModel.from_json(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError as exc:
        raise FileNotFoundError(f"{missing}:{path}") from exc
