"""Append-only JSONL cache of playback results, keyed by sha256 of (model, prompt, email).

Append-only and flushed (and fsynced) after every batch: a killed run keeps every finished batch,
and a torn last line (killed mid-write) is skipped on the next load instead of failing the run.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any


class PlaybackCache:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser()
        self.torn = 0

    def load(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """(key, entry) pairs; later entries win, unreadable lines are counted in ``torn``."""
        if not self.path.is_file():
            return
        with self.path.open(encoding="utf-8") as fh:
            for line in fh:
                try:
                    entry = json.loads(line)
                    key = entry["key"]
                    if not isinstance(entry.get("summary"), str):
                        raise ValueError
                except (json.JSONDecodeError, KeyError, TypeError, ValueError):
                    self.torn += bool(line.strip())
                    continue
                yield key, entry

    def append(self, entries: Iterable[dict[str, Any]]) -> None:
        data = "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries)
        if not data:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # private from the first byte: the cache holds the user's emails and their summaries
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as fh:
            # A torn previous line must not swallow this batch's first entry.
            if fh.tell() > 0 and not self._ends_with_newline():
                fh.write("\n")
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())

    def _ends_with_newline(self) -> bool:
        with self.path.open("rb") as fh:
            fh.seek(-1, os.SEEK_END)
            return fh.read(1) == b"\n"
