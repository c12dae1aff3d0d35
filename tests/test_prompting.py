"""The shared prompt builder: structure, preamble loading and identical rendering for training/inference."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from panza import prompt as prompting
from panza.errors import PanzaError
from panza.prompt import Preambles, build_messages, load_preambles, training_messages

ROOT = Path(__file__).resolve().parent.parent
PREAMBLES = ROOT / "configs" / "preambles"


def _user_cfg(**over: object) -> dict:
    base = {
        "system_preamble_path": str(PREAMBLES / "system_preamble.txt"),
        "user_preamble_path": str(PREAMBLES / "user_preamble.txt"),
        "rag_preamble_path": str(PREAMBLES / "rag_preamble.txt"),
        "thread_preamble_path": str(PREAMBLES / "thread_preamble.txt"),
    }
    base.update(over)
    return {"user": base}


def test_messages_order_system_then_user_with_rag_thread_instruction() -> None:
    pre = Preambles(
        system="SYS", user="I am Jen.", rag="Past:\n{rag_context}", thread="Thread:\n{threading_context}"
    )
    msgs = build_messages(
        "ask Bob for the report",
        pre,
        rag_emails=["Old mail one", "Old mail two"],
        thread=["Bob: where is it?"],
    )
    assert [m["role"] for m in msgs] == ["system", "user"]
    assert msgs[0]["content"] == "SYS"
    user = msgs[1]["content"]
    # user preamble, RAG block, thread block, instruction — in that order
    positions = [
        user.index(s)
        for s in (
            "I am Jen.",
            "Past:",
            "Old mail one",
            "Old mail two",
            "Thread:",
            "Bob: where is it?",
            "Instruction: ask Bob for the report",
        )
    ]
    assert positions == sorted(positions)
    assert user.endswith("Instruction: ask Bob for the report")
    assert user.count("E-MAIL CONTENT:") == 2


def test_empty_parts_are_left_out() -> None:
    msgs = build_messages("  say thanks  ", Preambles(system="", user=""))
    assert msgs == [{"role": "user", "content": "Instruction: say thanks"}]
    # no RAG hits / empty thread entries add nothing
    msgs = build_messages("say thanks", Preambles(), rag_emails=["", "  "], thread=[""])
    assert "E-MAIL" not in msgs[0]["content"] and "thread" not in msgs[0]["content"]


def test_braces_in_user_text_are_kept_verbatim() -> None:
    msgs = build_messages("reply about {budget}", Preambles(), rag_emails=["costs {x} and {rag_context}"])
    assert "{budget}" in msgs[-1]["content"]
    assert "costs {x}" in msgs[-1]["content"]


def test_empty_instruction_is_an_error() -> None:
    with pytest.raises(PanzaError, match="instruction is empty"):
        build_messages("   ", Preambles())


def test_training_messages_add_the_email_as_assistant_turn() -> None:
    pre = Preambles(system="S", user="U")
    msgs = training_messages("ask", "Hi Bob,\nthanks!\n", pre, thread=["earlier"])
    assert msgs[:-1] == build_messages("ask", pre, thread=["earlier"])
    assert msgs[-1] == {"role": "assistant", "content": "Hi Bob,\nthanks!"}


def test_load_default_preambles_and_warn_once_about_change_me(caplog: pytest.LogCaptureFixture) -> None:
    prompting._warned.clear()
    with caplog.at_level(logging.WARNING, logger="panza"):
        pre = load_preambles(_user_cfg())
        load_preambles(_user_cfg())
    assert pre.system.startswith("You are a helpful assistant that writes emails")
    assert "{rag_context}" in pre.rag and "{threading_context}" in pre.thread
    warnings = [r for r in caplog.records if "CHANGE ME" in r.getMessage()]
    assert len(warnings) == 1


def test_missing_preamble_file_names_the_key(tmp_path: Path) -> None:
    with pytest.raises(PanzaError, match=r"user\.user_preamble_path: .*nope\.txt not found"):
        load_preambles(_user_cfg(user_preamble_path=str(tmp_path / "nope.txt")))


def test_rag_preamble_without_slot_is_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "rag.txt"
    bad.write_text("Some emails:", encoding="utf-8")
    with pytest.raises(PanzaError, match=r"rag_preamble_path.*\{rag_context\}"):
        load_preambles(_user_cfg(rag_preamble_path=str(bad)))


def test_null_paths_use_defaults(tmp_path: Path) -> None:
    pre = load_preambles({"user": {"system_preamble_path": None, "user_preamble_path": None}})
    assert pre.system == "" and pre.user == ""
    assert "{rag_context}" in pre.rag


def test_load_preambles_through_real_config() -> None:
    from panza.config import compose

    cfg = compose("run", [])
    pre = load_preambles(cfg)
    assert pre.system == (PREAMBLES / "system_preamble.txt").read_text(encoding="utf-8").strip()


@pytest.mark.slow
def test_training_and_inference_render_the_same_prefix() -> None:
    """Rendered with the embedded model's chat template, the inference prompt is exactly the training prefix."""
    transformers = pytest.importorskip("transformers")
    from panza.models.embedded import hf_model_dir

    tok = transformers.AutoTokenizer.from_pretrained(hf_model_dir())
    pre = load_preambles(_user_cfg())
    infer = tok.apply_chat_template(
        build_messages("ask Bob", pre, thread=["Bob: hi"]), tokenize=False, add_generation_prompt=True
    )
    train = tok.apply_chat_template(
        training_messages("ask Bob", "Hi Bob!", pre, thread=["Bob: hi"]), tokenize=False
    )
    assert train.startswith(infer)
    assert train[len(infer) :].startswith("Hi Bob!")


def test_placeholder_lines_never_reach_the_prompt() -> None:
    pre = Preambles(user="CHANGE ME: describe yourself\nI sign off with 'Cheers, Jen'.")
    content = build_messages("say hi", pre)[-1]["content"]
    assert "CHANGE ME" not in content and content.startswith("I sign off with 'Cheers, Jen'.")
    default = load_preambles(_user_cfg(), warn=False)
    assert build_messages("say hi", default)[-1]["content"].startswith("Instruction: say hi")
