"""Parallel llama.cpp decoding (panza.llm.parallel) on the real embedded model: what it returns must be what
one-at-a-time decoding means, for any number of requests, shared prompts, stops and token limits."""

from __future__ import annotations

from pathlib import Path

import pytest

from panza.errors import PanzaError
from panza.llm.base import Sampling
from panza.llm.llamacpp import LlamaCppLLM
from panza.llm.parallel import Request
from panza.models import embedded

ASKS = [
    "Write a short email to Anna moving the site walk to Monday at 9.",
    "Reply to Katrin: I can't make dinner on Saturday but could do Sunday brunch.",
    "Thank Tom for the report and ask for the figures by Friday.",
    "Tell the team the server is down until 3pm.",
    "Invite Lea to the workshop in Zurich on June 5.",
]
SAMPLED = {"do_sample": True, "temperature": 0.8, "top_p": 0.95, "seed": 7}


@pytest.fixture(scope="module")
def f16(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # f16: its batched and one-token matrix kernels add up alike, so one request decodes to the very tokens
    # llama-cpp-python's own path gives (the shipped Q4_1 and Q8_0 differ in the last bits between them)
    return embedded.llamacpp_gguf("f16", tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="module")
def llm(f16: Path) -> LlamaCppLLM:
    return LlamaCppLLM(f16, Sampling(max_new_tokens=40), n_threads=2, n_parallel=4, parallel_cells=2048)


def _convs(asks: list[str]) -> list[list[dict[str, str]]]:
    return [[{"role": "user", "content": a}] for a in asks]


def _requests(llm: LlamaCppLLM, asks: list[str], s: Sampling) -> list[Request]:
    out = []
    for conv in _convs(asks):
        prompt, stop = llm._renderer()(conv)
        out.append(Request(llm.llama.tokenize(prompt.encode(), special=True), s, list(stop)))
    return out


def test_one_greedy_request_decodes_as_llama_cpp_python_does(llm: LlamaCppLLM) -> None:
    one = LlamaCppLLM(llm.model_path, Sampling(max_new_tokens=40), n_threads=2, n_parallel=1)
    expected = one.generate(_convs(ASKS[1:2]))[0]
    got = llm.decoder().run(_requests(llm, ASKS[1:2], llm.sampling))[0].strip()
    assert got == expected and len(got.split()) > 5


def test_a_repetition_penalty_means_what_it_means_one_at_a_time(llm: LlamaCppLLM) -> None:
    # llama.cpp's penalty sampler takes the vocabulary size first in the build llama-cpp-python 0.3 ships;
    # called without it, every sampled batch with writer.llm.sampling.repetition_penalty != 1 crashed
    s = Sampling(max_new_tokens=40, repetition_penalty=1.3)
    one = LlamaCppLLM(llm.model_path, s, n_threads=2, n_parallel=1)
    expected = one.generate(_convs(ASKS[1:2]))[0]
    got = llm.decoder().run(_requests(llm, ASKS[1:2], s))[0].strip()
    plain = llm.decoder().run(_requests(llm, ASKS[1:2], Sampling(max_new_tokens=40)))[0].strip()
    assert got == expected and got != plain  # the same penalty as llama-cpp-python's, and it changes the draft


def test_more_requests_than_slots_all_come_back_in_order(llm: LlamaCppLLM) -> None:
    dec = llm.decoder()
    s = Sampling(max_new_tokens=12)
    reqs = _requests(llm, ASKS * 2, s)  # 10 requests, 4 slots: slots are refilled as sequences end
    outs = dec.run(reqs)
    assert len(outs) == 10 and all(o.strip() for o in outs)
    assert outs[:5] == outs[5:]  # the same greedy prompt gives the same text wherever it runs
    for out in outs:
        assert len(llm.llama.tokenize(out.encode(), add_bos=False)) <= s.max_new_tokens + 1  # token limit kept


def test_shared_prompts_sample_by_seed(llm: LlamaCppLLM) -> None:
    dec = llm.decoder()
    base = Sampling(max_new_tokens=24, **SAMPLED)
    same = dec.run(_requests(llm, [ASKS[0]] * 3, base))  # one prompt evaluated once, copied to 3 sequences
    assert same[0] == same[1] == same[2]  # same prompt and seed: same draw
    seeds = [Sampling(max_new_tokens=24, **{**SAMPLED, "seed": k}) for k in (1, 2, 3, 4)]
    reqs = [r for s in seeds for r in _requests(llm, [ASKS[0]], s)]
    drawn = dec.run(reqs)
    assert len(set(drawn)) >= 3  # other seeds, other drafts
    assert dec.run(reqs) == drawn  # and each one repeats


def test_stop_strings_and_small_cell_pools(f16: Path) -> None:
    tight = LlamaCppLLM(f16, Sampling(max_new_tokens=30), n_threads=2, n_parallel=4, parallel_cells=160)
    dec = tight.decoder()
    reqs = _requests(tight, ASKS[:3], Sampling(max_new_tokens=30, stop=(",",)))
    outs = dec.run(reqs)  # ~60-token prompts + 30: one sequence at a time fits the 160 cells
    assert all("," not in o and o.strip() for o in outs)
    with pytest.raises(PanzaError, match="parallel_cells"):
        dec.run(_requests(tight, [" ".join(ASKS * 3)], Sampling(max_new_tokens=30)))


def test_backend_uses_it_for_sampled_batches_and_playback_only(llm: LlamaCppLLM) -> None:
    convs = _convs(ASKS[:3])
    sampled = llm.generate(convs, **SAMPLED)
    assert llm._decoder is not None and len(sampled) == 3 and all(sampled)
    assert sampled == [t.strip() for t in llm._decoder.run(_requests(llm, ASKS[:3], llm.sampling.with_overrides(**SAMPLED)))]
    filled = llm.complete_chat(convs, ["Dear"] * 3)
    assert all(f.startswith("Dear") and len(f) > 10 for f in filled)
    seq = LlamaCppLLM(llm.model_path, Sampling(max_new_tokens=40), n_threads=2, n_parallel=1)
    assert llm.generate(convs) == seq.generate(convs)  # greedy chat batches stay one at a time
    assert seq._decoder is None and seq.generate(convs, **SAMPLED)  # n_parallel=1: never made
    assert seq._decoder is None


def test_a_prompt_prefix_in_the_cache_is_copied_not_evaluated_again(f16: Path) -> None:
    llm = LlamaCppLLM(f16, Sampling(max_new_tokens=8), n_threads=2, n_parallel=2, parallel_cells=1024)
    dec = llm.decoder()
    template = "Summarize the email below in one sentence, naming who it is to and what it asks. " * 4
    asks = [template + "Email: " + a for a in ASKS[:4]]  # playback: one long template, then the email
    reqs = _requests(llm, asks, llm.sampling)
    shared = min(len(r.tokens) for r in reqs) - 30
    first = dec.run(reqs)
    assert dec.reused >= 2 * shared  # requests 3 and 4 start in slots that hold 1 and 2: the template is kept
    before = dec.reused
    again = dec.run(reqs[2:])  # a second run (playback's next candidate round): both prompts are held whole
    assert dec.reused - before == sum(len(r.tokens) - 1 for r in reqs[2:])
    assert again == first[2:] and all(o.strip() for o in first)  # greedy: the same text from the copied cache
