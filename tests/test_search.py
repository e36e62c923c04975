"""Search over stored practices: FTS5 words, filters, snippets, suggestions, rendering."""

import csv
import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import readmodel
from pipeline import search as search_module
from pipeline.pgstore import PgStore, tsquery
from pipeline.readmodel import SqliteReads, TextQuery
from pipeline.records import CaseMetadata, Document, Extraction, Measure, Mechanism, Place, Structure
from pipeline.search import (
    SearchError,
    format_hits,
    fts_expression,
    highlight_parts,
    place_names,
    query_tokens,
    search,
    suggest_themes,
)
from pipeline.segment import segment_for_index
from pipeline.web.facets import facet_counts, facets_sampled

CASES = {
    "sz": (
        "广东省",
        "深圳市",
        "龙岗区居家养老与居民议事",
        ["三社联动"],
        [
            (
                "建立社区养老服务站",
                "依托党群服务中心为高龄独居老人提供助餐和日间照料服务。",
                ["精准服务供给"],
                "measure",
            ),
            (
                "成立居民议事会",
                "每月召开议事会,讨论停车难、加装电梯和社区养老等问题,形成议事清单。",
                ["居民参与与协商自治"],
                "measure",
            ),
            (
                "社区环境明显改善",
                "老旧小区<改造>完成后,居民对社区环境的满意度明显提高。",
                ["阵地与设施建设"],
                "outcome",
            ),
        ],
    ),
    "wh": (
        "湖北省",
        "武汉市",
        "青山区五社联动的探索",
        ["五社联动"],
        [
            ("培育社区社会组织", "建设孵化基地,降低备案门槛,孵化社区社会组织36家。", ["社会组织培育"], "measure"),
            ("开展助老志愿服务", "组织志愿者定期上门探访独居老人,开展助餐送餐。", ["志愿服务与慈善资源"], "measure"),
            ("坚持党建引领", "党组织统筹辖区资源,推动社区治理重心下移。", ["党建引领"], "lesson"),
        ],
    ),
    "wf": (
        "山东省",
        "潍坊市",
        "东关街道智慧治理",
        [],
        [
            (
                "搭建线上议事厅",
                "开发手机小程序,居民随时反映诉求,社区治理更加精细。",
                ["智慧治理", "居民参与与协商自治"],
                "measure",
            ),
        ],
    ),
}


def put_case(store, doc_id, province, city, title, mechanisms, items):
    text = title + "\n"
    measures = []
    for ordinal, (heading, body, themes, kind) in enumerate(items):
        start = len(text)
        text += f"{heading}。{body}\n"
        measures.append(
            Measure(
                doc_id,
                start,
                len(text) - 1,
                heading,
                text[start:-1],
                None,
                kind,
                themes=themes,
                theme_scores={t: 0.9 for t in themes},
                ordinal=ordinal,
            )
        )
    text += "".join(f"推行“{name}”机制。" for name in mechanisms)
    mechs = [Mechanism(doc_id, text.index(n), text.index(n) + len(n), n) for n in mechanisms]
    extraction = Extraction(
        doc_id,
        CaseMetadata(doc_id, title=title),
        measures=measures,
        mechanisms=mechs,
        places=[Place(doc_id, 0, 0, province=province, city=city, primary=True)],
    )
    store.put_document(
        Document(doc_id, text, aliases=[f"{doc_id}.txt"], raw_hash=doc_id, content_hash=doc_id),
        Structure(doc_id, text),
        extraction,
        index_text=segment_for_index(text),
        measure_index=[(segment_for_index(m.heading), segment_for_index(m.text)) for m in measures],
    )


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store(request, make_store):
    store = make_store(request.param)
    for doc_id, case in CASES.items():
        put_case(store, doc_id, *case)
    yield store
    store.close()


def headings(result):
    return [h.heading for h in result.hits]


def test_two_character_word_is_found_and_headings_rank_first(store):
    result = search(store, "养老")
    assert headings(result) == ["建立社区养老服务站", "成立居民议事会"]  # heading match outranks body match
    assert result.total == 2 and result.tokens == ["养老"]
    assert result.hits[0].score > result.hits[1].score > 0


def test_traditional_and_full_width_queries_find_simplified_text(store):
    assert headings(search(store, "社區養老")) == headings(search(store, "社区养老"))
    assert "建立社区养老服务站" in headings(search(store, "社區養老"))
    assert headings(search(store, "议事会,停车")) == ["成立居民议事会"]  # full-width comma folded and dropped


