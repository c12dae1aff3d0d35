"""The writer serves trained runs: LoRA and RoSA run dirs through writer/llm=peft, full runs through
writer/llm=transformers, each giving the same greedy draft as the model the trainer saved."""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from panza.llm import load_llm  # noqa: E402
from test_train_support import tiny_model_dir, train_cfg, write_data  # noqa: E402

MESSAGES = [[{"role": "user", "content": "Write to Anna to move the site walk to Monday."}]]
GREEDY = {"max_new_tokens": 8, "do_sample": False, "temperature": 0.0}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_model_dir(str(tmp_path_factory.getbasetemp()))


def _draft(llm) -> str:
    return llm.generate(MESSAGES)[0]


@pytest.mark.parametrize(("method", "backend", "extra"), [
    ("lora", "peft", ()),
    ("rosa", "peft", ("finetuning.rosa.mask_warmup_steps=2", "finetuning.rosa.spa_d=0.05")),
    ("full", "transformers", ("finetuning.lr=1e-3",)),
])
def test_trained_runs_are_served_by_the_writer(tiny: Path, tmp_path: Path, method: str, backend: str,
                                               extra: tuple) -> None:
    from panza.models.loading import load_adapted
    from panza.train.trainer import train

    data = write_data(tmp_path / "data")
    run = train(train_cfg(tiny, data, tmp_path / "ck", method, "finetuning.lr=1e-2",
                          "finetuning.max_duration=4ba", *extra))
    llm = load_llm({"backend": backend, "model": str(tiny), "sampling": GREEDY, "batch_size": 1},
                   checkpoint=str(run))
    base = load_llm({"backend": "transformers", "model": str(tiny), "sampling": GREEDY, "batch_size": 1})
    ids = torch.tensor([[1, 2, 3, 4, 5]])
    with torch.no_grad():
        served = llm.model(input_ids=ids).logits
        untouched = base.model(input_ids=ids).logits
    assert (served - untouched).abs().max() > 1e-3  # the trained weights are really in use
    if method != "full":
        with torch.no_grad():
            torch.testing.assert_close(served, load_adapted(run)(input_ids=ids).logits, atol=1e-4, rtol=1e-4)
    assert isinstance(_draft(llm), str)
