"""``panza train``: fine-tune the base model on the prepared emails (LoRA, RoSA or full).

A plain PyTorch loop rather than a framework trainer, because Panza needs things those make hard:
the loss only on the email tokens with the output head applied only there (most tokens are prompt),
length-bucketed batches (no compute on padding), RAFT re-sampling per epoch, exact resume after a
kill, and RoSA's mask warm-up. Progress and logs go to stderr; the last line on stdout is the run
directory (a stable contract for scripts).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import random
import resource
import signal
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from panza.errors import PanzaError
from panza.train import runs
from panza.train.options import TrainOptions, from_config

log = logging.getLogger(__name__)

MIN_EMAILS = 50


def main(cfg: Any) -> int:
    """CLI entry: train, then print the run directory as the last line of stdout."""
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    run_dir = train(cfg)
    print(run_dir, flush=True)
    return 0


# ---- setup helpers --------------------------------------------------------------------------------

def physical_cores() -> int:
    try:
        import psutil

        n = psutil.cpu_count(logical=False)
    except ImportError:  # pragma: no cover - psutil is a dependency
        n = None
    return max(1, n or os.cpu_count() or 1)


def release_freed_memory() -> None:
    """Hand the allocator's free pages back to the OS (glibc ``malloc_trim``; no-op elsewhere).

    Why: glibc keeps the pages of freed activations resident, so between steps the process held
    its whole peak (2.9 GB in a LoRA probe on SmolLM2-135M); trimmed it holds ~1 GB. This lowers
    the resident memory between steps, not the peak within one.
    """
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def _load_libc() -> Any:
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:  # pragma: no cover - not glibc
        return None


_LIBC = _load_libc()


def preallocate_training_state(groups: list[dict[str, Any]], optimizer: Any) -> None:
    """Allocate gradients and AdamW moments before the first forward pass, once.

    Why: allocated lazily, these hundreds of small long-lived buffers land in the holes freed
    activations leave in the heap and pin it, so the next forward pass grows the process instead
    of reusing that memory (a LoRA probe on SmolLM2-135M: peak 3295 -> 2925 MB). The values are
    exactly what AdamW would create itself (zeros, step 0).
    """
    import torch

    for g in groups:
        if _lazy(g):
            continue
        for p in g["params"]:
            p.grad = torch.zeros_like(p)
            st = optimizer.state[p]
            if not st:
                st["step"] = torch.tensor(0.0, dtype=torch.float32)
                st["exp_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                st["exp_avg_sq"] = torch.zeros_like(p, memory_format=torch.preserve_format)


def _lazy(group: dict[str, Any]) -> bool:
    """RoSA's sparse values change size when the mask is chosen, so their state stays lazy."""
    return group.get("name") == "sparse"


def zero_grads(groups: list[dict[str, Any]]) -> None:
    """Zero the preallocated gradients in place; lazy groups' gradients are dropped instead."""
    for g in groups:
        for p in g["params"]:
            if _lazy(g):
                p.grad = None
            elif p.grad is not None:
                p.grad.zero_()


