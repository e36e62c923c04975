"""Scoring rules of corpus/gold/SCHEMA.md, on small hand-built gold/prediction dicts."""

import json
from pathlib import Path

import pytest

from pipeline.evaluate import (
    headings_match,
    load_gold_dir,
    name_key,
    normalize_quantity,
    score_documents,
)
from pipeline.records import MEASURE_KINDS
from pipeline.resources import data_path

ROOT = Path(__file__).resolve().parent.parent
GOLD_DIRS = [ROOT / "corpus" / "gold", ROOT / "tests" / "fixtures" / "reports"]


def fig(value, unit, approx=None, required=True, text=""):
    return {"value": value, "unit": unit, "approx": approx, "subject": None, "text": text, "required": required}


def measure(heading, kind="measure", themes=(), section=None):
    return {"section": section, "heading": heading, "themes": list(themes), "kind": kind}


def score(field, gold_items, pred_items):
    """Score one document holding only ``field``; returns that field's corpus dict."""
    report = score_documents({"d": {field: pred_items}}, {"d": {field: gold_items}})
    return report.to_dict()


# -- figures -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "gold, pred",
    [
        ((17500000, "元"), (1750, "万元")),
        ((300000000, "元"), (3, "亿元")),
        ((13000, "人"), (1.3, "万人")),
        ((400, "平方米"), (400, "㎡")),
        ((400, "平方米"), (400, "平米")),
        ((96.5, "%"), (96.5, "％")),
        ((2.083, "平方公里"), (2.0830000001, "平方公里")),
    ],
)
def test_figures_match_after_unit_normalization(gold, pred):
    result = score("figures", [fig(*gold)], [fig(*pred)])["figures"]
    assert (result["tp"], result["fp"], result["fn"]) == (1, 0, 0)


@pytest.mark.parametrize(
    "gold, pred",
    [
        ((2.083, "平方公里"), (2.084, "平方公里")),
        ((100, "个"), (100, "家")),
        ((1000, "人"), (1000, "人次")),
        ((5000, "元"), (5000, "万元")),
    ],
)
def test_figures_differ_in_value_or_unit(gold, pred):
    result = score("figures", [fig(*gold)], [fig(*pred)])["figures"]
    assert (result["tp"], result["fp"], result["fn"]) == (0, 1, 1)


def test_normalize_quantity_folds_prefixes_and_aliases():
    assert normalize_quantity(5, "千万元") == (50000000.0, "元")
    assert normalize_quantity(2, "万平方米") == (20000.0, "平方米")
    assert normalize_quantity(3, "公顷") == (30000.0, "平方米")
    assert normalize_quantity(7, "万") == (7.0, "万")  # nothing left to be the unit


def test_figures_match_one_to_one():
    result = score("figures", [fig(100, "个")], [fig(100, "个"), fig(100, "个")])["figures"]
    assert (result["tp"], result["fp"], result["fn"]) == (1, 1, 0)
    assert result["precision"] == 0.5 and result["recall"] == 1.0


def test_optional_figures_are_outside_recall_and_precision():
    gold = [fig(110, "个"), fig(3, "个", required=False), fig(7, "年", required=False)]
    pred = [fig(110, "个"), fig(3, "个"), fig(9, "家")]
    result = score("figures", gold, pred)["figures"]
    assert result["left_out"] == 1
    assert result["predicted"] == 2 and result["tp"] == 1 and result["fp"] == 1
    assert result["gold"] == 1 and result["recall"] == 1.0  # the missed optional 7年 costs nothing


def test_a_prediction_goes_to_the_required_gold_figure_first():
    gold = [fig(100, "例", required=False, text="编制《社工服务项目100例》"), fig(100, "例", text="清单100例")]
    result = score("figures", gold, [fig(100, "例", text="《社工服务项目100例》")])["figures"]
    assert result["recall"] == 1.0 and result["left_out"] == 0


