"""scripts/prepare_train_eval.sh: the original's one command, through the real `panza` steps on real mail."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from test_prepare import small_mbox
from test_train_support import tiny_model_dir

ROOT = Path(__file__).resolve().parent.parent
PANZA = Path(sys.executable).with_name("panza")


@pytest.mark.slow
def test_prepare_train_eval_runs_all_three_and_resumes(sample_mbox: Path, tmp_path: Path) -> None:
    pytest.importorskip("torch")
    if not PANZA.is_file():
        pytest.skip("the panza command is not installed in this environment")
    tiny = tiny_model_dir(str(tmp_path))
    mbox = small_mbox(sample_mbox, tmp_path / "sent.mbox", 8)
    cmd = ["bash", str(ROOT / "scripts" / "prepare_train_eval.sh"), "--mbox", str(mbox), "--email",
           "jen.weber@lindenmail.example", "--out", str(tmp_path / "data"), "--test-split", "0.25",
           f"model={tiny}", "finetuning.max_duration=2ba", "finetuning.num_cpu_threads=1",
           "writer.llm.sampling.max_new_tokens=12", "writer.llm.n_threads=1", "playback.batch_size=4"]
    env = {**os.environ, "PANZA": str(PANZA), "PANZA_WORKSPACE": str(tmp_path)}
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=1500, env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    report = Path(r.stdout.strip().splitlines()[-1])
    assert (report / "report.md").is_file() and (report / "report.html").is_file()
    assert len(list((tmp_path / "checkpoints").iterdir())) == 1
    systems = {p.stem for p in report.glob("*.json")}
    assert {"base", "floor-template", "floor-nearest"} <= systems and len(systems) >= 4  # + the trained run
    assert sum(ln.count("BLEU") for ln in r.stderr.splitlines()) >= 4  # a summary line per system
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=1500, env=env, cwd=tmp_path)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "up to date" in again.stderr  # prepare skipped its finished stages
    assert Path(again.stdout.strip().splitlines()[-1]) == report
