"""`torchrun --nproc_per_node=2 -m panza train` on this CPU (gloo): DDP for LoRA/RoSA, FSDP for full.

Real processes through the real launcher on the tiny random-init model: two processes with the
same global batch follow one process's loss curve, and write one run directory (rank 0).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("peft")
if not torch.distributed.is_available():  # pragma: no cover
    pytest.skip("torch without distributed support", allow_module_level=True)

from test_train_support import tiny_model_dir, write_data  # noqa: E402

# Per-step losses of 1 and 2 processes differ only by float summation order (per-rank sums, then
# all-reduce; gradients averaged by DDP/FSDP): measured ~1e-6 relative. A wrong global batch, a
# wrong loss scale or unsynchronised gradients move the curve by far more than this.
REL_TOL = 1e-4


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_model_dir(str(tmp_path_factory.getbasetemp()))


def _run(tiny: Path, data: Path, ck: Path, nproc: int, method: str, *extra: str) -> tuple[Path, str]:
    args = ["train", "--data", str(data), f"finetuning={method}", f"model={tiny}", f"checkpoint_dir={ck}",
            "finetuning.max_duration=3ba", "finetuning.batch_size=4", "finetuning.gradient_accumulation=2",
            "finetuning.max_seq_len=256", "finetuning.warmup=0", "finetuning.num_cpu_threads=1",
            "finetuning.resume=false", "user.username=test", *extra]
    if nproc == 1:
        cmd = [sys.executable, "-m", "panza", *args]
    else:
        cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}",
               "-m", "panza", *args]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    lines = r.stdout.strip().splitlines()
    return Path(lines[-1]), r.stdout


def _curve(run: Path) -> list[float]:
    return [h["loss"] for h in json.loads((run / "metrics.json").read_text())["history"]]


@pytest.mark.slow
@pytest.mark.parametrize("method,extra", [
    ("lora", ("finetuning.lora.lora_dropout=0",)),
    ("full", ()),
])
def test_two_processes_follow_one_process_loss_curve_and_write_one_run(tiny: Path, tmp_path: Path, method: str,
                                                                         extra: tuple[str, ...]) -> None:
    data = write_data(tmp_path / "data", n_train=14)  # 14 = 3 steps of 4 x 2, the last one short (6)
    one, _ = _run(tiny, data, tmp_path / "ck1", 1, method, *extra)
    two, out = _run(tiny, data, tmp_path / "ck2", 2, method, *extra)
    a, b = _curve(one), _curve(two)
    assert len(a) == len(b) == 3
    assert all(abs(x - y) <= REL_TOL * abs(x) for x, y in zip(a, b, strict=True)), (a, b)
    assert a[-1] != a[0]  # it trained: the curve moved
    runs = [p for p in (tmp_path / "ck2").iterdir() if p.is_dir()]
    assert runs == [two]  # one run directory, printed once (rank 0 alone prints)
    assert out.count(str(two)) == 1
    m1, m2 = (json.loads((r / "metrics.json").read_text()) for r in (one, two))
    assert (m1["world_size"], m2["world_size"]) == (1, 2) and m2["status"] == "done"
    assert m1["tokens"] == m2["tokens"]  # the same global batches
    assert abs(m1["test_loss"] - m2["test_loss"]) <= REL_TOL * m1["test_loss"]
    weights = "adapter_model.safetensors" if method == "lora" else "model.safetensors"
    from safetensors.torch import load_file

    w1, w2 = load_file(one / weights), load_file(two / weights)
    assert w1.keys() == w2.keys()
    assert max(float((w1[k] - w2[k]).abs().max()) for k in w1) < 1e-4


@pytest.mark.slow
def test_rosa_under_two_processes_picks_one_mask_and_trains(tiny: Path, tmp_path: Path) -> None:
    """RoSA's mask comes from warm-up gradients, which each process sees for its own examples: the scores
    are summed over processes first, so the adapter is one adapter (rank 0 saves it)."""
    data = write_data(tmp_path / "data", n_train=14)
    two, _ = _run(tiny, data, tmp_path / "ck", 2, "rosa", "finetuning.rosa.lora_dropout=0",
                  "finetuning.rosa.mask_warmup_steps=1", "finetuning.rosa.spa_d=0.05")
    m = json.loads((two / "metrics.json").read_text())
    assert m["status"] == "done" and m["world_size"] == 2 and len(m["history"]) == 3
    assert (two / "rosa_adapter.safetensors").is_file()
