"""extract_reply: from a decoded sent-mail body, the text the user wrote, the quoted thread, the signature.

`Reply.thread` holds the quoted earlier messages, each cleaned recursively (its own quotes, attribution,
header block and signature removed), **most recent first** — i.e. in document order: the message the user
replied to, then the one it quoted, and so on. The `>`-quoted parts of one message that an interleaved
reply splits into several blocks are joined back into one thread entry.

`Reply.text` keeps greetings and closings; interleaved answers are kept in order, one blank line between
segments. A pure forward (nothing written above the forwarded block) gives text "" and forward=True.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from panza.clean.attribution import (
    attribution_start,
    header_block_end,
    is_bare_wrote,
    is_dashed_attribution,
    is_groupwise_attribution,
    is_header_key_line,
    is_original_message_line,
    is_rule_line,
    notes_header_at,
)
from panza.clean.forward import is_forward_marker
from panza.clean.quotes import FORWARD, find_cut, quote_flags
from panza.clean.signature import archive_trailer_only, split_signature
from panza.clean.text import first_nonblank, is_quoted, join_lines, normalize_lines, unquote

_MAX_DEPTH = 12
_WRAPPED_RULE_TAIL = re.compile(r"^\S.{0,40}\s-{3,}\s*$|^-{3,}\s*$")


@dataclass(frozen=True)
class Reply:
    """What one sent message contains, split into the user's text, the quoted thread and the signature."""

    text: str
    thread: tuple[str, ...]
    forward: bool
    signature: str | None


def extract_reply(body: str, *, user_names: Sequence[str] = ()) -> Reply:
    """Split a decoded plain-text body into the user's own text, the quoted thread and the signature."""
    lines = normalize_lines(body)
    text, thread, forward, sig = _extract(lines, tuple(user_names), 0)
    return Reply(text=text, thread=tuple(thread), forward=forward, signature=sig)


def _extract(lines: list[str], names: tuple[str, ...], depth: int) -> tuple[str, list[str], bool, str | None]:
    flags = quote_flags(lines)
    cut, kind = find_cut(lines, flags)

    segments: list[list[str]] = []
    quoted: list[str] = []
    i = 0
    while i < cut:
        # Jump from quoted block to quoted block with list.index (C speed) instead of a per-line loop.
        try:
            q = flags.index(True, i, cut)
        except ValueError:
            q = cut
        cur = lines[i:q]
        if q == cut:
            segments.append(cur)
            break
        j = q
        while True:
            try:
                j = flags.index(False, j, cut)
            except ValueError:
                j = cut
                break
            # A blank line inside a quote block belongs to it when the block continues right after.
            if not lines[j] and j + 1 < cut and flags[j + 1]:
                j += 1
                continue
            break
        _drop_attribution(cur)
        segments.append(cur)
        if quoted:
            quoted.append("")
        quoted.extend([x[2:] if x[:2] == "> " else x[1:] if x[:1] == ">" else x for x in lines[q:j]])
        i = j
    else:
        segments.append([])

    texts: list[str] = []
    sig: str | None = None
    for k, seg in enumerate(segments):
        if k and "--" in seg and archive_trailer_only(seg):
            continue
        kept, sig_lines = split_signature(seg, names)
        block = join_lines(kept)
        if block:
            texts.append(block)
        if sig_lines and sig is None:
            sig = join_lines(sig_lines) or None
    text = "\n\n".join(texts)

    thread: list[str] = []
    if depth < _MAX_DEPTH:
        if quoted:
            thread.extend(_clean_entry(quoted, names, depth + 1))
        if cut < len(lines):
            thread.extend(_clean_entry(lines[cut:], names, depth + 1))
    else:
        rest = join_lines([*quoted, *lines[cut:]])
        if rest:
            thread.append(rest)
    forward = not text and (kind == FORWARD or (bool(quoted) and _starts_with_forward(quoted)))
    return text, thread, forward, sig


