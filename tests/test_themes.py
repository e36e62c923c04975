import json
import re
import subprocess
import sys

import numpy as np
import pytest

from pipeline import themes, themes_train
from pipeline.records import Measure
from pipeline.resources import data_path
from pipeline.themes import SeedScorer, ThemeModel, label_measures, load_default_model, load_taxonomy

GOLD = data_path("gold")
CORPUS = data_path("reports")


def test_taxonomy_matches_schema_and_has_enough_seeds():
    schema = data_path("gold/SCHEMA.md").read_text(encoding="utf-8")
    table = schema.split("## Theme taxonomy", 1)[1].split("##", 1)[0]
    schema_names = [m.group(1) for m in re.finditer(r"^\| ([^|\s]+) \|", table, re.M) if m.group(1) != "theme"]
    taxonomy = load_taxonomy()
    assert taxonomy.names == schema_names
    for theme in taxonomy.themes:
        assert 15 <= len(theme.seeds) <= 40, theme.name
        assert theme.description


def test_nested_seeds_count_once():
    scorer = SeedScorer(load_taxonomy())
    volunteer = scorer.names.index("志愿服务与慈善资源")
    counts = scorer.counts(["组建志愿服务队", "志愿者和义工参加慈善募捐"])
    assert counts[0, volunteer] == 1  # 志愿服务队, not also 志愿服务 and 志愿
    assert counts[1, volunteer] == 4  # 志愿者, 义工, 慈善, 募捐


@pytest.mark.parametrize(
    "text, expected",
    [
        ("组建社区志愿服务队,开展敬老助残活动", "志愿服务与慈善资源"),
        ("组建社区志愿服务队,开展敬老助残活动", "精准服务供给"),
        ("成立小区调解委员会,及时化解邻里纠纷和物业矛盾", "矛盾调解与平安建设"),
        ("街道党工委牵头组建联合党支部,推动在职党员回社区报到", "党建引领"),
        ("开通网上议事厅小程序,居民在线提出意见", "智慧治理"),
        ("区财政每年安排200万元专项资金,通过政府购买服务引入专业机构", "资金保障与购买服务"),
        ("设立社会组织孵化基地,降低登记门槛,对社区社会组织实行备案管理", "社会组织培育"),
        ("组织网格员逐户走访,摸清困难家庭底数,建立需求清单", "需求调研与精准施策"),
        ("改造闲置厂房为800平方米的邻里中心,配套建设活动室和阅览室", "阵地与设施建设"),
        ("召开居民议事会,共同商议加装电梯方案,修订居民公约", "居民参与与协商自治"),
        ("举办社工督导培训班,支持社区工作者考取社会工作职业资格证书", "社工人才队伍"),
    ],
)
def test_short_texts_get_expected_theme_in_top_two(text, expected):
    predicted = load_default_model().predict([text])[0]
    assert expected in [name for name, _ in predicted], predicted


def test_predict_gives_one_or_two_ranked_themes_with_scores():
    model = load_default_model()
    rows = model.predict(["建立社区慈善基金,动员爱心企业捐赠", "", "推行社区服务标准化,出台考核评估办法"])
    for row in rows:
        assert 1 <= len(row) <= 2
        assert all(name in model.names and 0.0 <= score <= 1.0 for name, score in row)
        assert [s for _, s in row] == sorted((s for _, s in row), reverse=True)


def test_label_measures_fills_in_place():
    measure = Measure(
        "d1", 0, 30, "培育社区社会组织", "培育社区社会组织。建设孵化基地,扶持初创社会组织登记备案。", None, "measure"
    )
    label_measures([measure])
    assert measure.themes[0] == "社会组织培育"
    assert measure.theme_scores["社会组织培育"] == max(measure.theme_scores.values())


def test_save_load_round_trip(tmp_path):
    model = load_default_model()
    path = model.save(tmp_path / "m.npz")
    sidecar = json.loads((tmp_path / "m.json").read_text(encoding="utf-8"))
    assert sidecar["taxonomy_version"] == model.taxonomy.version
    text = ["推动社工站建设,配备专职社工"]
    assert ThemeModel.load(path).predict(text) == model.predict(text)


def test_missing_model_error_names_the_fix(tmp_path):
    with pytest.raises(FileNotFoundError, match="主题模型文件缺失,请运行 govcase train"):
        ThemeModel.load(tmp_path / "absent.npz")


