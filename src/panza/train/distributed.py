"""Several processes (``torchrun`` / ``accelerate launch``): torch.distributed DDP and FSDP, set up once.

Why this shape: the recipe stays one process's loop; what changes under N processes is (1) each
process takes its share of every optimizer step's examples, so the global batch stays
``batch_size x gradient_accumulation`` whatever N is; (2) the forward pass goes through PyTorch's
``DistributedDataParallel`` (LoRA, RoSA) or ``fully_shard`` (full fine-tuning; FSDP), which average
gradients in backward; (3) rank 0 alone writes the run directory. The loss of a step is divided by
the *global* number of target tokens times N, so DDP's average is exactly the single-process
gradient. Nothing here is active in a plain ``panza train`` (world size 1).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from panza.errors import PanzaError


@dataclass(frozen=True)
class World:
    """This process's place among the training processes (from the launcher's environment)."""

    size: int = 1
    rank: int = 0
    local_rank: int = 0
    local_size: int = 1

    @property
    def main(self) -> bool:
        return self.rank == 0

    @property
    def active(self) -> bool:
        return self.size > 1


def from_env(env: dict[str, str] | None = None) -> World:
    """``WORLD_SIZE``/``RANK``/``LOCAL_RANK``/``LOCAL_WORLD_SIZE`` as set by torchrun and accelerate."""
    e = os.environ if env is None else env
    try:
        size = int(e.get("WORLD_SIZE", "1"))
        rank = int(e.get("RANK", "0"))
        local = int(e.get("LOCAL_RANK", str(rank)))
        local_size = int(e.get("LOCAL_WORLD_SIZE", str(size)))
    except ValueError:
        raise PanzaError("WORLD_SIZE/RANK/LOCAL_RANK are not numbers: start several processes with "
                         "torchrun --nproc_per_node=N -m panza train …") from None
    return World(size, rank, local, local_size)


def init(world: World, cuda: bool) -> None:
    """Join the process group: NCCL between GPUs, gloo on CPU."""
    if not world.active:
        return
    import torch
    import torch.distributed as dist

    if not dist.is_initialized():
        if cuda:
            torch.cuda.set_device(world.local_rank)
        dist.init_process_group(backend="nccl" if cuda else "gloo")


def shutdown(world: World) -> None:
    if world.active:
        import torch.distributed as dist

        if dist.is_initialized():
            dist.destroy_process_group()


def shard_step(passes: list[list[Any]], world: World, lengths: Any, budget: int) -> tuple[list[list[Any]], bool]:
    """This rank's forward passes of one optimizer step, and whether it only keeps the collective going.

    The step's examples are sorted by length and dealt round-robin (similar lengths land together
    again when re-split by the token budget), so ranks get near-equal work. A rank left without an
    example (a last step smaller than N) runs one pass on the step's first example with zero weight:
    DDP's backward is a collective every rank must join.
    """
    from panza.train.data import split_by_tokens

    flat = sorted((e for mb in passes for e in mb), key=lengths)
    mine = flat[world.rank::world.size]
    if not mine:
        return [[flat[0]]], True
    order = list(range(len(mine)))
    return [[mine[i] for i in grp] for grp in split_by_tokens(order, [lengths(e) for e in mine], budget)], False


def all_sum(values: list[float], device: Any) -> list[float]:
    """Element-wise sum of ``values`` over every process (identical results everywhere)."""
    import torch
    import torch.distributed as dist

    t = torch.tensor(values, dtype=torch.float64, device=device)
    dist.all_reduce(t, op=dist.ReduceOp.SUM)
    return [float(v) for v in t.tolist()]


def broadcast(obj: Any) -> Any:
    """Rank 0's ``obj`` on every process."""
    import torch.distributed as dist

    box = [obj]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def barrier() -> None:
    import torch.distributed as dist

    dist.barrier()


def all_sum_tensors(tensors: dict[str, Any]) -> None:
    """Sum tensors in place over every process (RoSA's warm-up scores, so every rank picks one mask)."""
    import torch.distributed as dist

    for t in tensors.values():
        dist.all_reduce(t, op=dist.ReduceOp.SUM)


def loss_module(model: Any) -> Any:
    """``model``'s summed email-token loss as a module: ``module(ids, labels) -> (sum, count tensor)``.

    The trainer's loss calls the decoder and the head directly; DDP synchronises gradients and FSDP
    gathers the root's weights only in their own ``forward``, hence this small module around the loss.
    """
    import torch

    from panza.train import loss

    class LossModule(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, ids: Any, labels: Any) -> Any:
            s, k = loss.loss_sum(self.inner, ids, labels)
            return s, torch.tensor(k)

    return LossModule(model)


def ddp(model: Any, device: Any, unused: bool = False) -> Any:
    """The loss module under DDP (LoRA, RoSA): gradients averaged over the processes in backward."""
    from torch.nn.parallel import DistributedDataParallel

    ids = [device.index] if device.type == "cuda" else None
    # unused: RoSA's sparse values get no gradient until their mask is chosen
    return DistributedDataParallel(loss_module(model), device_ids=ids, find_unused_parameters=unused)


def release_ddp(holder: Any, attr: str) -> None:
    """Drop a DDP module before building a new one over parameters that changed size (RoSA's sparse
    values once masks are chosen): ``holder.attr`` is set to None and the module freed.

    The old reducer holds each parameter's gradient accumulator, which remembers the old size; a new
    DDP built while it lives would pick up the same accumulators.
    """
    import gc

    getattr(holder, attr)._remove_autograd_hooks()
    setattr(holder, attr, None)
    gc.collect()


def fsdp(model: Any) -> Any:
    """Full fine-tuning sharded over the processes: each decoder layer, then the loss module (FSDP2).

    Returns the loss module (its forward gathers the embeddings, final norm and head); ``model``'s
    parameters become the sharded ones the optimizer steps.
    """
    try:
        from torch.distributed.fsdp import fully_shard
    except ImportError:  # pragma: no cover - torch < 2.6
        raise PanzaError("FSDP needs torch >= 2.6 (torch.distributed.fsdp.fully_shard); upgrade torch or train "
                         "finetuning=lora with several processes") from None
    for layer in model.get_decoder().layers:
        fully_shard(layer)
    module = loss_module(model)
    fully_shard(module)
    return module


def full_state_dict(model: Any) -> dict[str, Any]:
    """Every weight gathered on every rank's CPU (a collective: all ranks call it)."""
    from torch.distributed.checkpoint.state_dict import StateDictOptions, get_model_state_dict

    return get_model_state_dict(model, options=StateDictOptions(full_state_dict=True, cpu_offload=True))
