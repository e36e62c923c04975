"""Score ratchet: no per-field score of the seeds, of any fixture report or of
their totals may drop more than TOLERANCE below tests/expected_scores.json.

The thresholds in test_extraction_gold.py sit well below the scores reached;
this file keeps what was reached, per document, so a rule that wins one
document and loses another shows in the test and in the diff of the JSON.
Accept a change on purpose with ``make update-scores`` (it runs this file with
``--update-scores``) and say in the commit message why a score fell.
"""

import json
import warnings
from pathlib import Path

import pytest

from pipeline import api
from pipeline.evaluate import flat_scores

ROOT = Path(__file__).resolve().parents[1]
EXPECTED_FILE = ROOT / "tests" / "expected_scores.json"
GOLD_DIRS = {
    "seeds": ROOT / "corpus" / "gold",
    "fixtures": ROOT / "tests" / "fixtures" / "reports",
    "pages": ROOT / "tests" / "fixtures" / "pages",
    "profile": ROOT / "tests" / "fixtures" / "profile",
}
TOLERANCE = 0.005
HOW_TO_ACCEPT = (
    "If this is intended, run `make update-scores` (pytest tests/test_score_ratchet.py --update-scores) "
    "and say in the commit message why; the diff of tests/expected_scores.json shows the change in review."
)


@pytest.fixture(scope="module")
def current(request, seed_store, fixture_store, page_store, profile_store):
    stores = {"seeds": seed_store, "fixtures": fixture_store, "pages": page_store, "profile": profile_store}
    scores = {
        corpus: flat_scores(api.evaluate(stores[corpus], gold_dir, themes_lodo=False))
        for corpus, gold_dir in GOLD_DIRS.items()
    }
    if request.config.getoption("--update-scores"):
        EXPECTED_FILE.write_text(
            json.dumps(scores, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
    return scores


@pytest.fixture(scope="module")
def expected():
    return json.loads(EXPECTED_FILE.read_text(encoding="utf-8"))


def compare(expected: dict[str, dict[str, float]], current: dict[str, dict[str, float]]):
    """(drops, rises, new) as lines ``document  field.metric  old -> new``."""
    drops, rises, new = [], [], []
    for doc in sorted(expected.keys() | current.keys()):
        was, now = expected.get(doc), current.get(doc)
        if now is None:
            drops.append(f"{doc}: no longer scored (gold removed or renamed?)")
            continue
        if was is None:
            new.append(f"{doc}: not in the ratchet yet")
            continue
        for metric in sorted(was.keys() | now.keys()):
            if metric not in now:
                drops.append(f"{doc}  {metric}: no longer scored (was {was[metric]:.4f})")
            elif metric not in was:
                new.append(f"{doc}  {metric}: newly scored ({now[metric]:.4f})")
            elif now[metric] < was[metric] - TOLERANCE:
                drops.append(
                    f"{doc}  {metric}  {was[metric]:.4f} -> {now[metric]:.4f}  ({now[metric] - was[metric]:+.4f})"
                )
            elif now[metric] > was[metric] + TOLERANCE:
                rises.append(f"{doc}  {metric}  {was[metric]:.4f} -> {now[metric]:.4f}")
    return drops, rises, new


@pytest.mark.parametrize("corpus", sorted(GOLD_DIRS))
def test_no_score_dropped(current, expected, corpus):
    drops, rises, _ = compare(expected.get(corpus, {}), current[corpus])
    if rises:
        warnings.warn(
            f"{corpus}: scores rose; lock them in with `make update-scores`:\n  " + "\n  ".join(rises), stacklevel=1
        )
    assert not drops, (
        f"{corpus}: {len(drops)} score(s) dropped more than {TOLERANCE} below tests/expected_scores.json:\n  "
        + "\n  ".join(drops)
        + "\n"
        + HOW_TO_ACCEPT
    )


@pytest.mark.parametrize("corpus", sorted(GOLD_DIRS))
def test_every_gold_document_is_in_the_ratchet(current, expected, corpus):
    _, _, new = compare(expected.get(corpus, {}), current[corpus])
    assert not new, (
        f"{corpus}: gold not yet in tests/expected_scores.json:\n  " + "\n  ".join(new) + "\n" + HOW_TO_ACCEPT
    )


def test_compare_names_what_dropped():
    drops, rises, new = compare(
        {"a": {"figures.recall": 1.0, "themes.precision": 0.5}, "gone": {"x.y": 1.0}},
        {"a": {"figures.recall": 0.9, "themes.precision": 0.504, "measures.recall": 1.0}, "b": {"x.y": 1.0}},
    )
    assert drops == [
        "a  figures.recall  1.0000 -> 0.9000  (-0.1000)",
        "gone: no longer scored (gold removed or renamed?)",
    ]
    assert rises == []
    assert new == ["a  measures.recall: newly scored (1.0000)", "b: not in the ratchet yet"]
