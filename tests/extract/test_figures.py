import json

import pytest

from pipeline.analyze import document_context
from pipeline.extract.figures import figures, unit_of
from pipeline.ingest.normalize import normalize
from pipeline.resources import data_dir, reports_dir
from pipeline.structure import build_structure


def read(text: str) -> list[tuple[float, str, str | None]]:
    return [
        (f.value, f.unit, f.approx) for f in figures(document_context(build_structure("t", text)), with_subjects=False)
    ]


GOLDEN = [
    ("矛盾纠纷每年1000多起", [(1000, "起", "多")]),
    ("依托近400平方米的党群服务中心", [(400, "平方米", "近")]),
    ("区政府年增投1750万元购买服务", [(17_500_000, "元", None)]),
    ("全区社会组织数量由183家迅速增长到769家", [(183, "家", None), (769, "家", None)]),
    ("推行七个工作标准", [(7, "个", None)]),
    ("每个站点补助三千元", [(3000, "元", None)]),
    ("共引进二十余家社会组织", [(20, "家", "余")]),
    ("招募两百名志愿者", [(200, "名", None)]),
    ("累计投入十亿3000万元", [(1_030_000_000, "元", None)]),
    ("辖区有1.3万多人", [(13_000, "人", "多")]),
    ("常住人口1.3万多。", [(13_000, "人", "多")]),
    ("居民3.6万户", [(36_000, "户", None)]),
    ("参与率约30%", [(30, "%", "约")]),
    ("满意度达到百分之九十五", [(95, "%", None)]),
    ("覆盖率达百分之百", [(100, "%", None)]),
    ("给予5000元至1万元的奖补", [(5000, "元", None), (10_000, "元", None)]),
    ("每期培训3-5天", [(3, "天", None), (5, "天", None)]),
    ("服务24小时不打烊", [(24, "小时", None)]),
    ("老旧小区加装电梯十一部", [(11, "部", None)]),
    ("居民捐款1200余笔", [(1200, "笔", "余")]),
    ("新增路灯30盏", [(30, "盏", None)]),
    # The unit as written (SCHEMA): 周岁 stays 周岁.
    ("60周岁以上老年人占28.3%", [(60, "周岁", "以上"), (28.3, "%", None)]),
    # 不超过 is an upper bound, not 超过; "within" (内, 以内) is one too.
    ("婚事宴席不超过15桌、每桌标准不超过600元", [(15, "桌", "以下"), (600, "元", "以下")]),
    ("接到诉求后30分钟内响应,花费降至3万元以内", [(30, "分钟", "以下"), (30_000, "元", "以下")]),
    ("不低于20%的资金用于微项目,百家宴摆了120桌", [(20, "%", "以上"), (120, "桌", None)]),
    # Shares in tenths (成) and 上 before a bare magnitude.
    (
        "外出务工村民占三成左右,八成以上农户参与,占比超过八成。",
        [(30, "%", "左右"), (80, "%", "以上"), (80, "%", "超过")],
    ),
    ("工坊吸纳上千名群众就业,上百名志愿者参与", [(1000, "名", "约"), (100, "名", "约")]),
    ("目前已结成互助对子156对,资助标准分为3档", [(156, "对", None), (3, "档", None)]),
    ("才12块钱一顿,挂牌由17块减到5块", [(12, "元", None), (17, "块", None), (5, "块", None)]),
    ("面积扩增到816㎡", [(816, "平方米", None)]),
    ("占地1,200.5平方米", [(1200.5, "平方米", None)]),
    ("外来人口占96.5%以上", [(96.5, "%", "以上")]),
    ("党员数10人以下的支部", [(10, "人", "以下")]),
    ("累计投入超过3亿元", [(300_000_000, "元", "超过")]),
    ("持证比例突破60%", [(60, "%", "超过")]),
    ("召开议事会 1000 余次", [(1000, "次", "余")]),
    ("服务对象逾5000人次", [(5000, "人次", "超过")]),
    ("全村信访达37件次", [(37, "件次", None)]),
    ("清运垃圾1600多车次", [(1600, "车次", "多")]),
    ("广场舞音量调到60分贝以下", [(60, "分贝", "以下")]),
    ("服务队从12个人发展到86个人", [(12, "人", None), (86, "人", None)]),
    ("当天就有3个人主动报名,5个人成为楼栋长", [(3, "人", None), (5, "人", None)]),
    ("开展活动30场左右", [(30, "场", "左右")]),
    ("明确清单3大项48小项", [(3, "大项", None), (48, "小项", None)]),
    ("居民4241户21059人", [(4241, "户", None), (21059, "人", None)]),
    ("连续3年购买服务", [(3, "年", None)]),
    ("项目周期为6个月", [(6, "个月", None)]),
    ("百余名社工下沉社区", [(100, "名", "余")]),
    ("最近3年新增社区基金12个", [(3, "年", None), (12, "个", None)]),
    ("街道投入资金1200余万元", [(12_000_000, "元", "余")]),
    ("居民满意度达百分之九十八点五", [(98.5, "%", None)]),
    ("举办讲座20余场次", [(20, "场次", "余")]),
    ("惠及困难群众1.2万户次", [(12_000, "户次", None)]),
    ("每个项目资助5万至20万元不等", [(50_000, "元", None), (200_000, "元", None)]),
    ("培训人次超过5000。", [(5000, "人次", "超过")]),
    # A duration's hedge or half comes after its measure word.
    ("经过两年多的努力", [(2, "年", "多")]),
    ("一年多来,累计开展活动50余场", [(1, "年", "多"), (50, "场", "余")]),
    ("项目运行3个多月", [(3, "个月", "多")]),
    ("建设周期为两年半", [(2.5, "年", None)]),
    ("历时一个半月完成改造", [(1.5, "个月", None)]),
    ("每天服务3个小时", [(3, "小时", None)]),
    ("用了10天余时间", [(10, "天", "余")]),
    ("设置半年试行期,近半个月来", [(0.5, "年", None), (0.5, "个月", "近")]),
    ("累计兑换积分12.6万分,每服务1小时积10分", [(126_000, "分", None), (1, "小时", None), (10, "分", None)]),
    ("楼道共有12栋住宅、32个单元", [(12, "栋", None), (32, "个", None)]),
    # A bare 千/百 is a count when hedged before it too.
    ("近千人受益,超千名居民参与,约百人", [(1000, "人", "近"), (1000, "名", "超过"), (100, "人", "约")]),
]


