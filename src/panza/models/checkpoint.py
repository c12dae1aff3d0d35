"""What a trained (or given) model is, decided once: the only place that looks inside model folders.

``checkpoint=`` may be a folder, a GGUF file, the name of a run under ``checkpoint_dir`` or
``latest`` (the newest *finished* run). :meth:`Checkpoint.resolve` turns it into a
:class:`Checkpoint` that knows its kind (a full Hugging Face model, a LoRA adapter, a RoSA adapter or
a GGUF file), its base model, where its tokenizer is, the Panza run it belongs to and whether that
run trained with RAG context. Backends, the trainer, the writer and the exports ask it instead of
sniffing files themselves.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from panza.errors import PanzaError

METRICS = "metrics.json"  # a run's status and numbers, written by `panza train`
RUN_CONFIG = "config.yaml"  # the resolved config a run was trained with
ROSA_CONFIG = "rosa_config.json"
LORA_CONFIG = "adapter_config.json"
HF_CONFIG = "config.json"
GGUF_MANIFEST = "gguf_manifest.json"  # what `panza export gguf` wrote into a run
KINDS = ("hf", "lora", "rosa", "gguf")


def read_metrics(run_dir: Path) -> dict[str, Any]:
    try:
        data = json.loads((Path(run_dir) / METRICS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def finished_runs(checkpoint_dir: Path) -> list[Path]:
    """Run directories whose training ended (``status: done``)."""
    if not checkpoint_dir.is_dir():
        return []
    return [d for d in checkpoint_dir.iterdir() if d.is_dir() and read_metrics(d).get("status") == "done"]


def latest_run(checkpoint_dir: Path) -> Path:
    runs = finished_runs(checkpoint_dir)
    if not runs:
        raise PanzaError(f"checkpoint=latest: no finished training run in {checkpoint_dir}; run `panza train` "
                         "first or set checkpoint_dir")
    return max(runs, key=lambda d: (d / METRICS).stat().st_mtime)


def _kind(path: Path) -> str | None:
    if path.is_file():
        return "gguf" if path.suffix.lower() == ".gguf" else None
    if not path.is_dir():
        return None
    if (path / ROSA_CONFIG).is_file():
        return "rosa"
    if (path / LORA_CONFIG).is_file():
        return "lora"
    if (path / HF_CONFIG).is_file():
        return "hf"
    if (path / GGUF_MANIFEST).is_file() or len(list(path.glob("*.gguf"))) == 1:
        return "gguf"
    return None


@dataclass(frozen=True)
class Checkpoint:
    """A model on disk: ``path`` (a folder, or a ``.gguf`` file) of ``kind`` hf | lora | rosa | gguf."""

    path: Path
    kind: str

    @classmethod
    def from_path(cls, path: Path | str) -> Checkpoint:
        p = Path(str(path)).expanduser()
        kind = _kind(p)
        if kind is None:
            what = "does not exist" if not p.exists() else "holds no model"
            raise PanzaError(f"checkpoint {p} {what} (no config.json, adapter_config.json, rosa_config.json "
                             "or single .gguf file); pass a run directory printed by `panza train`, a model "
                             "folder, a GGUF file or checkpoint=latest")
        return cls(p, kind)

    @classmethod
    def resolve(cls, value: Any, checkpoint_dir: Path | str | None = None) -> Checkpoint | None:
        """``checkpoint=`` as a Checkpoint: a path, a run name under ``checkpoint_dir``, or ``latest``."""
        if value in (None, "", "null"):
            return None
        root = Path(str(checkpoint_dir or "checkpoints")).expanduser()
        if str(value) == "latest":
            return cls.from_path(latest_run(root))
        for cand in (Path(str(value)).expanduser(), root / str(value)):
            if cand.exists():
                return cls.from_path(cand)
        raise PanzaError(f"checkpoint {value} does not exist (also looked in {root}); give a run directory printed "
                         "by `panza train`, a model folder, a GGUF file or 'latest'")

    # ---- what the files say --------------------------------------------------------------------
    @property
    def is_adapter(self) -> bool:
        return self.kind in ("lora", "rosa")

    @cached_property
    def adapter_config(self) -> dict[str, Any]:
        """``adapter_config.json`` (LoRA) or ``rosa_config.json`` (RoSA); empty for other kinds."""
        name = {"lora": LORA_CONFIG, "rosa": ROSA_CONFIG}.get(self.kind)
        if name is None:
            return {}
        path = self.path / name
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise PanzaError(f"{path}: unreadable ({e}); re-save the model") from None
        if not isinstance(data, dict):
            raise PanzaError(f"{path}: not a JSON object; re-save the model")
        return data

    @property
    def base(self) -> str | None:
        """The base model an adapter was trained on, as recorded (a path, an id or ``embedded``)."""
        value = self.adapter_config.get("base_model_name_or_path")
        return str(value) if value else None

    @property
    def gguf_file(self) -> Path | None:
        """A GGUF file to run with llama.cpp: the checkpoint itself, or the newest one ``panza export gguf``
        wrote into the run (its ``gguf_manifest.json``), or the folder's only ``.gguf``."""
        if self.path.is_file():
            return self.path
        exported = [self.path / name for name in self._manifest_exports() if (self.path / name).is_file()]
        if exported:
            return max(exported, key=lambda p: p.stat().st_mtime)
        files = sorted(self.path.glob("*.gguf"))
        return files[0] if len(files) == 1 else None

    def _manifest_exports(self) -> list[str]:
        try:
            data = json.loads((self.path / GGUF_MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        exports = data.get("exports") if isinstance(data, dict) else None
        return [str(k) for k in exports] if isinstance(exports, dict) else []

    @property
    def tokenizer_dir(self) -> Path | None:
        """The folder holding the tokenizer saved with the model (``None``: use the base model's)."""
        return self.path if self.path.is_dir() and (self.path / "tokenizer_config.json").is_file() else None

    @property
    def run_dir(self) -> Path | None:
        """The Panza run this model belongs to: its folder, or the run above a model merged into it."""
        here = self.path if self.path.is_dir() else self.path.parent
        for d in (here, here.parent):
            if (d / RUN_CONFIG).is_file() or (d / METRICS).is_file():
                return d
        return None

    @property
    def trained_with_rag(self) -> bool:
        """Whether the run was trained with RAG context (``rag.enabled`` in its ``config.yaml``)."""
        run = self.run_dir
        if run is None or not (run / RUN_CONFIG).is_file():
            return False
        try:
            from omegaconf import OmegaConf

            return bool(OmegaConf.select(OmegaConf.load(run / RUN_CONFIG), "rag.enabled", default=False))
        except Exception:  # an unreadable config is not worth failing a draft over
            return False

    def __str__(self) -> str:
        return str(self.path)
