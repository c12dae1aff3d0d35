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


# ---- 100,000 generated malformed messages through the real extract(), every one accounted for --------

WORDS = ["thanks", "report", "plan", "meeting", "budget", "draft", "tomorrow", "review", "numbers", "phase", "client", "team", "update", "Grüße", "café", "naïve", "résumé", "Straße", "東京", "会議", "привет", "отчёт"]
CHARSETS = ("utf-8", "latin-1", "cp1252", "shift_jis", "koi8-r", "utf-16-le", "utf-16-be", "utf-32-le",
            "gb2312", "iso-2022-jp", "utf-7", "x-bogus-charset", "")
FROMS = ("alex@example.com", "Alex <alex@example.com>", "=?utf-8?b?QWxleA==?= <alex@example.com>",
         "maria@partner.example", "<<<@@@>>>", "", "alex@example.com, bob@x.example")


def _fuzz_message(rng, i: int) -> bytes:
    """One deterministic, usually damaged, message: charsets (declared right, wrong or not at all),
    broken transfer encodings, multipart without or with wrong boundaries, HTML, header junk, binary,
    NUL bytes and truncation."""
    import base64
    import quopri

    text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 40)))
    if rng.random() < 0.3:
        text = f"Hi Maria,\n\n{text}\n\nOn Mon, Jan 8, 2024 Maria wrote:\n> {text[:60]}\n\n-- \nAlex"
    cs = rng.choice(CHARSETS)
    body = text.encode(cs if cs and cs != "x-bogus-charset" else "utf-8", errors="replace")
    declared = rng.choice([cs, "us-ascii", "", cs])
    cte = rng.choice(["", "8bit", "quoted-printable", "base64", "base64", "x-uuencode"])
    if cte == "base64":
        body = base64.encodebytes(body)
        if rng.random() < 0.3:  # wrong padding, illegal characters
            body = body.replace(b"=", b"").replace(b"A", b"!", 1)
    elif cte == "quoted-printable":
        body = quopri.encodestring(body) + (b"=ZZ=\n=" if rng.random() < 0.3 else b"")
    ctype = rng.choice(["text/plain", "text/plain", "text/html", "multipart/alternative", "multipart/mixed",
                        "application/octet-stream", ""])
    if ctype == "text/html":
        body = b"<html><body><p>" + body.replace(b"\n", b"<br>") + rng.choice([b"</p></body></html>", b"<div"])
    subject = rng.choice(["=?utf-8?b?!!!?=", "ok", "été", "=?iso-8859-1?q?caf=E9?="])
    headers = [f"From: {rng.choice(FROMS)}", f"Subject: s{i} {subject}",
               f"Message-ID: <{i}@fuzz>", rng.choice(["Date: Tue, 05 Mar 2024 10:15:00 +0100", "Date: 99 Foo 99999", ""])]
    if cte:
        headers.append(f"Content-Transfer-Encoding: {cte}")
    if ctype.startswith("multipart"):
        b = rng.choice(["b1", "", "b1\"junk", "\xff"])
        headers.append(f"Content-Type: {ctype}; boundary=\"{b}\"")
        part = f"Content-Type: text/plain; charset={declared}\n\n".encode() + body
        inner = rng.choice(["b1", "b2", b or "x"])
        body = b"preamble\n--" + inner.encode("utf-8", "replace") + b"\n" + part + b"\n--" + inner.encode(
            "utf-8", "replace") + rng.choice([b"--\n", b"\n", b""])
    elif ctype:
        headers.append(f"Content-Type: {ctype}" + (f"; charset={declared}" if declared else ""))
    head = "\n".join(h for h in headers if h).encode("utf-8", "surrogateescape")
    r = rng.random()
    if r < 0.04:
        head = b": no name\n\t folded junk\n" + head
    elif r < 0.08:
        head += b"\nX-Eight: \xff\xfe\xc3"
    data = head + b"\n\n" + body + b"\n"
    r = rng.random()
    if r < 0.05:
        data = rng.randbytes(rng.randint(0, 400))  # not mail at all
    elif r < 0.1:
        data = data[: rng.randint(0, len(data))]  # truncated anywhere, headers included
    elif r < 0.13:
        pos = rng.randint(0, len(data))
        data = data[:pos] + b"\x00" * rng.randint(1, 5) + data[pos:]
    # the mbox escape, as every writer applies it: a body line starting "From " becomes ">From "
    return data.replace(b"\nFrom ", b"\n>From ")


def test_100k_generated_malformed_messages_never_crash_and_are_all_accounted_for(tmp_path: Path) -> None:
    import json
    import random
    import time

    from panza.ingest.pipeline import extract

    n = 100_000
    rng = random.Random(15)
    mbox = tmp_path / "fuzz.mbox"
    with mbox.open("wb") as fh:
        for i in range(n):
            fh.write(b"From fuzz@x Tue Mar  5 10:15:00 2024\n" + _fuzz_message(rng, i).rstrip(b"\n") + b"\n\n")
        fh.write(b"From fuzz@x Tue Mar  5 10:15:00 2024\nFrom: alex@example.com\n\nthe mailbox ends mid-wo")
    t0 = time.perf_counter()
    res = extract([("mbox", mbox)], ["alex@example.com"], out_path=tmp_path / "out" / "a_clean.jsonl",
                  min_words=3, workers=1, progress=False)
    seconds = time.perf_counter() - t0
    kept = sum(1 for _ in (tmp_path / "out" / "a_clean.jsonl").open(encoding="utf-8"))
    discarded = {p.stem: [json.loads(x) for x in p.open(encoding="utf-8")]
                 for p in (tmp_path / "out" / "discarded").glob("*.jsonl")}
    assert res.total == n + 1 and kept == res.kept > 1000
    assert kept + sum(len(v) for v in discarded.values()) == n + 1  # nothing lost, nothing twice
    assert set(discarded) <= set(REASONS) and len(discarded) >= 5
    assert discarded["broken"][-1]["detail"].startswith("truncated")  # the cut-off last message
    crashes = [d for d in discarded["broken"] if "Error:" in (d["detail"] or "")]
    assert not crashes, crashes[:3]  # a caught exception is a bug too: zero crashes, not zero tracebacks
    print(f"{n + 1} messages in {seconds:.1f}s: kept {kept}, " +
          ", ".join(f"{k} {len(v)}" for k, v in sorted(discarded.items())))
