"""transformers and peft backends, on the real embedded model and on a tiny random-init Llama."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from panza.errors import PanzaError
from panza.llm import LLM, load_llm

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

CHAT = [{"role": "user", "content": "Write one sentence asking Bob for the quarterly report."}]
CHAT2 = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Thank Alice for lunch."}]


@pytest.fixture(scope="module", autouse=True)
def _one_thread() -> None:
    torch.set_num_threads(1)


@pytest.fixture(scope="module")
def embedded_dir() -> Path:
    from panza.models.embedded import hf_model_dir

    return hf_model_dir()


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory, embedded_dir: Path) -> Path:
    """A 2-layer random-init Llama with the embedded model's real tokenizer and chat template."""
    out = tmp_path_factory.mktemp("tiny-llama")
    tok = transformers.AutoTokenizer.from_pretrained(embedded_dir)
    cfg = transformers.LlamaConfig(
        vocab_size=len(tok),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=1,
        max_position_embeddings=512,
        bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id,
        tie_word_embeddings=True,
    )
    torch.manual_seed(0)
    transformers.LlamaForCausalLM(cfg).save_pretrained(out)
    tok.save_pretrained(out)
    return out


@pytest.mark.slow
def test_embedded_model_batched_equals_one_by_one_and_stream(embedded_dir: Path) -> None:
    """Left padding is right: a batch of prompts of different lengths gives each prompt's own greedy draft."""
    llm = load_llm({"backend": "transformers", "model": "embedded", "sampling": {"max_new_tokens": 12}})
    assert isinstance(llm, LLM)
    batch = llm.generate([CHAT, CHAT2])
    assert len(batch) == 2 and all(isinstance(t, str) and t for t in batch)
    assert batch == [llm.generate([CHAT])[0], llm.generate([CHAT2])[0]]
    assert "Bob" in batch[0]  # the real model follows the instruction
    pieces = list(llm.stream(CHAT))
    assert len(pieces) > 1 and "".join(pieces).strip() == batch[0]
    # per-call overrides reach generate: fewer tokens, shorter text
    short = llm.generate([CHAT], max_new_tokens=3)[0]
    assert len(short) < len(batch[0])


def test_tiny_model_batches_and_samples(tiny_model: Path) -> None:
    llm = load_llm(
        {
            "backend": "transformers",
            "model": str(tiny_model),
            "batch_size": 2,
            "sampling": {"max_new_tokens": 5},
        }
    )
    out = llm.generate([CHAT, CHAT2, CHAT])
    assert len(out) == 3 and out[0] == out[2]  # greedy is deterministic across batch positions
    a = llm.generate([CHAT], do_sample=True, temperature=1.0, top_k=0, seed=1)
    b = llm.generate([CHAT], do_sample=True, temperature=1.0, top_k=0, seed=1)
    assert a == b  # a seed makes sampling reproducible


def test_checkpoint_overrides_the_model(tiny_model: Path) -> None:
    llm = load_llm({"backend": "transformers", "model": "/does/not/exist"}, checkpoint=str(tiny_model))
    assert llm.name == str(tiny_model)


def test_model_without_chat_template_is_a_clear_error(tiny_model: Path, tmp_path: Path) -> None:
    bare = tmp_path / "bare"
    shutil.copytree(tiny_model, bare)
    (bare / "chat_template.jinja").unlink(missing_ok=True)
    conf = json.loads((bare / "tokenizer_config.json").read_text())
    conf.pop("chat_template", None)
    (bare / "tokenizer_config.json").write_text(json.dumps(conf))
    with pytest.raises(PanzaError, match="no chat template: pick an instruct"):
        load_llm({"backend": "transformers", "model": str(bare)})


def test_missing_model_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PanzaError, match=r"model path .*nope does not exist; fix writer\.llm\.model"):
        load_llm({"backend": "transformers", "model": str(tmp_path / "nope")})


def test_unknown_backend_lists_the_choices() -> None:
    with pytest.raises(PanzaError, match="transformers, peft, llamacpp, openai, ollama"):
        load_llm({"backend": "vllm"})


