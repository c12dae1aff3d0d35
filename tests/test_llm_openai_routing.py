"""Many users, one server: the openai backend picks the served model (adapter) by name, and playback
sends N requests at once, against a real llama_cpp.server on 127.0.0.1 holding two model aliases.

The two aliases serve the embedded GGUF under different chat formats (chatml and llama-2): no second
model or LoRA GGUF is needed to see that each request reaches the alias it names, because the
same prompt rendered in another format gives another answer. vLLM's ``--lora-modules`` routes the
same way (by the request's ``model``), with adapters in place of aliases.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from panza.llm import load_llm
from panza.llm.openai_compat import served_model

pytest.importorskip("openai")

ASK = [{"role": "user", "content": "Write one sentence asking Bob for the quarterly report."}]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    try:
        import llama_cpp.server.app  # noqa: F401
    except ImportError as e:
        pytest.skip(f"llama-cpp-python's server extras are missing ({e.name})")
    from panza.models.embedded import gguf_path

    port = _free_port()
    tmp = tmp_path_factory.mktemp("routing")
    model = {"model": str(gguf_path()), "n_ctx": 2048, "n_threads": 1, "seed": 0}
    conf = {"host": "127.0.0.1", "port": port,
            "models": [{**model, "model_alias": "alice", "chat_format": "chatml"},
                       {**model, "model_alias": "bob", "chat_format": "llama-2"}]}
    (tmp / "server.json").write_text(json.dumps(conf))
    log_path = tmp / "server.log"
    log = log_path.open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--config_file", str(tmp / "server.json")],
                            stdout=log, stderr=subprocess.STDOUT, env={**os.environ})
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


def _llm(base: str, model: str, **extra):
    return load_llm({"backend": "openai", "base_url": base, "model": model,
                     "sampling": {"max_new_tokens": 24}, **extra})


@pytest.mark.slow
def test_each_request_reaches_the_model_its_name_picks(server: str) -> None:
    alice, bob = _llm(server, "alice"), _llm(server, "bob")
    listed = {m.id for m in alice.client.models.list().data}
    assert {"alice", "bob"} <= listed
    ra = alice.client.chat.completions.create(model=alice.model, messages=ASK, max_tokens=24, temperature=0)
    rb = bob.client.chat.completions.create(model=bob.model, messages=ASK, max_tokens=24, temperature=0)
    assert (ra.model, rb.model) == ("alice", "bob")
    a, b, a2 = alice.generate([ASK])[0], bob.generate([ASK])[0], alice.generate([ASK])[0]
    assert a and b and a != b  # another chat format on the server: another answer
    assert a2 == a  # back on alice after bob: alice's answer again
    # (an unknown name: llama_cpp.server answers with its first model, vLLM with HTTP 404, which the
    # backend reports as one line: "the server at … refused the request (HTTP 404)")


def test_served_model_maps_a_checkpoint_to_its_adapter_name(tmp_path: Path) -> None:
    from panza.models.checkpoint import Checkpoint

    run = tmp_path / "jen-smollm2-lora-run"
    run.mkdir()
    (run / "adapter_config.json").write_text(json.dumps({"base_model_name_or_path": "embedded", "r": 8}))
    ck = Checkpoint.from_path(run)
    assert served_model({"model": "default", "adapters": {run.name: "jen"}}, ck) == "jen"
    assert served_model({"adapters": {str(run): "jen2"}}, ck) == "jen2"
    assert served_model({"model": "default"}, ck) == str(ck.path)  # unmapped: the run's path, as before
    assert served_model({"model": "david"}) == "david"


@pytest.mark.slow
def test_concurrent_playback_keeps_order_and_resumes_from_its_cache(server: str, tmp_path: Path) -> None:
    from panza.playback import Playback, PlaybackCache, PlaybackSettings, load_template

    root = Path(__file__).resolve().parent.parent
    template = load_template(root / "configs" / "playback" / "summarization_prompt.txt")
    people = ["Anna", "Marco", "Lena", "Tomas"]
    recs = [{"email": f"Hi {p},\n\ncould you send me the {w} by Friday?\n\nThanks,\nDavid", "subject": w,
             "to": [f"{p.lower()}@example.com"], "message_id": f"<{i}@x>"}
            for i, (p, w) in enumerate(zip(people, ["budget", "slides", "contract", "photos"], strict=True))]
    cache = PlaybackCache(tmp_path / "playback.jsonl")
    llm = _llm(server, "alice", concurrency=4)
    pb = Playback(llm, template, model="alice", settings=PlaybackSettings(batch_size=4, max_new_tokens=32),
                  cache=cache)
    out = pb.run(recs, progress=False)
    assert [r["message_id"] for r in out] == [r["message_id"] for r in recs]
    assert all(r["summary"] for r in out)
    # each instruction belongs to its own email: the recipient or the subject of that email is in it
    hits = sum(p in r["summary"] or r["subject"] in r["summary"] for p, r in zip(people, out, strict=True))
    assert hits >= 3, [r["summary"] for r in out]

    def no_model():
        raise AssertionError("a fully cached re-run must not load a model")

    again = Playback(no_model, template, model="alice", settings=PlaybackSettings(batch_size=4, max_new_tokens=32),
                     cache=cache).run(recs, progress=False)
    cached = [e for e in out if e["summary_source"] != "fallback"]
    assert [r["summary"] for r in again if r["summary_source"] != "fallback"] == [r["summary"] for r in cached]
