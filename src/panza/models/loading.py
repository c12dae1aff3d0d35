"""One loader each for a tokenizer, a causal LM and an adapter (LoRA or RoSA), with one-line errors.

Training, the transformers/PEFT backends and ``panza merge`` all load models through here, so a
model that trains also drafts and merges, and a bad path fails with the same message everywhere.
Nothing here imports torch at module level.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from panza.errors import PanzaError
from panza.models.checkpoint import Checkpoint
from panza.models.embedded import resolve_model
from panza.models.peft_warnings import quiet_peft


def looks_like_path(name: str) -> bool:
    return name.startswith(("/", ".", "~")) or Path(name).expanduser().exists() or name.count("/") > 1


def model_path(name: str, cache_dir: Path | str | None = None, *, key: str = "model") -> str:
    """``embedded``, a folder or a Hugging Face id as something ``from_pretrained`` takes.

    A reference that looks like a path but does not exist fails here, naming the config ``key``.
    """
    name = str(name)
    if looks_like_path(name) and not Path(name).expanduser().exists():
        raise PanzaError(f"model path {name} does not exist; fix {key} (a model folder, a Hugging Face id "
                         "or 'embedded')")
    if name.strip().lower() != "embedded" and not looks_like_path(name):
        _hub_model(name, key)
    return resolve_model(name, cache_dir)


def _hub_model(repo_id: str, key: str) -> None:
    """A Hugging Face id: used from the local cache; downloaded only when the user allowed it, and said so.

    ``panza`` runs offline unless ``allow_download=true`` (it sets ``HF_HUB_OFFLINE``), so a model id
    never leaves the machine silently.
    """
    import os
    import sys

    from huggingface_hub import try_to_load_from_cache

    try:
        cached = isinstance(try_to_load_from_cache(repo_id, "config.json"), str)
    except Exception:  # a malformed id: from_pretrained names the problem
        return
    if cached:
        return
    if os.environ.get("HF_HUB_OFFLINE", "0") not in ("0", "", "false", "False"):
        raise PanzaError(
            f"{key}={repo_id} is not on this machine and Panza does not download on its own: pass "
            "allow_download=true to fetch it from Hugging Face once, or set "
            f"{key} to a local model folder (or 'embedded')"
        )
    print(f"panza: downloading {repo_id} from Hugging Face (allow_download=true)", file=sys.stderr)


def load_tokenizer(path: str, *, for_generation: bool = False) -> Any:
    """The tokenizer of ``path``, with a pad token and a chat template (both sides need one).

    ``for_generation`` pads on the left, so every row of a batch starts its new tokens at the same
    position; training pads on the right.
    """
    from transformers import AutoTokenizer

    try:
        tok = AutoTokenizer.from_pretrained(path)
    except (OSError, ValueError) as e:
        raise PanzaError(f"cannot load a tokenizer from {path}: {str(e).splitlines()[0]}") from None
    if not getattr(tok, "chat_template", None):
        raise PanzaError(f"model {path} has no chat template: pick an instruct/chat model (e.g. "
                         "model=embedded) or add a 'chat_template' to its tokenizer_config.json")
    if tok.pad_token_id is None:
        tok.pad_token = tok.eos_token
    if for_generation:
        tok.padding_side = "left"
    return tok


def pick_dtype(dtype: str | None, cuda: bool) -> Any:
    """``auto`` (bf16 on a CUDA GPU, fp32 on CPU) or a named float type."""
    import torch

    if dtype in (None, "", "auto"):
        return torch.bfloat16 if cuda else torch.float32
    names = {"float32": torch.float32, "fp32": torch.float32, "bfloat16": torch.bfloat16,
             "bf16": torch.bfloat16, "float16": torch.float16, "fp16": torch.float16}
    if str(dtype) not in names:
        raise PanzaError(f"unknown dtype {dtype!r} (writer.llm.dtype): use auto, float32, bfloat16 or float16")
    return names[str(dtype)]


def load_causal_lm(path: str, *, dtype: Any = None, load_in_4bit: bool = False, device_map: Any = None) -> Any:
    """A causal LM from a folder or id; ``load_in_4bit`` quantizes its linear layers with bitsandbytes (NF4).

    With ``load_in_4bit``, ``dtype`` is the compute dtype (bf16 unless given; fp32 suits a CPU) and
    the weights that stay unquantized (embeddings, norms, head) are held in it.
    """
    import torch
    from transformers import AutoModelForCausalLM

    kw: dict[str, Any] = {"dtype": dtype or torch.float32}
    if load_in_4bit:
        import_bitsandbytes()  # before any download: a missing package is a one-line error
        from transformers import BitsAndBytesConfig

        import panza.models.rosa_4bit  # noqa: F401 (RoSA's sparse delta over these layers: QRoSA)

        compute = dtype or torch.bfloat16
        kw["dtype"] = compute
        kw["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_compute_dtype=compute, bnb_4bit_quant_type="nf4",
            bnb_4bit_use_double_quant=True)
        kw["device_map"] = device_map or "auto"
    try:
        model = AutoModelForCausalLM.from_pretrained(path, **kw)
    except (OSError, ValueError, ImportError) as e:
        raise PanzaError(f"cannot load model {path}: {str(e).splitlines()[0]}") from None
    for mod in model.modules():
        # bitsandbytes repacks a CPU 4-bit weight for its inference kernel on the first no-grad eval
        # call (AVX512-BF16 CPUs); that kernel has no backward, so training after an evaluation (and
        # dequantize_4bit, which RoSA's 4-bit layers use) would read the repacked weight wrongly
        if hasattr(mod, "support_avx512bf16_for_cpu"):
            mod.support_avx512bf16_for_cpu = False
    return model


def import_bitsandbytes() -> Any:
    """``bitsandbytes``, or a one-line error saying how to get it (imported only when 4-bit is asked for)."""
    import importlib.util
    import logging

    if importlib.util.find_spec("bitsandbytes") is None:
        raise PanzaError("4-bit loading needs bitsandbytes: pip install bitsandbytes (or pip install "
                         "'panza[ml]'), or use finetuning.precision=bf16")
    # its CPU backend warns on import that an optional kernel package (`kernels`) is missing: it falls back
    logging.getLogger("bitsandbytes.backends.cpu.ops").setLevel(logging.ERROR)
    import bitsandbytes

    return bitsandbytes


def adapter_base(checkpoint: Checkpoint, fallback: str | None = None) -> str:
    """The base model an adapter was trained on, or ``fallback`` when that one is not available here."""
    base = checkpoint.base
    if not base or (looks_like_path(base) and not Path(base).expanduser().exists()):
        base = fallback or "embedded"  # adapters trained elsewhere: fall back to the configured model
    return str(base)


def load_adapter(model: Any, checkpoint: Checkpoint, base_name: str) -> Any:
    """``model`` (a loaded base) wrapped with the LoRA or RoSA adapter of ``checkpoint``, eval mode."""
    if checkpoint.kind == "rosa":
        from panza.models.rosa_format import apply_rosa_adapter

        return apply_rosa_adapter(model, checkpoint.path, base_name)
    if checkpoint.kind != "lora":
        raise PanzaError(f"{checkpoint.path} holds no adapter (adapter_config.json or rosa_config.json); "
                         "pass a run directory printed by `panza train`")
    from peft import PeftModel

    try:
        with quiet_peft():
            peft_model = PeftModel.from_pretrained(model, str(checkpoint.path))
    except (OSError, ValueError, RuntimeError, KeyError) as e:
        raise PanzaError(f"the adapter in {checkpoint.path} does not fit base {base_name} "
                         f"({str(e).splitlines()[0][:120]}); pass the base it was trained on") from None
    peft_model.eval()
    return peft_model


def load_adapted(checkpoint: Checkpoint | Path | str, *, base: str | None = None,
                 cache_dir: Path | str | None = None, dtype: Any = None, load_in_4bit: bool = False) -> Any:
    """Base model + the checkpoint's adapter, unmerged, in eval mode (``base`` overrides the recorded one)."""
    if not isinstance(checkpoint, Checkpoint):
        checkpoint = Checkpoint.from_path(checkpoint)
    if checkpoint.kind == "hf":
        raise PanzaError(f"{checkpoint.path} is a fully fine-tuned model, not an adapter: there is nothing to "
                         "merge; serve it directly (writer/llm=transformers checkpoint=…)")
    base_name = str(base or adapter_base(checkpoint))
    model = load_causal_lm(model_path(base_name, cache_dir, key="the adapter's base model"), dtype=dtype,
                           load_in_4bit=load_in_4bit)
    return load_adapter(model, checkpoint, base_name)
