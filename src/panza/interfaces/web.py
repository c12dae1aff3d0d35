"""``panza run interfaces=web``: the HTTP API mail clients call (FastAPI + uvicorn).

Three dialects over the same writer and the same queue (:mod:`serving`):

* the original Panza API, so its Gmail extension works unchanged: ``POST /generate`` with
  ``{"text": ...}`` (plus an optional ``"thread"``) and an ``X-API-Key`` header, the draft streamed
  back as plain text chunks;
* OpenAI chat completions (``/v1/models``, ``/v1/chat/completions``, streamed or not), for any
  tool with an "OpenAI-compatible server" setting;
* Ollama chat (``/api/tags``, ``/api/chat``), which several mail add-ons speak exclusively.

Unlike the original it is safe by default: it binds 127.0.0.1, refuses to start without an API key,
compares keys in constant time, admits browser origins only from an allowlist (extensions and
localhost), rejects big bodies (413), caps ``max_new_tokens`` and logs no email text.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import os
import re
import socket
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, StreamingResponse
from omegaconf import DictConfig
from pydantic import BaseModel, ConfigDict

from panza.errors import PanzaError
from panza.interfaces.serving import DraftFailed, DraftQueue, QueueFull, Ticket
from panza.net import is_loopback_host

log = logging.getLogger("panza.write")

INVALID_KEY = "Invalid API key."
KEY_HELP = (
    "set API_KEYS=<key>[,<key2>...] in the environment or in a .env file "
    "(a key: python -c 'import secrets; print(secrets.token_urlsafe(24))'), "
    "or interfaces.allow_no_key=true for local development only"
)


@dataclass(frozen=True)
class Settings:
    """The interface's YAML (configs/interfaces/web.yaml), validated."""

    host: str
    port: int
    env_file: str
    allow_no_key: bool
    cors_origins: tuple[str, ...]
    max_body_bytes: int
    max_new_tokens: int
    max_waiting: int
    model_name: str
    log_text: bool
    ollama: bool

    @classmethod
    def from_cfg(cls, iface: Any) -> Settings:
        def num(key: str, default: int, low: int = 1) -> int:
            try:
                v = int(iface.get(key, default))
            except (TypeError, ValueError):
                raise PanzaError(f"interfaces.{key}={iface.get(key)!r}: give a whole number") from None
            if v < low:
                raise PanzaError(f"interfaces.{key}={v}: must be at least {low}")
            return v

        origins = iface.get("cors_origins") or []
        if isinstance(origins, str):
            origins = [o.strip() for o in origins.split(",") if o.strip()]
        port = num("port", 5001, 0)
        if port > 65535:
            raise PanzaError(f"interfaces.port={port}: give a port between 1 and 65535")
        return cls(
            host=str(iface.get("host") or "127.0.0.1"),
            port=port,
            env_file=str(iface.get("env_file") or ".env"),
            allow_no_key=bool(iface.get("allow_no_key", False)),
            cors_origins=tuple(str(o) for o in origins),
            max_body_bytes=num("max_body_bytes", 65536),
            max_new_tokens=num("max_new_tokens", 512),
            max_waiting=num("max_waiting", 16),
            model_name=str(iface.get("model_name") or "panza"),
            log_text=bool(iface.get("log_text", False)),
            ollama=bool(iface.get("ollama", True)),
        )


# ---- keys ---------------------------------------------------------------------------------------
def load_keys(env_file: str | Path = ".env", environ: dict[str, str] | None = None) -> list[str]:
    """API keys from ``API_KEYS`` (comma-separated): the environment first, else the ``.env`` file."""
    environ = dict(os.environ if environ is None else environ)
    raw = environ.get("API_KEYS")
    if raw is None and Path(env_file).expanduser().is_file():
        from dotenv import dotenv_values

        raw = dotenv_values(Path(env_file).expanduser()).get("API_KEYS")
    return [k.strip() for k in (raw or "").split(",") if k.strip()]


def key_matches(given: str | None, keys: Sequence[str]) -> bool:
    """Constant-time comparison against every key (no early exit that would time which one matched)."""
    if not given:
        return False
    ok = False
    for k in keys:
        ok |= hmac.compare_digest(given.encode("utf-8"), k.encode("utf-8"))
    return ok


def presented_key(headers: Any) -> str | None:
    """``X-API-Key`` (the original's header) or ``Authorization: Bearer`` (OpenAI and Ollama clients)."""
    if headers.get("x-api-key"):
        return str(headers["x-api-key"])
    auth = str(headers.get("authorization") or "")
    scheme, _, token = auth.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


