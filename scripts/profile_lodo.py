"""How well the profile chooser's features carry to unseen reports: leave-one-document-out.

    python scripts/profile_lodo.py [--json]

The hand-set weights (pipeline/profile.py, WEIGHTS) were chosen while reading the errors of the
very reports they are scored on. This script asks whether the features, not the hand's reading,
do the work: for each report with a gold profile (the seeds, tests/fixtures/reports and
tests/fixtures/profile) it learns the weights of the same named features on the other reports
(a conditional logit: per report and indicator, the eligible candidates and 未找到 compete, and the
gold one should win), chooses per indicator the best-scoring candidate, or 未找到 when none beats
its learned bias, and scores the held-out report. Deterministic (L-BFGS, no sampling).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from pipeline import api
from pipeline.evaluate import _same_quantity, load_gold_dir
from pipeline.profile import LARGEST_BONUS, MIN_SCORE, WEIGHTS, scored_candidates

ROOT = Path(__file__).resolve().parents[1]
CORPORA = {
    "seeds": (ROOT / "corpus" / "reports", ROOT / "corpus" / "gold"),
    "fixtures": (ROOT / "tests" / "fixtures" / "reports", ROOT / "tests" / "fixtures" / "reports"),
    "profile": (ROOT / "tests" / "fixtures" / "profile", ROOT / "tests" / "fixtures" / "profile"),
}
SUFFIXES = {".txt", ".html", ".docx", ".pdf"}
NAMES = [*WEIGHTS, "head_fit", "position", "largest"]


def _matches(gold: dict, cand) -> bool:
    rec = cand.record
    want = gold.get("value", gold.get("to"))
    if not _same_quantity(want, gold["unit"], cand.value, cand.unit):
        return False
    if gold.get("from") is None:
        return True
    before = getattr(rec, "from_value", None)
    return before is not None and _same_quantity(gold["from"], gold["unit"], before * cand.factor, cand.unit)


def _row(features: dict[str, float]) -> list[float]:
    """A candidate's features as 0/1 indicators (the chooser stores them weighted), head fit and
    position as they are: so the learned weights read on the hand weights' scale."""
    scale = {**WEIGHTS, "largest": LARGEST_BONUS}
    return [features.get(n, 0.0) / scale.get(n, 1.0) for n in NAMES]


def groups() -> list[dict]:
    """One group per (report, indicator) with gold: its eligible candidates' features and labels."""
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for corpus, (reports, gold_dir) in CORPORA.items():
            db = Path(tmp) / f"{corpus}.db"
            api.ingest(sorted(p for p in reports.iterdir() if p.suffix in SUFFIXES), db=db)
            gold = load_gold_dir(gold_dir)
            with api.open_store(db, readonly=True) as store:
                for doc_id in store.doc_ids():
                    doc = store.get_document(doc_id)
                    profile = (gold.get(doc.stem) or {}).get("profile")
                    if not profile:
                        continue
                    _, found = scored_candidates(doc, store.get_structure(doc_id), store.get_extraction(doc_id))
                    for name, want in profile["indicators"].items():
                        cands = [c for c in found.get(name, []) if c.eligible]
                        out.append(
                            {
                                "doc": f"{corpus}/{doc.stem}",
                                "corpus": corpus,
                                "gold": want,
                                "x": np.array([_row(c.features) for c in cands]).reshape(-1, len(NAMES)),
                                "y": np.array([bool(want) and _matches(want, c) for c in cands]),
                                "hand": [(c.score, -c.record.start) for c in cands],
                            }
                        )
    return out


def _correct(group: dict, pick: int | None) -> bool:
    if group["gold"] is None:
        return pick is None
    return pick is not None and bool(group["y"][pick])


def _hand_pick(group: dict) -> int | None:
    if not group["hand"]:
        return None
    best = max(range(len(group["hand"])), key=lambda i: group["hand"][i])
    return best if group["hand"][best][0] >= MIN_SCORE else None


def _fit(train: list[dict], l2: float = 0.1) -> np.ndarray:
    """Weights of a conditional logit: within each group the candidates and a 未找到 alternative compete
    (softmax over their scores; 未找到 scores the last weight, a bias), and the gold one should win.
    Groups whose gold value is no candidate teach nothing and are left out. L2-regularised, L-BFGS."""
    data = []
    for g in train:
        if g["gold"] is None:
            data.append((g["x"], len(g["x"])))  # the target is the 未找到 alternative, last
        elif g["y"].any():
            data.append((g["x"], int(np.argmax(g["y"]))))

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = l2 * float(w @ w), 2 * l2 * w
        for x, target in data:
            scores = np.append(x @ w[:-1], w[-1])
            scores -= scores.max()
            p = np.exp(scores) / np.exp(scores).sum()
            total -= float(np.log(p[target]))
            feats = np.vstack([np.hstack([x, np.zeros((len(x), 1))]), np.eye(len(w))[-1]])
            grad += feats.T @ p - feats[target]
        return total, grad

    return minimize(loss, np.zeros(len(NAMES) + 1), jac=True, method="L-BFGS-B").x


def _learned_pick(w: np.ndarray, group: dict) -> int | None:
    if not len(group["x"]):
        return None
    scores = group["x"] @ w[:-1]
    best = int(np.argmax(scores))
    return best if scores[best] > w[-1] else None


def lodo(all_groups: list[dict]) -> dict[str, dict[str, list[bool]]]:
    """Per corpus, per chooser (hand, learned), the correctness of every group with and without gold."""
    result: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    for doc in sorted({g["doc"] for g in all_groups}):
        w = _fit([g for g in all_groups if g["doc"] != doc])
        for g in (g for g in all_groups if g["doc"] == doc):
            learned = _learned_pick(w, g)
            kind = "value" if g["gold"] else "not_found"
            result[g["corpus"]][f"hand.{kind}"].append(_correct(g, _hand_pick(g)))
            result[g["corpus"]][f"learned.{kind}"].append(_correct(g, learned))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    all_groups = groups()
    result = lodo(all_groups)
    w = _fit(all_groups)
    summary = {
        corpus: {k: {"correct": int(sum(v)), "n": len(v), "accuracy": round(sum(v) / len(v), 4)} for k, v in m.items()}
        for corpus, m in sorted(result.items())
    }
    weights = {n: round(float(v), 3) for n, v in zip([*NAMES, "未找到 (bias)"], w, strict=True)}
    if args.json:
        print(json.dumps({"lodo": summary, "learned_weights": weights}, ensure_ascii=False))
        return
    print("corpus     chooser  values (gold has one)   未找到 (gold has none)")
    for corpus, m in summary.items():
        for who in ("hand", "learned"):
            v, n = m[f"{who}.value"], m[f"{who}.not_found"]
            values = f"{v['correct']:3}/{v['n']:3} {v['accuracy']:.3f}"
            print(f"{corpus:10} {who:8} {values}        {n['correct']:3}/{n['n']:3} {n['accuracy']:.3f}")
    print("\nfeature           hand weight   learned (all reports, conditional logit)")
    hand = {**WEIGHTS, "largest": LARGEST_BONUS, "未找到 (bias)": MIN_SCORE}
    for n, v in weights.items():
        print(f"{n:16} {hand.get(n, float('nan')):8.2f}      {v:8.3f}")


if __name__ == "__main__":
    main()
