"""Reference-overlap metrics of drafts against the emails the user really wrote, fully offline.

Two families, kept apart because they answer different questions:

* **The original Panza's**, computed its way so figures compare with its output and the paper:
  texts lower-cased, ASCII punctuation *deleted* (``"don't" -> "dont"``), whitespace collapsed;
  BLEU is the mean of BLEU-1, -2, -3 and -4 (torchmetrics ``BLEUScore``: whitespace tokens,
  uniform weights, no smoothing, clipped counts against the union of the goldens, the golden
  length closest to the draft's for the brevity penalty); ROUGE-1/2/L/Lsum precision, recall and
  F (torchmetrics ``ROUGEScore``, no stemmer, ``accumulate="best"``: with several goldens the one
  with the best ROUGE-1 F gives *every* ROUGE figure). torchmetrics is not needed: BLEU is
  reimplemented here (checked against torchmetrics in the tests) and ROUGE uses rouge-score,
  whose tokenizer is the one torchmetrics copies.
* **Standard MT metrics** from sacrebleu on the raw text (its own 13a tokenizer, case kept):
  sentence BLEU-4 (exponential smoothing, sacrebleu's default) and chrF. They are what a reader
  outside Panza knows, and chrF still gives credit when a small model gets word forms nearly
  right.

All scores are in 0..1.
"""

from __future__ import annotations

import math
import string
from collections import Counter
from collections.abc import Sequence
from statistics import mean
from typing import Any

_PUNCT_DELETE = str.maketrans({c: None for c in string.punctuation})
ROUGE_TYPES = ("rouge1", "rouge2", "rougeL", "rougeLsum")
ROUGE_PARTS = ("fmeasure", "precision", "recall")
#: The keys of the original's per-draft ROUGE dict and of ``aggregate_metrics["ROUGE"]``.
ROUGE_KEYS = tuple(f"{t}_{p}" for t in ROUGE_TYPES for p in ROUGE_PARTS)


def normalize(text: str) -> str:
    """The original's text normalisation: lower-case, punctuation deleted, whitespace collapsed."""
    return " ".join(text.translate(_PUNCT_DELETE).lower().split())


# ---- BLEU, the original's way ------------------------------------------------------------------
def _ngrams(tokens: Sequence[str], n_max: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(tokens[i : i + n]) for n in range(1, n_max + 1) for i in range(len(tokens) - n + 1))


def bleu_n(prediction: str, goldens: Sequence[str], n_gram: int) -> float:
    """torchmetrics ``BLEUScore(n_gram)`` of one (already normalised) draft, without smoothing.

    Zero as soon as one n-gram order has no match, as in torchmetrics (and unlike sacrebleu).
    """
    pred = prediction.split()
    refs = [g.split() for g in goldens]
    if not pred or not refs:
        return 0.0
    diffs = [abs(len(pred) - len(r)) for r in refs]
    ref_len = len(refs[diffs.index(min(diffs))])  # the closest golden length; the first on a tie
    union: Counter[tuple[str, ...]] = Counter()
    for r in refs:
        union |= _ngrams(r, n_gram)
    counts = _ngrams(pred, n_gram)
    clipped = counts & union
    numerator = [0] * n_gram
    denominator = [0] * n_gram
    for g, c in clipped.items():
        numerator[len(g) - 1] += c
    for g, c in counts.items():
        denominator[len(g) - 1] += c
    if min(numerator) == 0:
        return 0.0
    log_p = sum(math.log(num / den) for num, den in zip(numerator, denominator, strict=True)) / n_gram
    bp = 1.0 if len(pred) > ref_len else math.exp(1 - ref_len / len(pred))
    return bp * math.exp(log_p)


def bleu_original(prediction: str, goldens: Sequence[str]) -> float:
    """The original Panza's BLEU: the mean of BLEU-1..4 on normalised text."""
    p, refs = normalize(prediction), [normalize(g) for g in goldens]
    return mean(bleu_n(p, refs, n) for n in (1, 2, 3, 4))


# ---- ROUGE, the original's way -----------------------------------------------------------------
_SCORER: Any = None


def _scorer() -> Any:
    global _SCORER
    if _SCORER is None:
        from rouge_score import rouge_scorer

        _SCORER = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=False)
    return _SCORER


def rouge_original(prediction: str, goldens: Sequence[str]) -> dict[str, float]:
    """ROUGE-1/2/L/Lsum P/R/F as the original reports them (``rouge1_fmeasure`` … ``rougeLsum_recall``).

    The golden with the best ROUGE-1 F supplies every figure (torchmetrics' ``best``), so the
    figures of one draft always describe one and the same golden. After the punctuation is
    deleted a text is one sentence, so ROUGE-Lsum equals ROUGE-L here, as in the original.
    """
    pred = normalize(prediction)
    per_golden = [_scorer().score(normalize(g), pred) for g in goldens] or [None]
    best = per_golden[0]
    for s in per_golden[1:]:
        if s["rouge1"].fmeasure > best["rouge1"].fmeasure:
            best = s
    if best is None:
        return dict.fromkeys(ROUGE_KEYS, 0.0)
    return {f"{t}_{p}": float(getattr(best[t], p)) for t in ROUGE_TYPES for p in ROUGE_PARTS}


# ---- standard MT metrics -----------------------------------------------------------------------
def sacrebleu_bleu(prediction: str, goldens: Sequence[str]) -> float:
    """sacrebleu sentence BLEU-4 on the raw text (13a tokens, case kept, exp smoothing)."""
    import sacrebleu

    return float(sacrebleu.sentence_bleu(prediction, list(goldens)).score) / 100.0


def chrf(prediction: str, goldens: Sequence[str]) -> float:
    """sacrebleu chrF (character 6-grams, beta 2) on the raw text, the best golden counting."""
    import sacrebleu

    return float(sacrebleu.sentence_chrf(prediction, list(goldens)).score) / 100.0


def draft_scores(prediction: str, goldens: Sequence[str]) -> dict[str, Any]:
    """Every reference-overlap score of one draft."""
    return {
        "BLEU": bleu_original(prediction, goldens),
        "ROUGE": rouge_original(prediction, goldens),
        "sacreBLEU": sacrebleu_bleu(prediction, goldens),
        "chrF": chrf(prediction, goldens),
    }


# ---- the json interface's scores (panza run interfaces=json) -------------------------------------
def bleu(prediction: str, goldens: Sequence[str]) -> float:
    """The BLEU that ``interfaces=json`` reports: the original's (mean of BLEU-1..4)."""
    return bleu_original(prediction, goldens)


def rouge(prediction: str, goldens: Sequence[str]) -> dict[str, float]:
    """ROUGE-1/2/L F the way ``interfaces=json`` reports them (the original's computation)."""
    r = rouge_original(prediction, goldens)
    return {t: r[f"{t}_fmeasure"] for t in ("rouge1", "rouge2", "rougeL")}


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
        "ROUGE": {
            k: mean(s[k] for r in scored for s in r["scores"]["ROUGE"]) for k in ("rouge1", "rouge2", "rougeL")
        },
        "n_prompts": len(scored),
        "n_drafts": sum(len(r["panza_responses"]) for r in scored),
    }
