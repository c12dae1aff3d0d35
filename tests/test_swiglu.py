"""The lean gated MLP: same values and gradients as the model's own MLP, one saved activation fewer."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from panza.train.swiglu import LeanGatedMLP, SiluMul, lean_mlps  # noqa: E402


def _tiny_llama():
    cfg = transformers.LlamaConfig(vocab_size=64, hidden_size=16, intermediate_size=40, num_hidden_layers=2,
                                   num_attention_heads=2, num_key_value_heads=1)
    torch.manual_seed(0)
    return transformers.LlamaForCausalLM(cfg)


def test_silu_mul_matches_autograd_in_value_and_gradient() -> None:
    g = torch.randn(3, 5, 40, dtype=torch.float64, requires_grad=True)
    u = torch.randn(3, 5, 40, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(SiluMul.apply, (g, u))
    assert torch.allclose(SiluMul.apply(g, u), torch.nn.functional.silu(g) * u)


def test_lean_mlps_swaps_llama_mlps_keeps_state_and_saves_one_tensor_less() -> None:
    ref, model = _tiny_llama(), _tiny_llama()
    assert lean_mlps(model) == 2 and lean_mlps(model) == 0  # idempotent
    assert all(isinstance(layer.mlp, LeanGatedMLP) for layer in model.model.layers)
    assert model.state_dict().keys() == ref.state_dict().keys()
    ids = torch.randint(0, 64, (2, 9))
    out_ref, out = ref(ids, labels=ids), model(ids, labels=ids)
    assert torch.allclose(out_ref.logits, out.logits, atol=1e-6)
    out_ref.loss.backward()
    out.loss.backward()
    for (n, p), q in zip(ref.named_parameters(), model.parameters(), strict=True):
        assert torch.allclose(p.grad, q.grad, atol=1e-6), n

    def saved_bytes(m) -> int:
        seen: dict[int, int] = {}

        def pack(t):
            seen[t.untyped_storage().data_ptr()] = t.untyped_storage().nbytes()
            return t

        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            m(ids, labels=ids)
        params = {p.untyped_storage().data_ptr() for p in m.parameters()}
        return sum(v for k, v in seen.items() if k not in params)

    # one (batch x seq x intermediate) fp32 tensor per layer fewer
    assert saved_bytes(ref) - saved_bytes(model) == 2 * 2 * 9 * 40 * 4


def test_other_mlps_are_left_alone() -> None:
    class GeluMLP(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.gate_proj, self.up_proj = torch.nn.Linear(4, 6), torch.nn.Linear(4, 6)
            self.down_proj, self.act_fn = torch.nn.Linear(6, 4), torch.nn.SiLU()

        def forward(self, x):  # not the gated formula: the product is skipped
            return self.down_proj(self.act_fn(self.gate_proj(x)) + self.up_proj(x))

    assert lean_mlps(torch.nn.Sequential(GeluMLP())) == 0
