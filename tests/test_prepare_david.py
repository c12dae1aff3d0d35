"""`panza prepare` on a real user's mail: an mbox built from ../shared/data/panza-david.jsonl."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from david_mbox import ADDRESS, build


@pytest.mark.slow
def test_prepare_real_user_mbox(panza_cmd: list[str], shared_data: Path, tmp_path: Path) -> None:
    mbox = tmp_path / "david.mbox"
    n = build(mbox, limit=12, source=shared_data / "panza-david.jsonl")
    out = tmp_path / "out"
    r = subprocess.run([*panza_cmd, "prepare", "--mbox", str(mbox), "--email", ADDRESS, "--out", str(out),
                        "--test-split", "0.2"], capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    summarized = [json.loads(x) for x in (out / "david_clean_summarized.jsonl").read_text().splitlines()]
    train = (out / "train.jsonl").read_text().splitlines()
    test = (out / "test.jsonl").read_text().splitlines()
    discarded = sum(len(p.read_text().splitlines()) for p in (out / "discarded").glob("*.jsonl"))
    assert len(summarized) + discarded == n  # every message is kept or accounted for
    assert len(train) + len(test) == len(summarized) and len(test) >= 1
    assert all(rec["summary"].strip() and rec["summary"] != rec["email"] for rec in summarized)
    assert (out / "rag" / "manifest.json").is_file()
