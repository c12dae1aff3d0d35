"""Any OpenAI-compatible chat server (llama.cpp server, vLLM, LM Studio …) via the official client.

For privacy the default ``base_url`` is a server on 127.0.0.1; Panza never talks to a remote
service unless the user points it there. Conversations of a batch are sent concurrently.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from panza.errors import PanzaError
from panza.llm.base import Conversation, Sampling, check_conversation, one_line, warn_if_remote

if TYPE_CHECKING:
    from panza.models.checkpoint import Checkpoint


def request_kwargs(s: Sampling) -> dict[str, Any]:
    """Panza's sampling settings as chat.completions arguments (non-standard ones in extra_body)."""
    kw: dict[str, Any] = {"max_tokens": s.max_new_tokens}
    if s.do_sample:
        kw.update(temperature=s.temperature, top_p=s.top_p)
        extra = {"top_k": s.top_k, "repeat_penalty": s.repetition_penalty}
    else:
        kw.update(temperature=0.0, top_p=1.0)
        extra = {"top_k": 1, "repeat_penalty": s.repetition_penalty}
    if s.stop:
        kw["stop"] = list(s.stop)
    if s.seed is not None:
        kw["seed"] = s.seed
    kw["extra_body"] = extra
    return kw


def served_model(cfg: dict[str, Any], checkpoint: Checkpoint | None = None) -> str:
    """The model name sent with every request; on a server holding many adapters it picks the adapter.

    vLLM serves LoRA adapters over one base model under names given at start-up
    (``--enable-lora --lora-modules jen=/ckpt/jen-run david=/ckpt/david-run``); llama.cpp's Python
    server does the same with model aliases in its ``--config_file``. Each user's Panza sends its own
    name: ``model`` (e.g. ``${user.username}``), or for ``checkpoint=RUN`` the name ``adapters`` maps
    that run to (by path or by run-directory name), else the run's path.
    """
    adapters = {str(k): str(v) for k, v in (cfg.get("adapters") or {}).items()}
    if checkpoint is not None:
        path = Path(checkpoint.path)
        for key in (str(path), str(path.expanduser().resolve()), path.name):
            if key in adapters:
                return adapters[key]
        return str(checkpoint.path)
    return str(cfg.get("model") or "default")


class OpenAILLM:
    def __init__(
        self,
        model: str,
        base_url: str,
        api_key: str | None,
        sampling: Sampling,
        *,
        timeout: float = 600.0,
        concurrency: int = 4,
    ) -> None:
        try:
            import openai
        except ImportError:
            raise PanzaError("the openai backend needs the openai package: pip install openai") from None
        self._openai = openai
        self.model = model
        self.base_url = base_url
        self.sampling = sampling
        self.concurrency = max(1, int(concurrency))
        self.client = openai.OpenAI(
            base_url=base_url, api_key=api_key or "not-needed", timeout=timeout, max_retries=1
        )
        warn_if_remote(base_url, "writer.llm.base_url")

    def _not_openai(self, e: Exception) -> PanzaError:
        return PanzaError(
            f"the server at {self.base_url} did not answer like an OpenAI-compatible server "
            f"({type(e).__name__}: {one_line(e, 100)}); is another program using that port? Fix writer.llm.base_url"
        )

    @classmethod
    def from_config(
        cls, cfg: dict[str, Any], *, checkpoint: Checkpoint | None = None, cache_dir: Path | str | None = None
    ) -> OpenAILLM:
        base_url = cfg.get("base_url") or os.environ.get("OPENAI_BASE_URL") or "http://127.0.0.1:8000/v1"
        key_env = cfg.get("api_key_env") or "OPENAI_API_KEY"
        api_key = cfg.get("api_key") or os.environ.get(key_env)
        model = served_model(cfg, checkpoint)
        llm = cls(
            model,
            str(base_url),
            api_key,
            Sampling.from_config(cfg.get("sampling")),
            timeout=float(cfg.get("timeout", 600)),
            concurrency=int(cfg.get("concurrency", 4)),
        )
        if cfg.get("check_server", True):
            llm.check_server()
        return llm

    def check_server(self) -> None:
        """Fail at start-up, not after the first batch, when the server is not there."""
        try:
            self.client.with_options(
                timeout=min(10.0, float(self.client.timeout or 10)), max_retries=0
            ).models.list()
        except self._openai.APIConnectionError:
            raise PanzaError(
                f"cannot reach the OpenAI-compatible server at {self.base_url}; start it or fix "
                "writer.llm.base_url"
            ) from None
        except self._openai.APIStatusError:
            pass  # reachable; some servers just do not list their models

    def _call(self, messages: Conversation, stream: bool, s: Sampling) -> Any:
        try:
            return self.client.chat.completions.create(
                model=self.model, messages=check_conversation(messages), stream=stream, **request_kwargs(s)
            )
        except self._openai.APIConnectionError:
            raise PanzaError(
                f"cannot reach the OpenAI-compatible server at {self.base_url}; start it or fix "
                "writer.llm.base_url"
            ) from None
        except self._openai.APIStatusError as e:
            raise PanzaError(
                f"the server at {self.base_url} refused the request (HTTP {e.status_code}): "
                f"{one_line(e.message)}; check writer.llm.model and api_key"
            ) from None
        except (self._openai.APIResponseValidationError, ValueError) as e:
            raise self._not_openai(e) from None

    def _text(self, res: Any) -> str:
        """The answer's text; a body that is not a chat completion (an HTML page) is one line."""
        try:
            return (res.choices[0].message.content or "").strip()
        except (AttributeError, IndexError, KeyError, TypeError) as e:
            raise self._not_openai(ValueError(f"not a chat completion: {one_line(res, 80)}")) from e

    def generate(self, batch: list[Conversation], **sampling: Any) -> list[str]:
        s = self.sampling.with_overrides(**sampling)

        def one(messages: Conversation) -> str:
            return self._text(self._call(messages, False, s))

        if len(batch) <= 1 or self.concurrency == 1:
            return [one(m) for m in batch]
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(batch))) as pool:
            return list(pool.map(one, batch))

    def stream(self, messages: Conversation, **sampling: Any) -> Iterator[str]:
        s = self.sampling.with_overrides(**sampling)
        stream = self._call(messages, True, s)
        kind = str(getattr(getattr(stream, "response", None), "headers", {}).get("content-type", ""))
        if kind and "event-stream" not in kind and "json" not in kind:  # an HTML page parses as no events
            raise self._not_openai(ValueError(f"answered {kind.split(';')[0]}, not an event stream"))
        try:
            for chunk in stream:
                if chunk.choices and chunk.choices[0].delta and chunk.choices[0].delta.content:
                    yield chunk.choices[0].delta.content
        except (self._openai.APIResponseValidationError, ValueError, AttributeError, TypeError) as e:
            raise self._not_openai(e) from None
