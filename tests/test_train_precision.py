"""Training precision choices and the memory estimate (arithmetic on real architectures, a measured peak).

No GPU here: the GPU branches of :func:`panza.train.precision.plan` are pure functions of
(precision, method, cuda, bf16 support), called with those facts; the loading they choose is run by
``bench/gpu_train.py`` on a GPU machine.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from panza.errors import PanzaError  # noqa: E402
from panza.train import precision as P  # noqa: E402
from test_train_support import tiny_model_dir, train_cfg, write_data  # noqa: E402

GIB = 2**30


def test_auto_is_fp32_on_cpu_and_a_bf16_base_on_a_gpu_with_fp32_master_weights_for_full() -> None:
    assert P.plan("auto", "lora", cuda=False, bf16_ok=False) == P.Plan("fp32", "fp32", "fp32", False, False)
    assert P.plan("auto", "lora", cuda=True, bf16_ok=True) == P.Plan("bf16", "bf16", "bf16", False, False)
    assert P.plan("auto", "rosa", cuda=True, bf16_ok=True).base_dtype == "bf16"
    full = P.plan("auto", "full", cuda=True, bf16_ok=True)
    assert (full.base_dtype, full.compute_dtype) == ("fp32", "bf16")  # AdamW needs fp32 weights
    old_gpu = P.plan("auto", "lora", cuda=True, bf16_ok=False)  # e.g. a V100 / T4: fp16 with loss scaling
    assert (old_gpu.name, old_gpu.base_dtype, old_gpu.grad_scaler) == ("fp16", "fp16", True)
    assert P.plan("bf16", "lora", cuda=True, bf16_ok=False).name == "fp16"
    assert P.plan("bf16", "lora", cuda=False, bf16_ok=False).base_dtype == "bf16"  # CPUs do bf16


@pytest.mark.parametrize("prec,method,cuda,msg", [
    ("fp16", "lora", False, "fp16 needs a CUDA GPU"),
    ("4bit", "full", True, "use finetuning=lora or rosa"),
])
def test_impossible_precisions_are_one_line_errors(prec: str, method: str, cuda: bool, msg: str) -> None:
    with pytest.raises(PanzaError, match=msg) as e:
        P.plan(prec, method, cuda=cuda, bf16_ok=True)
    assert "\n" not in str(e.value)


def test_4bit_without_bitsandbytes_says_how_to_get_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "bitsandbytes" else real(name, *a))
    with pytest.raises(PanzaError, match="pip install bitsandbytes"):
        P.plan("4bit", "lora", cuda=True, bf16_ok=True)
    from panza.models.loading import load_causal_lm

    with pytest.raises(PanzaError, match="pip install bitsandbytes"):  # and the loader, before any download
        load_causal_lm("any/model", load_in_4bit=True)


def _opts(method: str, *extra: str, tmp: Path, tiny: Path):
    from panza.train.options import from_config

    return from_config(train_cfg(tiny, tmp, tmp / "ck", method, *extra))


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_model_dir(str(tmp_path_factory.getbasetemp()))


@pytest.fixture(scope="module")
def llama8b() -> P.Shapes:
    from transformers import AutoModelForCausalLM

    with torch.device("meta"):
        return P.shapes_of(AutoModelForCausalLM.from_config(P.llama3_8b_config()))


def test_llama3_8b_estimates_match_its_known_size_and_refuse_with_the_fix(llama8b, tiny, tmp_path) -> None:
    assert 8.02e9 < llama8b.params < 8.04e9  # Llama-3-8B has 8.03 B parameters
    lora = _opts("lora", "finetuning.max_seq_len=1024", "finetuning.micro_batch_tokens=1024", "finetuning.lora.r=8",
                 tmp=tmp_path, tiny=tiny)
    bf16 = P.Plan("bf16", "bf16", "bf16", False, False)
    est = P.estimate(llama8b, lora, bf16, cuda=True, checkpointing=True)
    assert 14.9 * GIB < est.weights < 15.0 * GIB  # 2 bytes per weight
    assert est.trainable < 0.5 * GIB  # r=8 on every linear layer: ~21 M parameters x 16 bytes
    assert 16 * GIB < est.total < 19 * GIB
    with pytest.raises(PanzaError) as e:
        P.check_fits(est, lora, bf16, 16 * GIB, "this GPU has")
    assert str(e.value).startswith("lora in bf16 needs ~") and "this GPU has 16: try finetuning.precision=4bit" \
        in str(e.value)
    q = P.Plan("4bit", "bf16", "bf16", True, False)
    est4 = P.estimate(llama8b, lora, q, cuda=True, checkpointing=True)
    assert 7 * GIB < est4.weights < 8 * GIB  # NF4 linears (3.5 GiB) + fp32 embeddings and head (2 x 2 GiB)
    assert "memory estimate" in P.check_fits(est4, lora, q, 16 * GIB, "this GPU has")
    full = _opts("full", "finetuning.max_seq_len=1024", tmp=tmp_path, tiny=tiny)
    fp = P.plan("bf16", "full", cuda=True, bf16_ok=True)
    one = P.estimate(llama8b, full, fp, cuda=True, checkpointing=True)
    assert one.total > 130 * GIB  # 16 bytes per parameter + a bf16 copy: no single GPU
    eight = P.estimate(llama8b, full, fp, cuda=True, checkpointing=True, world_size=8, sharded=True)
    assert eight.weights + eight.trainable == pytest.approx((one.weights + one.trainable) / 8)
    with pytest.raises(PanzaError, match="FSDP shards full fine-tuning"):
        P.check_fits(one, full, fp, 80 * GIB, "this GPU has")


def test_estimate_of_a_cpu_run_is_at_or_above_its_measured_peak(tiny: Path, tmp_path: Path) -> None:
    """A real `panza train` process on the tiny model: metrics.json holds the estimate and the peak RSS."""
    data = write_data(tmp_path / "data", n_train=8)
    r = subprocess.run([sys.executable, "-m", "panza", "train", "--data", str(data), "finetuning=lora",
                        f"model={tiny}", f"checkpoint_dir={tmp_path / 'ck'}", "finetuning.max_duration=2ba",
                        "finetuning.num_cpu_threads=1", "finetuning.max_seq_len=256", "user.username=t"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "memory estimate per process: ~" in r.stderr  # printed before loading
    m = json.loads((Path(r.stdout.strip().splitlines()[-1]) / "metrics.json").read_text())
    assert 1.0 <= m["memory_estimate_mb"] / m["peak_rss_mb"] <= 1.6, m


def test_bf16_on_cpu_loads_the_base_in_bf16_and_trains_an_fp32_adapter(tiny: Path, tmp_path: Path) -> None:
    """The LoRA/RoSA path a GPU takes by default, run on this CPU (which computes bf16 too)."""
    from safetensors.torch import load_file

    from panza.train.trainer import Recipe

    data = write_data(tmp_path / "data", n_train=8)
    recipe = Recipe(train_cfg(tiny, data, tmp_path / "ck", "lora", "finetuning.precision=bf16",
                              "finetuning.max_duration=2ba", "finetuning.resume=false"))
    run = recipe.run()
    frozen = {p.dtype for p in recipe.model.parameters() if not p.requires_grad}
    trained = {p.dtype for p in recipe.model.parameters() if p.requires_grad}
    assert frozen == {torch.bfloat16} and trained == {torch.float32}
    m = json.loads((run / "metrics.json").read_text())
    assert m["precision"] == "bf16" and m["world_size"] == 1 and m["status"] == "done"
    assert {t.dtype for t in load_file(run / "adapter_model.safetensors").values()} == {torch.float32}


def test_peak_rss_of_a_child_is_its_own_not_its_parents() -> None:
    """ru_maxrss survives exec: a run started by a large parent (pytest after many tests) reported the
    parent's peak as its own. The child here starts beside ~400 MiB the parent touched."""
    ballast = bytearray(400 * 1024 * 1024)
    for i in range(0, len(ballast), 4096):
        ballast[i] = 1
    code = "from panza.train.memory import peak_rss_mb; print(peak_rss_mb())"
    child = float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                 check=True).stdout)
    assert child < 200, child  # a bare interpreter importing panza.train.memory: tens of MiB
    del ballast


