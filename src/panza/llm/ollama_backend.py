"""Ollama backend: serves a GGUF through a local Ollama server with the official ``ollama`` client.

On first use the model is created in Ollama from the GGUF (the embedded one by default) with a
Modelfile whose PARAMETER lines come from ``writer.llm.sampling`` — the original hard-coded them.
Sampling is also sent with every request, so per-call overrides work; a batch returns one
answer per conversation.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from panza.errors import PanzaError
from panza.llm.base import Conversation, Sampling, check_conversation, one_line, warn_if_remote

if TYPE_CHECKING:
    from panza.models.checkpoint import Checkpoint

log = logging.getLogger(__name__)


def ollama_options(s: Sampling) -> dict[str, Any]:
    """Panza's sampling settings in Ollama's option names."""
    opts: dict[str, Any] = {"num_predict": s.max_new_tokens, "repeat_penalty": s.repetition_penalty}
    if s.do_sample:
        opts.update(temperature=s.temperature, top_p=s.top_p, top_k=s.top_k)
    else:
        opts.update(temperature=0.0, top_p=1.0, top_k=1)
    if s.stop:
        opts["stop"] = list(s.stop)
    if s.seed is not None:
        opts["seed"] = s.seed
    return opts


def modelfile_text(gguf: str | Path, s: Sampling) -> str:
    """The Modelfile that creates the Panza model in Ollama (``ollama create NAME -f Modelfile``)."""
    lines = [f"FROM {gguf}"]
    for key, value in ollama_options(s).items():
        for v in value if isinstance(value, list) else [value]:
            lines.append(f"PARAMETER {key} {json.dumps(v) if isinstance(v, str) else v}")
    return "\n".join(lines) + "\n"


class OllamaLLM:
    def __init__(
        self,
        name: str,
        host: str,
        sampling: Sampling,
        *,
        gguf: Path | None = None,
        recreate: bool = False,
        timeout: float = 600.0,
    ) -> None:
        try:
            import ollama
        except ImportError:
            raise PanzaError("the ollama backend needs the ollama package: pip install ollama") from None
        self._ollama = ollama
        self.name = name
        self.host = host
        self.sampling = sampling
        self.gguf = gguf
        self.client = ollama.Client(host=host, timeout=timeout)
        warn_if_remote(host, "writer.llm.host")
        if gguf is not None:
            self.ensure_model(recreate)

    @classmethod
    def from_config(
        cls, cfg: dict[str, Any], *, checkpoint: Checkpoint | None = None, cache_dir: Path | str | None = None
    ) -> OllamaLLM:
        from panza.llm.llamacpp import find_gguf

        gguf: Path | None
        if checkpoint:
            gguf = checkpoint.gguf_file or find_gguf(checkpoint.path, "checkpoint")
        elif cfg.get("gguf_path"):
            gguf = find_gguf(cfg["gguf_path"], "writer.llm.gguf_path")
        elif cfg.get("create_model", True):
            from panza.models.embedded import gguf_path

            gguf = gguf_path()
        else:
            gguf = None  # use a model that already exists in Ollama under writer.llm.model
        return cls(
            str(cfg.get("model") or "panza"),
            str(cfg.get("host") or "http://127.0.0.1:11434"),
            Sampling.from_config(cfg.get("sampling")),
            gguf=gguf,
            recreate=bool(cfg.get("recreate", False)),
            timeout=float(cfg.get("timeout", 600)),
        )

    def _unreachable(self) -> PanzaError:
        return PanzaError(
            f"cannot reach the Ollama server at {self.host}; start it with `ollama serve` "
            "or fix writer.llm.host"
        )

    @contextmanager
    def _talking(self, doing: str) -> Iterator[None]:
        """Every call to the server: an unreachable host, a refusal or an answer that is not Ollama's
        JSON (another server's HTML error page on that port) is one line, never a traceback."""
        import httpx

        try:
            yield
        except (ConnectionError, OSError, httpx.TransportError):
            raise self._unreachable() from None
        except self._ollama.ResponseError as e:
            raise PanzaError(
                f"Ollama at {self.host} refused to {doing} (HTTP {e.status_code}): {one_line(e.error)}"
            ) from None
        except (ValueError, KeyError, TypeError, AttributeError, httpx.HTTPError) as e:
            raise PanzaError(
                f"the server at {self.host} did not answer like Ollama when asked to {doing} "
                f"({type(e).__name__}: {one_line(e, 100)}); is another program using that port? "
                "Fix writer.llm.host"
            ) from None

    def _existing(self) -> set[str]:
        with self._talking("list its models"):
            listed = self.client.list()
            return self._names(listed)

    @staticmethod
    def _names(listed: Any) -> set[str]:
        models = listed.get("models", []) if isinstance(listed, dict) else getattr(listed, "models", [])
        names = set()
        for m in models:
            full = (m.get("model") or m.get("name")) if isinstance(m, dict) else (m.model or "")
            names.update({full, str(full).split(":")[0]})
        return names

    def ensure_model(self, recreate: bool = False) -> None:
        """Create the model in Ollama from the GGUF unless it already exists (or ``recreate``)."""
        if not recreate and self.name in self._existing():
            return
        assert self.gguf is not None
        # Ollama's create API takes the Modelfile's parts (blob + parameters) rather than its text;
        # the text is logged so the user can recreate the model by hand with `ollama create`.
        log.info(
            "creating Ollama model %r from this Modelfile:\n%s",
            self.name,
            modelfile_text(self.gguf, self.sampling),
        )
        with self._talking(f"create model {self.name!r} from {self.gguf}"):
            digest = self.client.create_blob(self.gguf)
            self.client.create(
                model=self.name,
                files={self.gguf.name: digest},
                parameters=ollama_options(self.sampling),
                stream=False,
            )

    def _chat(self, messages: Conversation, stream: bool, s: Sampling) -> Any:
        conversation = check_conversation(messages)
        with self._talking(f"draft with model {self.name!r}"):
            return self.client.chat(model=self.name, messages=conversation, stream=stream, options=ollama_options(s))

    def generate(self, batch: list[Conversation], **sampling: Any) -> list[str]:
        s = self.sampling.with_overrides(**sampling)
        out = []
        for m in batch:
            res = self._chat(m, False, s)
            with self._talking(f"draft with model {self.name!r}"):
                out.append((res["message"]["content"] or "").strip())
        return out

    def stream(self, messages: Conversation, **sampling: Any) -> Iterator[str]:
        s = self.sampling.with_overrides(**sampling)
        with self._talking(f"draft with model {self.name!r}"):
            for chunk in self._chat(messages, True, s):
                piece = chunk["message"]["content"]
                if piece:
                    yield piece