def peak_rss_mb() -> float:
    """Peak resident memory of this process in MiB (``ru_maxrss`` is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _sha1_file(path: Path) -> str:
    h = hashlib.sha1()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass
class Prepared:
    """Tokenized training material: per record a plain and (RAFT) a with-RAG variant."""

    plain: list[Any]
    with_rag: list[Any | None]
    test: list[Any]
    stats: Any
    test_stats: Any


def prepare_examples(cfg: Any, opts: TrainOptions, tokenizer: Any) -> Prepared:
    """Read train/test/raft JSONL from the data dir and tokenize with the inference prompt builder."""
    from panza.config import data_dir
    from panza.jsonl import read_jsonl
    from panza.train.data import BuildStats, build_example, load_raft, load_records
    from panza.write.prompting import build_messages, load_preambles

    ddir = data_dir(cfg)
    train_path = ddir / "train.jsonl"
    if not train_path.is_file():
        raise PanzaError(f"no training data: {train_path} not found; run `panza prepare` first or pass "
                         "--data <prepared folder>")
    stats = BuildStats()
    records = load_records(train_path, stats)
    if not records:
        raise PanzaError(f"{train_path} has no usable training examples (need 'summary' and 'email' in each "
                         "record); run `panza prepare` again")
    if len(records) < MIN_EMAILS:
        log.warning("only %d training emails in %s: the tuning guide recommends 128-1000; expect a weak "
                    "style match (add more sent mail and run `panza prepare` again)", len(records), train_path)
    pre = load_preambles(cfg)
    related: list[list[str]] = [[] for _ in records]
    if opts.rag_enabled:
        raft = ddir / "raft.jsonl"
        if not raft.is_file():
            log.warning("rag.enabled=true but %s is missing: training without RAG context (run `panza "
                        "prepare` with the index enabled to create it)", raft)
        else:
            pool = {str(r["message_id"]): r["email"] for r in records if r.get("message_id") is not None}
            test_path = ddir / "test.jsonl"
            if test_path.is_file():
                for r in read_jsonl(test_path):
                    if r.get("message_id") is not None and isinstance(r.get("email"), str):
                        pool.setdefault(str(r["message_id"]), r["email"])
            related = load_raft(raft, records, pool, opts.rag_num_emails)
    plain, with_rag = [], []
    for i, r in enumerate(records):
        ex = build_example(tokenizer, build_messages, pre, r["summary"], r["email"], thread=r["thread"],
                           max_len=opts.max_seq_len, record=i, stats=stats)
        if ex is None:
            continue
        rag_ex = None
        if related[i]:
            rag_ex = build_example(tokenizer, build_messages, pre, r["summary"], r["email"],
                                   rag_emails=related[i], thread=r["thread"], max_len=opts.max_seq_len,
                                   record=i, stats=stats)
        plain.append(ex)
        with_rag.append(rag_ex)
    stats.used = len(plain)
    if not plain:
        raise PanzaError(f"every training email is longer than finetuning.max_seq_len={opts.max_seq_len} "
                         "tokens; raise it")
    test_stats = BuildStats()
    test: list[Any] = []
    test_path = ddir / "test.jsonl"
    if test_path.is_file():
        for i, r in enumerate(load_records(test_path, test_stats)):
            ex = build_example(tokenizer, build_messages, pre, r["summary"], r["email"], thread=r["thread"],
                               max_len=opts.max_seq_len, record=i, stats=test_stats)
            if ex is not None:
                test.append(ex)
        test_stats.used = len(test)
    return Prepared(plain, with_rag, test, stats, test_stats)


def epoch_examples(prep: Prepared, opts: TrainOptions, epoch: int) -> list[Any]:
    """This epoch's examples: each uses its RAG variant with probability ``rag.prob`` (RAFT)."""
    rng = random.Random(f"{opts.seed}-raft-{epoch}")
    out = []
    for ex, rag_ex in zip(prep.plain, prep.with_rag, strict=True):
        use = rag_ex is not None and rng.random() < opts.rag_prob
        out.append(rag_ex if use else ex)
    return out


def epoch_steps(examples: list[Any], opts: TrainOptions, epoch: int) -> list[list[list[int]]]:
    """Optimizer steps of this epoch, each a list of micro-batches (lists of example indices)."""
    from panza.train.data import length_batches

    rng = random.Random(f"{opts.seed}-order-{epoch}")
    lengths = [len(e.input_ids) for e in examples]
    batches = length_batches(lengths, opts.batch_size, rng)
    ga = opts.gradient_accumulation
    return [[mb for b in batches[i:i + ga] for mb in split_by_tokens(b, lengths, opts.micro_batch_tokens)]
            for i in range(0, len(batches), ga)]


def split_by_tokens(batch: list[int], lengths: list[int], budget: int) -> list[list[int]]:
    """Split a batch into forward passes of at most ``budget`` padded tokens (one example at least).

    Why: without gradient checkpointing, activation memory grows with the tokens of one forward
    pass; bounding them keeps memory flat while the optimizer still sees the whole batch (the
    gradients of the passes add up, and the loss is normalised over the whole step).
    """
    if budget <= 0:
        return [batch]
    out: list[list[int]] = []
    cur: list[int] = []
    for i in sorted(batch, key=lambda j: lengths[j]):
        if cur and lengths[i] * (len(cur) + 1) > budget:  # ascending: the newest example sets the width
            out.append(cur)
            cur = []
        cur.append(i)
    out.append(cur)
    return out


def use_checkpointing(opts: TrainOptions, device: Any) -> bool:
    """``auto``: on a GPU (memory is the limit there), off on CPU (about 2x faster; memory stays
    bounded by ``micro_batch_tokens``)."""
    return opts.gradient_checkpointing == "true" or (opts.gradient_checkpointing == "auto" and device.type == "cuda")


