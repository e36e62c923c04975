"""The govcase command: every command documented, errors as one plain line."""

import json
import re
from pathlib import Path

from click.testing import CliRunner

from pipeline.cli import main

ROOT = Path(__file__).resolve().parents[1]
SEED_GOLD_DIR = ROOT / "corpus" / "gold"


def test_every_command_has_help_and_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    runner = CliRunner()
    for name, command in main.commands.items():
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0, name
        assert command.help and len(command.help) > 30, f"{name} needs a real help text"
        assert re.search(rf"govcase {name}\b", readme), f"README does not document `govcase {name}`"


def test_show_prints_structure_and_records(seed_store):
    result = CliRunner().invoke(main, ["show", "000_80f65cdcd7856e7d", "--db", str(seed_store)])
    assert result.exit_code == 0, result.output
    assert "深圳市" in result.output and "做法与经过" in result.output
    assert "科学设计定思路" in result.output


def test_show_json_is_the_gold_schema(seed_store):
    result = CliRunner().invoke(main, ["show", "001_143382d16654aa58", "--db", str(seed_store), "--json"])
    data = json.loads(result.output)
    assert data["doc_id"] == "001_143382d16654aa58"
    assert {
        "title",
        "published",
        "source",
        "script",
        "locations",
        "mechanisms",
        "figures",
        "changes",
        "measures",
    } <= set(data)


def test_evaluate_json_has_a_key_per_field(seed_store):
    result = CliRunner().invoke(
        main, ["evaluate", "--gold", str(SEED_GOLD_DIR), "--db", str(seed_store), "--json", "--no-themes-lodo"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    for field in ("figures", "changes", "mechanisms", "measures", "themes", "locations", "metadata"):
        assert field in data
    assert data["figures"]["recall"] > 0.5
    assert data["clusters"]["measures"] > 40 and 0 < data["clusters"]["nmi"] <= 1


def test_unknown_document_is_one_chinese_line(seed_store):
    result = CliRunner().invoke(main, ["show", "no-such-doc", "--db", str(seed_store)])
    assert result.exit_code == 2
    assert "找不到文档" in result.output
    assert "Traceback" not in result.output


def test_missing_path_fails_the_batch_but_keeps_good_files(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text(
        "一、主要做法\n一是建立社区议事会,每月召开1次居民议事会议。二是培育社会组织12家。\n", encoding="utf-8"
    )
    db = tmp_path / "t.db"
    result = CliRunner().invoke(main, ["ingest", str(good), str(tmp_path / "missing.txt"), "--db", str(db)])
    assert result.exit_code == 1
    assert "missing.txt" in result.output and "路径不存在" in result.output
    from pipeline.store import Store

    assert Store(db).count("documents") == 1


def test_check_data_names_file_and_line(tmp_path):
    runner = CliRunner()
    fine = runner.invoke(main, ["check-data"])
    assert fine.exit_code == 0 and "数据文件均无误" in fine.output
    (tmp_path / "date_labels.txt").write_text("发布时间\n日期\n发布时间\n", encoding="utf-8")
    broken = runner.invoke(main, ["check-data", str(tmp_path)])
    assert broken.exit_code == 1
    assert f"{tmp_path / 'date_labels.txt'}:3: " in broken.output
