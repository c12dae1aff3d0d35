"""IMAP against a real Dovecot on 127.0.0.1 (tests/imap_server.py): sync of Sent mail and drafts.

Every server is a throw-away Dovecot with a self-signed certificate, started by these tests;
messages are loaded with APPEND. The tests skip with the reason when Dovecot is not installed
(``make imap-server`` installs it; CI does before ``make test``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from email import message_from_bytes, policy
from pathlib import Path
from types import SimpleNamespace

import pytest

import imap_server
from imap_server import PASSWORD, USER, Dovecot
from panza.errors import PanzaError
from panza.ingest import imap

pytestmark = pytest.mark.skipif(imap_server.MISSING is not None, reason=imap_server.MISSING or "")

NO_VERIFY = "ingest.imap.verify_tls=false"  # the test server's certificate is self-signed


def imap_options(**overrides) -> dict:
    """``ingest.imap`` as configured by default (configs/ingest/default.yaml), certificate not checked."""
    from panza.config import compose

    return imap.options({**compose("extract").ingest.imap, "verify_tls": False, **overrides})


def sent_mail(i: int, sender: str = f"Jen Weber <{USER}>") -> bytes:
    return (
        f"From: {sender}\r\nTo: Anna Berg <anna@example.com>\r\nSubject: Plan for week {i}\r\n"
        f"Message-ID: <sent{i}@example.org>\r\nDate: Tue, 1 Dec 2026 10:{i:02d}:00 +0000\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"Hi Anna,\r\n\r\nthe plan for week {i} works for me; let us meet on Tuesday at ten in "
        "the small room and go through the open points.\r\n\r\nJen\r\n"
    ).encode()


ORIGINAL = (
    b"From: Anna Berg <anna@example.com>\r\nTo: Jen Weber <jen@example.org>, bob@example.com\r\n"
    b"Cc: carl@example.com, JEN@example.org\r\nSubject: Re: Offsite in March\r\n"
    b"Message-ID: <q1@example.com>\r\nIn-Reply-To: <a0@example.org>\r\n"
    b"References: <root@example.com> <a0@example.org>\r\nDate: Tue, 1 Dec 2026 09:00:00 +0000\r\n\r\n"
    b"Hi Jen,\r\n\r\ncan you join the offsite on March 3? We need a head count by Friday.\r\n\r\nAnna\r\n\r\n"
    b"On Mon, 30 Nov 2026 at 08:00, Jen Weber <jen@example.org> wrote:\r\n"
    b"> Who is organising the offsite this year?\r\n"
)


@pytest.fixture()
def server() -> Iterator[Dovecot]:
    """Sent and Drafts carry SPECIAL-USE flags, under names no list of usual names would find."""
    yield from imap_server.running(sent="Versandt 2026", drafts="Meine Entwurfe", special_use=True)


@pytest.fixture()
def env() -> dict[str, str]:
    return {**os.environ, "PANZA_IMAP_PASSWORD": PASSWORD}


def _run(cmd: list[str], env: dict[str, str], timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)


def _no_password_anywhere(folder: Path, *texts: str) -> int:
    """Assert the password is in no file under ``folder`` and no captured output; returns files checked."""
    n = 0
    for p in folder.rglob("*"):
        if p.is_file():
            n += 1
            assert PASSWORD.encode() not in p.read_bytes(), f"password written to {p}"
    for t in texts:
        assert PASSWORD not in t
    return n


# ------------------------------------------------------------------ URLs and passwords (no server)


def test_url_parsing_and_refusals(monkeypatch: pytest.MonkeyPatch) -> None:
    u = imap.parse_url("imaps://me@example.org@imap.example.org")
    assert (u.scheme, u.user, u.host, u.port, u.folder) == ("imaps", "me@example.org", "imap.example.org", 993, None)
    u = imap.parse_url("imap://me%40example.org@127.0.0.1:1143/Sent%20Items")
    assert (u.user, u.port, u.folder) == ("me@example.org", 1143, "Sent Items")
    with pytest.raises(PanzaError, match="do not put the password in the URL") as e:
        imap.parse_url("imaps://me:hunter2@imap.example.org")
    assert "hunter2" not in str(e.value)
    with pytest.raises(PanzaError, match=r"imaps:// \(TLS\) or imap://"):
        imap.parse_url("https://me@imap.example.org")
    monkeypatch.delenv("PANZA_IMAP_PASSWORD", raising=False)
    monkeypatch.setitem(sys.modules, "keyring", None)  # as on a machine without the optional keyring
    with pytest.raises(PanzaError, match="set PANZA_IMAP_PASSWORD"):
        imap.password_for(imap.parse_url("imaps://me@imap.example.org"))
    # A stand-in for the keyring package: no system keyring (Secret Service, Keychain) runs here.
    stored = {("panza-imap", "me@imap.example.org:993"): "from-the-keyring"}
    monkeypatch.setitem(sys.modules, "keyring", SimpleNamespace(get_password=lambda s, u: stored.get((s, u))))
    assert imap.password_for(imap.parse_url("imaps://me@imap.example.org")) == "from-the-keyring"
    monkeypatch.setenv("PANZA_IMAP_PASSWORD", "from-the-env")  # the environment comes first
    assert imap.password_for(imap.parse_url("imaps://me@imap.example.org")) == "from-the-env"


# ------------------------------------------------------------------ sync


def test_extract_first_then_incremental_sync(server: Dovecot, env: dict[str, str], tmp_path: Path, panza_cmd) -> None:
    """`panza extract --imap`: the same pipeline, dedupe and discard files; the second run fetches only new UIDs."""
    server.append("Versandt 2026", [sent_mail(1), sent_mail(2), sent_mail(3, "Someone <else@example.com>")])
    out = tmp_path / "data"
    cmd = [*panza_cmd, "extract", "--imap", server.imaps_url, "--out", str(out), NO_VERIFY]
    first = _run(cmd, env)
    assert first.returncode == 0, first.stderr
    assert "Versandt 2026 (found by special-use): 3 new messages" in first.stderr
    clean = out / "jen_clean.jsonl"  # named after the login address, as with --email
    records = [json.loads(line) for line in clean.read_text(encoding="utf-8").splitlines()]
    assert [r["message_id"] for r in records] == ["<sent1@example.org>", "<sent2@example.org>"]
    other = [json.loads(line) for line in (out / "discarded" / "other_sender.jsonl").read_text().splitlines()]
    assert [r["message_id"] for r in other] == ["<sent3@example.org>"]
    state = json.loads((out / imap.STATE_FILE).read_text())
    [(key, entry)] = state.items()
    assert entry["last_uid"] == 3 and entry["uidvalidity"] == server.uidvalidity("Versandt 2026")

    # A copy of message 2 (same Message-ID) and a new one: only UIDs 4 and 5 are fetched.
    server.append("Versandt 2026", [sent_mail(2), sent_mail(4)])
    second = _run([*cmd, "--email", USER], env)
    assert second.returncode == 0, second.stderr
    assert "2 new messages" in second.stderr and "5 in the local copy" in second.stderr
    records = [json.loads(line) for line in clean.read_text(encoding="utf-8").splitlines()]
    assert [r["message_id"] for r in records] == ["<sent1@example.org>", "<sent2@example.org>", "<sent4@example.org>"]
    dup = [json.loads(line) for line in (out / "discarded" / "duplicate.jsonl").read_text().splitlines()]
    assert [r["message_id"] for r in dup] == ["<sent2@example.org>"]
    assert json.loads((out / imap.STATE_FILE).read_text())[key]["last_uid"] == 5

    third = _run(cmd, env)  # nothing new: nothing fetched, the clean file is up to date
    assert third.returncode == 0 and "0 new messages" in third.stderr and "up to date" in third.stderr
    assert _no_password_anywhere(out, first.stdout, first.stderr, second.stdout, second.stderr) >= 8


def _sync(server: Dovecot, out: Path, **kw) -> tuple[imap.FolderSync, list[int]]:
    """One in-process sync; also returns the UIDs the client really asked the server for."""
    url = imap.parse_url(server.imaps_url)
    asked: list[int] = []
    opts = imap_options()
    with imap.connect(url, verify_tls=False, timeout=opts["timeout"]) as client:
        real_fetch = client.fetch

        def fetch(uids, items):  # records the request, then lets the real client do it
            asked.extend(uids)
            return real_fetch(uids, items)

        client.fetch = fetch
        folder = imap.find_folder(client, "\\Sent", ["Sent"], None)
        return imap.sync_folder(client, url, folder, out, **{"batch": opts["batch"], **kw}), asked


def test_incremental_resume_and_uidvalidity_resync(
    server: Dovecot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PANZA_IMAP_PASSWORD", PASSWORD)
    server.append("Versandt 2026", [sent_mail(i) for i in range(1, 5)])

    def stop_after_two(uid: int) -> None:
        if uid == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):  # interrupted after two messages, one FETCH each
        _sync(server, tmp_path, batch=1, on_message=stop_after_two)
    res, asked = _sync(server, tmp_path)  # resumes: only what was not saved yet
    assert res.fetched == [3, 4] and asked == [3, 4] and res.messages == 4 and not res.resynced

    res, asked = _sync(server, tmp_path)
    assert res.fetched == [] and asked == []
    server.append("Versandt 2026", [sent_mail(5)])
    res, asked = _sync(server, tmp_path)
    assert res.fetched == [5] and asked == [5] and res.last_uid == 5

    old = res.mirror
    server.recreate("Versandt 2026")  # a new UIDVALIDITY: UIDs now name other messages
    server.append("Versandt 2026", [sent_mail(6), sent_mail(7)])
    res, asked = _sync(server, tmp_path)
    assert res.resynced and res.fetched == [1, 2] and asked == [1, 2]
    assert res.uidvalidity == server.uidvalidity("Versandt 2026") and res.mirror != old and not old.exists()
    assert sorted(p.name for p in res.mirror.iterdir()) == ["0000000001.eml", "0000000002.eml"]
    assert b"<sent7@example.org>" in (res.mirror / "0000000002.eml").read_bytes()


def test_folders_found_by_name_when_no_special_use(
    env: dict[str, str], tmp_path: Path, panza_cmd, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No SPECIAL-USE flags: "Gesendet" is found among the usual names; a configured name wins."""
    for server in imap_server.running(sent="Gesendet", drafts="Entwürfe", special_use=False):
        server.append("Gesendet", [sent_mail(1)])
        server.append("Archive", [sent_mail(9)])
        r = _run([*panza_cmd, "extract", "--imap", server.imaps_url, "--out", str(tmp_path / "a"), NO_VERIFY], env)
        assert r.returncode == 0, r.stderr
        assert "Gesendet (found by name): 1 new message," in r.stderr
        monkeypatch.setenv("PANZA_IMAP_PASSWORD", PASSWORD)
        url = imap.parse_url(server.imaps_url)
        with imap.connect(url, verify_tls=False, timeout=10) as c:
            opts = imap_options()
            assert imap.find_folder(c, "\\Drafts", opts["drafts_names"]) == imap.Folder("Entwürfe", "name")
            assert imap.find_folder(c, "\\Sent", [], "archive") == imap.Folder("Archive", "configured")
            with pytest.raises(PanzaError, match="no folder named 'Nope'"):
                imap.find_folder(c, "\\Sent", [], "Nope")
        # ... and through the URL's path, over plain imap:// upgraded with STARTTLS
        r = _run([*panza_cmd, "extract", "--imap", server.imap_url + "/Archive", "--out", str(tmp_path / "b"),
                  NO_VERIFY], env)
        assert r.returncode == 0, r.stderr
        assert "Archive (found by configured): 1 new message," in r.stderr
        logins = [line for line in server.log().splitlines() if "Login: user=" in line]
        assert ", TLS," in logins[-1]  # the password went over TLS


