"""The writer's channel rerank (panza.write.channel) and the text scoring under it, on the real embedded model.

The drafts a reranker has to tell apart are the demo's: drafts of the demo model that all carry the
instruction's words, only one of which says what was asked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from panza.errors import PanzaError
from panza.llm.base import ContinuationScorer, Sampling
from panza.llm.llamacpp import LlamaCppLLM
from panza.models import embedded
from panza.prompt import Preambles
from panza.write.adherence import draft_score, made_up
from panza.write.channel import channel_prompt, channel_scores, direct_scores, load_channel_template
from panza.write.writer import PanzaWriter, WriterOptions

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "configs" / "playback" / "summarization_prompt.txt"
KATRIN = "Reply to Katrin to say I can't make dinner on Saturday but could do Sunday brunch instead."
# Drafts of the stop-27 demo model (36 LoRA steps on Jen's mail): every one carries Katrin, Saturday, Sunday
# brunch and a "not ... dinner" clause, so the fact check ties them; read as a user would, only the first
# says what was asked. (The model wrote "at the Grüße", a place it made up, which draft_score now catches;
# MUDDLED says "at the market" so that only the channel can tell the two apart.)
SAYS_IT = ("Dear Katrin, I can't make dinner on Saturday, but I'd love Sunday brunch instead.\n\n"
           "I'll go now!\n\nLove,\nJen")
MUDDLED = ("Hi Katrin,\n\nI'm so sorry, I'm at the market on Saturday, not Sunday brunch. I'll do Sunday brunch "
           "instead.\n\nOn Saturday I'll make a salad, not a full dinner. I'll come back on Sunday.\n\n"
           "Kind regards,\nJen Weber")
OPPOSITE = "Hi Katrin,\n\nsure, dinner on Saturday is great, not Sunday brunch! See you then.\n\nJen"


@pytest.fixture(scope="module")
def llm(tmp_path_factory: pytest.TempPathFactory) -> LlamaCppLLM:
    f16 = embedded.llamacpp_gguf("f16", tmp_path_factory.mktemp("models"))
    return LlamaCppLLM(f16, Sampling(max_new_tokens=40), n_threads=2, n_parallel=2, parallel_cells=4096)


@pytest.fixture(scope="module")
def template() -> list[dict[str, str]]:
    return load_channel_template(TEMPLATE)


def _reference_logprob(llm: LlamaCppLLM, conv: list[dict[str, str]], text: str) -> float:
    """The same log-probability from llama-cpp-python's own API: every logit of one whole evaluation."""
    from llama_cpp import Llama

    ref = Llama(str(llm.model_path), n_ctx=2048, n_threads=2, logits_all=True, verbose=False)
    prompt, _ = llm._renderer()(conv)
    p = ref.tokenize(prompt.encode(), special=True)
    c = ref.tokenize(text.encode(), add_bos=False, special=False)
    ref.eval(p + c)
    logits = np.asarray(ref.scores[len(p) - 1 : len(p) + len(c) - 1], dtype=np.float64)
    top = logits.max(axis=1, keepdims=True)
    lse = top[:, 0] + np.log(np.exp(logits - top).sum(axis=1))
    ref.close()
    return float((logits[np.arange(len(c)), c] - lse).sum())


def test_llamacpp_scores_a_reply_as_llama_cpp_python_does(llm: LlamaCppLLM, template: Any) -> None:
    assert isinstance(llm, ContinuationScorer)
    conv = channel_prompt(template, SAYS_IT)
    (got, n), = llm.score([conv], [KATRIN])
    assert n == len(llm.llama.tokenize(KATRIN.encode(), add_bos=False)) and got < 0
    assert got == pytest.approx(_reference_logprob(llm, conv, KATRIN), abs=0.05 * n)


def test_the_shared_template_is_read_once_and_scores_do_not_depend_on_order(llm: LlamaCppLLM, template: Any) -> None:
    dec = llm.decoder()
    convs = [channel_prompt(template, d) for d in (SAYS_IT, MUDDLED, OPPOSITE)]
    first = llm.score(convs, [KATRIN] * 3)
    before = dec.reused
    again = llm.score(convs[::-1], [KATRIN] * 3)[::-1]
    few_shot = len(llm.llama.tokenize(llm._renderer()(convs[0])[0].split("Subject: (none)")[0].encode(),
                                      special=True))
    assert dec.reused - before >= 3 * (few_shot - 2)  # each text copied the few-shot part instead of reading it
    assert [n for _, n in again] == [n for _, n in first]
    assert [s for s, _ in again] == pytest.approx([s for s, _ in first], abs=0.05)


