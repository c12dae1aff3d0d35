"""The folded LoRA dropout: same maths as PEFT's dropout-then-lora_A, a 1-byte mask instead of a copy."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("peft")

from panza.train.lora_dropout import DropoutLoraA, _MaskedDropoutLinear, fold_lora_dropout, keep_mask  # noqa: E402


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
