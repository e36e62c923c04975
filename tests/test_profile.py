"""The case profile: one value per indicator that describes the case as a whole, read from real text."""

import pytest

from pipeline import api
from pipeline.analyze import analyze_document
from pipeline.profile import NOT_FOUND, case_profile, stored_profiles
from pipeline.records import Document
from pipeline.store import Store


def _profile(text: str, stem: str = "case"):
    doc = Document(stem, text, aliases=[f"reports/{stem}.txt"])
    analysis = analyze_document(doc, label_themes=False)
    return case_profile(doc, analysis.structure, analysis.extraction)


@pytest.fixture(scope="module")
def fixtures(fixture_store):
    with Store(fixture_store, readonly=True) as store:
        return {p.stem: p for p in stored_profiles(store)}


@pytest.fixture(scope="module")
def seeds(seed_store):
    with Store(seed_store, readonly=True) as store:
        return {p.stem: p for p in stored_profiles(store)}


def test_a_change_shows_both_values_with_its_sentence(seeds):
    value = seeds["001_143382d16654aa58"].value("社会组织数")
    assert (value.before, value.value, value.shown) == (183, 769, "183→769家")
    assert "由183家迅速增长到769家" in value.text


def test_the_total_not_its_parts(seeds):
    """共有小区123个, 其中社区管理小区58个…: the case's count is the total, not a part."""
    profile = seeds["003_5ad10c239fe98687"]
    assert profile.value("小区数").value == 123
    assert profile.value("常住人口").shown == "12.2万人"
    assert profile.place.name == "东关街道" and profile.place.level == "street"


def test_not_found_is_said_not_left_blank(seeds):
    value = seeds["003_5ad10c239fe98687"].value("社工站数")
    assert not value.found and value.shown == NOT_FOUND


def test_every_value_points_at_its_sentence(fixtures):
    for profile in fixtures.values():
        for value in profile.values.values():
            if value.found:
                assert value.start is not None and value.text, (profile.stem, value)


def test_a_headline_about_the_street_puts_the_case_at_the_street(fixtures):
    """长沙望月湖街道:… opens with the street's facts; its community is an example, not the case."""
    profile = fixtures["cs_yuelu_2021"]
    assert (profile.place.name, profile.place.level) == ("望月湖街道", "street")
    assert profile.place.chain == ["湖南省", "长沙市", "岳麓区", "望月湖街道"]
    assert not profile.value("常住人口").found  # 9600多人 are the community's people


def test_facts_about_the_community_keep_the_community(fixtures):
    """包河区常青街道:… but 翠竹园社区位于…辖区面积约0.65平方公里: the report is about the community."""
    profile = fixtures["hf_baohe_2022"]
    assert profile.place.name == "翠竹园社区"
    assert profile.value("辖区面积").shown == "约0.65平方公里"


def test_a_coarser_place_owns_the_count_before_it():
    profile = _profile(
        "大和社区:三社联动\n"
        "广东深圳市龙华区大和社区位于观湖街道。龙华区110个社区有77个在城中村。"
        "大和社区辖区面积2.083平方公里,居民4241户21059人。\n"
    )
    assert profile.place.name == "大和社区"
    assert not profile.value("社区数").found  # the district's communities, not the case's
    assert profile.value("户数").value == 4241 and profile.value("常住人口").value == 21059


def test_per_unit_and_limits_are_not_the_case_total():
    profile = _profile(
        "雨山区公益创投\n雨山区区财政每年安排公益创投资金300万元,单个项目最高资助5万元,给予不超过5000元的微启动资金。\n"
    )
    assert profile.value("资金投入").shown == "300万元"


def test_meetings_are_not_activities_and_training_is_not_service():
    profile = _profile("锦绣社区议事\n锦绣社区全年召开居民议事会19场,组织集中培训12期、1100余人次。\n")
    assert not profile.value("活动场次").found
    assert not profile.value("服务人次").found


def test_profile_is_scored_by_evaluate(seed_store):
    report = api.evaluate(seed_store, "corpus/gold", themes_lodo=False).to_dict()["profile"]
    assert report["n"] > 20 and set(report["per_indicator"]) >= {"社会组织数", "常住人口"}
    assert report["place"]["correct"] == report["place"]["n"] == 4
