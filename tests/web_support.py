"""Shared by the web/GUI tests and bench_serve: the real writer (embedded model, llama.cpp) and a
real uvicorn server on 127.0.0.1 in a background thread."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import Any

KEY = "test-key-7f3a9c"
# One thread for llama.cpp (the CPU is shared) and short drafts: these tests are about serving, so drafts are
# streamed token by token (the checked interactive draft has its own test in test_web.py).
FAST = [
    "writer.llm.n_threads=1",
    "writer.llm.n_ctx=2048",
    "writer.llm.sampling.max_new_tokens=12",
    "writer.rag.enabled=false",
    "writer.interactive=greedy",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def compose_run(data_dir: Path, *overrides: str) -> Any:
    from panza.config import compose

    return compose("run", [*FAST, f"user.data_dir={data_dir}", *overrides])


def make_writer(data_dir: Path, *overrides: str) -> Any:
    from panza.write.build import build_writer

    return build_writer(compose_run(data_dir, *overrides))


def direct_draft(writer: Any, instruction: str, thread: list[str] | None = None, **sampling: Any) -> str:
    """The draft from calling the writer itself (the server must give exactly this, greedy decoding)."""
    return "".join(writer.stream(instruction, thread, **sampling))


class ServerThread:
    """``uvicorn.Server`` for ``app`` on 127.0.0.1:``port`` in a thread, stopped on exit."""

    def __init__(self, app: Any, port: int | None = None) -> None:
        import uvicorn

        self.port = port or free_port()
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False)
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


def web_settings(**overrides: Any) -> Any:
    from omegaconf import OmegaConf

    from panza.config import config_dir
    from panza.interfaces.web import Settings

    base = OmegaConf.load(Path(config_dir()) / "interfaces" / "web.yaml")
    return Settings.from_cfg(OmegaConf.merge(base, overrides))