def checkpoint_long_passes(opts: TrainOptions, device: Any) -> bool:
    """Whether passes over ``micro_batch_tokens`` (one example longer than the budget) are checkpointed.

    Why: a pass is split at example boundaries, so a single long email (up to ``max_seq_len``)
    would still keep all its activations; recomputing just those passes keeps the peak at the
    budget's for ~1.3x the time of those passes only.
    """
    return opts.gradient_checkpointing == "auto" and not use_checkpointing(opts, device) and opts.micro_batch_tokens > 0


def set_checkpointing(model: Any, on: bool) -> None:
    """Switch prepared activation checkpointing on or off for the next forward pass."""
    for mod in model.modules():
        if hasattr(mod, "gradient_checkpointing") and hasattr(mod, "_gradient_checkpointing_func"):
            mod.gradient_checkpointing = on


# ---- model ----------------------------------------------------------------------------------------

def load_tokenizer(path: str, model_name: str) -> Any:
    from transformers import AutoTokenizer

    from panza.train.data import check_chat_template

    try:
        tok = AutoTokenizer.from_pretrained(path)
    except (OSError, ValueError) as e:
        raise PanzaError(f"cannot load the tokenizer of {model_name}: {str(e).splitlines()[0]}") from None
    check_chat_template(tok, model_name)
    if tok.pad_token_id is None:
        tok.pad_token = tok.eos_token
    return tok


def build_model(path: str, opts: TrainOptions, device: Any) -> Any:
    """The base model with the method's trainable parts (PEFT LoRA, RoSA, or everything)."""
    import torch
    from transformers import AutoModelForCausalLM

    kw: dict[str, Any] = {"dtype": torch.float32}
    if opts.precision == "4bit":
        if device.type != "cuda" or opts.method == "full":
            raise PanzaError("finetuning.precision=4bit needs a CUDA GPU and finetuning=lora (or rosa is not "
                             "supported); use precision=auto")
        try:
            from transformers import BitsAndBytesConfig
        except ImportError:  # pragma: no cover
            raise PanzaError("precision=4bit needs bitsandbytes: pip install bitsandbytes") from None
        kw["quantization_config"] = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4",
                                                       bnb_4bit_compute_dtype=torch.bfloat16)
        kw["device_map"] = {"": device.index or 0}
    try:
        model = AutoModelForCausalLM.from_pretrained(path, **kw)
    except (OSError, ValueError, ImportError) as e:
        raise PanzaError(f"cannot load base model {path}: {str(e).splitlines()[0]}") from None
    if opts.precision != "4bit":
        model.to(device)
    model.config.use_cache = False
    if use_checkpointing(opts, device) or checkpoint_long_passes(opts, device):
        # Keep only each layer's input and recompute the rest in backward: activation memory drops
        # from ~5 MB to ~0.2 MB per token (fp32, 30 layers) for about a third more compute.
        if hasattr(model, "activation_checkpointing_enable"):  # transformers >= 5
            model.activation_checkpointing_enable(activation_checkpointing_kwargs={"use_reentrant": False})
        else:  # pragma: no cover - older transformers
            model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        if not use_checkpointing(opts, device):
            set_checkpointing(model, False)  # only passes over the token budget turn it on
    from panza.train.swiglu import lean_mlps

    lean_mlps(model)
    if opts.method == "full":
        model.requires_grad_(True)
        return model
    torch.manual_seed(opts.seed)  # adapter initialisation depends on the seed
    from panza.llm.hf import quiet_peft

    with quiet_peft():
        model = _with_adapter(model, opts)
    from panza.train.lora_layers import fuse_lora_layers

    fuse_lora_layers(model)
    return model


def _with_adapter(model: Any, opts: TrainOptions) -> Any:
    if opts.method == "lora":
        from peft import get_peft_model

        from panza.train.rosa import lora_config

        if opts.precision == "4bit":
            from peft import prepare_model_for_kbit_training

            model = prepare_model_for_kbit_training(model)
        model = get_peft_model(model, lora_config(opts.adapter))
    else:
        from panza.train.rosa import apply_rosa

        model = apply_rosa(model, opts.adapter)
    return model


