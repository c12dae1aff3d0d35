"""`panza prepare` through the real command: the stable CLI contract, resume after a kill, errors.

These run the real pipeline (extraction, the embedded llama.cpp model, MiniLM embeddings, FAISS)
on a few short emails of the bundled sample mailbox.
"""

from __future__ import annotations

import json
import mailbox
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

JEN = ["jen.weber@lindenmail.example", "jen@weber-landscapes.example", "JWeber@hafencity-planung.example"]


def small_mbox(sample: Path, out: Path, n: int) -> Path:
    """The ``n`` shortest messages Jen sent, as an mbox (short = quick playback)."""
    src = mailbox.mbox(str(sample))
    mine = [m for m in src if any(a.lower() in (m["From"] or "").lower() for a in JEN)]
    mine.sort(key=lambda m: len(m.as_bytes()))
    dst = mailbox.mbox(str(out))
    for m in mine[20 : 20 + n]:  # skip the shortest: those are dropped as too short
        dst.add(m)
    dst.flush()
    return out


def prepare(
    cmd: list[str], out: Path, mbox: Path | None, *extra: str, **kw: object
) -> subprocess.CompletedProcess:
    args = [*cmd, "prepare", "--out", str(out)]
    if mbox is not None:
        args += ["--mbox", str(mbox)]
    for a in JEN:
        args += ["--email", a]
    return subprocess.run([*args, *extra], capture_output=True, text=True, timeout=900, **kw)  # type: ignore[call-overload]


def skipped(stderr: str) -> list[str]:
    """Stages the summary table reports as up to date."""
    return re.findall(r"^\W*(\w+)\s*│\s*up to date", stderr, flags=re.M)


def cache_entries(out: Path) -> list[dict]:
    p = out / ".cache" / "playback.jsonl"
    if not p.is_file():
        return []
    return [json.loads(line) for line in p.read_text().splitlines() if line.endswith("}")]


@pytest.mark.slow
def test_prepare_contract_resume_and_skip(panza_cmd: list[str], sample_mbox: Path, tmp_path: Path) -> None:
    pytest.importorskip("llama_cpp", reason="the embedded summarizer runs on llama-cpp-python")
    mbox = small_mbox(sample_mbox, tmp_path / "sent.mbox", 4)
    out = tmp_path / "out"
    env = {**os.environ, "PANZA_CACHE_DIR": str(tmp_path / "cache")}

    # 1. Start, and kill the process (no clean shutdown) once playback has cached its first email.
    args = [*panza_cmd, "prepare", "--out", str(out), "--mbox", str(mbox), "playback.batch_size=1"]
    for a in JEN:
        args += ["--email", a]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.time() + 600
    while not cache_entries(out) and time.time() < deadline and proc.poll() is None:
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    first = cache_entries(out)
    (clean,) = out.glob("*_clean.jsonl")
    n = len(clean.read_text().splitlines())
    assert n >= 3, "the sample should give at least three emails"
    assert 1 <= len(first) < n, "the run should have been killed in the middle of playback"
    assert not list(out.glob("*_clean_summarized.jsonl"))

    # 2. Re-run: finishes, reusing the cached emails (the cache only grows by the missing ones).
    r = prepare(panza_cmd, out, mbox, "playback.batch_size=1", env=env)
    assert r.returncode == 0, r.stderr
    entries = cache_entries(out)
    assert entries[: len(first)] == first and len(entries) == n
    assert len({e["key"] for e in entries}) == n

    (summarized,) = out.glob("*_clean_summarized.jsonl")
    rows = [json.loads(line) for line in summarized.read_text().splitlines()]
    assert len(rows) == n
    for row in rows:
        assert row["summary"].strip() and row["summary_source"] in ("llm", "retry", "fallback")
        assert {"email", "subject", "thread", "date", "message_id", "to"} <= set(row)
    train = [json.loads(line) for line in (out / "train.jsonl").read_text().splitlines()]
    assert len(train) == n and (out / "test.jsonl").read_text() == ""
    assert json.loads((out / "rag" / "manifest.json").read_text())["count"] == n
    raft = [json.loads(line) for line in (out / "raft.jsonl").read_text().splitlines()]
    assert [e["message_id"] for e in raft] == [t["message_id"] for t in train]
    assert all(e["message_id"] not in [x["message_id"] for x in e["related"]] for e in raft)

    # 3. Nothing to do on a third run; a new --test-split only re-splits and re-indexes.
    r = prepare(panza_cmd, out, mbox, env=env)
    assert r.returncode == 0, r.stderr
    assert skipped(r.stderr) == ["extract", "playback", "split", "index", "raft"]
    r = prepare(panza_cmd, out, mbox, "--test-split", "0.25", env=env)
    assert r.returncode == 0, r.stderr
    assert skipped(r.stderr) == ["extract", "playback"]
    assert len((out / "test.jsonl").read_text().splitlines()) == 1
    assert len((out / "train.jsonl").read_text().splitlines()) == n - 1
    assert json.loads((out / "rag" / "manifest.json").read_text())["count"] == n - 1


def test_empty_training_set_is_one_line_error(panza_cmd: list[str], tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "jen.weber_clean.jsonl").write_text("")
    r = prepare(panza_cmd, out, None)
    assert r.returncode == 2
    assert r.stderr.strip().splitlines()[-1].startswith("panza prepare: error: no training emails")
    assert "Traceback" not in r.stderr


def test_nothing_to_prepare_is_one_line_error(panza_cmd: list[str], tmp_path: Path) -> None:
    r = prepare(panza_cmd, tmp_path / "out", None)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "no mail was given" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_prepare_data_script_runs_the_same_code(repo_root: Path, tmp_path: Path) -> None:
    import sys

    r = subprocess.run(
        [
            sys.executable,
            str(repo_root / "scripts" / "prepare_data.py"),
            "user=jen",
            f"user.data_dir={tmp_path}",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "jen_clean.jsonl does not exist" in r.stderr


def test_summarizer_is_its_own_config_entry() -> None:
    from panza.config import compose

    cfg = compose("prepare", [])
    assert cfg.playback.llm.backend == "llamacpp" and cfg.test_split == 0 and cfg.split_type == "random"
    cfg = compose("prepare", ["writer/llm@playback.llm=transformers", "user=jen"])
    assert cfg.playback.llm.backend == "transformers" and cfg.playback.llm.model == "embedded"
    assert str(cfg.index.dir).endswith("data/jen/rag") and cfg.index.approximate_above == 20000
