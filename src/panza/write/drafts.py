"""What every draft goes through before anyone sees it, batched or streamed: the same cleaning.

Small instruct models put boilerplate around an email (a subject line, "Here is the email"), and
under greedy decoding loop or echo the prompt. :func:`clean_draft` cuts all that from a finished
draft; :func:`clean_stream` applies the very same function to a draft as it is generated, showing
only text that further tokens can no longer change, and stops the generation once a cut is certain.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from panza.llm.loops import loop_start

SENTENCE_END = re.compile(r"(?<=[.!?])\s+")  # where one sentence ends and the next starts
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
        sentences = SENTENCE_END.split(para.strip())
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


_SETTLED = re.compile(r"\S(?=[ \t]*\n)|[.!?](?=\s)")


def _settled(cleaned: str) -> int:
    """How much of the cleaned text is settled: up to its last sentence or line end (never the whitespace
    after it, which the cleaning strips when the draft ends there).

    Why there: the cleaning cuts at a repeated sentence or paragraph, an echoed line or a word loop;
    the first two are decided when a sentence or line ends, and a word loop inside one sentence (the
    usual kind) is cut before that sentence ends. So text before the last end does not change.
    """
    ends = [m.end() for m in _SETTLED.finditer(cleaned)]
    return ends[-1] if ends else 0


def clean_stream(pieces: Iterable[str], *, stall_chars: int = 160) -> Iterator[str]:
    """``clean_draft`` applied while the draft streams: the pieces shown add up to the batch draft.

    Text is shown once the cleaning can no longer change it. When the raw draft has grown by
    ``stall_chars`` without the cleaned one growing, a loop or an echo was cut and everything after
    it is discarded anyway, so generation stops (the source generator is closed).
    """
    raw, shown, cleaned = "", "", ""
    grew_at = 0
    source = iter(pieces)
    try:
        for piece in source:
            raw += piece
            now = clean_draft(raw)
            if now != cleaned:
                cleaned, grew_at = now, len(raw)
            if not cleaned.startswith(shown):
                break  # the cut reached into text already shown (rare): nothing more to add
            upto = _settled(cleaned)
            if upto > len(shown):
                yield cleaned[len(shown):upto]
                shown = cleaned[:upto]
            if len(raw) - grew_at > stall_chars:
                break
    finally:
        close = getattr(source, "close", None)
        if close is not None:
            close()
    final = clean_draft(raw)
    if final.startswith(shown) and len(final) > len(shown):
        yield final[len(shown):]
