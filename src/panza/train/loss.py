"""The loss on the email tokens, evaluation and the learning-rate schedule, shared by every method."""

from __future__ import annotations

import math
from typing import Any

LOSS_CHUNK = 128  # target tokens per output-head chunk


def decoder_and_head(model: Any) -> tuple[Any, Any]:
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    return base.get_decoder(), base.get_output_embeddings()


def loss_sum(model: Any, ids: Any, labels: Any, prefix: Any = None) -> tuple[Any, int]:
    """Summed next-token loss over the email tokens; the output head runs only on those positions.

    Why not ``model(labels=…)``: that computes vocabulary logits for every prompt token too (most of
    each example), which costs time and hundreds of MB of memory for nothing.

    ``prefix`` (1-D ids): tokens every row starts with, stripped from ``ids`` (the system and user
    preambles; half of a short email's example). They run once, and their keys and values are
    shared by the rows (the gradient of the copies adds up in the one computation), which gives the
    same loss and gradients as running each row whole. Not with HF's gradient checkpointing,
    which drops a layer's cache.
    """
    import torch
    import torch.nn.functional as F
    from torch.utils.checkpoint import checkpoint

    decoder, head = decoder_and_head(model)
    if prefix is None or len(prefix) == 0:
        hidden = decoder(input_ids=ids, use_cache=False).last_hidden_state
    else:
        cache = decoder(input_ids=prefix[None], use_cache=True).cache
        cache.batch_repeat_interleave(ids.shape[0])
        hidden = decoder(input_ids=ids, cache=cache, use_cache=True).last_hidden_state
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


def evaluate(model: Any, examples: list[Any], batch_size: int, pad_id: int, device: Any,
             autocast: Any, forward: Any = None, prefix: int = 0) -> tuple[float, float]:
    """Mean token loss and perplexity of ``examples`` (no dropout, no gradients).

    ``forward(ids, labels) -> (sum, count)`` replaces :func:`loss_sum` (several processes: the
    sharded model must be called through its FSDP module). ``prefix``: leading tokens every example
    shares, run once per batch (not with ``forward``).
    """
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
            batch = [examples[j] for j in order[i:i + batch_size]]
            skip = 0 if forward else prefix
            ids, labels = collate(batch, pad_id, skip)
            pre = torch.tensor(batch[0].input_ids[:skip], device=device) if skip else None
            with autocast():
                s, k = (forward or (lambda i, t, p=pre: loss_sum(model, i, t, p)))(ids.to(device), labels.to(device))
            tot += float(s)
            n += int(k)
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
