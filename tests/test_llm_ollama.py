"""ollama backend.

No Ollama server can be installed here, so these tests run the real ``ollama`` client against a
small real HTTP server on 127.0.0.1 that records each request and answers like Ollama's API
(/api/tags, /api/blobs, /api/create, /api/chat). They check what Panza sends — model creation
from the GGUF with the configured sampling, per-request options, one answer per conversation —
not what a model would write.
"""

from __future__ import annotations

import hashlib
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from panza.errors import PanzaError
from panza.llm import load_llm
from panza.llm.base import Sampling
from panza.llm.ollama_backend import modelfile_text, ollama_options

pytest.importorskip("ollama")

CHAT = [{"role": "user", "content": "ask Bob for the report"}]
CHAT2 = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "thank Alice"}]


class FakeOllama(BaseHTTPRequestHandler):
    requests: list[tuple[str, str, Any]]
    models: set[str]
    blobs: dict[str, int]

    def log_message(self, *args: Any) -> None:  # keep the test output clean
        pass

    def _body(self) -> bytes:
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            return self.rfile.read(n)
        if self.headers.get("Transfer-Encoding") == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().strip(), 16)
                if size == 0:
                    self.rfile.readline()
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        return b""

    def _json(self, obj: Any, code: int = 200) -> None:
        raw = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_GET(self) -> None:
        self.requests.append(("GET", self.path, None))
        if self.path == "/api/tags":
            self._json(
                {"models": [{"model": f"{m}:latest", "name": f"{m}:latest"} for m in sorted(self.models)]}
            )
        else:
            self._json({"error": "not found"}, 404)

    def do_POST(self) -> None:
        body = self._body()
        if self.path.startswith("/api/blobs/"):
            digest = self.path.rsplit("/", 1)[1]
            ok = digest == "sha256:" + hashlib.sha256(body).hexdigest()
            self.requests.append(("POST", self.path, len(body)))
            self.blobs[digest] = len(body)
            self._json({} if ok else {"error": "digest mismatch"}, 201 if ok else 400)
            return
        req = json.loads(body or b"{}")
        self.requests.append(("POST", self.path, req))
        if self.path == "/api/create":
            missing = [d for d in (req.get("files") or {}).values() if d not in self.blobs]
            if missing:
                self._json({"error": f"blob {missing[0]} not found"}, 400)
                return
            self.models.add(req["model"])
            self._json({"status": "success"})
        elif self.path == "/api/chat":
            if req["model"] not in self.models:
                self._json({"error": f"model '{req['model']}' not found"}, 404)
                return
            answer = "Re: " + req["messages"][-1]["content"]
            if req.get("stream", True):
                self.send_response(200)
                self.send_header("Content-Type", "application/x-ndjson")
                self.end_headers()
                for word in answer.split(" "):
                    line = {
                        "model": req["model"],
                        "created_at": "2024-01-01T00:00:00Z",
                        "message": {"role": "assistant", "content": word + " "},
                        "done": False,
                    }
                    self.wfile.write((json.dumps(line) + "\n").encode())
                self.wfile.write(
                    (
                        json.dumps(
                            {
                                "model": req["model"],
                                "created_at": "2024-01-01T00:00:00Z",
                                "message": {"role": "assistant", "content": ""},
                                "done": True,
                            }
                        )
                        + "\n"
                    ).encode()
                )
            else:
                self._json(
                    {
                        "model": req["model"],
                        "created_at": "2024-01-01T00:00:00Z",
                        "message": {"role": "assistant", "content": answer},
                        "done": True,
                    }
                )
        else:
            self._json({"error": "not found"}, 404)


@pytest.fixture()
def fake_ollama() -> Iterator[tuple[str, type[FakeOllama]]]:
    handler = type("Handler", (FakeOllama,), {"requests": [], "models": set(), "blobs": {}})
    srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}", handler
    finally:
        srv.shutdown()
        srv.server_close()


@pytest.fixture()
def small_gguf(tmp_path: Path) -> Path:
    p = tmp_path / "tiny.gguf"
    p.write_bytes(b"GGUF" + bytes(range(256)) * 8)  # the fake server stores it; it never runs it
    return p