def test_the_draft_that_says_what_was_asked_explains_its_instruction_best(llm: LlamaCppLLM, template: Any) -> None:
    assert draft_score(KATRIN, SAYS_IT) == draft_score(KATRIN, MUDDLED) == 1.0  # the fact check cannot tell them apart
    assert made_up(KATRIN, MUDDLED.replace("the market", "the Grüße")) == ["Grüße"]  # the model's own words
    says, muddled, opposite = channel_scores(llm, template, KATRIN, [SAYS_IT, MUDDLED, OPPOSITE])
    assert says > muddled and says > opposite


class _Given:
    """Candidate drafts given in advance (a model's sampled drafts vary from build to build), with the real
    model's scoring: the test is about which draft the writer keeps."""

    def __init__(self, llm: LlamaCppLLM, drafts: list[str]) -> None:
        self.llm, self.drafts = llm, drafts

    def generate(self, batch: list[Any], **sampling: Any) -> list[str]:
        return [self.drafts[0] if not sampling.get("do_sample") else self.drafts[sampling["seed"]] for _ in batch]

    def stream(self, messages: Any, **sampling: Any) -> Any:
        yield self.drafts[0]

    def score(self, batch: list[Any], continuations: Any) -> list[tuple[float, int]]:
        self.scored = [*getattr(self, "scored", []), len(batch)]
        return self.llm.score(batch, continuations)


def test_writer_keeps_the_tied_draft_its_instruction_is_likeliest_from(llm: LlamaCppLLM, template: Any) -> None:
    given = _Given(llm, [MUDDLED, SAYS_IT, "Hi Katrin, see you.", MUDDLED])  # greedy, then seeds 1..3
    opts = {"best_of": 4, "retries": 0}
    channel = PanzaWriter(given, Preambles(), options=WriterOptions(**opts, channel=True), channel_template=template)
    assert channel.run_batch([KATRIN])[0] == [SAYS_IT]
    assert given.scored == [2]  # the two distinct drafts that tie on the facts, once each; the weaker one never
    # every candidate it chose among, in drafting order with its fact score (what bench rerank replays)
    assert [d for _, d in channel.candidates[0]] == [MUDDLED, SAYS_IT, "Hi Katrin, see you.", MUDDLED]
    assert channel.candidates[0][1][0] == channel.candidates[0][0][0] > channel.candidates[0][2][0]
    first = PanzaWriter(given, Preambles(), options=WriterOptions(**opts))
    assert first.run_batch([KATRIN])[0] == [MUDDLED]  # without it, the earliest of the tied drafts (the greedy one)
    untemplated = PanzaWriter(given, Preambles(), options=WriterOptions(**opts, channel=True))
    assert untemplated.run_batch([KATRIN])[0] == [MUDDLED]  # no template: channel is off


def test_direct_weight_adds_each_drafts_own_likelihood_after_the_prompt(llm: LlamaCppLLM, template: Any) -> None:
    given = _Given(llm, [MUDDLED, SAYS_IT, "Hi Katrin, see you.", MUDDLED])
    opts = WriterOptions(best_of=4, retries=0, channel=True, direct_weight=3.0)
    writer = PanzaWriter(given, Preambles(), options=opts, channel_template=template)
    kept = writer.run_batch([KATRIN])[0][0]
    assert given.scored == [2, 2]  # the instruction after each tied draft, then each draft after the prompt
    pair = [MUDDLED, SAYS_IT]
    channel = channel_scores(llm, template, KATRIN, pair)
    direct = direct_scores(llm, writer.messages(KATRIN), pair)
    assert all(-20 < x < 0 for x in direct)  # mean log-probability per token
    assert kept == pair[max(range(2), key=lambda i: channel[i] + 3.0 * direct[i])]


def test_a_bad_channel_prompt_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PanzaError, match=r"writer\.channel_prompt_path"):
        load_channel_template(tmp_path / "missing.txt")
    bad = tmp_path / "bad.txt"
    bad.write_text("### user\nno email placeholder\n### assistant\n{opening}\n", encoding="utf-8")
    with pytest.raises(PanzaError, match=r"bad.txt: not a valid playback prompt.*writer.channel_prompt_path"):
        load_channel_template(bad)


def test_transformers_scores_alike(llm: LlamaCppLLM, template: Any) -> None:
    from panza.llm import load_llm

    hf = load_llm({"backend": "transformers", "model": "embedded", "sampling": {"max_new_tokens": 8}})
    assert isinstance(hf, ContinuationScorer)
    convs = [channel_prompt(template, d) for d in (SAYS_IT, OPPOSITE)]
    got = hf.score(convs, [KATRIN] * 2)
    ref = llm.score(convs, [KATRIN] * 2)
    for (a, n), (b, m) in zip(got, ref, strict=True):
        assert n == m and a / n == pytest.approx(b / m, abs=0.1)  # the same weights (f16 vs fp32 kernels)
    assert got[0][0] > got[1][0]