def test_auto_micro_batch_tokens_grow_with_free_memory_within_bounds(llama8b, tiny, tmp_path) -> None:
    opts = _opts("lora", "finetuning.max_seq_len=1024", tmp=tmp_path, tiny=tiny)
    assert opts.micro_batch_auto and opts.micro_batch_tokens == P.AUTO_MIN_TOKENS  # the YAML default is auto
    bf16 = P.Plan("bf16", "bf16", "bf16", False, False)

    def auto(free_gib: float) -> int:
        est = P.estimate(llama8b, opts, bf16, cuda=True, checkpointing=True)
        return P.auto_micro_batch_tokens(llama8b, opts, bf16, checkpointing=True, free=free_gib * GIB,
                                         rest=est.total - est.activations)

    per_token, fixed = P.activation_bytes(llama8b, opts, bf16, True)
    sizes = [auto(g) for g in (10, 20, 24, 40, 80)]
    assert sizes[0] == P.AUTO_MIN_TOKENS  # the base weights alone take 15 GiB: the floor
    assert sizes == sorted(sizes) and sizes[-1] == opts.batch_size * opts.max_seq_len  # capped at a whole batch
    mid = sizes[2]
    assert mid % 256 == 0 and P.AUTO_MIN_TOKENS < mid < sizes[-1]
    rest = P.estimate(llama8b, opts, bf16, cuda=True, checkpointing=True)
    assert mid * per_token + fixed <= P.AUTO_SHARE * (24 * GIB - (rest.total - rest.activations))  # a quarter
    assert P.estimate(llama8b, opts, bf16, cuda=True, checkpointing=True, prefix=400).activations > rest.activations


def test_auto_budget_is_recorded_and_the_estimate_still_covers_the_peak(tiny: Path, tmp_path: Path) -> None:
    data = write_data(tmp_path / "data", n_train=8)
    r = subprocess.run([sys.executable, "-m", "panza", "train", "--data", str(data), "finetuning=lora",
                        f"model={tiny}", f"checkpoint_dir={tmp_path / 'ck'}", "finetuning.max_duration=2ba",
                        "finetuning.num_cpu_threads=1", "finetuning.max_seq_len=256", "user.username=t",
                        "finetuning.micro_batch_tokens=auto"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    m = json.loads((Path(r.stdout.strip().splitlines()[-1]) / "metrics.json").read_text())
    assert m["micro_batch_tokens"] == 8 * 256  # tiny activations: a whole batch (default 8) of 256-token examples
    assert m["shared_prefix_tokens"] > 0 and 1.0 <= m["memory_estimate_mb"] / m["peak_rss_mb"] <= 1.6, m
