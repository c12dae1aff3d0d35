"""BLEU and ROUGE of drafts against the emails the user really wrote, computed fully offline.

sacrebleu and rouge-score are used directly (``evaluate.load`` would fetch code from the hub).
Texts are compared like the original Panza evaluation: lower-cased, punctuation removed,
whitespace collapsed; with several goldens per prompt, each draft is scored against all of them
(BLEU: multi-reference; ROUGE: the best-matching golden). Scores are in 0..1.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from statistics import mean
from typing import Any

_PUNCT = str.maketrans({c: " " for c in string.punctuation})
ROUGE_TYPES = ("rouge1", "rouge2", "rougeL")


def normalize(text: str) -> str:
    return " ".join(text.translate(_PUNCT).lower().split())


def bleu(prediction: str, goldens: Sequence[str]) -> float:
    import sacrebleu

    refs = [normalize(g) for g in goldens]
    return float(sacrebleu.sentence_bleu(normalize(prediction), refs).score) / 100.0


def rouge(prediction: str, goldens: Sequence[str]) -> dict[str, float]:
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=False)
    scores = scorer.score_multi([normalize(g) for g in goldens], normalize(prediction))
    return {k: float(scores[k].fmeasure) for k in ROUGE_TYPES}


def score_responses(responses: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Add per-response ``scores`` in place and return the averages (``None`` without goldens)."""
    scored = [r for r in responses if r.get("golden_responses") and r.get("panza_responses")]
    if not scored:
        return None
    for r in scored:
        r["scores"] = {
            "BLEU": [bleu(p, r["golden_responses"]) for p in r["panza_responses"]],
            "ROUGE": [rouge(p, r["golden_responses"]) for p in r["panza_responses"]],
        }
    return {
        "BLEU": mean(s for r in scored for s in r["scores"]["BLEU"]),
        "ROUGE": {k: mean(s[k] for r in scored for s in r["scores"]["ROUGE"]) for k in ROUGE_TYPES},
        "n_prompts": len(scored),
        "n_drafts": sum(len(r["panza_responses"]) for r in scored),
    }
