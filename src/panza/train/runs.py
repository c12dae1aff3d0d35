"""Run directories and run state: naming, resume (what must match, what is saved), metrics and the plot.

A run directory holds everything about one training run: ``config.yaml`` (resolved), ``metrics.json``
(``status``: running / interrupted / done), ``loss_curve.png``, the adapter or model with its
tokenizer, and while unfinished ``resume/state.pt``. Which finished run is ``latest`` is decided by
:mod:`panza.models.checkpoint`, which reads the same ``metrics.json``.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from panza.models.checkpoint import read_metrics
from panza.train.options import TrainOptions

RESUME_DIR = "resume"
STATE_FILE = "state.pt"


def _clean(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_") or "model"


def model_short_name(model: str) -> str:
    if str(model).strip().lower() == "embedded":
        return "smollm2-135m-instruct"
    return _clean(Path(str(model).rstrip("/")).name)


def run_name(user: str, model: str, method: str, lr: float, duration: str, seed: int) -> str:
    """``<user>-<model>-<method>-lr<lr>-<duration>-seed<seed>``, as the original named its runs."""
    return f"{_clean(user)}-{model_short_name(model)}-{method}-lr{lr:g}-{duration}-seed{seed}"


def new_run_dir(checkpoint_dir: Path, name: str) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = checkpoint_dir / f"{name}-{stamp}"
    n = 1
    while path.exists():
        n += 1
        path = checkpoint_dir / f"{name}-{stamp}-{n}"
    path.mkdir(parents=True)
    return path


def find_resumable(checkpoint_dir: Path, name: str, signature: str) -> Path | None:
    """The newest unfinished run of the same name and training signature, if any."""
    if not checkpoint_dir.is_dir():
        return None
    cands = []
    for d in checkpoint_dir.glob(f"{name}-*"):
        if not (d / RESUME_DIR / STATE_FILE).is_file():
            continue
        m = read_metrics(d)
        if m.get("status") not in ("done", "failed") and m.get("signature") == signature:
            cands.append(d)
    return max(cands, key=lambda d: (d / RESUME_DIR / STATE_FILE).stat().st_mtime, default=None)


@dataclass
class Progress:
    global_step: int = 0
    epoch: int = 0
    step_in_epoch: int = 0
    tokens: int = 0  # all tokens processed (prompt + email)
    target_tokens: int = 0
    train_seconds: float = 0.0
    history: list[dict[str, float]] = field(default_factory=list)  # per step: step, loss, lr
    evals: list[dict[str, float]] = field(default_factory=list)  # per eval: step, epoch, loss, ppl
    epoch_loss_sum: float = 0.0
    epoch_loss_tokens: int = 0
    last_epoch_loss: float | None = None
    mask_chosen: bool = False
    stopped_early: bool = False


def sha1_file(path: Path) -> str:
    h = hashlib.sha1()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def signature(cfg: Any, opts: TrainOptions, model_path: str, train_path: Path) -> str:
    """What must match for a run to be resumed: options, base model and training data."""
    o = asdict(opts)
    o.pop("resume", None)
    o.pop("debug_interrupt_after_steps", None)
    blob = json.dumps({"opts": o, "model": model_path, "data": sha1_file(train_path),
                       "user": str(cfg.get("user", {}).get("username"))}, sort_keys=True, default=str)
    return hashlib.sha1(blob.encode()).hexdigest()


def save_state(run_dir: Path, trainable: dict[str, Any], optimizer: Any, scheduler: Any, prog: Progress,
               rng_state: Any, extra: dict[str, Any]) -> None:
    """Atomically write everything needed to continue exactly where training stopped."""
    import torch

    from panza.jsonl import atomic_open

    state = {
        "trainable": trainable,
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict(),
        "progress": asdict(prog),
        "torch_rng": rng_state,
        "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None,
        **extra,
    }
    with atomic_open(run_dir / RESUME_DIR / STATE_FILE, "wb", encoding=None) as fh:
        torch.save(state, fh)


def load_state(run_dir: Path, device: Any) -> dict[str, Any]:
    import torch

    return torch.load(run_dir / RESUME_DIR / STATE_FILE, map_location=device, weights_only=False)  # type: ignore[no-any-return]


def write_json(path: Path, data: dict[str, Any]) -> None:
    from panza.jsonl import atomic_open

    with atomic_open(path) as fh:
        json.dump(data, fh, indent=2, default=str)


def remove_resume(run_dir: Path) -> None:
    shutil.rmtree(run_dir / RESUME_DIR, ignore_errors=True)


def plot_losses(prog: Progress, path: Path, method: str) -> None:
    """Training loss per step (and test loss per evaluation) as a PNG, written atomically."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from panza.jsonl import atomic_open

    fig, ax = plt.subplots(figsize=(7, 4), dpi=100)
    if prog.history:
        ax.plot([h["step"] for h in prog.history], [h["loss"] for h in prog.history], label="train loss", lw=1)
    if prog.evals:
        ax.plot([e["step"] for e in prog.evals], [e["loss"] for e in prog.evals], "o-", label="test loss")
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("loss (email tokens)")
    ax.set_title(f"panza train ({method})")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    with atomic_open(path, "wb", encoding=None) as fh:
        fig.savefig(fh, format="png")
    plt.close(fig)
