"""The one narrow interface every LLM backend offers: chat messages in, text out.

Panza needs two things from a model: drafts for a batch of conversations (evaluation, data
playback) and a token stream for one conversation (the interactive interfaces). Keeping the
interface that small lets the llama.cpp, transformers, PEFT, OpenAI-compatible and Ollama
backends be swapped with ``writer/llm=<name>`` and nothing else changing.

Sampling settings use Hugging Face names (``max_new_tokens``, ``repetition_penalty`` …); each
backend translates them. A backend's defaults come from ``<llm_cfg>.sampling``; keyword
arguments to ``generate``/``stream`` override them per call.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from panza.errors import PanzaError

if TYPE_CHECKING:
    from panza.models.checkpoint import Checkpoint

Message = dict[str, str]
Conversation = list[Message]

# backend name -> "module:class"; each module imports its library only when a model is built.
BACKENDS: dict[str, str] = {
    "transformers": "panza.llm.hf:TransformersLLM",
    "peft": "panza.llm.hf:PeftLLM",
    "llamacpp": "panza.llm.llamacpp:LlamaCppLLM",
    "openai": "panza.llm.openai_compat:OpenAILLM",
    "ollama": "panza.llm.ollama_backend:OllamaLLM",
}


class PromptTooLong(PanzaError):
    """One prompt does not fit the model's context: the caller may skip that one and go on."""


@runtime_checkable
class LLM(Protocol):
    """What Panza asks of a model."""

    def generate(self, batch: list[Conversation], **sampling: Any) -> list[str]:
        """One completion per conversation, in order."""
        ...

    def stream(self, messages: Conversation, **sampling: Any) -> Iterator[str]:
        """The completion of one conversation, piece by piece as it is produced."""
        ...


@runtime_checkable
class PrefillCompleter(Protocol):
    """A backend that can continue a prefilled assistant turn inside the model's own chat format.

    Data playback asks the model to *continue* a fixed opening ("Reply to Anna to"); backends that
    render the chat template themselves (llama.cpp, transformers/PEFT) offer this. Callers check
    ``isinstance(llm, PrefillCompleter)`` and fall back to a plain chat request otherwise.
    """

    def complete_chat(self, batch: list[Conversation], prefills: list[str], **sampling: Any) -> list[str]:
        """For each conversation, ``prefill`` followed by the model's continuation of it."""
        ...


@runtime_checkable
class SeededSampler(Protocol):
    """A backend that samples each conversation of one batch with a seed of its own.

    The writer's candidates are several draws of each prompt (seeds ``seed + 1`` .. ``seed + n``); asked in
    one call, llama.cpp decodes them side by side and evaluates each prompt once (:mod:`panza.llm.parallel`).
    Other backends get one call per seed, as before.
    """

    def generate_seeded(self, batch: list[Conversation], seeds: Sequence[int], **sampling: Any) -> list[str]:
        """One sampled completion per conversation, the i-th drawn with ``seeds[i]``."""
        ...


@runtime_checkable
class ContinuationScorer(Protocol):
    """A backend that says how likely a given text is as the assistant's reply to a conversation.

    The writer's channel rerank asks, for each candidate draft, how likely its instruction is as the
    summary of that draft (the playback prompt, read backwards): a draft that says what was asked explains
    its instruction best. llama.cpp and transformers/PEFT offer this; servers (OpenAI, Ollama) do not.
    """

    def score(self, batch: list[Conversation], continuations: Sequence[str]) -> list[tuple[float, int]]:
        """For each conversation, (summed log-probability, token count) of its continuation, in the model's
        chat format, as the start of the assistant's turn."""
        ...


def cut_at_stop(text: str, stop: Sequence[str], *, strip: bool = True) -> str:
    """``text`` up to the first stop string (some engines keep the matched stop string in the output)."""
    cut = min((i for i in (text.find(st) for st in stop if st) if i >= 0), default=-1)
    if cut < 0:
        return text
    return text[:cut].rstrip() if strip else text[:cut]


def join_prefill(prefill: str, continuation: str) -> str:
    """A prefill and its continuation as one text, with a space between words."""
    if not continuation[:1].isspace() and continuation[:1] not in ",.;:!?":
        continuation = " " + continuation
    return prefill + continuation


@dataclass(frozen=True)
class Sampling:
    """Decoding settings shared by all backends (Hugging Face names).

    ``do_sample=False`` means greedy decoding; the temperature/top_p/top_k values are then ignored.
    """

    do_sample: bool = False
    temperature: float = 0.7
    top_p: float = 1.0
    top_k: int = 50
    max_new_tokens: int = 512
    repetition_penalty: float = 1.0
    stop: tuple[str, ...] = field(default_factory=tuple)
    seed: int | None = None

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any] | None, **overrides: Any) -> Sampling:
        """Build from a config mapping plus per-call overrides; unknown keys are a PanzaError."""
        merged = {**dict(cfg or {}), **{k: v for k, v in overrides.items() if v is not None}}
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(merged) - names)
        if unknown:
            raise PanzaError(
                f"unknown sampling setting(s) {', '.join(unknown)}; "
                f"known: {', '.join(sorted(names))} (writer.llm.sampling)"
            )
        if "stop" in merged:
            stop = merged["stop"]
            merged["stop"] = (stop,) if isinstance(stop, str) else tuple(stop or ())
        return cls(**merged)

    def with_overrides(self, **overrides: Any) -> Sampling:
        if not overrides:
            return self
        return Sampling.from_config({f.name: getattr(self, f.name) for f in fields(self)}, **overrides)


