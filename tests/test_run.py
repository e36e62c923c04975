"""The main job's tail: clusters, comparison tables, charts and the export."""

import json
import sqlite3

from pipeline import api


def test_finish_run_writes_every_output(seed_store, tmp_path):
    db = tmp_path / "run.db"
    with sqlite3.connect(seed_store) as source, sqlite3.connect(db) as target:
        source.backup(target)  # a file copy would miss what is still in the WAL
    result = api.finish_run(db, tmp_path / "out")
    out = tmp_path / "out"
    for name in (
        "clusters.csv",
        "compare.xlsx",
        "compare.md",
        "heatmap.png",
        "heatmap.svg",
        "indicators.png",
        "indicators.svg",
    ):
        assert (out / name).stat().st_size > 1000, name
    assert result.documents == 4 and result.clusters >= 2
    import openpyxl

    sheets = openpyxl.load_workbook(out / "compare.xlsx").sheetnames
    assert {"案例对比", "主题做法数", "指标明细", "来源文档"} <= set(sheets)
    markdown = (out / "compare.md").read_text(encoding="utf-8")
    assert "大和社区" in markdown and "苏州市" in markdown and "183→769家" in markdown
    exported = sorted(p.stem for p in (out / "export").glob("*.json"))
    assert exported == ["000_80f65cdcd7856e7d", "001_143382d16654aa58", "002_c84fd24071f2e730", "003_5ad10c239fe98687"]
    gold_shaped = json.loads((out / "export" / "001_143382d16654aa58.json").read_text(encoding="utf-8"))
    assert sum(1 for loc in gold_shaped["locations"] if loc["primary"]) == 1
    assert "clusters.csv" in "\n".join(result.summary_lines())
