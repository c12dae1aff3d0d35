"""The PEFT LoRA config both adapter methods build on (LoRA alone, and RoSA's low-rank part).

Why one place: LoRA and RoSA must read the same options the same way; ``top_layers`` (LoRA only: RoSA's
options leave it at 0) limits the adapters to the last layers, so backward stops below them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def lora_config(opts: Any, num_layers: int | None = None, linears: Sequence[str] = ()) -> Any:
    """PEFT's config; with ``opts.top_layers`` (and the model's ``num_layers``) only the last layers adapt.

    Why the last ones: no layer below the lowest adapted one needs a gradient, so backward stops there
    (15 of SmolLM2's 30 layers: 1.70x the tokens/s on a CPU, python -m bench train)."""
    from peft import LoraConfig

    top = int(getattr(opts, "top_layers", 0) or 0)
    layers = list(range(num_layers - top, num_layers)) if top and num_layers and top < num_layers else None
    targets = opts.target_modules
    if layers and isinstance(targets, str):  # PEFT takes a layer list only with module names
        targets = list(linears) if linears else targets
    return LoraConfig(r=opts.r, lora_alpha=opts.alpha, lora_dropout=opts.dropout,
                      target_modules=targets, layers_to_transform=layers,
                      bias="none", task_type="CAUSAL_LM")


def linear_names(model: Any) -> list[str]:
    """The names (last part) of the model's linear layers but the output head: PEFT's ``all-linear``."""
    import torch

    head = model.get_output_embeddings() if hasattr(model, "get_output_embeddings") else None
    names = {n.rsplit(".", 1)[-1] for n, m in model.named_modules() if isinstance(m, torch.nn.Linear) and m is not head}
    return sorted(names)
