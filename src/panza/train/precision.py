"""Weight precision for training, and a memory estimate checked before the model is loaded.

Why: a 7-8B base in fp32 needs ~32 GB for its weights alone, so on one 16-24 GiB GPU LoRA and
RoSA keep the frozen base in bf16 (fp16 where bf16 is missing) or 4-bit (bitsandbytes NF4: QLoRA, QRoSA),
while the trained adapter weights and their optimizer state stay fp32. Full fine-tuning keeps fp32
master weights (AdamW in bf16 loses small updates) and computes under bf16/fp16 autocast. The
estimate is printed before anything is loaded, and a run that cannot fit stops with one line
saying by how much and what to change, instead of an out-of-memory error minutes later.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from panza.errors import PanzaError
from panza.train.options import AUTO_MIN_TOKENS, TrainOptions

log = logging.getLogger(__name__)

GIB = 2**30
_BYTES = {"fp32": 4, "bf16": 2, "fp16": 2}
NF4_BYTES = 0.5 + 0.5 / 64 * 4 / 8 + 0.03  # 4 bits + double-quantised absmax per 64 weights, ~+ blocks padding
CPU_OVERHEAD = 0.55 * GIB  # Python, torch, transformers and the tokenizer, measured on this CPU (bench train_memory)
CPU_LATE = 0.2 * GIB       # what a CPU run still imports and allocates after the estimate (tokenizer, optimizer, data,
                           # peft); 0.15 GiB fell 8 MiB short on a clean clone
GPU_OVERHEAD = 0.9 * GIB   # CUDA context, cuBLAS workspaces and allocator slack
NO_FULL_4BIT = ("finetuning.precision=4bit trains adapters over a frozen 4-bit base: use finetuning=lora or rosa "
                "(full fine-tuning cannot update 4-bit weights)")


@dataclass(frozen=True)
class Plan:
    """How one run holds and computes its weights."""

    name: str             # fp32 | bf16 | fp16 | 4bit (resolved from ``auto``)
    base_dtype: str       # dtype the (frozen) base weights are loaded in: fp32 | bf16 | fp16
    compute_dtype: str    # autocast dtype (fp32 = no autocast)
    four_bit: bool
    grad_scaler: bool     # fp16 compute: gradients need loss scaling

    @property
    def torch_base_dtype(self) -> Any:
        return _torch_dtype(self.base_dtype)

    @property
    def torch_compute_dtype(self) -> Any:
        return _torch_dtype(self.compute_dtype)


def _torch_dtype(name: str) -> Any:
    import torch

    return {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[name]


def plan(precision: str, method: str, cuda: bool, bf16_ok: bool) -> Plan:
    """Resolve ``finetuning.precision`` for this device (``bf16_ok``: the GPU computes in bf16).

    ``auto`` = bf16 on a GPU (fp16 on one without bf16), fp32 on CPU. LoRA and RoSA load the frozen
    base in that dtype; full fine-tuning keeps fp32 weights and only computes in it. ``4bit``: an NF4
    base under LoRA (QLoRA) or RoSA (QRoSA), computing in bf16/fp16 on a GPU and fp32 on a CPU.
    """
    p = precision
    if p == "auto":
        p = ("bf16" if bf16_ok else "fp16") if cuda else "fp32"
    if p == "fp16" and not cuda:
        raise PanzaError("finetuning.precision=fp16 needs a CUDA GPU (CPUs compute fp16 slowly or not at all); "
                         "use finetuning.precision=bf16 or fp32")
    if p == "bf16" and cuda and not bf16_ok:
        log.warning("this GPU has no bf16: training in fp16 with loss scaling instead")
        p = "fp16"
    if p == "4bit":
        if method == "full":
            raise PanzaError(NO_FULL_4BIT)
        check_4bit(cuda)
        # a CPU computes in fp32 (bitsandbytes dequantizes to it; bf16 matmuls are slower on most CPUs)
        compute = ("bf16" if bf16_ok else "fp16") if cuda else "fp32"
        return Plan("4bit", compute, compute, True, compute == "fp16")
    base = "fp32" if method == "full" else p
    return Plan(p, base, p, False, p == "fp16")


def check_4bit(cuda: bool) -> None:
    """bitsandbytes is installed and, without a GPU, quantizes on this CPU (its CPU backend: 0.48+)."""
    from panza.models.loading import import_bitsandbytes

    bnb = import_bitsandbytes()
    if cuda:
        return
    import torch

    try:
        q, state = bnb.functional.quantize_4bit(torch.ones(64, 64), quant_type="nf4")
        ok = bool(torch.allclose(bnb.functional.dequantize_4bit(q, state), torch.ones(64, 64)))
    except Exception:  # an older bitsandbytes: CUDA only
        ok = False
    if not ok:
        raise PanzaError(f"finetuning.precision=4bit on a CPU needs bitsandbytes' CPU backend (this is "
                         f"{getattr(bnb, '__version__', '?')}): pip install -U bitsandbytes, or use a CUDA GPU, "
                         "or finetuning.precision=auto")


# ---- the estimate ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Estimate:
    """Peak memory of one training process, in bytes, by part."""

    weights: float
    trainable: float      # trained weights + gradients + AdamW moments (+ RoSA's warm-up accumulator)
    activations: float
    overhead: float

    @property
    def total(self) -> float:
        return self.weights + self.trainable + self.activations + self.overhead

    def describe(self) -> str:
        g = lambda b: f"{b / GIB:.1f}"  # noqa: E731
        return (f"~{g(self.total)} GiB (weights {g(self.weights)}, trained state {g(self.trainable)}, "
                f"activations {g(self.activations)}, runtime {g(self.overhead)})")


@dataclass(frozen=True)
class Shapes:
    """What the estimate needs from a model, read from its config without loading weights."""

    params: int                         # every parameter (tied embeddings once)
    linears: list[tuple[str, int, int]]  # (name, in, out) of every nn.Linear but the output head
    head_params: int
    hidden: int
    intermediate: int
    layers: int
    vocab: int


def model_shapes(path: str) -> Shapes:
    """Parameter counts and layer shapes of ``path``'s architecture, built on the meta device (no memory)."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    try:
        cfg = AutoConfig.from_pretrained(path)
    except (OSError, ValueError) as e:
        raise PanzaError(f"cannot read the model config of {path}: {str(e).splitlines()[0]}") from None
    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(cfg)
    return shapes_of(model)


