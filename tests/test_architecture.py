"""The seams of the architecture: checkpoints resolved once, the interface and export registries, the
same draft cleaning streamed or not, YAML-only defaults, and the original's guide run from scripts/."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from panza.errors import PanzaError

ROOT = Path(__file__).resolve().parent.parent


# ---- one draft cleaning for every interface --------------------------------------------------------
LOOPING = ("Hi Anna,\n\nThe site walk moves to Monday at 9. The nursery delivery slipped, so Friday does "
           "not work. I will send the new plan, and I will send the new plan, and I will send the new plan, "
           "and I will send the new plan, and I will send the new plan, and I will send the new plan.")
DRAFTS = [
    LOOPING,
    "Subject: Site walk\nHere is the email:\nHi Anna,\n\nMonday at 9 works.\n\nBest,\nJen",
    "Hi Bob,\n\nThanks for the report. It looks good.\n\nThanks for the report. It looks good.\n\nJen",
    "Hi,\n\nSee you Sunday for brunch.\n\n---\n\nE-MAIL CONTENT:\nsomething copied from the prompt",
    "Short one.",
    "",
]


def _pieces(text: str, size: int) -> list[str]:
    return [text[i:i + size] for i in range(0, len(text), size)]


@pytest.mark.parametrize("text", DRAFTS)
@pytest.mark.parametrize("size", [1, 3, 17])
def test_streamed_drafts_add_up_to_the_batch_draft(text: str, size: int) -> None:
    from panza.write.drafts import clean_draft, clean_stream

    assert "".join(clean_stream(_pieces(text, size))) == clean_draft(text)


def test_stream_stops_generating_once_the_rest_is_cut() -> None:
    from panza.write.drafts import clean_draft, clean_stream

    pulled = []

    def source():
        for p in _pieces(LOOPING * 20, 4):  # a loop that would run to max_new_tokens
            pulled.append(p)
            yield p

    out = "".join(clean_stream(source()))
    assert out == clean_draft(LOOPING) and "Monday at 9" in out
    assert len("".join(pulled)) < len(LOOPING) + 400  # stopped soon after the loop was certain


@pytest.mark.slow
def test_writer_stream_cleans_the_real_models_pieces_like_a_batch_draft() -> None:
    """The real model's own stream pieces (token boundaries as llama.cpp yields them), cleaned while
    streaming, add up to the batch cleaning of the whole text. (Two greedy llama.cpp calls are not
    compared with each other: its prompt cache can change the floats between calls.)"""
    from panza.llm import load_llm
    from panza.prompt import Preambles
    from panza.write.drafts import clean_draft, clean_stream
    from panza.write.writer import PanzaWriter

    llm = load_llm({"backend": "llamacpp", "n_threads": 1, "n_ctx": 2048,
                    "sampling": {"max_new_tokens": 96}})
    writer = PanzaWriter(llm, Preambles(user="My name is Jen."))
    for instruction in ("Ask Bob for the quarterly report by Friday.", "Thank Alice for lunch."):
        pieces = list(llm.stream(writer.messages(instruction)))
        assert len(pieces) > 5
        assert "".join(clean_stream(pieces)) == clean_draft("".join(pieces))
    assert "".join(writer.stream("Thank Alice for lunch.")).strip()


# ---- the interface and export registries -----------------------------------------------------------
def test_interfaces_are_a_registry_with_one_line_errors() -> None:
    from omegaconf import OmegaConf

    from panza.interfaces import INTERFACES, get

    assert {"cli", "json"} <= set(INTERFACES)
    for name in INTERFACES:
        assert callable(get(name).prepare)
    with pytest.raises(PanzaError, match=r"unknown interface 'fax'.*cli"):
        get("fax")
    cfg = OmegaConf.create({"interfaces": {"name": "json", "input_file": "/nonexistent/test.jsonl"}})
    with pytest.raises(PanzaError, match=r"input file /nonexistent/test\.jsonl not found"):
        get("json").prepare(cfg)  # checked before any model would load


@pytest.fixture(scope="module")
def small_llm():
    from panza.llm import load_llm

    return load_llm({"backend": "llamacpp", "n_threads": 1, "n_ctx": 2048, "sampling": {"max_new_tokens": 12}})


@pytest.mark.slow
def test_cli_session_ends_on_a_bare_exit(small_llm) -> None:
    import io

    from panza.interfaces.cli import session
    from panza.prompt import Preambles
    from panza.write.writer import PanzaWriter

    out, err = io.StringIO(), io.StringIO()
    writer = PanzaWriter(small_llm, Preambles(user="My name is Jen."))
    assert session(writer, stdin=io.StringIO("thank Bob\nexit\nnever drafted\n"), stdout=out, stderr=err) == 0
    assert "1 draft(s)" in err.getvalue() and out.getvalue().strip()


@pytest.mark.slow
def test_cli_at_a_terminal_says_it_is_checking_drafts(small_llm) -> None:
    import io

    from panza.interfaces.cli import session
    from panza.prompt import Preambles
    from panza.write.writer import PanzaWriter, WriterOptions

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    for mode, said in (("checked", True), ("greedy", False)):
        out, err = io.StringIO(), io.StringIO()
        writer = PanzaWriter(small_llm, Preambles(), options=WriterOptions(best_of=2, interactive=mode))
        assert session(writer, stdin=Terminal("thank Bob\n"), stdout=out, stderr=err) == 0
        assert ("checking 2 drafts" in err.getvalue()) is said and out.getvalue().strip()


@pytest.mark.slow
def test_complete_chat_is_a_backend_capability(small_llm, tmp_path: Path) -> None:
    """llama.cpp and transformers continue a prefilled assistant turn; playback uses only that method."""
    from panza.llm import load_llm
    from panza.llm.base import PrefillCompleter
    from panza.models.checkpoint import Checkpoint
    from panza.playback.complete import completer
    from test_train_support import tiny_model_dir

    chat = [{"role": "system", "content": "Summarize the email as an instruction."},
            {"role": "user", "content": "Hi Tom, can we move the meeting to Friday? Jen"}]
    hf = load_llm({"backend": "transformers", "sampling": {"max_new_tokens": 6}},
                  checkpoint=Checkpoint.from_path(tiny_model_dir(str(tmp_path))))
    for llm in (small_llm, hf):
        assert isinstance(llm, PrefillCompleter)
        fn, mode = completer(llm)
        out = fn([chat, chat], ["Reply to Tom to", "Write to Tom to"])
        assert mode == "complete_chat" and out[0].startswith("Reply to Tom to") and out[1].startswith("Write to Tom")
    assert len(completer(small_llm)[0]([chat], ["Reply to Tom to"])[0]) > len("Reply to Tom to")  # it went on


def test_export_is_a_registry_and_merge_is_one_of_its_steps(panza_cmd: list[str], tmp_path: Path) -> None:
    from panza.export import STEPS

    assert "merged" in STEPS
    r = subprocess.run([*panza_cmd, "export", "merged", f"checkpoint={tmp_path / 'missing'}"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "does not exist" in r.stderr and "Traceback" not in r.stderr
    r = subprocess.run([*panza_cmd, "export", "wav"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "invalid choice: 'wav'" in r.stderr


# ---- checkpoints ------------------------------------------------------------------------------------
def _run_dir(root: Path, name: str, *, status: str = "done", rag: bool = False) -> Path:
    d = root / name
    d.mkdir(parents=True)
    (d / "adapter_config.json").write_text(json.dumps({"base_model_name_or_path": "embedded"}))
    (d / "metrics.json").write_text(json.dumps({"status": status}))
    (d / "config.yaml").write_text(f"rag:\n  enabled: {str(rag).lower()}\n")
    return d


def test_checkpoint_knows_its_kind_base_run_and_rag(tmp_path: Path) -> None:
    import time

    from panza.models.checkpoint import Checkpoint

    old = _run_dir(tmp_path, "old-run", rag=True)
    time.sleep(0.01)
    new = _run_dir(tmp_path, "new-run")
    time.sleep(0.01)
    _run_dir(tmp_path, "unfinished-run", status="interrupted")
    ck = Checkpoint.resolve("latest", tmp_path)
    assert ck == Checkpoint(new, "lora") and ck.base == "embedded" and ck.run_dir == new
    assert not ck.trained_with_rag and Checkpoint.resolve("old-run", tmp_path).trained_with_rag
    (old / "merged").mkdir()
    (old / "merged" / "config.json").write_text("{}")
    merged = Checkpoint.from_path(old / "merged")
    assert merged.kind == "hf" and merged.run_dir == old and merged.trained_with_rag
    with pytest.raises(PanzaError, match="no finished training run"):
        Checkpoint.resolve("latest", tmp_path / "nothing")


# ---- defaults in YAML only ----------------------------------------------------------------------------
def test_training_options_come_from_the_yaml_only(tmp_path: Path) -> None:
    from omegaconf import OmegaConf

    from panza.config import compose
    from panza.train.options import from_config

    cfg = compose("train", ["finetuning=lora"])
    yaml = OmegaConf.load(ROOT / "configs" / "finetuning" / "base.yaml")
    opts = from_config(cfg)
    assert (opts.max_seq_len, opts.warmup, opts.micro_batch_auto, opts.shared_prefix) == (
        yaml.max_seq_len, yaml.warmup, yaml.micro_batch_tokens == "auto", yaml.shared_prefix)
    del cfg.finetuning["micro_batch_tokens"]
    with pytest.raises(PanzaError, match=r"finetuning\.micro_batch_tokens is not set.*configs/finetuning"):
        from_config(cfg)


def test_trainer_reads_raft_from_index_raft_path(tmp_path: Path) -> None:
    from panza.config import compose
    from panza.layout import DataLayout

    cfg = compose("train", [f"user.data_dir={tmp_path}", f"index.raft_path={tmp_path / 'elsewhere.jsonl'}"])
    layout = DataLayout.from_config(cfg)
    assert layout.raft == tmp_path / "elsewhere.jsonl" and layout.train == tmp_path / "train.jsonl"


# ---- the original's guide ------------------------------------------------------------------------------
def test_user_preamble_comment_lines_stay_out_of_prompts() -> None:
    from panza.prompt import Preambles, build_messages

    pre = Preambles(user="# Describe yourself below; this line is a note to you.\nMy name is Jen.\n  # also a note")
    content = build_messages("Thank Bob.", pre)[-1]["content"]
    assert "My name is Jen." in content and "#" not in content and "note" not in content


def test_workspace_is_the_project_root_when_run_from_scripts(tmp_path: Path, monkeypatch) -> None:
    from panza.config import compose, workspace

    monkeypatch.delenv("PANZA_WORKSPACE", raising=False)
    assert workspace(ROOT / "scripts") == ROOT
    assert workspace(tmp_path) == tmp_path.resolve()
    monkeypatch.chdir(ROOT / "scripts")
    cfg = compose("run", [])
    assert Path(cfg.user.data_dir) == ROOT / "data" and Path(cfg.checkpoint_dir) == ROOT / "checkpoints"
    monkeypatch.setenv("PANZA_WORKSPACE", str(tmp_path))
    assert Path(compose("run", []).user.data_dir) == tmp_path / "data"


def test_runner_py_from_scripts_finds_runs_under_the_project_root(tmp_path: Path) -> None:
    """``python runner.py … checkpoint=latest`` from scripts/ looks in <project>/checkpoints (the original's
    guide); a copy of the project layout keeps the real checkout clean."""
    import shutil

    proj = tmp_path / "proj"
    shutil.copytree(ROOT / "configs", proj / "configs")
    shutil.copytree(ROOT / "scripts", proj / "scripts")
    env = {k: v for k, v in os.environ.items() if k != "PANZA_WORKSPACE"}
    env["PYTHONPATH"] = str(ROOT / "src")
    env["PANZA_CONFIG_DIR"] = str(proj / "configs")
    r = subprocess.run([sys.executable, "runner.py", "interfaces=cli", "writer/llm=peft", "checkpoint=latest"],
                       cwd=proj / "scripts", env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert f"no finished training run in {proj / 'checkpoints'}" in r.stderr


def test_extract_reads_data_sent_mbox_when_no_mail_is_given(panza_cmd: list[str], tmp_path: Path) -> None:
    import shutil

    out = tmp_path / "data"
    out.mkdir()
    r = subprocess.run([*panza_cmd, "extract", "--email", "jen.weber@lindenmail.example", "--out", str(out)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 2 and "no mail to read" in r.stderr  # nothing given, no Sent.mbox
    shutil.copy(ROOT / "sample" / "jen" / "sent.mbox", out / "Sent.mbox")
    r = subprocess.run([*panza_cmd, "extract", "user=jen", "--out", str(out)], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert sum(1 for _ in (out / "jen_clean.jsonl").open()) > 10
