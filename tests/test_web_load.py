"""100 concurrent clients against one real server (127.0.0.1, embedded model): every request gets a
draft or a clean 503 with Retry-After, none is lost, and the server is healthy afterwards."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from panza.interfaces import web
from panza.interfaces.serving import DraftQueue
from web_support import KEY, ServerThread, make_writer, web_settings

CLIENTS = 100
WAITING = 8


async def _one(client: httpx.AsyncClient, url: str, i: int) -> tuple[int, str, dict[str, str]]:
    r = await client.post(
        f"{url}/generate",
        json={"text": f"Tell client {i} that the order has shipped."},
        headers={"X-API-Key": KEY},
    )
    return r.status_code, r.text, dict(r.headers)


async def _storm(url: str) -> list[tuple[int, str, dict[str, str]]]:
    limits = httpx.Limits(max_connections=CLIENTS * 2, max_keepalive_connections=0)
    async with httpx.AsyncClient(timeout=300, limits=limits) as client:
        return await asyncio.gather(*(_one(client, url, i) for i in range(CLIENTS)))


@pytest.mark.slow
def test_hundred_concurrent_clients_get_a_draft_or_a_clean_503(tmp_path: Path) -> None:
    writer = make_writer(tmp_path, "writer.llm.sampling.max_new_tokens=6")
    drafts = DraftQueue(writer, max_waiting=WAITING)
    app = web.create_app(drafts, web_settings(max_waiting=WAITING), [KEY])
    with ServerThread(app) as srv:
        results = asyncio.run(_storm(srv.url))
        assert len(results) == CLIENTS
        ok = [r for r in results if r[0] == 200]
        busy = [r for r in results if r[0] == 503]
        assert len(ok) + len(busy) == CLIENTS, sorted({r[0] for r in results})
        assert all(text.strip() for _, text, _ in ok), "every accepted request got a draft"
        assert len(ok) >= WAITING + 1  # the queue was used to its bound
        assert busy, "more clients than the queue holds: some must be told to come back"
        for _, text, headers in busy:
            assert int(headers["retry-after"]) >= 1
            assert "busy" in text
        health = httpx.get(f"{srv.url}/health").json()
        assert health == {**health, "status": "ok", "waiting": 0, "busy": False, "failed": 0}
        assert health["served"] == len(ok)
        after = httpx.post(f"{srv.url}/generate", json={"text": "Thank Ann."}, headers={"X-API-Key": KEY})
        assert after.status_code == 200 and after.text.strip()
    drafts.close()
