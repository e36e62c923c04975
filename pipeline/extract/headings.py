"""Which short lines of a report title its parts: a trained layout classifier.

Real pages title their practices in many shapes that no list of rules keeps up
with: verb-led slogans (搭建议事平台), questions (钱从哪儿来?), two-part titles
(空间零距离 网格治理精细化), short parallel noun phrases (普惠性定价), quoted
catch phrases (从“各自为战”到“握指成拳”), and sub-headings run into their
paragraph after a space. Around them stand datelines, bylines, captions and
page chrome that look just as short.

Every candidate — a paragraph short enough to be a title, or the head of a
paragraph set off by a space — is described by features a linguist would name
(length, closing punctuation, question form, quotes, parts, the dictionary's tag
of the first word, the cue lists of corpus/, what follows, and parallelism with
the other candidates of the same document) and classified by a multinomial
logistic regression into:

* ``practice`` — the title of one practice (its heading is the author's words);
* ``section`` — the title of a section (背景, 主要做法, 取得成效 …);
* ``chrome`` — datelines, bylines, captions, labelled lines, page furniture;
* ``body`` — anything else (a short sentence, a cut-off line).

The model is trained by ``govcase train`` (pipeline/headings_train.py) from the
gold measures of the seeds and the fixture reports, and shipped as plain JSON
(models/heading_model.json: feature names, classes, weights) so that loading it
needs no pickle and survives library upgrades.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from ..patterns import LABEL_LINE, ORNAMENT
from ..records import Structure
from ..resources import models_dir, read_lines
from ..structure import section_kind
from .lexicon import Lexicon
from .metadata import is_byline

CLASSES = ("practice", "section", "chrome", "body")
MODEL_FILE = "heading_model.json"
_TITLE_MAX = 40  # longer paragraphs are body: no candidate
_INLINE_HEAD_MAX = 30  # an inline sub-heading is at most this long
_INLINE_BODY_MIN = 24  # and the paragraph after it at least this long
_SENTENCE_END = "。!;…\uff01\uff1b"
_QUESTION = "?\uff1f"
_FINISHED = _SENTENCE_END + "。”" + _QUESTION  # a paragraph that ends here ends its sentence
_QUOTES = re.compile('[“”「」『』‘’"]')
# A turn of an interview ("问:…", "记者:…", "答:…") is spoken, however short and whatever it asks.
_INTERVIEW_TURN = re.compile(r"^(?:问|答|记者|主持人|[QA])\s*[::]")
# Words quoted as spoken end their sentence inside the quote ("…就没疙瘩了。”); a quoted
# sub-heading ends on its name (「议中协商:“炕头会”议出大家的事」).
_SPOKEN = re.compile(f'[{re.escape(_SENTENCE_END)}。{_QUESTION}…][”」』’"]$')
_DIGITS = re.compile(r"\d")
# A space (or several) that ends an inline sub-heading: the head before it holds no sentence punctuation.
_INLINE = re.compile(
    rf"^([^。,;:!?\uff0c\uff1b\uff1a\uff01\uff1f\s][^。;!\uff1b\uff01]{{1,{_INLINE_HEAD_MAX}}}?)[ \u3000]+(?=\S)"
)
# "01 摸需求:…", "1. …", "(一)…": a number before a sub-heading of a WeChat post or a brief.
_NUMBERED = re.compile(
    r"^(?:0?\d{1,2}\s+|\d{1,2}\s*[.、)]\s*|[((]?[一二三四五六七八九十]{1,3}[))、.]\s*|[((]\d{1,2}[))]\s*|[①-⑳]\s*)"
)
# A practice named before a colon, then what it achieves: "◆ 长者饭堂:一餐热饭暖人心".
_NAMED_TITLE = re.compile(r"^[◆◇■□●○▲△▶►★☆※•·▪]?\s*[^\s,。::;]{2,8}[::]\s*[^,。::;!?]{2,16}$")
_SUBTITLE = ("——", "—", "--")


def title_paragraphs(doc: Structure, title: str | None) -> set[int]:
    """Paragraphs that hold the headline (as metadata found it: not always the first line) or its subtitle."""
    found = set()
    for para in doc.paragraphs:
        text = doc.text[para.start : para.end]
        if (
            para.index == 0
            or text == doc.title_hint
            or bool(title and title in text)
            or (para.index < 8 and text.lstrip().startswith(_SUBTITLE))
        ):
            found.add(para.index)
    return found


@dataclass
class Candidate:
    """A line or inline segment that may title a part of the report."""

    start: int
    end: int
    text: str
    paragraph: int  # index into Structure.paragraphs
    inline: bool = False  # the head of a paragraph, set off from its body by a space


def candidates(doc: Structure, *, skip: set[int] = frozenset()) -> list[Candidate]:
    """Every title-like line and inline head of the document, in reading order.

    Args:
        skip: paragraph indexes that are known not to be practice titles (the headline).
    """
    found: list[Candidate] = []
    for para in doc.paragraphs:
        if para.index in skip:
            continue
        line = doc.text[para.start : para.end]
        if len(line) <= _TITLE_MAX:
            found.append(Candidate(para.start, para.end, line, para.index))
            continue
        head = _inline_head(line)
        if head is not None:
            found.append(Candidate(para.start, para.start + len(head), head, para.index, inline=True))
    return found


def _inline_head(line: str) -> str | None:
    """The sub-heading run into a paragraph: "空间零距离 网格治理精细化  今年以来,…" → its first 13 chars.

    A two-part title holds a space itself, so the head ends at the widest gap,
    else at the last single space of the first ``_INLINE_HEAD_MAX`` characters
    that is still followed by a paragraph's worth of text.
    """
    window = line[: _INLINE_HEAD_MAX + 4]
    gaps = [m for m in re.finditer(r"[ \u3000]+", window) if m.start() >= 2]
    if not gaps:
        return None
    widest = max(len(m.group()) for m in gaps)
    chosen = [m for m in gaps if len(m.group()) == widest]
    for gap in reversed(chosen):
        head, rest = line[: gap.start()], line[gap.end() :]
        if len(rest) >= _INLINE_BODY_MIN and _INLINE.match(line[: gap.end() + 1]):
            return head
    return None


# -- features -------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _cue_patterns() -> dict[str, re.Pattern]:
    """Cue lists of corpus/ as features: practice verbs, chrome markers, captions."""
    verbs = [w for line in read_lines("practice_verbs.txt") if line.split()[0] == "practice" for w in line.split()[1:]]
    chrome = read_lines("heading_chrome.txt")
    captions = read_lines("caption_markers.txt")
    return {
        "practice_verb": re.compile("^(?:" + "|".join(map(re.escape, verbs)) + ")"),
        "chrome": re.compile("|".join(chrome)),
        "caption": re.compile("|".join(map(re.escape, captions))),
    }


def _length_bin(n: int) -> str:
    for limit, name in ((4, "1-4"), (8, "5-8"), (14, "9-14"), (22, "15-22"), (32, "23-32")):
        if n <= limit:
            return name
    return "33+"


def _ending(text: str) -> str:
    last = text[-1]
    if last in _SENTENCE_END or last == "。":
        return "sentence"
    if last in _QUESTION:
        return "question"
    if last in ":\uff1a":
        return "colon"
    if last in ",、\uff0c":
        return "comma"
    if last in '”」』’"':
        return "quote"
    if last.isdigit():
        return "digit"
    return "none"


def _parts(text: str) -> list[str]:
    return [p for p in re.split(r"[\s,\uff0c?\uff1f::]+", ORNAMENT.sub("", text)) if p]


def _bare(text: str) -> str:
    """The words of a candidate without its list number, ornament or bold marks."""
    numbered = _NUMBERED.match(text)
    bare = ORNAMENT.sub("", text[numbered.end() :] if numbered else text).strip("*").strip()
    return bare or text


def _shape(text: str) -> str:
    """A coarse pattern, so that parallel sub-headings of one report share it.

    Coarser than the length and ending features: parallel sub-headings differ by a few characters
    (建起社工站 专业服务“沉”到楼院 / 织密志愿网 邻里守望有温度) and one may end on a quoted word.
    """
    text = _bare(text)
    parts = _parts(text)
    ending = _ending(text)
    if ending == "quote":
        ending = "none"
    size = "short" if len(text) <= 8 else "mid" if len(text) <= 24 else "long"
    return f"{len(parts)}:{size}:{ending}"


def features(doc: Structure, items: list[Candidate], lex: Lexicon) -> list[dict[str, float]]:
    """Named features of every candidate of one document (context needs them all); words are ``lex``'s."""
    shapes = Counter(_shape(c.text) for c in items if not c.inline)
    inline_count = sum(1 for c in items if c.inline)
    lengths = [len(c.text) for c in items]
    item_starts = {item.start for item in doc.items}
    out = []
    for n, c in enumerate(items):
        text = c.text.strip()
        f = _line_features(text, lex)
        if c.inline:
            f["inline"] = 1.0
            f["inline_siblings"] = min(inline_count - 1, 3) / 3
            f["next=body"] = 1.0
        else:
            if doc.paragraphs[c.paragraph].is_heading:
                f["layout_heading"] = 1.0  # structure's own verdict (short, unpunctuated line)
            f.update(_following_features(doc, c.paragraph + 1, item_starts))
        f.update(_context_features(doc, c))
        # Parallelism: sub-headings of one report share a shape and a length.
        if not c.inline:
            same = shapes[_shape(text)] - 1
            f["same_shape"] = min(same, 4) / 4
            # Parallel lines over body text that name no section: the parts of one section.
            if same and (f.get("next=body") or f.get("next_ends_sentence")) and not section_kind(text):
                f["parallel_over_body"] = 1.0
            near = sum(1 for m, other in enumerate(lengths) if m != n and abs(other - len(text)) <= 2)
            f["similar_length"] = min(near, 4) / 4
        out.append(f)
    return out