def llama3_8b_config() -> Any:
    """Llama-3-8B's architecture (from its published config.json), for estimates and the GPU bench."""
    from transformers import LlamaConfig

    return LlamaConfig(vocab_size=128256, hidden_size=4096, intermediate_size=14336, num_hidden_layers=32,
                       num_attention_heads=32, num_key_value_heads=8, max_position_embeddings=8192,
                       rope_theta=500000.0, rms_norm_eps=1e-5, tie_word_embeddings=False, bos_token_id=128000,
                       eos_token_id=128009)


def shapes_of(model: Any) -> Shapes:
    """Shapes of a built model (the meta device is enough)."""
    from torch import nn

    head = model.get_output_embeddings()
    linears = [(n, m.in_features, m.out_features) for n, m in model.named_modules()
               if isinstance(m, nn.Linear) and m is not head]
    cfg = model.config
    text = getattr(cfg, "get_text_config", lambda: cfg)()
    params = sum(p.numel() for p in model.parameters())  # parameters() yields tied weights once
    tied = head is not None and head.weight is model.get_input_embeddings().weight
    return Shapes(params=params, linears=linears, head_params=0 if (head is None or tied) else head.weight.numel(),
                  hidden=int(text.hidden_size), intermediate=int(getattr(text, "intermediate_size", 4 * text.hidden_size)),
                  layers=int(text.num_hidden_layers), vocab=int(text.vocab_size))


def _targets(shapes: Shapes, target_modules: Any) -> list[tuple[str, int, int]]:
    if target_modules == "all-linear":
        return shapes.linears
    want = set(target_modules)
    return [t for t in shapes.linears if t[0].rsplit(".", 1)[-1] in want]


