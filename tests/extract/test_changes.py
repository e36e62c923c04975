import json

import pytest

from pipeline.analyze import document_context
from pipeline.extract.changes import changes
from pipeline.extract.figures import figures
from pipeline.ingest.normalize import normalize
from pipeline.resources import data_dir, reports_dir
from pipeline.structure import build_structure


def read(text: str) -> list[tuple[float, float, str]]:
    return [(c.from_value, c.to_value, c.unit) for c in changes(document_context(build_structure("t", text)))]


GOLDEN = [
    ("全区社会组织数量由183家迅速增长到769家", [(183, 769, "家")]),
    ("将社区年活动经费从20万元增加到50万元", [(200_000, 500_000, "元")]),
    ("矛盾纠纷由当初每年1000多起下降至现在的50多起", [(1000, 50, "起")]),
    ("社区工作人员平均由7人增长到17人", [(7, 17, "人")]),
    ("社区社会组织由18增至25个", [(18, 25, "个")]),
    ("登记志愿者从两百名提升至1.2万名", [(200, 12_000, "名")]),
    ("床位数由50张减少为32张", [(50, 32, "张")]),
    ("服务站点183个增加到260个", [(183, 260, "个")]),
    ("全区持证社工从2019年的856人增加到2022年的2345人", [(856, 2345, "人")]),
    # Eight characters between 到 and the figure: a year counts as one filler unit.
    ("注册志愿者从2019年的300人增加到2023年年底的1200人", [(300, 1200, "人")]),
    ("矛盾调处平均用时从原来的5天缩短到2天", [(5, 2, "天")]),
    # The after-number's digits also end the before-number (15 … 5): read each where it stands.
    ("备案办理时限由原来的15个工作日压缩至5个工作日", [(15, 5, "个工作日")]),
    ("村级事项由原来的110余项精简为64项", [(110, 64, "项")]),
    ("村级组织挂牌由平均每村17块减少到5块", [(17, 5, "块")]),
]


@pytest.mark.parametrize("text, expected", GOLDEN, ids=[t for t, _ in GOLDEN])
def test_golden(text, expected):
    assert read(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "实现由“最后一公里”到“最好一公里”",
        "奖补资金从5000元到1万元不等",
        "从6年前的“社工小白”到今天的专业人才",
        "由100人下降为80户",  # units disagree
        "从2016年增加到2020年",  # years are not figures
        "使53个社区“两室用房”面积平均扩增到816㎡",
    ],
)
def test_not_changes(text):
    assert read(text) == []


def test_subject_span_and_given_figures():
    text = "近年来,全区社会组织数量由183家迅速增长到769家。"
    doc = build_structure("d", text)
    ctx = document_context(doc)
    ctx.found["figures"] = list(figures(ctx))
    (change,) = changes(ctx)
    assert change.subject == "全区社会组织数量"
    assert change.text == "全区社会组织数量由183家迅速增长到769家" == text[change.start : change.end]
    assert change.doc_id == "d"


def test_lead_in_words_are_not_the_subject():
    (change,) = changes(document_context(build_structure("t", "将社区年活动经费由20万元增加到50万元")))
    assert change.subject == "社区年活动经费"
    assert change.text == "社区年活动经费由20万元增加到50万元"


def test_seed_gold_changes():
    expected = found = hits = 0
    for gold_path in sorted((data_dir() / "gold").glob("*.json")):
        text = normalize((reports_dir() / f"{gold_path.stem}.txt").read_text(encoding="utf-8")).text
        gold = {(g["from"], g["to"], g["unit"]) for g in json.loads(gold_path.read_text(encoding="utf-8"))["changes"]}
        predicted = {
            (c.from_value, c.to_value, c.unit) for c in changes(document_context(build_structure(gold_path.stem, text)))
        }
        expected, found, hits = expected + len(gold), found + len(predicted), hits + len(gold & predicted)
    assert hits / expected >= 0.85
    assert hits / found >= 0.85


@pytest.mark.parametrize(
    "text, subject, span",
    [
        # Time words and adverbs around the subject are not part of it.
        ("目前注册志愿者已由原来的600人增加到1500人。", "注册志愿者", "注册志愿者已由原来的600人增加到1500人"),
        # 由 too far from the number for the pattern: the subject still ends before it.
        ("物业费由原来的每月每平方米1.2元降至0.8元。", "物业费", "物业费由原来的每月每平方米1.2元降至0.8元"),
    ],
)
def test_subject_without_time_words_qualifiers_and_previous_state(text, subject, span):
    (change,) = changes(document_context(build_structure("t", text)))
    assert (change.subject, change.text) == (subject, span)
