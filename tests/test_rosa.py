"""RoSA: the sparse adapter is computed correctly, chosen from gradients, trained, used and saved."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("peft")

from panza.errors import PanzaError  # noqa: E402
from test_train_support import tiny_model_dir, train_cfg, write_data  # noqa: E402


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_model_dir(str(tmp_path_factory.getbasetemp()))


def _opts(**kw):
    from panza.train.options import AdapterOptions

    base = {"r": 4, "alpha": 8.0, "dropout": 0.0, "target_modules": "all-linear", "density": 0.05}
    base.update(kw)
    return AdapterOptions(**base)


def _rosa_model(tiny: Path, **kw):
    from transformers import AutoModelForCausalLM

    from panza.train.rosa import apply_rosa

    torch.manual_seed(0)
    return apply_rosa(AutoModelForCausalLM.from_pretrained(tiny), _opts(**kw))


def test_select_mask_picks_the_largest_scores() -> None:
    from panza.train.rosa import select_mask

    g = torch.Generator().manual_seed(1)
    score = torch.rand(12, 7, generator=g)
    idx = select_mask(score, 9)
    assert idx.tolist() == sorted(idx.tolist())
    chosen = set(idx.tolist())
    assert chosen == set(torch.argsort(score.reshape(-1), descending=True)[:9].tolist())
    assert select_mask(score, 0).numel() == 0


def test_sparse_linear_matches_dense_math_forward_and_backward() -> None:
    from panza.models.rosa_format import install_sparse, set_mask

    torch.manual_seed(0)
    lin = torch.nn.Linear(6, 5)
    w0, b0 = lin.weight.detach().clone(), lin.bias.detach().clone()
    lin.requires_grad_(False)
    sl = install_sparse(lin, 4)
    idx = torch.tensor([0, 7, 13, 29])
    set_mask(sl, idx, torch.tensor([0.5, -1.0, 2.0, 0.25]))
    x = torch.randn(3, 2, 6, requires_grad=True)
    y = sl(x)
    # reference: the dense matrix W + S built with differentiable ops
    vals = sl.spa_values.detach().clone().requires_grad_(True)
    dense = torch.zeros(30).index_put((idx,), vals).view(5, 6)
    x2 = x.detach().clone().requires_grad_(True)
    ref = torch.nn.functional.linear(x2, w0 + dense, b0)
    assert torch.allclose(y, ref, atol=1e-6)
    gy = torch.randn_like(y)
    y.backward(gy)
    ref.backward(gy)
    assert torch.allclose(sl.spa_values.grad, vals.grad, atol=1e-5)
    assert torch.allclose(x.grad, x2.grad, atol=1e-5)
    assert lin.weight.grad is None  # the frozen weight gets no gradient
    assert torch.allclose(sl.sparse_delta(), dense.detach())


def test_mask_comes_from_accumulated_squared_gradients(tiny: Path) -> None:
    from panza.models.rosa_format import sparse_layers
    from panza.train.rosa import MaskCollector, select_mask

    model = _rosa_model(tiny, density=0.02)
    layers = sparse_layers(model)
    ids = [torch.randint(0, 1000, (2, 12), generator=torch.Generator().manual_seed(s)) for s in (1, 2)]
    # expected: sum over the two batches of the squared gradient of each frozen weight
    expected = {n: torch.zeros_like(lay.weight) for n, lay in layers.items()}
    for batch in ids:
        for lay in layers.values():
            lay.weight.requires_grad_(True)
        model.zero_grad(set_to_none=True)
        model(input_ids=batch, labels=batch).loss.backward()
        for n, lay in layers.items():
            expected[n] += lay.weight.grad.detach() ** 2
            lay.weight.grad = None
            lay.weight.requires_grad_(False)
    model.zero_grad(set_to_none=True)
    col = MaskCollector(model, "mean_squared")
    for batch in ids:
        model(input_ids=batch, labels=batch).loss.backward()
        model.zero_grad(set_to_none=True)
    for n in layers:
        assert torch.allclose(col.acc[n], expected[n], rtol=1e-4, atol=1e-10)
    col.finish()
    for n, lay in layers.items():
        k = lay.spa_k
        assert k == round(0.02 * lay.weight.numel()) and k > 0
        assert lay.spa_idx.tolist() == select_mask(expected[n], k).tolist()
        assert not lay.weight.requires_grad and torch.count_nonzero(lay.spa_values) == 0


def _run(tiny: Path, tmp: Path, method: str, *extra: str) -> Path:
    from panza.train.trainer import train

    data = write_data(tmp / "data")
    return train(train_cfg(tiny, data, tmp / "ck", method, "finetuning.max_duration=6ba", *extra))


def _metrics(run: Path) -> dict:
    return json.loads((run / "metrics.json").read_text())


def test_rosa_density_zero_is_lora(tiny: Path, tmp_path: Path) -> None:
    from safetensors.torch import load_file

    lora = _run(tiny, tmp_path, "lora", "finetuning.lr=1e-3", "finetuning.lora.r=4", "finetuning.lora.lora_alpha=8")
    rosa = _run(tiny, tmp_path, "rosa", "finetuning.lr=5e-3", "finetuning.rosa.lora_lr=1e-3",
                "finetuning.rosa.spa_d=0", "finetuning.rosa.lora_r=4", "finetuning.rosa.lora_alpha=8")
    lo = [h["loss"] for h in _metrics(lora)["history"]]
    ro = [h["loss"] for h in _metrics(rosa)["history"]]
    assert lo == ro
    a = load_file(lora / "adapter_model.safetensors")
    b = {k.removeprefix("lora."): v for k, v in load_file(rosa / "rosa_adapter.safetensors").items()
         if k.startswith("lora.")}
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_sparse_adapter_is_trained_used_and_reloadable(tiny: Path, tmp_path: Path) -> None:
    from safetensors.torch import load_file

    from panza.models.loading import load_adapted as load_rosa_model
    from panza.models.rosa_format import sparse_layers

    run = _run(tiny, tmp_path, "rosa", "finetuning.lr=1e-2", "finetuning.rosa.lora_lr=1e-3",
               "finetuning.rosa.spa_d=0.02", "finetuning.rosa.mask_warmup_steps=2")
    t = load_file(run / "rosa_adapter.safetensors")
    vals = [v for k, v in t.items() if k.endswith(".values")]
    assert vals and all(v.numel() > 0 for v in vals)
    assert all(torch.count_nonzero(v) > 0 for v in vals)  # trained away from their zero start
    assert _metrics(run)["mask_warmup_steps"] == 2
    model = load_rosa_model(run)
    ids = torch.randint(0, 1000, (1, 16), generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        with_sparse = model(input_ids=ids).logits
        for layer in sparse_layers(model).values():
            layer.spa_values.zero_()
        without = model(input_ids=ids).logits
    assert (with_sparse - without).abs().max() > 1e-4  # the sparse part changes the output


def test_rosa_adapter_for_another_base_is_refused(tiny: Path, tmp_path: Path) -> None:
    from transformers import AutoConfig, AutoModelForCausalLM

    from panza.models.loading import load_adapted as load_rosa_model

    run = _run(tiny, tmp_path, "rosa", "finetuning.rosa.mask_warmup_steps=1")
    cfg = AutoConfig.from_pretrained(tiny)
    cfg.hidden_size = 32
    cfg.intermediate_size = 64
    AutoModelForCausalLM.from_config(cfg).save_pretrained(tmp_path / "other")
    with pytest.raises(PanzaError, match="different base model"):
        load_rosa_model(run, base=str(tmp_path / "other"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(PanzaError, match="holds no model"):
        load_rosa_model(tmp_path / "empty")
