"""The one prompt builder, shared by training and inference so the model sees identical prompts.

A prompt is a short chat:

* **system** — the system preamble (who Panza is, how to answer);
* **user** — the user preamble (who the user is), then the RAG block (similar past emails),
  then the thread block (the earlier messages being answered), then ``Instruction: <text>``.

Training appends ``{"role": "assistant", "content": <the real email>}`` (see
:func:`training_messages`) and renders the chat with the tokenizer's chat template; inference
renders :func:`build_messages` with ``add_generation_prompt=True`` (or lets the backend do it).
Any change to the wording lives in the preamble files, never in code, so both sides stay in step.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from panza.errors import PanzaError

log = logging.getLogger(__name__)

PLACEHOLDER = "CHANGE ME"
RAG_SLOT = "{rag_context}"
THREAD_SLOT = "{threading_context}"
_warned: set[str] = set()


@dataclass(frozen=True)
class Preambles:
    """The four editable texts a prompt is made of (see configs/preambles/README.md)."""

    system: str = ""
    user: str = ""
    rag: str = "Here are some emails I wrote before, for reference:\n\n" + RAG_SLOT
    thread: str = "This is the email thread I am replying to, most recent first:\n\n" + THREAD_SLOT


_KEYS = {
    "system": "system_preamble_path",
    "user": "user_preamble_path",
    "rag": "rag_preamble_path",
    "thread": "thread_preamble_path",
}


def _read(key: str, value: Any) -> str | None:
    if value in (None, ""):
        return None
    path = Path(str(value)).expanduser()
    if not path.is_file():
        raise PanzaError(
            f"user.{key}: {path} not found; create the file or point user.{key} at one "
            "(defaults are in configs/preambles/)"
        )
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise PanzaError(f"user.{key}: cannot read {path} ({e}); save it as UTF-8 text") from None


def load_preambles(cfg: Mapping[str, Any], *, warn: bool = True) -> Preambles:
    """Read the preamble files named by ``user.*_preamble_path`` (a key left empty uses the default).

    Accepts the whole config or just its ``user`` section. ``warn=False`` defers the "CHANGE ME"
    warning to :func:`warn_placeholder` (the writer warns only once the model has loaded, so a
    failing run prints its error alone).
    """
    user = cfg.get("user", cfg) if hasattr(cfg, "get") else cfg
    texts: dict[str, str] = {}
    for field, key in _KEYS.items():
        text = _read(key, user.get(key))
        if text is not None:
            texts[field] = text.strip()
    pre = Preambles(**texts)
    for field in ("rag", "thread"):
        slot = RAG_SLOT if field == "rag" else THREAD_SLOT
        if field in texts and slot not in texts[field]:
            raise PanzaError(
                f"user.{_KEYS[field]}: the {field} preamble must contain {slot} where the "
                f"{'past emails' if field == 'rag' else 'thread'} go"
            )
    if warn:
        warn_placeholder(pre, user.get("user_preamble_path"))
    return pre


def warn_placeholder(pre: Preambles, where: Any) -> None:
    """Warn once per file when the user preamble still holds the ``CHANGE ME`` placeholder."""
    if PLACEHOLDER in pre.user and str(where) not in _warned:
        _warned.add(str(where))
        log.warning(
            "your user preamble (%s) still contains %r: describe yourself there so drafts "
            "sound like you (see configs/preambles/README.md)",
            where,
            PLACEHOLDER,
        )


def rag_block(template: str, emails: Sequence[str]) -> str:
    """Past emails for style reference, each marked and separated so the model can tell them apart."""
    context = "".join(f"E-MAIL CONTENT:\n{e.strip()}\n\n---\n\n" for e in emails if e and e.strip())
    return template.replace(RAG_SLOT, context).strip() if context else ""


def thread_block(template: str, thread: Sequence[str]) -> str:
    """The earlier messages of the conversation being answered (most recent first)."""
    context = "".join(f"{e.strip()}\n\n---\n\n" for e in thread if e and e.strip())
    return template.replace(THREAD_SLOT, context).strip() if context else ""


def user_text(preamble: str) -> str:
    """The user preamble without ``#`` comment lines (notes to the user, as in the original's template)
    and lines still holding the placeholder: both would leak into drafts."""
    return "\n".join(
        line for line in preamble.splitlines() if PLACEHOLDER not in line and not line.lstrip().startswith("#")
    ).strip()


def build_messages(
    instruction: str, preambles: Preambles, *, rag_emails: Sequence[str] = (), thread: Sequence[str] = ()
) -> list[dict[str, str]]:
    """The chat for one instruction: system preamble, then user preamble + RAG + thread + instruction."""
    if not instruction or not instruction.strip():
        raise PanzaError("the instruction is empty: say what the email should be about")
    parts = [
        p
        for p in (
            user_text(preambles.user),
            rag_block(preambles.rag, rag_emails),
            thread_block(preambles.thread, thread),
        )
        if p
    ]
    parts.append(f"Instruction: {instruction.strip()}")
    messages = []
    if preambles.system.strip():
        messages.append({"role": "system", "content": preambles.system.strip()})
    messages.append({"role": "user", "content": "\n\n".join(parts)})
    return messages


def training_messages(
    instruction: str,
    email: str,
    preambles: Preambles,
    *,
    rag_emails: Sequence[str] = (),
    thread: Sequence[str] = (),
) -> list[dict[str, str]]:
    """:func:`build_messages` plus the real email as the assistant turn: one training example."""
    msgs = build_messages(instruction, preambles, rag_emails=rag_emails, thread=thread)
    msgs.append({"role": "assistant", "content": email.strip()})
    return msgs