def test_training_is_deterministic():
    texts = ["组建志愿服务队开展助老服务", "成立调解室化解纠纷", "建设党群服务中心", "政府购买社工服务项目"]
    labels = [["志愿服务与慈善资源"], ["矛盾调解与平安建设"], ["党建引领", "阵地与设施建设"], ["资金保障与购买服务"]]
    probe = ["社区志愿者调解邻里纠纷"]
    a = ThemeModel().fit(texts, labels).scores(probe)
    b = ThemeModel().fit(texts, labels).scores(probe)
    assert (a == b).all()


def test_fit_rejects_unknown_theme():
    with pytest.raises(ValueError, match="未知主题"):
        ThemeModel().fit(["文本"], [["不存在的主题"]])


def test_weak_examples_respect_exclusion_and_rule():
    scorer = SeedScorer(load_taxonomy())
    texts = {
        "a": "社区组建志愿服务队,发动志愿者和爱心企业捐赠物资。今天天气很好,大家一起散步聊天。",
        "b": "设立人民调解室,排查化解矛盾纠纷和安全隐患。",
    }
    weak = themes_train.weak_examples(texts, scorer)
    assert ("a", "社区组建志愿服务队,发动志愿者和爱心企业捐赠物资。", "志愿服务与慈善资源") in weak
    assert all("天气" not in sentence for _, sentence, _ in weak)
    assert {doc for doc, _, _ in themes_train.weak_examples(texts, scorer, exclude={"a"})} == {"b"}


def test_gold_measure_text_is_recovered_around_heading():
    measures = themes_train.gold_measures(GOLD, CORPUS)
    assert len(measures) >= 50
    for m in measures:
        assert len(m.text) >= len(m.heading)
    traditional = [m for m in measures if m.doc_id.startswith("003")]
    assert traditional and "社区" in traditional[0].text  # converted to Simplified


def test_gold_from_several_directories_and_formats():
    fixtures = data_path("reports").parents[1] / "tests" / "fixtures" / "reports"
    measures = themes_train.gold_measures([GOLD, fixtures], [CORPUS, fixtures])
    docs = {m.doc_id for m in measures}
    assert {"000_80f65cdcd7856e7d", "cq_web_2019"} <= docs  # cq_web_2019 is an html page
    web = [m for m in measures if m.doc_id == "cq_web_2019"]
    assert all("<" not in m.text for m in web) and any("议事" in m.text for m in web)
    # sc_case_2021.txt is encoded in GB18030, as official files often are.
    assert any(m.doc_id == "sc_case_2021" and "院落" in m.text for m in measures)


def test_leave_one_document_out_floor():
    report = themes_train.leave_one_document_out(GOLD, CORPUS)
    assert report["micro"]["f1"] >= 0.60
    assert report["measures"] >= 50


def test_loading_reads_the_fitted_arrays_without_scikit_learn():
    # Each ingest worker loads the model: scikit-learn's import alone costs over a second.
    code = (
        "import sys; from pipeline.themes import load_default_model; load_default_model(); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'sklearn', 'scipy'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_saved_weights_are_the_estimators_weights(tmp_path):
    """What save writes and load reads back are the fitted estimators' own arrays, bit for bit."""
    texts = ["组建志愿服务队开展助老服务", "成立调解室化解纠纷", "建设党群服务中心", "政府购买社工服务项目"]
    labels = [["志愿服务与慈善资源"], ["矛盾调解与平安建设"], ["党建引领", "阵地与设施建设"], ["资金保障与购买服务"]]
    model = ThemeModel().fit(texts, labels)
    loaded = ThemeModel.load(model.save(tmp_path / "m.npz"))
    expected = themes._Weights.of(model._word, model._clf)
    assert np.array_equal(expected.idf, model._word.idf_)
    assert loaded._weights.vocabulary == expected.vocabulary and loaded._weights.n_words == expected.n_words
    for name in ("idf", "coef", "intercept"):
        assert np.array_equal(getattr(loaded._weights, name), getattr(expected, name))
    assert loaded.taxonomy == model.taxonomy
    assert (tmp_path / "m.npz").read_bytes() == model.save(tmp_path / "again.npz").read_bytes()
