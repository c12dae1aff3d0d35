"""The test network guard really blocks outside connections, in-process and in subprocesses."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest


def test_guard_blocks_outside_address_in_process() -> None:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    with pytest.raises(OSError, match="blocked by Panza's test guard"):
        s.connect(("93.184.216.34", 80))
    s.close()


def test_guard_allows_loopback() -> None:
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    c = socket.create_connection(srv.getsockname(), timeout=2)
    c.close()
    srv.close()


def test_guard_is_active_in_subprocesses() -> None:
    code = "import socket; socket.socket().connect(('1.1.1.1', 443))"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    assert "blocked by Panza's test guard" in r.stderr


def test_importing_panza_pulls_no_heavy_libraries() -> None:
    code = (
        "import sys, panza, panza.cli, panza.config, panza.jsonl;"
        "heavy = [m for m in ('torch', 'transformers', 'gradio', 'sacrebleu', 'faiss') if m in sys.modules];"
        "print(','.join(heavy))"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == ""


def test_one_loopback_rule_for_web_imap_and_llm_endpoints() -> None:
    """The web server's bind warning, IMAP's plaintext rule and the LLM endpoint warning share it."""
    from panza.llm.base import is_loopback
    from panza.net import is_loopback_host

    assert all(map(is_loopback_host, ["localhost", "127.0.0.1", "127.8.9.1", "::1", "[::1]", "x.localhost"]))
    assert not any(map(is_loopback_host, ["0.0.0.0", "10.0.0.1", "example.com", "localhost.example.com", ""]))
    assert is_loopback("http://127.0.0.1:8080/v1") and not is_loopback("https://api.example.com/v1")
