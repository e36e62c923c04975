"""The data-file loader (pipeline/vocabulary.py): every shipped file reads clean, and a mistake
in a researcher's edit is reported with its file and line."""

import shutil

import pytest

from pipeline import resources, vocabulary
from pipeline.vocabulary import FILES, VocabularyError, check, check_all

SHIPPED = resources.data_dir()


def test_every_shipped_list_file_is_registered_and_clean():
    assert [str(e) for e in check_all()] == []
    listed = {p.name for p in SHIPPED.iterdir() if p.suffix in {".txt", ".tsv"}}
    assert listed == set(FILES)


@pytest.mark.parametrize("name", sorted(FILES))
def test_every_file_loads(name):
    found = vocabulary.rows(name)
    assert found, f"{name} holds no entries"
    assert all(row.line > 0 for row in found)
    assert len(vocabulary.lines(name)) >= len(found)


def test_every_extractor_loader_reads_the_shipped_files():
    """The loaders that build patterns from the files (cached in a process: built here from scratch)."""
    import importlib

    from pipeline.extract import changes, figures, measures, metadata, places

    normalize = importlib.import_module("pipeline.ingest.normalize")  # the package exports a function of that name

    loaders = [
        changes._rules,
        figures.lexicon,
        figures._words,
        measures._outlook,
        metadata._patterns,
        places.place_words,
        normalize._markers,
    ]
    for loader in loaders:
        loader.cache_clear()
        assert loader()


@pytest.fixture
def data(tmp_path):
    """A copy of the shipped list files to break."""
    for name in FILES:
        shutil.copy(SHIPPED / name, tmp_path / name)
    return tmp_path


def _append(path, text):
    with path.open("a", encoding="utf-8") as f:
        f.write(text)
    return len(path.read_text(encoding="utf-8").splitlines())


def _only_error(directory, name):
    errors = check(name, directory)
    assert len(errors) == 1, [str(e) for e in errors]
    return errors[0]


@pytest.mark.parametrize(
    ("name", "addition", "words"),
    [
        ("date_labels.txt", "\n发布时间\n", "重复"),  # a word listed twice
        ("hedges.txt", "\n约\tpre\t约\n", "重复"),
        ("practice_verbs.txt", "\nopinion 建立\n", "不能重叠"),  # 建立 is a practice verb
        ("change_words.txt", "\n[lead_in]\n增长\n", "不能重叠"),  # a verb of change cannot open a clause
        ("relevance_vocabulary.tsv", "\nother_news\t社区\n", "不能重叠"),
        ("units.txt", "\n人\t人\tmoney\n", "不能重叠"),  # a unit has one category
        ("figure_words.txt", "\n[tenths_blocker]\n成员\n", "一个字"),
        ("outlook_words.txt", "\n[plans]\n", "未知的分节"),
        ("place_words.tsv", "\nvillage\t庄\n", "未知的类别"),
        ("hedges.txt", "\n约莫\tpre\n", "应有 3 列"),
        ("heading_chrome.txt", "\n(编辑|审核\n", "正则表达式无效"),
        ("boilerplate.txt", "\n[drop]\n^(来源|{date_labels.txt}\n", "正则表达式无效"),
    ],
)
def test_a_mistake_names_its_file_and_line(data, name, addition, words):
    line = _append(data / name, addition)
    error = _only_error(data, name)
    assert (error.path, error.line) == (data / name, line)
    assert str(error).startswith(f"{data / name}:{line}: ")
    assert words in error.message


def test_an_entry_before_any_section(data):
    path = data / "byline_words.txt"
    text = path.read_text(encoding="utf-8")
    path.write_text("记者\n" + text, encoding="utf-8")
    error = _only_error(data, "byline_words.txt")
    assert error.line == 1 and "不在任何" in error.message


def test_a_mistake_in_an_included_list_is_reported_there(data):
    line = _append(data / "source_markers.txt", "\n来源\n")
    errors = check("boilerplate.txt", data)
    assert [(e.path.name, e.line) for e in errors] == [("source_markers.txt", line)]


def test_an_unregistered_or_missing_file(data):
    (data / "new_words.txt").write_text("词\n", encoding="utf-8")
    (data / "mechanisms.txt").unlink()
    found = {(e.path.name, e.line): e.message for e in check_all(data)}
    assert "未登记" in found[("new_words.txt", 0)]
    assert "缺失" in found[("mechanisms.txt", 0)]


def test_reading_an_unregistered_file_says_so(data, monkeypatch):
    (data / "new_words.txt").write_text("词\n", encoding="utf-8")
    monkeypatch.setenv("GOVCASE_DATA", str(data))
    with pytest.raises(VocabularyError, match="未登记的数据文件") as caught:
        resources.read_lines("new_words.txt")
    assert caught.value.path == data / "new_words.txt"


def test_loading_a_broken_file_raises_with_every_mistake(data, monkeypatch):
    first = _append(data / "mechanism_stop.txt", "\n两委\n")
    second = _append(data / "mechanism_stop.txt", "\n两室\n")
    monkeypatch.setenv("GOVCASE_DATA", str(data))
    vocabulary.rows.cache_clear()
    try:
        with pytest.raises(VocabularyError) as caught:
            vocabulary.words("mechanism_stop.txt")
    finally:
        vocabulary.rows.cache_clear()
    message = str(caught.value)
    assert f"mechanism_stop.txt:{first}: " in message and f"mechanism_stop.txt:{second}: " in message


def test_labels_kept_by_boilerplate_are_the_metadata_labels():
    """[keep] names source_markers.txt and date_labels.txt instead of repeating their words."""
    from pipeline.ingest.normalize import is_metadata_line

    for label in (*vocabulary.words("source_markers.txt"), *vocabulary.words("date_labels.txt")):
        assert is_metadata_line(f"{label}:某某"), label
        assert is_metadata_line(f"2023年 {label}:某某"), label
    assert not is_metadata_line("图片来源:某某")


def test_derived_hedge_positions():
    positions = vocabulary.approx_positions()
    assert positions["约"] == "pre" and positions["多"] == "mid" and positions["以上"] == "post"
