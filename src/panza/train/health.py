"""Is training still learning? A diverged run stops with a one-line message instead of ending "done".

Measured (issue #15): at ``finetuning.lr=1e4`` the loss went 3.1 -> 26.9 -> 10.8 (about ln of the
vocabulary: noise) and the run was saved as finished, so ``checkpoint=latest`` served it. A loss that
is not finite, a gradient norm that is not finite, or a step loss far above where training started
means the weights are broken, whatever happens after.
"""

from __future__ import annotations

import math


class DivergenceCheck:
    """Compares each step's loss with the mean of the first ``warm`` steps (the start of training)."""

    def __init__(self, factor: float, warm: int = 3) -> None:
        self.factor = factor
        self.warm = warm
        self.first: list[float] = []

    def observe(self, loss: float, grad_norm: float | None = None) -> str | None:
        """Why training diverged at this step, or ``None`` while it looks sane (``factor`` 0: only NaN/inf)."""
        if not math.isfinite(loss):
            return f"the loss is {loss}"
        if grad_norm is not None and not math.isfinite(grad_norm):
            return f"the gradient norm is {grad_norm}"
        if len(self.first) < self.warm:
            self.first.append(loss)
            return None
        start = sum(self.first) / len(self.first)
        if self.factor > 0 and loss > self.factor * start and loss - start > 1.0:
            return f"the loss rose to {loss:.2f} from {start:.2f} at the start"
        return None


class WeightCheck:
    """The trainable weights' norm after each update: not finite, or ``factor`` times where it started.

    Gradient clipping bounds each step, not the sum of many: an absurd learning rate grows the adapter
    (LoRA B starts at zero, so its start is A's norm) by orders of magnitude in a few steps, long
    before the loss shows NaN. Ordinary fine-tuning moves it by a few percent.
    """

    def __init__(self, factor: float) -> None:
        self.factor = factor
        self.start: float | None = None

    def observe(self, norm: float) -> str | None:
        if not math.isfinite(norm):
            return f"the trainable weights' norm is {norm}"
        if self.start is None:
            self.start = max(norm, 1e-6)
            return None
        if self.factor > 0 and norm > self.factor * self.start and norm - self.start > 1.0:
            return f"the trainable weights' norm grew to {norm:.3g} from {self.start:.3g}"
        return None


def weight_norm(params: list) -> float:
    """L2 norm of all trainable parameters (one small reduction per tensor, no copy)."""
    import torch

    with torch.no_grad():
        norms = [p.detach().float().norm() for p in params]
        return float(torch.linalg.vector_norm(torch.stack(norms))) if norms else 0.0
