"""Records -> gold schema, and the files written from it."""

import json

import pytest

from pipeline.evaluate import score_documents
from pipeline.export import SCHEMA_KEYS, to_gold_schema, write_export
from pipeline.records import (
    CaseMetadata,
    Change,
    Document,
    Extraction,
    Figure,
    Measure,
    Mechanism,
    Place,
)

TEXT = (
    "桐荫社区位于成都市武侯区玉林街道,常住人口1.2万余人,辖区面积0.86平方公里。"
    "社区注册志愿者由420人增长到1600余人。探索形成“一核三治”工作法。一是建立院落党小组。"
)


def span(phrase):
    start = TEXT.index(phrase)
    return start, start + len(phrase)


def make_doc(doc_id="d1", alias="/data/reports/cd_wuhou_2021.txt"):
    return Document(doc_id=doc_id, text=TEXT, script="traditional", aliases=[alias])


def make_extraction(doc_id="d1", places=None):
    return Extraction(
        doc_id=doc_id,
        metadata=CaseMetadata(doc_id=doc_id, title="以“一核三治”激活老旧院落微治理", published="2021-11", source=None),
        figures=[
            Figure(doc_id, *span("1.2万余人"), 1.2 * 10000, "人", "余", "常住人口", "常住人口1.2万余人", "1.2万余人"),
            Figure(doc_id, *span("0.86平方公里"), 0.86, "平方公里", None, "辖区面积", "辖区面积0.86平方公里"),
        ],
        changes=[
            Change(
                doc_id,
                *span("社区注册志愿者由420人增长到1600余人"),
                "注册志愿者",
                "人",
                420.0,
                1600.0,
                "社区注册志愿者由420人增长到1600余人",
            )
        ],
        mechanisms=[Mechanism(doc_id, *span("一核三治"), "一核三治", definition=None)],
        measures=[
            Measure(
                doc_id,
                *span("一是建立院落党小组。"),
                "建立院落党小组",
                "一是建立院落党小组。",
                None,
                "measure",
                themes=["党建引领"],
            )
        ],
        places=places
        if places is not None
        else [
            Place(doc_id, *span("成都市武侯区"), province="四川省", city="成都市", district="武侯区", code="510107"),
            Place(
                doc_id,
                *span("玉林街道"),
                province="四川省",
                city="成都市",
                district="武侯区",
                street="玉林街道",
                primary=True,
            ),
        ],
    )


def test_export_has_exactly_the_schema_keys_and_spans():
    out = to_gold_schema(make_doc(), make_extraction())
    assert tuple(out) == SCHEMA_KEYS
    assert out["doc_id"] == "cd_wuhou_2021"  # the file stem, which names the gold file
    assert out["script"] == "traditional" and out["published"] == "2021-11" and out["source"] is None
    fig = out["figures"][0]
    assert set(fig) == {"value", "unit", "approx", "subject", "text", "required", "start", "end"}
    assert fig["required"] is True
    assert TEXT[fig["start"] : fig["end"]] == "1.2万余人"
    assert set(out["changes"][0]) == {"subject", "unit", "from", "to", "text", "start", "end"}
    assert set(out["mechanisms"][0]) == {"name", "required", "definition", "start", "end"}
    assert set(out["measures"][0]) == {"section", "heading", "themes", "kind", "start", "end", "text"}
    assert set(out["locations"][0]) == {
        "province",
        "city",
        "district",
        "street",
        "community",
        "primary",
        "code",
        "start",
        "end",
    }
    json.dumps(out, ensure_ascii=False)


def test_values_are_int_when_integral_else_float():
    out = to_gold_schema(make_doc(), make_extraction())
    big, area = out["figures"][0]["value"], out["figures"][1]["value"]
    assert big == 12000 and type(big) is int  # 1.2 * 10000 is 12000.000000000002 as a float
    assert area == 0.86 and type(area) is float
    change = out["changes"][0]
    assert (change["from"], change["to"]) == (420, 1600) and type(change["from"]) is int


def test_exactly_one_primary_location_listed_first():
    out = to_gold_schema(make_doc(), make_extraction())
    assert [loc["primary"] for loc in out["locations"]] == [True, False]
    assert out["locations"][0]["street"] == "玉林街道"


@pytest.mark.parametrize(
    "places, expected",
    [
        ([], []),
        ([Place("d1", 0, 3, city="成都市"), Place("d1", 5, 8, city="杭州市")], [True, False]),
        (
            [Place("d1", 0, 3, city="成都市", primary=True), Place("d1", 5, 8, city="杭州市", primary=True)],
            [True, False],
        ),
    ],
)
def test_primary_flag_when_extractor_marks_none_or_several(places, expected):
    out = to_gold_schema(make_doc(), make_extraction(places=places))
    assert [loc["primary"] for loc in out["locations"]] == expected
    if places:
        assert out["locations"][0]["city"] == "成都市"


