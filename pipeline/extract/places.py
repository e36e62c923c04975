"""Places a case report names: province → city → district → street → community.

One pass of a compiled matcher finds every division name (full, short or
old) and every street/community suffix (街道, 镇, 社区, 村, 居委会 …). Then:

1. A short name (深圳, 龙华) counts only when it is a word of its own in the
   document's segmentation (not 长治 in 长治久安) and another
   level of the same chain appears in the text (大同 with no 山西 or no
   district of 大同 is the 大同社工 of some other city). Names shared by
   several divisions (青山区: 包头 and 武汉) take the one whose chain the
   text supports.
2. Streets are read back from their suffix against the gazetteer's streets;
   unknown streets and all communities get a stem by scanning back to a
   boundary word or a recognised place, and must look like a proper name
   (corpus/place_words.tsv) and sit in a paragraph with a recognised place.
3. Every mention gets the fullest chain consistent with the others, and the
   primary place descends from the most-mentioned province as long as one
   child dominates its siblings and holds a fair share of its parent's
   mentions (苏州 stays a city when 常熟 and 昆山 are side examples).
"""

from __future__ import annotations

import bisect
import re
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from itertools import accumulate
from typing import NamedTuple

import numpy as np

from .. import vocabulary
from ..gazetteer import Division, Gazetteer, load_gazetteer
from ..kinds import DocumentContext
from ..patterns import CJK_RUN
from ..records import Place, Structure
from .lexicon import Lexicon

PLACE_WORDS = "place_words.tsv"
JURISDICTION_REPORTS = "jurisdiction_reports.txt"
FIELDS = ("province", "city", "district", "street", "community")
MAX_STEM = 6  # longest street/community name stem read back from a suffix
SHARED_SHORT = 3  # a short name of this many divisions needs its city written before it
MAX_WEAK_STEM = 4  # … when no recognised place comes right before it
LEAD_CHARS = 300  # mentions in the title and lead count double
# The primary place is a child of the place above it when the child holds at
# least MIN_SHARE of the parent's mentions and DOMINANCE times its runner-up's.
MIN_SHARE = 0.25
DOMINANCE = 2.0
# Dictionary part-of-speech tags (jieba) of words that do not occur inside a
# place-name stem: verbs, prepositions, pronouns, numerals … Adjectives and
# conjunctions (幸福, 以及) only count against a stem no recognised place precedes.
_NON_NAME_TAGS = ("v", "p", "r", "m", "q", "u", "d", "f", "t", "y", "e", "o")
_WEAK_NON_NAME_TAGS = ("a", "c")

Chain = tuple[str | None, ...]  # one value per FIELDS entry


@dataclass(frozen=True)
class PlaceWords:
    street: dict[str, str]  # suffix as written → canonical suffix
    community: dict[str, str]
    continuation: frozenset[str]
    boundary: re.Pattern
    generic: tuple[str, ...]
    common: tuple[str, ...]
    not_before_village: frozenset[str]  # 全村, 本村, 进村: a word, not a village name
    division_end: frozenset[str]  # 省 市 区 县 …
    conjunction: frozenset[str]  # 和 与 及: a stem opening with one right after a place joins two places


@lru_cache(maxsize=1)
def place_words() -> PlaceWords:
    rows: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    for row in vocabulary.rows(PLACE_WORDS):
        rows[row.fields[0]].append(row.fields[1:])
    boundary_words = sorted((v[0] for v in rows["boundary"]), key=len, reverse=True)
    return PlaceWords(
        street={v[0]: v[1] for v in rows["street"]},
        community={v[0]: v[1] for v in rows["community"]},
        continuation=frozenset(v[0] for v in rows["continuation"]),
        boundary=re.compile("|".join(map(re.escape, boundary_words)) + r"|[^\u4e00-\u9fff]"),
        generic=tuple(v[0] for v in rows["generic"]),
        common=tuple(v[0] for v in rows["common"]),
        not_before_village=frozenset(v[0] for v in rows["not_before_village"]),
        division_end=frozenset(v[0] for v in rows["division_end"]),
        conjunction=frozenset(v[0] for v in rows["conjunction"]),
    )