def param_groups(model: Any, opts: TrainOptions) -> list[dict[str, Any]]:
    """One group per learning rate: ``lr`` (full / LoRA / RoSA sparse), ``lora_lr`` (RoSA LoRA)."""
    if opts.method == "full":
        return [{"params": [p for p in model.parameters() if p.requires_grad], "lr": opts.lr, "name": "full"}]
    lora = [p for n, p in model.named_parameters() if "lora_" in n and p.requires_grad]
    if opts.method == "lora":
        return [{"params": lora, "lr": opts.lr, "name": "lora"}]
    from panza.train.rosa import sparse_layers

    sparse = [layer.spa_values for layer in sparse_layers(model).values()]
    for p in sparse:
        p.requires_grad_(True)
    groups = [{"params": lora, "lr": opts.adapter.lora_lr, "name": "lora"}]
    if opts.adapter.density > 0:
        groups.append({"params": sparse, "lr": opts.lr, "name": "sparse"})
    return groups


def trainable_state(model: Any, opts: TrainOptions) -> dict[str, Any]:
    """What changes during training (adapters, or every weight for full fine-tuning), for resume."""
    if opts.method == "full":
        return {k: v.detach().clone() for k, v in model.state_dict().items()}
    return {k: v.detach().clone() for k, v in model.state_dict().items() if "lora_" in k or ".spa_" in k}


def load_trainable_state(model: Any, state: dict[str, Any], opts: TrainOptions) -> None:
    if opts.method == "rosa":
        from panza.train.rosa import SparseLinear, set_mask

        for name, mod in model.named_modules():
            idx = state.get(f"{name}.spa_idx")
            if isinstance(mod, SparseLinear) and idx is not None and idx.numel():
                set_mask(mod, idx, state[f"{name}.spa_values"])
    own = model.state_dict()
    bad = [k for k, v in state.items() if k not in own or own[k].shape != v.shape]
    if bad:
        raise PanzaError(f"the resume checkpoint does not match this model ({bad[0]}); start fresh with "
                         "finetuning.resume=false")
    model.load_state_dict(state, strict=False)


def decoder_and_head(model: Any) -> tuple[Any, Any]:
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    return base.get_decoder(), base.get_output_embeddings()


def loss_sum(model: Any, ids: Any, labels: Any) -> tuple[Any, int]:
    """Summed next-token loss over the email tokens; the output head runs only on those positions.

    Why not ``model(labels=…)``: that computes vocabulary logits for every prompt token too (most of
    each example), which costs time and hundreds of MB of memory for nothing.
    """
    import torch
    import torch.nn.functional as F
    from torch.utils.checkpoint import checkpoint

    decoder, head = decoder_and_head(model)
    hidden = decoder(input_ids=ids, use_cache=False).last_hidden_state
    tgt = labels[:, 1:]
    sel = tgt != -100
    h = hidden[:, :-1][sel]
    y = tgt[sel]

    def chunk_loss(hc: Any, yc: Any) -> Any:
        return F.cross_entropy(head(hc).float(), yc, reduction="sum")

    if not torch.is_grad_enabled() or h.shape[0] <= LOSS_CHUNK:
        return chunk_loss(h, y), int(y.numel())
    # Vocabulary logits (49k wide) for every target token at once, their softmax and gradients peaked
    # at ~0.4 GB per 512 tokens: chunks recompute their logits in backward instead (~2% more compute).
    total = sum(checkpoint(chunk_loss, h[i:i + LOSS_CHUNK], y[i:i + LOSS_CHUNK], use_reentrant=False)
                for i in range(0, h.shape[0], LOSS_CHUNK))
    return total, int(y.numel())


LOSS_CHUNK = 128  # target tokens per output-head chunk


def evaluate(model: Any, examples: list[Any], batch_size: int, pad_id: int, device: Any,
             autocast: Any) -> tuple[float, float]:
    """Mean token loss and perplexity of ``examples`` (no dropout, no gradients)."""
    import torch

    from panza.train.data import collate

    if not examples:
        return float("nan"), float("nan")
    was_training = model.training
    model.eval()
    order = sorted(range(len(examples)), key=lambda i: len(examples[i].input_ids))
    tot, n = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(order), batch_size):
            ids, labels = collate([examples[j] for j in order[i:i + batch_size]], pad_id)
            with autocast():
                s, k = loss_sum(model, ids.to(device), labels.to(device))
            tot += float(s)
            n += k
    model.train(was_training)
    loss = tot / max(n, 1)
    return loss, math.exp(min(loss, 50.0))


