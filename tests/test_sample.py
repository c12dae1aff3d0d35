"""The bundled sample mailbox (sample/jen): reproducible, parseable, and its ground truth is consistent.

The demo and the ingest/clean tests rely on sample/jen/expected.jsonl, so these tests check that the
ground truth really describes the committed mbox: same messages in the same order, every kept email
actually present in its message, and the category counts that sample/README.md documents.
"""

from __future__ import annotations

import email
import html
import json
import mailbox
import re
import subprocess
import sys
from collections import Counter
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from omegaconf import OmegaConf

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample"
JEN = SAMPLE / "jen"
MBOX = JEN / "sent.mbox"
EXPECTED = JEN / "expected.jsonl"
REASONS = {"other_sender", "too_short", "forward", "duplicate", "empty"}
DOCUMENTED = {
    "total": 170,
    "kept": 146,
    "other_sender": 12,
    "too_short": 6,
    "forward": 3,
    "duplicate": 1,
    "empty": 2,
}
# language -> (all messages, Jen's messages, kept); the demo trains an English model, so mostly English.
LANGUAGES = {"en": (156, 146, 136), "de": (9, 7, 5), "fr": (3, 3, 3), "es": (2, 2, 2)}
NAMES = {"en": "English", "de": "German", "fr": "French", "es": "Spanish"}