def test_unknown_sampling_key_is_rejected(tiny_model: Path) -> None:
    with pytest.raises(PanzaError, match="unknown sampling setting"):
        load_llm({"backend": "transformers", "model": str(tiny_model), "sampling": {"temprature": 0.3}})


def test_4bit_on_cpu_is_refused(tiny_model: Path) -> None:
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU: 4-bit is allowed")
    with pytest.raises(PanzaError, match="load_in_4bit needs a CUDA GPU"):
        load_llm({"backend": "transformers", "model": str(tiny_model), "load_in_4bit": True})


@pytest.fixture(scope="module")
def tiny_adapter(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    peft = pytest.importorskip("peft")
    base = transformers.AutoModelForCausalLM.from_pretrained(tiny_model)
    conf = peft.LoraConfig(
        r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"], init_lora_weights=False, task_type="CAUSAL_LM"
    )
    torch.manual_seed(1)
    model = peft.get_peft_model(base, conf)
    out = tmp_path_factory.mktemp("tiny-adapter")
    model.save_pretrained(out)
    return out


def test_peft_loads_base_from_adapter_config_and_applies_it(tiny_model: Path, tiny_adapter: Path) -> None:
    peft = pytest.importorskip("peft")
    assert json.loads((tiny_adapter / "adapter_config.json").read_text())["base_model_name_or_path"] == str(
        tiny_model
    )
    llm = load_llm(
        {"backend": "peft", "model": "embedded", "sampling": {"max_new_tokens": 4}},
        checkpoint=str(tiny_adapter),
    )
    assert isinstance(llm.model, peft.PeftModel)
    saved = peft.utils.load_peft_weights(str(tiny_adapter))
    lora_a = next(k for k in saved if "lora_A" in k)
    live = dict(llm.model.named_parameters())
    match = [
        v
        for k, v in live.items()
        if k.replace(".default", "").endswith(lora_a.split("base_model.model.")[-1])
    ]
    assert match and torch.equal(match[0].detach().cpu(), saved[lora_a])
    out = llm.generate([CHAT, CHAT2])
    assert len(out) == 2
    # the adapter changes the model: its logits differ from the bare base model's
    base = load_llm({"backend": "transformers", "model": str(tiny_model)})
    ids = base.tokenizer(base.prompt_text(CHAT), return_tensors="pt", add_special_tokens=False)
    with torch.no_grad():
        assert not torch.allclose(base.model(**ids).logits, llm.model(**ids).logits)


def test_peft_needs_an_adapter_folder(tiny_model: Path) -> None:
    with pytest.raises(PanzaError, match="needs an adapter folder"):
        load_llm({"backend": "peft"})
    with pytest.raises(PanzaError, match=r"has no adapter_config\.json"):
        load_llm({"backend": "peft"}, checkpoint=str(tiny_model))


def test_transformers_refuses_an_adapter_folder(tiny_adapter: Path) -> None:
    with pytest.raises(PanzaError, match="use writer/llm=peft"):
        load_llm({"backend": "transformers"}, checkpoint=str(tiny_adapter))


def test_loop_stop_ends_only_looping_sequences(embedded_dir: Path) -> None:
    """The stopping criterion generate() uses, on the real tokenizer: loops stop, prose goes on."""
    from panza.llm.loops import LoopStop

    tok = transformers.AutoTokenizer.from_pretrained(embedded_dir)
    prompt = tok("Write to Anna.", return_tensors="pt")["input_ids"]
    loop = "I'll take you to the site walk, and " * 6
    prose = ("Could we move Friday's walk to Monday at 9? The nursery delivery slipped, sorry about that. "
             "I will bring the plans and the new planting list, and Tom can join us after ten if needed.")
    rows = [tok(t, add_special_tokens=False)["input_ids"][:40] for t in (loop, prose)]
    ids = torch.cat([prompt.repeat(2, 1), torch.tensor(rows)], dim=1)
    stop = LoopStop(tok, prompt.shape[1], every=8)
    assert stop(ids, None).tolist() == [True, False]
    assert stop(ids[:, :-1], None).tolist() == [False, False]  # only checked every 8 new tokens
