import pytest

from pipeline.cluster import ClusterInput, cluster_measures, cluster_scores

# Three practices written in different words by four cities.
PRACTICES = {
    "精准服务供给": [
        "建设老年人日间照料中心,为高龄独居老人提供助餐和上门照护服务",
        "开办社区长者食堂,为老年人提供助餐配餐,为失能老人上门照护",
        "为独居老人安装紧急呼叫设备,社工定期上门探访老人",
        "依托养老服务驿站,为老年人提供日间照料、助餐和康复护理",
        "组织老年人健康体检,为高龄老人建立健康档案并上门照护",
        "针对空巢老人开展助餐送餐服务,设立老年人日间照料站",
    ],
    "矛盾调解与平安建设": [
        "成立人民调解委员会,调解邻里纠纷和物业矛盾",
        "设立矛盾纠纷调解室,律师驻点调解邻里纠纷",
        "组织楼栋长排查矛盾纠纷,及时调解化解邻里矛盾",
        "建立一站式矛盾纠纷调处中心,调解物业纠纷和家庭矛盾",
        "聘请退休法官担任调解员,就地调解化解邻里纠纷",
        "开展矛盾纠纷大排查,网格员上报纠纷,调解员入户调解",
    ],
    "志愿服务与慈善资源": [
        "组建社区志愿服务队,招募志愿者开展志愿服务",
        "推行志愿服务时间银行,志愿者服务时长兑换积分",
        "发动志愿者参与垃圾分类志愿服务,表彰优秀志愿者",
        "招募大学生志愿者组建志愿服务队,开展周末志愿服务",
        "建立志愿者积分制度,志愿服务积分兑换生活用品",
        "组织党员志愿者和青年志愿者开展志愿服务活动",
    ],
}
CITIES = ["成都市", "杭州市", "长沙市", "西安市"]


def make_items() -> list[ClusterInput]:
    items = []
    for theme, texts in PRACTICES.items():
        for i, text in enumerate(texts):
            city = CITIES[i % len(CITIES)]
            items.append(ClusterInput(f"{theme}-{i}", f"doc-{city}", city, text.split(",")[0], text, [theme]))
    return items


def test_same_input_gives_same_clusters():
    a, b = cluster_measures(make_items()), cluster_measures(make_items())
    assert a.assignments == b.assignments
    assert [c.label for c in a.clusters] == [c.label for c in b.clusters]


def test_recovers_the_written_practices():
    items = make_items()
    result = cluster_measures(items, k=3)
    gold = {item.measure_id: item.themes[0] for item in items}
    scores = cluster_scores(result, gold)
    assert scores["nmi"] >= 0.7
    assert scores["measures"] == len(items)
    assert {c.theme for c in result.clusters} == set(PRACTICES)


def test_labels_are_readable_terms_and_theme():
    result = cluster_measures(make_items(), k=3)
    for cluster in result.clusters:
        assert cluster.terms and all(len(t) > 1 for t in cluster.terms)
        assert cluster.label.startswith(f"{cluster.theme}: ")
    care = next(c for c in result.clusters if c.theme == "精准服务供给")
    assert {"老人", "老年人", "助餐", "上门", "照护"} & set(care.terms)


def test_chooses_k_automatically():
    result = cluster_measures(make_items())
    assert 2 <= result.k <= len(make_items()) - 1
    assert result.silhouette is not None
    assert len(result.clusters) == result.k


def test_cross_city_matrices_count_each_measure_once():
    items = make_items() + [ClusterInput("x", "doc-x", None, "无城市", "社区志愿者开展志愿服务", [])]
    result = cluster_measures(items, k=3)
    by_theme = result.city_theme_matrix()
    by_cluster = result.city_cluster_matrix()
    assert by_theme.to_numpy().sum() == len(items)
    assert by_cluster.to_numpy().sum() == len(items)
    assert by_theme.loc["成都市", "精准服务供给"] == 2
    assert by_theme.loc["未知", "未分类"] == 1
    assert sum(c.size for c in result.clusters) == len(items)


def test_members_carry_their_source():
    result = cluster_measures(make_items(), k=3)
    member = result.clusters[0].members[0]
    assert member.doc_id.startswith("doc-") and member.city in CITIES and member.heading


def test_scores_ignore_measures_without_gold():
    result = cluster_measures(make_items(), k=3)
    scores = cluster_scores(result, {"精准服务供给-0": ["精准服务供给", "社工人才队伍"]})
    assert scores["measures"] == 1
    assert cluster_scores(result, {})["nmi"] is None


@pytest.mark.parametrize("n", [0, 1, 2])
def test_tiny_inputs(n):
    result = cluster_measures(make_items()[:n])
    assert len(result.assignments) == n
    assert sum(c.size for c in result.clusters) == n


def test_csv_lists_every_member_with_its_cluster(tmp_path):
    import pandas as pd

    from pipeline.cluster import write_clusters_csv

    result = cluster_measures(make_items(), k=3)
    path = write_clusters_csv(result, tmp_path / "out" / "clusters.csv")
    frame = pd.read_csv(path, encoding="utf-8-sig")
    assert len(frame) == len(make_items())
    assert set(frame["city"]) == set(CITIES)
    assert frame.groupby("cluster_id")["cluster_theme"].nunique().max() == 1
