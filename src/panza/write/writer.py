"""PanzaWriter: instruction (+ optional thread) -> prompt (with RAG) -> draft, batched or streamed.

The one writer behind every interface: each gets the same prompt and the same cleaning
(:mod:`panza.write.drafts`), whether it shows drafts as they stream or all at once.

Drafts made all at once are also checked against their instruction (:mod:`panza.write.adherence`):
with ``best_of`` > 1 the greedy draft competes with sampled ones and the draft that carries most of
the instruction's facts wins; among equals, the one its instruction is likeliest to summarise
(:mod:`panza.write.channel`), or the most typical one (:mod:`panza.write.consensus`); a draft that
still refuses, echoes the instruction, loops or comes out empty is sampled again up to ``retries``
times (with ``retry_hint``, its instruction then ends by restating the facts the kept draft missed).
A small model's greedy draft drops facts and sometimes refuses; a few more tries at llama.cpp speed
fix most of it.
Interactive drafts (CLI, web, GUI) go through :meth:`PanzaWriter.stream`: with ``interactive="checked"`` they
are the same checked draft, sent in pieces once it is chosen; with ``"greedy"``, or when a request asks for its
own sampling, the greedy draft is shown token by token as it is written.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from panza.llm.base import LLM, ContinuationScorer, SeededSampler
from panza.playback.instructions import mention
from panza.prompt import Preambles, build_messages, user_text
from panza.write.adherence import adherence_scores, draft_score, failure, without_made_up
from panza.write.channel import channel_scores, direct_scores
from panza.write.consensus import consensus
from panza.write.drafts import clean_draft, clean_stream

log = logging.getLogger(__name__)


class Retriever(Protocol):
    def search(self, query: str, k: int, threshold: float) -> list[dict[str, Any]]: ...


@dataclass
class WriterOptions:
    rag_k: int = 3
    rag_threshold: float = 0.2
    thread_enabled: bool = True
    thread_max_emails: int = 3
    thread_max_chars: int = 4000
    best_of: int = 1  # drafts made per instruction (the greedy one + sampled ones); the best is kept
    retries: int = 0  # sampled re-drafts of a draft that refuses, echoes, loops or is empty
    retry_missing: bool = False  # ... and of a draft that still misses a fact of its instruction
    retry_hint: bool = False  # a re-draft's instruction restates the facts the kept draft missed ("Mention …")
    cut_made_up: bool = False  # drop a draft's sentences that make up a day, name or number, where its facts survive
    temperature: float = 0.7  # for the sampled candidates and retries
    top_p: float = 0.95
    seed: int = 0  # candidate k is sampled with seed + k: the same instruction gives the same draft
    consensus: bool = False  # among equally adherent drafts keep the one closest to the others (else the first)
    channel: bool = False  # ... keep the one its instruction is likeliest to summarise (needs a channel template
    # and a backend that scores texts; consensus decides otherwise)
    direct_weight: float = 0.0  # ... plus this weight x the draft's own mean log-probability after the prompt
    length_weight: float = 0.0  # consensus also favours drafts near the candidates' median length
    interactive: str = "greedy"  # stream(): "checked" = the kept draft of the checks above, sent once chosen;
    # "greedy" = the greedy draft token by token


# Request settings that choose how to decode: a request with one of them gets the decoding it asked for
# (streamed), not the writer's pick among its own candidates
_DECODING = frozenset({"do_sample", "temperature", "top_p", "top_k", "seed", "stop", "repetition_penalty"})
_PIECE = re.compile(r"\s*\S+|\s+")


class PanzaWriter:
    def __init__(
        self,
        llm: LLM,
        preambles: Preambles,
        retriever: Retriever | None = None,
        options: WriterOptions | None = None,
        channel_template: list[dict[str, str]] | None = None,
    ) -> None:
        self.llm = llm
        self.preambles = preambles
        self.retriever = retriever
        self.options = options or WriterOptions()
        self.channel_template = channel_template  # the playback prompt, read backwards by the channel rerank
        if self.options.channel and channel_template and not isinstance(llm, ContinuationScorer):
            log.info("writer.channel: this backend cannot score texts, so consensus picks among equal drafts")
        self.info: dict[str, Any] = {}  # what produced the drafts (backend, model, checkpoint), for reports
        # (score, draft) of every candidate of the last ``choose``, per instruction: what the pick chose among
        # (bench rerank replays other picking rules on them)
        self.candidates: list[list[tuple[float, str]]] = []

    def related_emails(self, instruction: str) -> list[str]:
        if self.retriever is None or self.options.rag_k <= 0:
            return []
        hits = self.retriever.search(instruction, k=self.options.rag_k, threshold=self.options.rag_threshold)
        return [str(h["email"]) for h in hits if h.get("email")]

    def _thread(self, thread: Sequence[str] | None) -> list[str]:
        if not thread or not self.options.thread_enabled:
            return []
        o = self.options
        return [str(t)[: o.thread_max_chars] for t in list(thread)[: o.thread_max_emails]]

    def messages(self, instruction: str, thread: Sequence[str] | None = None) -> list[dict[str, str]]:
        return build_messages(
            instruction,
            self.preambles,
            rag_emails=self.related_emails(instruction),
            thread=self._thread(thread),
        )

    def _shown(self, prompt: list[dict[str, str]]) -> str:
        """What ``prompt`` told the model about this email, for :func:`~panza.write.adherence.made_up`: the
        instruction, past emails (RAG) and thread, without the preambles.

        Why not the preambles: they describe the user, not this email. Jen's names her colleague Anna and
        signs "Liebe Grüße"; a reply to Katrin that goes on about "my daughter, Anna" or "the Grüße on
        Saturday" still made that up."""
        text = "\n".join(str(m.get("content") or "") for m in prompt)
        for preamble in (self.preambles.system.strip(), user_text(self.preambles.user)):
            if preamble:
                text = text.replace(preamble, "")
        return text

    def run_batch(
        self,
        instructions: Sequence[str],
        threads: Sequence[Sequence[str] | None] | None = None,
        **sampling: Any,
    ) -> tuple[list[str], list[list[dict[str, str]]]]:
        """Drafts for many instructions at once; also returns the prompts used (for the output file)."""
        threads = threads or [None] * len(instructions)
        prompts = [self.messages(i, t) for i, t in zip(instructions, threads, strict=True)]
        drafts = [clean_draft(d) for d in self.llm.generate(prompts, **sampling)]
        return self.choose(list(instructions), prompts, drafts, threads, **sampling), prompts

    def _sampled(self, prompts: list[list[dict[str, str]]], k: int, **sampling: Any) -> list[str]:
        o = self.options
        kw = {**sampling, "do_sample": True, "temperature": o.temperature, "top_p": o.top_p, "seed": o.seed + k}
        return [clean_draft(d) for d in self.llm.generate(prompts, **kw)]

    def _sampled_rounds(self, prompts: list[list[dict[str, str]]], ks: list[int], **sampling: Any) -> list[list[str]]:
        """Draft ``k`` of every prompt for each k in ``ks`` (seed ``seed + k``): in one call where the backend
        takes a seed per conversation (llama.cpp then evaluates each prompt once and decodes the drafts side
        by side), else one call per k. ``out[r][j]`` is round ``ks[r]``'s draft of ``prompts[j]``."""
        o = self.options
        if not isinstance(self.llm, SeededSampler):
            return [self._sampled(prompts, k, **sampling) for k in ks]
        kw = {**sampling, "temperature": o.temperature, "top_p": o.top_p}
        kw.pop("seed", None)
        flat = self.llm.generate_seeded(
            [p for p in prompts for _ in ks], [o.seed + k for _ in prompts for k in ks], **kw
        )
        return [[clean_draft(flat[j * len(ks) + r]) for j in range(len(prompts))] for r in range(len(ks))]

    def choose(
        self,
        instructions: list[str],
        prompts: list[list[dict[str, str]]],
        drafts: list[str],
        threads: Sequence[Sequence[str] | None] | None = None,
        **sampling: Any,
    ) -> list[str]:
        """The kept draft per instruction: the best of ``best_of`` candidates, retried while it fails
        (or, with ``retry_missing``, while it misses a fact). A day or time taken from the thread a draft
        answers is not made up, nor is a name or number from the thread or the past emails in the prompt."""
        o = self.options
        given = ["\n".join(self._thread(t)) for t in (threads or [None] * len(instructions))]
        shown = [self._shown(p) for p in prompts]

        def scored(j: int, d: str) -> tuple[float, str]:
            if o.cut_made_up:
                d = without_made_up(instructions[j], d, given[j], shown[j])
            return draft_score(instructions[j], d, given[j], shown[j]), d

        cands = [[scored(j, d)] for j, d in enumerate(drafts)]
        k = 0
        scorer = self.llm if o.channel and self.channel_template and isinstance(self.llm, ContinuationScorer) else None
        heard: dict[tuple[int, str], float] = {}  # channel score per (instruction, draft), each computed once

        def channel(j: int, tied: list[int]) -> int:
            assert scorer is not None and self.channel_template is not None
            new = [d for d in dict.fromkeys(cands[j][n][1] for n in tied) if (j, d) not in heard]
            values = channel_scores(scorer, self.channel_template, instructions[j], new)
            if o.direct_weight:
                direct = direct_scores(scorer, prompts[j], new)
                values = [v + o.direct_weight * x for v, x in zip(values, direct, strict=True)]
            for d, v in zip(new, values, strict=True):
                heard[j, d] = v
            return max(tied, key=lambda n: (heard[j, cands[j][n][1]], -n))

        def best(j: int) -> str:
            top = max(s for s, _ in cands[j])
            tied = [n for n, (s, _) in enumerate(cands[j]) if s == top]
            if len(tied) == 1 or not (o.consensus or scorer):
                return cands[j][tied[0]][1]  # the earliest best: the greedy draft on a tie
            if scorer is not None:
                return cands[j][channel(j, tied)][1]
            return cands[j][consensus([d for _, d in cands[j]], tied, o.length_weight)][1]

        def compete(idx: list[int], hint: bool = False) -> None:
            nonlocal k
            k += 1
            asks = [hinted(prompts[j], instructions[j], best(j)) if hint else prompts[j] for j in idx]
            for j, d in zip(idx, self._sampled(asks, k, **sampling), strict=True):
                cands[j].append(scored(j, d))  # against the instruction as given

        def short(j: int) -> bool:
            """The kept draft fails or, with ``retry_missing``, scores below 1 (a fact missed, a gap):
            its score is the top one already in ``cands``, and a failure scores below 1 too."""
            if o.retry_missing:
                return max(s for s, _ in cands[j]) < 1.0
            return failure(instructions[j], best(j)) is not None

        if o.best_of > 1:  # the sampled candidates of every draft at once
            ks = list(range(k + 1, k + o.best_of))
            k += len(ks)
            for round_ in self._sampled_rounds(prompts, ks, **sampling):
                for j, d in enumerate(round_):
                    cands[j].append(scored(j, d))

        for _ in range(max(0, o.retries)):
            bad = [j for j in range(len(drafts)) if short(j)]
            if not bad:
                break
            compete(bad, hint=o.retry_hint)
        kept = [best(j) for j in range(len(drafts))]
        self.candidates = cands
        still = sum(1 for j, d in enumerate(kept) if failure(instructions[j], d))
        if still:
            log.info("%d draft(s) still ignore their instruction after %d tries", still, k + 1)
        return kept

    def draft(self, instruction: str, thread: Sequence[str] | None = None, **sampling: Any) -> str:
        """One cleaned draft."""
        return self.run_batch([instruction], [thread], **sampling)[0][0]

    def checks_stream(self, sampling: dict[str, Any]) -> bool:
        """Whether :meth:`stream` sends the checked draft: ``interactive="checked"``, a check to make
        (``best_of`` > 1 or ``retries``) and no decoding setting asked for (a token limit is no such setting)."""
        o = self.options
        return o.interactive == "checked" and (o.best_of > 1 or o.retries > 0) and not (_DECODING & set(sampling))

    def stream(self, instruction: str, thread: Sequence[str] | None = None, **sampling: Any) -> Iterator[str]:
        """The cleaned draft piece by piece: the checked draft (:meth:`checks_stream`), word by word once it is
        chosen, or else the greedy draft as it is written, where closing this generator stops the generation.

        Why checked (the configured default): the greedy draft alone is what the bulk mode's checks exist to
        fix. Through this method, David's 33 test instructions (seeds 42 / 43) carried 0.81 / 0.79 of their
        facts greedy and 0.94 / 0.96 checked, 2 / 1 greedy drafts failed and no checked one, ROUGE-L 0.385 /
        0.359 -> 0.399 / 0.381; the demo model's greedy drafts of both demo instructions were "I'm so sorry,
        I'm so sorry." The price is the wait: 3.5 s a draft instead of 0.5 s on 2 cores."""
        if self.checks_stream(sampling):
            yield from _PIECE.findall(self.draft(instruction, thread, **sampling))
            return
        yield from clean_stream(self.llm.stream(self.messages(instruction, thread), **sampling))


def hinted(prompt: list[dict[str, str]], instruction: str, draft: str) -> list[dict[str, str]]:
    """``prompt`` with the facts ``draft`` misses restated after its instruction (the user turn ends with it).

    Why: a model fine-tuned on playback's instructions, which end in "Mention A and B.", has learnt to
    write what such a line names; the bare instruction it ignored once it tends to ignore again."""
    missed = adherence_scores(instruction, draft)["facts_missed"]
    if not missed or not prompt or prompt[-1].get("role") != "user":
        return prompt
    return [*prompt[:-1], {**prompt[-1], "content": mention(prompt[-1]["content"], missed)}]