def test_connection_errors_are_one_line(server: Dovecot, env: dict[str, str], tmp_path: Path, panza_cmd) -> None:
    out = tmp_path / "data"
    cases = {
        "login refused for jen@example.org": ([server.imaps_url, NO_VERIFY], {"PANZA_IMAP_PASSWORD": "wrong-" + PASSWORD}),
        "TLS certificate is not trusted": ([server.imaps_url], {}),  # verified by default
        "no password for": ([server.imaps_url, NO_VERIFY], {"PANZA_IMAP_PASSWORD": ""}),
    }
    for expected, (args, extra) in cases.items():
        r = _run([*panza_cmd, "extract", "--imap", *args, "--out", str(out)], {**env, **extra})
        assert r.returncode == 2, (expected, r.stderr)
        assert r.stderr.count("\n") == 1 and expected in r.stderr and "Traceback" not in r.stderr, r.stderr
        assert PASSWORD not in r.stderr + r.stdout
    server.stop()  # the server goes down
    r = _run([*panza_cmd, "extract", "--imap", server.imaps_url, "--out", str(out), NO_VERIFY], env)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "cannot connect (Connection refused)" in r.stderr
    r = _run([*panza_cmd, "draft", "--imap", server.imaps_url, "--reply-to", "x@y", "Say yes", NO_VERIFY], env)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "cannot connect" in r.stderr, r.stderr
    _no_password_anywhere(tmp_path)


