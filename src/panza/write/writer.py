"""PanzaWriter: instruction (+ optional thread) -> prompt (with RAG) -> draft, batched or streamed."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from panza.llm.base import LLM
from panza.llm.loops import loop_start
from panza.write.prompting import Preambles, build_messages

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


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_ECHO = ("---", "e-mail content:", "instruction:")


def _key(text: str) -> str:
    return " ".join(text.split()).lower()


_DANGLING = re.compile(r"(?:[\s,;:\-]+|\s+(?:and|or|but|so|then)\b)+$", re.IGNORECASE)


def cut_word_loop(text: str) -> str:
    """``text`` up to the start of a word loop (see :func:`loop_start`), ending on a full stop."""
    at = loop_start(text)
    if at is None:
        return text
    head = _DANGLING.sub("", text[:at].rstrip())
    return head if not head or head[-1] in ".!?" else head + "."


def trim_repetition(text: str) -> str:
    """Cut a draft where it starts to loop or to echo the prompt's RAG block.

    Small models under greedy decoding often repeat a sentence or paragraph until max_new_tokens,
    or go on with "---" / "E-MAIL CONTENT:" copied from the prompt; an email never does either, so
    everything from the first repeated sentence (of 20+ characters) or paragraph, or echo line, goes.
    """
    kept: list[str] = []
    seen_paragraphs: set[str] = set()
    seen_sentences: set[str] = set()
    for para in re.split(r"\n\s*\n", text.strip()):
        if not para.strip():
            continue
        lines = para.strip().splitlines()
        echo = next((i for i, ln in enumerate(lines) if ln.strip().lower().startswith(_ECHO)), None)
        if echo is not None:
            if echo:
                kept.append("\n".join(lines[:echo]))
            break
        key = _key(para)
        if key in seen_paragraphs:
            break
        seen_paragraphs.add(key)
        sentences = _SENTENCE_END.split(para.strip())
        for i, sent in enumerate(sentences):
            k = _key(sent)
            if len(k) >= 20 and k in seen_sentences:
                if i:
                    kept.append(" ".join(sentences[:i]))
                return cut_word_loop("\n\n".join(kept).strip())
            seen_sentences.add(k)
        kept.append(para.strip())
    return cut_word_loop("\n\n".join(kept).strip())


def clean_draft(text: str) -> str:
    """Drop the boilerplate small instruct models put around an email (a subject line, a lead-in)
    and anything after the draft starts looping."""
    lines = text.strip().splitlines()
    while lines and lines[0].strip().lower().startswith(
        ("subject:", "here is the email", "here's the email", "e-mail content:")
    ):
        lines.pop(0)
    return trim_repetition("\n".join(lines))


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

    def stream(self, instruction: str, thread: Sequence[str] | None = None, **sampling: Any) -> Iterator[str]:
        yield from self.llm.stream(self.messages(instruction, thread), **sampling)
