"""The profile chooser's vocabulary: levels of place and the cue words of corpus/profile_cues.tsv."""

from __future__ import annotations

from functools import cache

from ..resources import read_lines

NOT_FOUND = "未找到"
LEVELS = ("province", "city", "district", "street", "community")  # coarse → fine
LEVEL_NAMES = {"province": "省份", "city": "城市", "district": "区县", "street": "街道", "community": "社区"}
# Words that name a level of place: 全区 is the whole district, 全社区 the whole community.
LEVEL_WORDS = {
    "province": ("省", "自治区"),
    "city": ("市", "州", "盟"),
    "district": ("区", "县", "旗"),
    "street": ("街道", "镇", "乡"),
    "community": ("社区", "村", "居委会"),
}
_PLACE_SUFFIXES = tuple(sorted({w for ws in LEVEL_WORDS.values() for w in ws}, key=len, reverse=True))


# -- cues ------------------------------------------------------------------------------------
@cache
def _cues() -> dict[str, tuple[str, ...]]:
    kinds: dict[str, list[str]] = {
        k: []
        for k in (
            "whole",
            "part",
            "plan",
            "own",
            "lever",
            "facts",
            "example",
            "generic",
            "group",
            "single",
            "facility",
            "everyone",
            "minimum",
        )
    }
    for line in read_lines("profile_cues.tsv"):
        kind, _, word = line.partition("\t")
        kinds.setdefault(kind.strip(), []).append(word.strip())
    return {k: tuple(v) for k, v in kinds.items()}


@cache
def _minimums() -> dict[str, float]:
    """Indicator → the least value a case's figure can have (minimum 资金投入=1000 in profile_cues.tsv)."""
    pairs = (w.partition("=") for w in _cues()["minimum"])
    return {name: float(value) for name, _, value in pairs}


def _short(name: str) -> str:
    """大和社区 → 大和, 青山区 → 青山: how reports refer back to a place."""
    for suffix in _PLACE_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def _level_scope(text: str) -> list[str]:
    """Levels a 全-scope word names: 全区 → district, 全街道 → street."""
    return [level for level, words in LEVEL_WORDS.items() if any(f"全{w}" in text for w in words)]
