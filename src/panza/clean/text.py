"""Line-level text helpers for the clean stage: normalization and `>` quote handling.

Everything works on lists of lines because every detector in this package is line-based; splitting once
and passing lists around keeps the per-message cost low (this stage runs on 100k messages).
"""

from __future__ import annotations

from collections.abc import Iterable

# NBSP-like spaces become ordinary spaces; zero-width characters vanish. Words are never touched.
# (str.translate with a dict costs ~40 µs on a 2 KB non-ASCII body; a few C-level `in`/replace do not.)
_REPLACE = (
    ("\u00a0", " "),
    ("\u2007", " "),
    ("\u202f", " "),
    ("\u200b", ""),
    ("\u200c", ""),
    ("\u200d", ""),
    ("\u2060", ""),
    ("\ufeff", ""),
)


def normalize_lines(body: str) -> list[str]:
    """Split `body` into lines with CRLF/CR unified, NBSP/zero-width fixed and trailing spaces removed."""
    if "\r" in body:
        body = body.replace("\r\n", "\n").replace("\r", "\n")
    if not body.isascii():
        for ch, rep in _REPLACE:
            if ch in body:
                body = body.replace(ch, rep)
    return [line.rstrip() for line in body.split("\n")]


def join_lines(lines: Iterable[str]) -> str:
    """Join lines, collapsing runs of blank lines into one and dropping leading/trailing blank lines.

    Lines are already right-stripped, so blank lines are empty strings; str.replace runs in C and most
    texts need no pass at all (a regex sub costs several µs even when nothing matches).
    """
    text = "\n".join(lines).strip("\n")
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text


def is_quoted(line: str) -> bool:
    """A `>`-quoted line (the only quoting style mail clients and the HTML converter produce)."""
    return line.startswith(">")


def unquote(line: str) -> str:
    """Remove one quoting level: the leading `>` and one following space."""
    if line.startswith("> "):
        return line[2:]
    if line.startswith(">"):
        return line[1:]
    return line


def first_nonblank(lines: list[str], start: int = 0) -> int:
    """Index of the first non-blank line at or after `start`, or len(lines)."""
    n = len(lines)
    while start < n and not lines[start]:
        start += 1
    return start
