"""China's administrative divisions: provinces, cities, districts, streets.

The data file ``corpus/gazetteer.tsv`` is derived by
``scripts/build_gazetteer.py`` from the location tree shipped with jionlp.
We chose jionlp's data over cpca's: cpca's table dates from about 2016, so it
lacks post-2015 divisions (深圳市龙华区 440309, 2016) and cpca's own matching
misreads short names (长治久安 → 长治市, 锋芒 → 芒市); jionlp's tree is newer,
carries the 6-digit codes and short names, lists the streets/towns under each
district, and comes with a rename history (襄樊市 → 襄阳市).

Everything here is lookup; finding places in text is
:mod:`pipeline.extract.places`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from .resources import data_path

GAZETTEER_FILE = "gazetteer.tsv"
LEVELS = ("province", "city", "district")
_LEVEL_BY_TAG = {"P": "province", "C": "city", "D": "district"}


@dataclass(frozen=True)
class Division:
    """A coded division: province, city (incl. prefecture/league) or district (incl. county)."""

    level: str  # province | city | district
    code: str
    name: str  # full name, e.g. 龙华区
    short: str  # short name, e.g. 龙华 (equal to name when there is none)
    parent: str | None = None  # code of the division one level up

    @property
    def key(self) -> tuple[str, str]:
        return (self.level, self.code)


class Gazetteer:
    """Lookups over the divisions and the streets under each district."""

    def __init__(
        self,
        divisions: Iterable[Division],
        streets: dict[tuple[str, str], frozenset[str]],
        renames: Iterable[tuple[str, str, str, str]] = (),
    ) -> None:
        self._by_key: dict[tuple[str, str], Division] = {}
        self._by_name: dict[str, list[Division]] = {}
        self._by_short: dict[str, list[Division]] = {}
        self._by_old_name: dict[str, list[Division]] = {}
        self._by_old_short: dict[str, list[Division]] = {}
        for division in divisions:
            self._by_key[division.key] = division
            self._by_name.setdefault(division.name, []).append(division)
            if division.short != division.name:
                self._by_short.setdefault(division.short, []).append(division)
        for level, old_name, code, kind in renames:
            division = self._by_key.get((level, code))
            if division is not None:
                index = self._by_old_name if kind == "full" else self._by_old_short
                index.setdefault(old_name, []).append(division)
        self._streets = streets
        # Extraction asks for the same few chains again and again.
        self._chains: dict[Division, tuple[Division, ...]] = {}
        self._chain_keys: dict[Division, tuple[tuple[str, str], ...]] = {}
        self._street_parents: dict[str, list[Division]] = {}
        for key, names in streets.items():
            parent = self._by_key[key]
            for name in names:
                self._street_parents.setdefault(name, []).append(parent)

    def get(self, level: str, code: str) -> Division | None:
        return self._by_key.get((level, code))

    def by_name(self, name: str) -> tuple[Division, ...]:
        """Divisions whose current full name is ``name``."""
        return tuple(self._by_name.get(name, ()))

    def by_short(self, short: str) -> tuple[Division, ...]:
        """Divisions whose short name is ``short`` (深圳 → 深圳市, 龙华 → both 龙华区)."""
        return tuple(self._by_short.get(short, ()))

    def by_old_name(self, name: str) -> tuple[Division, ...]:
        """Current divisions that an old full or short name now belongs to (襄樊市, 襄樊 → 襄阳市)."""
        return tuple(self._by_old_name.get(name, ()) or self._by_old_short.get(name, ()))

    def lookup(self, name: str) -> tuple[Division, ...]:
        """Divisions for a full, short or old name, in that order of preference."""
        return self.by_name(name) or self.by_short(name) or self.by_old_name(name)

    def surface_forms(self) -> dict[str, list[tuple[Division, str]]]:
        """Every matchable string → (division, kind).

        kind is ``full`` (current or old full name: 深圳市, 襄樊市) or ``short``
        (深圳, 襄樊); a short name alone is weak evidence of a place.
        """
        forms: dict[str, list[tuple[Division, str]]] = {}
        indexes = (
            ("full", self._by_name),
            ("short", self._by_short),
            ("full", self._by_old_name),
            ("short", self._by_old_short),
        )
        for kind, index in indexes:
            for name, divisions in index.items():
                forms.setdefault(name, []).extend((d, kind) for d in divisions)
        return forms

    def parent(self, division: Division) -> Division | None:
        if division.parent is None or division.level == "province":
            return None
        up = LEVELS[LEVELS.index(division.level) - 1]
        return self._by_key.get((up, division.parent))

    def chain(self, division: Division) -> tuple[Division, ...]:
        """The division and its ancestors, province first."""
        chain = self._chains.get(division)
        if chain is None:
            nodes = [division]
            while (up := self.parent(nodes[0])) is not None:
                nodes.insert(0, up)
            chain = self._chains[division] = tuple(nodes)
        return chain

    def chain_keys(self, division: Division) -> tuple[tuple[str, str], ...]:
        """The keys of :meth:`chain`."""
        keys = self._chain_keys.get(division)
        if keys is None:
            keys = self._chain_keys[division] = tuple(node.key for node in self.chain(division))
        return keys

    def streets_of(self, division: Division) -> frozenset[str]:
        """Streets, towns and townships directly under a district (or a city without districts)."""
        return self._streets.get(division.key, frozenset())

    def street_parents(self, street: str) -> tuple[Division, ...]:
        """The districts (or cities) that have a street/town of this exact name."""
        return tuple(self._street_parents.get(street, ()))

    def street_names(self) -> frozenset[str]:
        """Every street/town name under some district."""
        return frozenset(self._street_parents)

    def is_street(self, name: str) -> bool:
        return name in self._street_parents


def parse_gazetteer(lines: Iterable[str]) -> Gazetteer:
    """Build a :class:`Gazetteer` from the rows of ``gazetteer.tsv`` (see the build script)."""
    divisions: list[Division] = []
    street_rows: list[tuple[str, list[str]]] = []
    renames: list[tuple[str, str, str, str]] = []
    for line in lines:
        if not line or line.startswith("#"):
            continue
        fields = line.rstrip("\n").split("\t")
        tag = fields[0]
        if tag in _LEVEL_BY_TAG:
            parent = fields[4] if len(fields) > 4 else None
            divisions.append(Division(_LEVEL_BY_TAG[tag], fields[1], fields[2], fields[3], parent))
        elif tag == "S":
            street_rows.append((fields[1], fields[2].split(" ")))
        elif tag == "R":
            renames.append((_LEVEL_BY_TAG[fields[1]], fields[2], fields[3], fields[4]))
    known = {d.key for d in divisions}
    streets: dict[tuple[str, str], frozenset[str]] = {}
    for code, names in street_rows:
        # Streets hang under a district, or under a city that has none (东莞).
        key = ("district", code) if ("district", code) in known else ("city", code)
        streets[key] = frozenset(names)
    return Gazetteer(divisions, streets, renames)


@lru_cache(maxsize=1)
def load_gazetteer() -> Gazetteer:
    """The gazetteer from ``corpus/gazetteer.tsv``, parsed once per process."""
    path = data_path(GAZETTEER_FILE)
    with path.open(encoding="utf-8") as handle:
        return parse_gazetteer(handle)
