"""How far jieba and jieba-rs (rjieba) agree on the corpus, with the same user dictionary.

    python scripts/segmenter_agreement.py [DIR ...]

Prints the share of sentences segmented identically, the share of tokens in
common, and a few disagreements.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.ingest.normalize import normalize  # noqa: E402
from pipeline.resources import reports_dir  # noqa: E402
from pipeline.segment import get_segmenter  # noqa: E402
from pipeline.structure import split_paragraphs, split_sentences  # noqa: E402


def sentences(paths: list[Path]) -> list[str]:
    out = []
    for path in paths:
        text = normalize(path.read_text(encoding="utf-8-sig")).text
        out += [text[s.start : s.end] for s in split_sentences(text, split_paragraphs(text))]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="*", type=Path, default=[reports_dir()])
    args = parser.parse_args()
    paths = sorted(p for d in args.dirs for p in d.rglob("*.txt"))
    jieba, rjieba = get_segmenter("jieba"), get_segmenter("rjieba")
    same = tokens_a = tokens_shared = 0
    examples = []
    corpus = sentences(paths)
    for sentence in corpus:
        a, b = jieba.cut(sentence), rjieba.cut(sentence)
        if a == b:
            same += 1
        elif len(examples) < 5:
            examples.append({"jieba": [t for t in a if t not in b], "rjieba": [t for t in b if t not in a]})
        tokens_a += len(a)
        in_b = set(b)
        tokens_shared += sum(1 for t in a if t in in_b)
    print(
        json.dumps(
            {
                "files": len(paths),
                "sentences": len(corpus),
                "identical_sentences": round(same / max(1, len(corpus)), 4),
                "jieba_tokens_also_in_rjieba": round(tokens_shared / max(1, tokens_a), 4),
                "examples": examples,
            },
            ensure_ascii=False,
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