def test_a_word_finds_the_longer_words_it_begins(store):
    # jieba keeps 议事会 and 议事厅 whole, in the index and in a query for them
    assert set(headings(search(store, "议事"))) == {"成立居民议事会", "搭建线上议事厅"}
    assert headings(search(store, "议事厅")) == ["搭建线上议事厅"]


def test_all_words_must_match(store):
    assert headings(search(store, "独居 志愿者")) == ["开展助老志愿服务"]
    assert search(store, "独居 电梯").total == 0


def test_hit_carries_document_place_and_span(store):
    hit = search(store, "孵化").hits[0]
    assert (hit.doc_id, hit.city, hit.province, hit.title) == ("wh", "武汉市", "湖北省", "青山区五社联动的探索")
    assert hit.themes == ["社会组织培育"] and hit.kind == "measure"
    assert store.get_document("wh").text[hit.start : hit.end].startswith("培育社区社会组织。")


def test_snippet_marks_query_words_in_the_original_text(store):
    hit = search(store, "小区 改造").hits[0]
    assert "老旧【小区】<【改造】>完成后" in hit.snippet
    custom = search(store, "助餐", marks=("[", "]")).hits[0]
    assert "[助餐]" in custom.snippet


def test_snippet_window_centres_on_the_first_match():
    text = "甲" * 200 + "社区养老" + "乙" * 200
    parts = highlight_parts(text, ["养老"], width=40)
    assert parts[0] == ("…", False) and parts[-1] == ("…", False)
    assert ("养老", True) in parts
    assert sum(len(p) for p, _ in parts[1:-1]) == 40


@pytest.mark.parametrize(
    "query",
    [
        "社区 AND",
        '"',
        '社区"养老',
        "NEAR(社区 养老)",
        "养*",
        "社区-养老",
        "^养老",
        "heading:养老",
        "(",
        ")",
        "'",
        "社区 OR",
        "{养老}",
        "-",
        "   ",
        "。,、",
    ],
)
def test_fts_syntax_in_a_query_never_raises(store, query):
    result = search(store, query)
    assert result.total >= 0


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("社区养老\"*():^-+{} ANDORNEAR,。'\\")), max_size=12))
def test_any_query_text_is_safe(store, query):
    search(store, query)


def test_fts_expression_quotes_tokens():
    assert fts_expression(["社区", 'a"b', "36"]) == '"社区"* "a""b"* "36"'
    assert query_tokens("社区的养老 服务!") == ["社区", "的", "养老", "服务"]


def test_filters_alone_list_in_document_order(store):
    result = search(store, kind="measure")
    assert [(h.doc_id, h.heading) for h in result.hits][:2] == [("sz", "建立社区养老服务站"), ("sz", "成立居民议事会")]
    assert result.total == 5 and all(h.score == 0.0 for h in result.hits)
    assert headings(search(store, theme="居民参与与协商自治")) == ["成立居民议事会", "搭建线上议事厅"]


def test_place_filters_accept_short_names(store):
    assert {h.doc_id for h in search(store, city="深圳").hits} == {"sz"}
    assert {h.doc_id for h in search(store, province="湖北").hits} == {"wh"}
    assert {h.doc_id for h in search(store, city=["深圳市", "潍坊"]).hits} == {"sz", "wf"}
    assert "深圳市" in place_names("深圳", "city") and "广东省" in place_names("广东", "province")


def test_query_and_filters_combine(store):
    assert headings(search(store, "议事", city="潍坊市")) == ["搭建线上议事厅"]
    assert set(headings(search(store, "议事", theme="居民参与与协商自治"))) == {"成立居民议事会", "搭建线上议事厅"}
    assert headings(search(store, "社区", mechanism="五社")) == ["培育社区社会组织", "坚持党建引领"]
    assert headings(search(store, "社区", kind="lesson")) == ["坚持党建引领"]
    assert headings(search(store, mechanism="%")) == []  # LIKE wildcards are literal


def test_unknown_kind_is_a_clear_error(store):
    with pytest.raises(SearchError, match="未知的类型"):
        search(store, "社区", kind="做法记录")


def test_limit_and_offset_page_through_ranked_hits(store):
    everything = headings(search(store, "社区", limit=50))
    pages = (
        headings(search(store, "社区", limit=2))
        + headings(search(store, "社区", limit=2, offset=2))
        + headings(search(store, "社区", limit=2, offset=4))
    )
    assert pages == everything and len(everything) == search(store, "社区").total


