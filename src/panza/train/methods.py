"""Fine-tuning methods as small objects: what each adds to the model, trains, saves and resumes.

The training loop (:mod:`panza.train.trainer`) is the same for every method; a method answers the
questions where they differ. LoRA and RoSA share the adapter half; RoSA adds the sparse adapter and
its mask warm-up (masks chosen from accumulated gradients after a few steps); full fine-tuning
trains every weight and saves a whole model.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from panza.errors import PanzaError
from panza.train.lora_config import linear_names, lora_config
from panza.train.options import TrainOptions

log = logging.getLogger(__name__)


class Method:
    """Full fine-tuning; the base of the adapter methods."""

    name = "full"
    # several processes: FSDP shards the whole model (full fine-tuning); adapters go through DDP
    sharded = True
    # DDP must tolerate parameters without a gradient in a step (RoSA's sparse part before its mask)
    unused_parameters = False

    def __init__(self, opts: TrainOptions) -> None:
        self.opts = opts
        self.reduce_scores: Any = None  # several processes: sums per-process statistics over them

    def check(self, device: Any) -> None:
        if self.opts.precision == "4bit":
            from panza.train.precision import NO_FULL_4BIT

            raise PanzaError(NO_FULL_4BIT)

    def wrap(self, model: Any) -> Any:
        """The model with its trainable parts (here: every weight)."""
        model.requires_grad_(True)
        return model

    def param_groups(self, model: Any) -> list[dict[str, Any]]:
        """One group per learning rate."""
        return [{"params": [p for p in model.parameters() if p.requires_grad], "lr": self.opts.lr,
                 "name": "full"}]

    def trainable_state(self, model: Any) -> dict[str, Any]:
        """What changes during training, for resume."""
        return {k: v.detach().clone() for k, v in model.state_dict().items()}

    def load_trainable_state(self, model: Any, state: dict[str, Any]) -> None:
        own = model.state_dict()
        bad = [k for k, v in state.items() if k not in own or own[k].shape != v.shape]
        if bad:
            raise PanzaError(f"the resume checkpoint does not match this model ({bad[0]}); start fresh with "
                             "finetuning.resume=false")
        model.load_state_dict(state, strict=False)

    # ---- hooks around the loop (no-ops unless a method needs them) ------------------------------------
    def start(self, model: Any, total_steps: int, resume: dict[str, Any] | None, mask_chosen: bool) -> None:
        """Called once before the first step (``resume``: the saved state when resuming)."""

    def after_step(self, global_step: int) -> bool:
        """Called after each optimizer step; True when it changed the model (RoSA: masks chosen)."""
        return False

    def finish(self) -> bool:
        """Called once after the last step; True when it changed the model."""
        return False

    def resume_state(self) -> dict[str, Any]:
        """Extra state to save for resume."""
        return {}

    def metrics(self) -> dict[str, Any]:
        return {}

    def save(self, model: Any, run_dir: Path, base_path: str) -> None:
        model.config.use_cache = True
        model.save_pretrained(str(run_dir), safe_serialization=True)


class LoraMethod(Method):
    """LoRA through PEFT (PEFT's file format), with the fused in-place layer for CPU memory."""

    name = "lora"
    sharded = False

    def check(self, device: Any) -> None:
        """Adapters train over any base :func:`panza.train.precision.plan` allows (4-bit included)."""

    def wrap(self, model: Any) -> Any:
        import torch

        from panza.models.peft_warnings import quiet_peft
        from panza.train.lora_layers import fuse_lora_layers

        torch.manual_seed(self.opts.seed)  # adapter initialisation depends on the seed
        with quiet_peft():
            model = self._with_adapter(model)
        fuse_lora_layers(model)
        return model

    def _with_adapter(self, model: Any) -> Any:
        from peft import get_peft_model

        layers = getattr(model.config, "num_hidden_layers", None)
        base = self._frozen_base(model)
        linears = linear_names(base) if self.opts.adapter.top_layers else ()
        return get_peft_model(base, lora_config(self.opts.adapter, layers, linears))

    def _frozen_base(self, model: Any) -> Any:
        """A 4-bit base as PEFT prepares it (frozen, unquantized weights in fp32); others unchanged.

        Checkpointing stays the trainer's policy (:mod:`panza.train.memory`, set before this), not
        PEFT's default of always on.
        """
        if self.opts.precision != "4bit":
            return model
        from peft import prepare_model_for_kbit_training

        return prepare_model_for_kbit_training(model, use_gradient_checkpointing=False)

    def param_groups(self, model: Any) -> list[dict[str, Any]]:
        return [{"params": self._lora_params(model), "lr": self.opts.lr, "name": "lora"}]

    @staticmethod
    def _lora_params(model: Any) -> list[Any]:
        return [p for n, p in model.named_parameters() if "lora_" in n and p.requires_grad]

    def trainable_state(self, model: Any) -> dict[str, Any]:
        return {k: v.detach().clone() for k, v in model.state_dict().items() if "lora_" in k or ".spa_" in k}

    def save(self, model: Any, run_dir: Path, base_path: str) -> None:
        model.save_pretrained(str(run_dir), safe_serialization=True)


class RosaMethod(LoraMethod):
    """LoRA plus a sparse adapter whose mask is chosen after ``mask_warmup_steps`` from gradients."""

    name = "rosa"
    unused_parameters = True

    def __init__(self, opts: TrainOptions) -> None:
        super().__init__(opts)
        self.collector: Any = None
        self.mask_steps = 0  # reduce_scores sums the warm-up scores over processes (same masks)

    def _with_adapter(self, model: Any) -> Any:
        from panza.train.rosa import apply_rosa

        return apply_rosa(self._frozen_base(model), self.opts.adapter)  # over a 4-bit base: QRoSA

    def param_groups(self, model: Any) -> list[dict[str, Any]]:
        from panza.models.rosa_format import sparse_layers

        sparse = [layer.spa_values for layer in sparse_layers(model).values()]
        for p in sparse:
            p.requires_grad_(True)
        groups = [{"params": self._lora_params(model), "lr": self.opts.adapter.lora_lr, "name": "lora"}]
        if self.opts.adapter.density > 0:
            groups.append({"params": sparse, "lr": self.opts.lr, "name": "sparse"})
        return groups

    def load_trainable_state(self, model: Any, state: dict[str, Any]) -> None:
        from panza.models.rosa_format import SparseLinear, set_mask

        for name, mod in model.named_modules():
            idx = state.get(f"{name}.spa_idx")
            if isinstance(mod, SparseLinear) and idx is not None and idx.numel():
                set_mask(mod, idx, state[f"{name}.spa_values"])
        super().load_trainable_state(model, state)

    def start(self, model: Any, total_steps: int, resume: dict[str, Any] | None, mask_chosen: bool) -> None:
        if self.opts.adapter.density <= 0:
            return
        warmup = self.opts.adapter.mask_warmup_steps
        self.mask_steps = max(1, warmup)
        if self.mask_steps >= total_steps:
            self.mask_steps = max(1, total_steps // 4)
            log.warning("finetuning.rosa.mask_warmup_steps=%d is not shorter than the run (%d steps): using %d",
                        warmup, total_steps, self.mask_steps)
        if not mask_chosen:
            from panza.train.rosa import MaskCollector

            self.collector = MaskCollector(model, self.opts.adapter.grad_acc_mode)
            if resume and resume.get("mask_acc"):
                self.collector.load_state(resume["mask_acc"])

    def after_step(self, global_step: int) -> bool:
        if self.collector is None or global_step < self.mask_steps:
            return False
        self.finish()
        log.info("RoSA: sparse masks chosen after %d warm-up steps", self.mask_steps)
        return True

    def finish(self) -> bool:
        """Choose the masks now if the warm-up has not (a very short run), so the adapter is complete."""
        if self.collector is None:
            return False
        self.collector.finish(self.reduce_scores)
        self.collector = None
        return True

    def resume_state(self) -> dict[str, Any]:
        active = self.collector is not None and self.collector.active
        return {"mask_acc": self.collector.state() if active else None}

    def metrics(self) -> dict[str, Any]:
        return {"mask_warmup_steps": self.mask_steps}

    def save(self, model: Any, run_dir: Path, base_path: str) -> None:
        from panza.models.rosa_format import save_rosa

        save_rosa(model, run_dir, base_name=base_path, density=self.opts.adapter.density)


METHODS: dict[str, type[Method]] = {"full": Method, "lora": LoraMethod, "rosa": RosaMethod}


def method_for(opts: TrainOptions) -> Method:
    return METHODS[opts.method](opts)