def plain(cfg: Any) -> dict[str, Any]:
    """A DictConfig or mapping as a resolved plain dict (backends never see OmegaConf objects)."""
    if cfg is None:
        return {}
    try:
        from omegaconf import DictConfig, OmegaConf

        if isinstance(cfg, DictConfig):
            return OmegaConf.to_container(cfg, resolve=True)  # type: ignore[return-value]
    except ImportError:  # pragma: no cover - omegaconf is a core dependency
        pass
    return {k: (plain(v) if isinstance(v, Mapping) else v) for k, v in dict(cfg).items()}


def backend_for(llm_cfg: dict[str, Any], checkpoint: Checkpoint | None) -> dict[str, Any]:
    """The configured backend, or the one that can run ``checkpoint`` when the configured one cannot.

    The default backend is llama.cpp, but training produces Hugging Face folders: ``panza run
    checkpoint=latest`` should just work, so such a checkpoint moves the run to transformers (a full
    model) or peft (an adapter) — unless the run holds an exported GGUF, which llama.cpp runs fastest.
    """
    if checkpoint is None:
        return llm_cfg
    backend = llm_cfg.get("backend")
    new = backend
    if backend == "llamacpp" and checkpoint.gguf_file is None:
        new = "peft" if checkpoint.is_adapter else "transformers"
    elif backend == "transformers" and checkpoint.is_adapter:
        new = "peft"
    if new == backend:
        return llm_cfg
    import logging

    logging.getLogger("panza.llm").info(
        "checkpoint %s is a Hugging Face %s: using the %s backend", checkpoint.path,
        "adapter" if checkpoint.is_adapter else "model", new)
    return {**llm_cfg, "backend": new}


def _checkpoint_class() -> type[Checkpoint]:
    from panza.models.checkpoint import Checkpoint

    return Checkpoint


def load_llm(llm_cfg: Any, *, checkpoint: Checkpoint | Path | str | None = None, cache_dir: Path | str | None = None) -> LLM:
    """Build the backend named by ``llm_cfg.backend``.

    ``checkpoint`` is a trained model that replaces the configured one (transformers: a full or
    merged model; peft: a LoRA or RoSA adapter; llamacpp: a GGUF file, or a run holding one).
    """
    cfg = plain(llm_cfg)
    if checkpoint is not None and not isinstance(checkpoint, _checkpoint_class()):
        checkpoint = _checkpoint_class().from_path(checkpoint)  # a path given by a caller: resolved here
    name = str(cfg.get("backend") or "").strip()
    if name not in BACKENDS:
        raise PanzaError(
            f"unknown LLM backend {name or '(none)'!r}; choose one of: {', '.join(BACKENDS)} "
            "(writer/llm=<name> or writer.llm.backend=<name>)"
        )
    module, cls_name = BACKENDS[name].split(":")
    cls = getattr(importlib.import_module(module), cls_name)
    return cls.from_config(cfg, checkpoint=checkpoint, cache_dir=cache_dir)  # type: ignore[no-any-return]


def check_conversation(messages: Conversation) -> Conversation:
    """Reject malformed chat input early with a clear message instead of a backend stack trace."""
    if not messages or not isinstance(messages, list):
        raise PanzaError("a conversation must be a non-empty list of {'role', 'content'} messages")
    for m in messages:
        if not isinstance(m, Mapping) or "role" not in m or "content" not in m:
            raise PanzaError(f"bad chat message {m!r}: it needs 'role' and 'content'")
    return messages


_WARNED_REMOTE: set[str] = set()


def is_loopback(url: str) -> bool:
    """Is ``url``'s host this machine (see ``panza.net.is_loopback_host``)?"""
    from urllib.parse import urlsplit

    from panza.net import is_loopback_host

    return is_loopback_host(urlsplit(url if "://" in url else f"http://{url}").hostname or "")


def warn_if_remote(url: str, key: str) -> bool:
    """Say once per endpoint that the user's emails leave this machine; True when it is remote."""
    import sys

    if is_loopback(url):
        return False
    if url not in _WARNED_REMOTE:
        _WARNED_REMOTE.add(url)
        print(
            f"panza: warning: {key}={url} is not this machine: every prompt, with your emails and "
            "instructions, is sent there (use a server on 127.0.0.1 to keep mail local)",
            file=sys.stderr,
        )
    return True


def one_line(text: object, limit: int = 160) -> str:
    """The first non-blank line of a server's answer (an HTML error page is many lines), shortened."""
    for line in str(text).splitlines():
        if line.strip():
            line = " ".join(line.split())
            return line if len(line) <= limit else line[: limit - 1] + "…"
    return "(empty answer)"
