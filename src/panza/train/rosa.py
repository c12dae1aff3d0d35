"""RoSA training: LoRA plus a sparse adapter whose mask is chosen from accumulated gradients.

The layers and the file format live in :mod:`panza.models.rosa_format` (inference and merging use
them too); this module holds what only training needs: wrapping a model for RoSA training and the
mask warm-up, which picks each layer's sparse entries from the accumulated squared gradients of its
frozen weights (top-k per layer) after a short warm-up.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from panza.errors import PanzaError
from panza.models.rosa_format import install_sparse, set_mask, sparse_layers
from panza.train.lora_config import lora_config


def select_mask(score: torch.Tensor, k: int) -> torch.Tensor:
    """Flat indices of the ``k`` largest entries of ``score`` (sorted, for cache-friendly scatter)."""
    if k <= 0:
        return torch.zeros(0, dtype=torch.long, device=score.device)
    return torch.topk(score.reshape(-1).float(), k, sorted=False).indices.sort().values


def apply_rosa(model: nn.Module, opts: Any) -> nn.Module:
    """Wrap ``model`` with PEFT LoRA and give every LoRA-targeted linear layer a sparse adapter slot."""
    from peft import get_peft_model
    from peft.tuners.lora import LoraLayer

    if opts.r == 0:
        raise PanzaError("finetuning.rosa.lora_r=0 is not supported; use at least 1 (or finetuning=full)")
    peft_model = get_peft_model(model, lora_config(opts))
    for mod in list(peft_model.modules()):
        if isinstance(mod, LoraLayer):
            base = mod.get_base_layer()
            install_sparse(base, round(opts.density * base.in_features * base.out_features))
    return peft_model


class MaskCollector:
    """Accumulates (squared) gradients of the frozen weights during the warm-up, then picks masks.

    The gradient is folded into an accumulator and dropped as soon as it is produced (each layer's
    :meth:`~panza.models.rosa_format.SparseLinear.collect_grads`: autograd's post-accumulate hook, or
    a 4-bit layer's own backward), so the warm-up holds one fp32 copy of the weights, not two.
    """

    def __init__(self, model: nn.Module, mode: str = "mean_squared") -> None:
        self.layers = sparse_layers(model)
        self.mode = mode
        self.acc: dict[str, torch.Tensor] = {}
        self.hooks: list[Any] = []
        for name, layer in self.layers.items():
            if layer.spa_k <= 0:
                continue
            self.acc[name] = torch.zeros(layer.dense_shape, dtype=torch.float32, device=layer.weight.device)
            self.hooks.append(layer.collect_grads(self._fold(name)))

    def _fold(self, name: str) -> Any:
        def fold(grad: torch.Tensor) -> None:
            g = grad.detach().float()
            self.acc[name].add_(g * g if self.mode == "mean_squared" else g)
        return fold

    @property
    def active(self) -> bool:
        return bool(self.hooks)

    def finish(self, reduce: Any = None) -> None:
        """Choose each layer's mask (top-k accumulated score) and freeze the weights again.

        ``reduce(acc)`` sums the scores over training processes first, so every process picks the same mask.
        """
        for h in self.hooks:
            h.remove()
        self.hooks = []
        if reduce is not None:
            reduce(self.acc)
        for name, layer in self.layers.items():
            if name in self.acc:
                score = self.acc[name] if self.mode == "mean_squared" else self.acc[name].abs()
                set_mask(layer, select_mask(score, layer.spa_k))
        self.acc = {}

    def state(self) -> dict[str, torch.Tensor]:
        return dict(self.acc)

    def load_state(self, acc: dict[str, torch.Tensor]) -> None:
        for k, v in acc.items():
            if k in self.acc:
                self.acc[k].copy_(v)
