"""Normalize raw text into the one form every span in the pipeline refers to.

Character steps (Unicode cleanup, full-width folding, corner quotes,
Traditional→Simplified, converter-site pinyin) come first, then line steps (web boilerplate, trailing
headline teasers, broken line wraps, blank lines). ``normalize`` is
idempotent: its output is a fixed point of the steps.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import opencc

from ..resources import read_lines
from ..vocabulary import sections

# t2s changes ~37 % of the Han characters of a Traditional report and 0 % of
# a Simplified one (FIELD-NOTES); 5 % leaves room for Simplified texts that
# quote a few Traditional names and for short Traditional texts.
TRADITIONAL_THRESHOLD = 0.05
# Boilerplate is short; a longer line that matches a marker is body text.
BOILERPLATE_MAX_LINE = 120
# A body line at least this long that ends mid-sentence is a broken wrap;
# shorter unpunctuated lines are headings, captions or signatures.
BODY_LINE_MIN = 30
# An unpunctuated line up to this long is heading-like: nothing joins into it.
HEADING_MAX = 20
# Hard-wrapped text (PDF, e-mail): at least WRAP_MIN_LINES lines, and this
# share of the lines of WRAP_MIN_WIDTH or more characters, have one length.
# There a line that fills the width and ends mid-sentence always continues,
# even a numbered heading whose last characters wrapped onto a short line.
WRAP_MIN_WIDTH = 20
WRAP_MIN_LINES = 4
WRAP_MIN_SHARE = 0.25
# Trailing teasers: at least this many headline-like lines, each this short
# and with this many Han characters (so rows of a closing table, "2020 26家",
# are not taken for headlines).
TEASER_MIN_LINES = 2
TEASER_MAX = 50
TEASER_MIN_HAN = 6

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_HAN_RE = re.compile(f"[{HAN}]")
_HAN_RUN_RE = re.compile(f"[{HAN}]+")
_CLOSERS = "”’)]》】」』"
# What may end a sentence or a clause that is complete on its own line.
_LINE_END = "。!?;:….—" + _CLOSERS
_TEASER_STOP = "。!?;:."

_PINYIN_LETTERS = "a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ"
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
# Converter sites print the reading after a character: 社區(qū), 聯(lián)動.
# A tone mark is required so that (a), (b) or English words stay; syllables
# are at most six letters, which also bounds the regex's backtracking.
_READING = (
    rf"\s*[{_PINYIN_LETTERS}]{{0,5}}[{_TONED}][{_PINYIN_LETTERS}]{{0,5}}"
    rf"(?:[ '][{_PINYIN_LETTERS}]{{1,6}}){{0,3}}\s*[)\uff09]"
)
# The pattern opens with the bracket (the Han character is a lookbehind) so
# that the regex engine jumps from bracket to bracket instead of trying every position.
_PINYIN_RE = re.compile(rf"[(\uff08](?<=[{HAN}][(\uff08]){_READING}(?:[(\uff08]{_READING})*")
_NEWLINES = "\r\x0b\x0c\x85\u2028\u2029"
_NEWLINES_RE = re.compile(f"\r\n?|[{_NEWLINES[1:]}]")
_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_CORNER_QUOTES = str.maketrans("「」『』", "“”‘’")
_FULLWIDTH_RE = re.compile("[\uff01-\uff5e]")
_CHAR_MAP = {chr(code): chr(value) for code, value in (_FULLWIDTH | _CORNER_QUOTES).items()}


@dataclass(frozen=True)
class NormalizedText:
    text: str
    script: str  # script of the input: "traditional" | "simplified"


def normalize(text: str) -> NormalizedText:
    """Normalize ``text``; never raises on any ``str``.

    The script is judged on the text left after cleanup, so that Simplified
    boilerplate around a Traditional article does not hide it.
    """
    chars = clean_chars(text)
    settled = _settle(chars)
    if traditional_ratio(settled) >= TRADITIONAL_THRESHOLD:
        return NormalizedText(_settle(clean_chars(to_simplified(chars))), "traditional")
    return NormalizedText(settled, "simplified")


def clean_chars(text: str) -> str:
    """The character steps, in an order where no step undoes another."""
    return _compose(_map_chars(text))


def _map_chars(text: str) -> str:
    """clean_unicode, fold_fullwidth and unify_quotes at the cost of one regex scan.

    Each of these steps maps single characters (the line-break step first,
    because it reads \\r\\n as one); one scan finds which characters occur, and
    only those are replaced. str.translate would be simpler but visits every
    character through a dict, which costs several times the scan.
    """
    found = set(_touchable_re().findall(text))
    if not found:
        return text
    if not found.isdisjoint(_NEWLINES):
        text = _NEWLINES_RE.sub("\n", text)
    invisible, spaces = _invisible_and_space_res()
    for char in found.difference(_NEWLINES):
        if invisible.match(char):
            text = text.replace(char, "")
        elif spaces.match(char):
            text = text.replace(char, " ")
        elif char in _CHAR_MAP:
            text = text.replace(char, _CHAR_MAP[char])
    return text


def _compose(text: str) -> str:
    """The character steps that are not one-to-one maps: NFC, then pinyin readings."""
    text = unicodedata.normalize("NFC", text)
    return remove_pinyin(text) if "(" in text or "\uff08" in text else text


def clean_lines(text: str) -> str:
    """One pass of the line steps."""
    lines = [line.strip() for line in text.split("\n")]
    for step in (strip_markup, remove_boilerplate, drop_teasers, join_broken_lines):
        lines = step(lines)
    return collapse_blank_lines(lines)


# Pages saved as Markdown or copied from a WeChat editor keep their markup: image lines
# (![](https://…)), HTML comments (<!--repaste.body.begin-->) and bold sub-headings
# (**议事有场所 协商有规矩**). The words of a bold run are the author's; the rest is layout.
_MARKUP_LINE = re.compile(r"^(?:!\[[^\]]*\]\([^)]*\)|<!--.*?-->)(?:\s*(?:!\[[^\]]*\]\([^)]*\)|<!--.*?-->))*$")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
# A typesetting space inside Chinese quotation marks (2.“ 四社联动”) is no part of the quoted name.
_QUOTE_SPACE = re.compile(r"(?<=“)[ \u3000]+(?=[\u4e00-\u9fff])|(?<=[\u4e00-\u9fff])[ \u3000]+(?=”)")


def strip_markup(lines: list[str]) -> list[str]:
    """Drop image and comment lines, keep the words of bold runs, close up spaces inside quotes."""
    out = []
    for line in lines:
        if _MARKUP_LINE.match(line):
            continue
        line = _BOLD.sub(r"\1", line) if "**" in line else line
        out.append(_QUOTE_SPACE.sub("", line) if "“" in line or "”" in line else line)
    return out


def _settle(text: str) -> str:
    """Apply the line steps (and the character steps a join may call for) until nothing changes.

    One pass is not always a fixed point: a join can make a line that a
    marker matches, or put a pinyin reading right after a character. Every
    change after the first pass removes a line or characters, so this ends.

    ``text`` is output of clean_chars. The line steps only remove text and
    add spaces and line breaks, and NFC never makes a character that
    _map_chars would change (checked over all of Unicode in the tests), so
    of the character steps only NFC and the pinyin step can still apply.
    """
    while True:
        settled = _compose(clean_lines(text))
        if settled == text:
            return settled
        text = settled


# -- character steps ---------------------------------------------------------


@lru_cache(maxsize=1)
def _invisible_and_space_codes() -> tuple[list[int], list[int]]:
    # Planes 0, 1 and 14 hold every control, format and space character;
    # the CJK and private-use planes hold none, so they are not scanned.
    codes = [code for plane in (0, 1, 14) for code in range(plane << 16, (plane + 1) << 16)]
    categories = list(map(unicodedata.category, map(chr, codes)))  # map: a third of a Python loop's time
    invisible = [
        code
        for code, category in zip(codes, categories, strict=False)
        if category in ("Cc", "Cf", "Cs") and code not in (0x0A, 0x09)
    ]
    spaces = [code for code, category in zip(codes, categories, strict=False) if category == "Zs" and code != 0x20]
    return invisible, spaces + [ord("\t")]


@lru_cache(maxsize=1)
def _invisible_and_space_res() -> tuple[re.Pattern, re.Pattern]:
    invisible, spaces = _invisible_and_space_codes()
    return re.compile(_char_class(invisible)), re.compile(_char_class(spaces))


@lru_cache(maxsize=1)
def _touchable_re() -> re.Pattern:
    """Every character that clean_unicode, fold_fullwidth or unify_quotes changes.

    The few such characters outside the BMP are covered by the whole astral
    range (and sorted out by _map_chars): a class that lists them one by one
    is four times slower to scan.
    """
    invisible, spaces = _invisible_and_space_codes()
    codes = [code for code in invisible + spaces if code < 0x10000]
    codes += [ord(char) for char in _NEWLINES + "".join(_CHAR_MAP)]
    return re.compile(_char_class(codes)[:-1] + "\U00010000-\U0010ffff]")


def _char_class(codes: list[int]) -> str:
    ranges: list[list[int]] = []
    for code in sorted(set(codes)):
        if ranges and code == ranges[-1][1] + 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    parts = (re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges)
    return "[" + "".join(parts) + "]"


def clean_unicode(text: str) -> str:
    """Unify line breaks, drop control and zero-width characters, turn every space into " "."""
    invisible, spaces = _invisible_and_space_res()
    text = _NEWLINES_RE.sub("\n", text)
    return spaces.sub(" ", invisible.sub("", text))


def fold_fullwidth(text: str) -> str:
    """U+FF01–U+FF5E to ASCII; 。、“”‘’《》【】…— are not in that block and stay."""
    # Replacing the few distinct characters found is much faster than str.translate.
    for char in set(_FULLWIDTH_RE.findall(text)):
        text = text.replace(char, _CHAR_MAP[char])
    return text


def unify_quotes(text: str) -> str:
    """Corner brackets 「」『』 (Traditional usage) as the quotes “”‘’ that Simplified text uses."""
    return text.translate(_CORNER_QUOTES)


def remove_pinyin(text: str) -> str:
    """Drop "(pinyin)" readings that directly follow a Han character."""
    return _PINYIN_RE.sub("", text)


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    # t2s, not tw2s: tw2s also rewrites Simplified text (显著 → 显着).
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    # OpenCC's t2s table has chains (薴 → 苧, 苧 → 苎): convert until nothing changes, so that
    # normalizing a normalized text changes nothing. Two passes reach the fixed point in practice.
    for _ in range(4):
        converted = _t2s().convert(text)
        if converted == text:
            break
        text = converted
    return text


def traditional_ratio(text: str) -> float:
    """Share of the Han characters that t2s changes (0.0 when there are none)."""
    han = "".join(_HAN_RUN_RE.findall(text))
    if not han:
        return 0.0
    converted = to_simplified(han)
    if converted == han:  # every Simplified text
        return 0.0
    changed = sum(map(str.__ne__, han, converted)) + abs(len(han) - len(converted))
    return changed / len(han)


# -- line steps --------------------------------------------------------------


@lru_cache(maxsize=1)
def _markers() -> dict[str, tuple[re.Pattern, ...]]:
    """boilerplate.txt per section, as regexes of which any may match (see _has_marker).

    The patterns that start with ^ share one alternation, which fails at once
    past the line start; each other pattern is compiled on its own, so that
    the regex engine can skip ahead to its first characters. One alternation
    of all of them tries every pattern at every position, several times slower on body lines.
    """
    return {name: _search_group(patterns) for name, patterns in sections("boilerplate.txt").items()}


def _search_group(patterns: Sequence[str]) -> tuple[re.Pattern, ...]:
    anchored = [p for p in patterns if p.startswith("^")]
    return (_alternation(anchored),) + tuple(re.compile(p) for p in patterns if not p.startswith("^"))


def _has_marker(line: str, section: str) -> bool:
    return any(pattern.search(line) for pattern in _markers()[section])


@lru_cache(maxsize=1)
def _list_marker_re() -> re.Pattern:
    return _alternation(read_lines("list_markers.txt"))


def _alternation(patterns: Iterable[str]) -> re.Pattern:
    return re.compile("|".join(f"(?:{p})" for p in patterns) or r"(?!)")


def is_metadata_line(line: str) -> bool:
    """A source / author / date line ("来源:…", "发布时间:…", "30.06.2017 18:03")."""
    return _is_metadata(fold_fullwidth(line).strip())


# Line verdicts are cached: each pass of _settle and each line step asks
# again about the same lines (4,096 lines are a few MB at most).
@lru_cache(maxsize=4096)
def _is_metadata(line: str) -> bool:
    return _has_marker(line, "keep") or _has_marker(line, "dateline")


def _is_dateline(line: str) -> bool:
    return _has_marker(line, "dateline")


def starts_with_list_marker(line: str) -> bool:
    return bool(_list_marker_re().match(line))


def strip_list_marker(line: str) -> str:
    """The line without the list marker it opens with ("一是开展…" -> "开展…"), else the line itself."""
    match = _list_marker_re().match(line)
    return line[match.end() :].lstrip() if match else line


@lru_cache(maxsize=4096)
def _boilerplate_kind(line: str) -> str | None:
    """ "tail" for a [tail] line, "drop" for a [drop] or [nav] line, None for other lines.

    Metadata lines and lines longer than BOILERPLATE_MAX_LINE are never boilerplate.
    """
    if len(line) > BOILERPLATE_MAX_LINE or is_metadata_line(line):
        return None
    if _has_marker(line, "tail"):
        return "tail"
    return "drop" if _has_marker(line, "drop") or _has_marker(line, "nav") else None


def remove_boilerplate(lines: list[str]) -> list[str]:
    """Remove [drop]/[nav] lines; cut at the first [tail] marker past the first third."""
    total = sum(map(len, lines)) + len(lines)
    out: list[str] = []
    offset = 0
    for line in lines:
        position, offset = offset, offset + len(line) + 1
        kind = _boilerplate_kind(line) if line else None
        if kind == "tail" and position * 3 >= total:
            break
        if kind is None:
            out.append(line)
    return out


def _ends_clause(line: str) -> bool:
    return line[-1] in _LINE_END


def _is_headline_like(line: str) -> bool:
    stripped = line.rstrip(_CLOSERS)
    return (
        len(line) <= TEASER_MAX
        and len(_HAN_RE.findall(line)) >= TEASER_MIN_HAN
        and stripped[-1] not in _TEASER_STOP
        and not starts_with_list_marker(line)
        and not is_metadata_line(line)
    )


def drop_teasers(lines: list[str]) -> list[str]:
    """Drop a trailing block of headline-like lines that follows the article's last sentence.

    News sites append links to unrelated stories (titles, snippets, dates)
    after the body. The block must hold at least TEASER_MIN_LINES headlines
    and follow a line that ends a sentence without announcing a list (":").
    A block that is only a signature (names, then one date line at the very
    end) is kept, and so is a text made only of such lines.
    """
    block: list[int] = []
    headlines = 0
    for i in range(len(lines) - 1, -1, -1):
        line = lines[i]
        if not line:
            continue
        if _is_dateline(line):
            block.append(i)
        elif _is_headline_like(line):
            block.append(i)
            headlines += 1
        else:
            break
    else:
        return lines
    datelines = len(block) - headlines
    is_signature = datelines == 1 and _is_dateline(lines[block[0]])
    if headlines < TEASER_MIN_LINES or is_signature or lines[i].endswith(":"):
        return lines
    return lines[: block[-1]]


def _is_numbered_heading(line: str) -> bool:
    return starts_with_list_marker(line) and not re.search("[。!?;]", line)


def _wrap_width(lines: list[str]) -> int | None:
    lengths = Counter(len(line) for line in lines if len(line) >= WRAP_MIN_WIDTH)
    if not lengths:
        return None
    count, width = max((count, width) for width, count in lengths.items())
    return width if count >= WRAP_MIN_LINES and count >= WRAP_MIN_SHARE * sum(lengths.values()) else None


def _should_join(prev: str, nxt: str, width: int | None) -> bool:
    # A decimal number broken after its point ("增加到56." / "3万元"): the point ends no sentence.
    if prev[-1] == "." and prev[-2:-1].isdigit() and nxt[:1].isdigit():
        return True
    if _ends_clause(prev) or starts_with_list_marker(nxt) or is_metadata_line(prev) or is_metadata_line(nxt):
        return False
    # Lines with half-width digits hold more characters than the width.
    if width is not None and len(prev) >= width - 1:
        return True
    return (
        len(prev) >= BODY_LINE_MIN
        and not _is_numbered_heading(prev)
        and not (len(nxt) <= HEADING_MAX and not _ends_clause(nxt))
    )


def _join(prev: str, nxt: str) -> str:
    glue = " " if prev[-1].isascii() and prev[-1].isalpha() and nxt[0].isascii() and nxt[0].isalpha() else ""
    return prev + glue + nxt


def join_broken_lines(lines: list[str]) -> list[str]:
    """Join a line break (and blank lines) that splits a sentence: "成\\n\\n功实施118个项目".

    The first line (the title) is never joined, nor a heading, list item or
    metadata line, nor a line that ends with sentence or clause punctuation.
    In hard-wrapped text a line as long as the wrap width is always a
    continuation unless it ends a clause or the next line is a list item.
    """
    width = _wrap_width(lines)
    out: list[str] = []
    title = last = -1  # indexes in out of the first and the last non-blank line
    for line in lines:
        if not line:
            out.append(line)
            continue
        if last > title and _should_join(out[last], line, width):
            out[last] = _join(out[last], line)
            del out[last + 1 :]
            continue
        out.append(line)
        last = len(out) - 1
        if title < 0:
            title = last
    return out


def collapse_blank_lines(lines: list[str]) -> str:
    """At most one blank line between paragraphs; none at the start or end."""
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)
