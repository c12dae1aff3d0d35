"""QLoRA and QRoSA: LoRA and RoSA over a frozen 4-bit (bitsandbytes NF4) base, trained for real on this CPU.

bitsandbytes' CPU backend quantizes and dequantizes NF4 here, so the 4-bit runs below are the same
code a GPU runs (a GPU computes in bf16 instead of fp32). Without bitsandbytes, or with one that has
no CPU backend, these tests skip and say so; ``bench/gpu_train.py`` runs both on a GPU.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("peft")
bnb = pytest.importorskip("bitsandbytes", reason="bitsandbytes is not installed (pip install 'panza[ml]')")

from panza.errors import PanzaError  # noqa: E402
from panza.train import precision as P  # noqa: E402
from test_train_support import tiny_model_dir, train_cfg, write_data  # noqa: E402

GIB = 2**30


def _cpu_4bit() -> str | None:
    try:
        P.check_4bit(cuda=False)
    except PanzaError as e:
        return str(e)
    return None


needs_cpu_4bit = pytest.mark.skipif(_cpu_4bit() is not None, reason=f"needs a CUDA GPU here: {_cpu_4bit()}")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_model_dir(str(tmp_path_factory.getbasetemp()))


def _linear4bit(w: torch.Tensor) -> torch.nn.Module:
    q = bnb.nn.Linear4bit(w.shape[1], w.shape[0], bias=False, compute_dtype=torch.float32, quant_type="nf4")
    q.weight = bnb.nn.Params4bit(w.clone(), requires_grad=False, quant_type="nf4")
    return q.to("cpu")  # quantizes


@needs_cpu_4bit
def test_4bit_sparse_layer_matches_dense_math_and_hands_over_the_dense_gradient() -> None:
    from panza.models.rosa_4bit import SparseLinear4bit
    from panza.models.rosa_format import install_sparse, remove_sparse, set_mask

    torch.manual_seed(0)
    layer = install_sparse(_linear4bit(torch.randn(8, 64) * 0.05), 5)
    assert isinstance(layer, SparseLinear4bit) and layer.dense_shape == (8, 64)
    w = bnb.functional.dequantize_4bit(layer.weight.data, layer.weight.quant_state).float()
    x = torch.randn(3, 2, 64)
    got: list[torch.Tensor] = []
    handle = layer.collect_grads(got.append)  # the warm-up: no mask yet, dense gradient handed over
    x1 = x.clone().requires_grad_(True)
    w1 = w.clone().requires_grad_(True)
    gy = torch.randn(3, 2, 8)
    layer(x1).backward(gy)
    torch.nn.functional.linear(x, w1).backward(gy)
    handle.remove()
    assert len(got) == 1 and torch.allclose(got[0], w1.grad, atol=1e-5)
    idx = torch.tensor([3, 70, 200, 301, 511])
    set_mask(layer, idx, torch.tensor([0.5, -1.0, 2.0, 0.25, 0.1]))
    vals = layer.spa_values.detach().clone().requires_grad_(True)
    x2, x3 = x.clone().requires_grad_(True), x.clone().requires_grad_(True)
    y = layer(x2)
    ref = torch.nn.functional.linear(x3, w + torch.zeros(512).index_put((idx,), vals).view(8, 64))
    assert torch.allclose(y, ref, atol=1e-5)
    y.backward(gy)
    ref.backward(gy)
    assert torch.allclose(layer.spa_values.grad, vals.grad, atol=1e-5)
    assert torch.allclose(x2.grad, x3.grad, atol=1e-5)
    assert len(got) == 1  # collection stopped with the handle
    assert torch.allclose(layer.sparse_delta(), torch.zeros(512).index_put((idx,), vals.detach()).view(8, 64))
    assert type(remove_sparse(layer)) is bnb.nn.Linear4bit


def _metrics(run: Path) -> dict:
    return json.loads((run / "metrics.json").read_text())


@needs_cpu_4bit
@pytest.mark.parametrize("method", ["lora", "rosa"])
def test_4bit_run_trains_saves_drafts_and_merges_like_its_full_precision_kind(tiny: Path, tmp_path: Path,
                                                                              method: str) -> None:
    from safetensors.torch import load_file
    from transformers import AutoModelForCausalLM

    from panza.export.merge import merge
    from panza.llm import load_llm
    from panza.models.loading import load_adapted
    from panza.models.rosa_format import sparse_layers
    from panza.train.trainer import Recipe

    data = write_data(tmp_path / "data")
    extra = {"lora": ("finetuning.lora.r=4", "finetuning.lora.lora_alpha=8"),
             "rosa": ("finetuning.rosa.lora_r=4", "finetuning.rosa.lora_alpha=8", "finetuning.rosa.lora_lr=1e-3",
                      "finetuning.rosa.spa_d=0.02", "finetuning.rosa.mask_warmup_steps=2")}[method]
    recipe = Recipe(train_cfg(tiny, data, tmp_path / "ck", method, "finetuning.precision=4bit",
                              "finetuning.max_duration=6ba", "finetuning.lr=1e-2", "finetuning.resume=false",
                              *extra))
    run = recipe.run()
    quantized = [m for m in recipe.model.modules() if isinstance(m, bnb.nn.Linear4bit)]
    assert len(quantized) == 14  # 7 linear layers x 2 blocks, all frozen in 4 bits
    assert all(m.weight.dtype == torch.uint8 and not m.weight.requires_grad for m in quantized)
    m = _metrics(run)
    assert m["precision"] == "4bit" and m["status"] == "done"
    losses = [h["loss"] for h in m["history"]]
    assert all(math.isfinite(v) for v in losses) and losses[-1] < losses[0]
    if method == "rosa":
        assert len(sparse_layers(recipe.model)) == 14 and m["mask_warmup_steps"] == 2
    del recipe

    # served like any run of its kind: the adapter over the full-precision base, by the writer
    sampling = {"max_new_tokens": 4, "do_sample": False, "temperature": 0.0}
    llm = load_llm({"backend": "peft", "model": str(tiny), "sampling": sampling, "batch_size": 1},
                   checkpoint=str(run))
    assert isinstance(llm.generate([[{"role": "user", "content": "Write to Anna."}]])[0], str)

    # merged: the base plus exactly what the adapter holds (B A * alpha/r, and S at its indices)
    ids = torch.randint(0, 2000, (1, 12), generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        adapted = load_adapted(run)(input_ids=ids).logits
    merged = AutoModelForCausalLM.from_pretrained(merge(run, tmp_path / "merged"))
    with torch.no_grad():
        torch.testing.assert_close(merged(input_ids=ids).logits, adapted, atol=1e-4, rtol=1e-4)
    base = AutoModelForCausalLM.from_pretrained(tiny).state_dict()
    if method == "rosa":
        t = load_file(run / "rosa_adapter.safetensors")
        lora = {k.removeprefix("lora."): v for k, v in t.items() if k.startswith("lora.")}
    else:
        t, lora = {}, load_file(run / "adapter_model.safetensors")
    changed = 0
    for name, w in merged.state_dict().items():
        a = lora.get(f"base_model.model.{name.removesuffix('.weight')}.lora_A.weight")
        if a is None:
            assert torch.equal(w, base[name]), name  # not adapted: untouched
            continue
        b = lora[f"base_model.model.{name.removesuffix('.weight')}.lora_B.weight"]
        rest = (w - base[name] - (b @ a) * (8 / 4)).reshape(-1)
        idx = t.get(f"sparse.{name.removesuffix('.weight')}.idx")
        if idx is not None:
            assert idx.numel() == round(0.02 * w.numel())
            torch.testing.assert_close(rest[idx], t[f"sparse.{name.removesuffix('.weight')}.values"],
                                       atol=1e-6, rtol=1e-4)
            changed += int(torch.count_nonzero(t[f"sparse.{name.removesuffix('.weight')}.values"]))
            rest[idx] = 0
        assert rest.abs().max() < 1e-6, name  # nothing changed outside the adapter
    assert (changed > 0) == (method == "rosa")  # QRoSA trained its sparse values


def test_4bit_plans_qlora_and_qrosa_and_refuses_full_fine_tuning() -> None:
    q = P.plan("4bit", "rosa", cuda=True, bf16_ok=True)
    assert (q.name, q.compute_dtype, q.four_bit) == ("4bit", "bf16", True)
    assert P.plan("4bit", "lora", cuda=True, bf16_ok=False).grad_scaler  # fp16 compute on old GPUs
    with pytest.raises(PanzaError, match="full fine-tuning cannot update 4-bit weights") as e:
        P.plan("4bit", "full", cuda=True, bf16_ok=True)
    assert "\n" not in str(e.value)
    if _cpu_4bit() is None:
        assert P.plan("4bit", "rosa", cuda=False, bf16_ok=False).compute_dtype == "fp32"


def test_4bit_on_a_cpu_without_a_cpu_backend_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    def cuda_only(*a, **k):
        raise RuntimeError("no kernel for cpu")

    monkeypatch.setattr(bnb.functional, "quantize_4bit", cuda_only)
    with pytest.raises(PanzaError, match="4bit on a CPU needs bitsandbytes' CPU backend") as e:
        P.plan("4bit", "rosa", cuda=False, bf16_ok=False)
    assert "\n" not in str(e.value)
    P.plan("4bit", "rosa", cuda=True, bf16_ok=True)  # a GPU does not need it


def test_qrosa_estimate_sits_between_qlora_and_bf16_rosa_and_refuses_with_the_fix(tiny: Path,
                                                                                 tmp_path: Path) -> None:
    from transformers import AutoModelForCausalLM

    from panza.train.options import from_config

    with torch.device("meta"):
        llama8b = P.shapes_of(AutoModelForCausalLM.from_config(P.llama3_8b_config()))
    q = P.Plan("4bit", "bf16", "bf16", True, False)
    bf16 = P.Plan("bf16", "bf16", "bf16", False, False)
    seq = ("finetuning.max_seq_len=1024", "finetuning.micro_batch_tokens=1024")
    lora = from_config(train_cfg(tiny, tmp_path, tmp_path / "ck", "lora", *seq))
    rosa = from_config(train_cfg(tiny, tmp_path, tmp_path / "ck", "rosa", *seq))
    est = {k: P.estimate(llama8b, o, p, cuda=True, checkpointing=True)
           for k, (o, p) in {"qlora": (lora, q), "qrosa": (rosa, q), "rosa": (rosa, bf16)}.items()}
    assert est["qlora"].total < est["qrosa"].total < est["rosa"].total
    assert est["qrosa"].weights == est["qlora"].weights  # the same 4-bit base
    assert est["rosa"].weights - est["qrosa"].weights > 7 * GIB  # bf16 linears vs NF4
    # the warm-up's fp32 accumulator (4 bytes per adapted weight) dominates QRoSA's trained state
    assert 24 * GIB < est["qrosa"].trainable < 30 * GIB
    assert est["qrosa"].activations > est["qlora"].activations  # the dense weight gradient in backward
    with pytest.raises(PanzaError) as e:
        P.check_fits(est["qrosa"], rosa, q, 24 * GIB, "this GPU has")
    assert str(e.value).startswith("rosa in 4bit needs ~") and "try finetuning=lora" in str(e.value)
    assert "\n" not in str(e.value)
    with pytest.raises(PanzaError, match=r"try finetuning\.precision=4bit"):
        P.check_fits(est["rosa"], rosa, bf16, 24 * GIB, "this GPU has")
    assert "memory estimate" in P.check_fits(est["qrosa"], rosa, q, 80 * GIB, "this GPU has")
