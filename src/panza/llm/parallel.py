"""Many llama.cpp generations at once: one forward pass per step for every sequence still running.

Why: one sequence of a small model leaves a CPU's matrix units mostly idle, so a forward pass over 8
sequences costs little more than over one: on 2 cores, playback with 8 candidates ran 2.1x as many emails a
minute (``python -m bench playback -- --backends llamacpp+seq,llamacpp --candidates 8``) and ``panza eval``
of 33 drafts took 1 m 53 s instead of 3 m 57 s.
Requests with the same prompt (a writer's candidates, playback's) evaluate it once: its KV cache is
copied to the other sequences. llama-cpp-python's high-level API decodes one sequence at a time, so this
drives its low-level one (``llama_batch``, ``llama_decode``, llama.cpp's own samplers) with continuous
batching: a finished sequence's slot takes the next request at once.

The same context scores texts (:meth:`ParallelDecoder.score`: a continuation's log-probability after a
prompt), for the writer's channel rerank, which reads one few-shot prompt with many drafts.

Numbers differ from one-at-a-time decoding in the last bits (batched matrix kernels add in another
order), so the writer keeps its greedy, streamed-alike draft on the sequential path.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from panza.errors import PanzaError
from panza.llm.base import Sampling, cut_at_stop


@dataclass
class Request:
    tokens: list[int]  # the whole prompt, BOS and chat template included
    sampling: Sampling
    stop: list[str] = field(default_factory=list)  # besides sampling.stop: cut the text at the first (not kept)


@dataclass
class _Slot:
    seq: int
    index: int = -1  # which request it runs; -1 = free
    prompt: tuple[int, ...] = ()  # the prompt in its cache (kept when free, for the next request to reuse)
    pos: int = 0  # position of ``pending``
    pending: int = 0  # the token this step feeds in
    out: list[int] = field(default_factory=list)
    sampler: Any = None
    cells: int = 0  # KV cells reserved: prompt + max_new_tokens while running, the kept prompt when free


def sampler_chain(lib: Any, s: Sampling, seed: int, n_vocab: int) -> Any:
    """llama.cpp's sampler for ``s``, in llama-cpp-python's order (penalties over the last 64 tokens, top-k,
    top-p, min-p 0.05, temperature, draw) so parallel and one-at-a-time sampling mean the same settings.
    ``n_vocab``: the penalty sampler of the llama.cpp that llama-cpp-python 0.3 builds takes it first."""
    chain = lib.llama_sampler_chain_init(lib.llama_sampler_chain_default_params())
    if s.repetition_penalty != 1.0:
        penalties = lib.llama_sampler_init_penalties(n_vocab, 64, float(s.repetition_penalty), 0.0, 0.0)
        lib.llama_sampler_chain_add(chain, penalties)
    if not s.do_sample:
        lib.llama_sampler_chain_add(chain, lib.llama_sampler_init_greedy())
        return chain
    if s.top_k and s.top_k > 0:
        lib.llama_sampler_chain_add(chain, lib.llama_sampler_init_top_k(int(s.top_k)))
    lib.llama_sampler_chain_add(chain, lib.llama_sampler_init_top_p(float(s.top_p), 1))
    lib.llama_sampler_chain_add(chain, lib.llama_sampler_init_min_p(0.05, 1))
    lib.llama_sampler_chain_add(chain, lib.llama_sampler_init_temp(float(s.temperature)))
    lib.llama_sampler_chain_add(chain, lib.llama_sampler_init_dist(seed & 0xFFFFFFFF))
    return chain


def _common(a: Sequence[int], b: Sequence[int]) -> int:
    """Length of the common prefix of two token lists."""
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


class ParallelDecoder:
    """Runs :class:`Request` s on ``llama``'s model in a context of its own with ``n_parallel`` sequences
    sharing ``n_cells`` KV cells."""

    def __init__(self, llama: Any, n_parallel: int = 8, n_cells: int = 16384, n_threads: int = 1) -> None:
        import llama_cpp as lib

        self.lib, self.llama = lib, llama
        self.n_parallel = max(1, int(n_parallel))
        self.n_cells = int(n_cells)
        self.n_batch = 512
        p = lib.llama_context_default_params()
        p.n_ctx = self.n_cells
        p.n_batch = p.n_ubatch = self.n_batch
        p.n_seq_max = self.n_parallel
        p.n_threads = p.n_threads_batch = int(n_threads)
        p.kv_unified = True  # one pool of cells for all sequences: a long prompt may use what short ones leave
        p.no_perf = True
        self.ctx = lib.llama_init_from_model(llama._model.model, p)
        if not self.ctx:
            raise PanzaError(f"llama.cpp could not make a {self.n_cells}-cell context for parallel decoding; "
                             "lower writer.llm.parallel_cells or set writer.llm.n_parallel=1")
        self.mem = lib.llama_get_memory(self.ctx)
        self.vocab = lib.llama_model_get_vocab(llama._model.model)
        self.batch = lib.llama_batch_init(max(self.n_batch, self.n_parallel), 0, 1)
        self.slots = [_Slot(seq=i) for i in range(self.n_parallel)]  # kept between runs, with their prompts
        self.reused = 0  # prompt tokens copied rather than evaluated (for tests and benchmarks)

    def close(self) -> None:
        if getattr(self, "ctx", None):
            self.lib.llama_batch_free(self.batch)
            self.lib.llama_free(self.ctx)
            self.ctx = None

    def __del__(self) -> None:  # pragma: no cover - best effort
        with contextlib.suppress(Exception):
            self.close()

    # ---- one llama_decode -----------------------------------------------------------------------
    def _decode(self, items: Sequence[tuple[int, int, int, bool]]) -> None:
        """Feed (token, position, sequence, want logits) tuples in one pass."""
        b = self.batch
        for i, (tok, pos, seq, logits) in enumerate(items):
            b.token[i], b.pos[i], b.n_seq_id[i], b.logits[i] = tok, pos, 1, int(logits)
            b.seq_id[i][0] = seq
        b.n_tokens = len(items)
        rc = self.lib.llama_decode(self.ctx, b)
        if rc != 0:
            raise PanzaError(f"llama.cpp could not decode a parallel batch (code {rc}); "
                             "set writer.llm.n_parallel=1 to decode one sequence at a time")

    def _start(self, slot: _Slot, index: int, req: Request) -> None:
        """Put ``req`` in ``slot``: its prompt but the last token goes into the KV cache, the last token is fed
        with the next step. The longest prefix any sequence holds (a running one, or the prompt a finished one
        kept: playback's template, a writer prompt drawn again) is copied instead of evaluated."""
        lib, toks = self.lib, req.tokens
        head = len(toks) - 1
        keep = self._reuse(slot, toks, head)
        for a in range(keep, head, self.n_batch):
            self._decode([(toks[p], p, slot.seq, False) for p in range(a, min(head, a + self.n_batch))])
        seed = req.sampling.seed if req.sampling.seed is not None else random.getrandbits(32)
        slot.index, slot.prompt, slot.pos, slot.pending, slot.out = index, tuple(toks), head, toks[-1], []
        slot.sampler = sampler_chain(lib, req.sampling, seed, lib.llama_vocab_n_tokens(self.vocab))
        slot.cells = len(toks) + req.sampling.max_new_tokens

    def _reuse(self, slot: _Slot, toks: Sequence[int], limit: int) -> int:
        """Put into ``slot``'s cache the longest prefix of ``toks`` (at most ``limit`` tokens) that any sequence
        holds, copied rather than evaluated; returns its length."""
        lib = self.lib
        # a held prompt's last token may not be in the cache yet (it is fed with the next step): never copy it
        src, keep = max(((o, min(_common(o.prompt, toks), len(o.prompt) - 1, limit)) for o in self.slots),
                        key=lambda t: (t[1], t[0] is slot))
        keep = max(keep, 0)
        if src is slot:
            lib.llama_memory_seq_rm(self.mem, slot.seq, keep, -1)
        else:
            lib.llama_memory_seq_rm(self.mem, slot.seq, -1, -1)
            if keep:
                lib.llama_memory_seq_cp(self.mem, src.seq, slot.seq, 0, keep)
        self.reused += keep
        return keep

    def _free(self, slot: _Slot) -> None:
        """End ``slot``'s request; its prompt stays in the cache for the next one that starts alike."""
        self.lib.llama_memory_seq_rm(self.mem, slot.seq, len(slot.prompt), -1)
        if slot.sampler is not None:
            self.lib.llama_sampler_free(slot.sampler)
        slot.index, slot.sampler, slot.cells = -1, None, len(slot.prompt)

    def _evict(self, slot: _Slot) -> None:
        self.lib.llama_memory_seq_rm(self.mem, slot.seq, -1, -1)
        slot.prompt, slot.cells = (), 0

    def _admit(self, req: Request) -> _Slot | None:
        """The free slot whose kept prompt starts most like ``req``'s, with room for it (other kept prompts
        are dropped while cells run short), or ``None`` until a running sequence ends."""
        free = [s for s in self.slots if s.index < 0]
        if not free:
            return None
        need = len(req.tokens) + req.sampling.max_new_tokens
        best = max(free, key=lambda s: _common(s.prompt, req.tokens))

        def fits() -> bool:  # ``best``'s kept cells become part of the request's
            return sum(o.cells for o in self.slots if o is not best) + need <= self.n_cells

        for s in free:
            if fits():
                break
            if s is not best:
                self._evict(s)
        return best if fits() else None

    def run(self, requests: Sequence[Request]) -> list[str]:
        """The generated text of each request, in order."""
        if not self.ctx:
            raise PanzaError("the parallel decoder was closed")
        for r in requests:
            if not r.tokens:
                raise PanzaError("empty prompt for parallel decoding")
            if len(r.tokens) + r.sampling.max_new_tokens > self.n_cells:
                raise PanzaError(f"a prompt of {len(r.tokens)} tokens plus {r.sampling.max_new_tokens} new ones "
                                 f"does not fit the {self.n_cells} parallel cells; raise writer.llm.parallel_cells")
        results: list[str | None] = [None] * len(requests)
        queue = list(range(len(requests)))
        try:
            while queue or any(s.index >= 0 for s in self.slots):
                while queue:  # fill free slots while the cells last
                    slot = self._admit(requests[queue[0]])
                    if slot is None:
                        break
                    index = queue.pop(0)
                    self._start(slot, index, requests[index])
                active = [s for s in self.slots if s.index >= 0]
                self._decode([(s.pending, s.pos, s.seq, True) for s in active])
                for i, s in enumerate(active):
                    tok = self.lib.llama_sampler_sample(s.sampler, self.ctx, i)
                    req = requests[s.index]
                    done = bool(self.lib.llama_vocab_is_eog(self.vocab, tok))
                    if not done:
                        s.out.append(tok)
                    done = done or len(s.out) >= req.sampling.max_new_tokens
                    stops = [*req.sampling.stop, *req.stop]
                    if stops or done:  # the text is only needed to look for a stop string, or at the end
                        text = self._text(s.out)
                        cut = cut_at_stop(text, stops, strip=False)
                        done = done or len(cut) < len(text)
                    if done:
                        results[s.index] = cut
                        self._free(s)
                    else:
                        s.pending, s.pos = tok, s.pos + 1
        except BaseException:
            for s in self.slots:  # an interrupted sequence's cells hold a half-made draft: drop them all
                if s.index >= 0:
                    self._free(s)
                self._evict(s)
            raise
        return [r or "" for r in results]

    def score(self, requests: Sequence[tuple[list[int], list[int]]]) -> list[float]:
        """The summed log-probability of each ``(prompt, continuation)`` pair's continuation after its prompt.

        Why here: a reranker reads one fixed prompt (a few-shot template) with many candidate texts; the longest
        prefix any slot holds is copied, so the template is evaluated once, not once per candidate. Runs one
        pair at a time (each pass already holds all of its tokens), between :meth:`run` calls.
        """
        import numpy as np

        if not self.ctx:
            raise PanzaError("the parallel decoder was closed")
        lib = self.lib
        n_vocab = lib.llama_vocab_n_tokens(self.vocab)
        out = []
        for prompt, cont in requests:
            if not prompt or not cont:
                out.append(0.0)
                continue
            toks = [*prompt, *cont]
            if len(toks) > self.n_cells:
                raise PanzaError(f"a text of {len(toks)} tokens to score does not fit the {self.n_cells} parallel "
                                 "cells; raise writer.llm.parallel_cells")
            slot = self._admit(Request(toks, Sampling(max_new_tokens=0)))
            if slot is None:  # every slot is free between run() calls, so only a bug lands here
                raise PanzaError("no free sequence to score with; set writer.llm.n_parallel=1 to skip scoring")
            keep = self._reuse(slot, toks, len(prompt) - 1)  # the prompt's last token is fed: its logits count
            total, first = 0.0, len(prompt) - 1  # position whose logits predict cont[0]
            for a in range(keep, len(toks) - 1, self.n_batch):
                b = min(len(toks) - 1, a + self.n_batch)
                self._decode([(toks[p], p, slot.seq, p >= first) for p in range(a, b)])
                for i, p in enumerate(range(a, b)):
                    if p >= first:
                        row = np.ctypeslib.as_array(lib.llama_get_logits_ith(self.ctx, i), shape=(n_vocab,))
                        m = float(row.max())
                        total += float(row[toks[p + 1]]) - m - float(np.log(np.exp(row - m).sum()))
            # the last token is never fed (nothing follows it), as with a generation's kept prompt
            slot.prompt, slot.cells = tuple(toks), len(toks)
            out.append(total)
        return out

    def _text(self, tokens: list[int]) -> str:
        return self.llama.detokenize(tokens).decode("utf-8", "ignore") if tokens else ""

