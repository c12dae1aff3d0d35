"""Assistant-prefill completion for data playback, through the public LLM interface only.

The summarizer works best when the model *continues* a fixed opening ("Reply to Anna to") inside
its own chat format. Backends that can do that offer ``complete_chat``
(:class:`panza.llm.base.PrefillCompleter`: llama.cpp, transformers, PEFT); any other backend gets a
plain chat request that asks for the opening (the cleaner re-attaches it if the answer lacks it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from panza.llm.base import Conversation, PrefillCompleter

# complete(conversations, prefills, **sampling) -> full instructions (prefill + continuation)
Completer = Callable[..., list[str]]


def _chat(llm: Any) -> Completer:
    def complete(batch: list[Conversation], prefills: list[str], **sampling: Any) -> list[str]:
        asks = [
            [*m[:-1], {**m[-1], "content": m[-1]["content"] + f"\n\n(One sentence, starting: {p})"}]
            for m, p in zip(batch, prefills, strict=True)
        ]
        sampling.pop("stop", None)  # a chat answer may open with a newline; the cleaner keeps line one
        return list(llm.generate(asks, **sampling))

    return complete


def completer(llm: Any) -> tuple[Completer, str]:
    """A ``complete(conversations, prefills, **sampling)`` for ``llm`` and the mode it uses."""
    if isinstance(llm, PrefillCompleter):
        return llm.complete_chat, "complete_chat"
    return _chat(llm), "chat"
