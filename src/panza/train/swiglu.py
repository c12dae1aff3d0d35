"""The gated MLP of Llama-family models (``down(silu(gate(x)) * up(x))``) keeping two activations, not three.

Autograd saves ``gate(x)`` for the SiLU, and both ``silu(gate(x))`` and ``up(x)`` for the product:
three tensors of the MLP's width per token and layer (the widest activations of the model). Here
the product saves only ``gate(x)`` and ``up(x)`` and recomputes the SiLU in backward (an
element-wise op, far cheaper than the matmuls around it); the SiLU is computed in place into the
output, so the forward pass leaves no temporary behind either. Same values, same gradients.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn


class SiluMul(torch.autograd.Function):
    """``silu(g) * u`` saving ``g`` and ``u`` only."""

    @staticmethod
    def forward(ctx: Any, g: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(g, u)
        return F.silu(g).mul_(u)

    @staticmethod
    def backward(ctx: Any, gy: torch.Tensor) -> tuple[torch.Tensor | None, torch.Tensor | None]:
        g, u = ctx.saved_tensors
        gg = gu = None
        if ctx.needs_input_grad[0]:
            gg = torch.ops.aten.silu_backward(gy * u, g)
        if ctx.needs_input_grad[1]:
            gu = F.silu(g).mul_(gy)
        return gg, gu


class LeanGatedMLP(nn.Module):
    """A gated-SiLU MLP whose forward uses :class:`SiluMul` (installed by swapping the class)."""

    gate_proj: nn.Module
    up_proj: nn.Module
    down_proj: nn.Module

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        g, u = self.gate_proj(x), self.up_proj(x)
        if torch.is_grad_enabled() and g.dtype == u.dtype and g.shape == u.shape:
            return self.down_proj(SiluMul.apply(g, u))  # type: ignore[no-any-return]
        return self.down_proj(F.silu(g) * u)


def _is_gated_silu_mlp(mod: nn.Module) -> bool:
    """Whether ``mod`` computes exactly ``down(silu(gate(x)) * up(x))``, checked on a random input."""
    act = getattr(mod, "act_fn", None)
    if not (isinstance(act, nn.SiLU) or type(act).__name__ == "SiLUActivation"):
        return False
    gate, up, down = (getattr(mod, n, None) for n in ("gate_proj", "up_proj", "down_proj"))
    width = getattr(getattr(gate, "weight", None), "shape", (0, 0))[-1]
    if not (isinstance(gate, nn.Module) and isinstance(up, nn.Module) and isinstance(down, nn.Module) and width):
        return False
    was_training = mod.training
    mod.eval()
    try:
        with torch.no_grad():
            w = gate.weight
            x = torch.randn(1, 2, width, generator=torch.Generator().manual_seed(0)).to(w.device, w.dtype)
            same = torch.allclose(mod(x), down(F.silu(gate(x)) * up(x)), rtol=1e-3, atol=1e-5)
    except Exception:  # any MLP this cannot run is simply left alone
        same = False
    finally:
        mod.train(was_training)
    return bool(same)


_LEAN: dict[type, type] = {}


def lean_mlps(model: nn.Module) -> int:
    """Swap every Llama-style gated-SiLU MLP to a :class:`LeanGatedMLP` subclass; returns how many.

    Parameters, names and the saved model are unchanged (only the class of the MLP module is).
    """
    n = 0
    for mod in model.modules():
        if not isinstance(mod, LeanGatedMLP) and _is_gated_silu_mlp(mod):
            base = type(mod)
            if base not in _LEAN:
                _LEAN[base] = type(f"Lean{base.__name__}", (LeanGatedMLP, base), {})
            mod.__class__ = _LEAN[base]
            n += 1
    return n