@pytest.mark.parametrize("text, expected", GOLDEN, ids=[t for t, _ in GOLDEN])
def test_golden(text, expected):
    assert read(text) == expected


NOT_FIGURES = [
    "坚持一成不变的老办法",
    "社区三成员参加了培训",
    "九成新的旧家具",
    "体育馆路街道四块玉社区",
    "一块牌子管到底",
    "比上年增长明显",
    "习近平总书记2018年10月24日在深圳视察",
    "2016年,苏州出台意见",
    "行动方案(2022-2025年)",
    "30.06.2017  18:03",
    "一是科学设计定思路。(二)瞄准优质高效",
    "第一,完善制度;第3届大赛",
    "深入推进三社联动、五社联动,实现“五有效”",
    "提升社会治理四化水平,探索一核三擎",
    "打通政策落地的“最后100米”和“最后一公里”",
    "编制《社工服务项目100例》",
    "咨询电话0536-8888888",
    "提供一体化、一站式服务,梳理一批问题,统一标准,唯一窗口,一直坚持,一些居民",
    "打造区、街道、社区三级服务平台",
    "走进千家万户",
    "培育数十个社会组织",
    "二〇一六年起实施",
    "组织三五个志愿者",
    "落实“十四五”规划,十三五期间成效显著",
    "给小雨一个小书桌,她是一名社工",
    "学习党的二十大精神和十九届四中全会精神",
    "鲁ICP备12345678号-1 访问量:1024563次",
    "困难家庭约占三分之一",
    "一年来,一个月后,一天一个样",
    "2022年上半年,每半年一次,大半年",
    "这项工作十分重要",
    "家住阳光社区12栋的王奶奶,幸福家园3幢2单元",
]


@pytest.mark.parametrize("text", NOT_FIGURES)
def test_not_figures(text):
    assert read(text) == []


def test_quoted_speech_keeps_its_figures():
    text = "她说:“这些年,我参加了社区治理等培训10余次,能力得到提升。”"
    assert read(text) == [(10, "次", "余")]


def test_traditional_source_after_normalization():
    text = normalize("居民3.6萬戶、共12.2萬人,社區社會組織數量最多,達到25家,佔總數的24.5%。").text
    assert read(text) == [(36_000, "户", None), (122_000, "人", None), (25, "家", None), (24.5, "%", None)]


@pytest.mark.parametrize(
    "text, subject",
    [
        ("居民4241户21059人", "居民"),
        ("区民政局组织社会组织36家", "社会组织"),
        ("划定停车位157个、兴建露天停车场1个", "停车位"),
        ("统筹建立471个党组织服务站点和400多个居民议事平台", "党组织服务站点"),
        ("配备30名不同专长的专业社工", "专业社工"),
        ("满足了居民5316个“微心愿”", "微心愿"),
        # The previous state and a rate stand between the noun and its number.
        ("注册志愿者由原来的600人增加到1500人", "志愿者"),
        ("物业费由原来的每月每平方米1.2元降至0.8元", "物业费"),
    ],
)
def test_subject(text, subject):
    assert next(figures(document_context(build_structure("t", text)))).subject == subject


def test_span_is_the_clause():
    text = "背景:大和社区面积2.083平方公里,共有房屋1049栋。"
    doc = build_structure("d", text)
    found = list(figures(document_context(doc)))
    assert [f.text for f in found] == ["大和社区面积2.083平方公里", "共有房屋1049栋"]
    assert all(text[f.start : f.end] == f.text and f.doc_id == "d" for f in found)
    assert [f.raw for f in found] == ["2.083平方公里", "1049栋"]


def _score(predicted, gold):
    """SCHEMA matching: equal value (rel 1e-6) and unit, one-to-one, required gold first."""
    order = sorted(range(len(gold)), key=lambda i: not gold[i].get("required", True))
    used, hits_required, hits_optional = set(), 0, 0
    for fig in predicted:
        for i in order:
            g = gold[i]
            if (
                i not in used
                and abs(fig.value - g["value"]) <= 1e-6 * max(1.0, abs(g["value"]))
                and (unit_of(fig.unit) == unit_of(g["unit"]))
            ):
                used.add(i)
                if g.get("required", True):
                    hits_required += 1
                else:
                    hits_optional += 1
                break
    required = sum(1 for g in gold if g.get("required", True))
    return hits_required, required, len(predicted) - hits_optional


def test_seed_gold_precision_recall():
    matched = required = predicted = 0
    for gold_path in sorted((data_dir() / "gold").glob("*.json")):
        text = normalize((reports_dir() / f"{gold_path.stem}.txt").read_text(encoding="utf-8")).text
        gold = json.loads(gold_path.read_text(encoding="utf-8"))["figures"]
        m, r, p = _score(list(figures(document_context(build_structure(gold_path.stem, text)))), gold)
        matched, required, predicted = matched + m, required + r, predicted + p
    assert matched / required >= 0.85
    assert matched / predicted >= 0.85