# ------------------------------------------------------------------ drafts


def test_reply_headers_and_thread_context() -> None:
    from panza.interfaces.mailbox import build_reply, leave_alone, reply_subject, thread_context

    # what the writer gets as the thread: the original's own text, then what it quotes
    assert thread_context(ORIGINAL) == [
        "Hi Jen,\n\ncan you join the offsite on March 3? We need a head count by Friday.\n\nAnna",
        "Who is organising the offsite this year?",
    ]

    assert reply_subject("Offsite") == "Re: Offsite"
    assert reply_subject("RE: Offsite") == "RE: Offsite"
    assert reply_subject(None) == "Re:"
    msg = build_reply(ORIGINAL, "Yes, count me in.", user_address="jen@example.org", user_name="Jen Weber")
    assert msg["To"] == "Anna Berg <anna@example.com>"
    assert msg["Cc"] == "bob@example.com, carl@example.com"  # the user (any case) is not copied
    assert msg["References"] == "<root@example.com> <a0@example.org> <q1@example.com>"
    assert msg.get_content().startswith("Yes, count me in.\n\nOn Tue, 01 Dec 2026 09:00:00 +0000, Anna Berg")
    assert leave_alone(ORIGINAL, ["jen@example.org"]) is None  # to Jen, asks something
    assert leave_alone(ORIGINAL, ["someone@example.org"]) == "not addressed to you"
    assert leave_alone(sent_mail(1), ["jen@example.org"]) == "sent by you"
    own = build_reply(sent_mail(1), "Any news?", user_address="jen@example.org", quote_original=False)
    assert own["To"] == "Anna Berg <anna@example.com>" and own["Cc"] is None  # following up one's own mail
    assert own.get_content() == "Any news?\n"


