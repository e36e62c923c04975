"""One document from raw text to records."""

import subprocess
import sys

from pipeline.analyze import analyze_document, document_context, document_from_raw
from pipeline.ingest.read import RawText
from pipeline.segment import get_segmenter
from pipeline.structure import build_structure

PAGE_TEXT = """廈門市思明區:「小區合夥人」激活基層治理
發佈時間:2023年5月12日 來源:廈門日報
福建省廈門市思明區嘉蓮街道探索「小區合夥人」機制,轄區12個社區的居民滿意度由2020年的78%提高到2022年的93%。
一、建立議事規則。全年召開協商會議150餘場。
二、培育社區社會組織。累計孵化社會組織46家,投入資金200萬元。
"""


def _raw(title_hint):
    return RawText(
        text=PAGE_TEXT,
        source_format="html",
        raw_hash="x",
        title_hint=title_hint,
        published_hint="2023-05-12",
        source="/tmp/xm.html",
    )


def test_a_traditional_page_title_is_normalized_like_the_body():
    doc = document_from_raw(_raw("廈門市思明區:「小區合夥人」激活基層治理"))
    assert doc.script == "traditional"
    assert doc.title_hint == "厦门市思明区:“小区合伙人”激活基层治理"
    assert document_from_raw(_raw(None)).title_hint is None


def test_analysis_spans_and_index_tokens_agree_with_the_text():
    analysis = analyze_document(document_from_raw(_raw(None)))
    text = analysis.document.text
    ext = analysis.extraction
    assert ext.metadata.title == "厦门市思明区:“小区合伙人”激活基层治理"
    assert ext.metadata.source == "厦门日报" and ext.metadata.published == "2023-05-12"
    assert [m.heading for m in ext.measures] == ["建立议事规则", "培育社区社会组织"]
    assert {(f.value, f.unit) for f in ext.figures} >= {(150, "场"), (46, "家"), (2_000_000, "元")}
    for record in [*ext.figures, *ext.measures]:
        assert text[record.start : record.end] == record.text
    assert len(analysis.measure_index) == 2 and "孵化" in analysis.measure_index[1][1].split()
    assert "社区" in analysis.index_text.split()


def test_the_jieba_segmenter_is_honoured_by_every_extractor_and_the_query():
    # Every word question (lexicon, figures' tags, headings, mechanisms, places) and the query cut
    # go to the chosen segmenter's dictionary: with jieba, rjieba is never even imported.
    code = (
        "import sys; from pipeline.analyze import analyze_document, document_from_raw;"
        "from pipeline.ingest.read import read_path; from pipeline.resources import reports_dir;"
        "from pipeline.search import query_tokens;"
        "docs = [document_from_raw(read_path(p)) for p in sorted(reports_dir().glob('0*.txt'))];"
        "found = [analyze_document(d, segmenter='jieba').extraction for d in docs];"
        "assert all(x.measures and x.figures and x.places for x in found);"
        "assert query_tokens('社区养老服务', 'jieba') == ['社区', '养老', '服务'];"
        "print('rjieba' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_the_context_asks_the_chosen_segmenters_dictionary():
    structure = build_structure("s", "街道推行五社联动。")
    for name in ("jieba", "rjieba"):
        ctx = document_context(structure, segmenter=name)
        assert ctx.lexicon.words is get_segmenter(name).words
        assert ctx.lexicon.is_word("五社联动") and ctx.lexicon.cut("街道推行五社联动") == ["街道", "推行", "五社联动"]
