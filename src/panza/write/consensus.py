"""Consensus among candidate drafts: the one that agrees most with the others (MBR selection).

Why: when several drafts carry the instruction equally well, the draft closest to all the others is
the model's most typical answer, with fewer of a single sample's detours and invented details. It is
minimum-Bayes-risk decoding with the candidates as pseudo-references and ROUGE-L (word LCS) as the
similarity: the metric the drafts are measured by.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def lcs_len(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence (dynamic programming over one row)."""
    if len(a) < len(b):
        a, b = b, a
    row = [0] * (len(b) + 1)
    for x in a:
        prev = 0
        for j, y in enumerate(b, 1):
            cur = row[j]
            row[j] = prev + 1 if x == y else max(row[j], row[j - 1])
            prev = cur
    return row[-1]


def rouge_l(a: Sequence[str], b: Sequence[str]) -> float:
    """ROUGE-L F1 of two word lists (symmetric)."""
    if not a or not b:
        return 0.0
    n = lcs_len(a, b)
    return 2 * n / (len(a) + len(b))


def consensus(texts: Sequence[str], eligible: Sequence[int]) -> int:
    """The index among ``eligible`` whose text has the highest mean ROUGE-L to all other ``texts``
    (the earliest on a tie, so the greedy draft wins when nothing separates them)."""
    toks = [words(t) for t in texts]

    def support(i: int) -> float:
        return sum(rouge_l(toks[i], toks[j]) for j in range(len(toks)) if j != i)

    return max(eligible, key=lambda i: (support(i), -i))
