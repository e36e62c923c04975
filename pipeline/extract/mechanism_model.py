"""The mechanism model: logistic regression over named features of a candidate name.

The scans of pipeline.extract.mechanisms propose names generously (every quoted
phrase, every noun phrase ending in a council, facility, team or fund head,
A+B arrangements, numeral slogans); this model decides which of them a reader
of the genre would list as the case's mechanisms. It is trained from the gold
by pipeline.mechanisms_train (``govcase train --model mechanisms``) and shipped
as plain numbers, so extraction needs neither scikit-learn nor a pickle.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache

from ..resources import models_dir

MODEL_FILE = "mechanism_model.json"


@dataclass(frozen=True)
class MechanismModel:
    weights: dict[str, float]
    intercept: float
    threshold: float = 0.5

    def probability(self, feats: dict[str, float]) -> float:
        score = self.intercept + sum(self.weights.get(name, 0.0) * value for name, value in feats.items())
        return 1.0 / (1.0 + math.exp(-score))

    def to_json(self) -> dict:
        return {"intercept": self.intercept, "threshold": self.threshold, "weights": self.weights}

    @classmethod
    def from_json(cls, data: dict) -> MechanismModel:
        return cls(dict(data["weights"]), float(data["intercept"]), float(data.get("threshold", 0.5)))


@lru_cache(maxsize=1)
def default_model() -> MechanismModel:
    path = models_dir() / MODEL_FILE
    try:
        return MechanismModel.from_json(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError as exc:
        raise FileNotFoundError(f"找不到机制识别模型 {path}:请运行 govcase train --model mechanisms 生成。") from exc
