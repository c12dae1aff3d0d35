"""RAFT cache: for each training email, its most related *other* emails, for retrieval-aware training.

Computed once at prepare time from the stored vectors (no re-embedding), so training reads
neighbours from ``<data_dir>/raft.jsonl`` instead of loading an embedding model itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from panza.index.store import EmailIndex, record_id
from panza.jsonl import write_jsonl


def raft_entries(index: EmailIndex, k: int = 3, threshold: float = 0.0) -> Iterator[dict[str, Any]]:
    """``{"message_id", "related": [{"message_id", "score"}]}`` per indexed email, in index order."""
    for rec, hits in zip(index.records, index.related(k, threshold), strict=True):
        yield {
            "message_id": record_id(rec),
            "related": [{"message_id": record_id(index.records[i]), "score": round(s, 4)} for i, s in hits],
        }


def write_raft(index: EmailIndex, path: str | Path, k: int = 3, threshold: float = 0.0) -> int:
    return write_jsonl(path, raft_entries(index, k, threshold))
