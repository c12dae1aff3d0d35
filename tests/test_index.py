"""RAG index: real all-MiniLM-L6-v2 embeddings in a real FAISS index (flat and HNSW)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from panza.errors import PanzaError
from panza.index import EmailIndex, record_id
from panza.index.raft import raft_entries, write_raft

pytest.importorskip("faiss", reason="the RAG index needs faiss-cpu")
pytest.importorskip("sentence_transformers", reason="the RAG index needs sentence-transformers")

FIXTURE = Path(__file__).parent / "fixtures" / "playback" / "handchecked.jsonl"


@pytest.fixture(scope="module")
def embedder() -> Any:
    from panza.index.embedder import Embedder

    return Embedder("embedded")


@pytest.fixture(scope="module")
def emails() -> list[dict[str, Any]]:
    return [json.loads(line) for line in FIXTURE.read_text().splitlines()]


@pytest.fixture(scope="module")
def built(emails: list[dict[str, Any]], embedder: Any) -> EmailIndex:
    return EmailIndex.build(emails, embedder)


def ids(hits: list[dict[str, Any]]) -> list[str]:
    return [h["message_id"] for h in hits]


def test_search_finds_the_relevant_email(built: EmailIndex) -> None:
    assert len(built) == 15 and built.kind == "flat" and built.dim == 384
    hits = built.search("complain that the invoice lists too many hours of work", k=3)
    assert ids(hits)[0] == "<hc02@example.org>"
    assert hits[0]["score"] >= hits[1]["score"] >= hits[2]["score"]
    assert hits[0]["email"].startswith("Hello,") and "subject" in hits[0]  # the full record comes back


def test_threshold_and_k(built: EmailIndex) -> None:
    assert built.search("invoice hours", k=2, threshold=0.0).__len__() == 2
    assert built.search("quantum chromodynamics lattice gauge", k=5, threshold=0.9) == []
    assert built.search("anything", k=0) == []


def test_the_email_itself_is_never_retrieved(built: EmailIndex, emails: list[dict[str, Any]]) -> None:
    target = emails[1]
    assert ids(built.search(target["email"], k=3))[0] == target["message_id"]
    for exclude in (target["message_id"], target, target["email"]):
        assert target["message_id"] not in ids(built.search(target["email"], k=5, exclude=exclude))
    # an unknown id excludes nothing (and does not crash)
    assert len(built.search(target["email"], k=3, exclude="<unknown@example.org>")) == 3


def test_near_duplicates_are_excluded(emails: list[dict[str, Any]], embedder: Any) -> None:
    dup = {
        **emails[1],
        "message_id": "<copy@example.org>",
        "email": emails[1]["email"].replace("Hello,", "Hi,"),
    }
    index = EmailIndex.build([*emails, dup], embedder)
    plain = ids(index.search(emails[1]["email"], k=3))
    assert {"<hc02@example.org>", "<copy@example.org>"} <= set(plain)
    hits = ids(index.search(emails[1]["email"], k=3, exclude="<hc02@example.org>"))
    assert "<copy@example.org>" not in hits and "<hc02@example.org>" not in hits and len(hits) == 3


def test_incremental_add_keeps_old_vectors(
    emails: list[dict[str, Any]], embedder: Any, tmp_path: Path
) -> None:
    index = EmailIndex.build(emails[:10], embedder)
    before = index.index.reconstruct_n(0, 10).copy()
    index.save(tmp_path / "rag")
    loaded = EmailIndex.load(tmp_path / "rag", embedder)
    assert loaded.add(emails) == 5  # the first ten are already there
    assert loaded.add(emails[10:]) == 0
    assert len(loaded) == 15 and np.allclose(loaded.index.reconstruct_n(0, 10), before)
    assert ids(loaded.search("order hornbeam hedge plants", k=1)) == ["<hc12@example.org>"]


def test_save_load_roundtrip(built: EmailIndex, tmp_path: Path, embedder: Any) -> None:
    built.save(tmp_path / "rag")
    built.save(tmp_path / "rag")  # replacing an existing index works
    again = EmailIndex.load(tmp_path / "rag", embedder)
    q = "site visit moved because of rain"
    assert again.search(q, k=3) == built.search(q, k=3)
    man = json.loads((tmp_path / "rag" / "manifest.json").read_text())
    assert man["count"] == 15 and man["dim"] == 384 and man["index_type"] == "flat"
    assert man["embedding_model"] == "embedded"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rag"]  # no temporary folders left behind


@pytest.mark.parametrize(
    "damage", ["no_dir", "no_manifest", "bad_manifest", "truncated_index", "lost_record"]
)
def test_corrupt_index_is_one_line_error(built: EmailIndex, tmp_path: Path, damage: str) -> None:
    d = tmp_path / "rag"
    if damage != "no_dir":
        built.save(d)
    if damage == "no_manifest":
        (d / "manifest.json").unlink()
    elif damage == "bad_manifest":
        (d / "manifest.json").write_text("{not json")
    elif damage == "truncated_index":
        data = (d / "index.faiss").read_bytes()
        (d / "index.faiss").write_bytes(data[: len(data) // 3])
    elif damage == "lost_record":
        lines = (d / "records.jsonl").read_text().splitlines()
        (d / "records.jsonl").write_text("\n".join(lines[:-1]) + "\n")
    with pytest.raises(PanzaError) as e:
        EmailIndex.load(d)
    assert "rerun `panza prepare`" in str(e.value) and "\n" not in str(e.value)


def test_approximate_index_above_threshold(
    emails: list[dict[str, Any]], embedder: Any, tmp_path: Path
) -> None:
    index = EmailIndex.build(emails[:10], embedder, approximate_above=12)
    assert index.kind == "flat"
    before = index.index.reconstruct_n(0, 10).copy()
    index.add(emails[10:])  # crosses the threshold: moves to HNSW without re-embedding
    assert index.kind == "hnsw" and len(index) == 15
    assert np.allclose(index.index.reconstruct_n(0, 10), before)
    assert ids(index.search("complain that the invoice lists too many hours", k=1)) == ["<hc02@example.org>"]
    index.save(tmp_path / "rag")
    assert EmailIndex.load(tmp_path / "rag").kind == "hnsw"


def test_raft_cache_lists_other_related_emails(
    emails: list[dict[str, Any]], embedder: Any, tmp_path: Path
) -> None:
    dup = {**emails[0], "message_id": "<dup0@example.org>", "email": emails[0]["email"] + " "}
    index = EmailIndex.build([*emails, dup], embedder)
    entries = list(raft_entries(index, k=3, threshold=0.0))
    assert len(entries) == 16
    first = entries[0]
    assert first["message_id"] == record_id(emails[0]) and len(first["related"]) == 3
    related = [r["message_id"] for r in first["related"]]
    assert emails[0]["message_id"] not in related and "<dup0@example.org>" not in related
    assert all(0 < r["score"] <= 0.95 for e in entries for r in e["related"])
    assert write_raft(index, tmp_path / "raft.jsonl", k=2) == 16
    assert all(
        len(json.loads(line)["related"]) <= 2 for line in (tmp_path / "raft.jsonl").read_text().splitlines()
    )


def test_records_without_message_id_get_a_stable_id(embedder: Any) -> None:
    r = {"email": "Can we move the meeting to Friday?", "subject": "meeting"}
    assert record_id(r) == record_id(dict(r)) and record_id(r).startswith("sha256:")
    index = EmailIndex.build([r, {"email": "Something else entirely about gardens."}], embedder)
    assert index.search("meeting Friday", k=2, exclude=record_id(r))[0]["email"].startswith("Something")


def test_unknown_embedding_model_is_one_line_error(tmp_path: Path) -> None:
    from panza.index.embedder import Embedder

    with pytest.raises(PanzaError, match=r"index\.embedding_model"):
        Embedder(str(tmp_path / "no-such-model"))