def lr_lambda(total: int, warmup: int) -> Any:
    """Linear warm-up over ``warmup`` steps, then linear decay to zero at ``total``."""
    def f(step: int) -> float:
        if warmup > 0 and step < warmup:
            return (step + 1) / warmup
        return max(0.0, (total - step) / max(1, total - warmup))
    return f


# ---- the run --------------------------------------------------------------------------------------

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


def signature(cfg: Any, opts: TrainOptions, model_path: str, train_path: Path) -> str:
    """What must match for a run to be resumed: options, base model and training data."""
    o = asdict(opts)
    o.pop("resume", None)
    o.pop("debug_interrupt_after_steps", None)
    blob = json.dumps({"opts": o, "model": model_path, "data": _sha1_file(train_path),
                       "user": str(cfg.get("user", {}).get("username"))}, sort_keys=True, default=str)
    return hashlib.sha1(blob.encode()).hexdigest()


def _write_json(path: Path, data: dict[str, Any]) -> None:
    from panza.jsonl import atomic_open

    with atomic_open(path) as fh:
        json.dump(data, fh, indent=2, default=str)


def save_state(run_dir: Path, model: Any, opts: TrainOptions, optimizer: Any, scheduler: Any,
               prog: Progress, rng_state: Any, collector: Any) -> None:
    """Atomically write everything needed to continue exactly where training stopped."""
    import torch

    from panza.jsonl import atomic_open

    state = {
        "trainable": trainable_state(model, opts),
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict(),
        "progress": asdict(prog),
        "torch_rng": rng_state,
        "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None,
        "mask_acc": collector.state() if collector is not None and collector.active else None,
    }
    with atomic_open(run_dir / runs.RESUME_DIR / runs.STATE_FILE, "wb", encoding=None) as fh:
        torch.save(state, fh)