@pytest.fixture(scope="module")
def records() -> list[dict[str, Any]]:
    return [json.loads(line) for line in EXPECTED.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def messages() -> list[EmailMessage]:
    box = mailbox.mbox(MBOX, create=False)
    try:
        return [email.message_from_bytes(box.get_bytes(k), policy=policy.default) for k in box.iterkeys()]
    finally:
        box.close()


def jen_addresses() -> set[str]:
    cfg = OmegaConf.load(ROOT / "configs" / "user" / "jen.yaml")
    return {a.lower() for a in [cfg.email_address, *cfg.aliases]}


def body_text(msg: EmailMessage) -> str:
    """The text a reader sees: the plain part, else the HTML part with tags removed."""
    part = msg.get_body(("plain", "html"))
    assert part is not None, f"{msg['Message-ID']}: no text body"
    text = part.get_content()
    if part.get_content_type() == "text/html":
        text = re.sub(r"<br>\n?", "\n", text)
        text = html.unescape(re.sub(r"<[^>]+>", "", text))
    return text


def test_build_is_deterministic(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, str(SAMPLE / "build.py"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "170 messages" in out.stdout
    assert (tmp_path / "sent.mbox").read_bytes() == MBOX.read_bytes(), (
        "rebuild the sample: python sample/build.py"
    )
    assert (tmp_path / "expected.jsonl").read_bytes() == EXPECTED.read_bytes()


def test_every_message_parses_and_matches_ground_truth(
    messages: list[EmailMessage], records: list[dict[str, Any]]
) -> None:
    assert len(messages) == len(records) == DOCUMENTED["total"]
    for msg, rec in zip(messages, records, strict=True):
        assert msg["Message-ID"] == rec["message_id"]
        body_text(msg)  # decodes (qp/base64/8bit, every charset) without error
        assert set(rec) >= {"message_id", "kept", "reason", "email", "thread_count"}
        assert rec["kept"] == (rec["reason"] is None)
        assert rec["reason"] is None or rec["reason"] in REASONS
        assert rec["thread_count"] == len(rec["thread"])


def test_counts_are_as_documented(records: list[dict[str, Any]]) -> None:
    counts = Counter(r["reason"] or "kept" for r in records)
    assert {"total": len(records), **counts} == DOCUMENTED
    readme = (SAMPLE / "README.md").read_text(encoding="utf-8")
    for name, n in DOCUMENTED.items():
        assert f"| {name} | {n} |" in readme, f"sample/README.md: count of {name} should read {n}"


def test_mostly_english_as_documented(records: list[dict[str, Any]]) -> None:
    """Jen's voice is English; only about ten of her kept emails are German, French or Spanish."""
    mine = [r for r in records if r["reason"] != "other_sender"]
    got = {
        lang: (
            sum(r["language"] == lang for r in records),
            sum(r["language"] == lang for r in mine),
            sum(r["language"] == lang for r in records if r["kept"]),
        )
        for lang in {r["language"] for r in records}
    }
    assert got == LANGUAGES
    readme = (SAMPLE / "README.md").read_text(encoding="utf-8")
    for lang, (total, jen, kept) in LANGUAGES.items():
        row = f"| {NAMES[lang]} ({lang}) | {total} | {jen} | {kept} |"
        assert row in readme, f"sample/README.md: language row should read {row}"


def test_charsets_carry_non_ascii_text(messages: list[EmailMessage]) -> None:
    """A latin-1 or cp1252 body of plain ASCII would not test the decoding at all."""
    legacy = [
        p
        for m in messages
        for p in m.walk()
        if p.get_content_maintype() == "text" and p.get_content_charset() in ("iso-8859-1", "windows-1252")
    ]
    assert len(legacy) == 4
    for part in legacy:
        assert any(ord(ch) > 127 for ch in part.get_content()), part.get_content()[:60]


def test_localized_clients_quote_english_mail(
    messages: list[EmailMessage], records: list[dict[str, Any]]
) -> None:
    """German-locale clients (the office Outlook above all) put German attributions above English text."""
    localized = re.compile(r"^>? ?Am .* schrieb|schrieb am|^Von: |Weitergeleitete Nachricht", re.M)
    hits = [
        rec["key"]
        for msg, rec in zip(messages, records, strict=True)
        if rec["language"] == "en" and localized.search(body_text(msg))
    ]
    assert len(hits) >= 15, hits
    assert any(k.startswith("23-anna") for k in hits) and "24-hausmeister-inline" in hits


def test_ground_truth_is_in_the_message(messages: list[EmailMessage], records: list[dict[str, Any]]) -> None:
    """Every line of each expected email occurs in the decoded body, so the truth is not made up."""
    for msg, rec in zip(messages, records, strict=True):
        text = body_text(msg)
        for line in filter(None, rec["email"].split("\n")):
            assert line in text, f"{rec['key']}: {line!r} not in the message"
        for quoted in rec["thread"]:
            first = quoted.split("\n")[0]
            assert first in text, f"{rec['key']}: quoted {first!r} not in the message"


def test_ground_truth_normal_form(records: list[dict[str, Any]]) -> None:
    for rec in records:
        e = rec["email"]
        assert e == e.strip(), rec["key"]
        assert "\n\n\n" not in e, rec["key"]
        for line in e.split("\n"):
            assert line == line.rstrip(), rec["key"]
            assert not line.startswith(">"), rec["key"]
            assert line != "--", rec["key"]
        assert "Sent from my" not in e and "Von meinem iPhone" not in e, rec["key"]


def test_reasons_follow_the_rules(messages: list[EmailMessage], records: list[dict[str, Any]]) -> None:
    mine = jen_addresses()
    seen_ids: set[str] = set()
    seen_text: set[str] = set()
    for msg, rec in zip(messages, records, strict=True):
        sender = msg["From"].addresses[0].addr_spec.lower()
        words = len(rec["email"].split())
        if rec["reason"] == "other_sender":
            assert sender not in mine, rec["key"]
        else:
            assert sender in mine, rec["key"]
        if rec["reason"] == "forward":
            assert rec["email"] == "" and rec["thread_count"] == 1
        if rec["reason"] == "empty":
            assert rec["email"] == ""
        if rec["reason"] == "too_short":
            assert 0 < words < 10, rec["key"]
        copy = (rec["email"], tuple(rec["to"]), rec["date"])  # a copy: same text, recipients and date
        if rec["kept"]:
            assert words >= 10, rec["key"]
            assert rec["message_id"] not in seen_ids and copy not in seen_text, rec["key"]
        if rec["reason"] == "duplicate":
            assert rec["message_id"] in seen_ids or copy in seen_text, rec["key"]
        if rec["reason"] != "other_sender":
            seen_ids.add(rec["message_id"])
            seen_text.add(copy)


def test_exact_duplicate_is_byte_identical() -> None:
    raw = MBOX.read_bytes().split(b"\nFrom ")
    bodies = Counter(raw)
    assert sum(1 for n in bodies.values() if n > 1) == 1, "exactly one message appears twice, byte for byte"


def test_edge_cases_are_present(messages: list[EmailMessage]) -> None:
    types = Counter(m.get_content_type() for m in messages)
    assert types["text/html"] >= 10 and types["multipart/alternative"] >= 5
    assert sum(1 for m in messages if m["Date"] is None) == 1
    charsets = {
        p.get_content_charset() for m in messages for p in m.walk() if p.get_content_maintype() == "text"
    }
    assert {"utf-8", "iso-8859-1", "windows-1252"} <= charsets
    ctes = {p["Content-Transfer-Encoding"] for m in messages for p in m.walk() if not p.is_multipart()}
    assert {"quoted-printable", "base64", "8bit"} <= ctes
    sizes = [len(a.get_content()) for m in messages for a in m.iter_attachments()]
    assert 0 in sizes and any(s > 0 for s in sizes)
    malformed = [m for m in messages if m["To"] is not None and not all(a.domain for a in m["To"].addresses)]
    assert len(malformed) == 1
    bodies = "\n".join(body_text(m) for m in messages)
    bodies += "\n".join(
        p.get_content() for m in messages for p in m.walk() if p.get_content_type() == "text/html"
    )
    for marker in (
        "wrote:",
        "schrieb",
        "a écrit :",
        "escribió:",
        "-----Original Message-----",
        "-----Ursprüngliche Nachricht-----",
        "Von meinem iPhone gesendet",
        "Outlook für Android herunterladen",
        "Von: ",
        "________________________________",
        "Sent from my iPhone",
        "-- \n",
        "Begin forwarded message:",
        "---------- Forwarded message",
        'class="gmail_quote',
        '<blockquote type="cite">',
        'id="divRplyFwdMsg"',
        "\ufeff",
    ):
        assert marker in bodies, marker


def test_user_preamble() -> None:
    text = (JEN / "user_preamble.txt").read_text(encoding="utf-8")
    assert text.startswith("My name is Jen Weber.")
    assert "+49" in text and len(text.split()) < 400