def test_approx_accuracy_over_matched_pairs_pairs_equal_hedges():
    gold = [fig(100, "个", "余"), fig(100, "个"), fig(50, "起", "多")]
    pred = [fig(100, "个"), fig(100, "个", "余"), fig(50, "起", "近"), fig(8, "名")]
    result = score("figures", gold, pred)["figures"]
    assert (result["approx_correct"], result["approx_n"]) == (2, 3)
    details = score_documents({"d": {"figures": pred}}, {"d": {"figures": gold}}).to_dict()
    doc = details["per_document"]["d"]["figures"]
    assert doc["spurious"] == ["8名 | "]
    assert doc["missed"] == [] and len(doc["approx_errors"]) == 1


# -- changes -------------------------------------------------------------------------------


def test_changes_need_equal_from_to_and_unit():
    gold = [
        {"subject": "社会组织", "unit": "家", "from": 183, "to": 769, "text": ""},
        {"subject": "资金", "unit": "元", "from": 50000, "to": 120000, "text": ""},
    ]
    pred = [
        {"subject": "x", "unit": "家", "from": 183, "to": 769, "text": ""},
        {"subject": "y", "unit": "万元", "from": 5, "to": 12, "text": ""},
        {"subject": "z", "unit": "个", "from": 183, "to": 769, "text": ""},
    ]
    result = score("changes", gold, pred)["changes"]
    assert (result["tp"], result["fp"], result["fn"]) == (2, 1, 0)


# -- mechanisms ---------------------------------------------------------------------------


def mech(name, required=True):
    return {"name": name, "required": required, "definition": None}


def test_mechanism_names_ignore_quotes_brackets_and_spaces():
    assert name_key("“三社” 联动") == "三社联动"
    assert name_key("《社区居委会(标准化)建设方案》") == "社区居委会标准化建设方案"
    assert name_key("「議事十二條」") == "議事十二條"


def test_mechanisms_match_by_containment_either_way():
    gold = [mech("三社联动"), mech("社工支网计划"), mech("壹元注册")]
    pred = [mech("“三社”联动"), mech("社工支网"), mech("“壹元注册”制度"), mech("支网计划社工")]
    result = score("mechanisms", gold, pred)["mechanisms"]
    assert result["recall"] == 1.0
    assert (result["tp"], result["fp"]) == (3, 1)


def test_a_match_to_an_optional_mechanism_is_right_but_not_recall():
    gold = [mech("三社联动"), mech("公益创投", required=False)]
    result = score("mechanisms", gold, [mech("公益创投")])["mechanisms"]
    assert result["precision"] == 1.0 and result["recall"] == 0.0
    assert result["gold"] == 1


def test_one_short_mechanism_name_covers_one_gold_name_only():
    result = score("mechanisms", [mech("三社联动"), mech("四社联动")], [mech("联动")])["mechanisms"]
    assert result["recall"] == 0.5 and result["precision"] == 1.0


# -- measures and themes -----------------------------------------------------------------


def test_heading_similarity_boundary_is_inclusive():
    assert headings_match("建立议事会", "建立理事厅")  # difflib ratio exactly 0.6
    assert not headings_match("建立议事会", "建立理财室")  # 0.4
    assert headings_match("强化阵地建设", "一是强化阵地建设。")  # containment
    assert headings_match("做好“暖心”行动", "做好暖心行动")
    assert not headings_match("", "强化阵地建设")


def test_measures_match_one_to_one_and_score_kind_and_themes():
    gold = [
        measure("科学设计定思路", "measure", ["需求调研与精准施策"]),
        measure("强化阵地建设", "measure", ["阵地与设施建设", "社工人才队伍"]),
        measure("有效改善了社区人居环境", "outcome", ["阵地与设施建设"]),
    ]
    pred = [
        measure("科学设计定思路", "measure", ["需求调研与精准施策", "党建引领"]),
        measure("强化阵地建设", "outcome", ["阵地与设施建设"]),
        measure("强化阵地建设", "measure", []),
        measure("完全无关的标题内容", "lesson", ["智慧治理"]),
    ]
    result = score("measures", gold, pred)
    m, t = result["measures"], result["themes"]
    assert (m["tp"], m["fp"], m["fn"]) == (2, 2, 1)
    assert (m["kind_correct"], m["kind_n"]) == (1, 2)
    # themes over the two matched pairs: predicted {需求,党建} {阵地} vs gold {需求} {阵地,社工}
    assert (t["tp"], t["fp"], t["fn"]) == (2, 1, 1)
    assert t["precision"] == pytest.approx(2 / 3) and t["recall"] == pytest.approx(2 / 3)


