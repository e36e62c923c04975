"""The mechanism model: logistic regression over named features of a candidate name.

The scans of pipeline.extract.mechanisms propose names generously (every quoted
phrase, every noun phrase ending in a council, facility, team or fund head,
A+B arrangements, numeral slogans); this model decides which of them a reader
of the genre would list as the case's mechanisms. It is trained from the gold
by pipeline.mechanisms_train (``govcase train --model mechanisms``) and shipped
as plain numbers, so extraction needs neither scikit-learn nor a pickle.
"""

from __future__ import annotations

from functools import lru_cache

from ..resources import models_dir
from .binary_model import BinaryModel, load

MODEL_FILE = "mechanism_model.json"
MechanismModel = BinaryModel


@lru_cache(maxsize=1)
def default_model() -> BinaryModel:
    return load(models_dir() / MODEL_FILE, "找不到机制识别模型(请运行 govcase train --model mechanisms 生成)")
