"""``panza merge``: fold a trained LoRA or RoSA adapter into its base model (``W + BA*scale + S``).

Why: a merged model is a standard Hugging Face folder that every backend can serve (transformers,
and after conversion llama.cpp / Ollama), with no adapter code and no extra latency.
Usage: ``panza merge checkpoint=<run dir>|latest [output_dir=DIR] [merge_base=<base path>]``; the
merged folder is printed as the last line of stdout.
"""

from __future__ import annotations

import json
import logging
import shutil
import sys
from pathlib import Path
from typing import Any

from panza.errors import PanzaError

log = logging.getLogger(__name__)


def main(cfg: Any) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    from panza.train.runs import resolve_checkpoint

    run_dir = resolve_checkpoint(cfg.get("checkpoint"), cfg.get("checkpoint_dir") or "checkpoints")
    out = Path(str(cfg.get("output_dir") or run_dir / "merged")).expanduser()
    merged = merge(run_dir, out, base=cfg.get("merge_base") or None, cache_dir=_cache(cfg))
    print(merged, flush=True)
    return 0


def _cache(cfg: Any) -> Path:
    from panza.config import cache_dir

    return cache_dir(cfg)


def load_adapted(run_dir: Path, base: str | None = None, cache_dir: Path | str | None = None) -> Any:
    """Base model + the run's adapter (LoRA or RoSA), unmerged, in eval mode."""
    from panza.train.rosa import is_rosa_dir, load_base, load_rosa_model

    run_dir = Path(run_dir)
    if is_rosa_dir(run_dir):
        return load_rosa_model(run_dir, base, cache_dir=cache_dir)
    conf = run_dir / "adapter_config.json"
    if not conf.is_file():
        if (run_dir / "config.json").is_file():
            raise PanzaError(f"{run_dir} is a fully fine-tuned model, not an adapter: there is nothing to merge; "
                             "serve it directly (writer/llm=transformers checkpoint=…)")
        raise PanzaError(f"{run_dir} holds no adapter (adapter_config.json or rosa_config.json); pass a run "
                         "directory printed by `panza train`")
    from peft import PeftModel

    base_name = str(base or json.loads(conf.read_text(encoding="utf-8")).get("base_model_name_or_path"))
    model = load_base(base_name, cache_dir=cache_dir)
    from panza.llm.hf import quiet_peft

    try:
        with quiet_peft():
            peft_model = PeftModel.from_pretrained(model, str(run_dir))
    except (RuntimeError, ValueError, KeyError) as e:
        raise PanzaError(f"the adapter in {run_dir} does not fit base {base_name} "
                         f"({str(e).splitlines()[0][:120]}); pass the base it was trained on "
                         "(merge_base=…)") from None
    peft_model.eval()
    return peft_model


def merge(run_dir: Path, out_dir: Path, *, base: str | None = None,
          cache_dir: Path | str | None = None) -> Path:
    """Merge the adapter of ``run_dir`` and save a standard model + tokenizer in ``out_dir``."""
    from transformers import AutoTokenizer

    from panza.train.rosa import is_rosa_dir, merge_rosa

    model = load_adapted(run_dir, base, cache_dir)
    merged = merge_rosa(model) if is_rosa_dir(run_dir) else model.merge_and_unload()
    merged.config.use_cache = True
    tmp = out_dir.with_name(f".{out_dir.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    merged.save_pretrained(str(tmp), safe_serialization=True)
    AutoTokenizer.from_pretrained(str(run_dir)).save_pretrained(str(tmp))
    if out_dir.exists():
        shutil.rmtree(out_dir)
    tmp.rename(out_dir)
    log.info("merged %s into %s", run_dir, out_dir)
    return out_dir
