"""Training options read from the ``finetuning.*`` config, validated once with one-line errors.

Every documented key is read here and used by the trainer; a key that is read but ignored is the
bug this module exists to prevent (in the original, overriding ``lr`` silently did nothing).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from panza.errors import PanzaError

METHODS = ("lora", "rosa", "full")
PRECISIONS = ("auto", "fp32", "bf16", "fp16", "4bit")


@dataclass(frozen=True)
class Duration:
    """How long to train: ``value`` epochs (``unit='ep'``) or optimizer steps (``unit='ba'``)."""

    value: int
    unit: str

    def __str__(self) -> str:
        return f"{self.value}{self.unit}"

    def total_steps(self, steps_per_epoch: int) -> int:
        return self.value * steps_per_epoch if self.unit == "ep" else self.value


def parse_duration(text: Any) -> Duration:
    """``"3ep"`` (epochs), ``"200ba"`` (optimizer steps) or a bare number of epochs."""
    m = re.fullmatch(r"\s*(\d+)\s*(ep|ba)?\s*", str(text))
    if not m or int(m.group(1)) <= 0:
        raise PanzaError(f"finetuning.max_duration={text!r} is not a duration: use e.g. 3ep (epochs) "
                         "or 200ba (optimizer steps)")
    return Duration(int(m.group(1)), m.group(2) or "ep")


@dataclass(frozen=True)
class AdapterOptions:
    r: int = 8
    alpha: float = 16.0
    dropout: float = 0.05
    target_modules: Any = "all-linear"
    top_layers: int = 0  # LoRA only: adapt only the last N decoder layers (0 = all)
    lora_lr: float | None = None  # RoSA only: the LoRA learning rate (``lr`` is the sparse one)
    density: float = 0.0  # RoSA only: fraction of each weight matrix in the sparse adapter
    mask_warmup_steps: int = 0
    grad_acc_mode: str = "mean_squared"


@dataclass(frozen=True)
class TrainOptions:
    method: str
    lr: float
    duration: Duration
    batch_size: int
    gradient_accumulation: int
    warmup: float
    seed: int
    max_seq_len: int
    precision: str
    weight_decay: float
    betas: tuple[float, float]
    eps: float
    max_grad_norm: float
    num_cpu_threads: int
    stop_at_ppl: float | None
    diverge_factor: float
    diverge_weight_factor: float
    eval_interval: int
    eval_batch_size: int
    save_every_steps: int
    save_every_s: float
    resume: str
    rag_enabled: bool
    rag_prob: float
    rag_num_emails: int
    adapter: AdapterOptions = field(default_factory=AdapterOptions)
    gradient_checkpointing: str = "auto"  # auto | true | false
    micro_batch_tokens: int = 0
    micro_batch_auto: bool = False  # micro_batch_tokens=auto: the trainer sets it from the free memory
    shared_prefix: bool = True
    neftune_alpha: float = 0.0
    debug_interrupt_after_steps: int | None = None

    def warmup_steps(self, total_steps: int) -> int:
        """``warmup`` >= 1 is a number of steps, a fraction below 1 a share of all steps."""
        if self.warmup >= 1:
            return int(self.warmup)
        return round(self.warmup * total_steps)


_REQUIRED = object()


def _num(ft: Any, key: str, kind: type, *, lo: float | None = None, hi: float | None = None,
         default: Any = _REQUIRED, prefix: str = "finetuning") -> Any:
    """``ft[key]`` as ``kind`` within ``lo..hi``. Defaults live in the YAML files only: a key missing
    from the composed config is an error, unless the caller names what it falls back to (``default``)."""
    raw = ft.get(key) if hasattr(ft, "get") else None
    if raw is None:
        if default is _REQUIRED:
            raise PanzaError(f"{prefix}.{key} is not set; it is defined in configs/finetuning/*.yaml "
                             f"(restore it there, or pass {prefix}.{key}=VALUE)")
        return default
    try:
        val = kind(raw)
    except (TypeError, ValueError):
        raise PanzaError(f"{prefix}.{key}={raw!r} is not a {kind.__name__}") from None
    if (lo is not None and val < lo) or (hi is not None and val > hi):
        rng = f"{lo if lo is not None else '-inf'}..{hi if hi is not None else 'inf'}"
        raise PanzaError(f"{prefix}.{key}={raw!r} is out of range ({rng})")
    return val


def from_config(cfg: Any) -> TrainOptions:
    """Read and check ``cfg.finetuning`` (and ``cfg.rag``); raises PanzaError naming the bad key."""
    ft = cfg.get("finetuning")
    if ft is None:
        raise PanzaError("no finetuning config: pick one with finetuning=lora|rosa|full")
    method = str(ft.get("method", "")).lower()
    if method not in METHODS:
        raise PanzaError(f"finetuning.method={method!r}: use finetuning=lora, finetuning=rosa or finetuning=full")
    duration = parse_duration(_req(ft, "max_duration"))
    if ft.get("num_epochs") is not None:
        duration = Duration(_num(ft, "num_epochs", int, lo=1), "ep")
    precision = str(_req(ft, "precision")).lower()
    if precision not in PRECISIONS:
        raise PanzaError(f"finetuning.precision={precision!r}: use one of {', '.join(PRECISIONS)}")
    betas = tuple(float(b) for b in _req(ft, "betas"))
    if len(betas) != 2:
        raise PanzaError("finetuning.betas needs two numbers, e.g. [0.9,0.999]")
    adapter = AdapterOptions()
    if method == "lora":
        lo = ft.get("lora") or {}
        adapter = AdapterOptions(
            r=_num(lo, "r", int, lo=1, prefix="finetuning.lora"),
            alpha=_num(lo, "lora_alpha", float, lo=0, prefix="finetuning.lora"),
            dropout=_num(lo, "lora_dropout", float, lo=0, hi=1, prefix="finetuning.lora"),
            target_modules=_targets(_req(lo, "target_modules", "finetuning.lora")),
            top_layers=_num(lo, "top_layers", int, lo=0, prefix="finetuning.lora"),
        )
    elif method == "rosa":
        ro = ft.get("rosa") or {}
        mode = str(_req(ro, "grad_acc_mode", "finetuning.rosa"))
        if mode not in ("mean_squared", "mean"):
            raise PanzaError(f"finetuning.rosa.grad_acc_mode={mode!r}: use mean_squared or mean")
        adapter = AdapterOptions(
            r=_num(ro, "lora_r", int, lo=0, prefix="finetuning.rosa"),
            alpha=_num(ro, "lora_alpha", float, lo=0, prefix="finetuning.rosa"),
            dropout=_num(ro, "lora_dropout", float, lo=0, hi=1, prefix="finetuning.rosa"),
            target_modules=_targets(_req(ro, "target_modules", "finetuning.rosa")),
            lora_lr=_num(ro, "lora_lr", float, lo=0, default=ft.get("lr"), prefix="finetuning.rosa"),
            density=_num(ro, "spa_d", float, lo=0, hi=1, prefix="finetuning.rosa"),
            mask_warmup_steps=_num(ro, "mask_warmup_steps", int, lo=0, prefix="finetuning.rosa"),
            grad_acc_mode=mode,
        )
        if adapter.r == 0 and adapter.density == 0:
            raise PanzaError("finetuning.rosa: lora_r=0 and spa_d=0 leave nothing to train")
    rag = cfg.get("rag") or {}
    resume = _req(ft, "resume")
    mbt_auto = _is_auto(_req(ft, "micro_batch_tokens"))
    return TrainOptions(
        method=method,
        lr=_num(ft, "lr", float, lo=0),
        duration=duration,
        batch_size=_num(ft, "batch_size", int, lo=1),
        gradient_accumulation=_num(ft, "gradient_accumulation", int, lo=1),
        warmup=_num(ft, "warmup", float, lo=0),
        seed=_num(ft, "seed", int),
        max_seq_len=_num(ft, "max_seq_len", int, lo=16),
        precision=precision,
        weight_decay=_num(ft, "weight_decay", float, lo=0),
        betas=(betas[0], betas[1]),
        eps=_num(ft, "eps", float, lo=0),
        max_grad_norm=_num(ft, "max_grad_norm", float, lo=0),
        num_cpu_threads=_num(ft, "num_cpu_threads", int, lo=0),
        stop_at_ppl=_num(ft, "stop_at_ppl", float, lo=1, default=None),
        diverge_factor=_num(ft, "diverge_factor", float, lo=0),
        diverge_weight_factor=_num(ft, "diverge_weight_factor", float, lo=0),
        eval_interval=_num(ft, "eval_interval", int, lo=0),
        eval_batch_size=_num(ft, "eval_batch_size", int, lo=1),
        save_every_steps=_num(ft, "save_every_steps", int, lo=0),
        save_every_s=_num(ft, "save_every_s", float, lo=0),
        resume="false" if resume is False else ("auto" if resume in (None, True) else str(resume)),
        rag_enabled=_bool(_req(rag, "enabled", "rag"), "enabled", "rag"),
        rag_prob=_num(rag, "prob", float, lo=0, hi=1, prefix="rag"),
        rag_num_emails=_num(rag, "num_emails", int, lo=0, prefix="rag"),
        adapter=adapter,
        gradient_checkpointing=_auto_bool(_req(ft, "gradient_checkpointing"), "gradient_checkpointing"),
        micro_batch_tokens=AUTO_MIN_TOKENS if mbt_auto else _num(ft, "micro_batch_tokens", int, lo=0),
        micro_batch_auto=mbt_auto,
        shared_prefix=_bool(_req(ft, "shared_prefix"), "shared_prefix"),
        neftune_alpha=_num(ft, "neftune_alpha", float, lo=0),
        debug_interrupt_after_steps=_num(ft, "debug_interrupt_after_steps", int, lo=1, default=None),
    )


def _req(section: Any, key: str, prefix: str = "finetuning") -> Any:
    """A key that must come from the YAML defaults (or the command line)."""
    return _num(section, key, lambda v: v, prefix=prefix)


def _targets(value: Any) -> Any:
    """``all-linear`` (PEFT's every linear layer but the output head) or a list of module names."""
    if isinstance(value, str):
        return value if value == "all-linear" else [v.strip() for v in value.split(",") if v.strip()]
    return [str(v) for v in value]


AUTO_MIN_TOKENS = 512  # micro_batch_tokens=auto: the fewest tokens per forward pass (the trainer sets more)


def _is_auto(value: Any) -> bool:
    return str(value).strip().lower() == "auto"


def _auto_bool(value: Any, key: str) -> str:
    if _is_auto(value):
        return "auto"
    return "true" if _bool(value, key) else "false"


def _bool(value: Any, key: str, prefix: str = "finetuning") -> bool:
    from panza.config import parse_bool

    b = parse_bool(value)
    if b is None:
        raise PanzaError(f"{prefix}.{key}={value!r}: use true or false")
    return b
