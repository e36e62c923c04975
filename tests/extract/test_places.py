import json

import opencc
import pytest

from pipeline.analyze import document_context
from pipeline.extract.places import places
from pipeline.resources import data_dir, reports_dir
from pipeline.structure import build_structure

FIELDS = ("province", "city", "district", "street", "community")
SEEDS = sorted(p.stem for p in reports_dir().glob("0*.txt"))


def seed_doc(doc_id):
    text = (reports_dir() / f"{doc_id}.txt").read_text(encoding="utf-8")
    gold = json.loads((data_dir() / "gold" / f"{doc_id}.json").read_text(encoding="utf-8"))
    if gold["script"] == "traditional":  # spans refer to the normalized (Simplified) text
        text = opencc.OpenCC("t2s").convert(text)
    return build_structure(doc_id, text), gold


def chain(place):
    return tuple(getattr(place, f) for f in FIELDS)


@pytest.mark.parametrize("doc_id", SEEDS)
def test_seed_primary_matches_gold(doc_id):
    doc, gold = seed_doc(doc_id)
    found = list(places(document_context(doc)))
    primary = [p for p in found if p.primary]
    assert len(primary) == 1
    expected = next(loc for loc in gold["locations"] if loc["primary"])
    for f in FIELDS:
        if expected[f] is not None:
            assert getattr(primary[0], f) == expected[f], f


@pytest.mark.parametrize("doc_id", SEEDS)
def test_spans_point_at_the_place(doc_id):
    doc, _ = seed_doc(doc_id)
    for place in places(document_context(doc)):
        deepest = [v for v in chain(place) if v][-1]
        assert doc.text[place.start : place.end][:2] == deepest[:2]
        assert place.doc_id == doc_id


def test_suzhou_secondary_places_carry_their_city():
    doc, _ = seed_doc(next(s for s in SEEDS if s.startswith("002")))
    secondary = {chain(p) for p in places(document_context(doc)) if not p.primary}
    assert ("江苏省", "苏州市", "常熟市", "海虞镇", "海福新城社区") in secondary
    assert ("江苏省", "苏州市", "昆山市", None, None) in secondary
    assert not any(c[1] == "大同市" for c in secondary)  # 昆山市大同社会工作服务中心


CASES = [
    (  # only the district and the city's short name are written
        "成都武侯区玉林街道黉门街社区以“院落自治”破解老旧小区治理难题。\n"
        "近年来,武侯区在黉门街社区推行居民议事会制度,成都多个社区借鉴了这一做法。黉门街社区现有居民3200户。",
        ("四川省", "成都市", "武侯区", "玉林街道", "黉门街社区"),
    ),
    (  # 长治久安, 大同社工, 锋芒, 和平, 新城 are no places; generic 社区 phrases are no communities
        "杭州市上城区湖滨街道以“五社联动”推动社会治理长治久安。\n"
        "湖滨街道引入大同社工服务中心,大同社工深入各社区开展服务。一个社区一个特色,"
        "本社区、该社区和全市社区都参与其中,城中村社区也不例外。\n"
        "社工在锋芒初试中成长,和平共处、新城建设成为居民关心的话题。",
        ("浙江省", "杭州市", "上城区", "湖滨街道", None),
    ),
    (  # old city name
        "湖北省襄樊市樊城区米公街道推行“网格化管理”。\n樊城区在米公街道试点后,襄樊全市推广。",
        ("湖北省", "襄阳市", "樊城区", "米公街道", None),
    ),
    (  # county-level city, a town by its common name, a village
        "浙江省桐乡市乌镇的横港村开展“三治融合”。\n"
        "桐乡市以横港村为样板,在全市村社推广“百事服务团”。横港村村民议事会每月召开一次。",
        ("浙江省", "嘉兴市", "桐乡市", "乌镇镇", "横港村"),
    ),
    (  # 青山区 of 武汉, not of 包头
        "武汉市青山区红卫路街道创新“三社联动”。青山区的经验得到推广。",
        ("湖北省", "武汉市", "青山区", "红卫路街道", None),
    ),
    (  # a city without districts; the town hangs under the city; a bare 居委会 as written
        "东莞市虎门镇推进社区治理,虎门镇威远居委会组建了议事会。",
        ("广东省", "东莞市", None, "虎门镇", "威远居委会"),
    ),
    (  # 社区居委会 is its 社区; so is a bare 居委会 of a stem also written with 社区
        "上海市普陀区长风新村街道锦绣园社区居委会牵头,锦绣园居委会组织楼组长走访。",
        ("上海市", "上海市", "普陀区", "长风新村街道", "锦绣园社区"),
    ),
]


