"""PanzaWriter: instruction (+ optional thread) -> prompt (with RAG) -> draft, batched or streamed.

The one writer behind every interface: each gets the same prompt and the same cleaning
(:mod:`panza.write.drafts`), whether it shows drafts as they stream or all at once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from panza.llm.base import LLM
from panza.prompt import Preambles, build_messages
from panza.write.drafts import clean_draft, clean_stream

log = logging.getLogger(__name__)


class Retriever(Protocol):
    def search(self, query: str, k: int, threshold: float) -> list[dict[str, Any]]: ...


@dataclass
class WriterOptions:
    rag_k: int = 3
    rag_threshold: float = 0.2
    thread_enabled: bool = True
    thread_max_emails: int = 3
    thread_max_chars: int = 4000


class PanzaWriter:
    def __init__(
        self,
        llm: LLM,
        preambles: Preambles,
        retriever: Retriever | None = None,
        options: WriterOptions | None = None,
    ) -> None:
        self.llm = llm
        self.preambles = preambles
        self.retriever = retriever
        self.options = options or WriterOptions()
        self.info: dict[str, Any] = {}  # what produced the drafts (backend, model, checkpoint), for reports

    def related_emails(self, instruction: str) -> list[str]:
        if self.retriever is None or self.options.rag_k <= 0:
            return []
        hits = self.retriever.search(instruction, k=self.options.rag_k, threshold=self.options.rag_threshold)
        return [str(h["email"]) for h in hits if h.get("email")]

    def _thread(self, thread: Sequence[str] | None) -> list[str]:
        if not thread or not self.options.thread_enabled:
            return []
        o = self.options
        return [str(t)[: o.thread_max_chars] for t in list(thread)[: o.thread_max_emails]]

    def messages(self, instruction: str, thread: Sequence[str] | None = None) -> list[dict[str, str]]:
        return build_messages(
            instruction,
            self.preambles,
            rag_emails=self.related_emails(instruction),
            thread=self._thread(thread),
        )

    def run_batch(
        self,
        instructions: Sequence[str],
        threads: Sequence[Sequence[str] | None] | None = None,
        **sampling: Any,
    ) -> tuple[list[str], list[list[dict[str, str]]]]:
        """Drafts for many instructions at once; also returns the prompts used (for the output file)."""
        threads = threads or [None] * len(instructions)
        prompts = [self.messages(i, t) for i, t in zip(instructions, threads, strict=True)]
        drafts = self.llm.generate(prompts, **sampling)
        return [clean_draft(d) for d in drafts], prompts

    def draft(self, instruction: str, thread: Sequence[str] | None = None, **sampling: Any) -> str:
        """One cleaned draft."""
        return self.run_batch([instruction], [thread], **sampling)[0][0]

    def stream(self, instruction: str, thread: Sequence[str] | None = None, **sampling: Any) -> Iterator[str]:
        """The cleaned draft piece by piece; closing this generator stops the generation."""
        yield from clean_stream(self.llm.stream(self.messages(instruction, thread), **sampling))