def test_export_scores_perfectly_against_matching_gold():
    out = to_gold_schema(make_doc(), make_extraction())
    gold = {
        "doc_id": "cd_wuhou_2021",
        "title": "以“一核三治”激活老旧院落微治理",
        "published": "2021-11",
        "source": None,
        "script": "traditional",
        "locations": [
            {
                "province": "四川省",
                "city": "成都市",
                "district": "武侯区",
                "street": "玉林街道",
                "community": None,
                "primary": True,
            }
        ],
        "mechanisms": [{"name": "一核三治", "required": True, "definition": None}],
        "figures": [
            {"value": 12000, "unit": "人", "approx": "余", "subject": "常住人口", "text": "", "required": True},
            {"value": 0.86, "unit": "平方公里", "approx": None, "subject": "", "text": "", "required": True},
        ],
        "changes": [{"subject": "注册志愿者", "unit": "人", "from": 420, "to": 1600, "text": ""}],
        "measures": [{"section": None, "heading": "建立院落党小组", "themes": ["党建引领"], "kind": "measure"}],
    }
    report = score_documents({"cd_wuhou_2021": out}, {"cd_wuhou_2021": gold}).to_dict()
    for name in ("figures", "changes", "mechanisms", "measures", "themes"):
        assert report[name]["f1"] == 1.0 and report[name]["tp"] >= 1
    assert report["locations"]["accuracy"] == 1.0 and report["metadata"]["accuracy"] == 1.0


def test_write_export_names_files_by_stem_and_leaves_no_temp_files(tmp_path):
    items = [
        (make_doc("d1", "/a/000_abc.txt"), make_extraction("d1")),
        (make_doc("d2", "https://example.org/news/cq_web_2019.html"), make_extraction("d2")),
    ]
    out_dir = tmp_path / "export"
    paths = write_export(items, out_dir)
    assert [p.name for p in paths] == ["000_abc.json", "cq_web_2019.json"]
    assert sorted(p.name for p in out_dir.iterdir()) == ["000_abc.json", "cq_web_2019.json"]
    raw = paths[0].read_text(encoding="utf-8")
    assert "一核三治" in raw  # ensure_ascii=False
    assert json.loads(raw)["doc_id"] == "000_abc"


def test_write_export_keeps_both_documents_when_stems_collide(tmp_path):
    items = [
        (make_doc("d1", "/site-a/index.html"), make_extraction("d1")),
        (make_doc("d2", "/site-b/index.html"), make_extraction("d2")),
    ]
    paths = write_export(items, tmp_path)
    assert [p.name for p in paths] == ["index.json", "index_d2.json"]
    assert json.loads(paths[1].read_text(encoding="utf-8"))["doc_id"] == "index_d2"


def test_write_export_replaces_an_existing_file(tmp_path):
    (tmp_path / "000_abc.json").write_text("stale", encoding="utf-8")
    write_export([(make_doc("d1", "/a/000_abc.txt"), make_extraction("d1"))], tmp_path)
    assert json.loads((tmp_path / "000_abc.json").read_text(encoding="utf-8"))["doc_id"] == "000_abc"


def test_export_carries_the_case_profile():
    out = to_gold_schema(make_doc(), make_extraction())
    profile = out["profile"]
    assert profile["place"] == "四川省/成都市/武侯区/玉林街道"
    people = profile["indicators"]["常住人口"]
    assert (people["value"], people["unit"], people["approx"]) == (12000, "人", "余")
    assert TEXT[people["start"] : people["end"]] == "1.2万余人"
    assert people["text"] == "常住人口1.2万余人"  # without the structure, the clause stands for the sentence
    assert profile["indicators"]["社工站数"] is None  # 未找到: said, not left blank


def test_a_practice_passage_is_exported_apart_from_the_titled_measures():
    extraction = make_extraction()
    doc = make_doc()
    text = "居民有事找社区,社区干部逐户上门听取意见,汇总后提交议事会讨论。"
    extraction.measures.append(Measure(extraction.doc_id, 0, len(text), "", text, None, "measure", titled=False))
    out = to_gold_schema(doc, extraction)
    assert [m["heading"] for m in out["measures"]] == ["建立院落党小组"]
    assert len(out["passages"]) == 1
    passage = out["passages"][0]
    assert (
        "heading" not in passage
        and passage["snippet"].startswith("居民有事找社区")
        and passage["snippet"].endswith("…")
    )
