"""Cutting text at span boundaries, and reading search marks back."""

from pipeline.web.highlight import MARKS, Span, marked_parts, pieces

TEXT = "一是培育社会组织,孵化社区社会组织36家,推行“三社联动”。"


def test_pieces_cover_the_text_exactly_once():
    figure, mechanism = TEXT.index("36家"), TEXT.index("三社联动")
    spans = [
        Span(2, len(TEXT), "measure", "做法"),
        Span(figure, figure + 3, "figure", "数字"),
        Span(mechanism, mechanism + 4, "mechanism", "机制"),
    ]
    out = pieces(TEXT, spans, ("measure", "figure", "mechanism"))
    assert "".join(p.text for p in out) == TEXT
    assert [(p.text, p.kinds) for p in out if p.kinds] == [
        ("培育社会组织,孵化社区社会组织", ("measure",)),
        ("36家", ("measure", "figure")),
        (",推行“", ("measure",)),
        ("三社联动", ("measure", "mechanism")),
        ("”。", ("measure",)),
    ]


def test_overlapping_spans_that_cross_each_other():
    out = pieces("abcdef", [Span(1, 4, "figure", "f"), Span(2, 6, "change", "c")], ("change", "figure"))
    assert [(p.text, p.kinds, p.labels) for p in out] == [
        ("a", (), ()),
        ("b", ("figure",), ("f",)),
        ("cd", ("change", "figure"), ("c", "f")),
        ("ef", ("change",), ("c",)),
    ]


def test_anchor_sits_only_where_its_span_starts():
    out = pieces(TEXT, [Span(0, 10, "measure", "m", anchor="at-0"), Span(5, 7, "figure", "f")])
    assert out[0].anchors == ("at-0",)
    assert all(not p.anchors for p in out[1:])


def test_spans_outside_the_text_are_clamped_or_dropped():
    out = pieces("abc", [Span(-5, 1, "figure", "f"), Span(2, 99, "measure", "m"), Span(3, 3, "figure", "empty")])
    assert [(p.text, p.kinds) for p in out] == [("a", ("figure",)), ("b", ()), ("c", ("measure",))]


def test_markup_in_text_stays_plain_text():
    out = pieces("<b>x</b>", [Span(3, 4, "figure", "<i>")])
    assert [p.text for p in out] == ["<b>", "x", "</b>"]
    assert out[1].title == "<i>"


def test_marked_parts():
    a, b = MARKS
    assert marked_parts(f"推进{a}社区{b}治理,{a}社区{b}") == [
        ("推进", False),
        ("社区", True),
        ("治理,", False),
        ("社区", True),
    ]
    assert marked_parts("没有标记") == [("没有标记", False)]


def test_stray_marks_are_dropped():
    a, b = MARKS
    assert marked_parts(f"{b}社区{a}养老") == [("社区养老", False)]
