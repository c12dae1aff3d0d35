"""Floors: what a system scores without writing anything for the instruction.

A figure means little alone: on real users a fixed greeting-plus-closing template already scores
ROUGE-L 0.17–0.30, because short emails share their frame. So every table carries two floors,
built from the user's training emails only (never the test emails):

* **template**: the user's most common greeting and closing, the same text for every instruction;
* **nearest**: the training email whose instruction is most similar to the test instruction,
  copied verbatim (retrieval without generation).

A system that does not beat both has learned nothing an index lookup would not give.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from panza.evaluate.style import CLOSING, GREETING

Embed = Callable[[list[str]], Any]


def _lines(text: str) -> list[str]:
    return [ln.strip() for ln in text.replace("\r", "").split("\n") if ln.strip()]


def _greeting_line(text: str) -> str | None:
    """The greeting as the user writes it, without the addressee: ``Dear Prof. Aman,`` -> ``Dear,``."""
    lines = _lines(text)
    m = GREETING.match(lines[0]) if lines else None
    if not m:
        return None
    tail = lines[0].rstrip()[-1:]
    return m.group(1) + ("," if tail in ",:!" or len(lines[0].split()) > 1 else "")


def _closing_block(text: str) -> str | None:
    """The sign-off and what follows it (usually the name): ``Best regards,\\nDavid``."""
    lines = _lines(text)
    for i in range(len(lines) - 1, max(len(lines) - 4, -1), -1):
        if CLOSING.match(lines[i]):
            tail = lines[i:]
            return "\n".join(tail) if len(tail) <= 2 else None
    return None


def template(train_emails: Sequence[str]) -> str:
    """The user's most common greeting and most common closing block, as one fixed draft."""
    greetings = Counter(g for g in map(_greeting_line, train_emails) if g)
    closings = Counter(c for c in map(_closing_block, train_emails) if c)
    parts = [greetings.most_common(1)[0][0]] if greetings else []
    if closings:
        parts.append(closings.most_common(1)[0][0])
    return "\n\n".join(parts)


def template_drafts(prompts: Sequence[str], train_emails: Sequence[str]) -> list[str]:
    text = template(train_emails)
    return [text for _ in prompts]


def nearest_drafts(
    prompts: Sequence[str], train_records: Sequence[dict[str, Any]], embed: Embed
) -> list[str]:
    """For each prompt, the training email whose instruction (``summary``) is most similar."""
    import numpy as np

    usable = [r for r in train_records if isinstance(r.get("email"), str) and r["email"].strip()]
    if not usable or not prompts:
        return ["" for _ in prompts]
    keys = [str(r.get("summary") or r["email"]) for r in usable]
    sims = np.asarray(embed(list(prompts))) @ np.asarray(embed(keys)).T
    return [usable[int(i)]["email"] for i in sims.argmax(axis=1)]