@pytest.mark.slow
def test_draft_is_appended_to_drafts_threaded(server: Dovecot, env: dict[str, str], tmp_path: Path, panza_cmd) -> None:
    """`panza draft`: the embedded model drafts, the reply lands in Drafts (by SPECIAL-USE), threaded, unsent."""
    server.append("INBOX", [ORIGINAL])
    server.append("Versandt 2026", [sent_mail(1)])
    r = _run(
        [*panza_cmd, "draft", "--imap", server.imaps_url, "--reply-to", "q1@example.com",
         "Say yes and ask for the agenda", NO_VERIFY, "writer.rag.enabled=false",
         "writer.llm.sampling.max_new_tokens=16", "user.name=Jen Weber", f"user.data_dir={tmp_path}"],
        env, timeout=300,
    )
    assert r.returncode == 0, r.stderr
    assert "saved in Meine Entwurfe as UID 1" in r.stderr and "nothing was sent" in r.stderr
    draft = r.stdout.strip()
    assert draft
    c = server.client()
    try:
        c.select_folder("Meine Entwurfe", readonly=True)
        [(_uid, data)] = c.fetch(c.search(), ["FLAGS", "BODY[]"]).items()
        assert b"\\Draft" in data[b"FLAGS"]
        c.select_folder("Versandt 2026", readonly=True)
        assert len(c.search()) == 1  # nothing was sent or copied to Sent
    finally:
        c.logout()
    msg = message_from_bytes(data[b"BODY[]"], policy=policy.default)
    assert msg["From"] == "Jen Weber <jen@example.org>"
    assert msg["To"] == "Anna Berg <anna@example.com>"
    assert msg["Cc"] == "bob@example.com, carl@example.com"
    assert msg["Subject"] == "Re: Offsite in March"
    assert msg["In-Reply-To"] == "<q1@example.com>"
    assert msg["References"] == "<root@example.com> <a0@example.org> <q1@example.com>"
    assert msg["Message-ID"].endswith("@example.org>")
    body = msg.get_content().replace("\r\n", "\n")
    assert body.startswith(draft) and "> can you join the offsite on March 3?" in body
    _no_password_anywhere(tmp_path, r.stdout, r.stderr)

    r = _run([*panza_cmd, "draft", "--imap", server.imaps_url, "--reply-to", "<nope@example.com>", "Say no",
              NO_VERIFY], env)
    assert r.returncode == 2 and "no message with Message-ID <nope@example.com> in INBOX" in r.stderr


