"""The registry of record kinds (pipeline/kinds.py): every kind extraction produces is in it once,
and the analysis runs its extractors over one shared context."""

import dataclasses

from pipeline.analyze import analyze_document
from pipeline.kinds import RECORD_KINDS, RECORD_ROWS
from pipeline.records import Document, Extraction

TEXT = (
    "青山区五社联动的探索\n"
    "一、主要做法\n"
    "（一）培育社区社会组织。建设孵化基地,社会组织由183家增长到769家。\n"
    "（二）推行“三社联动”机制。武汉市青山区红卫路街道组织居民议事。\n"
)


def test_every_record_list_of_an_extraction_is_one_registered_kind():
    lists = {f.name for f in dataclasses.fields(Extraction)} - {"doc_id", "metadata", "relevance"}
    assert sorted(k.field for k in RECORD_KINDS) == sorted(lists)
    assert len({k.name for k in RECORD_KINDS}) == len(RECORD_KINDS)
    assert {k.stored for k in RECORD_KINDS} == {"records", "measures"}
    assert [k.name for k in RECORD_ROWS] == ["figure", "change", "mechanism", "place"]


def test_each_extractor_fills_its_field_and_reads_earlier_ones():
    extraction = analyze_document(Document("k1", TEXT)).extraction
    for kind in RECORD_KINDS:
        records = getattr(extraction, kind.field)
        assert records and all(isinstance(r, kind.record) for r in records), kind.name
    # changes read the figures found before them: the new value is one of those figures
    (change,) = extraction.changes
    assert any(f.value == change.to_value and f.unit == change.unit for f in extraction.figures)


def test_export_and_score_hooks_reach_their_stage():
    """A kind's own export and scorer: exporting the records and scoring them against themselves."""
    extraction = analyze_document(Document("k2", TEXT)).extraction
    hooked = [k for k in RECORD_KINDS if k.export]
    assert [k.name for k in hooked] == ["figure", "change", "mechanism"]
    for kind in hooked:
        exported = [kind.export(r) for r in getattr(extraction, kind.field)]
        assert exported and all(isinstance(d, dict) and "start" in d for d in exported)
        counts, details = kind.score(exported, exported)
        scored = counts.to_dict()
        assert details and scored["precision"] == scored["recall"] == 1.0, kind.name


def test_every_kind_is_exported_through_the_registry():
    """Each kind's gold-schema entries come from its own hook; together they are the export's record lists."""
    from pipeline.export import to_gold_schema

    document = Document("k3", TEXT)
    extraction = analyze_document(document).extraction
    by_kind = {k.name: k.exported(extraction) for k in RECORD_KINDS}
    assert all(by_kind.values())
    assert set(by_kind["measure"]) == {"measures", "passages"} and set(by_kind["place"]) == {"locations"}
    exported = to_gold_schema(document, extraction)
    for entries in by_kind.values():
        assert all(exported[key] == value for key, value in entries.items())


def test_kind_strings_are_str_valued_enums():
    """Kinds are enums in code and their plain values wherever they are stored or written."""
    import json

    from pipeline.records import MEASURE_KINDS, MeasureKind, RecordName

    assert [k.name for k in RECORD_KINDS] == list(RecordName)  # each kind named once, in run order
    extraction = analyze_document(Document("k4", TEXT)).extraction
    assert extraction.measures and all(isinstance(m.kind, MeasureKind) for m in extraction.measures)
    assert MEASURE_KINDS == ("measure", "outcome", "lesson") and MeasureKind("lesson") is MeasureKind.LESSON
    assert json.dumps([RecordName.FIGURE, MeasureKind.MEASURE]) == '["figure", "measure"]'
