"""Discard reasons, the sender filter and the keys used to drop duplicate messages."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

# Every message ends up kept or discarded with exactly one of these reasons.
REASONS: tuple[str, ...] = (
    "other_sender",  # not From the user's address or an alias
    "not_sent_label",  # Gmail Takeout message without a configured label (default "Sent")
    "too_short",  # fewer than ingest.min_words words of the user's own text
    "forward",  # a forward with nothing written by the user
    "empty",  # no text body, or nothing left after removing quotes and signature
    "undecodable",  # encrypted, or text that decodes only to binary garbage
    "duplicate",  # a copy of a message already kept: same Message-ID, or same text, recipients and date
    "language",  # not in the ingest.languages allowlist
    "broken",  # not a parseable message (no headers, unsplittable MIME, an internal error)
)

NO_SENDER = (
    "no sender address: pass --email ADDR (repeatable) or set user.email_address, "
    "or use --any-sender for a Sent-only export"
)

# Forward markers in subjects: English, German (WG), French (TR), Spanish/Italian (RV/I), Dutch, Nordic.
_FWD_SUBJECT = re.compile(r"^\s*(?:\[[^\]]*\]\s*)?(?:fwd?|wg|tr|rv|enc|doorst|vs|vb|i)\s*:", re.I)


def subject_is_forward(subject: str | None) -> bool:
    return bool(subject and _FWD_SUBJECT.match(subject))


def sender_matches(from_addrs: Iterable[str], emails: frozenset[str]) -> bool:
    """True when any parsed From address is one of the user's (already lower-cased) addresses."""
    return any(a in emails for a in from_addrs)


def _key(data: str) -> int:
    # 64-bit keys: a set of 1M of them costs ~70 MB less than the strings, collisions ~1e-7 at 1M
    return int.from_bytes(hashlib.blake2b(data.encode("utf-8", "replace"), digest_size=8).digest(), "little")


def message_id_key(mid: str) -> int:
    """Compact dedupe key of a Message-ID."""
    return _key(mid.strip())


def normalized_text(text: str) -> str:
    """The user's text blind to case and whitespace (re-wrapped copies compare equal); str.split runs in C."""
    return " ".join(text.split()).casefold()


def body_key(text: str, *, normalized: bool = False) -> int:
    """Dedupe key of the user's text, blind to case and whitespace (re-sent and re-wrapped copies)."""
    return _key(text if normalized else normalized_text(text))


def copy_key(text: str, to: Iterable[str], date: str | None, *, normalized: bool = False) -> int:
    """Dedupe key of one message's copies: its text, recipients and date (a Takeout holding it in Sent and All
    Mail). The same text sent to other people or at another time ("Thanks, will do!") is another message."""
    norm = text if normalized else normalized_text(text)
    rcpt = ",".join(sorted({a.strip().lower() for a in to}))
    return _key(f"{norm}\x00{rcpt}\x00{date or ''}")


def synthetic_message_id(from_addr: str, date: str | None, subject: str | None, text: str) -> str:
    """A stable Message-ID for mail that has none: the same message always gets the same id."""
    h = hashlib.blake2b(f"{from_addr}\n{date}\n{subject}\n{text}".encode("utf-8", "replace"), digest_size=12)
    return f"<{h.hexdigest()}@panza.invalid>"


def names_from_display(display: str) -> tuple[str, ...]:
    """Names a signature may use, from a From display name: "Weber, Jen" -> ("Jen Weber", "Jen")."""
    display = display.strip().strip("\"'").strip()
    if not display or "@" in display:
        return ()
    if display.count(",") == 1:
        last, first = (p.strip() for p in display.split(","))
        display = f"{first} {last}".strip()
    parts = display.split()
    return (display, parts[0]) if len(parts) > 1 else (display,)


def tidy(text: str) -> str:
    """No trailing spaces, at most one blank line between paragraphs, no leading/trailing blank lines."""
    out: list[str] = []
    for line in text.split("\n"):
        line = line.rstrip()
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip("\n")
