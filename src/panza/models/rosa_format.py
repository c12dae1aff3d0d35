"""RoSA's file format and layers: LoRA plus a sparse additive delta on the same frozen linear layers.

Shared by training (which creates and saves the adapter) and inference/merging (which load it), so
it lives with the other model formats rather than in the trainer.

The LoRA half is PEFT's own (so RoSA at density 0 *is* LoRA, bit for bit). The sparse half lives on
PEFT's base ``nn.Linear`` layers: each gets a flat index tensor (``spa_idx``) into its weight and a
trainable value vector (``spa_values``). The forward pass computes ``x @ (W + S)^T`` in one matmul by
adding the values into a copy of ``W`` (a custom autograd function recomputes that copy in backward
instead of storing it, so memory stays at LoRA's level).

Files (a run directory): ``rosa_config.json`` (LoRA config, density, base model) and
``rosa_adapter.safetensors`` (``lora.*`` PEFT tensors, ``sparse.<layer>.idx`` / ``.values``).
Deliberately no ``adapter_config.json``: plain PEFT would load the LoRA half and silently ignore
the sparse one. Use :func:`panza.models.loading.load_adapter` or ``panza merge``.

QRoSA (RoSA over a frozen 4-bit base, :mod:`panza.models.rosa_4bit`) swaps bitsandbytes'
``Linear4bit`` layers to a 4-bit :class:`SparseLinear` instead: indices still point into the dense
``(out, in)`` weight, so its adapter is this same format and loads over a bf16/fp32 base.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from panza.errors import PanzaError

CONFIG_FILE = "rosa_config.json"
WEIGHTS_FILE = "rosa_adapter.safetensors"
PEFT_PREFIX = "base_model.model."


class _SparseDeltaLinear(torch.autograd.Function):
    """``F.linear(x, W + scatter(values), b)`` with gradients for ``x`` and ``values`` only."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None,
                idx: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
        w = weight.detach().reshape(-1).index_add(0, idx, values.detach().to(weight.dtype)).view_as(weight)
        ctx.save_for_backward(x, weight, idx, values)
        return F.linear(x, w, bias)

    @staticmethod
    def backward(ctx: Any, gy: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        x, weight, idx, values = ctx.saved_tensors
        gx = gv = None
        if ctx.needs_input_grad[0]:
            w = weight.reshape(-1).index_add(0, idx, values.to(weight.dtype)).view_as(weight)
            gx = gy @ w.to(gy.dtype)
        if ctx.needs_input_grad[4]:
            g2 = gy.reshape(-1, gy.shape[-1])
            x2 = x.reshape(-1, x.shape[-1]).to(g2.dtype)
            gv = (g2.t() @ x2).reshape(-1)[idx].to(values.dtype)
        return gx, None, None, None, gv


class SparseLinear(nn.Linear):
    """An ``nn.Linear`` with a sparse additive delta; installed by swapping the class of a layer.

    Swapping ``__class__`` keeps the layer's parameters and names, so PEFT (which owns the layer as
    ``base_layer``) keeps working, merging included.
    """

    spa_idx: torch.Tensor
    plain_class: type[nn.Module] = nn.Linear  # what :func:`remove_sparse` turns the layer back into

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.spa_idx.numel():
            return _SparseDeltaLinear.apply(x, self.weight, self.bias, self.spa_idx, self.spa_values)
        return F.linear(x, self.weight, self.bias)

    @property
    def dense_shape(self) -> tuple[int, int]:
        """``(out, in)``: the shape the sparse indices point into (a 4-bit weight is stored packed)."""
        return (self.out_features, self.in_features)

    def sparse_delta(self) -> torch.Tensor:
        """The dense ``S`` (of :attr:`dense_shape`)."""
        flat = torch.zeros(self.out_features * self.in_features, dtype=torch.float32, device=self.weight.device)
        flat.index_put_((self.spa_idx,), self.spa_values.detach().float(), accumulate=True)
        return flat.view(self.dense_shape)

    def collect_grads(self, fold: Any) -> Any:
        """Call ``fold(grad)`` with the gradient of the frozen dense weight after each backward pass
        (RoSA's mask warm-up), until the returned handle's ``remove()``.

        Here autograd computes it (the weight requires a gradient for the warm-up) and the gradient is
        dropped as soon as it is folded, so only one layer's gradient exists at a time.
        """
        weight = self.weight

        def hook(p: torch.Tensor) -> None:
            fold(p.grad)
            p.grad = None

        weight.requires_grad_(True)
        handle = weight.register_post_accumulate_grad_hook(hook)

        class Handle:
            def remove(self) -> None:
                handle.remove()
                weight.requires_grad_(False)
                weight.grad = None

        return Handle()


SPARSE_KINDS: dict[type, type[SparseLinear]] = {}  # other linear layer types -> their sparse kind
# (:mod:`panza.models.rosa_4bit` adds bitsandbytes' Linear4bit; the 4-bit loader imports it)


def _sparse_class(layer: nn.Module) -> type[SparseLinear]:
    """The :class:`SparseLinear` kind for ``layer``: plain, or one registered in :data:`SPARSE_KINDS`."""
    if isinstance(layer, SparseLinear):
        return type(layer)
    if type(layer) is nn.Linear:
        return SparseLinear
    kind = SPARSE_KINDS.get(type(layer))
    if kind is None:
        raise PanzaError(f"RoSA needs plain linear layers or bitsandbytes 4-bit ones, got {type(layer).__name__}; "
                         "use finetuning.precision=bf16 (or fp32, or 4bit) or finetuning=lora")
    return kind


def install_sparse(layer: nn.Linear, k: int) -> SparseLinear:
    """Turn ``layer`` into a :class:`SparseLinear` with room for ``k`` values (mask chosen later)."""
    layer.__class__ = _sparse_class(layer)
    dev = layer.weight.device
    if "spa_idx" in layer._buffers:
        del layer._buffers["spa_idx"]
    layer.register_buffer("spa_idx", torch.zeros(0, dtype=torch.long, device=dev))
    layer.spa_values = nn.Parameter(torch.zeros(0, dtype=torch.float32, device=dev))
    layer.spa_k = int(k)  # type: ignore[attr-defined]
    return layer  # type: ignore[return-value]


def set_mask(layer: SparseLinear, idx: torch.Tensor, values: torch.Tensor | None = None) -> None:
    """Fix the sparse positions (flat indices into the weight) and their values (zeros by default)."""
    idx = idx.to(device=layer.weight.device, dtype=torch.long).contiguous()
    layer.spa_idx = idx
    vals = torch.zeros(len(idx), dtype=torch.float32, device=idx.device) if values is None else values
    # Keep the same Parameter object so an optimizer built earlier still holds it.
    layer.spa_values.data = vals.detach().to(device=idx.device, dtype=torch.float32).clone()


def remove_sparse(layer: SparseLinear) -> nn.Linear:
    """Back to a plain ``nn.Linear`` (after the delta was merged into the weight)."""
    del layer._buffers["spa_idx"]
    del layer._parameters["spa_values"]
    layer.__dict__.pop("spa_k", None)
    layer.__class__ = layer.plain_class
    return layer


def sparse_layers(model: nn.Module) -> dict[str, SparseLinear]:
    """The model's sparse layers by their name in the plain (unwrapped) Hugging Face model."""
    out = {}
    for name, mod in model.named_modules():
        if isinstance(mod, SparseLinear):
            name = name.removeprefix(PEFT_PREFIX).replace(".base_layer", "")
            out[name] = mod
    return out


def base_fingerprint(config: Any) -> dict[str, Any]:
    """What an adapter depends on in its base model: architecture and shapes."""
    keys = ("model_type", "hidden_size", "num_hidden_layers", "intermediate_size", "vocab_size",
            "num_attention_heads", "num_key_value_heads")
    return {k: getattr(config, k, None) for k in keys}


def check_base(expected: dict[str, Any] | None, config: Any, adapter_dir: Path, base_name: str) -> None:
    if not expected:
        return
    got = base_fingerprint(config)
    diff = {k: (v, got.get(k)) for k, v in expected.items() if v is not None and got.get(k) != v}
    if diff:
        k, (want, have) = next(iter(diff.items()))
        raise PanzaError(f"the adapter in {adapter_dir} was trained for a different base model ({k}={want}, "
                         f"but {base_name} has {k}={have}); pass the base it was trained on")


def read_config(adapter_dir: Path) -> dict[str, Any]:
    """``rosa_config.json`` of a RoSA adapter folder."""
    return json.loads((Path(adapter_dir) / CONFIG_FILE).read_text(encoding="utf-8"))


def save_rosa(model: nn.Module, out_dir: Path, *, base_name: str, density: float) -> None:
    """Write ``rosa_config.json`` + ``rosa_adapter.safetensors`` into ``out_dir``."""
    from peft import get_peft_model_state_dict
    from safetensors.torch import save_file

    from panza.jsonl import atomic_open

    out_dir.mkdir(parents=True, exist_ok=True)
    tensors = {f"lora.{k}": v.detach().cpu().contiguous() for k, v in get_peft_model_state_dict(model).items()}
    shapes = {}
    for name, layer in sparse_layers(model).items():
        tensors[f"sparse.{name}.idx"] = layer.spa_idx.detach().cpu().contiguous()
        tensors[f"sparse.{name}.values"] = layer.spa_values.detach().float().cpu().contiguous()
        shapes[name] = list(layer.dense_shape)
    lcfg = model.peft_config["default"].to_dict()
    lcfg = {k: (sorted(v) if isinstance(v, set) else v) for k, v in lcfg.items()}
    lcfg.pop("base_model_name_or_path", None)
    base_cfg = model.get_base_model().config
    meta = {
        "panza_adapter": "rosa",
        "base_model_name_or_path": base_name,
        "base_fingerprint": base_fingerprint(base_cfg),
        "density": density,
        "lora": {k: v for k, v in lcfg.items() if _jsonable(v)},
        "sparse_shapes": shapes,
    }
    tmp = out_dir / f".{WEIGHTS_FILE}.tmp"
    save_file(tensors, str(tmp), metadata={"format": "pt"})
    tmp.replace(out_dir / WEIGHTS_FILE)
    with atomic_open(out_dir / CONFIG_FILE) as fh:
        json.dump(meta, fh, indent=2)


def _jsonable(v: Any) -> bool:
    try:
        json.dumps(v)
    except TypeError:
        return False
    return True


def apply_rosa_adapter(model: nn.Module, adapter_dir: Path, base_name: str) -> nn.Module:
    """Wrap a loaded base ``model`` with the RoSA adapter saved in ``adapter_dir`` (eval mode)."""
    from peft import LoraConfig, get_peft_model, set_peft_model_state_dict
    from safetensors.torch import load_file

    from panza.models.peft_warnings import quiet_peft

    meta = read_config(adapter_dir)
    check_base(meta.get("base_fingerprint"), model.config, adapter_dir, base_name)
    tensors = load_file(str(adapter_dir / WEIGHTS_FILE))
    skip = {"peft_type", "base_model_name_or_path", "revision", "auto_mapping"}
    fields = LoraConfig.__dataclass_fields__
    lcfg = {k: v for k, v in meta["lora"].items() if k in fields and k not in skip}
    with quiet_peft():
        peft_model = get_peft_model(model, LoraConfig(**lcfg))
    lora_sd = {k.removeprefix("lora."): v for k, v in tensors.items() if k.startswith("lora.")}
    try:
        res = set_peft_model_state_dict(peft_model, lora_sd)
    except RuntimeError as e:
        raise PanzaError(f"the adapter in {adapter_dir} does not fit base {base_name} "
                         f"({str(e).splitlines()[0][:120]}); pass the base it was trained on") from None
    if getattr(res, "unexpected_keys", None):
        raise PanzaError(f"the adapter in {adapter_dir} does not fit base {base_name}; pass the base it was "
                         "trained on")
    from peft.tuners.lora import LoraLayer

    layers: dict[str, nn.Linear] = {}
    for name, mod in peft_model.named_modules():
        if isinstance(mod, LoraLayer):
            layers[name.removeprefix(PEFT_PREFIX)] = mod.get_base_layer()
    for name, layer in layers.items():
        idx = tensors.get(f"sparse.{name}.idx")
        if idx is None:
            continue
        sl = install_sparse(layer, len(idx))
        set_mask(sl, idx, tensors[f"sparse.{name}.values"])
    peft_model.eval()
    return peft_model


def merge_rosa(peft_model: nn.Module) -> nn.Module:
    """``W + B A * scale + S`` into a plain Hugging Face model (the PEFT wrapper is removed)."""
    with torch.no_grad():
        for layer in sparse_layers(peft_model).values():
            if layer.plain_class is not nn.Linear:
                raise PanzaError("merging needs the full-precision base: load it without 4-bit quantization")
            if layer.spa_idx.numel():
                layer.weight.data.reshape(-1).index_add_(
                    0, layer.spa_idx, layer.spa_values.detach().to(layer.weight.dtype))
            remove_sparse(layer)
    return peft_model.merge_and_unload()
