"""Fuzzing: mangled real messages never make ingestion raise, and every message is accounted for."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from panza.ingest import mime
from panza.ingest.filters import REASONS
from panza.ingest.pipeline import Options, _process
from panza.ingest.sources import RawMessage, iter_mbox

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "mime"
REAL = ROOT.parent / "shared" / "data" / "real-mail"


def _corpus() -> list[bytes]:
    files = sorted(FIXTURES.glob("*.eml"))
    if REAL.is_dir():  # a spread of the real corpus: multipart, charsets, crypto, CJK, broken MIME
        real = sorted(REAL.glob("*.eml"))
        files += real[:: max(1, len(real) // 60)]
    return [p.read_bytes() for p in files]


CORPUS = _corpus()
OPTS = Options(any_sender=True, min_words=3)


@st.composite
def mangled(draw) -> bytes:
    data = bytearray(draw(st.sampled_from(CORPUS)))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "header", "boundary", "dup"]))
        pos = draw(st.integers(0, max(0, len(data) - 1)))
        if op == "flip" and data:
            data[pos] ^= draw(st.integers(1, 255))
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=40))
        elif op == "delete":
            del data[pos : pos + draw(st.integers(1, 200))]
        elif op == "truncate":
            del data[pos:]
        elif op == "header":
            junk = draw(
                st.sampled_from(
                    [
                        b"Content-Type: multipart/mixed; boundary=\n",
                        b'Content-Type: text/plain; charset="\xff\xfe"\n',
                        b"Content-Transfer-Encoding: base64\n",
                        b"From: <<<@@@>>>\n",
                        b"Subject: =?utf-8?b?!!!?= =?bogus?q?x?=\n",
                        b"Date: 99 Foo 99999\n",
                        b'X-Gmail-Labels: "Sent\n',
                        b": no name\n",
                        b"\t folded junk\n",
                    ]
                )
            )
            data[0:0] = junk
        elif op == "boundary":
            i = data.find(b"boundary=")
            if i >= 0:
                data[i + 9 : i + 12] = draw(st.binary(min_size=0, max_size=3))
        elif op == "dup" and data:
            data += data[pos : pos + 500]
    return bytes(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mangled())
def test_mangled_messages_never_raise(data: bytes) -> None:
    # _process has no catch-all: any exception here is a real bug in our handling
    outcome = _process(RawMessage("fuzz", data, False), OPTS)
    assert outcome[0] == "k" or outcome[1] in REASONS
    msg = mime.parse(data)
    assert isinstance(mime.body(msg).text or "", str)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(mangled(), min_size=1, max_size=6), st.integers(1, 300))
def test_mangled_mbox_is_split_without_loss(tmp_path_factory, messages: list[bytes], cut: int) -> None:
    path = tmp_path_factory.mktemp("fz") / "m.mbox"
    raw = b"".join(b"From x@y Thu Nov 27 22:24:40 2026\n" + m + b"\n" for m in messages)
    path.write_bytes(raw[: len(raw) - cut] if cut < len(raw) else raw)  # truncated tail
    got = list(iter_mbox(path, block=97))
    assert sum(used for _, used in got) == path.stat().st_size
    for data, _ in got:
        _process(RawMessage("fuzz", data, True), OPTS)


def test_corpus_is_not_trivial() -> None:
    if not REAL.is_dir():
        pytest.skip(f"real-mail corpus not found at {REAL}; fuzzing only the fixtures")
    assert len(CORPUS) > 50
