"""The ``merged`` export: fold a trained LoRA or RoSA adapter into its base model (``W + BA*scale + S``).

Why: a merged model is a standard Hugging Face folder that every backend can serve (transformers,
and after conversion llama.cpp / Ollama), with no adapter code and no extra latency.
Usage: ``panza export merged checkpoint=<run>|latest [output_dir=DIR] [merge_base=<base path>]`` (or
``panza merge …``, the same step); the merged folder is printed as the last line of stdout.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

from panza.models.checkpoint import Checkpoint
from panza.models.loading import load_adapted, load_tokenizer

log = logging.getLogger(__name__)


def run(checkpoint: Checkpoint, cfg: Any) -> Path:
    """The export step: merge into ``output_dir`` (default ``<run>/merged``)."""
    from panza.config import cache_dir

    out = Path(str(cfg.get("output_dir") or checkpoint.path / "merged")).expanduser()
    return merge(checkpoint, out, base=cfg.get("merge_base") or None, cache_dir=cache_dir(cfg))


def merge(checkpoint: Checkpoint | Path | str, out_dir: Path, *, base: str | None = None,
          cache_dir: Path | str | None = None) -> Path:
    """Merge the adapter of ``checkpoint`` and save a standard model + tokenizer in ``out_dir``, atomically."""
    from panza.models.rosa_format import merge_rosa

    ckpt = checkpoint if isinstance(checkpoint, Checkpoint) else Checkpoint.from_path(checkpoint)
    model = load_adapted(ckpt, base=base, cache_dir=cache_dir)
    merged = merge_rosa(model) if ckpt.kind == "rosa" else model.merge_and_unload()
    merged.config.use_cache = True
    tmp = out_dir.with_name(f".{out_dir.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    merged.save_pretrained(str(tmp), safe_serialization=True)
    load_tokenizer(str(ckpt.tokenizer_dir or ckpt.path)).save_pretrained(str(tmp))
    if out_dir.exists():
        shutil.rmtree(out_dir)
    tmp.rename(out_dir)
    log.info("merged %s into %s", ckpt.path, out_dir)
    return out_dir