_BRACKETED = re.compile(r"\s*(?:【[^【】]+】|「[^「」]+」|〖[^〖〗]+〗|\[[^\[\]]+\])\s*")


def _line_features(text: str, lex: Lexicon) -> dict[str, float]:
    """What the line itself shows: length, ending, parts, quotes, numbers, markers and the cue lists."""
    cues = _cue_patterns()
    bare = _bare(text)
    parts = _parts(bare)
    flags = {
        "question_inside": any(q in bare[:-1] for q in _QUESTION),
        "quotes": bool(_QUOTES.search(bare)),
        "starts_quote": bare[0] in '“「『‘"',
        "ornament": bool(ORNAMENT.match(text)) or text.startswith("**"),
        "numbered": bool(_NUMBERED.match(text)),
        "digits": bool(_DIGITS.search(bare)),
        "mostly_digits": len(_DIGITS.findall(bare)) * 3 >= len(bare),
        "practice_verb": any(cues["practice_verb"].search(p) for p in [bare, *parts[1:2]]),
        "chrome_cue": bool(cues["chrome"].search(text)),
        "caption_cue": bool(cues["caption"].search(text)),
        "byline": is_byline(text),
        "label_line": bool(LABEL_LINE.search(bare)),
        "named_title": bool(_NAMED_TITLE.match(bare)),
        "spoken": bool(_SPOKEN.search(bare)),
        "interview_turn": bool(_INTERVIEW_TURN.match(bare)),
        # 【调解不在办公室,在板凳上】: a line the page wraps whole in brackets (a sub-heading, a tag or a tool bar).
        "bracketed": bool(_BRACKETED.fullmatch(text)),
    }
    f = {name: 1.0 for name, on in flags.items() if on}
    f.update({"bias": 1.0, f"len={_length_bin(len(bare))}": 1.0, f"end={_ending(bare)}": 1.0})
    f[f"parts={min(len(parts), 3)}"] = 1.0
    if flags["ornament"]:
        f[f"ornament={text[0]}"] = 1.0  # ▲ before a photo caption, ◆ ■ before sub-headings
    if section_kind(text):
        f[f"section_word={section_kind(text)}"] = 1.0
    tagged = lex.cut_tagged(bare[:8])
    if tagged:
        f[f"first_tag={tagged[0][1][:1] or 'x'}"] = 1.0
    return f


