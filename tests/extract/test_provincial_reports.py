"""The 31 real provincial government work reports of 2026 (../shared/corpus/gwr/provincial-2026).

Each is saved as scraped: the page's tool bar (下载 全屏 收藏 【字号:加大 还原 减小】)
or breadcrumb stands above the title line, then 来源: and 时间: lines (some with
the value on the next line). What is known of them (the corpus README): the
report is about its whole province, its title is the line naming the
政府工作报告, its date and source are on the 时间: and 来源: lines.
"""

import re
from pathlib import Path

import pytest

from pipeline.analyze import analyze_document, document_from_raw
from pipeline.ingest.read import read_path

REPORTS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "gwr" / "provincial-2026"
FILES = sorted(REPORTS.glob("*.txt"))
HEADER_LINES = 20
# A date line of the header: "时间:2026-02-09", "2026-02-03 09:02:33", "2026年02月10日 07时41分".
DATE_LINE = re.compile(
    r"^(?:(?:时间|发表时间)\s*:\s*)?(\d{4})(?:-(\d{2})-(\d{2})|年(\d{2})月(\d{2})日)(?:\s+\d{2}[:时]\d{2}.*)?$"
)

pytestmark = pytest.mark.skipif(len(FILES) != 31, reason="the provincial reports are not beside the checkout")


def _header(doc) -> list[str]:
    lines = [ln.strip() for ln in doc.text.split("\n")[:HEADER_LINES]]
    joined = []  # a label alone on its line reads with the next one
    for line in lines:
        if joined and joined[-1] in ("时间:", "发表时间:", "来源:"):
            joined[-1] += line
        else:
            joined.append(line)
    return joined


def _expected(doc) -> dict:
    header = _header(doc)
    title = next(line for line in header if line.endswith("政府工作报告"))
    date = None
    for line in header:
        match = DATE_LINE.match(line)
        if match:
            y, m, d = match.group(1), match.group(2) or match.group(4), match.group(3) or match.group(5)
            date = f"{y}-{m}-{d}"
            break
    source = next((line.split(":", 1)[1].strip() for line in header if line.startswith("来源:")), None)
    return {"title": title, "published": date, "source": source or None}


@pytest.fixture(scope="module")
def analysed():
    out = {}
    for path in FILES:
        doc = document_from_raw(read_path(path))
        out[path.stem.split("_")[0]] = (doc, analyze_document(doc, label_themes=False).extraction)
    return out


def test_primary_place_is_the_province_at_province_level(analysed):
    wrong = {}
    for province, (_, extraction) in analysed.items():
        place = extraction.primary_place()
        chain = (place.province, place.city, place.district, place.street, place.community) if place else None
        if chain != (province, None, None, None, None):
            wrong[province] = chain
    assert not wrong, wrong
    assert len(analysed) == 31


def test_title_date_and_source_behind_the_tool_bar(analysed):
    got = {"title": 0, "published": 0, "source": 0}
    lines = {"published": 0, "source": 0}
    wrong = []
    for province, (doc, extraction) in analysed.items():
        expected, meta = _expected(doc), extraction.metadata
        found = {"title": meta.title, "published": meta.published, "source": meta.source}
        for key in got:
            if expected[key] is None:
                continue
            lines[key] = lines.get(key, 0) + (key != "title")
            if found[key] == expected[key]:
                got[key] += 1
            else:
                wrong.append((province, key, expected[key], found[key]))
    assert got["title"] == 31, wrong
    assert lines["published"] >= 28 and got["published"] == lines["published"], wrong
    assert got["source"] == lines["source"], wrong
