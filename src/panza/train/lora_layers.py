"""PEFT LoRA layers made lean for training: dropout folded into ``lora_A``, one in-place add.

Dropout: PEFT computes ``lora_B(lora_A(dropout(x)))``: autograd then keeps ``dropout(x)`` (a full fp32 copy
of the input) for every adapted layer, seven per transformer block. On SmolLM2-135M that is a
third of all activation memory and ~20% of the step time on CPU. Here ``lora_A`` applies the
dropout itself and saves only ``x`` (which the frozen base layer saves anyway, so it costs nothing
more) and a boolean mask, rebuilding the dropped input in backward. Same distribution, same
expected update; the saved adapter is unchanged (same parameters, same keys, same config).

Fused add: PEFT returns ``result + lora_B(...) * scaling``, three temporaries the size of the
layer's output. Freed between saved activations, such temporaries fragment glibc's heap (a LoRA
probe on SmolLM2-135M: 651 MiB free but unusable inside the heap after one forward pass). Here the
low-rank product is added into the base output in place (``addmm_``), and the masked input is
built in a reused scratch buffer, so a forward pass allocates little besides what it saves.
"""

from __future__ import annotations

import math
import threading
from typing import Any

import torch
from peft.tuners.lora.layer import Linear as PeftLoraLinear
from torch import nn


class _Scratch(threading.local):
    """Per-thread reusable flat buffers (one per device and dtype) for products used at once."""

    def __init__(self) -> None:
        self.bufs: dict[tuple[torch.device, torch.dtype], torch.Tensor] = {}

    def get(self, shape: torch.Size | tuple[int, ...], dtype: torch.dtype, device: torch.device) -> torch.Tensor:
        n = math.prod(shape)
        buf = self.bufs.get((device, dtype))
        if buf is None or buf.numel() < n:
            buf = torch.empty(n, dtype=dtype, device=device)
            self.bufs[(device, dtype)] = buf
        return buf[:n].view(shape)


_SCRATCH = _Scratch()


def masked(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """``x * mask`` in the scratch buffer: valid until the next call in this thread."""
    return torch.mul(x, mask, out=_SCRATCH.get(x.shape, x.dtype, x.device))


def keep_mask(shape: torch.Size, keep: float, device: torch.device) -> torch.Tensor:
    """A boolean mask, each entry True with probability ``keep`` (resolution 1/65536).

    Why not ``bernoulli_``: one generator call per element made the masks cost more than the LoRA
    matmuls; here one 64-bit draw gives three 16-bit uniforms (the top lane of ``random_()`` on
    int64 is only 15 bits wide, so it is skipped): ~4x faster on CPU.
    """
    n = math.prod(shape)
    m = (n + 2) // 3
    lanes = _SCRATCH.get((m,), torch.int64, device).random_().view(torch.int16).view(m, 4)[:, :3]
    threshold = round(keep * 65536) - 32768  # int16 lanes are uniform on [-32768, 32767]
    return (lanes < threshold).reshape(-1)[:n].view(shape)


class _MaskedDropoutLinear(torch.autograd.Function):
    """``y = (x * mask / keep) @ W.T`` saving ``x``, ``W`` and the bool mask, not the product."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, weight: torch.Tensor, p: float) -> torch.Tensor:
        mask = keep_mask(x.shape, 1.0 - p, x.device)
        ctx.scale = 1.0 / (1.0 - p)
        ctx.save_for_backward(x, weight, mask)
        return masked(x, mask).matmul(weight.t()).mul_(ctx.scale)

    @staticmethod
    def backward(ctx: Any, gy: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        x, weight, mask = ctx.saved_tensors
        gy = gy.to(weight.dtype)  # under autocast the incoming gradient may be wider than the weight
        gx = gw = None
        if ctx.needs_input_grad[0]:
            gx = gy.matmul(weight).mul_(mask).mul_(ctx.scale).to(x.dtype)
        if ctx.needs_input_grad[1]:
            xd = masked(x, mask).reshape(-1, x.shape[-1]).to(weight.dtype)
            gw = gy.reshape(-1, gy.shape[-1]).t().matmul(xd).mul_(ctx.scale)
        return gx, gw, None


class DropoutLoraA(nn.Linear):
    """PEFT's ``lora_A`` with the adapter's dropout folded in (installed by swapping the class)."""

    dropout_p: float

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training and self.dropout_p > 0 and torch.is_grad_enabled():
            w = self.weight if x.dtype == self.weight.dtype else self.weight.to(x.dtype)  # bf16 autocast
            return _MaskedDropoutLinear.apply(x, w, self.dropout_p)  # type: ignore[no-any-return]
        return super().forward(x)


class FusedLoraLinear(PeftLoraLinear):
    """PEFT's LoRA ``Linear`` adding ``scaling * lora_B(lora_A(x))`` into the base output in place.

    Installed by swapping the class; anything but the plain single-adapter case (merged, disabled,
    DoRA and other variants, several adapters, a LoRA bias, mixed dtypes) takes PEFT's own path.
    """

    def forward(self, x: torch.Tensor, *args: Any, **kwargs: Any) -> torch.Tensor:
        act = self.active_adapters
        if args or kwargs or self.disable_adapters or self.merged or len(act) != 1 or act[0] not in self.lora_A \
                or act[0] in self.lora_variant:
            return super().forward(x, *args, **kwargs)
        name = act[0]
        lora_a, lora_b = self.lora_A[name], self.lora_B[name]
        if lora_b.bias is not None or lora_a.weight.dtype != x.dtype:
            return super().forward(x, *args, **kwargs)
        result = self.base_layer(x)
        a = lora_a(self.lora_dropout[name](x))
        if not (result.dtype == a.dtype == lora_b.weight.dtype) or not result.is_contiguous():  # e.g. autocast
            return (result + lora_b(a) * self.scaling[name]).to(result.dtype)
        out = result.view(-1, result.shape[-1])
        out.addmm_(a.reshape(-1, a.shape[-1]), lora_b.weight.t(), alpha=self.scaling[name])
        return result


def fuse_lora_layers(model: nn.Module) -> tuple[int, int]:
    """Swap in :class:`FusedLoraLinear` and fold dropouts (see the module docstring).

    Returns (layers fused, dropouts folded). The adapter's parameters and keys are unchanged.
    """
    fused = 0
    for mod in model.modules():
        if type(mod) is PeftLoraLinear:
            mod.__class__ = FusedLoraLinear
            fused += 1
    return fused, fold_lora_dropout(model)


def fold_lora_dropout(model: nn.Module) -> int:
    """Move every PEFT LoRA dropout into its ``lora_A`` (see module docstring); returns how many.

    Only plain ``nn.Linear`` ``lora_A`` layers without bias with an ``nn.Dropout`` are changed;
    anything else (DoRA, quantized layers) keeps PEFT's own path.
    """
    n = 0
    for mod in model.modules():
        drops = getattr(mod, "lora_dropout", None)
        lora_a = getattr(mod, "lora_A", None)
        if not isinstance(drops, nn.ModuleDict) or not isinstance(lora_a, nn.ModuleDict):
            continue
        if getattr(mod, "use_dora", {}) and any(mod.use_dora.values()):
            continue
        for name, drop in list(drops.items()):
            a = lora_a[name] if name in lora_a else None  # noqa: SIM401 (ModuleDict has no .get)
            if not isinstance(drop, nn.Dropout) or drop.p <= 0 or type(a) is not nn.Linear or a.bias is not None:
                continue
            a.__class__ = DropoutLoraA
            a.dropout_p = float(drop.p)
            drops[name] = nn.Identity()
            n += 1
    return n
