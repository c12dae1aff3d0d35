"""``panza run``: build the writer from the config and hand it to the chosen interface.

Order matters for a good failure: cheap checks (interface, input file, checkpoint, preambles)
come before the model is loaded, so a typo costs a second, not a model load.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from panza.errors import PanzaError

log = logging.getLogger("panza.write")
INTERFACES = ("cli", "json", "web", "gui")
_MODEL_FILES = ("config.json", "adapter_config.json")


def setup_logging() -> None:
    """Warnings and progress notes go to stderr, one line each; drafts own stdout."""
    root = logging.getLogger("panza")
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("panza: %(message)s"))
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        root.propagate = False


def _is_model_dir(d: Path) -> bool:
    return any((d / f).is_file() for f in _MODEL_FILES) or any(d.glob("*.gguf"))


def resolve_checkpoint(cfg: DictConfig) -> str | None:
    """``checkpoint=``: a folder or GGUF file, a run name under checkpoint_dir, or ``latest``."""
    ck = cfg.get("checkpoint")
    if ck in (None, "", "null"):
        return None
    root = Path(str(cfg.get("checkpoint_dir", "checkpoints"))).expanduser()
    if str(ck) == "latest":
        try:  # the trainer's notion of "latest": the newest finished run
            from panza.train.runs import resolve_checkpoint as newest_run
        except ImportError:
            newest_run = None
        if newest_run is not None:
            return str(newest_run("latest", root))
        found = [
            d for d in (list(root.glob("*")) + list(root.glob("*/*"))) if d.is_dir() and _is_model_dir(d)
        ]
        if not found:
            raise PanzaError(
                f"checkpoint=latest: no trained model under {root}; train one with `panza train` "
                "or set checkpoint=<folder>"
            )
        return str(max(found, key=lambda d: d.stat().st_mtime))
    for cand in (Path(str(ck)).expanduser(), root / str(ck)):
        if cand.exists():
            return str(cand)
    raise PanzaError(
        f"checkpoint {ck} not found (also looked in {root}); give a model folder, a GGUF file or 'latest'"
    )


def choose_backend(llm_cfg: dict[str, Any], checkpoint: str | None) -> dict[str, Any]:
    """Pick the backend that can run ``checkpoint`` when the configured one cannot.

    The default backend is llama.cpp, but training produces Hugging Face folders: running
    ``panza run checkpoint=latest`` should just work, so such a checkpoint moves the run to
    transformers (a full model) or peft (an adapter).
    """
    if not checkpoint:
        return llm_cfg
    p = Path(checkpoint)
    adapter = (p / "adapter_config.json").is_file()
    hf = adapter or (p / "config.json").is_file()
    backend = llm_cfg.get("backend")
    if backend in ("llamacpp", "transformers") and hf and not any(p.glob("*.gguf")):
        new = "peft" if adapter else "transformers"
        if new != backend:
            log.info(
                "checkpoint %s is a Hugging Face %s: using the %s backend",
                p,
                "adapter" if adapter else "model",
                new,
            )
            return {**llm_cfg, "backend": new}
    return llm_cfg


def build_writer(cfg: DictConfig) -> Any:
    from panza.config import cache_dir
    from panza.llm.base import load_llm, plain
    from panza.write.prompting import load_preambles, warn_placeholder
    from panza.write.rag import open_index
    from panza.write.writer import PanzaWriter, WriterOptions

    checkpoint = resolve_checkpoint(cfg)
    preambles = load_preambles(cfg, warn=False)
    w = cfg.get("writer") or {}
    rag_cfg = w.get("rag") or {}
    thread_cfg = w.get("thread") or {}
    llm_cfg = choose_backend(plain(w.get("llm")), checkpoint)
    llm = load_llm(llm_cfg, checkpoint=checkpoint, cache_dir=cache_dir(cfg))
    # Warnings only once the model is up, so a run that fails prints its one-line error alone.
    index = open_index(rag_cfg, checkpoint)
    warn_placeholder(preambles, cfg.user.get("user_preamble_path"))
    options = WriterOptions(
        rag_k=int(rag_cfg.get("k", 3)),
        rag_threshold=float(rag_cfg.get("threshold", 0.2)),
        thread_enabled=bool(thread_cfg.get("enabled", True)),
        thread_max_emails=int(thread_cfg.get("max_emails", 3)),
        thread_max_chars=int(thread_cfg.get("max_chars", 4000)),
    )
    writer = PanzaWriter(llm, preambles, index, options)
    model = checkpoint or llm_cfg.get("model") or llm_cfg.get("model_path") or "embedded"
    writer.info = {
        "backend": llm_cfg.get("backend"),
        "model": str(model),
        "checkpoint": checkpoint,
        "rag": index is not None,
    }
    return writer


def main(cfg: DictConfig) -> int:
    setup_logging()
    iface = cfg.get("interfaces") or {}
    name = str(iface.get("name", ""))
    if name not in INTERFACES:
        raise PanzaError(
            f"unknown interface {name!r}; choose one of: {', '.join(INTERFACES)} (interfaces=<name>)"
        )
    if name in ("web", "gui"):  # the interface seam (check, then run with the one writer); see interfaces/
        import importlib

        mod = importlib.import_module(f"panza.write.interfaces.{name}")
        mod.check(cfg)
        return int(mod.run(build_writer(cfg), cfg))
    if name == "json":
        from panza.write import json_interface

        jobs = json_interface.load_jobs(iface)  # a missing input file fails before the model loads
        return json_interface.run(build_writer(cfg), iface, jobs, cfg)
    from panza.write import cli_interface

    thread = cli_interface.read_thread_file(iface.get("thread_file")) if iface.get("thread_file") else []
    return cli_interface.run(build_writer(cfg), thread=thread)