def _following_features(doc: Structure, index: int, item_starts: set[int]) -> dict[str, float]:
    """What follows a title line: a practice title is followed by its body text."""
    if index >= len(doc.paragraphs):
        return {"next=end": 1.0}
    following = doc.paragraphs[index]
    size = following.end - following.start
    f = {"next=body" if size > 60 else "next=short" if size <= _TITLE_MAX else "next=mid": 1.0}
    # Body text ends its sentences; a title line does not, however short the body is.
    if doc.text[following.end - 1] in _FINISHED:
        f["next_ends_sentence"] = 1.0
    elif re.search("[,,;;。]", doc.text[following.start : following.end]):
        f["next_is_prose"] = 1.0  # a line cut by the page layout, mid-sentence
    if following.start in item_starts:
        f["next=item"] = 1.0  # a group title over an enumeration
    return f


def _context_features(doc: Structure, c: Candidate) -> dict[str, float]:
    f = {}
    if c.paragraph > 0:
        prev = doc.paragraphs[c.paragraph - 1]
        # A body line the page layout cut: this candidate may be the rest of its sentence.
        if prev.end - prev.start > _TITLE_MAX and doc.text[prev.end - 1] not in _FINISHED:
            f["prev_unfinished"] = 1.0
    position = c.start / max(1, len(doc.text))
    f["pos=" + ("lead" if position < 0.1 else "tail" if position > 0.9 else "middle")] = 1.0
    return f


