"""Lean PEFT LoRA layers: folded dropout (a 1-byte mask, not a copy) and an in-place fused add, same maths."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("peft")

from panza.train.lora_layers import (  # noqa: E402
    DropoutLoraA,
    FusedLoraLinear,
    _MaskedDropoutLinear,
    fold_lora_dropout,
    fuse_lora_layers,
    keep_mask,
)


def test_keep_mask_has_the_requested_rate_and_shape() -> None:
    torch.manual_seed(0)
    for keep in (0.95, 0.5, 0.9):
        m = keep_mask(torch.Size([257, 301]), keep, torch.device("cpu"))
        assert m.shape == (257, 301) and m.dtype == torch.bool
        assert abs(m.float().mean().item() - keep) < 0.005
    a, b = keep_mask(torch.Size([64, 64]), 0.5, torch.device("cpu")), keep_mask(torch.Size([64, 64]), 0.5, torch.device("cpu"))
    assert not torch.equal(a, b)  # fresh draws, not a fixed pattern


def test_forward_and_backward_equal_the_explicit_dropout_formula() -> None:
    torch.manual_seed(0)
    x = torch.randn(2, 7, 16, requires_grad=True)
    w = torch.randn(4, 16, requires_grad=True)
    torch.manual_seed(5)
    y = _MaskedDropoutLinear.apply(x, w, 0.3)
    torch.manual_seed(5)
    mask = keep_mask(x.shape, 0.7, x.device)  # the same draw
    x2, w2 = x.detach().clone().requires_grad_(), w.detach().clone().requires_grad_()
    y2 = (x2 * mask / 0.7) @ w2.t()
    gy = torch.randn_like(y)
    y.backward(gy)
    y2.backward(gy)
    assert torch.allclose(y, y2, atol=1e-6)
    assert torch.allclose(x.grad, x2.grad, atol=1e-6) and torch.allclose(w.grad, w2.grad, atol=1e-6)
    assert 0 < int((~mask).sum()) < mask.numel()  # some inputs really were dropped


def _peft_model(dropout: float):
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(0)
    base = torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.ReLU(), torch.nn.Linear(32, 8))
    cfg = LoraConfig(r=4, lora_alpha=8, lora_dropout=dropout, target_modules=["0", "2"], init_lora_weights=False)
    return get_peft_model(base, cfg)


def test_fold_keeps_the_adapter_and_eval_output_and_really_drops_in_training() -> None:
    ref, model = _peft_model(0.2), _peft_model(0.2)
    keys = set(model.state_dict())
    assert fold_lora_dropout(model) == 2
    assert set(model.state_dict()) == keys  # the saved adapter is unchanged
    assert all(type(m) is DropoutLoraA for n, m in model.named_modules() if n.endswith("lora_A.default"))
    x = torch.randn(5, 16)
    ref.eval()
    model.eval()
    assert torch.allclose(ref(x), model(x), atol=1e-6)  # no dropout at inference
    model.train()
    assert not torch.allclose(model(x), model(x))  # dropout active while training
    assert fold_lora_dropout(_peft_model(0.0)) == 0  # nothing to fold without dropout


def test_fused_lora_linear_equals_peft_in_output_and_gradients() -> None:
    ref, model = _peft_model(0.0), _peft_model(0.0)
    assert fuse_lora_layers(model) == (2, 0)
    assert sum(type(m) is FusedLoraLinear for m in model.modules()) == 2
    assert set(model.state_dict()) == set(ref.state_dict())
    x = torch.randn(3, 5, 16)
    y_ref, y = ref(x), model(x)
    assert torch.allclose(y_ref, y, atol=1e-6)
    gy = torch.randn_like(y)
    y_ref.backward(gy)
    y.backward(gy)
    grads = {n: p.grad for n, p in model.named_parameters() if p.requires_grad}
    assert grads and all(n.split(".lora_")[0] for n in grads)
    for n, p in ref.named_parameters():
        if p.requires_grad:
            assert torch.allclose(p.grad, grads[n], atol=1e-5), n
    with model.disable_adapter(), ref.disable_adapter():  # PEFT's own path serves the other cases
        y_off = model(x)
        assert torch.allclose(y_off, ref(x), atol=1e-6) and not torch.allclose(y_off, y, atol=1e-3)


def test_fused_lora_linear_with_dropout_trains_like_the_explicit_formula() -> None:
    model = _peft_model(0.3)
    fuse_lora_layers(model)
    layer = model.base_model.model[0]
    x = torch.randn(4, 16)
    torch.manual_seed(7)
    y = layer(x)
    torch.manual_seed(7)
    mask = keep_mask(x.shape, 0.7, x.device)
    a, b = layer.lora_A["default"].weight, layer.lora_B["default"].weight
    expected = layer.base_layer(x) + ((x * mask / 0.7) @ a.t()) @ b.t() * layer.scaling["default"]
    assert torch.allclose(y, expected, atol=1e-5)


def test_fused_lora_linear_under_autocast_runs_the_base_layer_once() -> None:
    ref, model = _peft_model(0.0), _peft_model(0.0)
    fuse_lora_layers(model)
    calls = []
    layer = model.base_model.model[0]
    layer.base_layer.register_forward_hook(lambda *_: calls.append(1))
    x = torch.randn(3, 16)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        y, y_ref = model(x), ref(x)
    assert len(calls) == 1 and y.dtype == y_ref.dtype
    assert torch.allclose(y.float(), y_ref.float(), atol=1e-2)
