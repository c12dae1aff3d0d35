"""Data playback through an OpenAI-compatible server with 1, 2 and 4 concurrent requests vs in-process.

Starts ``llama_cpp.server`` on 127.0.0.1 with the embedded SmolLM2-135M GGUF and plays back real
emails (../shared/data/panza-david.jsonl) through the ``openai`` backend at
``concurrency`` 1, 2 and 4 (``playback.batch_size`` = 4, so each batch is sent at once); the
baseline, in the same run, is the in-process llama.cpp backend. No cache: every email is generated.
A server that decodes several sequences at once (vLLM; llama.cpp's native ``llama-server -np N``)
turns concurrency into throughput; llama-cpp-python's server decodes one request at a time, so
here concurrency only overlaps HTTP and prompt handling. The numbers say which.

    python -m bench playback_server [-- --limit 24 --threads 2]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(threads: int, log: Path) -> tuple[Any, str]:
    from panza.models.embedded import gguf_path

    port = _free_port()
    fh = log.open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(gguf_path()), "--host",
                             "127.0.0.1", "--port", str(port), "--n_threads", str(threads), "--n_ctx", "2048",
                             "--model_alias", "smollm2"], stdout=fh, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(base + "/models", timeout=2).read()
            return proc, base
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"llama_cpp.server did not start: {log.read_text(errors='replace')[-1500:]}") from None
            time.sleep(0.5)


def main(argv: list[str] | None = None) -> int:
    from bench.bench_playback import DAVID, load, run

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--limit", type=int, default=24)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--concurrency", default="1,2,4")
    args = p.parse_args(argv)
    if not DAVID.is_file():
        print(f"skipped: {DAVID} not found")
        return 0
    try:
        import llama_cpp.server.app  # noqa: F401
    except ImportError as e:
        print(f"skipped: llama-cpp-python's server extras are missing ({e.name})")
        return 0
    from panza.llm import load_llm
    from panza.train.memory import physical_cores

    threads = args.threads or physical_cores()
    rows = load(DAVID, args.limit)
    print(f"{len(rows)} real emails, SmolLM2-135M GGUF, {threads} threads; load average {os.getloadavg()}")
    table: list[tuple[str, float]] = []
    llm = load_llm({"backend": "llamacpp", "n_ctx": 2048, "n_threads": threads, "seed": 0})
    t0 = time.perf_counter()
    run(llm, rows, 4)
    base = len(rows) / (time.perf_counter() - t0) * 60
    table.append(("in-process llamacpp (baseline)", base))
    del llm
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        proc, url = start_server(threads, Path(tmp) / "server.log")
        try:
            for n in [int(c) for c in args.concurrency.split(",")]:
                llm = load_llm({"backend": "openai", "base_url": url, "model": "smollm2", "concurrency": n})
                t0 = time.perf_counter()
                run(llm, rows, 4)
                table.append((f"openai -> llama_cpp.server, concurrency {n}", len(rows) / (time.perf_counter() - t0) * 60))
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    print(f"{'path':45s} {'emails/min':>10s} {'vs baseline':>11s}")
    for name, rate in table:
        print(f"{name:45s} {rate:10.1f} {rate / base:11.2f}")
    print(f"load average after: {os.getloadavg()}")
    return 0
