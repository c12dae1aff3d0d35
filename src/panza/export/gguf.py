"""``panza export gguf``: a trained model as one GGUF file that llama.cpp and Ollama run fast on a CPU.

Why our own converter: llama.cpp's ``convert_hf_to_gguf.py`` lives only in a llama.cpp checkout. The
``gguf`` package has everything it needs (writer, tensor-name maps, special-token and merge
loading), so the conversion below is a thin adapter over it for the Llama family (SmolLM2, Llama 3,
Mistral) and Qwen2; quantization is llama.cpp's own quantizer through llama-cpp-python.

Every file is written beside its destination under a hidden ``.tmp`` name and renamed into place,
so an interrupted export or a full disk never leaves a GGUF a reader would pick up.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import math
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from panza.errors import PanzaError
from panza.models.checkpoint import GGUF_MANIFEST as MANIFEST
from panza.models.quantize import llama_quantize

log = logging.getLogger(__name__)

QUANTS = ("f16", "q8_0", "q4_k_m", "q4_0", "iq4_nl")


@dataclass(frozen=True)
class _Arch:
    gguf_name: str       # gguf.MODEL_ARCH member name
    permute_qk: bool     # HF stores q/k for rotate-half RoPE; llama.cpp's LLAMA wants interleaved rows


# Hugging Face architecture -> how it is written. Anything else is refused with its name.
ARCHS: dict[str, _Arch] = {
    "LlamaForCausalLM": _Arch("LLAMA", True),
    "MistralForCausalLM": _Arch("LLAMA", True),
    "Qwen2ForCausalLM": _Arch("QWEN2", False),
}


def supported_architectures() -> list[str]:
    return sorted(ARCHS)


def _file_type(quant: str) -> int:
    import gguf

    types = {"f16": gguf.LlamaFileType.MOSTLY_F16, "q8_0": gguf.LlamaFileType.MOSTLY_Q8_0,
             "q4_k_m": gguf.LlamaFileType.MOSTLY_Q4_K_M, "q4_0": gguf.LlamaFileType.MOSTLY_Q4_0,
             "iq4_nl": gguf.LlamaFileType.MOSTLY_IQ4_NL}
    key = str(quant).lower()
    if key not in types:
        raise PanzaError(f"unknown quantization {quant!r}; choose export.quant= one of {', '.join(QUANTS)}")
    return int(types[key])


# --------------------------------------------------------------------------- model reading


def read_config(model_dir: Path) -> dict[str, Any]:
    """The model's ``config.json``; a one-line error when the folder is not a Hugging Face model."""
    conf = model_dir / "config.json"
    if not conf.is_file():
        raise PanzaError(f"{model_dir} is not a Hugging Face model folder (no config.json); pass a run "
                         "directory printed by `panza train` or a merged model folder")
    try:
        cfg = json.loads(conf.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise PanzaError(f"{conf} is not valid JSON ({e}); re-run `panza train` or `panza merge`") from None
    return cfg.get("text_config", cfg) if "architectures" not in cfg else cfg


def architecture(cfg: dict[str, Any], where: Path) -> tuple[str, _Arch]:
    names = cfg.get("architectures") or []
    name = str(names[0]) if names else str(cfg.get("model_type") or "unknown")
    if name not in ARCHS:
        raise PanzaError(f"{where}: architecture {name} cannot be exported to GGUF yet; supported: "
                         f"{', '.join(supported_architectures())}")
    return name, ARCHS[name]


def _weight_files(model_dir: Path) -> list[Path]:
    files = sorted(model_dir.glob("*.safetensors"))
    if not files:
        raise PanzaError(f"{model_dir} has no *.safetensors weights; save the model with "
                         "safe_serialization (what `panza train` and `panza merge` write)")
    return files


@contextlib.contextmanager
def _open_weights(model_dir: Path) -> Iterator[dict[str, Any]]:
    """name -> safetensors handle, kept open so tensors are read one at a time (flat memory)."""
    from safetensors import safe_open

    with contextlib.ExitStack() as stack:
        where: dict[str, Any] = {}
        for f in _weight_files(model_dir):
            try:
                h = stack.enter_context(safe_open(str(f), framework="pt"))
            except Exception as e:  # safetensors raises its own error types for a damaged file
                raise PanzaError(f"{f} is not a readable safetensors file ({str(e)[:120]}); "
                                 "re-run `panza train` or `panza merge`") from None
            for k in h.keys():  # noqa: SIM118 - a safetensors handle is not a dict
                where[k] = h
        yield where


# --------------------------------------------------------------------------- hyper-parameters


def _rope(cfg: dict[str, Any]) -> tuple[float, dict[str, Any] | None]:
    """RoPE base and scaling, from either the transformers 4 keys or transformers 5 ``rope_parameters``."""
    params = cfg.get("rope_parameters") or {}
    theta = float(cfg.get("rope_theta") or params.get("rope_theta") or 10000.0)
    scaling = cfg.get("rope_scaling") or (params if params.get("rope_type", "default") != "default" else None)
    return theta, scaling


def head_dim(cfg: dict[str, Any]) -> int:
    return int(cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"])


def llama3_rope_factors(cfg: dict[str, Any]) -> Any:
    """Llama 3.1's per-frequency RoPE scaling as the ``rope_freqs`` tensor llama.cpp multiplies in."""
    import numpy as np

    theta, sc = _rope(cfg)
    assert sc is not None
    dim = head_dim(cfg)
    factor, low, high = float(sc["factor"]), float(sc["low_freq_factor"]), float(sc["high_freq_factor"])
    old_ctx = float(sc["original_max_position_embeddings"])
    out = []
    for i in range(0, dim, 2):
        wavelen = 2 * math.pi * theta ** (i / dim)
        if wavelen < old_ctx / high:
            out.append(1.0)
        elif wavelen > old_ctx / low:
            out.append(factor)
        else:
            smooth = (old_ctx / wavelen - low) / (high - low)
            out.append(1.0 / ((1 - smooth) / factor + smooth))
    return np.asarray(out, dtype=np.float32)


def _add_hparams(w: Any, cfg: dict[str, Any], name: str, ftype: int, where: Path) -> Any:
    """Write the architecture keys; returns the extra ``rope_freqs`` tensor when one is needed."""
    import gguf

    w.add_name(name)
    w.add_file_type(ftype)
    w.add_quantization_version(gguf.GGML_QUANT_VERSION)
    w.add_context_length(int(cfg.get("max_position_embeddings") or 2048))
    w.add_embedding_length(int(cfg["hidden_size"]))
    w.add_feed_forward_length(int(cfg["intermediate_size"]))
    w.add_block_count(int(cfg["num_hidden_layers"]))
    w.add_head_count(int(cfg["num_attention_heads"]))
    w.add_head_count_kv(int(cfg.get("num_key_value_heads") or cfg["num_attention_heads"]))
    w.add_layer_norm_rms_eps(float(cfg.get("rms_norm_eps") or 1e-6))
    w.add_vocab_size(int(cfg["vocab_size"]))
    w.add_rope_dimension_count(head_dim(cfg))
    theta, scaling = _rope(cfg)
    w.add_rope_freq_base(theta)
    if not scaling:
        return None
    kind = str(scaling.get("rope_type") or scaling.get("type") or "")
    if kind == "linear":
        w.add_rope_scaling_type(gguf.RopeScalingType.LINEAR)
        w.add_rope_scaling_factor(float(scaling["factor"]))
        return None
    if kind == "llama3":
        return llama3_rope_factors(cfg)
    raise PanzaError(f"{where}: RoPE scaling {kind!r} cannot be exported to GGUF yet (linear and llama3 can)")


# --------------------------------------------------------------------------- tokenizer


def _pre_tokenizer(tok_json: dict[str, Any], where: Path) -> str:
    """llama.cpp's name for the BPE pre-tokenizer, recognised from its definition in tokenizer.json.

    Why by structure: llama.cpp hard-codes each model's split rules under a name, so the GGUF must
    say which rules the model was trained with; reading them is more direct than fingerprinting.
    """
    pre = tok_json.get("pre_tokenizer") or {}
    parts = pre.get("pretokenizers", [pre]) if pre.get("type") == "Sequence" else [pre]
    types = [p.get("type") for p in parts]
    patterns = " ".join(str((p.get("pattern") or {}).get("Regex", "")) for p in parts if p.get("type") == "Split")
    if types == ["Digits", "ByteLevel"] and parts[0].get("individual_digits"):
        return "smollm"
    if "\\p{N}{1,3}" in patterns and "(?i:'s|'t|'re|'ve|'m|'ll|'d)" in patterns:
        return "llama-bpe"
    if "\\p{N}|" in patterns.replace("\\p{N}{1,3}", "") and "(?i:'s|'t|'re|'ve|'m|'ll|'d)" in patterns:
        return "qwen2"
    if types == ["ByteLevel"]:
        return "gpt-2"
    raise PanzaError(f"{where}: the tokenizer's pre-tokenizer ({'+'.join(map(str, types))}) is not one "
                     "llama.cpp names here (smollm, llama-bpe, qwen2, gpt-2); it cannot be exported yet")


def _looks_special(text: str) -> bool:
    return (text.startswith("<|") and text.endswith("|>")) or text in ("<pad>", "<mask>")


def _add_bpe_vocab(w: Any, model_dir: Path, tok_json: dict[str, Any], n_vocab: int) -> None:
    """GPT-2 style byte-level BPE (SmolLM2, Llama 3, Qwen2): tokens, their types and the merges."""
    import gguf
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(model_dir))
    vocab = tok.get_vocab()
    rev = {i: t for t, i in vocab.items()}
    added = tok.added_tokens_decoder
    tokens: list[str] = []
    types: list[int] = []
    for i in range(n_vocab):
        t = rev.get(i)
        if t is None:
            tokens.append(f"[PAD{i}]")
            types.append(gguf.TokenType.UNUSED)
        elif i in added and (added[i].special or _looks_special(t)):
            tokens.append(t)
            types.append(gguf.TokenType.CONTROL)
        elif i in added:
            tokens.append(t.replace("\u2581", " "))
            types.append(gguf.TokenType.USER_DEFINED)
        else:
            tokens.append(t)
            types.append(gguf.TokenType.NORMAL)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre(_pre_tokenizer(tok_json, model_dir))
    w.add_token_list(tokens)
    w.add_token_types(types)
    gguf.SpecialVocab(model_dir, load_merges=True, n_vocab=n_vocab).add_to_gguf(w, quiet=True)


def _add_spm_vocab(w: Any, model_dir: Path, n_vocab: int) -> None:
    """SentencePiece-style BPE with byte fallback (Mistral, Llama 2) from its tokenizer.json."""
    import gguf

    v = gguf.LlamaHfVocab(model_dir)
    tokens, scores, types = [], [], []
    for text, score, typ in v.all_tokens():
        tokens.append(text)
        scores.append(score)
        types.append(typ)
    while len(tokens) < n_vocab:
        tokens.append(f"[PAD{len(tokens)}]".encode())
        scores.append(-1000.0)
        types.append(gguf.TokenType.UNUSED)
    w.add_tokenizer_model("llama")
    w.add_tokenizer_pre("default")
    w.add_token_list(tokens)
    w.add_token_scores(scores)
    w.add_token_types(types)
    gguf.SpecialVocab(model_dir, n_vocab=len(tokens)).add_to_gguf(w, quiet=True)


def _add_vocab(w: Any, model_dir: Path, n_vocab: int) -> None:
    path = model_dir / "tokenizer.json"
    if not path.is_file():
        raise PanzaError(f"{model_dir} has no tokenizer.json; the run directory must hold the tokenizer "
                         "(`panza train` saves it)")
    tok_json = json.loads(path.read_text(encoding="utf-8"))
    model = tok_json.get("model") or {}
    if model.get("type") == "BPE" and model.get("byte_fallback"):
        _add_spm_vocab(w, model_dir, n_vocab)
    elif model.get("type") == "BPE":
        _add_bpe_vocab(w, model_dir, tok_json, n_vocab)
    else:
        raise PanzaError(f"{path}: tokenizer type {model.get('type')!r} cannot be exported to GGUF yet "
                         "(byte-level BPE and SentencePiece-style BPE can)")


# --------------------------------------------------------------------------- tensors


def permute_qk(w: Any, n_head: int) -> Any:
    """Reorder q/k rows from rotate-half RoPE (HF) to llama.cpp's interleaved pairs."""
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def _tensor_plan(cfg: dict[str, Any], arch: _Arch, names: list[str], where: Path) -> list[tuple[str, str]]:
    """(gguf name, HF name) for every tensor to write, in file order; unknown tensors are an error."""
    import gguf

    tmap = gguf.get_tensor_name_map(getattr(gguf.MODEL_ARCH, arch.gguf_name), int(cfg["num_hidden_layers"]))
    tied = bool(cfg.get("tie_word_embeddings", False))
    plan = []
    for hf in names:
        if hf.endswith("rotary_emb.inv_freq") or (tied and hf == "lm_head.weight"):
            continue
        g = tmap.get_name(hf, try_suffixes=(".weight", ".bias"))
        if g is None:
            raise PanzaError(f"{where}: tensor {hf} has no GGUF name for this architecture; the model has "
                             "layers llama.cpp's version of it does not")
        plan.append((g, hf))
    if not tied and "lm_head.weight" not in names:
        raise PanzaError(f"{where}: lm_head.weight is missing and the embeddings are not tied; the weights "
                         "are incomplete")
    return plan


def _load(handle: Any, hf: str, cfg: dict[str, Any], arch: _Arch) -> Any:
    """One tensor as numpy: f32 for 1-D (norms, biases), f16 otherwise, q/k permuted where needed."""
    import numpy as np
    import torch

    t = handle.get_tensor(hf).to(torch.float32).numpy()
    if arch.permute_qk and hf.endswith("q_proj.weight"):
        t = permute_qk(t, int(cfg["num_attention_heads"]))
    elif arch.permute_qk and hf.endswith("k_proj.weight"):
        t = permute_qk(t, int(cfg.get("num_key_value_heads") or cfg["num_attention_heads"]))
    return np.ascontiguousarray(t if t.ndim <= 1 else t.astype(np.float16))


def _write_f16(model_dir: Path, out: Path, name: str) -> None:
    """Stream the model into an F16 GGUF at ``out``: metadata, then tensors one by one."""
    import gguf
    import numpy as np

    cfg = read_config(model_dir)
    _, arch = architecture(cfg, model_dir)
    w = gguf.GGUFWriter(str(out), gguf.MODEL_ARCH_NAMES[getattr(gguf.MODEL_ARCH, arch.gguf_name)])
    try:
        rope_freqs = _add_hparams(w, cfg, name, int(gguf.LlamaFileType.MOSTLY_F16), model_dir)
        _add_vocab(w, model_dir, int(cfg["vocab_size"]))
        with _open_weights(model_dir) as where:
            plan = _tensor_plan(cfg, arch, list(where), model_dir)
            infos = []
            if rope_freqs is not None:
                infos.append(("rope_freqs.weight", rope_freqs.shape, np.dtype(np.float32), rope_freqs.nbytes))
            for g, hf in plan:
                shape = tuple(where[hf].get_slice(hf).get_shape())
                dt = np.dtype(np.float32 if len(shape) <= 1 else np.float16)
                infos.append((g, shape, dt, int(np.prod(shape)) * dt.itemsize))
            for g, shape, dt, nbytes in infos:
                w.add_tensor_info(g, shape, dt, nbytes)
            w.write_header_to_file()
            w.write_kv_data_to_file()
            w.write_ti_data_to_file()
            if rope_freqs is not None:
                w.write_tensor_data(rope_freqs)
            for _, hf in plan:
                w.write_tensor_data(_load(where[hf], hf, cfg, arch))
    finally:
        w.close()


# --------------------------------------------------------------------------- quantization


def quantize(src: Path, dst: Path, quant: str, *, threads: int | None = None) -> Path:
    """Quantize a GGUF with llama.cpp's own quantizer (the code behind ``llama-quantize``)."""
    return llama_quantize(src, dst, _file_type(quant), quant, threads=threads)


@contextlib.contextmanager
def no_extra_buffers() -> Iterator[None]:
    """Load llama.cpp models without its extra CPU buffer types (AMX, weight repacking) meanwhile.

    Why: on some virtual machines (seen on a Firecracker guest whose CPU reports AMX) llama.cpp's
    AMX kernels die with SIGILL on q8_0 / q4_k_m weights, killing the whole process; F16 and the
    embedded Q4_1 file are not affected. llama-cpp-python offers no switch, so the default model
    parameters it starts from are wrapped while a model is loaded inside this block.
    """
    import llama_cpp.llama_cpp as native

    orig = native.llama_model_default_params

    def params() -> Any:
        p = orig()
        p.use_extra_bufts = False
        return p

    native.llama_model_default_params = params
    try:
        yield
    finally:
        native.llama_model_default_params = orig


# --------------------------------------------------------------------------- public API


def estimate_bytes(model_dir: Path, quant: str) -> int:
    """About how large the GGUF will be (F16: 2 bytes a weight; q8_0 ~1.07; 4-bit ~0.6).

    q4_k_m is larger on models whose rows are not a multiple of 256 (SmolLM2's 576): llama.cpp falls
    back to q5_0 for those tensors, which also makes it slower there than q4_0 / iq4_nl.
    """
    per = {"f16": 2.0, "q8_0": 1.07, "q4_k_m": 0.8, "q4_0": 0.6, "iq4_nl": 0.6}[quant]
    n = sum(f.stat().st_size for f in _weight_files(model_dir)) / 4  # float32 on disk: 4 bytes a weight
    return int(n * per) + (1 << 20)


def _check_space(directory: Path, need: int) -> None:
    free = shutil.disk_usage(directory).free
    if free < need:
        raise PanzaError(f"not enough disk space in {directory}: the export needs about {need >> 20} MiB, "
                         f"{free >> 20} MiB are free; free some space or pass export.out=<other folder>")


def _disk_error(e: OSError, out: Path, need: int) -> PanzaError:
    if e.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        return PanzaError(f"the disk filled up while writing {out} (about {need >> 20} MiB needed): nothing "
                          "was kept; free some space or pass export.out=<other folder>")
    return PanzaError(f"writing {out} failed ({e.strerror or e}); nothing was kept")


def clean_stale(directory: Path) -> None:
    """Remove temporary files an earlier, killed export left behind (they are never read)."""
    for p in directory.glob(".*.gguf.*.tmp"):
        with contextlib.suppress(OSError):
            p.unlink()


def convert_to_gguf(model_dir: Path, out_file: Path, *, quant: str = "f16", name: str | None = None) -> Path:
    """Convert a Hugging Face model folder into one GGUF file (``quant``: one of QUANTS)."""
    model_dir, out_file = Path(model_dir), Path(out_file)
    quant = str(quant).lower()
    _file_type(quant)
    architecture(read_config(model_dir), model_dir)
    out_file.parent.mkdir(parents=True, exist_ok=True)
    need = estimate_bytes(model_dir, "f16") + (estimate_bytes(model_dir, quant) if quant != "f16" else 0)
    _check_space(out_file.parent, need)
    tmps: list[Path] = []

    def tmp() -> Path:
        fd, p = tempfile.mkstemp(prefix=f".{out_file.name}.", suffix=".tmp", dir=out_file.parent)
        os.close(fd)
        tmps.append(Path(p))
        return Path(p)

    try:
        f16 = tmp()
        _write_f16(model_dir, f16, name or model_dir.name)
        final = f16
        if quant != "f16":
            final = quantize(f16, tmp(), quant)
        with open(final, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(final, out_file)
    except OSError as e:
        raise _disk_error(e, out_file, need) from None
    finally:
        for p in tmps:
            with contextlib.suppress(FileNotFoundError):
                p.unlink()
    log.info("wrote %s (%s, %.1f MiB)", out_file, quant, out_file.stat().st_size / 2**20)
    return out_file


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# --------------------------------------------------------------------------- export a run



def _out_file(run_dir: Path, out: Path | str | None, quant: str) -> Path:
    name = f"model-{quant}.gguf"
    if not out:
        return run_dir / name
    p = Path(str(out)).expanduser()
    return p if p.suffix == ".gguf" else p / name


def _provenance(run_dir: Path) -> dict[str, Any]:
    from panza.models.checkpoint import read_metrics

    m = read_metrics(run_dir)
    base = m.get("model") or m.get("base_model")
    conf = run_dir / "adapter_config.json"
    if not base and conf.is_file():
        base = json.loads(conf.read_text(encoding="utf-8")).get("base_model_name_or_path")
    method = m.get("method") or ("lora" if conf.is_file() else "full")
    return {"base": str(base) if base else None, "method": str(method)}


def write_manifest(run_dir: Path, entry: dict[str, Any]) -> Path:
    """Add ``entry`` (keyed by its file name) to the run's manifest, atomically."""
    from panza.jsonl import atomic_open

    path = run_dir / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (OSError, ValueError):
        data = {}  # a damaged manifest is rebuilt rather than blocking the export
    exports = data.get("exports") if isinstance(data.get("exports"), dict) else {}
    exports[entry["file"]] = entry
    with atomic_open(path) as fh:
        json.dump({"exports": exports}, fh, indent=2)
        fh.write("\n")
    return path


@contextlib.contextmanager
def _hf_model(run_dir: Path, base: str | None, cache_dir: Path | str | None) -> Iterator[Path]:
    """The run as a plain Hugging Face folder: itself, or its adapter merged into a temporary folder."""
    from panza.models.checkpoint import Checkpoint

    kind = Checkpoint.from_path(run_dir).kind
    if kind == "gguf":
        raise PanzaError(f"{run_dir} is already a GGUF model; pass the run directory printed by `panza train`")
    if kind == "hf":
        if not any(run_dir.glob("*.safetensors")):
            raise PanzaError(f"{run_dir} holds no model weights (*.safetensors); pass a run directory printed "
                             "by `panza train`")
        yield run_dir
        return
    from panza.export.merge import merge

    tmp = Path(tempfile.mkdtemp(prefix=".export-merged.", dir=run_dir))
    try:
        yield merge(run_dir, tmp / "merged", base=base, cache_dir=cache_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def export_gguf(run_dir: Path, *, quant: str = "f16", out: Path | str | None = None,
                cache_dir: Path | str | None = None, base: str | None = None,
                sampling: dict[str, Any] | None = None, ollama_name: str | None = None,
                ollama_create: bool | None = None) -> dict[str, Any]:
    """Merge (if an adapter), convert, quantize; manifest into the run dir, Modelfile beside the GGUF.

    Returns the manifest entry plus ``path``, ``modelfile`` and ``ollama_command``; ``ollama_created``
    says whether ``ollama create`` ran (``ollama_create=None``: when an ``ollama`` binary is on PATH).
    """
    from transformers import AutoTokenizer

    from panza.export import ollama

    run_dir = Path(run_dir)
    quant = str(quant).lower()
    _file_type(quant)
    out_file = _out_file(run_dir, out, quant)
    out_file.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(out_file.parent)
    prov = _provenance(run_dir)
    with _hf_model(run_dir, base, cache_dir) as model_dir:
        convert_to_gguf(model_dir, out_file, quant=quant, name=run_dir.name)
        tok = AutoTokenizer.from_pretrained(str(model_dir))
    modelfile = ollama.write_modelfile(out_file, out_file.parent, sampling=dict(sampling or {}), tokenizer=tok)
    name = ollama.ollama_name(ollama_name or f"panza-{run_dir.name}-{quant}")
    entry = {"file": out_file.name, "path": str(out_file), "quant": quant, **prov,
             "sha256": sha256(out_file), "bytes": out_file.stat().st_size, "modelfile": modelfile.name,
             "ollama_name": name}
    write_manifest(run_dir, entry)
    created = False
    if ollama_create is not False:
        created = ollama.ollama_create(name, modelfile)
    return {**entry, "modelfile": str(modelfile), "ollama_created": created,
            "ollama_command": " ".join(ollama.create_command(name, modelfile))}


def run(checkpoint: Any, cfg: Any) -> Path:
    """The ``gguf`` step of ``panza export``: ``export.quant``, ``export.out``; returns the GGUF path."""
    import sys

    from omegaconf import OmegaConf

    from panza.config import cache_dir, parse_bool

    if checkpoint.path.is_file():
        raise PanzaError(f"{checkpoint.path} is already a GGUF file; pass the run directory printed by `panza train`")
    run_dir = checkpoint.path
    ex = cfg.get("export") or {}
    sampling = OmegaConf.to_container(cfg.writer.llm.sampling, resolve=True) if cfg.get("writer") else {}
    create = parse_bool(ex.get("ollama_create", "auto"))
    res = export_gguf(run_dir, quant=str(ex.get("quant") or "f16"), out=ex.get("out") or None,
                      cache_dir=cache_dir(cfg), base=ex.get("base") or None, sampling=sampling,  # type: ignore[arg-type]
                      ollama_name=ex.get("ollama_name") or None, ollama_create=create)
    print(f"manifest: {run_dir / MANIFEST} (sha256 {res['sha256'][:16]}…)", file=sys.stderr)
    print(f"Modelfile: {res['modelfile']}", file=sys.stderr)
    if res["ollama_created"]:
        print(f"created Ollama model {res['ollama_name']}: panza run writer/llm=ollama "
              f"writer.llm.model={res['ollama_name']} writer.llm.create_model=false", file=sys.stderr)
    else:
        print(f"no `ollama` on PATH; to serve it with Ollama run: {res['ollama_command']}", file=sys.stderr)
    return Path(res["path"])