@pytest.mark.parametrize("text,expected", CASES)
def test_primary_place_of_own_texts(text, expected):
    found = list(places(document_context(build_structure("t", text))))
    assert chain(found[0]) == expected
    assert found[0].primary and not any(p.primary for p in found[1:])


def test_non_places_are_not_reported():
    text = CASES[1][0]
    found = list(places(document_context(build_structure("t", text))))
    values = {v for p in found for v in chain(p)}
    assert not values & {"长治市", "大同市", "芒市", "和平区", "新城区"}
    assert not any(p.community for p in found)


def test_ambiguous_district_without_context_is_left_out():
    assert list(places(document_context(build_structure("t", "青山区推行网格化管理。和平区也有类似做法。")))) == []


def test_code_is_the_most_specific_coded_level():
    found = list(places(document_context(build_structure("t", CASES[0][0]))))
    assert found[0].code == "510107"


def test_name_scan_takes_the_longest_name_at_each_position():
    from pipeline.extract.places import _matcher

    matcher = _matcher()
    # Characters outside the Basic Multilingual Plane and past the names' alphabet must not disturb the scan.
    text = "😀深圳市龙华区𠀀观湖街道,广东省深圳市\n" + "".join(
        (reports_dir() / f"{doc_id}.txt").read_text(encoding="utf-8") for doc_id in SEEDS
    )
    expected, i, longest = [], 0, max(map(len, matcher.forms))
    while i < len(text) - 1:  # the plain definition: every position, every name
        n = max((n for n in range(2, longest + 1) if text[i : i + n] in matcher.forms), default=0)
        if n:
            expected.append((i, i + n))
        i += n or 1
    found = list(matcher.names(text))
    assert found == expected
    assert (1, 4) in found and (4, 7) in found  # 深圳市, 龙华区


def test_a_name_read_back_from_its_suffix_starts_after_qizhong():
    text = "长沙市岳麓区望月湖街道下辖6个社区,其中岳华社区辖区面积0.42平方公里。"
    found = list(places(document_context(build_structure("q", text))))
    assert [p.community for p in found if p.community] == ["岳华社区"]


def test_a_community_named_before_its_street_takes_the_whole_chain():
    text = "翠竹园社区位于合肥市包河区常青街道西北部,辖区面积约0.65平方公里。"
    (place,) = [p for p in places(document_context(build_structure("c", text))) if p.primary]
    assert (place.district, place.street, place.community) == ("包河区", "常青街道", "翠竹园社区")


@pytest.mark.parametrize(
    "text, communities",
    [
        # A one-character village right after its town is a name, and recurs as one.
        ("浙江省湖州市安吉县天荒坪镇余村面积4.86平方公里。余村探索村民说事制度。", ["余村"]),
        # 和 links two villages named after a town; in 和平村 it starts the name.
        ("安吉县天荒坪镇余村和大竹园村联合开展活动。", ["余村", "大竹园村"]),
        ("安吉县天荒坪镇和平村开展活动。", ["和平村"]),
        # Words and districts that end in 村 are no villages.
        ("安吉县天荒坪镇全村面积4.86平方公里,借鉴湖南农村的做法。", []),
        ("山东省淄博市周村区东关街道推进社区治理。", []),
    ],
)
def test_villages_named_after_their_town(text, communities):
    found = {p.community for p in places(document_context(build_structure("v", text))) if p.community}
    assert found == set(communities)


def test_a_town_of_a_city_without_districts_is_placed_under_the_named_city():
    # 东莞 has towns and streets straight under the city; 东城街道 also exists in
    # dozens of other counties, and the text names other provinces in passing
    # and a person whose given name is a county (刘建平: 建平县).
    text = (
        "东城街道榴花社区:“四点半课堂”解了双职工的忧\n"
        "在东城街道榴花社区党群服务中心,来自湖南的家长王女士接过了孩子。"
        "“现在我当上了楼栋长。”在东莞工作了11年的四川人刘建平说。"
        "社区引入东莞市启航社会工作服务中心开设课堂,并在东莞市慈善会设立社区基金。\n"
    )
    primary = next(p for p in places(document_context(build_structure("dg", text))) if p.primary)
    assert chain(primary) == ("广东省", "东莞市", None, "东城街道", "榴花社区")


@pytest.mark.parametrize(
    "text, community",
    [
        ("东城区体育馆路街道四块玉社区的胡同里停满了车。", "四块玉社区"),
        ("渝中区石油路街道五里店社区开展议事活动。", "五里店社区"),
        ("东城区体育馆路街道十二个社区全部建立议事会。", None),
        ("朝阳区麦子店街道三个社区联合开展活动。", None),
    ],
)
def test_a_community_name_after_its_street_may_open_with_a_numeral(text, community):
    primary = next(p for p in places(document_context(build_structure("n", text))) if p.primary)
    assert primary.community == community
