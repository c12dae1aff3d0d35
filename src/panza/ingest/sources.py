"""Mail sources: mbox (streamed), Maildir, folders of .eml files and Gmail Takeout mbox files.

Every reader yields ``RawMessage`` tuples of raw bytes so that parsing can happen in worker
processes; the mbox reader streams the file in fixed-size blocks and never builds a table of
contents, so a multi-gigabyte mailbox costs no more memory than its largest message.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, NamedTuple

from panza.errors import PanzaError

Kind = Literal["mbox", "maildir", "eml_dir", "takeout"]
KINDS: tuple[Kind, ...] = ("mbox", "maildir", "eml_dir", "takeout")
FLAG = {"mbox": "--mbox", "maildir": "--maildir", "eml_dir": "--eml-dir", "takeout": "--takeout"}

BLOCK = 1 << 20  # bytes read at a time from an mbox file
# A "From " line counts as a message separator when it is the first line of the file, follows a
# blank line, or looks like a real postmark (has a time of day): "From alice@x Thu Nov 27 22:24:40 2026".
_POSTMARK_TIME = re.compile(rb"\d{1,2}:\d\d")
# mboxrd escapes every body line matching ^>*From  with one more '>'; mboxo escapes ^From  (same here).
_ESCAPED_FROM = re.compile(rb"^>(>*From )", re.MULTILINE)


class RawMessage(NamedTuple):
    """One undecoded message: where it came from (for discard records) and its bytes."""

    source: str  # "<file>#<index>" for mbox, the file path otherwise
    data: bytes
    takeout: bool  # a Gmail Takeout message: filtered on X-Gmail-Labels
    truncated: bool = False  # the last message of an mbox that ends mid-line (an interrupted copy)


@dataclass(frozen=True)
class Source:
    kind: Kind
    path: Path

    def __str__(self) -> str:
        return f"{self.kind} {self.path}"


def check_source(kind: Kind, path: str | Path) -> Source:
    """Validate a configured path up front so a typo is one clear error, not an empty result."""
    p = Path(str(path)).expanduser()
    flag = FLAG[kind]
    if not p.exists():
        raise PanzaError(f"{flag} {p}: no such file or folder; check the path")
    if kind in ("mbox", "takeout"):
        if p.is_dir():
            hint = "--maildir" if (p / "cur").is_dir() else "--eml-dir"
            raise PanzaError(
                f"{flag} {p}: is a folder, not an mbox file; pass the mbox file itself or use {hint}"
            )
        if not os.access(p, os.R_OK):
            raise PanzaError(f"{flag} {p}: cannot be read (permission denied); fix its permissions")
        mode = p.stat().st_mode
        if not (stat.S_ISREG(mode) or stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or stat.S_ISSOCK(mode)):
            raise PanzaError(f"{flag} {p}: is not a file that can be read as a mailbox; pass the mbox file")
    else:
        if not p.is_dir():
            raise PanzaError(f"{flag} {p}: is a file, not a folder; use --mbox for an mbox file")
        if not os.access(p, os.R_OK | os.X_OK):
            raise PanzaError(f"{flag} {p}: cannot be read (permission denied); fix its permissions")
        if kind == "maildir" and not ((p / "cur").is_dir() or (p / "new").is_dir()):
            raise PanzaError(
                f"--maildir {p}: has no cur/ or new/ folder, so it is not a Maildir; "
                "point at the Maildir folder itself (or use --eml-dir)"
            )
    return Source(kind, p)


def sources_from_lists(lists: dict[str, Iterable[str | Path]]) -> list[Source]:
    """``{"mbox": [...], "maildir": [...], ...}`` -> checked sources, in kind then given order."""
    out: list[Source] = []
    for kind in KINDS:
        for path in lists.get(kind) or ():
            out.append(check_source(kind, path))
    return out


def _maildir_files(root: Path) -> list[Path]:
    files: list[Path] = []
    for sub in ("cur", "new"):
        d = root / sub
        if d.is_dir():
            files.extend(
                sorted(
                    (p for p in d.iterdir() if p.is_file() and not p.name.startswith(".")),
                    key=lambda p: p.name,
                )
            )
    return files


def _eml_files(root: Path) -> list[Path]:
    return sorted(
        (p for p in root.rglob("*") if p.suffix.lower() == ".eml" and p.is_file()),
        key=lambda p: str(p.relative_to(root)),
    )


def is_stream(source: Source) -> bool:
    """A pipe or terminal (``--mbox /dev/stdin``, ``<(zcat mail.gz)``): read once, size unknown."""
    return source.kind in ("mbox", "takeout") and not stat.S_ISREG(source.path.stat().st_mode)


def size_of(source: Source) -> int:
    """Total bytes a source will read (for the progress bar); 0 for a stream, whose size is unknown."""
    if source.kind in ("mbox", "takeout"):
        return source.path.stat().st_size if not is_stream(source) else 0
    files = _maildir_files(source.path) if source.kind == "maildir" else _eml_files(source.path)
    return sum(_safe_size(p) for p in files)


def _safe_size(p: Path) -> int:
    try:
        return p.stat().st_size
    except OSError:
        return 0


def iter_source(source: Source) -> Iterator[tuple[RawMessage, int]]:
    """Yield ``(message, bytes consumed)`` for one source, in file order."""
    if source.kind in ("mbox", "takeout"):
        takeout = source.kind == "takeout"
        prev: tuple[bytes, int] | None = None
        i = -1
        for i, item in enumerate(iter_mbox(source.path)):
            if prev is not None:
                yield RawMessage(f"{source.path}#{i - 1}", prev[0], takeout), prev[1]
            prev = item
        if prev is not None:  # a complete mbox ends with a newline; a copy cut off mid-word does not
            yield RawMessage(f"{source.path}#{i}", prev[0], takeout, not prev[0].endswith(b"\n")), prev[1]
        return
    files = _maildir_files(source.path) if source.kind == "maildir" else _eml_files(source.path)
    for p in files:
        try:
            data = p.read_bytes()
        except OSError:  # vanished or unreadable file: still one message, counted as broken
            data = b""
        yield RawMessage(str(p), data, False), len(data)


def iter_sources(sources: Iterable[Source]) -> Iterator[tuple[RawMessage, int]]:
    for s in sources:
        yield from iter_source(s)


def iter_mbox(path: str | Path, block: int = BLOCK) -> Iterator[tuple[bytes, int]]:
    """Stream an mbox file: yield ``(message bytes, bytes consumed)`` per message.

    Reads ``block`` bytes at a time and splits on separator lines (see ``_is_separator``); the
    postmark line is dropped and ``>From`` escapes are undone. A truncated last message is
    yielded as it is; bytes before the first postmark are yielded as a message too, so nothing
    in the file goes uncounted. Memory is bounded by the largest message, not the file.
    """
    with open(path, "rb") as fh:
        buf = bytearray()
        search = 0  # where the next separator search starts (everything before is scanned)
        used = 0  # bytes read since the last yielded message
        first = True
        eof = False
        while not eof:
            chunk = fh.read(block)
            eof = not chunk
            buf += chunk
            used += len(chunk)
            if first:
                if not buf:
                    return
                nl = buf.find(b"\n")
                if nl < 0 and not eof:
                    continue  # the first line is not complete yet
                first = False
                if buf.startswith(b"From "):
                    del buf[: len(buf) if nl < 0 else nl + 1]
            while True:
                pos = buf.find(b"\nFrom ", search)
                if pos < 0:
                    search = max(0, len(buf) - 5)
                    break
                eol = buf.find(b"\n", pos + 1)
                if eol < 0 and not eof:
                    search = pos  # the candidate line is incomplete: look again after the next read
                    break
                line_end = len(buf) if eol < 0 else eol
                if _is_separator(buf, pos, line_end):
                    yield _finish(bytes(buf[: pos + 1])), used
                    used = 0
                    del buf[: line_end + 1]
                    search = 0
                else:
                    search = pos + 1
        if buf or used:
            yield _finish(bytes(buf)), used


def _is_separator(buf: bytearray, nl_pos: int, line_end: int) -> bool:
    """Is the line after ``nl_pos`` a separator: after a blank line, or a postmark with a time?"""
    if (
        nl_pos == 0
        or buf[nl_pos - 1] == 10
        or (buf[nl_pos - 1] == 13 and buf[nl_pos - 2 : nl_pos - 1] == b"\n")
    ):
        return True
    return _POSTMARK_TIME.search(buf, nl_pos + 6, line_end) is not None


def _finish(data: bytes) -> bytes:
    """Undo the separator blank line and ``>From`` escaping of one message's bytes."""
    if data.endswith(b"\r\n\r\n"):
        data = data[:-2]
    elif data.endswith(b"\n\n"):
        data = data[:-1]
    if b">From " in data:
        data = _ESCAPED_FROM.sub(rb"\1", data)
    return data