# -- locations and metadata ----------------------------------------------------------------


def test_primary_location_scored_per_field_where_gold_has_a_value():
    gold = {
        "locations": [
            {
                "province": "内蒙古自治区",
                "city": "包头市",
                "district": "青山区",
                "street": None,
                "community": None,
                "primary": True,
            }
        ]
    }
    pred = {
        "locations": [
            {"province": "湖北省", "city": "武汉市", "district": "青山区", "primary": False},
            {"province": "内蒙古自治区", "city": "包头市", "district": "青山区", "street": "某街道", "primary": True},
        ]
    }
    result = score_documents({"d": pred}, {"d": gold}).to_dict()["locations"]
    assert (result["correct"], result["n"]) == (3, 3)
    assert set(result["per_field"]) == {"province", "city", "district"}


def test_location_errors_are_listed():
    gold = {"locations": [{"province": "广东省", "city": "深圳市", "district": "龙华区", "primary": True}]}
    pred = {"locations": [{"province": "海南省", "city": "海口市", "district": "龙华区", "primary": True}]}
    report = score_documents({"d": pred}, {"d": gold}).to_dict()
    assert report["locations"]["accuracy"] == pytest.approx(1 / 3)
    assert "city: gold 深圳市, predicted 海口市" in report["per_document"]["d"]["locations"]["errors"]


def test_metadata_exact_after_folding_and_null_equals_null():
    gold = {"title": "精准定位街镇职能 深入推进“三社联动”", "published": None, "source": "杭州市民政局"}
    pred = {"title": "精准定位街镇职能深入推进“三社联动”", "published": None, "source": "杭州市民政局 "}
    assert score_documents({"d": pred}, {"d": gold}).to_dict()["metadata"]["accuracy"] == 1.0
    pred_wrong = {"title": "“三社”“四化”", "published": "2017-06-30", "source": None}
    result = score_documents({"d": pred_wrong}, {"d": gold}).to_dict()["metadata"]
    assert result["correct"] == 0 and result["n"] == 3


def test_metadata_folds_full_width_forms_and_corner_quotes():
    gold = {"title": "和睦街道锦绣社区:“三方协商”让老小区焕发新活力"}
    pred = {"title": "和睦街道锦绣社区：「三方协商」让老小区焕发新活力"}
    assert score_documents({"d": pred}, {"d": gold}).to_dict()["metadata"]["accuracy"] == 1.0


# -- documents and fields ------------------------------------------------------------------


def test_missing_document_counts_as_all_missed():
    gold = {
        "doc_id": "a",
        "title": None,
        "published": None,
        "source": None,
        "locations": [{"province": "山东省", "city": "潍坊市", "primary": True}],
        "mechanisms": [mech("四社联动")],
        "figures": [fig(9, "个")],
        "changes": [],
        "measures": [measure("健全完善配套政策")],
    }
    report = score_documents({"other": {}}, {"a": gold}).to_dict()
    assert report["documents"]["missing"] == ["a"] and report["documents"]["unscored"] == ["other"]
    for name in ("figures", "mechanisms", "measures"):
        assert report[name]["recall"] == 0.0 and report[name]["fn"] == 1
    assert report["metadata"]["correct"] == 0 and report["metadata"]["n"] == 3  # null gold, no prediction
    assert report["locations"]["correct"] == 0 and report["locations"]["n"] == 2