def cpu_runtime_bytes() -> float:
    """The runtime part of a CPU run: what this process holds now (its libraries are loaded) plus CPU_LATE.

    A constant missed by 15% between two installs of the same packages (the libraries' resident size
    differs with their builds: 413 vs 481 MiB at this point); measuring it tracks the machine it runs on.
    """
    from panza.train.memory import rss_bytes

    rss = rss_bytes()
    return CPU_OVERHEAD if rss is None else max(CPU_OVERHEAD, rss + CPU_LATE)


def estimate(shapes: Shapes, opts: TrainOptions, p: Plan, *, cuda: bool, checkpointing: bool,
             world_size: int = 1, sharded: bool = False, runtime: float | None = None, prefix: int = 0) -> Estimate:
    """Peak bytes of one process training ``shapes`` as ``opts`` says.

    ``runtime``: the interpreter and libraries, measured by the caller (``cpu_runtime_bytes``); by default
    the constants measured here (CPU_OVERHEAD, GPU_OVERHEAD).
    ``sharded``: full fine-tuning under FSDP, where weights, gradients and optimizer state are split
    over ``world_size`` processes. Activations follow the tokens of one forward pass (the
    ``micro_batch_tokens`` budget, at least one ``max_seq_len`` example); with checkpointing only each
    layer's input is kept, plus one layer's activations during its recomputation. ``prefix``: the
    shared prefix's tokens, whose keys and values every row of a pass holds a copy of (and its gradient).
    """
    lin = sum(i * o for _, i, o in shapes.linears)
    other = shapes.params - lin
    act = _BYTES[p.compute_dtype]
    if p.four_bit:  # PEFT's prepare_model_for_kbit_training keeps the unquantized ones in fp32 (stability)
        weights = lin * NF4_BYTES + other * 4
    else:
        weights = shapes.params * _BYTES[p.base_dtype]
    targets = _targets(shapes, opts.adapter.target_modules)
    if opts.method == "full":
        n_train = shapes.params
        trainable = 12.0 * n_train  # fp32 gradient + two AdamW moments (weights counted above)
        if sharded and world_size > 1:
            weights /= world_size
            trainable /= world_size
    else:
        n_train = sum(opts.adapter.r * (i + o) for _, i, o in targets)
        trainable = 16.0 * n_train  # fp32 weight, gradient, two moments
        if opts.method == "rosa":
            tw = sum(i * o for _, i, o in targets)
            nnz = opts.adapter.density * tw
            trainable += nnz * (16 + 8)  # fp32 values + gradient + moments, int64 positions
            if opts.adapter.density > 0:  # the mask warm-up's fp32 accumulator + one layer's gradient
                trainable += 4.0 * tw + 4.0 * max((i * o for _, i, o in targets), default=0)
    tokens = opts.micro_batch_tokens if opts.micro_batch_tokens > 0 else opts.batch_size * opts.max_seq_len
    tokens = max(min(tokens, opts.batch_size * opts.max_seq_len), opts.max_seq_len)
    per_token, fixed = activation_bytes(shapes, opts, p, checkpointing)
    activations = tokens * per_token + fixed
    kv = sum(o for name, _, o in shapes.linears if name.endswith(("k_proj", "v_proj")))
    activations += 2 * opts.batch_size * prefix * kv * act
    if opts.method == "full" and act < 4:  # autocast keeps a low-precision copy of every weight in a step
        weights += shapes.params * act / (world_size if sharded else 1)
    return Estimate(weights=float(weights), trainable=float(trainable), activations=float(activations),
                    overhead=runtime if runtime is not None else GPU_OVERHEAD if cuda else CPU_OVERHEAD)


