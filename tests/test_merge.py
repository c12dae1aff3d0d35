"""`panza merge`: adapters folded into a standard Hugging Face model with the same outputs."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("peft")

from panza.errors import PanzaError  # noqa: E402
from test_train_support import tiny_model_dir, train_cfg, write_data  # noqa: E402


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_model_dir(str(tmp_path_factory.getbasetemp()))


def _train(tiny: Path, tmp: Path, method: str, *extra: str) -> Path:
    from panza.train.trainer import train

    data = write_data(tmp / "data")
    return train(train_cfg(tiny, data, tmp / "ck", method, "finetuning.lr=1e-2", "finetuning.max_duration=4ba",
                           *extra))


def _logits(model, ids):
    with torch.no_grad():
        return model(input_ids=ids).logits


@pytest.mark.parametrize(("method", "extra"), [
    ("lora", ()),
    ("rosa", ("finetuning.rosa.mask_warmup_steps=2", "finetuning.rosa.spa_d=0.05")),
])
def test_merged_model_gives_the_adapter_logits(tiny: Path, tmp_path: Path, method: str, extra: tuple) -> None:
    from transformers import AutoModelForCausalLM

    from panza.export.merge import merge
    from panza.models.loading import load_adapted

    run = _train(tiny, tmp_path, method, *extra)
    ids = torch.randint(0, 2000, (2, 24), generator=torch.Generator().manual_seed(0))
    adapted = _logits(load_adapted(run), ids)
    base = _logits(AutoModelForCausalLM.from_pretrained(tiny), ids)
    assert (adapted - base).abs().max() > 1e-3  # the adapter does something
    out = merge(run, tmp_path / "merged")
    for f in ("config.json", "model.safetensors", "tokenizer.json"):
        assert (out / f).is_file()
    assert not (out / "adapter_config.json").exists()
    merged = AutoModelForCausalLM.from_pretrained(out)  # a plain HF model: no PEFT, no Panza code
    assert type(merged).__name__ == "LlamaForCausalLM"
    torch.testing.assert_close(_logits(merged, ids), adapted, atol=1e-4, rtol=1e-4)


def test_merge_cli_with_latest_and_bad_checkpoints(tiny: Path, tmp_path: Path, panza_cmd) -> None:
    run = _train(tiny, tmp_path, "lora")
    r = subprocess.run([*panza_cmd, "merge", f"checkpoint_dir={tmp_path / 'ck'}", "checkpoint=latest",
                        f"output_dir={tmp_path / 'out'}"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip().splitlines()[-1] == str(tmp_path / "out")
    assert (tmp_path / "out" / "model.safetensors").is_file()
    r = subprocess.run([*panza_cmd, "merge", f"checkpoint={tmp_path / 'missing'}"], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 2 and "does not exist" in r.stderr and "Traceback" not in r.stderr
    assert run.is_dir()


def test_merge_refuses_full_runs_and_other_bases(tiny: Path, tmp_path: Path) -> None:
    from transformers import AutoConfig, AutoModelForCausalLM

    from panza.export.merge import merge

    full = _train(tiny, tmp_path, "full", "finetuning.lr=1e-4", "finetuning.max_duration=1ba")
    with pytest.raises(PanzaError, match="nothing to merge"):
        merge(full, tmp_path / "m")
    lora = _train(tiny, tmp_path, "lora")
    cfg = AutoConfig.from_pretrained(tiny)
    cfg.hidden_size, cfg.intermediate_size = 32, 64
    other = tmp_path / "other-base"
    AutoModelForCausalLM.from_config(cfg).save_pretrained(other)
    with pytest.raises(PanzaError, match="does not fit base"):
        merge(lora, tmp_path / "m", base=str(other))
