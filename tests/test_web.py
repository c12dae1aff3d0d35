"""`panza run interfaces=web`: a real uvicorn server on 127.0.0.1 with the embedded model (llama.cpp),
called by real clients (httpx, the `openai` and `ollama` packages) and by the real `panza` command."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from panza.interfaces import web
from panza.interfaces.serving import DraftQueue
from web_support import FAST, KEY, ServerThread, direct_draft, free_port, make_writer, web_settings

INSTRUCTION = "Ask Bob to send the quarterly report by Friday."
CAP = 40  # interfaces.max_new_tokens in these tests


# ---- pure parts ---------------------------------------------------------------------------------
def test_split_chat_last_user_message_is_the_instruction_and_earlier_ones_the_thread() -> None:
    msgs = [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "Bob: can you send the report?"},
        {"role": "assistant", "content": "Me: which one?"},
        {"role": "user", "content": [{"type": "text", "text": "Reply that it comes Friday."}]},
    ]
    assert web.split_chat(msgs) == (
        "Reply that it comes Friday.",
        ["Me: which one?", "Bob: can you send the report?"],
    )
    with pytest.raises(ValueError, match="no user message"):
        web.split_chat([{"role": "system", "content": "x"}, {"role": "assistant", "content": "y"}])


def test_sampling_caps_max_new_tokens_and_maps_temperature() -> None:
    assert web.sampling_from(64, max_tokens=100_000) == {"max_new_tokens": 64}
    assert web.sampling_from(64, max_tokens=10, temperature=0) == {"max_new_tokens": 10, "do_sample": False}
    assert web.sampling_from(64, temperature=0.5, stop="Best,") == {
        "do_sample": True,
        "temperature": 0.5,
        "stop": ["Best,"],
    }


def test_origin_allowlist_wildcards() -> None:
    import re

    rx = re.compile(str(web.origin_regex(["chrome-extension://*", "http://localhost:*"])))
    assert rx.match("chrome-extension://abcdefghijkl")
    assert rx.match("http://localhost:8080")
    assert not rx.match("https://evil.example")
    assert not rx.match("chrome-extension://abc.evil.example/x")
    assert not rx.match("http://localhost:8080.evil.example/")


def test_keys_from_environment_first_then_env_file(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("# keys\nAPI_KEYS=alpha, beta\n", encoding="utf-8")
    assert web.load_keys(env_file, environ={}) == ["alpha", "beta"]
    assert web.load_keys(env_file, environ={"API_KEYS": "gamma"}) == ["gamma"]
    assert web.load_keys(tmp_path / "missing.env", environ={}) == []
    assert web.key_matches("beta", ["alpha", "beta"])
    assert not web.key_matches("bet", ["alpha", "beta"])
    assert not web.key_matches(None, ["alpha"])


# ---- a real server ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def writer(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return make_writer(tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="module")
def server(writer: Any) -> Iterator[tuple[ServerThread, DraftQueue]]:
    drafts = DraftQueue(writer, max_waiting=4)
    app = web.create_app(drafts, web_settings(max_new_tokens=CAP, max_body_bytes=4096), [KEY, "second-key"])
    with ServerThread(app) as srv:
        yield srv, drafts
    drafts.close()


@pytest.fixture(scope="module")
def expected(writer: Any) -> str:
    text = direct_draft(writer, INSTRUCTION)
    assert text.strip()
    return text


@pytest.mark.slow
def test_generate_streams_the_writers_draft_chunk_by_chunk(server: Any, expected: str) -> None:
    srv, _ = server
    chunks = []
    with httpx.stream(
        "POST", f"{srv.url}/generate", json={"text": INSTRUCTION}, headers={"X-API-Key": KEY}
    ) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        chunks = [c for c in r.iter_raw() if c]
    assert len(chunks) > 1, "the draft must arrive in pieces, not at once"
    assert b"".join(chunks).decode() == expected


@pytest.mark.slow
def test_generate_with_the_email_being_answered(server: Any, writer: Any) -> None:
    srv, _ = server
    thread = ["Hi, could you tell me when the report will be ready? Bob"]
    r = httpx.post(
        f"{srv.url}/generate",
        json={"text": "Answer that it is ready on Friday.", "thread": thread},
        headers={"X-API-Key": "second-key"},
    )
    assert r.status_code == 200
    assert r.text == direct_draft(writer, "Answer that it is ready on Friday.", thread)
    assert r.text != direct_draft(writer, "Answer that it is ready on Friday.")


@pytest.mark.slow
def test_generate_sends_the_checked_draft_by_default(tmp_path: Path) -> None:
    # writer.interactive=checked (the default): the Gmail extension gets the draft bulk mode would keep, not the
    # greedy one; an OpenAI client that sets a temperature gets the sampled draft it asked for
    import openai

    checked = make_writer(tmp_path, "writer.interactive=checked", "writer.best_of=3", "writer.retries=0")
    kept = checked.draft(INSTRUCTION)
    drafts = DraftQueue(checked, max_waiting=2)
    app = web.create_app(drafts, web_settings(max_new_tokens=CAP), [KEY])
    with ServerThread(app) as srv:
        with httpx.stream("POST", f"{srv.url}/generate", json={"text": INSTRUCTION}, headers={"X-API-Key": KEY}) as r:
            chunks = [c for c in r.iter_raw() if c]
        client = openai.OpenAI(base_url=f"{srv.url}/v1", api_key=KEY, max_retries=0)
        sampled = client.chat.completions.create(
            model="panza", messages=[{"role": "user", "content": INSTRUCTION}], temperature=0.9, seed=4
        )
    drafts.close()
    assert b"".join(chunks).decode() == kept and len(chunks) > 1
    assert sampled.choices[0].message.content == direct_draft(
        checked, INSTRUCTION, do_sample=True, temperature=0.9, seed=4
    )


@pytest.mark.parametrize(
    "headers", [{}, {"X-API-Key": "wrong"}, {"X-API-Key": KEY[:-1]}, {"Authorization": "Bearer x"}]
)
def test_generate_refuses_a_missing_or_wrong_key(server: Any, headers: dict[str, str]) -> None:
    srv, _ = server
    r = httpx.post(f"{srv.url}/generate", json={"text": INSTRUCTION}, headers=headers)
    assert r.status_code == 401
    assert r.json() == {"detail": "Invalid API key."}


def test_generate_options_and_bad_bodies(server: Any) -> None:
    srv, _ = server
    assert httpx.options(f"{srv.url}/generate").json() == {"methods": ["POST"]}
    h = {"X-API-Key": KEY}
    assert httpx.post(f"{srv.url}/generate", json={"text": "   "}, headers=h).status_code == 400
    r = httpx.post(f"{srv.url}/generate", json={"text": "x", "thread": [1, 2]}, headers=h)
    assert r.status_code in (400, 422)


def test_oversized_body_is_refused_with_413(server: Any) -> None:
    srv, drafts = server
    served = drafts.served
    big = {"text": "x" * 5000}
    r = httpx.post(f"{srv.url}/generate", json=big, headers={"X-API-Key": KEY})
    assert r.status_code == 413
    assert "too large" in r.json()["detail"]

    def chunked() -> Iterator[bytes]:  # no Content-Length: the limit counts what actually arrives
        yield json.dumps(big).encode()

    r = httpx.post(
        f"{srv.url}/generate",
        content=chunked(),
        headers={"X-API-Key": KEY, "Content-Type": "application/json"},
    )
    assert r.status_code == 413
    assert drafts.served == served


def test_cors_preflight_admits_extensions_and_refuses_other_origins(server: Any) -> None:
    srv, _ = server
    pre = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "x-api-key,content-type",
    }
    ok = httpx.options(
        f"{srv.url}/generate", headers={"Origin": "chrome-extension://abcdefghijklmnop", **pre}
    )
    assert ok.status_code == 200
    assert ok.headers["access-control-allow-origin"] == "chrome-extension://abcdefghijklmnop"
    assert "x-api-key" in ok.headers["access-control-allow-headers"].lower()
    # Gmail (a public page) calling localhost: Chrome's private-network preflight must be allowed
    pna = httpx.options(
        f"{srv.url}/generate",
        headers={
            "Origin": "https://mail.google.com",
            "Access-Control-Request-Private-Network": "true",
            **pre,
        },
    )
    assert pna.status_code == 200 and pna.headers["access-control-allow-private-network"] == "true"
    bad = httpx.options(f"{srv.url}/generate", headers={"Origin": "https://evil.example", **pre})
    assert bad.status_code == 400
    assert "access-control-allow-origin" not in bad.headers
    # a simple request from a refused origin is answered, but the browser may not read it
    r = httpx.get(
        f"{srv.url}/v1/models", headers={"Origin": "https://evil.example", "Authorization": f"Bearer {KEY}"}
    )
    assert "access-control-allow-origin" not in r.headers


@pytest.mark.slow
def test_openai_client_not_streamed_and_streamed(server: Any, expected: str) -> None:
    import openai

    srv, _ = server
    client = openai.OpenAI(base_url=f"{srv.url}/v1", api_key=KEY, max_retries=0)
    assert [m.id for m in client.models.list()] == ["panza"]
    msgs: list[Any] = [{"role": "user", "content": INSTRUCTION}]
    res = client.chat.completions.create(model="panza", messages=msgs)
    assert res.choices[0].message.content == expected
    assert res.choices[0].finish_reason == "stop"
    deltas = [
        c.choices[0].delta.content
        for c in client.chat.completions.create(model="panza", messages=msgs, stream=True)
        if c.choices and c.choices[0].delta.content
    ]
    assert len(deltas) > 1
    assert "".join(deltas) == expected
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=f"{srv.url}/v1", api_key="nope", max_retries=0).models.list()


@pytest.mark.slow
def test_openai_earlier_messages_are_the_thread_and_max_tokens_is_capped(server: Any, writer: Any) -> None:
    import openai

    srv, _ = server
    client = openai.OpenAI(base_url=f"{srv.url}/v1", api_key=KEY, max_retries=0)
    email = "Dear Jen, are you coming to the meeting on Monday? Anna"
    res = client.chat.completions.create(
        model="panza",
        messages=[
            {"role": "system", "content": "ignored: Panza has its own preamble"},
            {"role": "user", "content": email},
            {"role": "user", "content": "Say yes and ask for the agenda."},
        ],
        max_tokens=100_000,
        temperature=0,
    )
    want = direct_draft(writer, "Say yes and ask for the agenda.", [email], max_new_tokens=CAP)
    assert res.choices[0].message.content == want


@pytest.mark.slow
def test_ollama_client_tags_and_chat(server: Any, expected: str) -> None:
    import ollama

    srv, _ = server
    client = ollama.Client(host=srv.url, headers={"Authorization": f"Bearer {KEY}"})
    assert [m.model for m in client.list().models] == ["panza:latest"]
    msgs = [{"role": "user", "content": INSTRUCTION}]
    parts = list(client.chat(model="panza", messages=msgs, stream=True))
    assert parts[-1].done and not parts[0].done
    assert "".join(p.message.content or "" for p in parts) == expected
    assert client.chat(model="panza", messages=msgs).message.content == expected


@pytest.mark.slow
def test_client_disconnecting_mid_stream_stops_its_generation(server: Any) -> None:
    srv, drafts = server
    cancelled = drafts.cancelled
    body = {
        "model": "panza",
        "messages": [{"role": "user", "content": "Write a long story about a dragon."}],
        "max_tokens": CAP,
        "stream": True,
    }
    with httpx.stream(
        "POST", f"{srv.url}/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {KEY}"}
    ) as r:
        assert r.status_code == 200
        lines = (line for line in r.iter_lines() if line)
        assert next(lines).startswith("data: ")  # the role chunk
        assert '"content"' in next(lines)  # a first piece of the draft: generation is running
    # the connection is closed here, after one piece out of up to CAP
    deadline = time.monotonic() + 10
    while (drafts.cancelled == cancelled or drafts.busy) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert drafts.cancelled == cancelled + 1
    assert not drafts.busy
    assert httpx.get(f"{srv.url}/health").json()["status"] == "ok"


# ---- the real command ---------------------------------------------------------------------------
def _panza_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "API_KEYS"}
    return env


def test_panza_run_web_refuses_to_start_without_a_key(panza_cmd: list[str], tmp_path: Path) -> None:
    t0 = time.monotonic()
    res = subprocess.run(
        [*panza_cmd, "run", "interfaces=web", f"interfaces.port={free_port()}", "--data", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=_panza_env(),
        timeout=120,
    )
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in res.stderr, res.stderr
    assert "API_KEYS=" in lines[0] and ".env" in lines[0] and "allow_no_key" in lines[0]
    assert time.monotonic() - t0 < 60  # refused before the model loads


@pytest.mark.slow
def test_panza_run_web_serves_with_keys_from_dotenv(panza_cmd: list[str], tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"API_KEYS={KEY}\n", encoding="utf-8")
    port = free_port()
    proc = subprocess.Popen(
        [*panza_cmd, "run", "interfaces=web", f"interfaces.port={port}", *FAST, "--data", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=_panza_env(),
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{url}/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, proc.communicate()[1]
            assert time.monotonic() < deadline, "the server did not come up"
            time.sleep(0.2)
        r = httpx.post(
            f"{url}/generate",
            json={"text": "Thank Carla for the flowers."},
            headers={"X-API-Key": KEY},
            timeout=120,
        )
        assert r.status_code == 200 and r.text.strip()
        assert httpx.post(f"{url}/generate", json={"text": "x"}).status_code == 401
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    assert f"127.0.0.1:{port}" in err
    assert "Carla" not in err and KEY not in err, "no email text or key in the logs"
