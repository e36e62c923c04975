from pipeline.gazetteer import Division, load_gazetteer, parse_gazetteer


def names(divisions):
    return sorted(d.name for d in divisions)


def test_short_name_is_ambiguous_until_context():
    gaz = load_gazetteer()
    longhua = gaz.by_short("龙华")
    assert names(longhua) == ["龙华区", "龙华区"]
    chains = sorted(tuple(n.name for n in gaz.chain(d)) for d in longhua)
    assert chains == [("广东省", "深圳市", "龙华区"), ("海南省", "海口市", "龙华区")]


def test_post_2015_district_with_code_and_streets():
    gaz = load_gazetteer()
    (shenzhen_longhua,) = [d for d in gaz.by_name("龙华区") if d.parent == "440300"]
    assert shenzhen_longhua.code == "440309"
    assert "观湖街道" in gaz.streets_of(shenzhen_longhua)
    assert shenzhen_longhua in gaz.street_parents("观湖街道")


def test_old_names_map_to_current_division():
    gaz = load_gazetteer()
    assert names(gaz.lookup("襄樊市")) == ["襄阳市"]
    assert names(gaz.lookup("襄樊")) == ["襄阳市"]
    assert gaz.by_name("襄樊市") == ()


def test_province_inferred_from_city_and_county_level_city():
    gaz = load_gazetteer()
    (tongxiang,) = gaz.by_name("桐乡市")
    assert [d.name for d in gaz.chain(tongxiang)] == ["浙江省", "嘉兴市", "桐乡市"]
    (baotou,) = gaz.by_short("包头")
    assert gaz.parent(baotou).name == "内蒙古自治区"


def test_parse_format_streets_under_city_without_districts():
    rows = [
        "# comment",
        "P\t440000\t广东省\t广东",
        "C\t441900\t东莞市\t东莞\t440000",
        "S\t441900\t虎门镇 南城街道",
        "R\tC\t东官\t441900\tshort",
    ]
    gaz = parse_gazetteer(rows)
    dongguan = gaz.get("city", "441900")
    assert dongguan == Division("city", "441900", "东莞市", "东莞", "440000")
    assert gaz.streets_of(dongguan) == frozenset({"虎门镇", "南城街道"})
    assert gaz.street_parents("虎门镇") == (dongguan,)
    assert gaz.lookup("东官") == (dongguan,)
    assert gaz.parent(dongguan).name == "广东省"


def test_chain_keys_and_street_names():
    gaz = load_gazetteer()
    (tongxiang,) = gaz.by_name("桐乡市")
    assert gaz.chain_keys(tongxiang) == tuple(d.key for d in gaz.chain(tongxiang))
    assert gaz.chain_keys(tongxiang)[-1] == ("district", tongxiang.code)
    assert gaz.chain(tongxiang) is gaz.chain(tongxiang)  # computed once
    assert "观湖街道" in gaz.street_names() and "深圳市" not in gaz.street_names()
    assert all(gaz.is_street(name) for name in ("乌镇镇", "观湖街道"))