# ---- request translation (pure) -----------------------------------------------------------------
def origin_regex(patterns: Sequence[str]) -> str | None:
    """An allowlist with ``*`` wildcards (``chrome-extension://*``) as one anchored regex."""
    if not patterns:
        return None
    parts = [
        ".*" if p.strip() == "*" else re.escape(p.strip().rstrip("/")).replace(r"\*", "[^/]*")
        for p in patterns
    ]
    return "^(?:" + "|".join(parts) + ")$"


def as_thread(value: Any) -> list[str]:
    """The email(s) being answered: a string or a list of strings, most recent first."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [v for v in value if v.strip()]
    raise ValueError("'thread' must be a string or a list of strings (most recent message first)")


def content_text(content: Any) -> str:
    """A chat message's content: a string, or OpenAI's list of parts (text parts joined)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            str(p.get("text", "")) for p in content if isinstance(p, dict) and p.get("type", "text") == "text"
        )
    return str(content)


def split_chat(messages: Sequence[dict[str, Any]]) -> tuple[str, list[str]]:
    """The last user message is the instruction; earlier user/assistant messages are the thread,
    most recent first. System messages are dropped: Panza's own preambles say who is writing."""
    turns = [
        (m.get("role"), content_text(m.get("content")).strip())
        for m in messages
        if isinstance(m, dict) and m.get("role") in ("user", "assistant")
    ]
    users = [i for i, (role, _) in enumerate(turns) if role == "user"]
    if not users or not turns[users[-1]][1]:
        raise ValueError(
            "the request has no user message with text: the last user message is the instruction"
        )
    last = users[-1]
    return turns[last][1], [text for _, text in reversed(turns[:last]) if text]


def sampling_from(
    cap: int,
    *,
    max_tokens: Any = None,
    temperature: Any = None,
    top_p: Any = None,
    stop: Any = None,
    seed: Any = None,
) -> dict[str, Any]:
    """Request sampling fields in the writer's names; ``max_new_tokens`` never above ``cap``."""
    s: dict[str, Any] = {}
    if max_tokens is not None:
        s["max_new_tokens"] = max(1, min(int(max_tokens), cap))
    if temperature is not None:
        t = float(temperature)
        s.update(do_sample=True, temperature=t) if t > 0 else s.update(do_sample=False)
    if top_p is not None:
        s["top_p"] = float(top_p)
    if stop:
        s["stop"] = [stop] if isinstance(stop, str) else [str(x) for x in stop]
    if seed is not None:
        s["seed"] = int(seed)
    return s


def sse(obj: Any) -> str:
    return f"data: {json.dumps(obj, ensure_ascii=False)}\n\n"


# ---- the app ------------------------------------------------------------------------------------
class GenerateRequest(BaseModel):
    """The original's body, plus the email being answered."""

    model_config = ConfigDict(extra="ignore")
    text: str
    thread: str | list[str] | None = None


class ChatRequest(BaseModel):
    """The OpenAI fields Panza uses; the rest (n, tools, …) is ignored."""

    model_config = ConfigDict(extra="ignore")
    model: str | None = None
    messages: list[dict[str, Any]]
    stream: bool = False
    max_tokens: int | None = None
    max_completion_tokens: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    stop: str | list[str] | None = None
    seed: int | None = None


class OllamaChat(BaseModel):
    """Ollama's /api/chat body: streamed unless ``"stream": false``; sampling in ``options``."""

    model_config = ConfigDict(extra="ignore")
    model: str | None = None
    messages: list[dict[str, Any]]
    stream: bool = True
    options: dict[str, Any] | None = None


class DraftResponse(StreamingResponse):
    """A streamed draft whose ticket is cancelled however the response ends: finished, failed, or
    the client gone (noticed by a disconnect watcher even while the ticket still waits in the queue,
    when there is nothing to send yet)."""

    def __init__(self, content: Any, ticket: Ticket, **kw: Any) -> None:
        super().__init__(content, **kw)
        self.ticket = ticket

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def watch() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            self.ticket.cancel()

        watcher = asyncio.create_task(watch())
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.ticket.cancel()
            watcher.cancel()