def _trie_pattern(words: list[str]) -> str:
    """One regex for many literals, factored as a trie.

    The stdlib tries each branch of a flat alternation in turn; no
    Aho-Corasick package is installed, and a trie-shaped pattern makes the
    single pass over a text cheap. Optional tails make the match greedy, so
    the longest literal at a position wins.
    """
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: dict) -> str:
        branches = [re.escape(char) + emit(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 and "" not in node else "(?:" + "|".join(branches) + ")"
        return body + "?" if "" in node else body

    return emit(trie)


@dataclass(frozen=True)
class _Surface:
    """What a division name as written can stand for."""

    kind: str  # full | short: short when every division it names uses it as a short name
    candidates: tuple[Division, ...]


class _Bigrams:
    """Where in a text a two-character string of a given set begins.

    Vectorised over the text's code points, which is several times cheaper
    than a Python loop slicing every position. Each first
    and second character gets a small id (0: in no pair), and a table over
    the two ids says whether the pair is in the set.
    """

    def __init__(self, pairs: set[str]) -> None:
        firsts, seconds = sorted({p[0] for p in pairs}), sorted({p[1] for p in pairs})
        size = max(map(ord, firsts + seconds)) + 2  # the last slot stays 0: code points past it clip to it
        self.first = np.zeros(size, np.int32)
        self.second = np.zeros(size, np.int32)
        self.first[[ord(c) for c in firsts]] = np.arange(1, len(firsts) + 1)
        self.second[[ord(c) for c in seconds]] = np.arange(1, len(seconds) + 1)
        self.table = np.zeros((len(firsts) + 1, len(seconds) + 1), bool)
        for pair in pairs:
            self.table[self.first[ord(pair[0])], self.second[ord(pair[1])]] = True

    def starts(self, text: str) -> list[int]:
        codes = np.frombuffer(text.encode("utf-32-le"), np.uint32)
        first = self.first.take(codes[:-1], mode="clip")
        second = self.second.take(codes[1:], mode="clip")
        return np.flatnonzero(self.table[first, second]).tolist()


@dataclass(frozen=True)
class _Matcher:
    suffixes: re.Pattern
    forms: dict[str, _Surface]
    lengths: dict[str, tuple[int, ...]]  # first two characters → lengths of the names they begin, longest first
    bigrams: _Bigrams  # the keys of lengths

    def names(self, text: str) -> Iterator[tuple[int, int]]:
        """Spans of division names, left to right, the longest at each position, not overlapping.

        The 6,000 names share 3,000 two-character beginnings, found at about
        one position in a hundred; only those positions need a look-up.
        (A trie regex tries a branch at every character; pyahocorasick
        searches the root's thousands of children linearly: both are slower.)
        """
        lengths, forms = self.lengths, self.forms
        resume = 0
        for i in self.bigrams.starts(text):
            if i < resume:
                continue
            for n in lengths[text[i : i + 2]]:
                if text[i : i + n] in forms:
                    resume = i + len(text[i : i + n])
                    yield i, resume
                    break


def names_a_division(text: str) -> bool:
    """Whether the text holds the name of a division of the gazetteer (浙江, 南浔区, 练市镇)."""
    return next(_matcher().names(text), None) is not None


def _surface(entries: list[tuple[Division, str]]) -> _Surface:
    kind = "short" if all(k == "short" for _, k in entries) else "full"
    candidates = tuple(dict.fromkeys(d for d, k in entries if kind == "short" or k == "full"))
    return _Surface(kind, candidates)


@lru_cache(maxsize=1)
def _matcher() -> _Matcher:
    forms = {k: _surface(v) for k, v in load_gazetteer().surface_forms().items() if len(k) >= 2}
    lengths: dict[str, set[int]] = defaultdict(set)
    for name in forms:
        lengths[name[:2]].add(len(name))
    words = place_words()
    # Names and suffixes are found apart so that a spurious name cannot hide
    # a suffix (镇海 in 海虞镇海福 would swallow the 镇 of 海虞镇).
    suffixes = re.compile(_trie_pattern(list(words.street) + list(words.community)))
    return _Matcher(
        suffixes, forms, {k: tuple(sorted(v, reverse=True)) for k, v in lengths.items()}, _Bigrams(set(lengths))
    )


@dataclass
class _Mention:
    start: int
    end: int
    level: str  # a FIELDS entry
    name: str  # canonical: division full name, street name, community name
    division: Division | None = None
    candidates: list[Division] = field(default_factory=list)  # divisions, or a street's parents
    kind: str = "full"  # full | short | known (gazetteer street) | strong | weak
    stem: str = ""
    chain: Chain = (None,) * 5


class _Text:
    """The document with sentence/paragraph lookup and its word boundaries."""

    def __init__(self, doc: Structure, tokens: Sequence[str], lexicon: Lexicon) -> None:
        self.doc = doc
        self.text = doc.text
        self._sent_starts = [s.start for s in doc.sentences]
        self._para_starts = [p.start for p in doc.paragraphs]
        self._tokens = tokens
        self.lexicon = lexicon  # the dictionary ``tokens`` were cut with

    @cached_property
    def _bounds(self) -> list[int]:
        """Token boundaries, ascending (a list: few are looked up, a set costs more to build)."""
        return list(accumulate(map(len, self._tokens), initial=0))

    def _is_bound(self, pos: int) -> bool:
        i = bisect.bisect_left(self._bounds, pos)
        return i < len(self._bounds) and self._bounds[i] == pos

    def sentence(self, pos: int) -> int:
        return bisect.bisect_right(self._sent_starts, pos) - 1

    def paragraph(self, pos: int) -> int:
        return bisect.bisect_right(self._para_starts, pos) - 1

    def is_word(self, start: int, end: int, *, check_end: bool = True) -> bool:
        """Whether the document's segmentation puts token boundaries at start (and end)."""
        return self._is_bound(start) and (not check_end or self._is_bound(end))


@lru_cache(maxsize=4096)
def _division_chain(gaz: Gazetteer, division: Division) -> Chain:
    values: dict[str, str | None] = {f: None for f in FIELDS}
    for node in gaz.chain(division):
        values[node.level] = node.name
    return tuple(values[f] for f in FIELDS)


# These two run for every pair of chains: plain loops, faster than all() over a generator.
def _compatible(a: Chain, b: Chain) -> bool:
    for x, y in zip(a, b, strict=False):  # noqa: SIM110
        if x is not None and y is not None and x != y:
            return False
    return True


def _covers(general: Chain, specific: Chain) -> bool:
    """Every level named in ``general`` is named the same in ``specific``."""
    for x, y in zip(general, specific, strict=False):  # noqa: SIM110
        if x is not None and x != y:
            return False
    return True


# --- 1. divisions -----------------------------------------------------------


def _division_mentions(text: _Text) -> list[_Mention]:
    """Division names that are words of their own, with all their candidate divisions."""
    matcher = _matcher()
    mentions = []
    for start, end in matcher.names(text.text):
        surface = text.text[start:end]
        found = matcher.forms[surface]
        # Short names and two-character full names (芒市, 城区) are often parts of words.
        needs_end = found.kind == "short" or len(surface) <= 2
        if not text.is_word(start, end, check_end=needs_end):
            continue
        mentions.append(
            _Mention(start, end, found.candidates[0].level, surface, candidates=list(found.candidates), kind=found.kind)
        )
    return mentions


def _resolve_divisions(mentions: list[_Mention], streets: list[_Mention], gaz: Gazetteer) -> list[_Mention]:
    """Pick each mention's division by support from the rest of the text.

    A candidate is supported by every other mention (of another surface
    form) of itself, an ancestor or a descendant, including the districts
    that own a recognised street. Mentions of one surface form have the
    same candidates (see :func:`_division_mentions`), so evidence and
    support are reckoned once per surface form.
    """
    # Plain dicts, not Counters: Counter's missing-key hook is a Python call per first count.
    exact: dict[tuple[str, str], int] = {}  # evidence naming exactly this division
    subtree: dict[tuple[str, str], int] = {}  # evidence naming this division or one below it
    own_exact: dict[str, dict[tuple[str, str], int]] = defaultdict(dict)  # the same, per surface form
    own_subtree: dict[str, dict[tuple[str, str], int]] = defaultdict(dict)

    def add(chain: tuple[tuple[str, str], ...], n: int, counter_exact: dict, counter_subtree: dict) -> None:
        counter_exact[chain[-1]] = counter_exact.get(chain[-1], 0) + n
        for key in chain:
            counter_subtree[key] = counter_subtree.get(key, 0) + n

    surfaces = {m.name: m for m in mentions}  # one mention stands for its surface form
    for surface, n in Counter(m.name for m in mentions).items():
        for division in surfaces[surface].candidates:
            chain = gaz.chain_keys(division)
            add(chain, n, exact, subtree)
            add(chain, n, own_exact[surface], own_subtree[surface])
    # A street's evidence is the same wherever it is named; no surface form of a division is its own.
    for name, n in Counter(street.name for street in streets).items():
        street_exact, street_subtree = _street_evidence(gaz, name)
        for key, count in street_exact.items():
            exact[key] = exact.get(key, 0) + count * n
        for key, count in street_subtree.items():
            subtree[key] = subtree.get(key, 0) + count * n
    by_end = {m.end: m for m in mentions}

    def support(mention: _Mention, division: Division) -> int:
        chain = gaz.chain_keys(division)
        if mention.kind == "short" and len(mention.candidates) >= SHARED_SHORT:
            # A short name many divisions share (高新区, 经开区, 城区) is only
            # read as the one whose city is written right before it (成都高新区).
            before = by_end.get(mention.start)
            return sum(d.key in chain for d in before.candidates) if before else 0
        own_e, own_s = own_exact[mention.name], own_subtree[mention.name]
        below = subtree.get(chain[-1], 0) - own_s.get(chain[-1], 0)
        above = sum(exact.get(key, 0) - own_e.get(key, 0) for key in chain[:-1])
        return below + above

    def choose(mention: _Mention) -> tuple[Division, Chain] | None:
        scored = [(d, support(mention, d)) for d in mention.candidates]
        score = max(s for _, s in scored)
        if sum(s == score for _, s in scored) > 1:
            return None  # a tie
        needs_support = mention.kind == "short" or len(mention.candidates) > 1 or len(mention.name) <= 2
        if score <= 0 and needs_support:
            return None
        best = next(d for d, s in scored if s == score)
        return best, _division_chain(gaz, best)

    # Only a widely shared short name looks at its neighbour: every other choice is one per surface form.
    per_surface = {
        name: choose(m) for name, m in surfaces.items() if not (m.kind == "short" and len(m.candidates) >= SHARED_SHORT)
    }
    chosen: list[_Mention] = []
    for mention in mentions:
        choice = per_surface[mention.name] if mention.name in per_surface else choose(mention)
        if choice is not None:
            best, mention.chain = choice
            mention.division, mention.level, mention.name = best, best.level, best.name
            chosen.append(mention)
    return chosen


# --- 2. streets and communities ----------------------------------------------


class _Suffix(NamedTuple):  # a tuple: dozens per document, built fast
    """A street/community suffix as found, with what both passes over it need."""

    start: int
    end: int
    written: str
    is_street: bool
    streets: tuple[tuple[int, int], ...]  # (start, end) of the gazetteer streets ending here, longest first
    stem_possible: bool  # a Han character before it, and not the 村 of 村民 (a continuation)
    previous_end: int  # end of the last two-character suffix before it (a stem never reaches back past it), or 0


@lru_cache(maxsize=4)
def _street_names(gaz: Gazetteer) -> frozenset[str]:
    """Gazetteer streets, also without the 镇 of a town (乌镇 is written for 乌镇镇)."""
    streets = gaz.street_names()
    return frozenset(streets) | {name[:-1] for name in streets if name.endswith("镇")}


def _find_suffixes(text: str, gaz: Gazetteer) -> list[_Suffix]:
    """Every suffix in the text; both passes of :func:`_suffix_mentions` read them."""
    words = place_words()
    street_names = _street_names(gaz)
    found = []
    previous_end = 0
    for match in _matcher().suffixes.finditer(text):
        written, start, end = match.group(), match.start(), match.end()
        is_street = written in words.street
        streets: tuple[tuple[int, int], ...] = ()
        if is_street:
            name_end = start + (2 if written.startswith("街道") else len(written))
            streets = tuple(
                (s, name_end) for s in range(max(0, name_end - MAX_STEM - 2), start) if text[s:name_end] in street_names
            )
        # Without a Han character (CJK_RUN) right before it the stem is empty, whatever the floor.
        stem_possible = (
            start > 0
            and "\u4e00" <= text[start - 1] <= "\u9fff"
            and not (len(written) == 1 and text[end : end + 1] in words.continuation)
        )
        if streets or stem_possible:  # else neither pass reads it
            found.append(_Suffix(start, end, written, is_street, streets, stem_possible, previous_end))
        if len(written) > 1:
            previous_end = end
    return found


def _street_parents(gaz: Gazetteer, name: str) -> tuple[Division, ...]:
    """Districts with a street/town of this name (乌镇 is written for 乌镇镇)."""
    return gaz.street_parents(name) + gaz.street_parents(name + "镇")


@lru_cache(maxsize=4096)
def _street_evidence(gaz: Gazetteer, name: str) -> tuple[Counter, Counter]:
    """What one mention of a gazetteer street adds to the exact and the subtree evidence of divisions."""
    exact: Counter = Counter()
    subtree: Counter = Counter()
    for parent in _street_parents(gaz, name):
        chain = gaz.chain_keys(parent)
        exact[chain[-1]] += 1
        subtree.update(chain)
    return exact, subtree


def _known_street(text: str, suffix: _Suffix, floor: int, gaz: Gazetteer) -> _Mention | None:
    """The longest gazetteer street ending at this suffix, starting at or after floor."""
    for start, end in suffix.streets:
        if start >= floor:
            name = text[start:end]
            return _Mention(
                start, suffix.end, "street", name, candidates=list(_street_parents(gaz, name)), kind="known"
            )
    return None


def _official_street(gaz: Gazetteer, parent: Division, name: str) -> str:
    """乌镇 is the town officially named 乌镇镇."""
    return name if name in gaz.streets_of(parent) else name + "镇"


def _stem_start(text: str, end: int, floor: int) -> int:
    """Start of the name stem ending at ``end``: after the last boundary word, place or floor."""
    start = max(floor, end - MAX_STEM)
    return start + _stem_offset(text[start:end])


@lru_cache(maxsize=16384)
def _stem_offset(window: str) -> int:
    """Where the stem starts in the window before a suffix: after its last boundary word.

    Cached: the same few characters precede 社区 or 村 again and again. (The
    pattern has no anchors or look-arounds, so a match in the window alone
    is a match in the text limited to the window.)
    """
    start = 0
    for match in place_words().boundary.finditer(window):
        start = match.end()
    return start


@lru_cache(maxsize=16384)
def _looks_like_name(stem: str, suffix: str) -> bool:
    words = place_words()
    return (
        len(stem) >= 2
        and CJK_RUN.fullmatch(stem) is not None
        and not stem.endswith(words.generic)
        and not (stem + suffix).endswith(words.common)
    )


def _joins_places(stem: str, lex: Lexicon) -> bool:
    """A stem opening with 和/与/及 right after a place, unless that starts a word (和平村, 和谐社区)."""
    return len(stem) >= 3 and stem[0] in place_words().conjunction and not lex.is_word(stem[:2])


def _is_one_char_name(stem: str, suffix: str, following: str, lex: Lexicon) -> bool:
    """余村 is a name; 农村, 全村 are words, and 周村区 is a district."""
    words = place_words()
    return (
        suffix == "村"
        and CJK_RUN.fullmatch(stem) is not None
        and stem not in words.not_before_village
        and following not in words.division_end
        and not lex.is_word(stem + suffix)
    )


@lru_cache(maxsize=4096)
def _words_ok(stem: str, lex: Lexicon, *, strict: bool) -> bool:
    """No dictionary word in the stem is a verb, preposition, pronoun, numeral …

    The dictionary tag of each multi-character word is used, not a tag
    guessed in context: jieba tags unknown names at random (工福 → vn), and
    single characters (观 vg, 横 v) are the stuff names are made of.
    """
    banned = _NON_NAME_TAGS + (_WEAK_NON_NAME_TAGS if strict else ())
    cut = lex.cut_tagged(stem)
    if (
        not strict
        and len(stem) >= 3
        and cut[0][1].startswith(("m", "q"))
        and not all(tag.startswith(("m", "q")) for _, tag in cut)
    ):
        # Right after its street, a name may open with a numeral (四块玉社区, 五里店社区),
        # but not be one (十二个社区).
        cut = cut[1:]
    return not any(len(word) > 1 and tag.startswith(banned) for word, tag in cut)


def _suffix_mentions(
    text: _Text, suffixes: list[_Suffix], divisions: list[_Mention], gaz: Gazetteer, *, known_only: bool
) -> list[_Mention]:
    """Streets and communities ending at each suffix.

    A gazetteer street may swallow a short name before it (龙华街道) but
    never a full one; a stem read back from a suffix stops at any place and
    at any earlier two-character suffix (各社区中…).
    """
    words = place_words()
    full_ends = sorted(m.end for m in divisions if m.kind == "full")
    all_ends = sorted(m.end for m in divisions)
    out: list[_Mention] = []
    doubtful: list[_Mention] = []
    for suffix in [s for s in suffixes if s.streets] if known_only else suffixes:
        last = out[-1].end if out and out[-1].end <= suffix.start else 0
        if suffix.streets:
            known = _known_street(text.text, suffix, max(_last_before(full_ends, suffix.start), last), gaz)
            if known is not None:
                out.append(known)
                continue
        if known_only or not suffix.stem_possible:
            continue
        place_floor = max(_last_before(all_ends, suffix.start), last)
        start = _stem_start(text.text, suffix.start, max(place_floor, suffix.previous_end))
        stem = text.text[start : suffix.start]
        kind = "strong" if place_floor and start == place_floor else "weak"
        if kind == "strong" and _joins_places(stem, text.lexicon):  # 余村和大竹园村: 和 links two names
            start, stem = start + 1, stem[1:]
        # A one-character village (余村) is trusted right after its town (天荒坪镇余村), and
        # elsewhere only once it was found so; 全村, 该村 are never names.
        one_char = len(stem) == 1 and _is_one_char_name(
            stem, suffix.written, text.text[suffix.end : suffix.end + 1], text.lexicon
        )
        one_char_village = one_char and kind == "strong"
        if not (one_char or _looks_like_name(stem, suffix.written)):
            continue
        if kind == "weak" and len(stem) > MAX_WEAK_STEM:
            continue
        level, canonical = ("street", words.street) if suffix.is_street else ("community", words.community)
        mention = _Mention(start, suffix.end, level, stem + canonical[suffix.written], kind=kind, stem=stem)
        trusted = one_char_village or (len(stem) > 1 and _words_ok(stem, text.lexicon, strict=kind == "weak"))
        (out if trusted else doubtful).append(mention)
    # A stem accepted once is a name wherever it recurs (大和 in 在大和村 reads as 大/和).
    accepted = {m.stem for m in out}
    return sorted(out + [m for m in doubtful if m.stem in accepted], key=lambda m: m.start)


def _inside_any(mention: _Mention, starts: list[int], reach: list[int]) -> bool:
    """Whether a span contains the mention, given the spans' sorted starts and running maximum of ends."""
    i = bisect.bisect_right(starts, mention.start)
    return i > 0 and reach[i - 1] >= mention.end


def _last_before(ends: list[int], pos: int) -> int:
    """The last end at or before pos, or 0."""
    i = bisect.bisect_right(ends, pos)
    return ends[i - 1] if i else 0


class _Anchors:
    """Recognised places by sentence and by paragraph, in the order they were recognised.

    Indexed by unit so that anchoring a mention looks at its own sentence or
    paragraph only, not at every place of the document (long reports name
    thousands).
    """

    UNITS = ("sentence", "paragraph")

    def __init__(self, text: _Text, places: list[_Mention]) -> None:
        self.text = text
        self.by_unit: dict[str, dict[int, list[_Mention]]] = {unit: defaultdict(list) for unit in self.UNITS}
        for place in places:
            self.add(place)

    def add(self, place: _Mention) -> None:
        if place.chain != (None,) * 5:
            for unit, table in self.by_unit.items():
                table[getattr(self.text, unit)(place.start)].append(place)

    def anchor(self, mention: _Mention) -> _Mention | None:
        """The recognised place a street/community belongs to: nearest in its sentence, else paragraph."""
        higher = FIELDS.index(mention.level)
        for unit, table in self.by_unit.items():
            near = [p for p in table.get(getattr(self.text, unit)(mention.start), ()) if FIELDS.index(p.level) < higher]
            if near:
                before = [p for p in near if p.end <= mention.start]
                return before[-1] if before else _end_of_first_run(near)
        return None


def _end_of_first_run(places: list[_Mention]) -> _Mention:
    """The last of the adjacent places that open a list: 常青街道 in “…社区位于合肥市包河区常青街道”."""
    ordered = sorted(places, key=lambda p: p.start)
    chosen = ordered[0]
    for place in ordered[1:]:
        if place.start > chosen.end:
            break
        chosen = place
    return chosen


def _place_streets_and_communities(
    found: list[_Mention], divisions: list[_Mention], text: _Text, gaz: Gazetteer
) -> list[_Mention]:
    """Give streets and communities their chain; drop those that no place anchors."""
    resolved_counts = Counter(m.division.key for m in divisions if m.division)
    placed: list[_Mention] = []
    unanchored: list[_Mention] = []
    anchors = _Anchors(text, divisions)
    resolved_parents: dict[str, set[Division]] = {}  # per street name: its candidates form a resolved chain
    for mention in sorted(found, key=lambda m: (FIELDS.index(m.level), m.start)):
        if mention.kind == "known":
            if mention.name not in resolved_parents:
                resolved_parents[mention.name] = _best_supported_parents(mention.candidates, resolved_counts, gaz)
            parents = set(resolved_parents[mention.name])
            if len(parents) == 1:
                parent = parents.pop()
                mention.name = _official_street(gaz, parent, mention.name)
                mention.chain = _division_chain(gaz, parent)[:3] + (mention.name, None)
                placed.append(mention)
                anchors.add(mention)
                continue
        anchor = anchors.anchor(mention)
        if anchor is None:
            unanchored.append(mention)
            continue
        values = list(anchor.chain)
        values[FIELDS.index(mention.level)] = mention.name
        mention.chain = tuple(values)
        placed.append(mention)
        anchors.add(mention)
    # A name anchored once is the same place where it recurs without an anchor.
    chain_of = {m.name: m.chain for m in placed if m.level in ("street", "community")}
    for mention in unanchored:
        if mention.name in chain_of:
            mention.chain = chain_of[mention.name]
            placed.append(mention)
    return placed


def _best_supported_parents(candidates: list[Division], resolved: Counter, gaz: Gazetteer) -> set[Division]:
    """The candidate parents of a street whose chain the text's divisions name most often.

    东城街道 lies in dozens of places; in a text naming 东莞市 three times and,
    in passing, a parent's home province (来自湖南的家长) or a person (刘建平,
    read as 建平县), the town under 东莞 wins. A tie leaves them all.
    """
    best: set[Division] = set()
    best_support = 0
    for division in candidates:
        support = sum(resolved[key] for key in gaz.chain_keys(division))
        if support > best_support:
            best, best_support = {division}, support
        elif support and support == best_support:
            best.add(division)
    return best


def _unify_communities(mentions: list[_Mention]) -> None:
    """村 and 社区 with one stem are one community (大和村 became 大和社区)."""
    by_stem: dict[str, list[_Mention]] = defaultdict(list)
    for m in mentions:
        if m.level == "community":
            by_stem[m.stem].append(m)
    for group in by_stem.values():
        name = next((m.name for m in group if m.name.endswith("社区")), group[0].name)
        for m in group:
            m.name = name


def _complete_chains(mentions: list[_Mention]) -> None:
    """Give every street/community mention the fullest chain consistent with the others."""
    for level in ("street", "community"):
        depth = FIELDS.index(level)
        by_name: dict[str, list[_Mention]] = defaultdict(list)
        for m in mentions:
            if m.chain[depth] is not None:
                by_name[m.chain[depth]].append(m)
        for group in by_name.values():
            _complete_group(group, depth)


def _complete_group(group: list[_Mention], depth: int) -> None:
    """Each mention in turn takes the richest prefix (to ``depth``) among the group's chains compatible with its own.

    The group's chains as they stand when a mention's turn comes count, the
    earliest holder winning a tie. A long report names one street thousands
    of times with a handful of distinct chains, so the candidates are the
    distinct chains, each with the first index that holds it: mentions
    before the turn hold their completed chain, those after it their own.
    """
    later: dict[Chain, list[int]] = defaultdict(list)  # original chain → indices, ascending
    for i, m in enumerate(group):
        later[m.chain].append(i)
    cursor = dict.fromkeys(later, 0)
    completed: dict[Chain, int] = {}  # completed chain → first index holding it
    for k, m in enumerate(group):
        holders: dict[Chain, int] = dict(completed)
        for chain, indices in later.items():
            j = cursor[chain]
            while j < len(indices) and indices[j] < k:
                j += 1
            cursor[chain] = j
            if j < len(indices):
                holders[chain] = min(holders.get(chain, indices[j]), indices[j])
        compatible = [(c, i) for c, i in holders.items() if _compatible(c, m.chain)]
        # Fill the levels above this one only: a street does not take a community.
        best, _ = min(compatible, key=lambda ci: (-sum(v is not None for v in ci[0][: depth + 1]), ci[1]))
        m.chain = best[: depth + 1] + m.chain[depth + 1 :]
        completed.setdefault(m.chain, k)


# --- 3. places and the primary ------------------------------------------------


def _primary_chain(weights: dict[Chain, float]) -> Chain:
    """Descend from the top province while one child dominates its siblings and its parent."""
    chosen: list[str | None] = [None] * 5
    for depth in range(5):
        so_far = tuple(chosen)
        under = {c: w for c, w in weights.items() if _covers(so_far, c)}
        totals: Counter = Counter()
        for chain, weight in under.items():
            if chain[depth] is not None:
                totals[chain[depth]] += weight
        if not totals:
            continue  # this level is never named (a community straight under its district)
        (value, weight), *rest = totals.most_common()
        runner_up = rest[0][1] if rest else 0
        if depth > 0 and (weight < MIN_SHARE * sum(under.values()) or weight < DOMINANCE * runner_up):
            break
        chosen[depth] = value
        if depth < 3:  # a division's ancestors follow from the division
            chosen[:depth] = list(next(c for c in under if c[depth] == value)[:depth])
    return tuple(chosen)


def _code(chain: Chain, gaz: Gazetteer) -> str | None:
    for depth in (2, 1, 0):
        if chain[depth] is None:
            continue
        for division in gaz.by_name(chain[depth]):
            if _division_chain(gaz, division)[: depth + 1] == chain[: depth + 1]:
                return division.code
    return None


@lru_cache(maxsize=1)
def _jurisdiction_kinds() -> tuple[str, ...]:
    return vocabulary.words(JURISDICTION_REPORTS)


def _reported_division(title: str, text: str, named: list[_Mention], gaz: Gazetteer) -> Chain | None:
    """The division a report on a whole jurisdiction is about (政府工作报告 of X), as a chain to its level.

    The division the title names, else the first one the text names (a page's
    header: 来源:云南日报, ——在广东省第十四届人民代表大会…). ``named`` are the
    division names as found, resolved or not: a municipality's name (北京市) is
    both a province and a city, which no other mention tells apart.
    """
    if not any(kind in title for kind in _jurisdiction_kinds()):
        return None
    at = text.find(title)
    in_title = [m for m in named if at >= 0 and at <= m.start < at + len(title)]
    chosen = min(in_title or named, key=lambda m: m.start, default=None)
    if chosen is None:
        return None
    if chosen.division is not None:
        division = chosen.division
    else:  # the widest division the name can stand for: 北京市 the province, not its city
        division = min(chosen.candidates, key=lambda d: FIELDS.index(d.level))
    return _division_chain(gaz, division)


def places(ctx: DocumentContext, *, secondary: bool = True) -> Iterator[Place]:
    """Places the report names, the primary (most specific place the case is about) first.

    Args:
        ctx: the document; its text must be normalized (Simplified). Its body is read, with
            its segmentation (``ctx.body_tokens``: is a short name a word of its own) and
            ``ctx.lexicon``; a report on a whole division (``ctx.title`` a 政府工作报告, see
            corpus/jurisdiction_reports.txt) has that division as its primary place.
        secondary: also yield the other places named (primary=False), one per
            distinct most-specific chain, so search can filter by city.
    """
    gaz = load_gazetteer()
    doc, title = ctx.body, ctx.title
    text = _Text(doc, ctx.body_tokens, ctx.lexicon)
    raw_divisions = _division_mentions(text)
    named = list(raw_divisions)  # before resolution drops the ambiguous ones
    suffixes = _find_suffixes(doc.text, gaz)
    known_streets = _suffix_mentions(text, suffixes, raw_divisions, gaz, known_only=True)
    divisions = _resolve_divisions(raw_divisions, known_streets, gaz)
    found = _suffix_mentions(text, suffixes, divisions, gaz, known_only=False)
    # A street or community name swallows the short names inside it (龙华街道, 海福新城社区).
    starts, reach = [f.start for f in found], list(accumulate((f.end for f in found), max))
    divisions = [d for d in divisions if not _inside_any(d, starts, reach)]
    _unify_communities(found)
    mentions = divisions + _place_streets_and_communities(found, divisions, text, gaz)
    _complete_chains(mentions)
    if not mentions:
        return
    weights: Counter = Counter()
    first: dict[Chain, _Mention] = {}
    for m in sorted(mentions, key=lambda m: m.start):
        weights[m.chain] += 2 if m.start < LEAD_CHARS else 1
        first.setdefault(m.chain, m)
    primary = (title and _reported_division(title, doc.text, named, gaz)) or _primary_chain(weights)
    # Per distinct chain: how many mentions hold it, and the earliest (by start, then list order).
    counts = Counter(m.chain for m in mentions)
    earliest: dict[Chain, tuple[int, int]] = {}
    for i, m in enumerate(mentions):
        earliest[m.chain] = min(earliest.get(m.chain, (m.start, i)), (m.start, i))

    def record(chain: Chain, is_primary: bool) -> Place:
        covered = [c for c in counts if _covers(chain, c)]
        best = min(covered, key=lambda c: (c != chain, *earliest[c]))
        anchor = mentions[earliest[best][1]]
        return Place(
            doc_id=doc.doc_id,
            start=anchor.start,
            end=anchor.end,
            **dict(zip(FIELDS, chain, strict=False)),
            code=_code(chain, gaz),
            primary=is_primary,
            mentions=sum(counts[c] for c in covered),
        )

    yield record(primary, True)
    if not secondary:
        return
    chains = list(first)
    leaves = [c for c in chains if c != primary and not any(o != c and _covers(c, o) for o in chains)]
    for chain in sorted(leaves, key=lambda c: first[c].start):
        yield record(chain, False)