def test_no_hits_suggests_nearest_themes(store):
    result = search(store, "养老", city="潍坊")
    assert result.hits == [] and result.suggestions[0] == "精准服务供给"
    assert result.message.startswith("没有找到与“养老”相关的做法。可以试试这些主题:精准服务供给")
    assert suggest_themes("网格化平台") and "智慧治理" in suggest_themes("网上平台")
    assert search(store, theme="不存在的主题").message.startswith("没有符合筛选条件的做法。")


def test_format_hits_table_csv_json(store):
    result = search(store, "养老")
    table = format_hits(result)
    assert table.splitlines()[0].split() == ["标题", "做法", "类型", "主题", "城市", "片段", "文档", "位置"]
    assert "建立社区养老服务站" in table and "共 2 条" in table
    rows = list(csv.DictReader(io.StringIO(format_hits(result, "csv"))))
    assert rows[0]["做法"] == "建立社区养老服务站" and rows[0]["类型"] == "做法" and rows[0]["城市"] == "深圳市"
    data = json.loads(format_hits(result, "json"))
    assert data["total"] == 2 and data["hits"][0]["heading"] == "建立社区养老服务站"
    assert format_hits(search(store, "量子计算")).startswith("没有找到与“量子计算”相关的做法。")
    with pytest.raises(SearchError):
        format_hits(result, "xml")


# -- common words: heading matches first, newest first; totals capped --------------------------------
BODIES = ["居民议事会讨论社区治理。", "社区志愿者上门服务。", "议事厅里居民协商治理难题。", "老旧小区改造完成。"]
HEADINGS = ["社区治理议事会", "推进社区服务", "居民议事厅建设", "完善治理机制"]
PLACES = [("广东省", "深圳市"), ("湖北省", "武汉市"), ("山东省", "潍坊市")]
THEMES = ["居民参与与协商自治", "精准服务供给", "党建引领"]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def many(request, make_store):
    """Twelve reports of eight practices: every word of the queries below is "common" once the caps are lowered."""
    store = make_store(request.param)
    for d in range(12):
        province, city = PLACES[d % 3]
        items = [
            (
                HEADINGS[(d + i) % 4],
                BODIES[(d * 3 + i) % 4],
                [THEMES[(d + i) % 3]],
                ("measure", "lesson", "outcome")[i % 3],
            )
            for i in range(8)
        ]
        put_case(store, f"r{d:02d}", province, city, f"案例{d}", [], items)
    yield store
    store.close()


# (search filters, the same practices selected in plain SQL)
FILTER_CASES = [
    ({}, "1=1", []),
    ({"city": "深圳"}, "d.city = ?", ["深圳市"]),
    (
        {"theme": "精准服务供给"},
        "m.measure_id IN (SELECT measure_id FROM measure_themes WHERE theme = ?)",
        ["精准服务供给"],
    ),
    ({"kind": "measure"}, "m.kind = ?", ["measure"]),
    (
        {"city": ["武汉", "潍坊"], "theme": ["党建引领", "居民参与与协商自治"]},
        "d.city IN (?, ?) AND m.measure_id IN (SELECT measure_id FROM measure_themes WHERE theme IN (?, ?))",
        ["武汉市", "潍坊市", "党建引领", "居民参与与协商自治"],
    ),
]


def _expected(store, query, where, params, limit, offset):
    """Ids of the page and the total, put in order here: heading matches newest first, then the others."""
    admitted = {
        r[0]
        for r in store._query(
            f"SELECT m.measure_id FROM measures m JOIN documents d ON d.doc_id = m.doc_id WHERE {where}", params
        )
    }
    tokens = tuple(query_tokens(query))

    def matching(scope):
        if isinstance(store, PgStore):
            sql, expression = (
                "SELECT measure_id FROM measures_fts WHERE fts @@ ?::tsquery ORDER BY measure_id DESC",
                (tsquery(TextQuery(tokens, scope=scope))),
            )
        else:
            match = fts_expression(tokens)
            sql = "SELECT rowid FROM measures_fts WHERE measures_fts MATCH ? ORDER BY rowid DESC"
            expression = f"{{heading}} : ({match})" if scope == "heading" else match
        return [r[0] for r in store._query(sql, [expression]) if r[0] in admitted]

    head = matching("heading")
    ordered = head + [i for i in matching("all") if i not in set(head)]
    return ordered[offset : offset + limit], len(ordered)