class BodyLimit:
    """413 for a request body over ``max_bytes``: declared (Content-Length) or actually sent (chunked)."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(
        self, scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]
    ) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        detail = f"Request body too large (the limit is {self.max_bytes} bytes)."
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await JSONResponse({"detail": detail}, status_code=413)(scope, receive, send)
            return
        seen = 0

        async def limited() -> dict[str, Any]:
            nonlocal seen
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > self.max_bytes:
                    raise HTTPException(413, detail)
            return msg  # type: ignore[no-any-return]

        await self.app(scope, limited, send)


def create_app(
    drafts: DraftQueue, settings: Settings, keys: Sequence[str], info: dict[str, Any] | None = None
) -> Any:
    """The FastAPI app; ``keys`` empty means no key is required (allow_no_key)."""
    keys = list(keys)
    created = int(time.time())
    app = FastAPI(title="Panza", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    regex = origin_regex(settings.cors_origins)
    if regex:
        app.add_middleware(
            CORSMiddleware,
            allow_origin_regex=regex,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Content-Type", "X-API-Key", "Authorization"],
            allow_private_network=True,  # Chrome asks before a public page (Gmail) may call localhost
            max_age=600,
        )

    def require_key(request: Request) -> None:
        if keys and not key_matches(presented_key(request.headers), keys):
            raise HTTPException(status_code=401, detail=INVALID_KEY)

    def submit(instruction: str, thread: list[str], sampling: dict[str, Any]) -> Ticket:
        if settings.log_text:
            log.info("draft: %r (thread of %d)", instruction, len(thread))
        try:
            return drafts.submit(instruction, thread, sampling=sampling)
        except QueueFull as e:
            raise HTTPException(
                status_code=503,
                detail=f"Panza is busy ({drafts.max_waiting} drafts waiting); retry in {e.retry_after}s.",
                headers={"Retry-After": str(e.retry_after)},
            ) from None

    async def pieces(ticket: Ticket) -> AsyncIterator[str]:
        """The draft's pieces; a client that disconnects cancels the ticket (Starlette cancels us)."""
        try:
            while (piece := await ticket.next_piece()) is not None:
                yield piece
        except DraftFailed:
            return  # the status line is sent already; the draft just ends (the error is logged)
        finally:
            ticket.cancel()

    async def whole(ticket: Ticket) -> str:
        try:
            return "".join([p async for p in pieces(ticket)])
        except DraftFailed as e:
            raise HTTPException(status_code=500, detail=f"Drafting failed: {e}") from None

    # -- health (no auth, no text) --
    @app.get("/health")
    def health() -> dict[str, Any]:
        return {
            "status": "ok",
            "waiting": drafts.waiting,
            "busy": drafts.busy,
            "served": drafts.served,
            "cancelled": drafts.cancelled,
            "failed": drafts.failed,
        }

    # -- the original Panza API --
    @app.options("/generate")
    def generate_options() -> dict[str, Any]:
        return {"methods": ["POST"]}

    @app.post("/generate", dependencies=[Depends(require_key)])
    async def generate(req: GenerateRequest) -> Any:
        if not req.text.strip():
            raise HTTPException(
                status_code=400, detail="'text' is empty: say what the email should be about."
            )
        ticket = submit(req.text, as_thread(req.thread), {})
        return DraftResponse(pieces(ticket), ticket, media_type="text/event-stream")

    # -- OpenAI-compatible --
    def chat_ticket(req: ChatRequest, max_tokens: int | None) -> Ticket:
        try:
            instruction, thread = split_chat(req.messages)
        except ValueError as e:
            raise HTTPException(status_code=400, detail=str(e)) from None
        sampling = sampling_from(
            settings.max_new_tokens,
            max_tokens=max_tokens,
            temperature=req.temperature,
            top_p=req.top_p,
            stop=req.stop,
            seed=req.seed,
        )
        return submit(instruction, thread, sampling)

    @app.get("/v1/models", dependencies=[Depends(require_key)])
    def models() -> dict[str, Any]:
        return {
            "object": "list",
            "data": [{"id": settings.model_name, "object": "model", "created": created, "owned_by": "panza"}],
        }

    @app.post("/v1/chat/completions", dependencies=[Depends(require_key)])
    async def chat_completions(req: ChatRequest) -> Any:
        ticket = chat_ticket(req, req.max_completion_tokens or req.max_tokens)
        cid, now, model = f"chatcmpl-{uuid.uuid4().hex}", int(time.time()), settings.model_name
        if not req.stream:
            text = await whole(ticket)
            return {
                "id": cid,
                "object": "chat.completion",
                "created": now,
                "model": model,
                "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
                ],
            }

        def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
            return sse(
                {
                    "id": cid,
                    "object": "chat.completion.chunk",
                    "created": now,
                    "model": model,
                    "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
                }
            )

        async def events() -> AsyncIterator[str]:
            yield chunk({"role": "assistant", "content": ""})
            async for piece in pieces(ticket):
                yield chunk({"content": piece})
            yield chunk({}, "stop")
            yield "data: [DONE]\n\n"

        return DraftResponse(
            events(), ticket, media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
        )

    # -- Ollama chat --
    if settings.ollama:
        ollama_name = f"{settings.model_name}:latest"

        @app.get("/api/version")
        def ollama_version() -> dict[str, str]:
            return {"version": "0.6.0"}

        @app.get("/api/tags", dependencies=[Depends(require_key)])
        def ollama_tags() -> dict[str, Any]:
            stamp = datetime.fromtimestamp(created, UTC).isoformat()
            details = {"format": str((info or {}).get("backend") or ""), "family": "panza"}
            return {
                "models": [
                    {
                        "name": ollama_name,
                        "model": ollama_name,
                        "modified_at": stamp,
                        "size": 0,
                        "digest": "",
                        "details": details,
                    }
                ]
            }

        @app.post("/api/chat", dependencies=[Depends(require_key)])
        async def ollama_chat(req: OllamaChat) -> Any:
            o = req.options or {}
            as_openai = ChatRequest(
                messages=req.messages,
                temperature=o.get("temperature"),
                top_p=o.get("top_p"),
                stop=o.get("stop"),
                seed=o.get("seed"),
            )
            ticket = chat_ticket(as_openai, o.get("num_predict"))

            def line(content: str, done: bool) -> dict[str, Any]:
                d: dict[str, Any] = {
                    "model": ollama_name,
                    "created_at": datetime.now(UTC).isoformat(),
                    "message": {"role": "assistant", "content": content},
                    "done": done,
                }
                if done:
                    d["done_reason"] = "stop"
                return d

            if not req.stream:
                return line(await whole(ticket), True)

            async def ndjson() -> AsyncIterator[str]:
                async for piece in pieces(ticket):
                    yield json.dumps(line(piece, False), ensure_ascii=False) + "\n"
                yield json.dumps(line("", True)) + "\n"

            return DraftResponse(ndjson(), ticket, media_type="application/x-ndjson")

    @app.exception_handler(ValueError)
    async def bad_value(_: Request, e: ValueError) -> JSONResponse:
        return JSONResponse({"detail": str(e).splitlines()[0]}, status_code=400)

    return app