def _cfg(host: str, gguf: Path, **sampling: Any) -> dict[str, Any]:
    return {
        "backend": "ollama",
        "host": host,
        "model": "panza-test",
        "gguf_path": str(gguf),
        "sampling": {
            "do_sample": True,
            "temperature": 0.6,
            "top_p": 0.8,
            "top_k": 30,
            "max_new_tokens": 64,
            "repetition_penalty": 1.1,
            "stop": ["\n\n\n"],
            **sampling,
        },
    }


def test_creates_model_from_gguf_with_configured_sampling(fake_ollama: Any, small_gguf: Path) -> None:
    host, h = fake_ollama
    load_llm(_cfg(host, small_gguf))
    paths = [p for _, p, _ in h.requests]
    digest = "sha256:" + hashlib.sha256(small_gguf.read_bytes()).hexdigest()
    assert paths == ["/api/tags", f"/api/blobs/{digest}", "/api/create"]
    create = h.requests[-1][2]
    assert create["model"] == "panza-test"
    assert create["files"] == {"tiny.gguf": digest}
    assert create["parameters"] == {
        "temperature": 0.6,
        "top_p": 0.8,
        "top_k": 30,
        "num_predict": 64,
        "repeat_penalty": 1.1,
        "stop": ["\n\n\n"],
    }


def test_existing_model_is_not_recreated_unless_asked(fake_ollama: Any, small_gguf: Path) -> None:
    host, h = fake_ollama
    h.models.add("panza-test")
    load_llm(_cfg(host, small_gguf))
    assert [p for _, p, _ in h.requests] == ["/api/tags"]
    load_llm({**_cfg(host, small_gguf), "recreate": True})
    assert h.requests[-1][1] == "/api/create"


def test_batch_returns_one_answer_per_conversation(fake_ollama: Any, small_gguf: Path) -> None:
    host, h = fake_ollama
    llm = load_llm(_cfg(host, small_gguf))
    out = llm.generate([CHAT, CHAT2, CHAT])
    assert out == ["Re: ask Bob for the report", "Re: thank Alice", "Re: ask Bob for the report"]
    chats = [r for _, p, r in h.requests if p == "/api/chat"]
    assert len(chats) == 3 and chats[1]["messages"] == CHAT2 and chats[0]["stream"] is False
    assert chats[0]["options"]["num_predict"] == 64 and chats[0]["options"]["temperature"] == 0.6
    llm.generate([CHAT], max_new_tokens=5, do_sample=False)  # per-call overrides reach the request
    opts = [r for _, p, r in h.requests if p == "/api/chat"][-1]["options"]
    assert opts["num_predict"] == 5 and opts["temperature"] == 0.0


def test_stream_yields_pieces(fake_ollama: Any, small_gguf: Path) -> None:
    host, _ = fake_ollama
    llm = load_llm(_cfg(host, small_gguf))
    pieces = list(llm.stream(CHAT2))
    assert len(pieces) == 3 and "".join(pieces).strip() == "Re: thank Alice"


def test_unreachable_server_is_a_one_line_error(small_gguf: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(PanzaError, match=f"cannot reach the Ollama server at http://127.0.0.1:{port}") as e:
        load_llm(_cfg(f"http://127.0.0.1:{port}", small_gguf))
    assert "\n" not in str(e.value)


def test_modelfile_text_carries_the_sampling() -> None:
    text = modelfile_text(
        "/m/x.gguf",
        Sampling(
            do_sample=True,
            temperature=0.6,
            top_p=0.8,
            top_k=30,
            max_new_tokens=64,
            repetition_penalty=1.1,
            stop=("END",),
        ),
    )
    assert text.splitlines() == [
        "FROM /m/x.gguf",
        "PARAMETER num_predict 64",
        "PARAMETER repeat_penalty 1.1",
        "PARAMETER temperature 0.6",
        "PARAMETER top_p 0.8",
        "PARAMETER top_k 30",
        'PARAMETER stop "END"',
    ]
    greedy = ollama_options(Sampling(do_sample=False))
    assert greedy["temperature"] == 0.0 and greedy["top_k"] == 1
