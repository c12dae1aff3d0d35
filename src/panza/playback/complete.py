"""Assistant-prefill completion on top of Panza's chat-only LLM interface.

The summarizer works best when the model *continues* a fixed opening ("Reply to Anna to") inside
its own chat format; the shared :class:`panza.llm.LLM` interface only answers chat messages. This
adapter renders the chat with the model's own template and appends the opening, for llama.cpp and
transformers models; any other backend gets a plain chat request (the cleaner then re-attaches the
opening if the answer lacks it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from panza.llm.base import Conversation, Sampling

# complete(conversations, prefills, **sampling) -> full instructions (prefill + continuation)
Completer = Callable[..., list[str]]


def _cut(text: str, stop: tuple[str, ...] | list[str]) -> str:
    cut = min((i for i in (text.find(st) for st in stop if st) if i >= 0), default=-1)
    return text[:cut] if cut >= 0 else text


def _join(prefill: str, continuation: str) -> str:
    if not continuation[:1].isspace() and continuation[:1] not in ",.;:!?":
        continuation = " " + continuation
    return prefill + continuation


def llamacpp_renderer(llama: Any) -> Callable[[Conversation], tuple[str, list[str]]]:
    """Render messages with the GGUF's own chat template (as llama.cpp's chat API would)."""
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    template = (getattr(llama, "metadata", None) or {}).get("tokenizer.chat_template")
    if not template:  # a GGUF without a template: ChatML, the most common convention

        def chatml(messages: Conversation) -> tuple[str, list[str]]:
            body = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages)
            return body + "<|im_start|>assistant\n", ["<|im_end|>"]

        return chatml

    def text(token: int) -> str:
        return llama._model.token_get_text(token) if token >= 0 else ""

    fmt = Jinja2ChatFormatter(
        template,
        eos_token=text(llama.token_eos()),
        bos_token=text(llama.token_bos()),
        add_generation_prompt=True,
    )

    def render(messages: Conversation) -> tuple[str, list[str]]:
        res = fmt(messages=messages)
        stop = res.stop if isinstance(res.stop, list) else [res.stop] if res.stop else []
        return res.prompt, stop

    return render


def _llamacpp(llm: Any) -> Completer:
    from panza.llm.llamacpp import sampling_kwargs

    render = llamacpp_renderer(llm.llama)

    def complete(batch: list[Conversation], prefills: list[str], **sampling: Any) -> list[str]:
        kw = sampling_kwargs(llm.sampling.with_overrides(**sampling))
        out = []
        for messages, prefill in zip(batch, prefills, strict=True):
            prompt, stop = render(messages)
            res = llm.llama.create_completion(
                prompt=prompt + prefill, **{**kw, "stop": (kw["stop"] or []) + stop}
            )
            out.append(_join(prefill, res["choices"][0].get("text") or ""))
        return out

    return complete


def _transformers(llm: Any) -> Completer:
    def complete(batch: list[Conversation], prefills: list[str], **sampling: Any) -> list[str]:
        import torch

        s: Sampling = llm.sampling.with_overrides(**sampling)
        if s.seed is not None:
            torch.manual_seed(s.seed)
        tok = llm.tokenizer
        prompts = [llm.render(m) + p for m, p in zip(batch, prefills, strict=True)]
        out: list[str] = []
        for i in range(0, len(prompts), llm.batch_size):
            # The chat template already holds any special tokens; adding them again would double BOS.
            enc = tok(
                prompts[i : i + llm.batch_size], return_tensors="pt", padding=True, add_special_tokens=False
            ).to(llm.model.device)
            with torch.inference_mode():
                ids = llm.model.generate(**enc, **llm._gen_kwargs(s))
            out.extend(tok.batch_decode(ids[:, enc["input_ids"].shape[1] :], skip_special_tokens=True))
        return [_join(p, _cut(t, s.stop)) for p, t in zip(prefills, out, strict=True)]

    return complete


def _chat(llm: Any) -> Completer:
    def complete(batch: list[Conversation], prefills: list[str], **sampling: Any) -> list[str]:
        asks = [
            [*m[:-1], {**m[-1], "content": m[-1]["content"] + f"\n\n(One sentence, starting: {p})"}]
            for m, p in zip(batch, prefills, strict=True)
        ]
        sampling.pop("stop", None)  # a chat answer may open with a newline; the cleaner keeps line one
        return list(llm.generate(asks, **sampling))

    return complete


def completer(llm: Any) -> tuple[Completer, str]:
    """A ``complete(conversations, prefills, **sampling)`` for ``llm`` and the mode it uses."""
    if callable(getattr(llm, "complete_chat", None)):
        return llm.complete_chat, "complete_chat"
    if hasattr(llm, "llama") and hasattr(llm, "sampling"):
        return _llamacpp(llm), "llamacpp"
    if all(
        hasattr(llm, a) for a in ("model", "tokenizer", "render", "_gen_kwargs", "sampling", "batch_size")
    ):
        return _transformers(llm), "transformers"
    return _chat(llm), "chat"