@pytest.mark.parametrize("broad_themes", [True, False], ids=["probed", "as-set"])
@pytest.mark.parametrize("filters, where, params", FILTER_CASES)
@pytest.mark.parametrize("query", ["社区", "社区 治理", "议事", "居民 议事", "志愿者"])
# A word counted past COUNT_CAP (rank cap 12) has its total known before its page is read.
@pytest.mark.parametrize("rank_cap", [3, 12], ids=["counted", "total known"])
def test_common_words_page_through_heading_matches_then_the_rest(
    many, monkeypatch, broad_themes, filters, where, params, query, rank_cap
):
    monkeypatch.setattr(search_module, "RANK_CAP", rank_cap)
    monkeypatch.setattr(search_module, "COUNT_CAP", 10)
    monkeypatch.setattr(SqliteReads, "_is_broad", lambda store, s: broad_themes)
    for offset in (0, 4, 9, 12, 30):
        result = search(many, query, limit=5, offset=offset, **filters)
        ids, total = _expected(many, query, where, params, 5, offset)
        assert [h.measure_id for h in result.hits] == ids, offset
        assert (result.total, result.total_capped) == (min(total, 10), total > 10)
        assert {h.score for h in result.hits} <= {1.0, 2.0}


def test_a_common_word_is_found_as_common_by_itself_or_by_the_words_it_begins(many, monkeypatch):
    monkeypatch.setattr(search_module, "RANK_CAP", 3)
    # 议事 is never a word of its own in the index (议事会, 议事厅): only its prefix count shows it common
    assert search_module._rows_with(many, "议事") > 3
    assert search(many, "议事").hits[0].score == 2.0  # listed heading-first, not ranked by bm25


def test_queries_cut_by_either_segmenter_find_the_same_practices(store):
    # The index above was written by jieba; queries are cut by rjieba unless told otherwise.
    queries = [
        "社区养老服务站",
        "居民议事会 停车难",
        "高龄独居老人助餐",
        "老旧小区改造",
        "线上议事厅",
        "孵化社会组织",
        "2022-2025年 行动方案",
        "Wi-Fi 社区",
    ]
    for query in queries:
        jieba_hits = search(store, query, segmenter="jieba")
        rjieba_hits = search(store, query, segmenter="rjieba")
        assert headings(rjieba_hits) == headings(jieba_hits), query
    assert headings(search(store, "社区养老服务站")) == ["建立社区养老服务站"]