def activation_bytes(shapes: Shapes, opts: TrainOptions, p: Plan, checkpointing: bool) -> tuple[float, float]:
    """Activation memory of one forward pass: (bytes per token, bytes whatever the tokens)."""
    act = _BYTES[p.compute_dtype]
    h, f = shapes.hidden, shapes.intermediate
    per_layer = act * (10 * h + 5 * f)  # per token: norms, q/k/v/o, attention output, gated MLP (SwiGLU)
    if opts.method != "full" and not p.four_bit and act == 4:
        per_layer += 4 * 2 * h  # LoRA inputs kept in fp32 besides the base layer's
    per_token = shapes.layers * h * act + per_layer if checkpointing else shapes.layers * per_layer
    per_token += h * 4 * 2  # the final hidden state
    from panza.train.loss import LOSS_CHUNK

    fixed = 3.0 * 4 * LOSS_CHUNK * shapes.vocab  # one logits chunk
    if p.four_bit:  # a dequantised 4-bit layer in compute dtype, forward and backward
        widest = max((i * o for _, i, o in shapes.linears), default=0)
        fixed += 2 * widest * act
        if opts.method == "rosa":  # QRoSA's backward: the dense weight gradient gy^T x (compute dtype; the
            fixed += widest * (act + 4)  # values' gradient is read from it), squared in fp32 in warm-up
    return float(per_token), fixed


AUTO_SHARE = 0.25  # micro_batch_tokens=auto: activations may take this share of the memory left free


def auto_micro_batch_tokens(shapes: Shapes, opts: TrainOptions, p: Plan, *, checkpointing: bool, free: float,
                            rest: float) -> int:
    """Tokens per forward pass for ``micro_batch_tokens=auto``: a quarter of the memory that is free
    (``free``) once the rest of the run (``rest``: weights, adapter, runtime) is in, in steps of 256,
    at least 512 and at most a whole batch of the longest examples.

    Why: more tokens per pass is faster (a long preamble runs once per pass, fewer passes are over
    budget and recomputed), and the right budget depends on the model and the machine.
    """
    per_token, fixed = activation_bytes(shapes, opts, p, checkpointing)
    tokens = int(max(0.0, AUTO_SHARE * (free - rest) - fixed) / per_token) // 256 * 256
    return max(AUTO_MIN_TOKENS, min(tokens, opts.batch_size * opts.max_seq_len))


def suggestion(opts: TrainOptions, p: Plan, world_size: int) -> str:
    """What most likely makes a run fit, as the refusal's last words."""
    if opts.method == "full":
        return ("try finetuning=lora (or finetuning.precision=bf16 with finetuning=lora), or more GPUs: "
                "torchrun --nproc_per_node=N -m panza train … (FSDP shards full fine-tuning)")
    if p.name == "fp32":
        return "try finetuning.precision=bf16"
    if not p.four_bit:
        return "try finetuning.precision=4bit"
    if opts.method == "rosa" and opts.adapter.density > 0:
        return ("try finetuning=lora or fewer finetuning.rosa.target_modules (RoSA's mask warm-up keeps 4 bytes "
                "per adapted weight), or lower finetuning.max_seq_len or finetuning.micro_batch_tokens")
    return "try lower finetuning.max_seq_len or finetuning.micro_batch_tokens, or finetuning.gradient_checkpointing=true"


def available_bytes(device: Any) -> tuple[float, str]:
    """Memory the process can use and a word for it: the GPU's total, or this machine's RAM."""
    if device.type == "cuda":
        import torch

        return float(torch.cuda.get_device_properties(device).total_memory), "this GPU has"
    import psutil

    return float(psutil.virtual_memory().total), "this machine has"


def free_bytes(device: Any) -> float:
    """Memory free right now: the GPU's free memory, or this machine's available RAM."""
    if device.type == "cuda":
        import torch

        return float(torch.cuda.mem_get_info(device)[0])
    import psutil

    return float(psutil.virtual_memory().available)


def check_fits(est: Estimate, opts: TrainOptions, p: Plan, have: float, where: str, world_size: int = 1) -> str:
    """The estimate as a log line; a one-line PanzaError when it is over ``have`` bytes (see
    :func:`available_bytes`)."""
    line = f"memory estimate per process: {est.describe()}; {where} {have / GIB:.0f} GiB"
    if est.total > have:
        raise PanzaError(f"{opts.method} in {p.name} needs ~{est.total / GIB:.0f} GiB, {where} "
                         f"{have / GIB:.0f}: {suggestion(opts, p, world_size)}")
    return line
