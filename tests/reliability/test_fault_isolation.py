"""A fault in one document, one stage or one option costs only itself, never the batch."""

from __future__ import annotations

import shutil

import pytest
from reliability_support import SEEDS, run_govcase
from reliability_texts import GRID, PROPERTY

from pipeline import api
from pipeline.store import Store

CRASHER = "东城社区改造项目\n全区投资亿0元。建成社区服务站5个,服务居民3000余人。\n"  # cn2an raises KeyError on 亿0


def test_an_extractor_failure_costs_only_its_document(tmp_path, monkeypatch):
    import pipeline.extract.mechanisms as mechanisms_module

    (tmp_path / "a_grid.txt").write_text(GRID, encoding="utf-8")
    (tmp_path / "b_property.txt").write_text(PROPERTY, encoding="utf-8")
    real = mechanisms_module.mechanisms

    def mechanisms_failing_on_grids(ctx, **kwargs):
        if "网格" in ctx.body.text:
            raise RuntimeError("an extractor bug")
        return real(ctx, **kwargs)

    monkeypatch.setattr(mechanisms_module, "mechanisms", mechanisms_failing_on_grids)
    summary = api.ingest([tmp_path], db=tmp_path / "cases.db", label_themes=False)
    assert summary.ingested == 1
    assert [e.path for e in summary.errors] == [str(tmp_path / "a_grid.txt")]
    with Store(tmp_path / "cases.db", readonly=True) as store:
        assert [r["path"] for r in store.ingest_errors()] == [str(tmp_path / "a_grid.txt")]


@pytest.mark.slow
def test_a_numeral_cn2an_cannot_read_does_not_end_the_batch(tmp_path):
    (tmp_path / "a_crasher.txt").write_text(CRASHER, encoding="utf-8")
    shutil.copy(SEEDS[1], tmp_path / SEEDS[1].name)
    result = run_govcase("ingest", tmp_path, "--db", tmp_path / "cases.db")
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    assert result.returncode in (0, 1)
    with Store(tmp_path / "cases.db", readonly=True) as store:
        assert store.doc_for_alias(str(tmp_path / SEEDS[1].name)) is not None


def test_clustering_measures_that_share_no_word():
    from pipeline.cluster import ClusterInput, cluster_measures

    headings = ["建设社区养老服务站", "组建志愿服务队伍", "推行网格化管理"]
    items = [ClusterInput(i, f"d{i}", "成都市", h, h, []) for i, h in enumerate(headings)]
    result = cluster_measures(items, k=2)
    assert sum(len(c.members) for c in result.clusters) == len(items)


def test_cli_exposes_the_url_timeout(tmp_path, web_server):
    result = run_govcase("ingest", web_server + "/slow", "--db", tmp_path / "cases.db", "--timeout", "0.5")
    assert result.returncode == 1
    assert result.stderr.strip() == f"错误: {web_server}/slow: 网址请求超时"
