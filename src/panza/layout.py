"""The one description of a prepared data folder: which file holds what, for every stage.

``panza prepare`` writes it, ``panza train`` and ``panza run``/``eval`` read it::

    <data_dir>/
      Sent.mbox                       the mail read when no source is given (as in the original)
      <user>_clean.jsonl              what the user wrote, one email per line (panza extract)
      discarded/<reason>.jsonl        every message not kept, with why
      <user>_clean_summarized.jsonl   the same emails with their instruction (data playback)
      train.jsonl, test.jsonl         the split
      rag/                            the FAISS index of the training emails (index.dir)
      raft.jsonl                      related past emails per training email (index.raft_path)
      .cache/                         stage fingerprints and other derived state
      .cache/derived_from.json        the digest of the clean file train/test/rag/raft were made from
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from panza.config import data_dir, username
from panza.errors import PanzaError
from panza.jsonl import atomic_open


@dataclass(frozen=True)
class DataLayout:
    root: Path
    user: str
    rag_dir: Path
    raft: Path

    @classmethod
    def from_config(cls, cfg: Any) -> DataLayout:
        """The layout of ``user.data_dir``; ``index.dir`` / ``index.raft_path`` move the RAG files."""
        root = data_dir(cfg)
        ix = cfg.get("index") or {}
        return cls(root, username(cfg), Path(str(ix.get("dir") or root / "rag")).expanduser(),
                   Path(str(ix.get("raft_path") or root / "raft.jsonl")).expanduser())

    @property
    def sent_mbox(self) -> Path:
        return self.root / "Sent.mbox"

    @property
    def clean(self) -> Path:
        return self.root / f"{self.user}_clean.jsonl"

    @property
    def summarized(self) -> Path:
        return self.root / f"{self.user}_clean_summarized.jsonl"

    @property
    def train(self) -> Path:
        return self.root / "train.jsonl"

    @property
    def test(self) -> Path:
        return self.root / "test.jsonl"

    @property
    def discarded(self) -> Path:
        return self.root / "discarded"

    @property
    def cache(self) -> Path:
        return self.root / ".cache"

    @property
    def derived_from(self) -> Path:
        return self.cache / "derived_from.json"

    def record_derived(self) -> None:
        """Note which clean file the split and index were made from (``panza prepare``, after the split)."""
        with atomic_open(self.derived_from) as fh:
            json.dump({"clean": str(self.clean), "sha256": file_digest(self.clean)}, fh)
            fh.write("\n")

    def forget_derived(self) -> None:
        self.derived_from.unlink(missing_ok=True)

    def check_current(self) -> None:
        """Refuse derived files made from another clean file (``panza extract`` ran since ``prepare``)."""
        try:
            saved = json.loads(self.derived_from.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return  # not made by panza prepare (a hand-made train.jsonl): nothing to compare
        if not isinstance(saved, dict) or not self.clean.is_file():
            return
        if saved.get("sha256") != file_digest(self.clean):
            raise PanzaError(
                f"{self.train} was made from an older {self.clean.name} ({self.clean} changed since): "
                "run `panza prepare` to bring train.jsonl, rag/ and raft.jsonl up to date"
            )


def file_digest(path: Path) -> str:
    """sha256 of a file's content (mtimes change on every copy; content does not)."""
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()
