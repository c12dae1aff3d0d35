"""Run directories: naming, finding the newest (``checkpoint=latest``) and the one to resume.

A run directory holds everything about one training run: ``config.yaml`` (resolved), ``metrics.json``
(``status``: running / interrupted / done), ``loss_curve.png``, the adapter or model with its
tokenizer, and while unfinished ``resume/state.pt``.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

from panza.errors import PanzaError

METRICS = "metrics.json"
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


def read_metrics(run_dir: Path) -> dict[str, Any]:
    try:
        return json.loads((run_dir / METRICS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def find_resumable(checkpoint_dir: Path, name: str, signature: str) -> Path | None:
    """The newest unfinished run of the same name and training signature, if any."""
    if not checkpoint_dir.is_dir():
        return None
    cands = []
    for d in checkpoint_dir.glob(f"{name}-*"):
        if not (d / RESUME_DIR / STATE_FILE).is_file():
            continue
        m = read_metrics(d)
        if m.get("status") != "done" and m.get("signature") == signature:
            cands.append(d)
    return max(cands, key=lambda d: (d / RESUME_DIR / STATE_FILE).stat().st_mtime, default=None)


def finished_runs(checkpoint_dir: Path) -> list[Path]:
    if not checkpoint_dir.is_dir():
        return []
    return [d for d in checkpoint_dir.iterdir() if d.is_dir() and read_metrics(d).get("status") == "done"]


def resolve_checkpoint(value: Any, checkpoint_dir: Path | str) -> Path:
    """``checkpoint=RUN_DIR`` or ``checkpoint=latest`` (the newest finished run) as a path."""
    if value in (None, ""):
        raise PanzaError("no checkpoint given: pass checkpoint=<run directory> or checkpoint=latest")
    checkpoint_dir = Path(str(checkpoint_dir)).expanduser()
    if str(value) == "latest":
        runs = finished_runs(checkpoint_dir)
        if not runs:
            raise PanzaError(f"checkpoint=latest: no finished training run in {checkpoint_dir}; run `panza "
                             "train` first or set checkpoint_dir")
        return max(runs, key=lambda d: (d / METRICS).stat().st_mtime)
    path = Path(str(value)).expanduser()
    if not path.is_dir():
        raise PanzaError(f"checkpoint {path} does not exist; pass a run directory printed by `panza train` "
                         "(or checkpoint=latest)")
    return path
