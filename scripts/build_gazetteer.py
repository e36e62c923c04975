"""Derive corpus/gazetteer.tsv from the location data shipped with jionlp.

Rebuild (after upgrading jionlp, whose data follows the official division
codes):

    .venv/bin/python scripts/build_gazetteer.py            # writes corpus/gazetteer.tsv
    .venv/bin/python scripts/build_gazetteer.py --out X.tsv

The source tree (``jionlp/dictionary/china_location.zip``) goes province →
city → district → street/town → community. Communities are left out (about
650,000 rows): the places extractor finds them by suffix and anchors them to a
recognised street or district. The rename history
(``china_location_change.txt``) maps old names (襄樊市) to the current division.

Output rows (tab-separated, ``#`` starts a comment):

    P  code  name  short                      province
    C  code  name  short  province_code       city (or province-managed county)
    D  code  name  short  city_code           district / county-level division
    S  parent_code  street street …           streets, towns, townships (space separated)
    R  level  old_name  code  full|short      old name → current division (level P/C/D)
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "corpus" / "gazetteer.tsv"

# Township-level suffixes kept: 街道, 镇, 乡 and their ethnic-area forms
# (苏木 in Inner Mongolia). Farms, regiments and "virtual" units are left out.
STREET_SUFFIXES = ("街道", "镇", "乡", "苏木")
# jionlp inserts these placeholders where a level is skipped (东莞 has no
# districts; 仙桃 is managed by its province directly).
PSEUDO_CITY = "省直辖行政区划"
PSEUDO_DISTRICT = "市直辖行政区划"
LEVEL_ORDER = {"P": 0, "C": 1, "D": 2}


def jionlp_dictionary_dir() -> Path:
    spec = importlib.util.find_spec("jionlp")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("jionlp is not installed in this environment")
    return Path(next(iter(spec.submodule_search_locations))) / "dictionary"


def read_tree(zip_path: Path) -> list[tuple[int, list[str]]]:
    """(depth, fields) per line of china_location.txt, depth = leading tabs."""
    with zipfile.ZipFile(zip_path) as archive:
        name = next(n for n in archive.namelist() if n.endswith("china_location.txt"))
        text = io.TextIOWrapper(archive.open(name), encoding="utf-8").read()
    rows = []
    for line in text.splitlines():
        line = line.rstrip("\r\n")
        if not line.strip():
            continue
        depth = len(line) - len(line.lstrip("\t"))
        rows.append((depth, line.strip("\t").split("\t")))
    return rows


def first_short(short: str) -> str:
    # jionlp lists alternatives as 克州/克孜勒苏; the longer one is the safer match.
    return max(short.split("/"), key=len)


def build_divisions(rows):
    """Return (divisions, streets): divisions as (level, code, name, short, parent)."""
    divisions: list[tuple[str, str, str, str, str]] = []
    streets: dict[str, list[str]] = {}
    province = city = district = None  # current codes while walking the tree
    for depth, fields in rows:
        if depth == 0:
            province, city, district = fields[1], None, None
            divisions.append(("P", fields[1], fields[0], first_short(fields[2]), ""))
        elif depth == 1:
            district = None
            if fields[0] == PSEUDO_CITY:
                city = None
                continue
            city = fields[1]
            divisions.append(("C", fields[1], fields[0], first_short(fields[2]), province))
        elif depth == 2:
            # Before the code check: the towns of a city without districts
            # (东莞, 中山, 儋州, 嘉峪关) sit under a placeholder with the city's code.
            if fields[0] == PSEUDO_DISTRICT:
                district = city
                continue
            if len(fields) < 2 or fields[1] == city:
                # Taiwan's, Hong Kong's and Macao's districts carry no code of their own.
                district = None
                continue
            if city is None:  # child of a province-managed placeholder: a city of its own
                district = fields[1]
                divisions.append(("C", fields[1], fields[0], first_short(fields[2]), province))
                continue
            district = fields[1]
            divisions.append(("D", fields[1], fields[0], first_short(fields[2]), city))
        elif depth == 3:
            name = fields[0]
            if district and name.endswith(STREET_SUFFIXES) and len(name) > 1:
                bucket = streets.setdefault(district, [])
                if name not in bucket:
                    bucket.append(name)
    seen: set[tuple[str, str]] = set()
    unique = []
    for division in divisions:  # jionlp gives a few codes twice (410471): keep the first
        if division[:2] not in seen:
            seen.add(division[:2])
            unique.append(division)
    return unique, streets


def read_renames(change_path: Path, divisions) -> list[tuple[str, str, str, str]]:
    """(level, old_name, current_code, full|short) from jionlp's rename history."""
    by_path: dict[tuple[str, ...], tuple[str, str]] = {}
    names = {d[2] for d in divisions}
    shorts = {d[3] for d in divisions}
    parents = {(d[0], d[1]): d for d in divisions}
    for level, code, name, _short, parent in divisions:
        path = [name]
        node = (level, parent)
        while node[1]:
            up = "P" if node[0] == "C" else "C"
            record = parents.get((up, node[1]))
            if record is None:
                break
            path.insert(0, record[2])
            node = (up, record[4])
        by_path[tuple(path)] = (level, code)
    renames = []
    for line in change_path.read_text(encoding="utf-8").splitlines():
        if "=>" not in line:
            continue
        old, new = line.split("=>")
        old_fields = old.split("\t")[2:]
        old_names = old_fields[0::2]  # full names; the short names sit between them
        target = by_path.get(tuple(new.strip().split("\t")))
        if target is None:
            continue
        old_name, old_short = old_names[-1], old_fields[-1]
        level = "PCD"[len(old_names) - 1]
        if level != target[0]:
            continue
        # Skip names still in use and bare generic ones (城区, 郊区, 矿区).
        for name, kind in ((old_name, "full"), (old_short, "short")):
            if (
                (kind == "short" and name == old_name)
                or name in names
                or name in shorts
                or len(name) < 2
                or (kind == "full" and len(name) < 3)
            ):
                continue
            entry = (level, name, target[1], kind)
            if entry not in renames:
                renames.append(entry)
    return renames


def write(out: Path, divisions, streets, renames) -> None:
    lines = [line for line in (__doc__ or "").splitlines()[:3]]
    header = ["# " + line if line else "#" for line in lines]
    header.append("# Generated by scripts/build_gazetteer.py; rows: P/C/D divisions, S streets, R renames.")
    body = []
    for level, code, name, short, parent in sorted(divisions, key=lambda d: (LEVEL_ORDER[d[0]], d[1], d[2])):
        fields = [level, code, name, short] + ([parent] if parent else [])
        body.append("\t".join(fields))
    for parent in sorted(streets):
        body.append("\t".join(["S", parent, " ".join(sorted(streets[parent]))]))
    for rename in sorted(renames):
        body.append("\t".join(["R", *rename]))
    out.write_text("\n".join(header + body) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    source = jionlp_dictionary_dir()
    divisions, streets = build_divisions(read_tree(source / "china_location.zip"))
    renames = read_renames(source / "china_location_change.txt", divisions)
    write(args.out, divisions, streets, renames)
    count = sum(len(v) for v in streets.values())
    size = args.out.stat().st_size
    print(f"{args.out}: {len(divisions)} divisions, {count} streets, {len(renames)} renames, {size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
