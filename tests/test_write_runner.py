"""`panza run`: the cli and json interfaces end to end with the real embedded model, RAG wiring,
checkpoints, and one-line errors from the real command."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from panza.errors import PanzaError

ROOT = Path(__file__).resolve().parent.parent
FAST = ["writer.llm.n_threads=1", "writer.llm.n_ctx=2048", "writer.llm.sampling.max_new_tokens=16"]

RECORDS = [
    {
        "summary": "Ask Bob to send the quarterly report by Friday.",
        "email": "Hi Bob,\n\ncould you send me the quarterly report by Friday?\n\nThanks,\nJen",
    },
    {
        "summary": "Ask Bob to send the quarterly report by Friday.",
        "email": "Bob, please send the Q3 report before Friday. Jen",
    },
    {
        "summary": "Thank Alice for lunch.",
        "email": "Dear Alice, thank you for lunch yesterday! Best, Jen",
        "thread": ["Alice: Lovely to see you yesterday!"],
    },
]


@pytest.fixture()
def workspace(tmp_path: Path) -> Path:
    """A data folder with a test.jsonl (two broken lines among real records) and a filled-in preamble."""
    data = tmp_path / "data"
    data.mkdir()
    lines = [json.dumps(r) for r in RECORDS] + ["this line is not json", json.dumps({"email": "no summary"})]
    (data / "test.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "me.txt").write_text("My name is Jen. I write short, friendly emails.", encoding="utf-8")
    return tmp_path


def _run(cmd: list[str], ws: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    base = ["--data", str(ws / "data")]
    return subprocess.run(
        [*cmd, *args, f"user.user_preamble_path={ws / 'me.txt'}", *base],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ws,
        timeout=600,
        env={**os.environ, "PANZA_WORKSPACE": str(ws)},
    )


def _one_line_error(res: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    for n in needles:
        assert n in lines[0], lines[0]


# ---- cli interface ------------------------------------------------------------------------------
@pytest.mark.slow
def test_cli_streams_drafts_for_piped_instructions(panza_cmd: list[str], workspace: Path) -> None:
    thread = workspace / "thread.txt"
    thread.write_text("Bob: Can we meet on Friday?\n---\nJen: Sure, what time?\n", encoding="utf-8")
    res = _run(
        panza_cmd,
        workspace,
        "run",
        *FAST,
        "writer.rag.enabled=false",
        stdin=f"ask Bob for the quarterly report\n\n/thread {thread}\nsay Friday at 10 works\n",
    )
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr
    assert "replying within a thread of 2 message(s)" in res.stderr
    assert "2 draft(s) written" in res.stderr
    assert len(res.stdout.strip()) > 20


@pytest.mark.slow
def test_scripts_runner_runs_the_same_code(panza_cmd: list[str], workspace: Path) -> None:
    args = ["interfaces=cli", "writer/llm=llamacpp", *FAST, "writer.rag.enabled=false"]
    via_panza = _run([*panza_cmd, "run"], workspace, *args, stdin="ask Bob for the quarterly report\n")
    via_script = _run(
        [sys.executable, str(ROOT / "scripts" / "runner.py")],
        workspace,
        *args,
        stdin="ask Bob for the quarterly report\n",
    )
    assert via_panza.returncode == via_script.returncode == 0, via_script.stderr
    assert via_panza.stdout == via_script.stdout and via_panza.stdout.strip()  # greedy: identical drafts


# ---- json interface -----------------------------------------------------------------------------
@pytest.mark.slow
def test_json_writes_original_evaluation_format(panza_cmd: list[str], workspace: Path) -> None:
    res = _run(panza_cmd, workspace, "run", "interfaces=json", *FAST, "writer.rag.enabled=false")
    assert res.returncode == 0, res.stderr
    out = json.loads((workspace / "data" / "drafts.json").read_text())
    assert not (workspace / "data" / "drafts.json.partial.jsonl").exists()
    resp = {r["prompt"]: r for r in out["responses"]}
    assert len(resp) == 2  # the two Bob records are one prompt with two goldens
    bob = resp["Ask Bob to send the quarterly report by Friday."]
    assert bob["golden_responses"] == [RECORDS[0]["email"], RECORDS[1]["email"]]
    assert len(bob["panza_responses"]) == 1 and bob["panza_responses"][0]
    assert "candidates" not in bob  # only with interfaces.keep_candidates=true
    alice = resp["Thank Alice for lunch."]
    assert (
        "Alice: Lovely to see you yesterday!" in alice["full_prompt"][-1]["content"]
    )  # thread in the prompt
    m = out["metrics"]
    assert 0.0 <= m["BLEU"] <= 1.0 and set(m["ROUGE"]) == {"rouge1", "rouge2", "rougeL"}
    assert m["ROUGE"]["rouge1"] > 0  # a real draft shares words with "send the quarterly report"
    assert [s["line"] for s in out["skipped"]] == [4, 5]  # broken records are counted, not lost
    assert "2 record(s) skipped" in res.stderr and "BLEU" in res.stderr


@pytest.mark.slow
def test_json_keeps_the_candidates_the_writer_chose_among(panza_cmd: list[str], workspace: Path) -> None:
    out_file = workspace / "data" / "candidates.json"
    res = _run(panza_cmd, workspace, "run", "interfaces=json", *FAST, "writer.rag.enabled=false", "writer.best_of=3",
               "writer.retries=0", "interfaces.keep_candidates=true", f"interfaces.output_file={out_file}")
    assert res.returncode == 0, res.stderr
    for r in json.loads(out_file.read_text())["responses"]:
        cands = r["candidates"]
        assert len(cands) == 3  # the greedy draft and two sampled ones, each with its fact score
        assert all(isinstance(c["draft"], str) and c["score"] <= 1 for c in cands)  # less per gap or made-up day
        assert r["panza_responses"][0] in [c["draft"] for c in cands if c["kept"]]


@pytest.mark.slow
def test_json_resumes_from_partial_drafts(workspace: Path) -> None:
    from panza.config import compose
    from panza.interfaces import batch
    from panza.write.build import build_writer

    cfg = compose(
        "run",
        [
            "interfaces=json",
            *FAST,
            "writer.rag.enabled=false",
            "writer.length_weight=0.25",
            f"user.data_dir={workspace / 'data'}",
            f"user.user_preamble_path={workspace / 'me.txt'}",
        ],
    )
    jobs = batch.load_jobs(cfg.interfaces)
    done = jobs.jobs[0]
    partial = workspace / "data" / "drafts.json.partial.jsonl"
    partial.write_text(
        json.dumps({"key": done.key, "full_prompt": [], "panza_responses": ["KEPT FROM BEFORE"]})
        + "\n"
        + '{"key": "cut off by a cra',
        encoding="utf-8",
    )
    writer = build_writer(cfg)
    assert writer.options.length_weight == 0.25 and writer.options.consensus  # the config reaches the writer
    assert writer.options.channel and writer.channel_template and "{email}" in str(writer.channel_template)
    batch.draft_jobs(writer, cfg.interfaces, jobs)
    out = json.loads((workspace / "data" / "drafts.json").read_text())
    drafts = {r["prompt"]: r["panza_responses"] for r in out["responses"]}
    assert drafts[done.prompt] == ["KEPT FROM BEFORE"]
    assert drafts["Thank Alice for lunch."][0] not in ("", "KEPT FROM BEFORE")


# ---- RAG ----------------------------------------------------------------------------------------
def test_rag_disabled_or_missing_index_runs_without_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from panza.write.rag import open_index

    assert open_index({"enabled": False, "index_dir": str(tmp_path)}) is None
    with caplog.at_level(logging.WARNING):
        assert open_index({"enabled": True, "index_dir": str(tmp_path / "none")}) is None
    assert "no RAG index" in caplog.text


def test_rag_auto_follows_how_the_checkpoint_was_trained(tmp_path: Path) -> None:
    """``writer.rag.enabled=auto``: RAG only for a run trained with RAG context (RAFT), read from its config."""
    from panza.models.checkpoint import Checkpoint
    from panza.write.rag import rag_enabled

    raft, plain_run = tmp_path / "raft-run", tmp_path / "plain-run"
    for d, on in ((raft, "true"), (plain_run, "false")):
        (d / "merged").mkdir(parents=True)
        (d / "adapter_config.json").write_text("{}")
        (d / "merged" / "config.json").write_text("{}")
        (d / "config.yaml").write_text(f"rag:\n  enabled: {on}\n  prob: 0.55\n", encoding="utf-8")
    (tmp_path / "model.gguf").write_bytes(b"GGUF")
    raft_ck, plain_ck = Checkpoint.from_path(raft), Checkpoint.from_path(plain_run)
    auto = {"enabled": "auto"}
    assert rag_enabled(auto, raft_ck) and rag_enabled(auto, Checkpoint.from_path(raft / "merged"))  # merged too
    assert not rag_enabled(auto, plain_ck) and not rag_enabled(auto, Checkpoint.from_path(plain_run / "merged"))
    assert not rag_enabled(auto, None)  # a base model was never trained with past emails
    assert not rag_enabled(auto, Checkpoint.from_path(tmp_path / "model.gguf"))
    assert rag_enabled({"enabled": True}, None) and not rag_enabled({"enabled": False}, raft_ck)
    assert rag_enabled({"enabled": "true"}, None) and not rag_enabled({}, raft_ck)
    with pytest.raises(PanzaError, match=r"writer\.rag\.enabled=sometimes"):
        rag_enabled({"enabled": "sometimes"}, None)


def test_corrupt_rag_index_is_an_error(tmp_path: Path) -> None:
    pytest.importorskip("panza.index", reason="the RAG index module (panza.index) is not in this tree")
    from panza.write.rag import open_index

    bad = tmp_path / "rag"
    bad.mkdir()
    (bad / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(PanzaError, match="rag"):
        open_index({"enabled": True, "index_dir": str(bad)})


@pytest.mark.slow
def test_rag_puts_related_past_emails_into_the_prompt(tmp_path: Path) -> None:
    pytest.importorskip("panza.index", reason="the RAG index module (panza.index) is not in this tree")
    pytest.importorskip("faiss")
    from panza.index import EmailIndex
    from panza.index.embedder import Embedder
    from panza.prompt import Preambles
    from panza.write.rag import open_index
    from panza.write.writer import PanzaWriter, WriterOptions

    past = [
        {
            "email": "Hi team, the garden design for the Hafencity roof terrace is attached.",
            "message_id": "a",
        },
        {"email": "Dear Mr. Klein, your invoice for the tree pruning is overdue.", "message_id": "b"},
    ]
    EmailIndex.build(past, Embedder()).save(tmp_path / "rag")
    index = open_index({"enabled": True, "index_dir": str(tmp_path / "rag")})
    writer = PanzaWriter(
        llm=None,
        preambles=Preambles(),
        retriever=index,  # type: ignore[arg-type]
        options=WriterOptions(rag_k=1, rag_threshold=0.1),
    )
    content = writer.messages("send the roof terrace garden design to the team")[-1]["content"]
    assert "E-MAIL CONTENT:\nHi team, the garden design" in content
    assert "invoice" not in content


# ---- checkpoints --------------------------------------------------------------------------------
def test_checkpoint_resolution_and_backend_choice(tmp_path: Path) -> None:
    from omegaconf import OmegaConf

    from panza.llm.base import backend_for
    from panza.models.checkpoint import Checkpoint
    from panza.write.build import resolve_checkpoint

    full = tmp_path / "run-full"
    full.mkdir()
    (full / "config.json").write_text("{}")
    adapter = tmp_path / "run-lora"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text("{}")
    rosa = tmp_path / "run-rosa"
    rosa.mkdir()
    (rosa / "rosa_config.json").write_text("{}")
    cfg = OmegaConf.create({"checkpoint_dir": str(tmp_path), "checkpoint": "run-lora"})
    assert resolve_checkpoint(cfg) == Checkpoint(adapter, "lora")
    cfg.checkpoint = str(rosa)
    assert resolve_checkpoint(cfg) == Checkpoint(rosa, "rosa")
    cfg.checkpoint = None
    assert resolve_checkpoint(cfg) is None
    cfg.checkpoint = "nope"
    with pytest.raises(PanzaError, match="checkpoint nope does not exist"):
        resolve_checkpoint(cfg)
    cfg.checkpoint = str(tmp_path)  # a folder without a model
    with pytest.raises(PanzaError, match="holds no model"):
        resolve_checkpoint(cfg)
    full_ck, lora_ck = Checkpoint.from_path(full), Checkpoint.from_path(adapter)
    assert backend_for({"backend": "llamacpp"}, full_ck)["backend"] == "transformers"
    assert backend_for({"backend": "llamacpp"}, lora_ck)["backend"] == "peft"
    assert backend_for({"backend": "llamacpp"}, Checkpoint.from_path(rosa))["backend"] == "peft"
    assert backend_for({"backend": "transformers"}, lora_ck)["backend"] == "peft"
    assert backend_for({"backend": "openai"}, full_ck)["backend"] == "openai"
    (adapter / "model-q8_0.gguf").write_bytes(b"GGUF")  # an exported GGUF in the run: llama.cpp runs it
    assert backend_for({"backend": "llamacpp"}, lora_ck)["backend"] == "llamacpp"
    assert lora_ck.gguf_file == adapter / "model-q8_0.gguf"


# ---- one-line errors from the real command -------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (
            ["writer.llm.model_path=/nonexistent/m.gguf"],
            ["GGUF model /nonexistent/m.gguf not found", "model_path"],
        ),
        (["writer.llm.backend=vllm"], ["unknown LLM backend 'vllm'", "llamacpp"]),
        (["writer/llm=nosuch"], ["unknown choice", "llamacpp"]),
        (
            ["interfaces=json", "interfaces.input_file=/nonexistent/in.jsonl"],
            ["input file /nonexistent/in.jsonl not found"],
        ),
        (["user.system_preamble_path=/nonexistent/sys.txt"], ["user.system_preamble_path", "not found"]),
        (["interfaces.name=fax"], ["unknown interface 'fax'"]),
        (["checkpoint=/nonexistent/run"], ["checkpoint /nonexistent/run does not exist"]),
    ],
)
def test_bad_input_is_one_line(
    panza_cmd: list[str], workspace: Path, args: list[str], needles: list[str]
) -> None:
    res = _run(panza_cmd, workspace, "run", *args, stdin="hello\n")
    _one_line_error(res, "panza run: error:", *needles)


@pytest.mark.slow
def test_unreachable_server_is_one_line(panza_cmd: list[str], workspace: Path) -> None:
    url = f"http://127.0.0.1:{_free_port()}/v1"
    (workspace / "data" / "test.jsonl").write_text("".join(json.dumps(r) + "\n" for r in RECORDS))
    for iface in ("interfaces=cli", "interfaces=json"):
        res = _run(
            panza_cmd,
            workspace,
            "run",
            iface,
            "writer/llm=openai",
            f"writer.llm.base_url={url}",
            "writer.llm.timeout=5",
            "writer.rag.enabled=false",
            stdin="ask Bob for the report\n",
        )
        _one_line_error(res, f"cannot reach the OpenAI-compatible server at {url}")


@pytest.mark.slow
def test_model_without_chat_template_is_one_line(panza_cmd: list[str], workspace: Path) -> None:
    transformers = pytest.importorskip("transformers")
    from panza.models.embedded import hf_model_dir

    bare = workspace / "bare-model"
    tok = transformers.AutoTokenizer.from_pretrained(hf_model_dir())
    tok.chat_template = None
    tok.save_pretrained(bare)
    (bare / "chat_template.jinja").unlink(missing_ok=True)
    cfg = transformers.LlamaConfig(
        vocab_size=len(tok),
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=1,
    )
    transformers.LlamaForCausalLM(cfg).save_pretrained(bare)
    res = _run(
        panza_cmd,
        workspace,
        "run",
        "writer/llm=transformers",
        f"writer.llm.model={bare}",
        "writer.rag.enabled=false",
        stdin="hello\n",
    )
    _one_line_error(res, "no chat template", "pick an instruct")


# ---- config groups ------------------------------------------------------------------------------
@pytest.mark.parametrize("backend", ["llamacpp", "transformers", "peft", "openai", "ollama"])
def test_every_llm_group_composes_with_sampling_under_writer_llm(backend: str) -> None:
    from panza.config import compose

    cfg = compose("run", [f"writer/llm={backend}", "writer/llm/sampling=random"])
    assert cfg.writer.llm.backend == backend
    assert cfg.writer.llm.sampling.do_sample is True and cfg.writer.llm.sampling.max_new_tokens > 0
    default = compose("run", [])
    assert default.writer.llm.backend == "llamacpp" and default.writer.llm.sampling.do_sample is False
    assert default.interfaces.name == "cli" and default.checkpoint is None
    assert default.writer.rag.index_dir.endswith("/rag")


# ---- a trained checkpoint end to end -------------------------------------------------------------
@pytest.mark.slow
def test_adapter_checkpoint_runs_through_peft(panza_cmd: list[str], workspace: Path) -> None:
    """`checkpoint=<adapter dir>` with the default llamacpp backend switches to peft and drafts."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    peft = pytest.importorskip("peft")
    from panza.models.embedded import hf_model_dir

    tiny = workspace / "tiny"
    tok = transformers.AutoTokenizer.from_pretrained(hf_model_dir())
    conf = transformers.LlamaConfig(
        vocab_size=len(tok),
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=1,
        eos_token_id=tok.eos_token_id,
    )
    torch.manual_seed(0)
    transformers.LlamaForCausalLM(conf).save_pretrained(tiny)
    tok.save_pretrained(tiny)
    model = peft.get_peft_model(
        transformers.AutoModelForCausalLM.from_pretrained(tiny),
        peft.LoraConfig(r=2, target_modules=["q_proj"], task_type="CAUSAL_LM"),
    )
    model.save_pretrained(workspace / "checkpoints" / "run-1")
    res = _run(
        panza_cmd,
        workspace,
        "run",
        "interfaces=json",
        "checkpoint=run-1",
        "writer.rag.enabled=false",
        "writer.llm.sampling.max_new_tokens=4",
    )
    assert res.returncode == 0, res.stderr
    out = json.loads((workspace / "data" / "drafts.json").read_text())
    assert out["run"]["backend"] == "peft"
    assert out["run"]["checkpoint"] == str(workspace / "checkpoints" / "run-1")
    assert len(out["responses"]) == 2 and all(len(r["panza_responses"]) == 1 for r in out["responses"])


@pytest.mark.slow
def test_json_skips_a_prompt_too_long_for_the_context_and_goes_on(
    panza_cmd: list[str], workspace: Path
) -> None:
    records = [RECORDS[2], {"summary": "Reply to this. " + "word " * 400, "email": "ok"}]
    (workspace / "data" / "test.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    res = _run(
        panza_cmd,
        workspace,
        "run",
        "interfaces=json",
        *FAST,
        "writer.llm.n_ctx=256",
        "writer.rag.enabled=false",
        "interfaces.batch_size=2",
    )
    assert res.returncode == 0, res.stderr
    out = json.loads((workspace / "data" / "drafts.json").read_text())
    assert [r["prompt"] for r in out["responses"]] == ["Thank Alice for lunch."]
    assert len(out["skipped"]) == 1 and "n_ctx" in out["skipped"][0]["reason"]
    assert "1 record(s) skipped" in res.stderr