@pytest.mark.slow
def test_bulk_drafts_from_a_jobs_file(server: Dovecot, env: dict[str, str], tmp_path: Path, panza_cmd) -> None:
    """`panza draft --jobs FILE`: one model load, one draft per line; a missing message is reported, not fatal."""
    second = ORIGINAL.replace(b"<q1@example.com>", b"<q2@example.com>").replace(b"Offsite in March", b"Budget")
    server.append("INBOX", [ORIGINAL])
    server.append("Archive", [second])
    jobs = tmp_path / "jobs.jsonl"
    jobs.write_text(
        json.dumps({"reply_to": "<q1@example.com>", "instruction": "Say yes"}) + "\n"
        + json.dumps({"reply_to": "<gone@example.com>", "instruction": "Say no"}) + "\n\n"
        + json.dumps({"reply_to": "q2@example.com", "instruction": "Ask for the numbers"}) + "\n",
        encoding="utf-8",
    )
    r = _run([*panza_cmd, "draft", "--imap", server.imaps_url, "--jobs", str(jobs), NO_VERIFY,
              "writer.rag.enabled=false", "writer.llm.sampling.max_new_tokens=8"], env, timeout=300)
    assert r.returncode == 1, r.stderr
    assert "jobs.jsonl:2: " in r.stderr and "<gone@example.com>" in r.stderr and "skipped" in r.stderr
    assert r.stdout.count("=== jobs.jsonl:") == 2
    c = server.client()
    try:
        c.select_folder("Meine Entwurfe", readonly=True)
        got = c.fetch(c.search(), ["BODY[HEADER.FIELDS (IN-REPLY-TO SUBJECT)]"])
    finally:
        c.logout()
    heads = sorted(d[b"BODY[HEADER.FIELDS (IN-REPLY-TO SUBJECT)]"].decode().strip() for d in got.values())
    assert heads == ["Subject: Re: Budget\r\nIn-Reply-To: <q2@example.com>",
                     "Subject: Re: Offsite in March\r\nIn-Reply-To: <q1@example.com>"]

    jobs.write_text('{"reply_to": "<q1@example.com>"}\n', encoding="utf-8")  # checked before connecting
    r = _run([*panza_cmd, "draft", "--imap", server.imaps_url, "--jobs", str(jobs)], env)
    assert r.returncode == 2 and r.stderr.count("\n") == 1
    assert 'jobs.jsonl:1: needs "reply_to" (a Message-ID) and "instruction"' in r.stderr


def _incoming(mid: str, *, to: str = "Jen Weber <jen@example.org>", text: str, extra: str = "") -> bytes:
    return (f"From: Anna Berg <anna@example.com>\r\nTo: {to}\r\nSubject: Quick one\r\nMessage-ID: <{mid}>\r\n"
            f"Date: Tue, 1 Dec 2026 11:00:00 +0000\r\n{extra}\r\n{text}\r\n").encode()


@pytest.mark.slow
def test_watch_drafts_only_mail_that_asks_the_user(server: Dovecot, env: dict[str, str], panza_cmd) -> None:
    """`panza draft --watch`: bounded IDLE; a reply is drafted for the one new message that asks Jen something."""
    server.append("INBOX", [_incoming("before@example.com", text="Are you there?")])  # older: not watched
    proc = subprocess.Popen(
        [*panza_cmd, "draft", "--imap", server.imaps_url, "--watch", NO_VERIFY, "writer.rag.enabled=false",
         "writer.llm.sampling.max_new_tokens=8", "draft.watch.seconds=240", "draft.watch.max_drafts=1",
         "draft.watch.poll_seconds=2"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        seen = []
        for line in proc.stderr:  # type: ignore[union-attr]
            seen.append(line)
            if "watching INBOX" in line:
                break
        assert any("watching INBOX" in x for x in seen), "".join(seen)
        server.append("INBOX", [
            _incoming("list@example.com", text="Will you come to the meetup?", extra="List-Id: <news.example.com>\r\n"),
            _incoming("other@example.com", to="bob@example.com", text="Can you send the file?"),
            _incoming("fyi@example.com", text="The report is attached, no need to answer."),
            _incoming("ask@example.com", text="Hi Jen,\r\n\r\ncan you review the budget by Friday?\r\n\r\nAnna"),
        ])
        out, err = proc.communicate(timeout=240)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    err = "".join(seen) + err
    assert proc.returncode == 0, err
    assert "left alone: <list@example.com> (automated or mailing-list mail)" in err
    assert "left alone: <other@example.com> (not addressed to you)" in err
    assert "left alone: <fyi@example.com> (asks nothing)" in err
    assert "reply to <ask@example.com> saved in Meine Entwurfe" in err and "before@example.com" not in err
    assert "watch ended, 1 draft made" in err and out.startswith("=== reply to <ask@example.com>")
    c = server.client()
    try:
        c.select_folder("Meine Entwurfe", readonly=True)
        got = c.fetch(c.search(), ["FLAGS", "BODY[HEADER.FIELDS (IN-REPLY-TO)]"])
    finally:
        c.logout()
    [(_uid, data)] = got.items()
    assert b"\\Draft" in data[b"FLAGS"]
    assert data[b"BODY[HEADER.FIELDS (IN-REPLY-TO)]"].strip() == b"In-Reply-To: <ask@example.com>"