# -- model ----------------------------------------------------------------------------------------
@dataclass
class HeadingModel:
    """Multinomial logistic regression weights, one row per class (see CLASSES)."""

    classes: list[str]
    weights: list[dict[str, float]]  # per class: feature name → weight
    intercepts: list[float]
    threshold: float = 0.5  # P(practice) at and above which a candidate titles a practice

    def probabilities(self, feats: dict[str, float]) -> dict[str, float]:
        scores = [
            b + sum(w.get(name, 0.0) * value for name, value in feats.items())
            for w, b in zip(self.weights, self.intercepts, strict=True)
        ]
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        norm = sum(exps)
        return {c: e / norm for c, e in zip(self.classes, exps, strict=True)}

    def label(self, feats: dict[str, float]) -> str:
        probs = self.probabilities(feats)
        if probs.get("practice", 0.0) >= self.threshold:
            return "practice"
        return max(probs, key=probs.get)

    def to_json(self) -> dict:
        return {
            "classes": self.classes,
            "intercepts": self.intercepts,
            "threshold": self.threshold,
            "weights": self.weights,
        }

    @classmethod
    def from_json(cls, data: dict) -> HeadingModel:
        return cls(data["classes"], data["weights"], data["intercepts"], data.get("threshold", 0.5))


@lru_cache(maxsize=1)
def default_model() -> HeadingModel:
    path = models_dir() / MODEL_FILE
    try:
        return HeadingModel.from_json(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError as exc:
        raise FileNotFoundError(f"找不到小标题模型 {path}:请运行 govcase train 生成。") from exc


def classify(doc: Structure, items: list[Candidate], lex: Lexicon, model: HeadingModel | None = None) -> list[str]:
    """The class of every candidate of one document."""
    model = model or default_model()
    return [model.label(f) for f in features(doc, items, lex)]
