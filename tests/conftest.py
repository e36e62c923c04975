"""Shared fixtures: stores built from the shipped seeds and the hand-written reports.

Stores live in pytest's tmp dirs, never in the user's outputs/.
"""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS_DIR = ROOT / "corpus" / "reports"
SEED_GOLD_DIR = ROOT / "corpus" / "gold"
FIXTURE_REPORTS_DIR = ROOT / "tests" / "fixtures" / "reports"


@pytest.fixture(scope="session")
def seed_store(tmp_path_factory):
    """Path of a store holding the four seed reports, ingested once per session."""
    from pipeline import api

    db = tmp_path_factory.mktemp("seed-store") / "seeds.db"
    summary = api.ingest([SEEDS_DIR], db=db)
    assert summary.failed == 0, summary.errors
    return db


@pytest.fixture(scope="session")
def fixture_store(tmp_path_factory):
    """Path of a store holding the hand-written generality reports (other cities, layouts)."""
    from pipeline import api

    db = tmp_path_factory.mktemp("fixture-store") / "fixtures.db"
    sources = sorted(p for p in FIXTURE_REPORTS_DIR.iterdir() if p.suffix in {".txt", ".html", ".docx", ".pdf"})
    summary = api.ingest(sources, db=db)
    assert summary.failed == 0, summary.errors
    return db


def pytest_addoption(parser):
    parser.addoption(
        "--update-scores",
        action="store_true",
        help="rewrite tests/expected_scores.json with the current scores (make update-scores)",
    )