def _starts_with_forward(lines: list[str]) -> bool:
    """A blockquoted forward (HTML forwards rendered as `>` lines start with the banner)."""
    i = first_nonblank(lines)
    return i < len(lines) and is_forward_marker(lines[i])


def _drop_attribution(cur: list[str]) -> None:
    """Remove the attribution line(s) (and blank lines) that end `cur`, just above a quoted block."""
    end = len(cur)
    while end and not cur[end - 1]:
        end -= 1
    if not end:
        return
    start, strength = attribution_start(cur, end - 1)
    if strength:
        del cur[start:]
    elif end == len(cur) and is_bare_wrote(cur[end - 1]):
        del cur[end - 1 :]  # glued to the quote: "Anna Schmidt wrote\n> …" (Nabble)


def _clean_entry(lines: list[str], names: tuple[str, ...], depth: int) -> list[str]:
    """One quoted message (plus what it quotes) -> cleaned thread entries, most recent first."""
    i = first_nonblank(lines)
    n = len(lines)
    # A blockquoted forward / Apple-style quote: every line is `>`-quoted -> drop one level.
    while i < n and is_quoted(lines[i]) and all(x[:1] == ">" for x in lines[i:] if x):
        lines = [unquote(x) for x in lines[i:]]
        n = len(lines)
        i = first_nonblank(lines)
    # Leading banner / rule / header block / attribution describing *this* message.
    while i < n:
        line = lines[i]
        if (
            is_forward_marker(line)
            or is_original_message_line(line)
            or is_rule_line(line)
            or (line[:1] == "-" and is_dashed_attribution(line))
            or (line[:1] == ">" and is_groupwise_attribution(line))
        ):
            i = first_nonblank(lines, i + 1)
            if i < n and line[:1] == "-" and not line.endswith("-") and _WRAPPED_RULE_TAIL.match(lines[i]):
                i = first_nonblank(lines, i + 1)  # "----- Forwarded by … 01:50\nPM -----": the wrapped tail
            continue
        end = notes_header_at(lines, i)
        if end > 0:
            i = first_nonblank(lines, end)
            continue
        end = header_block_end(lines, i)
        if end > 0:
            i = first_nonblank(lines, end)
            continue
        if is_header_key_line(line.lstrip()) and i + 1 < n and is_header_key_line(lines[i + 1].lstrip()):
            # Apple's "Subject:/Date:/To:" block right after "From:" already consumed, a partial block, or
            # Horde's right-aligned "    Datum: …\n      Von: …" block.
            while i < n and lines[i] and is_header_key_line(lines[i].lstrip()):
                i += 1
            i = first_nonblank(lines, i)
            continue
        if line.endswith((":", "：")):
            start, strength = attribution_start(lines, i)
            nxt = first_nonblank(lines, i + 1)
            if start == i and strength and (nxt >= n or not is_quoted(lines[nxt])):
                i = nxt
                continue
        elif i + 1 < n and not is_quoted(line):
            # Wrapped attribution at the start ("On Mon, … Anna <\nanna@x.org> wrote:").
            k = i + 1
            while k < n and k < i + 3 and lines[k] and not lines[k].endswith((":", "：")):
                k += 1
            if k < n and lines[k].endswith((":", "：")):
                start, strength = attribution_start(lines, k)
                nxt = first_nonblank(lines, k + 1)
                if start == i and strength == 2 and (nxt >= n or not is_quoted(lines[nxt])):
                    i = nxt
                    continue
        break
    body = lines[i:]
    if body and body[0][:1] == " ":
        body = _dedent(body)
    text, thread, _, _ = _extract(body, names, depth)
    return [text, *thread] if text else thread


def _dedent(lines: list[str]) -> list[str]:
    """Remove the indent common to all lines: Yahoo renders the quoted message as an indented block."""
    indent = min(len(x) - len(x.lstrip(" ")) for x in lines if x)
    return [x[indent:] for x in lines] if indent else lines
