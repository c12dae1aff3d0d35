"""The RAG index: a FAISS inner-product index over unit vectors, the email records beside it.

Exact search (``IndexFlatIP``) up to ``approximate_above`` emails, HNSW above it: flat search is
already sub-millisecond for a personal mailbox, and HNSW keeps p99 latency low for very large ones.
The folder holds ``index.faiss``, ``records.jsonl`` (full records, row i = vector i) and
``manifest.json`` (embedding model, dimension, count, index type); it is replaced as a whole on
save, so a crash never leaves a mix of old and new files.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from panza.errors import PanzaError, os_error
from panza.jsonl import atomic_open, write_jsonl

FORMAT = 1
NEAR_DUPLICATE = 0.95
RERUN = "rerun `panza prepare` to rebuild it"


class EmbedderLike(Protocol):
    name: str
    dim: int

    def encode(self, texts: list[str]) -> Any: ...


def record_id(record: dict[str, Any]) -> str:
    """The message_id, or a content hash for records without one (e.g. imported JSONL)."""
    mid = record.get("message_id")
    if mid:
        return str(mid)
    return "sha256:" + hashlib.sha256(str(record.get("email") or "").encode("utf-8")).hexdigest()[:32]


def document_text(record: dict[str, Any]) -> str:
    """What is embedded for an email: its subject and body (queries are instructions about both)."""
    subject = str(record.get("subject") or "").strip()
    body = str(record.get("email") or "").strip()
    return f"{subject}\n\n{body}" if subject else body


def _looks_like_id(s: str) -> bool:
    return s.startswith("sha256:") or (s.startswith("<") and s.endswith(">")) or (" " not in s and "@" in s)


class EmailIndex:
    """Build, extend, save, load and search the email index. See the module docstring."""

    def __init__(
        self,
        index: Any,
        records: list[dict[str, Any]],
        *,
        embedding_model: str,
        dim: int,
        embedder: EmbedderLike | None = None,
        approximate_above: int = 20000,
        hnsw_m: int = 32,
        ef_construction: int = 80,
        ef_search: int = 128,
    ) -> None:
        self.index = index
        self.records = records
        self.embedding_model = embedding_model
        self.dim = dim
        self._embedder = embedder
        self.approximate_above = int(approximate_above)
        self.hnsw_m, self.ef_construction, self.ef_search = int(hnsw_m), int(ef_construction), int(ef_search)
        self.rows = {record_id(r): i for i, r in enumerate(records)}
        self._set_ef()

    # ---- construction ---------------------------------------------------------------------------
    @classmethod
    def build(cls, records: Sequence[dict[str, Any]], embedder: EmbedderLike, **options: Any) -> EmailIndex:
        """A new index of ``records`` (duplicate message_ids are kept once)."""
        idx = cls.empty(embedder.dim, embedding_model=embedder.name, embedder=embedder, **options)
        idx.add(records)
        return idx

    @classmethod
    def empty(
        cls, dim: int, *, embedding_model: str, embedder: EmbedderLike | None = None, **options: Any
    ) -> EmailIndex:
        import faiss

        return cls(
            faiss.IndexFlatIP(dim), [], embedding_model=embedding_model, dim=dim, embedder=embedder, **options
        )

    @property
    def kind(self) -> str:
        return "hnsw" if "HNSW" in type(self.index).__name__ else "flat"

    def __len__(self) -> int:
        return len(self.records)

    def _set_ef(self) -> None:
        if self.kind == "hnsw":
            self.index.hnsw.efSearch = self.ef_search

    def _hnsw(self) -> Any:
        import faiss

        index = faiss.IndexHNSWFlat(self.dim, self.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = self.ef_construction
        return index

    def embedder(self) -> EmbedderLike:
        if self._embedder is None:
            from panza.index.embedder import Embedder

            self._embedder = Embedder(self.embedding_model)
        return self._embedder

    def add(self, records: Sequence[dict[str, Any]]) -> int:
        """Embed and append new records without touching the existing vectors; returns how many."""
        fresh, seen = [], set(self.rows)
        for r in records:
            rid = record_id(r)
            if rid not in seen:
                seen.add(rid)
                fresh.append(r)
        if not fresh:
            return 0
        vecs = self.embedder().encode([document_text(r) for r in fresh])
        return self.add_vectors(fresh, vecs)

    def add_vectors(self, records: Sequence[dict[str, Any]], vectors: Any) -> int:
        """Append records with precomputed unit vectors (used by add, the RAFT cache and benchmarks)."""
        import numpy as np

        vecs = np.ascontiguousarray(vectors, dtype="float32")
        if vecs.shape != (len(records), self.dim):
            raise ValueError(f"expected {len(records)} vectors of dim {self.dim}, got {vecs.shape}")
        if self.kind == "flat" and len(self.records) + len(records) > self.approximate_above:
            # Growing past the threshold: move the stored vectors into HNSW; nothing is re-embedded.
            old = self.index.reconstruct_n(0, self.index.ntotal) if self.index.ntotal else None
            self.index = self._hnsw()
            if old is not None:
                self.index.add(old)
            self._set_ef()
        self.index.add(vecs)
        for r in records:
            self.rows[record_id(r)] = len(self.records)
            self.records.append(dict(r))
        return len(records)

    # ---- persistence ----------------------------------------------------------------------------
    def manifest(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "embedding_model": self.embedding_model,
            "dim": self.dim,
            "count": len(self.records),
            "index_type": self.kind,
            "approximate_above": self.approximate_above,
            "hnsw_m": self.hnsw_m,
            "ef_construction": self.ef_construction,
            "ef_search": self.ef_search,
        }

    def save(self, directory: str | Path) -> Path:
        """Write the whole folder beside ``directory`` and swap it in, so readers never see half."""
        import faiss

        target = Path(directory).expanduser()
        target.parent.mkdir(parents=True, exist_ok=True)
        # mkdtemp makes the folder private (0700) and it stays so: the index holds the user's emails.
        try:
            tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
        except OSError as e:
            raise os_error(e, target, "write the index") from None
        try:
            faiss.write_index(self.index, str(tmp / "index.faiss"))
            os.chmod(tmp / "index.faiss", 0o600)
            write_jsonl(tmp / "records.jsonl", self.records)
            with atomic_open(tmp / "manifest.json") as fh:
                fh.write(json.dumps(self.manifest(), indent=2) + "\n")
            old = None
            if target.exists():
                old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", suffix=".tmp", dir=target.parent))
                os.replace(target, old / target.name)
            os.replace(tmp, target)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        except RuntimeError as e:  # faiss reports a failed write (full disk) as RuntimeError
            raise PanzaError(f"{target}: cannot write the index: {str(e).splitlines()[0][:200]}; "
                             "check the free space and permissions") from None
        except OSError as e:
            raise os_error(e, target, "write the index") from None
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return target

    @classmethod
    def load(cls, directory: str | Path, embedder: EmbedderLike | None = None) -> EmailIndex:
        """Load a saved index; anything missing or inconsistent is one PanzaError saying to rebuild."""
        import faiss

        from panza.jsonl import read_jsonl

        d = Path(directory).expanduser()
        if not (d / "manifest.json").is_file():
            raise PanzaError(f"no RAG index in {d} (manifest.json missing); {RERUN}")
        try:
            man = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
            dim, count = int(man["dim"]), int(man["count"])
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise PanzaError(
                f"RAG index {d}: manifest.json is corrupt ({type(e).__name__}); {RERUN}"
            ) from None
        try:
            index = faiss.read_index(str(d / "index.faiss"))
        except (RuntimeError, OSError) as e:
            raise PanzaError(
                f"RAG index {d}: index.faiss is missing or corrupt "
                f"({str(e).strip().splitlines()[-1][:80] if str(e).strip() else 'unreadable'}); {RERUN}"
            ) from None
        try:
            records = read_jsonl(d / "records.jsonl")
        except PanzaError:
            raise PanzaError(f"RAG index {d}: records.jsonl is missing or corrupt; {RERUN}") from None
        if index.ntotal != count or len(records) != count or index.d != dim:
            raise PanzaError(
                f"RAG index {d} is inconsistent ({index.ntotal} vectors, {len(records)} records, "
                f"manifest says {count}); {RERUN}"
            )
        if embedder is not None and embedder.dim != dim:
            raise PanzaError(
                f"RAG index {d} was built with {man.get('embedding_model')} (dim {dim}) but the "
                f"configured embedding model has dim {embedder.dim}; {RERUN}"
            )
        return cls(
            index,
            records,
            embedding_model=str(man.get("embedding_model")),
            dim=dim,
            embedder=embedder,
            approximate_above=man.get("approximate_above", 20000),
            hnsw_m=man.get("hnsw_m", 32),
            ef_construction=man.get("ef_construction", 80),
            ef_search=man.get("ef_search", 128),
        )

    # ---- search ---------------------------------------------------------------------------------
    def _exclusion(self, exclude: str | dict[str, Any] | None) -> tuple[set[int], Any]:
        """Rows to drop outright and a vector whose near-duplicates (cosine > 0.95) are dropped too."""
        if exclude is None:
            return set(), None
        if isinstance(exclude, dict):
            rid = record_id(exclude)
            if rid in self.rows:
                return {self.rows[rid]}, self.index.reconstruct(self.rows[rid])
            return set(), self.embedder().encode([document_text(exclude)])[0]
        ex = str(exclude)
        if ex in self.rows:
            return {self.rows[ex]}, self.index.reconstruct(self.rows[ex])
        if _looks_like_id(ex):
            return set(), None  # an email that is not indexed: nothing of it to exclude
        return set(), self.embedder().encode([ex])[0]

    def search_vectors(
        self,
        queries: Any,
        k: int,
        threshold: float = 0.0,
        exclude_rows: Sequence[set[int]] = (),
        exclude_vecs: Sequence[Any] = (),
        near_duplicate: float = NEAR_DUPLICATE,
        max_score: float | None = None,
    ) -> list[list[tuple[int, float]]]:
        """Top-``k`` (row, score) per query row with threshold <= score (<= max_score), exclusions applied."""
        import numpy as np

        q = np.ascontiguousarray(queries, dtype="float32").reshape(-1, self.dim)
        n = self.index.ntotal
        if n == 0 or k <= 0:
            return [[] for _ in range(len(q))]
        fetch = min(n, k + 8)
        results: list[list[tuple[int, float]] | None] = [None] * len(q)
        todo = list(range(len(q)))
        while todo:
            scores, ids = self.index.search(q[todo], fetch)
            left = []
            for row, qi in enumerate(todo):
                drop = exclude_rows[qi] if qi < len(exclude_rows) else set()
                ev = exclude_vecs[qi] if qi < len(exclude_vecs) else None
                cand = [
                    (int(i), float(s))
                    for i, s in zip(ids[row], scores[row], strict=True)
                    if i >= 0
                    and int(i) not in drop
                    and s >= threshold
                    and (max_score is None or s <= max_score)
                ]
                if ev is not None and cand:
                    sims = self.index.reconstruct_batch(np.array([c[0] for c in cand], dtype="int64")) @ ev
                    cand = [c for c, sim in zip(cand, sims, strict=True) if sim <= near_duplicate]
                full = fetch >= n or (len(scores[row]) and scores[row][-1] < threshold)
                if len(cand) >= k or full:
                    results[qi] = cand[:k]
                else:
                    left.append(qi)
            todo = left
            fetch = min(n, fetch * 4)
        return [r or [] for r in results]

    def search(
        self, query: str, k: int = 3, threshold: float = 0.0, exclude: str | dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """The ``k`` emails most similar to ``query`` with cosine >= ``threshold``, best first.

        ``exclude`` names the email being written (its message_id, its text, or its record): it and
        its near-duplicates (cosine > 0.95 to it) are never returned, so an email never retrieves itself.
        Each result is the stored record plus ``score``.
        """
        if not len(self.records) or k <= 0:
            return []
        qv = self.embedder().encode([query])
        rows, ev = self._exclusion(exclude)
        hits = self.search_vectors(qv, k, threshold, [rows], [ev])[0]
        return [{**self.records[i], "score": round(s, 4)} for i, s in hits]

    def related(
        self, k: int, threshold: float = 0.0, batch: int = 4096, near_duplicate: float = NEAR_DUPLICATE
    ) -> list[list[tuple[int, float]]]:
        """For every stored email its top-``k`` other emails (itself and near-duplicates excluded)."""
        import numpy as np

        out: list[list[tuple[int, float]]] = []
        for start in range(0, len(self.records), batch):
            stop = min(len(self.records), start + batch)
            vecs = self.index.reconstruct_n(start, stop - start)
            rows = [{i} for i in range(start, stop)]
            # The query is the email itself: a near-duplicate is simply a hit scoring above 0.95.
            out.extend(self.search_vectors(np.asarray(vecs), k, threshold, rows, max_score=near_duplicate))
        return out
