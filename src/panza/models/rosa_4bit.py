"""QRoSA's layer: RoSA's sparse delta over a frozen bitsandbytes 4-bit (NF4) weight.

Imported only when a 4-bit RoSA layer is made (it imports bitsandbytes). Same design as
:class:`panza.models.rosa_format.SparseLinear`: one matmul with ``dequant(W) + S``, the dense matrix
rebuilt in backward rather than kept. bitsandbytes' own 4-bit matmul dequantizes the whole weight
for training inputs too, so the sparse half adds an ``index_add`` per layer, not a second matmul.

The mask warm-up needs the gradient of the dense weight, which a packed 4-bit parameter cannot hold:
it is computed in backward (``gy^T x``, what autograd would give a dense weight) and handed to the
collector, one layer at a time. The sparse values and their gradient stay fp32; indices point into
the dense ``(out, in)`` weight, so the saved adapter loads over the bf16/fp32 base like any RoSA run.
"""

from __future__ import annotations

from typing import Any

import bitsandbytes as bnb
import torch
import torch.nn.functional as F

from panza.models.rosa_format import SPARSE_KINDS, SparseLinear


class _Sparse4bitLinear(torch.autograd.Function):
    """``F.linear(x, dequant(W) + scatter(values), b)`` with gradients for ``x`` and ``values``, and
    the dense weight's gradient passed to ``layer.grad_sink`` while one is set."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, values: torch.Tensor, layer: SparseLinear4bit) -> torch.Tensor:
        ctx.layer = layer
        ctx.save_for_backward(x, values)
        dt = layer.matmul_dtype(x)
        bias = None if layer.bias is None else layer.bias.to(dt)
        return F.linear(x.to(dt), layer.dense_weight(dt, values.detach()), bias).to(x.dtype)

    @staticmethod
    def backward(ctx: Any, gy: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        x, values = ctx.saved_tensors
        layer: SparseLinear4bit = ctx.layer
        dt = layer.matmul_dtype(x)
        g = gy.to(dt)
        gx = gv = None
        if ctx.needs_input_grad[0]:
            gx = (g @ layer.dense_weight(dt, values)).to(x.dtype)
        sink = layer.grad_sink
        want_values = ctx.needs_input_grad[1] and values.numel() > 0  # none before the mask is chosen
        if sink is not None or want_values:
            gw = g.reshape(-1, g.shape[-1]).t() @ x.reshape(-1, x.shape[-1]).to(dt)  # the dense weight's grad
            if want_values:
                gv = gw.reshape(-1)[layer.spa_idx].to(values.dtype)
            if sink is not None:
                sink(gw)
        return gx, gv, None


class SparseLinear4bit(SparseLinear, bnb.nn.Linear4bit):
    """A bitsandbytes ``Linear4bit`` with RoSA's sparse delta (installed by swapping the class).

    Its forward never goes through bitsandbytes' own: that one, in eval mode on a CPU with AVX512-BF16,
    repacks the weight into a layout only its inference kernel reads (``dequantize_4bit`` would then
    give wrong values).
    """

    plain_class = bnb.nn.Linear4bit
    grad_sink: Any = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _Sparse4bitLinear.apply(x, self.spa_values, self)  # type: ignore[no-any-return]

    def matmul_dtype(self, x: torch.Tensor) -> torch.dtype:
        """bitsandbytes' rule: the layer's compute dtype, else the input's."""
        return self.compute_dtype or x.dtype

    def dense_weight(self, dtype: torch.dtype, values: torch.Tensor | None = None) -> torch.Tensor:
        """``dequant(W)`` (+ the sparse delta) as a new dense ``(out, in)`` matrix in ``dtype``."""
        bnb.nn.modules.fix_4bit_weight_quant_state_from_module(self)
        w = bnb.functional.dequantize_4bit(self.weight.data, self.weight.quant_state).to(dtype)
        if values is not None and self.spa_idx.numel():
            w.view(-1).index_add_(0, self.spa_idx, values.detach().to(dtype))
        return w

    def collect_grads(self, fold: Any) -> Any:
        """As :meth:`SparseLinear.collect_grads`, the gradient computed in this layer's backward."""
        self.grad_sink = fold
        layer = self

        class Handle:
            def remove(self) -> None:
                layer.grad_sink = None

        return Handle()


SPARSE_KINDS[bnb.nn.Linear4bit] = SparseLinear4bit