def test_field_absent_from_gold_is_not_scored():
    pred = {"changes": [{"unit": "家", "from": 1, "to": 2}], "figures": [fig(1, "家")], "title": "x"}
    report = score_documents({"d": pred}, {"d": {"figures": [fig(1, "家")]}}).to_dict()
    assert report["changes"]["fp"] == 0 and report["changes"]["predicted"] == 0
    assert report["metadata"]["n"] == 0
    assert report["per_document"]["d"]["changes"]["scored"] is False
    assert report["per_document"]["d"]["figures"]["scored"] is True


def test_documents_sum_micro_averaged():
    gold = {"a": {"figures": [fig(1, "个"), fig(2, "个")]}, "b": {"figures": [fig(3, "个")]}}
    pred = {"a": {"figures": [fig(1, "个"), fig(2, "个")]}, "b": {"figures": [fig(4, "个")]}}
    result = score_documents(pred, gold).to_dict()["figures"]
    assert (result["tp"], result["fp"], result["fn"]) == (2, 1, 1)
    assert result["precision"] == pytest.approx(2 / 3)  # not the macro (1.0 + 0.0) / 2


def _ratios(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in {"precision", "recall", "f1", "accuracy", "approx_accuracy", "kind_accuracy"}:
                yield key, value
            else:
                yield from _ratios(value)


@pytest.mark.parametrize("gold_dir", GOLD_DIRS, ids=lambda p: p.name)
def test_gold_scored_against_itself_is_perfect(gold_dir):
    gold = load_gold_dir(gold_dir)
    assert len(gold) >= 3
    report = score_documents(gold, gold)
    ratios = list(_ratios(report.to_dict()))
    assert ratios and all(value == 1.0 for _, value in ratios)
    assert report.total.figures.counts.gold > 50  # not vacuously perfect
    assert "figures" in report.render_table()


@pytest.mark.parametrize("gold_dir", GOLD_DIRS, ids=lambda p: p.name)
def test_gold_files_follow_the_schema(gold_dir):
    themes = {t["name"] for t in json.loads(data_path("themes.json").read_text(encoding="utf-8"))["themes"]}
    for stem, doc in load_gold_dir(gold_dir).items():
        assert doc["doc_id"] == stem
        assert doc["script"] in {"simplified", "traditional"}
        assert sum(loc["primary"] for loc in doc["locations"]) == 1
        for f in doc["figures"]:
            assert isinstance(f["value"], (int, float)) and f["unit"] and isinstance(f["required"], bool)
        for c in doc["changes"]:
            assert any(f["value"] == c["from"] and f["unit"] == c["unit"] for f in doc["figures"]), c
            assert any(f["value"] == c["to"] and f["unit"] == c["unit"] for f in doc["figures"]), c
        for m in doc["measures"]:
            assert m["kind"] in MEASURE_KINDS and 1 <= len(m["themes"]) <= 2
            assert set(m["themes"]) <= themes, m
        for m in doc["mechanisms"]:
            assert name_key(m["name"]) == m["name"].replace(" ", "") and isinstance(m["required"], bool)


def test_render_table_lists_every_field():
    gold = load_gold_dir(GOLD_DIRS[0])
    table = score_documents({}, gold).render_table()
    for label in (
        "figures",
        "approx",
        "changes",
        "mechanisms",
        "measures",
        "kind",
        "themes",
        "locations",
        "city",
        "metadata",
        "title",
    ):
        assert label in table
    assert "without prediction" in table


def test_load_gold_dir_ignores_other_files_and_names_a_broken_one(tmp_path):
    (tmp_path / "SCHEMA.md").write_text("# schema", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    (tmp_path / "good.json").write_text(json.dumps({"doc_id": "good", "figures": []}), encoding="utf-8")
    assert list(load_gold_dir(tmp_path)) == ["good"]
    (tmp_path / "bad.json").write_text('{"doc_id": "bad",', encoding="utf-8")
    with pytest.raises(ValueError, match="bad.json"):
        load_gold_dir(tmp_path)
    with pytest.raises(FileNotFoundError):
        load_gold_dir(tmp_path / "nowhere")
