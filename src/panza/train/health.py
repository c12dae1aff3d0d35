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
