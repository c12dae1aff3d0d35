"""llama.cpp backend (llama-cpp-python): the embedded default, fast on a laptop CPU.

The GGUF's own chat template (read by llama.cpp from the file's metadata) renders the messages,
so prompts match what the model was tuned on without Panza duplicating any template.
llama-cpp-python has no batched chat API; a batch of sampled chats (the writer's candidates) or of playback
completions runs through :mod:`panza.llm.parallel`, several sequences per forward pass (``n_parallel``). A
greedy chat batch, and streaming, go one conversation after another, so a draft is the same in every interface.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import weakref
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from panza.errors import PanzaError
from panza.llm.base import Conversation, PromptTooLong, Sampling, check_conversation, join_prefill

if TYPE_CHECKING:
    from panza.models.checkpoint import Checkpoint


def physical_cores() -> int:
    try:
        import psutil

        n = psutil.cpu_count(logical=False)
    except ImportError:  # pragma: no cover - psutil is a core dependency
        n = None
    return max(1, int(n or os.cpu_count() or 1))


def find_gguf(ref: str | Path, key: str) -> Path:
    """A GGUF file given itself or a folder holding exactly one; a one-line error otherwise."""
    p = Path(str(ref)).expanduser()
    if p.is_dir():
        files = sorted(p.glob("*.gguf"))
        if len(files) != 1:
            what = "no .gguf file" if not files else f"{len(files)} .gguf files"
            raise PanzaError(
                f"{p} has {what}; point {key} at one GGUF file (or use writer/llm=transformers "
                "for a Hugging Face model folder)"
            )
        return files[0]
    if not p.is_file():
        raise PanzaError(f"GGUF model {p} not found; fix {key} (or leave it empty for the embedded model)")
    return p


def _close(ref: weakref.ref[Any]) -> None:
    llama = ref()
    if llama is not None:
        with contextlib.suppress(Exception):  # best effort during shutdown
            llama.close()


def sampling_kwargs(s: Sampling) -> dict[str, Any]:
    """Panza's sampling settings in llama-cpp-python's chat-completion names."""
    kw: dict[str, Any] = {
        "max_tokens": s.max_new_tokens,
        "repeat_penalty": s.repetition_penalty,
        "stop": list(s.stop) or None,
    }
    if s.do_sample:
        kw.update(temperature=s.temperature, top_p=s.top_p, top_k=s.top_k)
    else:  # temperature 0 makes llama.cpp pick the most likely token: greedy
        kw.update(temperature=0.0, top_p=1.0, top_k=1)
    if s.seed is not None:
        kw["seed"] = s.seed
    return kw


class LlamaCppLLM:
    """A GGUF model run in-process by llama.cpp."""

    def __init__(
        self,
        model_path: Path,
        sampling: Sampling,
        *,
        n_ctx: int = 4096,
        n_threads: int | None = None,
        n_batch: int = 512,
        n_gpu_layers: int = 0,
        seed: int | None = None,
        chat_format: str | None = None,
        flash_attn: bool = False,
        n_parallel: int = 8,
        parallel_cells: int = 8192,
    ) -> None:
        try:
            from llama_cpp import Llama
        except ImportError:
            raise PanzaError(
                "the llamacpp backend needs llama-cpp-python: pip install llama-cpp-python"
            ) from None
        self.model_path = model_path
        self.sampling = sampling
        self._render: Any = None  # the chat renderer for complete_chat, built on first use
        self.n_parallel, self.parallel_cells = max(1, int(n_parallel)), int(parallel_cells)
        self._decoder: Any = None  # the ParallelDecoder, made on first use (its KV cache is memory)
        kw: dict[str, Any] = {
            "model_path": str(model_path),
            "n_ctx": int(n_ctx),
            "n_threads": int(n_threads or physical_cores()),
            "n_batch": int(n_batch),
            "n_gpu_layers": int(n_gpu_layers),
            # fused attention: ~15% more tokens/s on 2 CPU cores, but its single-token path rounds unlike
            # its batch path, so a prompt reused from the prefix cache gives another greedy draft: opt-in
            "flash_attn": bool(flash_attn),
            "verbose": False,
        }
        if seed is not None:
            kw["seed"] = int(seed)
        if chat_format:
            kw["chat_format"] = chat_format
        try:
            self.llama = Llama(**kw)
        except (ValueError, RuntimeError) as e:
            raise PanzaError(
                f"llama.cpp cannot load {model_path}: {str(e).splitlines()[0]}; is it a valid GGUF file?"
            ) from None
        # Free the model before interpreter shutdown: llama-cpp-python's __del__ at exit prints a
        # spurious traceback once its module globals are gone.
        atexit.register(_close, weakref.ref(self.llama))

    def close(self) -> None:
        if self._decoder is not None:
            self._decoder.close()
            self._decoder = None
        _close(weakref.ref(self.llama))

    @classmethod
    def from_config(
        cls, cfg: dict[str, Any], *, checkpoint: Checkpoint | None = None, cache_dir: Path | str | None = None
    ) -> LlamaCppLLM:
        if checkpoint:
            path = checkpoint.gguf_file or find_gguf(checkpoint.path, "checkpoint")
            if path != checkpoint.path:
                import logging

                logging.getLogger("panza.llm").info("checkpoint %s: running its GGUF %s with llama.cpp",
                                                    checkpoint.path, path.name)
        elif cfg.get("model_path"):
            path = find_gguf(cfg["model_path"], "writer.llm.model_path")
        else:
            from panza.models.embedded import llamacpp_gguf

            path = llamacpp_gguf(cfg.get("embedded_quant"), cache_dir)
        return cls(
            path,
            Sampling.from_config(cfg.get("sampling")),
            n_ctx=cfg.get("n_ctx", 4096),
            n_threads=cfg.get("n_threads"),
            n_batch=cfg.get("n_batch", 512),
            n_gpu_layers=cfg.get("n_gpu_layers", 0),
            seed=cfg.get("seed"),
            chat_format=cfg.get("chat_format"),
            flash_attn=bool(cfg.get("flash_attn", False)),
            n_parallel=int(cfg.get("n_parallel", 8)),
            parallel_cells=int(cfg.get("parallel_cells", 8192)),
        )

    def _check_fits(self, messages: Conversation) -> Conversation:
        """llama.cpp fails on an over-long prompt with an obscure error: say what to change instead."""
        check_conversation(messages)
        # llama.cpp may round its context up, but the Python side keeps the configured size.
        n_ctx = min(self.llama.n_ctx(), int(self.llama.context_params.n_ctx or self.llama.n_ctx()))
        n = (
            sum(
                len(self.llama.tokenize(str(m["content"]).encode(), add_bos=False, special=True)) + 4
                for m in messages
            )
            + 4
        )
        if n >= n_ctx:
            raise PromptTooLong(
                f"the prompt has about {n} tokens but writer.llm.n_ctx is {n_ctx}: raise "
                "writer.llm.n_ctx, or shorten it (writer.rag.k, writer.thread.max_chars)"
            )
        return messages

    def _complete(self, messages: Conversation, stream: bool, kw: dict[str, Any]) -> Any:
        try:
            return self.llama.create_chat_completion(messages=self._check_fits(messages), stream=stream, **kw)
        except ValueError as e:
            raise PromptTooLong(
                f"llama.cpp rejected the prompt ({str(e).splitlines()[0]}); raise "
                "writer.llm.n_ctx or shorten the prompt"
            ) from None

    def _renderer(self) -> Any:
        if self._render is None:
            self._render = chat_renderer(self.llama)
        return self._render

    def decoder(self) -> Any:
        """The :class:`~panza.llm.parallel.ParallelDecoder` on this model (made once: its KV cache is memory)."""
        from panza.llm.parallel import ParallelDecoder

        if self._decoder is None:
            threads = int(self.llama.context_params.n_threads or physical_cores())
            self._decoder = ParallelDecoder(self.llama, self.n_parallel, self.parallel_cells, threads)
        return self._decoder

    def _parallel(
        self, batch: list[Conversation], samplings: list[Sampling], prefills: list[str] | None = None
    ) -> list[str]:
        """``batch`` (each chat rendered, plus its prefill) generated together, several sequences per forward
        pass, the i-th with ``samplings[i]``; a conversation asked several times (the writer's candidates) is
        checked, rendered and tokenized once."""
        from panza.llm.parallel import Request

        reqs = [Request(toks, s, stop)
                for (toks, stop), s in zip(self._prompt_tokens(batch, prefills), samplings, strict=True)]
        return self.decoder().run(reqs)

    def _prompt_tokens(
        self, batch: list[Conversation], prefills: list[str] | None = None
    ) -> list[tuple[list[int], list[str]]]:
        """(tokens, stop strings) of each chat rendered with its prefill; a conversation given several times
        (the writer's candidates, a prompt scored with many drafts) is checked, rendered and tokenized once."""
        done: dict[tuple[int, str], tuple[list[int], list[str]]] = {}  # (id of the conversation, prefill)
        out = []
        for m, f in zip(batch, prefills or [""] * len(batch), strict=True):
            if (id(m), f) not in done:
                prompt, stop = self._renderer()(self._check_fits(m))
                done[id(m), f] = self.llama.tokenize((prompt + f).encode("utf-8"), special=True), list(stop)
            out.append(done[id(m), f])
        return out

    def generate(self, batch: list[Conversation], **sampling: Any) -> list[str]:
        s = self.sampling.with_overrides(**sampling)
        if s.do_sample and self.n_parallel > 1 and len(batch) > 1:
            return [t.strip() for t in self._parallel(batch, [s] * len(batch))]
        kw = sampling_kwargs(s)
        out = []
        for messages in batch:
            res = self._complete(messages, False, kw)
            out.append((res["choices"][0]["message"].get("content") or "").strip())
        return out

    def generate_seeded(self, batch: list[Conversation], seeds: Sequence[int], **sampling: Any) -> list[str]:
        """Sampled completions, the i-th with ``seeds[i]``: side by side, each distinct prompt evaluated once."""
        s = self.sampling.with_overrides(**{**sampling, "do_sample": True})
        if self.n_parallel <= 1 or len(batch) <= 1:
            return [self.generate([m], **{**sampling, "do_sample": True, "seed": int(k)})[0]
                    for m, k in zip(batch, seeds, strict=True)]
        return [t.strip() for t in self._parallel(batch, [s.with_overrides(seed=int(k)) for k in seeds])]

    def score(self, batch: list[Conversation], continuations: Sequence[str]) -> list[tuple[float, int]]:
        """(log-probability, tokens) of each continuation as the assistant's reply; a prompt prefix that the
        previous texts share (a few-shot template) is evaluated once."""
        pairs = [(toks, self.llama.tokenize(c.encode("utf-8"), add_bos=False, special=False))
                 for (toks, _), c in zip(self._prompt_tokens(batch), continuations, strict=True)]
        sums = self.decoder().score(pairs)
        return [(s, len(c)) for s, (_, c) in zip(sums, pairs, strict=True)]

    def stream(self, messages: Conversation, **sampling: Any) -> Iterator[str]:
        kw = sampling_kwargs(self.sampling.with_overrides(**sampling))
        for chunk in self._complete(messages, True, kw):
            piece = chunk["choices"][0]["delta"].get("content")
            if piece:
                yield piece

    def complete_chat(self, batch: list[Conversation], prefills: list[str], **sampling: Any) -> list[str]:
        """Continue each chat's assistant turn from ``prefill`` (rendered with the GGUF's own template)."""
        s = self.sampling.with_overrides(**sampling)
        if self.n_parallel > 1 and len(batch) > 1:
            texts = self._parallel(batch, [s] * len(batch), prefills)
            return [join_prefill(f, t) for f, t in zip(prefills, texts, strict=True)]
        kw = sampling_kwargs(s)
        out = []
        for messages, prefill in zip(batch, prefills, strict=True):
            prompt, stop = self._renderer()(check_conversation(messages))
            res = self.llama.create_completion(prompt=prompt + prefill, **{**kw, "stop": (kw["stop"] or []) + stop})
            out.append(join_prefill(prefill, res["choices"][0].get("text") or ""))
        return out


def chat_renderer(llama: Any) -> Any:
    """``render(messages) -> (prompt, stop strings)`` with the GGUF's own chat template, as llama.cpp's
    chat API renders it (ChatML for a GGUF without a template, the most common convention)."""
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    template = (getattr(llama, "metadata", None) or {}).get("tokenizer.chat_template")
    if not template:

        def chatml(messages: Conversation) -> tuple[str, list[str]]:
            body = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages)
            return body + "<|im_start|>assistant\n", ["<|im_end|>"]

        return chatml

    def text(token: int) -> str:
        return llama.detokenize([token], special=True).decode("utf-8", "replace") if token >= 0 else ""

    fmt = Jinja2ChatFormatter(template, eos_token=text(llama.token_eos()), bos_token=text(llama.token_bos()),
                              add_generation_prompt=True)

    def render(messages: Conversation) -> tuple[str, list[str]]:
        res = fmt(messages=messages)
        stop = res.stop if isinstance(res.stop, list) else [res.stop] if res.stop else []
        return res.prompt, stop

    return render