# ---- the interface seam -------------------------------------------------------------------------
def port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def keys_or_fail(settings: Settings) -> list[str]:
    keys = load_keys(settings.env_file)
    if not keys and not settings.allow_no_key:
        raise PanzaError(f"the web API needs an API key: {KEY_HELP}")
    return keys


def check(cfg: DictConfig) -> None:
    """Before the model loads: a key is set, the origins parse, the port is free."""
    settings = Settings.from_cfg(cfg.get("interfaces") or {})
    keys_or_fail(settings)
    if settings.port and not port_free(settings.host, settings.port):
        raise PanzaError(
            f"{settings.host}:{settings.port} is in use (another Panza?); stop it or set interfaces.port=<port>"
        )


def run(writer: Any, cfg: DictConfig) -> int:
    import uvicorn

    settings = Settings.from_cfg(cfg.get("interfaces") or {})
    keys = keys_or_fail(settings)
    if not keys:
        log.warning(
            "no API key: anyone who can reach %s:%d can draft (interfaces.allow_no_key=true)",
            settings.host,
            settings.port,
        )
    if not is_loopback_host(settings.host):
        log.warning("listening on %s: the API is reachable from other machines", settings.host)
    if "*" in settings.cors_origins:
        log.warning("interfaces.cors_origins contains '*': any web page may call the API from a browser")
    drafts = DraftQueue(writer, settings.max_waiting)
    app = create_app(drafts, settings, keys, getattr(writer, "info", {}))
    log.info(
        "Panza API on http://%s:%d — POST /generate (X-API-Key), OpenAI /v1/chat/completions, Ollama /api/chat; "
        "Ctrl-C stops it",
        settings.host,
        settings.port,
    )
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=settings.host,
            port=settings.port,
            log_level="warning",
            access_log=False,  # request lines carry no text, but a mail tool's traffic is private too
            timeout_graceful_shutdown=5,  # Ctrl-C: streams in flight get 5 s, then the server stops
        )
    )
    try:
        server.run()
    finally:
        drafts.close()
    return 0


def prepare(cfg: DictConfig) -> Callable[[Any], int]:
    """The interface seam: checks before the model loads, then serves the one shared writer."""
    check(cfg)
    return lambda writer: run(writer, cfg)
