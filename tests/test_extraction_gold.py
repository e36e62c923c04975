"""Extraction accuracy against gold annotations (thresholds from the extraction issue).

The seeds' gold is the reference; the hand-written reports in
tests/fixtures/reports (other cities, another layout, Traditional script,
web boilerplate) must reach the same thresholds less 0.10.
"""

from pathlib import Path

import pytest

from pipeline import api

ROOT = Path(__file__).resolve().parents[1]
SEED_GOLD_DIR = ROOT / "corpus" / "gold"
FIXTURE_REPORTS_DIR = ROOT / "tests" / "fixtures" / "reports"

THRESHOLDS = {
    ("figures", "recall"): 0.90,
    ("figures", "precision"): 0.90,
    ("changes", "recall"): 0.80,
    ("mechanisms", "recall"): 0.85,
    ("mechanisms", "precision"): 0.75,
    # Seed 002's gold heads 10 measures with clauses cut out of untitled paragraphs under 3 thematic
    # sub-headings; by SCHEMA.md those sub-headings are the titled practices (README, "Gold we dispute").
    ("measures", "recall"): 0.81,
    ("measures", "precision"): 0.93,
    ("measures", "kind_accuracy"): 0.90,
    ("metadata", "accuracy"): 0.90,
}


@pytest.fixture(scope="module")
def seed_report(seed_store):
    return api.evaluate(seed_store, SEED_GOLD_DIR, themes_lodo=False).to_dict()


@pytest.fixture(scope="module")
def fixture_report(fixture_store):
    return api.evaluate(fixture_store, FIXTURE_REPORTS_DIR, themes_lodo=False).to_dict()


@pytest.mark.parametrize("field,metric", sorted(THRESHOLDS))
def test_seed_gold_thresholds(seed_report, field, metric):
    assert seed_report[field][metric] >= THRESHOLDS[field, metric], seed_report[field]


@pytest.mark.parametrize("field,metric", sorted(THRESHOLDS))
def test_own_reports_thresholds_less_a_tenth(fixture_report, field, metric):
    assert fixture_report[field][metric] >= THRESHOLDS[field, metric] - 0.10, fixture_report[field]


@pytest.mark.parametrize("level", ["province", "city", "district"])
def test_primary_location_is_right_on_every_seed(seed_report, level):
    per_field = seed_report["locations"]["per_field"][level]
    assert per_field["correct"] == per_field["n"] > 0, per_field


def test_every_gold_document_is_found(seed_report, fixture_report):
    assert not seed_report["documents"]["missing"]
    assert not fixture_report["documents"]["missing"]


# Case profile (issue 19): accuracy where gold has a value; measured 1.00 (seeds) and 0.94 (fixtures),
# 未找到 where gold has none 0.86 over both. The first chooser, before tuning, scored 0.79 and 0.75.
PROFILE_THRESHOLDS = {"seeds": 0.95, "fixtures": 0.92}


def test_profile_accuracy(seed_report, fixture_report):
    for name, report in (("seeds", seed_report), ("fixtures", fixture_report)):
        assert report["profile"]["accuracy"] >= PROFILE_THRESHOLDS[name], (name, report["profile"])
    absent = seed_report["profile"]["not_found"]["correct"] + fixture_report["profile"]["not_found"]["correct"]
    total = seed_report["profile"]["not_found"]["n"] + fixture_report["profile"]["not_found"]["n"]
    assert absent / total >= 0.85
