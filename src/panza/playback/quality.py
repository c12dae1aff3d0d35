"""Instruction quality: automatic checks plus agreement with hand-written references.

The automatic check needs no reference: an instruction should name the recipient and keep the
email's key facts (numbers, dates, names). The hand-checked set adds "must have" facts chosen by a
person and ROUGE-L against a reference instruction (when rouge-score is installed).
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import mean
from typing import Any

from panza.playback import instructions as T


def _rouge_l(pred: str, ref: str) -> float | None:
    try:
        from rouge_score import rouge_scorer
    except ImportError:
        return None
    return rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True).score(ref, pred)["rougeL"].fmeasure


def score(record: dict[str, Any], instruction: str) -> dict[str, Any]:
    """Per-email scores; hand-checked fields (``reference``, ``must_have``) are used when present."""
    cov = T.fact_coverage(instruction, str(record.get("email") or ""), T.recipient(record))
    out: dict[str, Any] = {
        "recipient": cov["recipient"],
        "fact_recall": cov["fact_recall"],
        "words": len(T.words(instruction)),
    }
    low = instruction.lower()
    if record.get("must_have"):
        must = [str(m) for m in record["must_have"]]
        out["must_have_recall"] = sum(m.lower() in low for m in must) / len(must)
    if record.get("reference"):
        out["rougeL"] = _rouge_l(instruction, str(record["reference"]))
    return out


def summarize(scores: Sequence[dict[str, Any]]) -> dict[str, float | None]:
    """Means over the emails where a score applies (e.g. recipient only where one is known)."""
    keys = ("recipient", "fact_recall", "must_have_recall", "rougeL", "words")
    out: dict[str, float | None] = {}
    for k in keys:
        vals = [float(s[k]) for s in scores if s.get(k) is not None]
        out[k] = round(mean(vals), 3) if vals else None
    out["n"] = len(scores)
    return out
