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
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from panza.config import data_dir, username


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
