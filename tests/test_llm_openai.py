"""openai backend against a real OpenAI-compatible server: llama-cpp-python's own, on 127.0.0.1."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest

from panza.errors import PanzaError
from panza.llm import load_llm
from panza.llm.base import Sampling
from panza.llm.openai_compat import request_kwargs

pytest.importorskip("openai")

CHAT = [{"role": "user", "content": "Write one sentence asking Bob for the quarterly report."}]
CHAT2 = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Thank Alice for lunch."}]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    try:
        import llama_cpp.server.app  # noqa: F401
    except ImportError as e:
        pytest.skip(
            f"llama-cpp-python's server extras are missing ({e.name}); "
            "pip install sse-starlette starlette-context pydantic-settings"
        )
    from panza.models.embedded import gguf_path

    port = _free_port()
    log_path = tmp_path_factory.mktemp("server") / "server.log"
    log = log_path.open("wb")  # a file, not a pipe: the server logs a lot and a full pipe would block it
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(gguf_path()),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_threads",
            "1",
            "--n_ctx",
            "2048",
            "--model_alias",
            "smollm2",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ},
    )
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(base + "/models", timeout=2).read()
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail(f"llama_cpp.server exited: {log_path.read_text(errors='replace')[-2000:]}")
                if time.monotonic() > deadline:
                    pytest.fail("llama_cpp.server did not start within 120 s")
                time.sleep(0.5)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.mark.slow
def test_batch_and_stream_against_real_server(server: str) -> None:
    llm = load_llm(
        {
            "backend": "openai",
            "base_url": server,
            "model": "smollm2",
            "concurrency": 2,
            "sampling": {"max_new_tokens": 16},
        }
    )
    out = llm.generate([CHAT, CHAT2, CHAT])
    assert len(out) == 3 and all(out)
    # One answer per conversation, in order. Not compared to each other token for token: with
    # concurrent requests the server's prompt cache can change a 4-bit model's greedy choices.
    assert "Bob" in out[0] and "Bob" in out[2]
    pieces = list(llm.stream(CHAT))
    # not compared to out[0] token for token: the server's prompt cache changes how the prompt is
    # evaluated, which can flip near-tied greedy choices of a 4-bit 135M model
    assert len(pieces) > 1 and "Bob" in "".join(pieces)
    assert len(llm.generate([CHAT], max_new_tokens=2)[0]) < len(out[0])


def test_unreachable_server_is_a_one_line_error() -> None:
    url = f"http://127.0.0.1:{_free_port()}/v1"
    with pytest.raises(PanzaError, match=f"cannot reach the OpenAI-compatible server at {url}") as e:
        load_llm({"backend": "openai", "base_url": url, "timeout": 5})
    assert "\n" not in str(e.value)
    llm = load_llm({"backend": "openai", "base_url": url, "timeout": 5, "check_server": False})
    with pytest.raises(PanzaError, match=f"cannot reach the OpenAI-compatible server at {url}"):
        llm.generate([CHAT])
    with pytest.raises(PanzaError, match="cannot reach"):
        list(llm.stream(CHAT))


def test_request_kwargs_map_sampling() -> None:
    kw = request_kwargs(Sampling(do_sample=False, max_new_tokens=9, stop=("---",)))
    assert kw["temperature"] == 0.0 and kw["max_tokens"] == 9 and kw["stop"] == ["---"]
    kw = request_kwargs(
        Sampling(do_sample=True, temperature=0.5, top_p=0.9, top_k=20, repetition_penalty=1.2)
    )
    assert kw["temperature"] == 0.5 and kw["top_p"] == 0.9
    assert kw["extra_body"] == {"top_k": 20, "repeat_penalty": 1.2}


def test_api_key_comes_from_config_or_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_PANZA_KEY", "sk-local-123")
    base = {"backend": "openai", "base_url": "http://127.0.0.1:9/v1", "check_server": False}
    llm = load_llm({**base, "api_key_env": "MY_PANZA_KEY"})
    assert llm.client.api_key == "sk-local-123"
    llm = load_llm({**base, "api_key": "cfg-key"})
    assert llm.client.api_key == "cfg-key"
