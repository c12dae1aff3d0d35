"""Channel rerank: keep the candidate draft from which its instruction is easiest to recover.

Why: the writer's fact check is lexical, so "I'm at the Grüße on Saturday, not Sunday brunch. I'll do Sunday
brunch instead." carries every fact of "say I can't make dinner on Saturday but could do Sunday brunch
instead" as well as "I can't make dinner on Saturday, but I'd love Sunday brunch instead." does. Reading the
data-playback prompt backwards tells them apart: given the draft as the email, how likely is the model to
summarise it as the instruction (log p(instruction | draft), the noisy-channel score)? A draft that says
what was asked, and little else, explains its instruction best; one that muddles or contradicts it does not.

The score is the mean log-probability per instruction token, from the writer's own model (any backend that
offers :class:`~panza.llm.base.ContinuationScorer`); llama.cpp reads the few-shot part of the prompt once
for all candidates. Added to it, with a weight, is the direct score, the mean log-probability per token of
the draft itself after the writer's prompt (the full noisy-channel rerank): the channel alone favours a
draft that restates the instruction, the direct score one the fine-tuned model finds natural in the user's
voice.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from panza.errors import PanzaError
from panza.llm.base import ContinuationScorer, Conversation
from panza.playback.instructions import parse_template, summary_prompt


def load_channel_template(path: str | Path) -> list[dict[str, str]]:
    """The playback prompt file as chat messages (``writer.channel_prompt_path``)."""
    p = Path(path)
    try:
        return parse_template(p.read_text(encoding="utf-8"))
    except OSError as e:
        raise PanzaError(f"{p}: cannot read the channel prompt ({e.strerror}); fix writer.channel_prompt_path") from None
    except ValueError as e:
        raise PanzaError(f"{p}: not a valid playback prompt: {e} (writer.channel_prompt_path)") from None


def channel_prompt(template: list[dict[str, str]], draft: str) -> Conversation:
    """The playback prompt with ``draft`` as the email, up to where the instruction would start.

    The assistant's prefill ("Reply to Anna to") is left out: the whole instruction is what is scored."""
    messages, _ = summary_prompt(template, {"email": draft, "subject": ""})
    return messages


def channel_scores(
    scorer: ContinuationScorer, template: list[dict[str, str]], instruction: str, drafts: Sequence[str]
) -> list[float]:
    """Mean log-probability per token of ``instruction`` as the summary of each draft (higher = better)."""
    return _per_token(scorer, [channel_prompt(template, d) for d in drafts], [instruction] * len(drafts))


def direct_scores(scorer: ContinuationScorer, prompt: Conversation, drafts: Sequence[str]) -> list[float]:
    """Mean log-probability per token of each draft as the reply to the writer's ``prompt``."""
    return _per_token(scorer, [prompt] * len(drafts), list(drafts))


def _per_token(scorer: ContinuationScorer, prompts: list[Conversation], texts: list[str]) -> list[float]:
    """Mean log-probability per token of each text after its prompt (-inf for a text of no tokens)."""
    if not texts:
        return []
    return [total / n if n else float("-inf") for total, n in scorer.score(prompts, texts)]
