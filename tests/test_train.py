"""`panza train`: examples, every documented override, resume, the CLI contract and bad input."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("peft")

from panza.errors import PanzaError  # noqa: E402
from test_train_support import EMAILS, tiny_model_dir, train_cfg, write_data  # noqa: E402


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_model_dir(str(tmp_path_factory.getbasetemp()))


@pytest.fixture(scope="module")
def tok(tiny: Path):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny)


@pytest.fixture(scope="module")
def pre():
    from panza.prompt import Preambles

    return Preambles(system="You write emails for David.", user="I am David, a researcher in Vienna.")


# ---- examples -------------------------------------------------------------------------------------

def test_example_is_the_inference_prompt_plus_the_email_and_loss_covers_only_the_email(tok, pre) -> None:
    from panza.prompt import build_messages
    from panza.train.data import IGNORE, build_example, collate

    instr, email = EMAILS[0]
    ex = build_example(tok, build_messages, pre, instr, email, max_len=512)
    prompt = tok.apply_chat_template(build_messages(instr, pre), tokenize=False, add_generation_prompt=True)
    assert tok.decode(ex.input_ids[:ex.n_prompt]) == prompt  # exactly what inference feeds the model
    target = tok.decode(ex.input_ids[ex.n_prompt:])
    assert target.startswith(email) and target.rstrip().endswith("<|im_end|>")
    _ids, labels = collate([ex], tok.pad_token_id)
    assert (labels[0, :ex.n_prompt] == IGNORE).all()
    assert labels[0, ex.n_prompt:].tolist() == ex.input_ids[ex.n_prompt:]


def test_long_examples_lose_rag_then_thread_then_preamble_never_the_email(tok, pre) -> None:
    from panza.prompt import build_messages
    from panza.train.data import BuildStats, build_example

    instr, email = EMAILS[1]
    rag = ["An old email about something else entirely. " * 20]
    thread = ["The message I reply to, rather long. " * 20]
    full = build_example(tok, build_messages, pre, instr, email, rag_emails=rag, thread=thread, max_len=4096)
    no_rag = build_example(tok, build_messages, pre, instr, email, thread=thread, max_len=4096)
    bare = build_example(tok, build_messages, pre, instr, email, max_len=4096)
    st = BuildStats()
    ex = build_example(tok, build_messages, pre, instr, email, rag_emails=rag, thread=thread,
                       max_len=len(no_rag.input_ids), stats=st)
    assert ex.input_ids == no_rag.input_ids and st.rag_dropped == 1 and st.thread_dropped == 0
    st = BuildStats()
    ex = build_example(tok, build_messages, pre, instr, email, rag_emails=rag, thread=thread,
                       max_len=len(bare.input_ids), stats=st)
    assert ex.input_ids == bare.input_ids and (st.rag_dropped, st.thread_dropped) == (1, 1)
    st = BuildStats()
    ex = build_example(tok, build_messages, pre, instr, email, max_len=len(bare.input_ids) - 5, stats=st)
    assert st.preamble_cut == 1 and len(ex.input_ids) <= len(bare.input_ids) - 5
    assert ex.input_ids[ex.n_prompt:] == bare.input_ids[bare.n_prompt:]  # the email is intact
    st = BuildStats()
    assert build_example(tok, build_messages, pre, instr, email, max_len=bare.n_target, stats=st) is None
    assert st.dropped_too_long == 1
    assert len(full.input_ids) > len(no_rag.input_ids) > len(bare.input_ids)


def test_length_batches_group_similar_lengths_and_cover_everything() -> None:
    import random

    from panza.train.data import length_batches

    lengths = [random.Random(i).randint(10, 500) for i in range(37)]
    batches = length_batches(lengths, 4, random.Random(0))
    assert sorted(i for b in batches for i in b) == list(range(37))
    padded = sum(len(b) * max(lengths[i] for i in b) for b in batches)
    assert padded / sum(lengths) < 1.15  # little padding compared to random batches


def test_template_without_split_point_and_model_without_template_are_refused(tok, tmp_path: Path) -> None:
    from panza.models.loading import load_tokenizer
    from panza.train.data import tokenize_example

    class Weird:
        chat_template = "x"

        def apply_chat_template(self, msgs, tokenize=False, add_generation_prompt=False):
            return ("P:" if add_generation_prompt else "Q:") + msgs[-1]["content"]

    with pytest.raises(PanzaError, match="chat template"):
        tokenize_example(Weird(), [{"role": "user", "content": "hi"}], "yo")

    tok.save_pretrained(tmp_path / "plain")
    (tmp_path / "plain" / "chat_template.jinja").unlink(missing_ok=True)
    conf = json.loads((tmp_path / "plain" / "tokenizer_config.json").read_text())
    conf.pop("chat_template", None)
    (tmp_path / "plain" / "tokenizer_config.json").write_text(json.dumps(conf))
    with pytest.raises(PanzaError, match="no chat template"):
        load_tokenizer(str(tmp_path / "plain"))


# ---- every documented override changes what it says ----------------------------------------------

def _train(tiny: Path, tmp: Path, method: str, *extra: str, n_train: int = 8, raft: bool = False) -> Path:
    from panza.train.trainer import train

    data = write_data(tmp / f"data-{n_train}-{raft}", n_train=n_train, raft=raft)
    return train(train_cfg(tiny, data, tmp / "ck", method, "finetuning.resume=false", *extra))


def _m(run: Path) -> dict:
    return json.loads((run / "metrics.json").read_text())


def _weights(run: Path) -> dict:
    from safetensors.torch import load_file

    for name in ("adapter_model.safetensors", "rosa_adapter.safetensors", "model.safetensors"):
        if (run / name).is_file():
            return load_file(run / name)
    raise AssertionError(f"no weights in {run}")


def _same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


BASE = {"lora": ("finetuning.lr=1e-3", "finetuning.max_duration=2ba"),
        "rosa": ("finetuning.lr=1e-3", "finetuning.max_duration=4ba", "finetuning.rosa.mask_warmup_steps=2",
                 "finetuning.rosa.spa_d=0.02"),
        "full": ("finetuning.lr=1e-3", "finetuning.max_duration=2ba")}


@pytest.fixture(scope="module")
def baselines(tiny: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("baselines")
    return {m: _train(tiny, tmp, m, *BASE[m]) for m in BASE}


WEIGHT_OVERRIDES = [
    ("lora", "finetuning.lr=3e-3"),
    ("lora", "finetuning.seed=7"),
    ("lora", "finetuning.warmup=2"),
    ("lora", "finetuning.betas=[0.5,0.9]"),
    ("lora", "finetuning.eps=0.1"),
    ("lora", "finetuning.max_grad_norm=0.001"),
    ("lora", "finetuning.lora.lora_alpha=32"),
    ("lora", "finetuning.lora.lora_dropout=0.5"),
    ("lora", "finetuning.precision=bf16"),
    ("lora", "finetuning.max_seq_len=64"),
    ("lora", "finetuning.neftune_alpha=5"),
    ("full", "finetuning.weight_decay=10"),
    ("full", "finetuning.lr=2e-3"),
    ("rosa", "finetuning.lr=1e-2"),  # the sparse learning rate
    ("rosa", "finetuning.rosa.lora_lr=1e-2"),
    ("rosa", "finetuning.rosa.mask_warmup_steps=1"),
    ("rosa", "finetuning.rosa.grad_acc_mode=mean"),
    ("rosa", "finetuning.rosa.lora_alpha=4"),
]


@pytest.mark.parametrize(("method", "override"), WEIGHT_OVERRIDES)
def test_override_changes_the_trained_weights(tiny, tmp_path, baselines, method, override) -> None:
    run = _train(tiny, tmp_path, method, *BASE[method], override)
    assert not _same(_weights(run), _weights(baselines[method])), f"{override} changed nothing"


def test_neftune_noises_the_input_embeddings_only_while_training(tiny: Path) -> None:
    from transformers import AutoModelForCausalLM

    from panza.train.trainer import neftune

    model = AutoModelForCausalLM.from_pretrained(tiny)
    emb = model.get_input_embeddings()
    ids = torch.tensor([[1, 2, 3, 4, 5, 6, 7, 8]])
    clean = emb(ids).detach()
    handle = neftune(model, 5.0)
    model.train()
    noisy = emb(ids).detach()
    bound = 5.0 / (8 * clean.shape[-1]) ** 0.5  # alpha / sqrt(tokens x width)
    diff = (noisy - clean).abs()
    assert 0 < diff.max() <= bound and diff.mean() > bound / 4  # uniform in (-bound, bound)
    model.eval()
    assert torch.equal(emb(ids), clean)  # test loss and drafting see the real embeddings
    handle.remove()


@pytest.mark.parametrize("mode", ["true", "auto"])
def test_checkpointing_leaves_frozen_inputs_without_a_gradient(tiny: Path, mode: str) -> None:
    """transformers' checkpointing makes the embeddings' output require a gradient; then backward runs down
    to layer 0 even when only the top layers adapt (finetuning.lora.top_layers): twice the work."""
    from types import SimpleNamespace

    from transformers import AutoModelForCausalLM

    from panza.train import memory

    model = AutoModelForCausalLM.from_pretrained(tiny).requires_grad_(False)
    memory.enable_checkpointing(model, SimpleNamespace(gradient_checkpointing=mode, micro_batch_tokens=512),
                                torch.device("cpu"))
    assert not model.get_input_embeddings()(torch.tensor([[1, 2, 3]])).requires_grad


def test_zero_learning_rate_leaves_weights_unchanged(tiny: Path, tmp_path: Path) -> None:
    from safetensors.torch import load_file

    run = _train(tiny, tmp_path, "full", "finetuning.lr=0", "finetuning.max_duration=2ba")
    before = load_file(tiny / "model.safetensors")
    after = _weights(run)
    assert all(torch.equal(before[k], after[k]) for k in before)
    lora = _weights(_train(tiny, tmp_path, "lora", "finetuning.lr=0", "finetuning.max_duration=2ba"))
    assert all(torch.count_nonzero(v) == 0 for k, v in lora.items() if "lora_B" in k)  # B starts at zero


def test_duration_batch_and_accumulation_set_the_number_of_steps(tiny: Path, tmp_path: Path) -> None:
    # 8 examples: batch 4 -> 2 steps per epoch
    assert _m(_train(tiny, tmp_path, "lora", "finetuning.max_duration=2ep"))["global_step"] == 4
    assert _m(_train(tiny, tmp_path, "lora", "finetuning.max_duration=3ba"))["global_step"] == 3
    assert _m(_train(tiny, tmp_path, "lora", "finetuning.num_epochs=3"))["global_step"] == 6
    m = _m(_train(tiny, tmp_path, "lora", "finetuning.max_duration=1ep", "finetuning.batch_size=2"))
    assert (m["steps_per_epoch"], m["global_step"]) == (4, 4)
    m = _m(_train(tiny, tmp_path, "lora", "finetuning.max_duration=1ep", "finetuning.batch_size=2",
                  "finetuning.gradient_accumulation=2"))
    assert (m["steps_per_epoch"], m["global_step"]) == (2, 2)


def test_structural_overrides(tiny: Path, tmp_path: Path, baselines) -> None:
    w = _weights(_train(tiny, tmp_path, "lora", *BASE["lora"], "finetuning.lora.r=2"))
    assert next(v for k, v in w.items() if "lora_A" in k).shape[0] == 2
    w = _weights(_train(tiny, tmp_path, "lora", *BASE["lora"], "finetuning.lora.target_modules=[q_proj]"))
    assert w and all("q_proj" in k for k in w)
    w = _weights(_train(tiny, tmp_path, "lora", *BASE["lora"], "finetuning.lora.top_layers=1"))  # of 2 layers
    assert w and all(".layers.1." in k for k in w)
    w = _weights(_train(tiny, tmp_path, "rosa", *BASE["rosa"], "finetuning.rosa.spa_d=0.05"))
    base = _weights(baselines["rosa"])
    n = lambda t: sum(v.numel() for k, v in t.items() if k.endswith(".values"))  # noqa: E731
    assert n(w) > 2 * n(base) > 0
    w = _weights(_train(tiny, tmp_path, "rosa", *BASE["rosa"], "finetuning.rosa.lora_r=2"))
    assert next(v for k, v in w.items() if "lora_A" in k).shape[0] == 2
    m = _m(_train(tiny, tmp_path, "lora", *BASE["lora"], "finetuning.num_cpu_threads=2"))
    assert m["threads"] == 2
    m = _m(_train(tiny, tmp_path, "lora", "finetuning.max_duration=4ep", "finetuning.stop_at_ppl=1e30"))
    assert m["stopped_early"] and m["epochs_completed"] == 1 and m["global_step"] == 2
    m = _m(_train(tiny, tmp_path, "lora", "finetuning.max_duration=3ep", "finetuning.eval_interval=1"))
    assert [e["epoch"] for e in m["evals"]] == [1, 2, 3]
    m = _m(_train(tiny, tmp_path, "lora", "finetuning.max_duration=3ep", "finetuning.eval_interval=0"))
    assert [e["epoch"] for e in m["evals"]] == [3]
    m = _m(_train(tiny, tmp_path, "lora", *BASE["lora"], "finetuning.max_seq_len=64"))
    assert m["data"]["preamble_cut"] == 8
    on = _train(tiny, tmp_path, "lora", *BASE["lora"], "finetuning.gradient_checkpointing=true")
    off = _train(tiny, tmp_path, "lora", *BASE["lora"], "finetuning.gradient_checkpointing=false",
                 "finetuning.shared_prefix=false")  # as checkpointing runs them: whole examples, same dropout draws
    assert _m(on)["gradient_checkpointing"] and not _m(off)["gradient_checkpointing"]
    assert _same(_weights(on), _weights(off))  # recomputation changes memory, not the result
    # auto on CPU: only passes over micro_batch_tokens (a single long example) are recomputed
    auto = _train(tiny, tmp_path, "lora", *BASE["lora"], "finetuning.micro_batch_tokens=16")
    plain = _train(tiny, tmp_path, "lora", *BASE["lora"], "finetuning.micro_batch_tokens=16",
                   "finetuning.gradient_checkpointing=false", "finetuning.shared_prefix=false")
    assert _m(auto)["checkpointed_passes"] > 0 and not _m(auto)["gradient_checkpointing"]
    assert _m(plain)["checkpointed_passes"] == 0
    assert _same(_weights(auto), _weights(plain))
    m = _m(_train(tiny, tmp_path, "lora", "finetuning.max_duration=4ba", "finetuning.save_every_steps=1"))
    assert m["resume_saves"] == 3  # after steps 1-3; the finished run keeps no resume state
    m = _m(_train(tiny, tmp_path, "lora", "finetuning.max_duration=4ba", "finetuning.save_every_steps=0",
                  "finetuning.save_every_s=0"))
    assert m["resume_saves"] == 0


def test_split_by_tokens_bounds_padded_tokens_and_keeps_every_example() -> None:
    from panza.train.data import split_by_tokens

    lengths = [50, 300, 120, 700, 90, 260, 40, 510]
    batch = list(range(len(lengths)))
    parts = split_by_tokens(batch, lengths, 512)
    assert sorted(i for p in parts for i in p) == batch
    for p in parts:  # one example may exceed the budget alone, never two together
        assert len(p) == 1 or max(lengths[i] for i in p) * len(p) <= 512
    assert len(parts) > 1 and split_by_tokens(batch, lengths, 0) == [batch]


def test_micro_batch_tokens_splits_the_forward_passes_not_the_update(tiny: Path, tmp_path: Path) -> None:
    args = ("finetuning.lr=1e-3", "finetuning.max_duration=2ba", "finetuning.lora.lora_dropout=0")
    whole = _train(tiny, tmp_path, "lora", *args, "finetuning.micro_batch_tokens=0")
    split = _train(tiny, tmp_path, "lora", *args, "finetuning.micro_batch_tokens=64", "finetuning.shared_prefix=false")
    assert _m(whole)["forward_passes"] == 2 and _m(split)["forward_passes"] == 8  # batch 4: one pass each
    a, b = _weights(whole), _weights(split)
    # 1e-5: fp32 sums in another order (one pass of 4 vs 4 of 1) differ by up to 2.2e-6 after Adam on an AMD EPYC
    # (2026-12-07); a lost or doubled pass moves the weights by about one step, lr 1e-3
    assert a.keys() == b.keys() and all(torch.allclose(a[k], b[k], atol=1e-5) for k in a)
    assert not _same(a, _weights(_train(tiny, tmp_path, "lora", "finetuning.lr=0", "finetuning.max_duration=2ba")))


def test_chunked_output_head_gives_the_same_loss_and_gradients(tiny: Path, tok, pre, monkeypatch) -> None:
    from transformers import AutoModelForCausalLM

    from panza.prompt import build_messages
    from panza.train import loss as trainer
    from panza.train.data import build_example, collate

    exs = [build_example(tok, build_messages, pre, i, e, max_len=512) for i, e in EMAILS[:3]]
    ids, labels = collate(exs, tok.pad_token_id)
    model = AutoModelForCausalLM.from_pretrained(tiny, dtype=torch.float32)

    def run(chunk: int):
        monkeypatch.setattr(trainer, "LOSS_CHUNK", chunk)
        model.zero_grad()
        loss, n = trainer.loss_sum(model, ids, labels)
        loss.backward()
        return float(loss), n, {k: p.grad.clone() for k, p in model.named_parameters()}

    whole, chunked = run(10_000), run(7)
    assert whole[1] == chunked[1] > 7 * 3  # several chunks really ran
    assert abs(whole[0] - chunked[0]) < 1e-3 * abs(whole[0])
    for k, g in whole[2].items():  # equal up to float summation order
        assert (g - chunked[2][k]).abs().max() <= 1e-5 * g.abs().max() + 1e-7, k


def test_shared_prefix_is_the_common_prompt_start_and_leaves_a_prompt_token(tok, pre) -> None:
    from panza.prompt import build_messages
    from panza.train.data import Example, build_example, shared_prefix

    exs = [build_example(tok, build_messages, pre, i, e, max_len=512) for i, e in EMAILS[:4]]
    n = shared_prefix(exs)
    head = tok.decode(exs[0].input_ids[:n])
    assert pre.system in head and pre.user in head  # both preambles, up to the instructions
    assert not any(instr.split()[0] in head for instr, _ in EMAILS[:4])
    assert all(e.input_ids[:n] == exs[0].input_ids[:n] and n < e.n_prompt for e in exs)
    assert shared_prefix([*exs, None]) == n and shared_prefix([]) == 0
    same = Example([5, 6, 7, 8], 3, 0)
    assert shared_prefix([same, Example([5, 6, 7, 9], 3, 1)]) == 2  # the last prompt token predicts the email
    assert shared_prefix([same, Example([4, 6, 7, 8], 3, 1)]) == 0


def test_shared_prefix_gives_the_same_loss_and_gradients(tiny: Path, tok, pre) -> None:
    from transformers import AutoModelForCausalLM

    from panza.prompt import build_messages
    from panza.train import loss
    from panza.train.data import build_example, collate, shared_prefix

    exs = [build_example(tok, build_messages, pre, i, e, max_len=512) for i, e in EMAILS[:3]]
    n = shared_prefix(exs)
    model = AutoModelForCausalLM.from_pretrained(tiny, dtype=torch.float32)

    def run(skip: int):
        model.zero_grad()
        ids, labels = collate(exs, tok.pad_token_id, skip)
        s, k = loss.loss_sum(model, ids, labels, torch.tensor(exs[0].input_ids[:skip]) if skip else None)
        s.backward()
        return float(s), k, ids.numel(), {k: p.grad.clone() for k, p in model.named_parameters()}

    whole, shared = run(0), run(n)
    assert n > 10 and shared[2] == whole[2] - 3 * n  # the prefix really left the batch
    assert whole[1] == shared[1] and abs(whole[0] - shared[0]) < 1e-4 * abs(whole[0])
    for k, g in whole[3].items():  # the prefix's gradient is the sum over its three copies
        assert (g - shared[3][k]).abs().max() <= 1e-4 * g.abs().max() + 1e-7, k


def test_shared_prefix_trains_the_same_weights_with_fewer_tokens(tiny: Path, tmp_path: Path) -> None:
    args = ("finetuning.lr=1e-3", "finetuning.max_duration=3ba", "finetuning.lora.lora_dropout=0")
    off = _train(tiny, tmp_path, "lora", *args, "finetuning.shared_prefix=false")
    on = _train(tiny, tmp_path, "lora", *args)
    small = _train(tiny, tmp_path, "lora", *args, "finetuning.micro_batch_tokens=64")  # over it: whole examples
    assert _m(off)["shared_prefix_tokens"] == 0 and _m(on)["shared_prefix_tokens"] > 10
    assert _m(on)["test_ppl"] == pytest.approx(_m(off)["test_ppl"], rel=1e-4)
    for run in (on, small):
        a, b = _weights(off), _weights(run)
        assert a.keys() == b.keys() and all(torch.allclose(a[k], b[k], atol=1e-5) for k in a)
    assert _m(small)["checkpointed_passes"] > 0


def test_rag_enabled_trains_with_raft_context_at_rag_prob(tiny: Path, tmp_path: Path) -> None:
    args = ("finetuning.max_duration=1ep", "finetuning.max_seq_len=1024")
    off = _m(_train(tiny, tmp_path, "lora", *args, raft=True))
    on = _m(_train(tiny, tmp_path, "lora", *args, "rag.enabled=true", "rag.prob=1", raft=True))
    never = _m(_train(tiny, tmp_path, "lora", *args, "rag.enabled=true", "rag.prob=0", raft=True))
    short = _m(_train(tiny, tmp_path, "lora", "finetuning.max_duration=1ep", "finetuning.max_seq_len=200",
                      "rag.enabled=true", "rag.prob=1", raft=True))
    assert on["data"]["rag_dropped"] == 0 and short["data"]["rag_dropped"] == 8  # too long: context cut
    assert on["tokens"] > off["tokens"] == never["tokens"]
    assert on["target_tokens"] == off["target_tokens"]  # the context grows, the targets do not


def test_bad_overrides_are_one_line_errors(tiny: Path, tmp_path: Path) -> None:
    with pytest.raises(PanzaError, match="max_duration"):
        _train(tiny, tmp_path, "lora", "finetuning.max_duration=3 weeks")
    with pytest.raises(PanzaError, match="lr"):
        _train(tiny, tmp_path, "lora", "finetuning.lr=-1")
    with pytest.raises(PanzaError, match="does not exist"):
        _train(tiny, tmp_path, "lora", f"model={tmp_path / 'nope'}")


# ---- resume ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("method", "extra"), [
    ("lora", ("finetuning.lora.lora_dropout=0.3",)),
    ("rosa", ("finetuning.rosa.mask_warmup_steps=3", "finetuning.rosa.spa_d=0.02", "finetuning.rosa.lora_dropout=0.3")),
])
def test_interrupted_run_resumes_exactly(tiny: Path, tmp_path: Path, method: str, extra: tuple) -> None:
    from panza.train.trainer import train

    data = write_data(tmp_path / "data")
    args = ("finetuning.lr=1e-3", "finetuning.max_duration=3ep", *extra)
    straight = train(train_cfg(tiny, data, tmp_path / "a", method, *args))
    with pytest.raises(KeyboardInterrupt):
        train(train_cfg(tiny, data, tmp_path / "b", method, *args, "finetuning.debug_interrupt_after_steps=2"))
    (cut,) = (tmp_path / "b").iterdir()
    assert (cut / "resume" / "state.pt").is_file() and _m(cut)["status"] == "interrupted"
    resumed = train(train_cfg(tiny, data, tmp_path / "b", method, *args))
    assert resumed == cut and not (cut / "resume").exists()
    h1, h2 = _m(straight)["history"], _m(resumed)["history"]
    assert [h["loss"] for h in h1] == [h["loss"] for h in h2]
    assert _same(_weights(straight), _weights(resumed))


def test_resume_false_starts_a_new_run(tiny: Path, tmp_path: Path) -> None:
    from panza.train.trainer import train

    data = write_data(tmp_path / "data")
    args = ("finetuning.max_duration=2ba",)
    with pytest.raises(KeyboardInterrupt):
        train(train_cfg(tiny, data, tmp_path / "ck", "lora", *args, "finetuning.debug_interrupt_after_steps=1"))
    (cut,) = (tmp_path / "ck").iterdir()
    fresh = train(train_cfg(tiny, data, tmp_path / "ck", "lora", *args, "finetuning.resume=false"))
    assert fresh != cut and _m(cut)["status"] == "interrupted" and _m(fresh)["global_step"] == 2
    again = train(train_cfg(tiny, data, tmp_path / "ck", "lora", *args, f"finetuning.resume={cut}"))
    assert again == cut and _m(cut)["status"] == "done"


# ---- the CLI contract -----------------------------------------------------------------------------

def test_panza_train_cli_prints_run_dir_last(tiny: Path, tmp_path: Path, panza_cmd, shared_data) -> None:
    """End to end on real emails (subject as the instruction) with the tiny model."""
    recs = [json.loads(line) for line in (shared_data / "panza-david.jsonl").read_text().splitlines()[:24]]
    data = tmp_path / "data"
    data.mkdir()
    rows = [{"summary": f"Write an email about: {r.get('subject') or 'no subject'}", "email": r["email"],
             "thread": [], "message_id": f"<{i}@d>"} for i, r in enumerate(recs)]
    (data / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows[:20]))
    (data / "test.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows[20:]))
    cmd = [*panza_cmd, "train", "--data", str(data), "finetuning=lora", f"model={tiny}",
           f"checkpoint_dir={tmp_path / 'ck'}", "finetuning.max_duration=2ba", "finetuning.num_cpu_threads=1",
           "finetuning.max_seq_len=256", "user.username=david"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    run = Path(r.stdout.strip().splitlines()[-1])
    assert run.parent == tmp_path / "ck" and run.name.startswith("david-tiny-llama-lora-lr0.0005-2ba-seed42-")
    for f in ("adapter_config.json", "adapter_model.safetensors", "metrics.json", "loss_curve.png",
              "config.yaml", "tokenizer.json"):
        assert (run / f).is_file(), f
    assert (run / "loss_curve.png").read_bytes()[:4] == b"\x89PNG"
    m = _m(run)
    assert m["status"] == "done" and m["test_ppl"] > 1 and m["train_ppl"] > 1 and m["global_step"] == 2
    assert "train lora" in r.stderr  # progress goes to stderr
    assert "only 20 training emails" in r.stderr and "recommends 128-1000" in r.stderr  # under 50: warned


def test_out_of_memory_is_one_line_with_what_to_do(tiny: Path, tmp_path: Path, monkeypatch) -> None:
    """A real out-of-memory cannot be provoked reliably on a CI machine, so the allocator's error is
    raised from the loss (the message PyTorch's CPU allocator really gives); the trainer must turn
    it into a PanzaError that says what to lower."""
    from panza.train import loss

    def oom(*_a, **_k):
        raise RuntimeError("[enforce fail at alloc_cpu.cpp:121] DefaultCPUAllocator: can't allocate memory: "
                           "you tried to allocate 17179869184 bytes. Error code 12 (Cannot allocate memory)")

    monkeypatch.setattr(loss, "loss_sum", oom)
    with pytest.raises(PanzaError, match=r"out of memory.*finetuning\.batch_size.*micro_batch_tokens"):
        _train(tiny, tmp_path, "lora", "finetuning.max_duration=2ba")


def test_cli_bad_input_is_one_line(tiny: Path, tmp_path: Path, panza_cmd) -> None:
    r = subprocess.run([*panza_cmd, "train", "--data", str(tmp_path / "empty"), f"model={tiny}"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert lines[-1].startswith("panza train: error: no training data") and "panza prepare" in lines[-1]
    assert "Traceback" not in r.stderr


def test_a_diverging_run_stops_as_failed_and_is_never_latest(tiny: Path, tmp_path: Path) -> None:
    from panza.models.checkpoint import Checkpoint, read_metrics
    from panza.train.health import DivergenceCheck

    check = DivergenceCheck(3.0)
    assert [check.observe(x) for x in (3.1, 3.0, 2.9, 2.5, 4.0)] == [None] * 5  # noise is not divergence
    assert "rose to 26.90" in check.observe(26.9) and "nan" in DivergenceCheck(3.0).observe(float("nan"))
    good = _train(tiny, tmp_path, "lora", "finetuning.max_duration=2ba")
    # A random-init model starts at ln(vocab) and cannot rise much: an absurd rate makes the weights non-finite.
    with pytest.raises(PanzaError, match=r"training diverged at step \d+: the (loss is nan|trainable weights' norm)"
                       r".*lower finetuning\.lr"):
        _train(tiny, tmp_path, "lora", "finetuning.lr=1e30", "finetuning.max_duration=12ba",
               "finetuning.max_grad_norm=0")
    failed = [d for d in (tmp_path / "ck").iterdir() if read_metrics(d).get("status") == "failed"]
    assert len(failed) == 1 and "diverged" in read_metrics(failed[0])["error"]
    assert Checkpoint.resolve("latest", tmp_path / "ck").path == good  # the failed run is skipped


def test_exploding_adapter_weights_stop_the_run_before_the_loss_shows_it(tiny: Path, tmp_path: Path) -> None:
    """With clipping on, each step is bounded but Adam moves every weight by ~lr: at lr=10 the LoRA weights
    grow by orders of magnitude in a few steps while the loss may still look finite."""
    from panza.models.checkpoint import read_metrics
    from panza.train.health import WeightCheck

    check = WeightCheck(10.0)
    assert [check.observe(x) for x in (2.0, 2.1, 2.5, 19.0)] == [None] * 4 and "grew to 25" in check.observe(25.0)
    assert "nan" in WeightCheck(10.0).observe(float("nan"))
    with pytest.raises(PanzaError, match=r"training diverged at step \d+: the trainable weights' norm grew"):
        _train(tiny, tmp_path, "lora", "finetuning.lr=10", "finetuning.max_duration=12ba",
               "finetuning.max_grad_norm=1", "finetuning.diverge_factor=0")
    [failed] = [d for d in (tmp_path / "ck").iterdir() if read_metrics(d).get("status") == "failed"]
    assert "weights' norm" in read_metrics(failed)["error"]
    assert (failed / "config.yaml").stat().st_mode & 0o077 == 0  # the run's config holds the user's addresses
