"""Terminal drafting: one instruction per line on stdin, the draft streamed to stdout.

Works interactively and with piped input (``echo "ask Bob for the report" | panza run``).
Commands start with ``/``: ``/thread FILE`` replies within the thread in FILE (earlier messages,
most recent first, separated by lines of ``---``), ``/nothread`` drops it, ``/help``, ``/quit``.
A bare ``exit`` or ``quit`` ends the session too (as in the original), instead of being drafted.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from panza.errors import PanzaError

HELP = (
    "Type what the email should say and press Enter. Commands: /thread FILE (reply within that thread), "
    "/nothread, /help, /quit."
)


def split_thread(text: str) -> list[str]:
    """Messages of a thread file: blocks separated by lines holding only ``---``."""
    return [b.strip() for b in re.split(r"(?m)^\s*-{3,}\s*$", text) if b.strip()]


def read_thread_file(path: Any) -> list[str]:
    p = Path(str(path)).expanduser()
    if not p.is_file():
        raise PanzaError(
            f"thread file {p} not found; give a text file whose messages are separated by lines of ---"
        )
    try:
        return split_thread(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise PanzaError(f"thread file {p}: cannot read it ({e}); save it as UTF-8 text") from None


def prepare(cfg: Any) -> Callable[[Any], int]:
    """Read ``interfaces.thread_file`` (before the model loads); the session runs once a writer is given."""
    path = (cfg.get("interfaces") or {}).get("thread_file")
    thread = read_thread_file(path) if path else []
    return lambda writer: session(writer, thread=thread)


def session(
    writer: Any,
    *,
    thread: list[str] | None = None,
    stdin: IO[str] | None = None,
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
) -> int:
    stdin, stdout, stderr = stdin or sys.stdin, stdout or sys.stdout, stderr or sys.stderr
    interactive = stdin.isatty()
    thread = list(thread or [])
    drafts = 0

    def note(msg: str) -> None:
        print(msg, file=stderr, flush=True)

    if interactive:
        note(HELP)
    while True:
        if interactive:
            stderr.write("\n> " if drafts else "> ")
            stderr.flush()
        line = stdin.readline()
        if not line:
            break
        text = line.strip()
        if not text:
            continue
        if text.lower() in ("exit", "quit"):
            break
        if text.startswith("/"):
            cmd, _, arg = text.partition(" ")
            if cmd in ("/quit", "/exit"):
                break
            if cmd == "/help":
                note(HELP)
            elif cmd == "/nothread":
                thread = []
                note("thread cleared")
            elif cmd == "/thread":
                try:
                    thread = read_thread_file(arg.strip())
                    note(f"replying within a thread of {len(thread)} message(s)")
                except PanzaError as e:
                    note(f"error: {e}")
            else:
                note(f"unknown command {cmd}; {HELP}")
            continue
        # A PanzaError here (server gone, model failure) is not about this one line: let it end the run.
        if interactive and writer.checks_stream({}):
            note(f"(checking {writer.options.best_of} drafts against the instruction: a few seconds)")
        for piece in writer.stream(text, thread):
            stdout.write(piece)
            stdout.flush()
        stdout.write("\n\n")
        stdout.flush()
        drafts += 1
    note(f"{drafts} draft(s) written")
    return 0
