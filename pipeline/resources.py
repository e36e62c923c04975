"""Where the editable data files live (dictionaries, taxonomies, tables).

Data is data: researchers extend the files under ``corpus/`` without touching
Python. A checkout (an editable install too) reads its own ``corpus/`` and
``models/``; a wheel carries copies in ``pipeline/_data/`` (setup.py puts them
there), so an installed package works from any directory. ``GOVCASE_DATA`` and
``GOVCASE_MODELS`` point elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PACKAGED_DATA = Path(__file__).resolve().parent / "_data"  # in a wheel only


def _shipped(name: str) -> Path:
    packaged = PACKAGED_DATA / name
    return packaged if packaged.is_dir() else PROJECT_ROOT / name


def data_dir() -> Path:
    override = os.environ.get("GOVCASE_DATA")
    return Path(override) if override else _shipped("corpus")


def data_path(name: str) -> Path:
    path = data_dir() / name
    if not path.exists():
        raise FileNotFoundError(f"govcase data file missing: {path}")
    return path


def read_lines(name: str) -> tuple[str, ...]:
    """Non-empty, non-comment (#) lines of a UTF-8 data file, stripped, checked by pipeline.vocabulary."""
    from .vocabulary import lines

    return lines(name)


def models_dir() -> Path:
    override = os.environ.get("GOVCASE_MODELS")
    return Path(override) if override else _shipped("models")


def reports_dir() -> Path:
    """The shipped case reports (the seed corpus)."""
    return data_dir() / "reports"
