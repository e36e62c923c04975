"""The mechanism model: plain numbers with a card, reproducible from the gold, scored leave-one-document-out."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from pipeline.extract.lexicon import lexicon
from pipeline.extract.mechanism_model import MechanismModel, default_model
from pipeline.extract.mechanisms import candidate_groups, group_features
from pipeline.ingest.normalize import normalize
from pipeline.resources import models_dir
from pipeline.structure import build_structure

ROOT = Path(__file__).resolve().parents[2]
TEXTS = [ROOT / "corpus" / "reports", ROOT / "tests" / "fixtures" / "reports", ROOT / "tests" / "fixtures" / "pages"]
GOLD = [ROOT / "corpus" / "gold", *TEXTS[1:]]
OFF_TOPIC = ROOT / "corpus" / "relevance"
# Leave-one-document-out P/R of the shipped model's training run (models/mechanism_model.md), guarded at
# its value (case reports, pages and news stories pooled): a change of the candidates or the features that
# loses either shows here. 0.845/0.83 over 213 documents before the 202 feed-shaped stories of neg5-neg12,
# rel4, prof1 and prof2 joined (their names are harder: the news directory alone is 0.81/0.65); 0.84/0.76
# over 447, 0.846/0.771 over 507 with rel6, neg13 and the market and campaign words of a name's sentence;
# 0.845/0.770 over 537 with rel7 (unquoted councils and teams: more candidates, harder ones); 0.8447/0.7674
# over 567 with neg14 (series features, profiles and overviews) and wider modifiers (how=headed_wide;
# the old candidates on the same 567: 0.845/0.754); 0.843/0.7193 over 643 with case16, case18 (case pages of
# other provinces: harder, half their names were missed on arrival) and feed16 (0.8255/0.7431 at 0.55, the
# best F1, which the one-standard-error rule passes over: it named more of the real feed's formulas);
# 0.8435/0.7174 once an item's enumerator (一|是) no longer opens a name; 0.8487/0.7266 with the last character
# of a quoted name as a feature; 0.848/0.752 over 683 once the objects of set-up verbs (推行院落长制) were
# candidates and 相关报道 stories were read at a threshold of their own (0.849/0.737 before); 0.851/0.746 over 707
# with neg15 (24 快讯 roundups with a headline per item, 0.71/0.50 on arrival; 相关报道 then read at 0.75), while
# the held-out batches went 0.851/0.852 -> 0.853/0.856 and the judged real feed 0.843 -> 0.852; 0.850/0.757
# with the states of 从“A”向“B” (from_to) and an unquoted phrase before a quote (quote_after) as features and
# clause time words (正在, 目前) ending a wider modifier: held out 0.852/0.857 -> 0.858/0.857.
LODO_PRECISION, LODO_RECALL = 0.849, 0.756


def test_the_shipped_model_is_plain_numbers_with_a_card():
    data = json.loads((models_dir() / "mechanism_model.json").read_text(encoding="utf-8"))
    assert 0.0 < data["threshold"] < 1.0 and isinstance(data["intercept"], float)
    assert all(isinstance(w, float) for w in data["weights"].values())
    card = (models_dir() / "mechanism_model.md").read_text(encoding="utf-8")
    assert "Leave-one-document-out" in card and "Strongest features" in card


def test_probability_is_the_logistic_of_the_weighted_features():
    model = MechanismModel({"quoted": 2.0, "counted": -3.0}, -1.0, 0.5)
    assert model.probability({"quoted": 1.0}) == pytest.approx(1 / (1 + math.exp(-1.0)))
    assert model.probability({"quoted": 1.0, "counted": 1.0}) < 0.5 < model.probability({"quoted": 1.0})
    assert MechanismModel.from_json(model.to_json()) == model


def test_features_are_named_and_the_shipped_model_knows_them():
    text = normalize("社区成立了阿妈妮帮扶队,为独居老人上门送餐。村里组建了“红枫义警”队伍,每晚开展巡逻。").text
    doc = build_structure("t", text)
    groups = candidate_groups(doc, lexicon())
    assert {"阿妈妮帮扶队", "红枫义警"} <= {g.name for g in groups}
    known = set(default_model().weights)
    for group in groups:
        feats = group_features(doc, group, lexicon())
        assert any(name.startswith("how=") for name in feats)
        assert set(feats) & known  # no candidate is judged on features the model never saw


@pytest.mark.slow
def test_the_shipped_model_is_what_training_on_the_gold_gives(tmp_path):
    """Reproducible (`make models`), and its leave-one-document-out scores hold."""
    from pipeline.mechanisms_train import train

    report = train(GOLD, TEXTS, tmp_path, off_topic_dir=OFF_TOPIC)
    shipped = json.loads((models_dir() / "mechanism_model.json").read_text(encoding="utf-8"))
    rebuilt = json.loads(report.model_path.read_text(encoding="utf-8"))
    assert rebuilt["threshold"] == shipped["threshold"]
    assert rebuilt.get("short_threshold") == shipped.get("short_threshold") == report.short_threshold
    assert rebuilt.get("related_threshold") == shipped.get("related_threshold") == report.related_threshold
    assert rebuilt["weights"].keys() == shipped["weights"].keys()
    assert all(abs(rebuilt["weights"][k] - shipped["weights"][k]) < 1e-3 for k in rebuilt["weights"])
    lodo = report.lodo[report.threshold]
    assert lodo["precision"] >= LODO_PRECISION and lodo["recall"] >= LODO_RECALL, lodo
    assert report.news >= 100  # the news stories took part, with their annotated mechanisms or none


def test_the_threshold_is_the_strictest_whose_f1_is_within_one_standard_error_of_the_best():
    from pipeline.mechanisms_train import choose_threshold

    def scores(p, r, gold=1090):
        predicted = round(gold * r / p)
        return {"precision": p, "recall": r, "gold": gold, "predicted": predicted}

    def lodo(rows):
        return {t: {**scores(p, r), "by_corpus": {"news": scores(news, r)}} for t, (p, r, news) in rows.items()}

    # The training run of 643 documents: 0.55 has the best F1 (0.782), 0.6 is 0.006 below it, inside one
    # standard error (0.008); 0.65 is 0.018 below. A threshold whose news precision is under 0.8 never counts.
    measured = {
        0.4: (0.748, 0.796, 0.72),
        0.45: (0.771, 0.779, 0.74),
        0.5: (0.805, 0.757, 0.78),
        0.55: (0.8255, 0.7431, 0.81),
        0.6: (0.843, 0.7193, 0.815),
        0.65: (0.857, 0.690, 0.82),
        0.7: (0.867, 0.661, 0.83),
        0.75: (0.878, 0.625, 0.85),
        0.8: (0.891, 0.589, 0.86),
    }
    assert choose_threshold(lodo(measured)) == 0.6
    measured[0.6] = (0.843, 0.70, 0.815)  # F1 0.765: 0.017 below the best, outside one standard error
    assert choose_threshold(lodo(measured)) == 0.55


def test_a_related_story_s_threshold_is_chosen_among_those_trusted_on_such_stories():
    from pipeline.mechanisms_train import THRESHOLDS, choose_related_threshold

    # The related stories of the training run (147 gold names): precision reaches 0.8 from 0.7 up.
    measured = {0.4: (0.644, 0.816), 0.5: (0.722, 0.769), 0.6: (0.783, 0.68), 0.65: (0.787, 0.667)}
    measured |= {0.7: (0.804, 0.626), 0.75: (0.821, 0.578), 0.8: (0.83, 0.503)}
    rows = {}
    for t in THRESHOLDS:
        p, r = measured.get(t, measured[max(k for k in measured if k <= t)])
        rows[t] = {"precision": p, "recall": r, "gold": 147, "predicted": round(147 * r / p)}
    chosen = choose_related_threshold(rows)
    assert chosen is not None and chosen >= 0.7 and rows[chosen]["precision"] >= 0.8
    assert choose_related_threshold({t: {**rows[t], "predicted": 0} for t in THRESHOLDS}) is None
