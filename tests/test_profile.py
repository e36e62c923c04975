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


def test_a_fund_named_after_the_place_does_not_own_its_money():
    # “雨山邻里公益基金” carries the district's name; the district's own budget line is its input.
    profile = _profile(
        "雨山区公益创投\n"
        "雨山区区财政自2020年起每年安排社区社会组织公益创投资金300万元。"
        "联合区慈善协会设立“雨山邻里公益基金”,目前基金规模达86万元。\n"
    )
    assert profile.value("资金投入").shown == "300万元"


def test_seed_money_is_part_of_the_total_raised():
    profile = _profile(
        "云凤社区基金\n云凤社区位于观山湖区。基金启动资金由街道投入20万元,此后持续筹资,两年来累计筹集资金186.4万元。\n"
    )
    assert profile.value("资金投入").shown == "186.4万元"


def test_an_example_paragraph_speaks_for_its_instance():
    profile = _profile(
        "锦绣社区:三方协商\n锦绣社区设立睦邻基金,首期筹集资金18万元。\n"
        "以加装电梯为例,12号楼的居民起初意见分歧很大。电梯于今年6月投入使用,总投资65万元。\n"
    )
    assert profile.value("资金投入").shown == "18万元"


def test_the_money_named_before_the_number_maps_when_the_words_after_it_say_what_it_built():
    profile = _profile("辽宁路街道网格化治理\n辽宁路街道投入资金460万元建设街道网格化综合指挥中心。\n")
    assert profile.value("资金投入").shown == "460万元"


def test_each_data_box_cell_is_its_own_clause():
    # 注册志愿者 in the next cell is not what the 63 counts; the cell's own words decide.
    profile = _profile("扬名街道\n【数说扬名】社区社会组织 47家|持证社工 63名|注册志愿者 3400余人|慈善资金 86.3万元\n")
    assert profile.value("社工人数").shown == "63人"
    assert profile.value("志愿者人数").value == 3400


def test_community_activities_before_group_sessions():
    profile = _profile("望月湖街道社工站\n望月湖街道一年来累计开展个案服务68个、小组活动110场、社区活动85场。\n")
    assert profile.value("活动场次").shown == "85场"


def test_each_sub_areas_budget_is_not_the_districts_input():
    profile = _profile(
        "青山区三社联动\n青山区列入财政预算每年投入800万元购买社会力量项目服务。"
        "街道将社区年活动经费由20万元增加到50万元。\n"
    )
    assert profile.value("资金投入").shown == "800万元"


def test_the_chooser_explains_a_choice_by_named_features():
    from pipeline.profile import WEIGHTS, _Context, candidates, case_place, features

    text = "雨山区公益创投\n雨山区区财政每年安排公益创投资金300万元,撬动社会配套资金210万元。\n"
    doc = Document("case", text, aliases=["reports/case.txt"])
    analysis = analyze_document(doc, label_themes=False)
    place = case_place(text, analysis.structure, analysis.extraction)
    ctx = _Context(text, analysis.structure, analysis.extraction, place)
    by_value = {c.value: features(c, ctx) for c in candidates(text, analysis.extraction)}
    assert by_value[2100000.0]["lever"] == WEIGHTS["lever"]
    assert by_value[3000000.0]["own"] == WEIGHTS["own"]


def test_coverage_of_every_town_counts_its_stations():
    profile = _profile(
        "新化县乡镇社工站\n新化县辖26个乡镇(街道)、613个村(社区)。"
        "按照“五有”标准,实现乡镇(街道)社工站全覆盖,站点面积均在80平方米以上。\n"
    )
    value = profile.value("社工站数")
    assert value.value == 26 and "全覆盖" in value.text


def test_the_streets_own_station_is_one_and_a_communitys_room_is_not_a_station():
    profile = _profile(
        "扬名街道社工站\n无锡市梁溪区扬名街道下辖12个社区。2021年,扬名街道社工站挂牌运行,并在12个社区全部设立社工室。\n"
    )
    assert profile.value("社工站数").value == 1
    county = _profile("新化县社工站\n新化县辖26个乡镇。新化县社工站建设经验被省民政厅推介。\n")
    assert not county.value("社工站数").found  # a county's 社工站建设 is not one station


def test_a_plan_is_never_the_cases_figure():
    profile = _profile("鼓楼区近邻党建\n下一步,鼓楼区力争到2022年培育社区社会组织500家。\n")
    value = profile.value("社会组织数")
    assert not value.found and value.others == 1  # kept as a detail, not chosen


def test_those_that_did_something_are_not_all_of_them():
    profile = _profile("仁厚庄社区红色物业\n仁厚庄社区共有居民小区19个。目前,全社区成立业委会的小区由5个增加到13个。\n")
    assert profile.value("小区数").shown == "19个"


def test_a_villages_households_and_people_by_its_whole_place_word():
    profile = _profile("竹泉村村民说事\n竹泉村隶属沂南县铜井镇,全村共有386户、1260人,户籍人口1400人。\n")
    assert profile.value("户数").value == 386 and profile.value("常住人口").value == 1260


def test_service_to_everyone_before_service_to_one_group():
    profile = _profile(
        "兴庆区和悦社区:“石榴籽”嵌入式服务\n四点半课堂累计服务学生3600余人次。社区年均开展各类活动60余场,参与群众达1.5万人次。\n"
    )
    assert profile.value("服务人次").value == 15000


def test_the_words_after_a_number_stop_at_the_next_counted_thing():
    # 6名专职社工和120余名志愿者: 志愿 (an exclusion of 社工人数) belongs to the next count.
    profile = _profile("云凤社区\n云凤社区组建由6名专职社工和120余名志愿者组成的服务团队。\n")
    assert profile.value("社工人数").value == 6 and profile.value("志愿者人数").value == 120


def test_prices_and_per_unit_amounts_are_not_the_cases_money():
    profile = _profile(
        "锦绣社区邻里食堂\n锦绣社区位于大武口区。区里统筹资金42万元进行改造。"
        "60岁以上老人享受8元优惠价,特困老人再由财政补贴3元;对加装电梯的项目每台给予20万元补助。\n"
    )
    assert profile.value("资金投入").shown == "42万元"


def test_a_coarser_place_before_the_cases_own_name_does_not_own_the_count():
    profile = _profile("西陵区公益创投\n湖北省宜昌市西陵区辖7个街道、52个社区,常住人口51万人。\n")
    assert profile.value("社区数").value == 52 and profile.value("常住人口").value == 510000


def test_towns_that_did_something_are_not_the_citys_communities():
    profile = _profile("苏州五社联动\n江苏省苏州市推进五社联动。目前,苏州97个乡镇(街道)建立了“社区慈善基金”。\n")
    assert not profile.value("社区数").found  # 97 counts towns and streets, not communities
