"""Find where quoted material starts in a list of normalized lines.

Two kinds of quoted material exist in a reply:

* `>`-quoted blocks (any depth), possibly interleaved with the user's answers, each usually introduced by an
  attribution line that belongs to the quote, not to the user;
* an unquoted tail that runs to the end of the message: an Outlook header block, "-----Original
  Message-----", a forward banner, or a strong attribution followed by unquoted text (HTML mail whose
  quote was not rendered as `>`). `find_cut` finds the first such tail.
"""

from __future__ import annotations

import re

from panza.clean.attribution import (
    attribution_start,
    header_block_end,
    header_subject,
    is_dashed_attribution,
    is_groupwise_attribution,
    is_original_message_line,
    is_rule_line,
    notes_header_start,
    subject_is_forward,
)
from panza.clean.forward import is_forward_marker
from panza.clean.text import first_nonblank

# "> 50 people came" / ">= 3 items": a lone `>` line in prose, not a quote.
_PROSE_ARROW = re.compile(r"^>\s?(?:[\d$€£¥~+]|=|\s*$)")

_DASHES = "-–—_=*"
REPLY = "reply"
FORWARD = "forward"


def quote_flags(lines: list[str]) -> list[bool]:
    """Which lines are quoted.

    A message whose only `>` lines are isolated arrows in prose ("> 50 people registered") has no quote;
    as soon as one real quote block exists, every `>` line is a quote (interleaved "> 2. question").
    """
    flags = [line[:1] == ">" for line in lines]
    if True not in flags:
        return flags
    if ">>>" in "".join(x[-3:] for x in lines if x[:3] == ">>>"):
        for i, line in enumerate(lines):
            if is_groupwise_attribution(line):
                flags[i] = False
        if True not in flags:
            return flags
    # bytes(list_of_bools) gives a 0/1 byte string: pattern searches on it run in C, not per line in Python.
    b = bytes(flags)
    # A quoted line re-wrapped by the sender's client loses its `>`: "> Cc: a; b; linux-kernel@\nvger.org;\n> …".
    pos = b.find(b"\x01\x00\x01")
    while pos >= 0:
        i = pos + 1
        line, prev = lines[i], lines[i - 1]
        if (
            line
            and len(line) <= 40
            and (
                (len(prev) + len(line) >= 72 and not prev.endswith((".", "?", "!", ":")))
                or _quote_depth(prev) >= 2
            )
        ):
            # The second case: a reply under a deeply quoted thread ("> > > > the moment I\nuse\n> get"): each
            # client down the thread re-wraps the quote at its own width, so wrap tails lose their `>` at every
            # depth. Nobody answers inline right under a second-level quote line with no blank line between.
            flags[i] = True
        pos = b.find(b"\x01\x00\x01", pos + 1)
    _rewrapped_runs(lines, flags, b)
    n = len(lines)
    arrows: list[int] = []
    i = 0 if flags[0] else _next_block(b, 0)
    while i >= 0:
        single = i + 1 == n or not flags[i + 1]
        if not (single and _PROSE_ARROW.match(lines[i]) and lines[i].strip() != ">"):
            return flags
        prev = i - 1
        while prev >= 0 and not lines[prev]:
            prev -= 1
        if prev >= 0 and attribution_start(lines, prev)[1]:
            return flags
        arrows.append(i)
        i = _next_block(b, i + 1)
    for i in arrows:
        flags[i] = False
    return flags


def _quote_depth(line: str) -> int:
    """How many `>` open the line ("> > >> text" -> 4)."""
    return line[: len(line) - len(line.lstrip("> "))].count(">")


def _rewrapped_runs(lines: list[str], flags: list[bool], b: bytes) -> None:
    """Long quoted lines that the replier's client re-wrapped: "> … enabling access\nto leaked documents.\n> …".

    Unquoted lines glued between quoted lines, under a long quoted line that stops mid-sentence, starting in
    lower case or clearly past the wrap width (full-width lines but the last), are the rest of that quoted line.
    """
    pos = b.find(b"\x01\x00")
    n = len(lines)
    while pos >= 0:
        i = pos + 1
        k = i
        while k < n and k < i + 12 and not flags[k] and lines[k]:
            k += 1
        prev = lines[i - 1]
        if (
            k > i
            and ((k < n and flags[k]) or not any(lines[k:]))  # up to the next quoted line, or the end
            and len(prev) >= 60
            and not prev.endswith((".", "?", "!", ":", ">"))
            and all(len(x) <= 100 for x in lines[i:k])
            and all(len(x) >= 50 for x in lines[i : k - 1])  # a wrapped paragraph: full lines, then the tail
            and (not lines[i][:1].isupper() or len(prev) >= 76)
        ):
            for j in range(i, k):
                flags[j] = True
        pos = b.find(b"\x01\x00", pos + 1)


def _next_block(b: bytes, start: int) -> int:
    """Index of the first line of the next quoted block at or after `start`, or -1."""
    pos = b.find(b"\x00\x01", max(start - 1, 0))
    return -1 if pos < 0 else pos + 1


def find_cut(lines: list[str], flags: list[bool]) -> tuple[int, str]:
    """Index where an unquoted quoted-message tail begins and its kind; (len(lines), "") if none."""
    n = len(lines)
    b = bytes(flags)
    i = b.find(0)
    while i >= 0:
        line = lines[i]
        if not line:
            i = b.find(0, i + 1)
            continue
        c = line[0]
        if c == " ":
            c = line.lstrip()[:1]
        if c == ">" and is_groupwise_attribution(line):  # unflagged by quote_flags
            return i, REPLY
        if c not in _DASHES and ":" not in line and "：" not in line:
            i = b.find(0, i + 1)  # the common case: a prose line with no colon, no rule
            continue
        if c in _DASHES and (is_forward_marker(line) or is_original_message_line(line)):
            kind = FORWARD if is_forward_marker(line) else REPLY
            if kind == REPLY:  # Outlook forwards also use "Original Message"; the subject tells.
                h = first_nonblank(lines, i + 1)
                if h < n:
                    end = header_block_end(lines, h)
                    if end > 0 and subject_is_forward(header_subject(lines, h, end)):
                        kind = FORWARD
            return _back_over_rules(lines, i), kind
        if c == "-" and is_dashed_attribution(line):
            return i, REPLY
        last = line[-1]
        if last == ":" or last == "：":
            if is_forward_marker(line):
                return i, FORWARD
            nxt = first_nonblank(lines, i + 1)
            # An attribution right above a `>` block is handled with that block; only an attribution
            # followed by unquoted text starts a tail. Checking the cheap condition first saves regex work.
            if nxt < n and not flags[nxt] and header_block_end(lines, nxt) < 0:
                start, strength = attribution_start(lines, i)
                if strength == 2:
                    return start, REPLY
        if ":" in line or "：" in line:
            end = header_block_end(lines, i)
            if end > 0:
                kind = FORWARD if subject_is_forward(header_subject(lines, i, end)) else REPLY
                return _back_over_rules(lines, i), kind
            start = notes_header_start(lines, i)
            if start >= 0:
                return start, REPLY
        i = b.find(0, i + 1)
    return n, ""


def _back_over_rules(lines: list[str], i: int) -> int:
    """Include the underscore/dash rule and blank lines Outlook puts above a header block."""
    j = i
    while j > 0 and (
        not lines[j - 1] or is_rule_line(lines[j - 1]) or is_original_message_line(lines[j - 1])
    ):
        j -= 1
    return j
