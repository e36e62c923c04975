"""Where the editable data files live (dictionaries, taxonomies, tables).

Data is data: researchers extend the files under ``corpus/`` without touching
Python. ``GOVCASE_DATA`` points elsewhere when the package is installed away
from its checkout.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    override = os.environ.get("GOVCASE_DATA")
    return Path(override) if override else PROJECT_ROOT / "corpus"


def data_path(name: str) -> Path:
    path = data_dir() / name
    if not path.exists():
        raise FileNotFoundError(f"govcase data file missing: {path}")
    return path


@cache
def read_lines(name: str) -> tuple[str, ...]:
    """Non-empty, non-comment (#) lines of a UTF-8 data file, stripped."""
    lines = []
    for line in data_path(name).read_text(encoding="utf-8-sig").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            lines.append(line)
    return tuple(lines)


def models_dir() -> Path:
    override = os.environ.get("GOVCASE_MODELS")
    return Path(override) if override else PROJECT_ROOT / "models"


def reports_dir() -> Path:
    """The shipped case reports (the seed corpus)."""
    return data_dir() / "reports"