def test_a_reader_sees_what_another_connection_writes_once_the_store_changes(make_store, monkeypatch):
    """PostgreSQL readers cache per-store aggregates (document frequencies, facets) until a write
    advances store_generation; a write through another connection must show."""
    from pipeline import pgstore
    from pipeline.api import open_store

    monkeypatch.setattr(pgstore, "GENERATION_TTL_S", 0.0)  # ask the server every time
    for module in (readmodel, pgstore):
        monkeypatch.setattr(module, "FACET_MATCHES", 1)
    writer = make_store("postgresql")
    first = [("议事会议事", "居民议事会每月议事。", ["居民议事"], "measure")]
    put_case(writer, "a1", "四川省", "成都市", "成都案例", ["三社联动"], first)
    reader = open_store(writer.url, readonly=True)
    word = TextQuery(("议事",))
    assert reader.count_matches(word, None, 100) == 1
    assert dict(reader.facet_counts("city")) == {"成都市": 1}
    assert not facets_sampled(reader, "议事")
    assert reader.docs_with_mechanisms(["三社"]) == {"a1"} and reader.docs_in_places("city", ["深圳市"]) == set()
    second = [("议事厅", "社区议事厅。", ["居民议事"], "measure")]
    put_case(writer, "a2", "广东省", "深圳市", "深圳案例", ["三社联动"], second)
    assert reader.count_matches(word, None, 100) == 2
    assert dict(reader.facet_counts("city")) == {"成都市": 1, "深圳市": 1}
    assert facets_sampled(reader, "议事")  # two matches now, more than the one its facets count
    assert reader.docs_with_mechanisms(["三社"]) == {"a1", "a2"} and reader.docs_in_places("city", ["深圳市"]) == {"a2"}
    assert search(reader, "议事").total == 2
    reader.close()
    writer.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_facets_of_a_broad_query_count_its_newest_matches(make_store, monkeypatch, backend):
    from pipeline import pgstore

    for module in (readmodel, pgstore):
        monkeypatch.setattr(module, "FACET_MATCHES", 3)
    store = make_store(backend)
    put_case(store, "s1", "广东省", "深圳市", "深圳案例", [], [("议事会", "居民议事。", ["居民议事"], "measure")] * 2)
    put_case(store, "s2", "四川省", "成都市", "成都案例", [], [("议事厅", "社区议事。", ["居民议事"], "lesson")] * 2)
    # Four practices hold 议事: the newest three are the second of s1 and both of s2.
    facets = facet_counts(store, "议事")
    assert dict(facets["city"]) == {"成都市": 2, "深圳市": 1} and dict(facets["kind"]) == {"lesson": 2, "measure": 1}
    assert facets_sampled(store, "议事")
    # A chosen kind leaves two matches, but the kind facet itself counts without it: still sampled.
    assert facets_sampled(store, "议事", {"kind": "lesson"})
    assert not facets_sampled(store, "议事厅") and dict(facet_counts(store, "议事厅")["city"]) == {"成都市": 2}
    # Filters alone count every practice.
    assert dict(facet_counts(store, "")["city"]) == {"成都市": 2, "深圳市": 2} and not facets_sampled(store, "")
    store.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_theme_and_mechanism_filters_are_no_words_of_the_text(make_store, backend):
    """PostgreSQL keeps each practice's themes, and its document's mechanisms, as lexemes of its vector:
    no word, prefix or spelling of the markers matches them, and a filter with words finds what the
    filtered rows hold."""
    store = make_store(backend)
    items = [
        ("楼栋议事", "居民协商停车。", ["居民参与与协商自治"], "measure"),
        ("党员包楼", "党员联系居民。", ["党建引领"], "measure"),
    ]
    put_case(store, "t1", "广东省", "深圳市", "深圳案例", ["红色物业"], items)
    put_case(store, "t2", "四川省", "成都市", "成都案例", ["院落自治"], [("院坝会", "居民议事。", [], "measure")])
    assert search(store, "物业").total == 0 and search(store, "#mechanism:红色物业").total == 0
    assert [h.doc_id for h in search(store, "居民", mechanism="物业").hits] == ["t1", "t1"]
    assert [h.heading for h in search(store, "居民", mechanism="院落").hits] == ["院坝会"]
    assert search(store, "居民", mechanism=["物业", "院落"]).total == 3
    assert search(store, "居民", mechanism="不存在").total == 0 and search(store, "", mechanism="不存在").total == 0
    assert [h.heading for h in search(store, "居民", mechanism="物业", theme="党建引领").hits] == ["党员包楼"]
    assert search(store, "参与").total == 0 and search(store, "党建").total == 0  # theme words, not text words
    assert search(store, "#theme:党建引领").total == 0 and search(store, "theme").total == 0
    assert [h.heading for h in search(store, "居民", theme="居民参与与协商自治").hits] == ["楼栋议事"]
    assert [h.heading for h in search(store, "居民", theme="党建引领").hits] == ["党员包楼"]
    assert search(store, "停车", theme="党建引领").total == 0
    assert search(store, "居民", theme=["党建引领", "居民参与与协商自治"]).total == 2
    assert [h.heading for h in search(store, "", theme="党建引领").hits] == ["党员包楼"]
    store.close()


@pytest.mark.parametrize(
    "query, filters",
    [
        ("社区", {"city": "武汉"}),
        ("社区 服务", {"province": "广东省"}),
        ("议事", {"mechanism": "联动", "kind": "measure"}),
        ("养老", {"city": ["武汉", "深圳"], "theme": "精准服务供给"}),
        ("社区", {"mechanism": "五社", "theme": "社会组织培育"}),
    ],
)
def test_a_filter_read_before_the_words_finds_what_the_words_first_find(store, monkeypatch, query, filters):
    """On PostgreSQL a filter that lists few documents is read first and the words tested on its rows
    (pgstore.NARROW_FILTER); either way the hits, their order, scores and the total are the same."""
    from pipeline import pgstore

    found = {}
    for name, factor in (("words first", 10**9), ("filter first", 0)):
        monkeypatch.setattr(pgstore, "NARROW_FILTER", factor)
        result = search(store, query, **filters)
        found[name] = (result.total, [(h.measure_id, round(h.score, 9)) for h in result.hits])
    assert found["words first"] == found["filter first"]
    assert found["words first"][0] > 0
