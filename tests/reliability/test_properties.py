"""Properties that must hold for any input text, checked with hypothesis.

Normalization, structure and every extractor never raise; every span lies in
the normalized text, and every field documented as the span's text is
exactly that slice; normalizing is idempotent.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from reliability_support import SEEDS
from reliability_texts import CONSULTATION, ELDERLY, GRID, PROPERTY, VOLUNTEERS

from pipeline.analyze import document_context
from pipeline.extract.changes import changes
from pipeline.extract.figures import figures
from pipeline.extract.measures import measures
from pipeline.extract.mechanisms import mechanisms
from pipeline.extract.metadata import case_metadata
from pipeline.extract.places import places
from pipeline.ingest.normalize import normalize
from pipeline.numbers import NUMERAL, parse_number
from pipeline.structure import build_structure

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _fragments() -> list[str]:
    """Clauses of the seeds and of our own reports: realistic material to recombine."""
    texts = [seed.read_text(encoding="utf-8") for seed in SEEDS] + [ELDERLY, VOLUNTEERS, GRID, CONSULTATION, PROPERTY]
    pieces = {p for text in texts for p in re.split(r"(?<=[。,;:\n])", text) if p.strip()}
    return sorted(pieces)


GENRE_TOKENS = [
    "万",
    "亿",
    "多",
    "余",
    "近",
    "约",
    "以上",
    "左右",
    "超过",
    "%",
    "个",
    "户",
    "人",
    "人次",
    "家",
    "元",
    "万元",
    "(一)",
    "(二)",
    "(三)",
    "一、",
    "二、",
    "三、",
    "一是",
    "二是",
    "三是",
    "1.",
    "2.",
    "3.",
    "(1)",
    "(2)",
    "①",
    "②",
    "第一",
    "第二",
    "首先",
    "其次",
    "主要做法",
    "取得成效",
    "经验启示",
    "存在问题",
    "\n",
    "\n\n",
    "。",
    ",",
    "、",
    ";",
    ":",
    "“",
    "”",
    "《",
    "》",
    "(",
    ")",
    "由",
    "从",
    "增长到",
    "提高到",
    "下降到",
    "社区",
    "街道",
    "区",
    "市",
    "省",
    "三社联动",
    "五社联动",
    "机制",
    "模式",
    "来源:",
    "发布时间:",
    "2021年3月5日",
    "零",
    "〇",
    "两",
    "十",
    "百",
    "千",
    "点",
    ",",
    "0",
    ".",
    "　",
    "\u200b",
    "\t",
    "\r\n",
]
genre_text = st.lists(
    st.one_of(
        st.sampled_from(_fragments()),
        st.sampled_from(GENRE_TOKENS),
        st.integers(0, 10**9).map(str),
        st.floats(0, 1e6, allow_nan=False).map(lambda f: f"{f:.2f}"),
        st.text(st.sampled_from("0123456789一二两三四五六七八九十百千万亿零〇点,."), min_size=1, max_size=8),
    ),
    max_size=80,
).map("".join)
# Any code point, surrogates and controls included, and very long lines.
wild_text = st.one_of(
    st.text(st.characters(exclude_categories=()), max_size=300),
    st.text(st.characters(min_codepoint=0, max_codepoint=0x3000), max_size=300),
    st.tuples(st.sampled_from(_fragments()), st.integers(200, 3000)).map(
        lambda t: (t[0].strip() or "社区") * (t[1] // max(len(t[0]), 1) + 1)
    ),
)
any_text = st.one_of(genre_text, wild_text)


@SETTINGS
@given(any_text)
def test_normalize_is_idempotent(raw):
    once = normalize(raw).text
    assert normalize(once).text == once


@SETTINGS
@given(any_text)
def test_normalized_text_has_no_controls_or_full_width_forms(raw):
    text = normalize(raw).text
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f\r\ufeff\ud800-\udfff]", text)
    assert not re.search(r"[\uff01-\uff5e]", text)


def _in(text: str, start: int, end: int) -> bool:
    return 0 <= start <= end <= len(text)


def check_structure(structure) -> None:
    text = structure.text
    previous_end = 0
    for i, para in enumerate(structure.paragraphs):
        assert para.index == i
        assert previous_end <= para.start < para.end <= len(text)
        assert text[para.start : para.end] == text[para.start : para.end].strip()
        previous_end = para.end
    previous_end = 0
    for sentence in structure.sentences:
        para = structure.paragraphs[sentence.paragraph]
        assert para.start <= sentence.start < sentence.end <= para.end
        assert sentence.start >= previous_end
        previous_end = sentence.end
    for section in structure.sections:
        assert _in(text, section.start, section.end)
        if section.heading is not None:
            assert section.start <= section.heading_start <= section.heading_end <= section.end
            assert text[section.heading_start : section.heading_end] == section.heading
    for item in structure.items:
        assert _in(text, item.start, item.end)
        assert text[item.start : item.start + len(item.marker)] == item.marker
        assert item.start + len(item.marker) <= item.heading_start <= item.heading_end
        assert _in(text, item.heading_start, item.heading_end)
        assert text[item.heading_start : item.heading_end].strip() == item.heading
        if item.parent is not None:
            parent = structure.items[item.parent]
            assert parent.start < item.start and item.end <= parent.end and item.level == parent.level + 1


def check_extraction(structure) -> None:
    text = structure.text
    ctx = document_context(structure)
    found = ctx.found["figures"] = list(figures(ctx))
    for f in found:
        assert _in(text, f.start, f.end) and f.text == text[f.start : f.end]
        assert f.raw and f.raw in f.text
    for c in changes(ctx):
        assert _in(text, c.start, c.end) and c.text == text[c.start : c.end]
    for m in measures(ctx):
        assert _in(text, m.start, m.end) and m.text == text[m.start : m.end]
    for m in mechanisms(ctx):
        assert 0 <= m.start < m.end <= len(text) and m.name
    for p in places(ctx):
        assert 0 <= p.start < p.end <= len(text)
    meta = case_metadata(structure)
    if meta.title_span is not None:
        assert _in(text, *meta.title_span) and text[slice(*meta.title_span)].strip() == meta.title
    if meta.source_span is not None:
        assert _in(text, *meta.source_span) and text[slice(*meta.source_span)] == meta.source
    if meta.published_span is not None:
        assert _in(text, *meta.published_span)


@SETTINGS
@given(any_text)
def test_structure_spans_lie_in_the_text(raw):
    check_structure(build_structure("d", normalize(raw).text))


@SETTINGS
@given(any_text)
def test_every_extractor_span_slices_back(raw):
    text = normalize(raw).text
    check_extraction(build_structure("d", text))


@settings(max_examples=20, deadline=None)
@given(st.sampled_from(SEEDS), st.randoms(use_true_random=False))
def test_spans_hold_on_shuffled_seed_paragraphs(seed, rnd):
    paragraphs = normalize(seed.read_text(encoding="utf-8")).text.split("\n")
    rnd.shuffle(paragraphs)
    structure = build_structure("d", normalize("\n".join(paragraphs)).text)
    check_structure(structure)
    check_extraction(structure)


def test_items_after_a_parent_cut_short_are_not_its_children():
    # 二、 ends at the stray heading 经验分享; the 一是/二是 run after it is not inside it.
    text = (
        "一、加强组织建设\n街道成立工作专班,统筹推进社区治理工作。\n二、完善服务体系\n"
        "推进公共服务下沉到社区,方便居民办事。\n经验分享\n一是建立需求台账。记录居民需求并逐项办理。\n"
        "二是坚持定期回访。每月回访困难家庭一次。"
    )
    structure = build_structure("d", text)
    check_structure(structure)
    assert [(i.marker, i.level, i.parent) for i in structure.items] == [
        ("一、", 0, None),
        ("二、", 0, None),
        ("一是", 0, None),
        ("二是", 0, None),
    ]


def test_figures_survive_a_numeral_cn2an_cannot_read():
    check_extraction(build_structure("d", "全区投资亿0元。全年完成0十2项任务。建成社区服务站5个。"))


@SETTINGS
@given(any_text)
@example("亿0")
def test_number_parser_raises_only_value_error(raw):
    for candidate in [raw, *(m.group() for m in re.finditer(NUMERAL, raw))]:
        try:
            value = parse_number(candidate)
        except ValueError:
            continue
        assert value == value and value >= 0  # a real, non-negative number


@pytest.mark.parametrize(
    "numeral, value",
    [("1,750万", 17_500_000), ("十亿3000万", 1_030_000_000), ("百", 100), ("三点五万", 35_000), ("两百", 200)],
)
def test_number_parser_still_reads_the_hard_cases(numeral, value):
    # A sanity anchor for the property above: the parser is not just raising on everything.
    assert parse_number(numeral) == value
