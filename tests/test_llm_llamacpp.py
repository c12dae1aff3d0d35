"""llama.cpp backend on the real embedded GGUF (the default writer model)."""

from __future__ import annotations

from pathlib import Path

import pytest

from panza.errors import PanzaError
from panza.llm import LLM, load_llm
from panza.llm.base import Sampling
from panza.llm.llamacpp import find_gguf, sampling_kwargs

pytest.importorskip("llama_cpp")

CHAT = [{"role": "user", "content": "Write one sentence asking Bob for the quarterly report."}]
CHAT2 = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Thank Alice for lunch."}]


@pytest.fixture(scope="module")
def llm() -> LLM:
    return load_llm(
        {"backend": "llamacpp", "n_threads": 1, "n_ctx": 1024, "sampling": {"max_new_tokens": 16}}
    )


@pytest.mark.slow
def test_batch_gives_one_draft_per_conversation(llm: LLM) -> None:
    out = llm.generate([CHAT, CHAT2, CHAT])
    assert len(out) == 3 and all(out)
    assert out[0] == out[2]  # greedy by default: deterministic
    assert "Bob" in out[0]


@pytest.mark.slow
def test_stream_yields_the_same_text_in_pieces(llm: LLM) -> None:
    pieces = list(llm.stream(CHAT))
    assert len(pieces) > 1
    assert "".join(pieces).strip() == llm.generate([CHAT])[0]


@pytest.mark.slow
def test_per_call_overrides_and_stop_strings(llm: LLM) -> None:
    full = llm.generate([CHAT])[0]
    assert len(llm.generate([CHAT], max_new_tokens=2)[0]) < len(full)
    word = full.split()[1]
    stopped = llm.generate([CHAT], stop=[word])[0]
    assert word not in stopped and full.startswith(stopped)


@pytest.mark.slow
def test_uses_the_ggufs_own_chat_template(llm: LLM) -> None:
    # llama.cpp picks the template from the GGUF metadata; SmolLM2 uses ChatML markers
    tmpl = llm.llama.metadata.get("tokenizer.chat_template", "")
    assert "<|im_start|>" in tmpl


def test_greedy_maps_to_temperature_zero() -> None:
    kw = sampling_kwargs(Sampling(do_sample=False, temperature=0.9, max_new_tokens=7, stop=("\n\n",)))
    assert kw["temperature"] == 0.0 and kw["top_k"] == 1 and kw["max_tokens"] == 7 and kw["stop"] == ["\n\n"]
    kw = sampling_kwargs(
        Sampling(do_sample=True, temperature=0.9, top_p=0.8, top_k=40, repetition_penalty=1.1)
    )
    assert (kw["temperature"], kw["top_p"], kw["top_k"], kw["repeat_penalty"]) == (0.9, 0.8, 40, 1.1)


def test_missing_gguf_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(
        PanzaError, match=r"GGUF model .*missing\.gguf not found; fix writer\.llm\.model_path"
    ) as e:
        load_llm({"backend": "llamacpp", "model_path": str(tmp_path / "missing.gguf")})
    assert "\n" not in str(e.value)
    with pytest.raises(PanzaError, match=r"has no \.gguf file"):
        find_gguf(tmp_path, "checkpoint")


def test_a_file_that_is_not_gguf_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"not a model at all")
    with pytest.raises(PanzaError, match=r"llama\.cpp cannot load .*bad\.gguf"):
        load_llm({"backend": "llamacpp", "model_path": str(bad)})


@pytest.mark.slow
def test_prompt_longer_than_context_is_a_clear_error() -> None:
    from panza.llm.base import PromptTooLong

    small = load_llm({"backend": "llamacpp", "n_threads": 1, "n_ctx": 64, "sampling": {"max_new_tokens": 4}})
    long_chat = [{"role": "user", "content": "please reply " * 60}]
    with pytest.raises(PromptTooLong, match=r"writer\.llm\.n_ctx is 64"):
        small.generate([long_chat])
    with pytest.raises(PromptTooLong):
        list(small.stream(long_chat))
    assert small.generate([[{"role": "user", "content": "hi"}]])[0]  # short prompts still work


@pytest.mark.slow
def test_default_writer_repeats_a_greedy_draft_fresh_and_from_the_prefix_cache(tmp_path: Path) -> None:
    """The same instruction three times in a row (the 2nd and 3rd reuse llama.cpp's cached prompt) gives one draft.

    With ``writer.llm.flash_attn=true`` it failed on the embedded model (measured 2026-12: "Dear Bob, I'm Sarah…"
    fresh, "Dear [Recipient's Name]…" from the cache; its single-token path rounds unlike its batch path), which is
    why flash attention is off by default.
    """
    from web_support import direct_draft, make_writer

    writer = make_writer(tmp_path, "writer.llm.sampling.max_new_tokens=40")  # flash_attn as configured: off
    drafts = [direct_draft(writer, "Ask Bob to send the quarterly report by Friday.") for _ in range(3)]
    assert drafts[0] and drafts[0] == drafts[1] == drafts[2], drafts


def test_embedded_quant_runs_the_re_encoded_copy_and_null_the_shipped_file(tmp_path: Path) -> None:
    from panza.config import compose
    from panza.models.embedded import gguf_path

    playback = compose("prepare", []).playback.llm  # playback runs the Q8_0 copy, the writer the shipped file
    fast = load_llm({**playback, "n_threads": 1, "n_ctx": 256}, cache_dir=tmp_path)
    assert fast.model_path.parent == tmp_path / "models" and fast.model_path.name.endswith(".q8_0.gguf")
    assert fast.generate([[{"role": "user", "content": "hi"}]])[0]
    writer = compose("run", []).writer.llm
    assert writer.embedded_quant is None
    shipped = load_llm({**writer, "n_threads": 1, "n_ctx": 256}, cache_dir=tmp_path)
    assert shipped.model_path == gguf_path()