def train(cfg: Any) -> Path:
    """Train as configured; returns the run directory (with adapter/model, metrics and loss curve)."""
    import torch

    from panza.config import cache_dir, data_dir, to_dict, username
    from panza.llm.embedded import resolve_model
    from panza.train.data import collate

    opts = from_config(cfg)
    threads = opts.num_cpu_threads or physical_cores()
    torch.set_num_threads(threads)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    precision = opts.precision if opts.precision != "auto" else ("bf16" if device.type == "cuda" else "fp32")
    ddir = data_dir(cfg)
    train_path = ddir / "train.jsonl"
    if not train_path.is_file():
        raise PanzaError(f"no training data: {train_path} not found; run `panza prepare` first or pass "
                         "--data <prepared folder>")
    model_name = str(cfg.get("model") or "embedded")
    model_path = resolve_model(model_name, cache_dir(cfg))
    if model_path.startswith(("/", ".", "~")) and not Path(model_path).expanduser().exists():
        raise PanzaError(f"base model {model_path} does not exist; set model=<folder or Hugging Face id> "
                         "(or model=embedded)")
    tokenizer = load_tokenizer(model_path, model_name)
    prep = prepare_examples(cfg, opts, tokenizer)
    n_ex = len(prep.plain)
    steps_per_epoch = math.ceil(math.ceil(n_ex / opts.batch_size) / opts.gradient_accumulation)
    total_steps = opts.duration.total_steps(steps_per_epoch)
    warmup = min(opts.warmup_steps(total_steps), total_steps)

    # --- run directory (resume an unfinished identical run unless told otherwise) ---
    ckpt_root = Path(str(cfg.get("checkpoint_dir") or "checkpoints")).expanduser()
    name = runs.run_name(username(cfg), model_name, opts.method, opts.lr, str(opts.duration), opts.seed)
    sig = signature(cfg, opts, model_path, train_path)
    run_dir: Path | None = None
    if opts.resume not in ("false", "False", "no", "0"):
        if opts.resume == "auto":
            run_dir = runs.find_resumable(ckpt_root, name, sig)
        else:
            run_dir = Path(opts.resume).expanduser()
            if not (run_dir / runs.RESUME_DIR / runs.STATE_FILE).is_file():
                raise PanzaError(f"finetuning.resume={run_dir}: no resume checkpoint there; pass an "
                                 "unfinished run directory, or finetuning.resume=auto")
    resuming = run_dir is not None
    if run_dir is None:
        run_dir = runs.new_run_dir(ckpt_root, name)
    from omegaconf import OmegaConf

    (run_dir / "config.yaml").write_text(OmegaConf.to_yaml(OmegaConf.create(to_dict(cfg))), encoding="utf-8")

    torch.manual_seed(opts.seed)
    random.seed(opts.seed)
    model = build_model(model_path, opts, device)
    model.train()
    groups = param_groups(model, opts)
    n_trainable = sum(p.numel() for g in groups for p in g["params"])
    optimizer = torch.optim.AdamW(groups, betas=opts.betas, eps=opts.eps, weight_decay=opts.weight_decay)
    preallocate_training_state(groups, optimizer)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda(total_steps, warmup))
    collector = None
    mask_steps = 0
    if opts.method == "rosa" and opts.adapter.density > 0:
        from panza.train.rosa import MaskCollector

        mask_steps = max(1, opts.adapter.mask_warmup_steps)
        if mask_steps >= total_steps:
            mask_steps = max(1, total_steps // 4)
            log.warning("finetuning.rosa.mask_warmup_steps=%d is not shorter than the run (%d steps): using "
                        "%d", opts.adapter.mask_warmup_steps, total_steps, mask_steps)
    prog = Progress()
    if resuming:
        state = torch.load(run_dir / runs.RESUME_DIR / runs.STATE_FILE, map_location=device, weights_only=False)
        load_trainable_state(model, state["trainable"], opts)
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        prog = Progress(**state["progress"])
        torch.set_rng_state(state["torch_rng"])
        if state.get("cuda_rng") is not None and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state["cuda_rng"])
        log.info("resuming %s at step %d/%d", run_dir, prog.global_step, total_steps)
    if collector is None and mask_steps and not prog.mask_chosen:
        from panza.train.rosa import MaskCollector

        collector = MaskCollector(model, opts.adapter.grad_acc_mode)
        if resuming and state.get("mask_acc"):
            collector.load_state(state["mask_acc"])

    if device.type == "cuda" and precision == "bf16":
        def autocast() -> Any:
            return torch.autocast("cuda", dtype=torch.bfloat16)
    elif precision == "bf16":
        def autocast() -> Any:
            return torch.autocast("cpu", dtype=torch.bfloat16)
    else:
        import contextlib

        autocast = contextlib.nullcontext  # type: ignore[assignment]

    metrics: dict[str, Any] = {
        "status": "running", "signature": sig, "run_dir": str(run_dir), "method": opts.method,
        "base_model": model_path, "model": model_name, "device": str(device), "precision": precision,
        "threads": threads, "examples": n_ex, "test_examples": len(prep.test),
        "steps_per_epoch": steps_per_epoch, "total_steps": total_steps, "warmup_steps": warmup,
        "trainable_params": n_trainable, "data": prep.stats.as_dict(), "test_data": prep.test_stats.as_dict(),
        "options": asdict(opts), "resume_saves": 0,
        "gradient_checkpointing": use_checkpointing(opts, device),
    }
    if opts.method == "rosa":
        metrics["mask_warmup_steps"] = mask_steps
    _write_json(run_dir / runs.METRICS, metrics)
    s = prep.stats
    log.info("%s: %d examples (%d records; %d bad, %d too long, context cut: %d RAG, %d thread, %d preamble), "
             "%d steps of %d x %d, %d trainable parameters, %d threads, %s %s", opts.method, n_ex, s.records,
             s.skipped_bad, s.dropped_too_long, s.rag_dropped, s.thread_dropped, s.preamble_cut, total_steps,
             opts.batch_size, opts.gradient_accumulation, n_trainable, threads, device, precision)

    pad_id = tokenizer.pad_token_id
    trainable = [p for g in groups for p in g["params"]]
    from tqdm import tqdm

    bar = tqdm(total=total_steps, initial=prog.global_step, desc=f"train {opts.method}", file=sys.stderr,
               dynamic_ncols=True, mininterval=0.5, unit="step")
    last_save = time.monotonic()
    started_here = 0
    rng_at_step = torch.get_rng_state()
    old_term = signal.getsignal(signal.SIGTERM)

    def on_term(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    in_main = _in_main_thread()
    if in_main:
        signal.signal(signal.SIGTERM, on_term)
    padded_tokens = real_tokens = forward_passes = checkpointed_passes = 0
    long_ckpt = checkpoint_long_passes(opts, device)
    try:
        n_epochs = math.ceil(total_steps / steps_per_epoch)
        while prog.global_step < total_steps and prog.epoch < n_epochs and not prog.stopped_early:
            examples = epoch_examples(prep, opts, prog.epoch)
            steps = epoch_steps(examples, opts, prog.epoch)
            while prog.step_in_epoch < len(steps) and prog.global_step < total_steps:
                rng_at_step = torch.get_rng_state()
                micro = steps[prog.step_in_epoch]
                exs = [[examples[i] for i in mb] for mb in micro]
                n_tgt = sum(e.n_target - 0 for mb in exs for e in mb)
                t0 = time.perf_counter()
                step_loss, step_tok = 0.0, 0
                for mb in exs:
                    forward_passes += 1
                    ids, labels = collate(mb, pad_id)
                    if long_ckpt:
                        over = ids.numel() > opts.micro_batch_tokens
                        set_checkpointing(model, over)
                        checkpointed_passes += over
                    padded_tokens += ids.numel()
                    real_tokens += sum(len(e.input_ids) for e in mb)
                    with autocast():
                        ls, k = loss_sum(model, ids.to(device), labels.to(device))
                    (ls / max(n_tgt, 1)).backward()
                    step_loss += float(ls.detach())
                    step_tok += k
                if opts.max_grad_norm > 0:
                    torch.nn.utils.clip_grad_norm_(trainable, opts.max_grad_norm)
                optimizer.step()
                scheduler.step()
                zero_grads(groups)
                release_freed_memory()
                dt = time.perf_counter() - t0
                prog.global_step += 1
                prog.step_in_epoch += 1
                started_here += 1
                prog.train_seconds += dt
                ntok = sum(len(e.input_ids) for mb in exs for e in mb)
                prog.tokens += ntok
                prog.target_tokens += step_tok
                loss = step_loss / max(step_tok, 1)
                prog.epoch_loss_sum += step_loss
                prog.epoch_loss_tokens += step_tok
                prog.history.append({"step": prog.global_step, "loss": loss, "lr": scheduler.get_last_lr()[0],
                                     "epoch": prog.epoch, "tokens": ntok, "seconds": round(dt, 3),
                                     "peak_rss_mb": round(peak_rss_mb())})
                if collector is not None and prog.global_step >= mask_steps:
                    collector.finish()
                    collector = None
                    prog.mask_chosen = True
                    log.info("RoSA: sparse masks chosen after %d warm-up steps", mask_steps)
                bar.update(1)
                bar.set_postfix(loss=f"{loss:.3f}", ppl=f"{math.exp(min(loss, 50)):.2f}",
                                tok_s=f"{prog.tokens / max(prog.train_seconds, 1e-9):.0f}", refresh=False)
                due = (opts.save_every_steps and prog.global_step % opts.save_every_steps == 0) or (
                    opts.save_every_s and time.monotonic() - last_save >= opts.save_every_s)
                if due and prog.global_step < total_steps:
                    save_state(run_dir, model, opts, optimizer, scheduler, prog, torch.get_rng_state(), collector)
                    last_save = time.monotonic()
                    metrics["resume_saves"] += 1
                if opts.debug_interrupt_after_steps and started_here >= opts.debug_interrupt_after_steps:
                    rng_at_step = torch.get_rng_state()
                    raise KeyboardInterrupt  # a test hook: behaves exactly like Ctrl-C here
            if prog.step_in_epoch >= len(steps):  # epoch finished
                ep_loss = prog.epoch_loss_sum / max(prog.epoch_loss_tokens, 1)
                prog.last_epoch_loss = ep_loss
                prog.epoch += 1
                prog.step_in_epoch = 0
                prog.epoch_loss_sum, prog.epoch_loss_tokens = 0.0, 0
                if prep.test and opts.eval_interval and prog.epoch % opts.eval_interval == 0 \
                        and prog.global_step < total_steps:
                    tl, tp = evaluate(model, prep.test, opts.eval_batch_size, pad_id, device, autocast)
                    prog.evals.append({"step": prog.global_step, "epoch": prog.epoch, "loss": tl, "ppl": tp})
                    log.info("epoch %d: train ppl %.3f, test ppl %.3f", prog.epoch, math.exp(min(ep_loss, 50)), tp)
                if opts.stop_at_ppl and math.exp(min(ep_loss, 50)) <= opts.stop_at_ppl:
                    prog.stopped_early = True
                    log.info("train perplexity %.3f <= stop_at_ppl=%g after epoch %d: stopping early",
                             math.exp(ep_loss), opts.stop_at_ppl, prog.epoch)
    except KeyboardInterrupt:
        bar.close()
        optimizer.zero_grad(set_to_none=True)
        save_state(run_dir, model, opts, optimizer, scheduler, prog, rng_at_step, collector)
        metrics.update(status="interrupted", global_step=prog.global_step)
        _write_json(run_dir / runs.METRICS, metrics)
        print(f"panza train: stopped at step {prog.global_step}/{total_steps}; saved {run_dir}; run the same "
              "command again to resume", file=sys.stderr)
        raise
    except (torch.OutOfMemoryError, MemoryError) as e:
        bar.close()
        raise PanzaError(f"out of memory while training ({type(e).__name__}); {_OOM_FIX}") from None
    except RuntimeError as e:
        bar.close()
        if "out of memory" in str(e) or "can't allocate memory" in str(e):
            raise PanzaError(f"out of memory while training; {_OOM_FIX}") from None
        raise
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, old_term)
    bar.close()
    if collector is not None:  # very short run: choose the masks anyway so the adapter is complete
        collector.finish()
        prog.mask_chosen = True

    # --- final evaluation, artefacts, report ---
    if prog.epoch_loss_tokens:  # a step-limited run ended inside an epoch
        prog.last_epoch_loss = prog.epoch_loss_sum / prog.epoch_loss_tokens
    train_loss = prog.last_epoch_loss if prog.last_epoch_loss is not None else float("nan")
    test_loss, test_ppl = evaluate(model, prep.test, opts.eval_batch_size, pad_id, device, autocast)
    if prep.test:
        prog.evals.append({"step": prog.global_step, "epoch": prog.epoch, "loss": test_loss, "ppl": test_ppl})
    save_model(model, tokenizer, run_dir, opts, model_path)
    plot_losses(prog, run_dir / "loss_curve.png", opts.method)
    tok_s = prog.tokens / max(prog.train_seconds, 1e-9)
    metrics.update(
        status="done", global_step=prog.global_step, epochs_completed=prog.epoch, stopped_early=prog.stopped_early,
        train_loss=train_loss, train_ppl=math.exp(min(train_loss, 50)) if train_loss == train_loss else None,
        test_loss=test_loss if prep.test else None, test_ppl=test_ppl if prep.test else None,
        tokens=prog.tokens, target_tokens=prog.target_tokens, train_seconds=prog.train_seconds,
        tokens_per_s=tok_s, forward_passes=forward_passes, checkpointed_passes=checkpointed_passes,
        padding_fraction=(1 - real_tokens / padded_tokens) if padded_tokens else 0.0,
        peak_rss_mb=peak_rss_mb(), evals=prog.evals, history=prog.history,
    )
    if device.type == "cuda":
        metrics["peak_gpu_mb"] = torch.cuda.max_memory_allocated() / 2**20
    _write_json(run_dir / runs.METRICS, metrics)
    _remove_resume(run_dir)
    log.info("done: %d steps, train ppl %s, test ppl %s, %.0f tokens/s, peak RSS %.0f MiB -> %s",
             prog.global_step, _fmt(metrics["train_ppl"]), _fmt(metrics["test_ppl"]), tok_s, peak_rss_mb(), run_dir)
    return run_dir


_OOM_FIX = ("lower finetuning.batch_size (raise finetuning.gradient_accumulation to keep the effective "
            "batch) or finetuning.micro_batch_tokens, turn on finetuning.gradient_checkpointing=true, or use "
            "finetuning=lora")


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def _in_main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def _remove_resume(run_dir: Path) -> None:
    import shutil

    shutil.rmtree(run_dir / runs.RESUME_DIR, ignore_errors=True)


def save_model(model: Any, tokenizer: Any, run_dir: Path, opts: TrainOptions, base_path: str) -> None:
    """Write the adapter (LoRA: PEFT format; RoSA: rosa_* files) or the full model, plus the tokenizer."""
    if opts.method == "rosa":
        from panza.train.rosa import save_rosa

        save_rosa(model, run_dir, base_name=base_path, density=opts.adapter.density)
    elif opts.method == "lora":
        model.save_pretrained(str(run_dir), safe_serialization=True)
    else:
        model.config.use_cache = True
        model.save_pretrained(str(run_dir), safe_serialization=True)
    tokenizer.save_pretrained(str(run_dir))


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
