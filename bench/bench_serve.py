"""Serving cost: the web API against calling the writer directly, and latency under 100 clients.

    python -m bench serve [-- --max-new-tokens 64 --repeats 5 --clients 100 --load-tokens 16 --threads N]

Same process, same writer (embedded model, llama.cpp, greedy), so both paths produce the same
draft. Direct = ``writer.stream()``; HTTP = ``POST /generate`` through uvicorn on 127.0.0.1 and the
shared queue, read by an httpx client. Runs alternate (direct, HTTP, direct, …) so drift on a shared
CPU hits both. Reported: first-piece latency and tokens/s of the whole draft (medians), and the ratio HTTP/direct
(target: the server costs <= 5% of tokens/s). Then ``--clients`` concurrent requests (loopback only)
with a queue as long as the load: p50/p99 latency of each request and any 503.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

INSTRUCTION = "Ask Bob to send the quarterly report by Friday and thank him for his help this quarter."
KEY = "bench-key"


def _direct(writer: Any) -> tuple[float, float, int, str]:
    t0 = time.perf_counter()
    first, pieces = None, []
    for p in writer.stream(INSTRUCTION):
        first = first or time.perf_counter()
        pieces.append(p)
    return (first or t0) - t0, time.perf_counter() - t0, len(pieces), "".join(pieces)


def _http(url: str) -> tuple[float, float, int, str]:
    t0 = time.perf_counter()
    first, chunks = None, []
    with httpx.stream(
        "POST", f"{url}/generate", json={"text": INSTRUCTION}, headers={"X-API-Key": KEY}, timeout=300
    ) as r:
        r.raise_for_status()
        for c in r.iter_raw():
            if c:
                first = first or time.perf_counter()
                chunks.append(c)
    text = b"".join(chunks).decode()
    return (first or t0) - t0, time.perf_counter() - t0, len(chunks), text


def _tps(n_tokens: int, total: float) -> float:
    """Tokens of the draft per second of the whole request. The writer streams settled sentences and
    lines (the same cleaning as batch drafts), not single tokens, so pieces are not a token count."""
    return n_tokens / max(total, 1e-9)


async def _load(url: str, clients: int, tokens: int) -> tuple[list[float], int, int]:
    body = {"model": "panza", "max_tokens": tokens}
    limits = httpx.Limits(max_connections=clients * 2, max_keepalive_connections=0)

    async def one(client: httpx.AsyncClient, i: int) -> tuple[int, float]:
        t0 = time.perf_counter()
        r = await client.post(
            f"{url}/v1/chat/completions",
            json={**body, "messages": [{"role": "user", "content": f"Tell customer {i} the order shipped."}]},
            headers={"Authorization": f"Bearer {KEY}"},
        )
        return r.status_code, time.perf_counter() - t0

    async with httpx.AsyncClient(timeout=900, limits=limits) as client:
        res = await asyncio.gather(*(one(client, i) for i in range(clients)))
    ok = sorted(t for s, t in res if s == 200)
    return ok, sum(1 for s, _ in res if s == 503), sum(1 for s, _ in res if s not in (200, 503))


def _pct(xs: list[float], q: float) -> float:
    return xs[min(len(xs) - 1, round(q * (len(xs) - 1)))] if xs else float("nan")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench serve")
    ap.add_argument("--max-new-tokens", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--clients", type=int, default=100)
    ap.add_argument("--load-tokens", type=int, default=16)
    ap.add_argument("--threads", type=int, default=0, help="llama.cpp threads (0 = physical cores)")
    args = ap.parse_args(argv or [])

    from panza.interfaces import web
    from panza.interfaces.serving import DraftQueue
    from web_support import ServerThread, make_writer, web_settings

    overrides = [f"writer.llm.sampling.max_new_tokens={args.max_new_tokens}"]
    overrides.append(f"writer.llm.n_threads={args.threads}" if args.threads else "writer.llm.n_threads=null")
    writer = make_writer(Path(tempfile.mkdtemp()), *overrides)
    drafts = DraftQueue(writer, max_waiting=max(args.clients, 1))
    app = web.create_app(drafts, web_settings(max_waiting=max(args.clients, 1)), [KEY])
    with ServerThread(app) as srv:
        _direct(writer), _http(srv.url)  # warm-up: weights paged in, connections set up
        rows: dict[str, list[tuple[float, float, int, str]]] = {"direct": [], "http": []}
        for _ in range(args.repeats):
            rows["direct"].append(_direct(writer))
            rows["http"].append(_http(srv.url))
        texts = {r[3] for rs in rows.values() for r in rs}
        if len(texts) != 1:
            print("warning: the drafts differ between runs (not greedy?)")
        n_tokens = len(writer.llm.llama.tokenize(rows["direct"][0][3].encode(), add_bos=False))
        stats = {}
        for name, rs in rows.items():
            stats[name] = (
                statistics.median(r[0] for r in rs) * 1000,
                statistics.median(_tps(n_tokens, r[1]) for r in rs),
                rs[0][2],
            )
            print(
                f"{name:7s} first piece {stats[name][0]:7.1f} ms   {stats[name][1]:7.1f} tokens/s   "
                f"({n_tokens} tokens in {stats[name][2]} pieces, median of {args.repeats})"
            )
        ratio = stats["http"][1] / stats["direct"][1]
        print(
            f"ratio http/direct tokens/s: {ratio:.3f} (server cost {100 * (1 - ratio):+.1f}%; target <= 5%)"
        )
        print(f"first-piece overhead: {stats['http'][0] - stats['direct'][0]:+.1f} ms")

        t0 = time.perf_counter()
        ok, busy, other = asyncio.run(_load(srv.url, args.clients, args.load_tokens))
        wall = time.perf_counter() - t0
        print(
            f"load: {args.clients} concurrent clients, {args.load_tokens} tokens each: {len(ok)} drafted, "
            f"{busy} x 503, {other} other, in {wall:.1f}s"
        )
        print(
            f"load latency p50 {_pct(ok, 0.5):.2f}s  p99 {_pct(ok, 0.99):.2f}s  "
            f"(one draft alone: {ok[0] if ok else float('nan'):.2f}s)"
        )
        health = httpx.get(f"{srv.url}/health").json()
        print(f"after load: {health}")
    drafts.close()
    return 0 if other == 0 and health["status"] == "ok" else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
