"""``panza draft``: answer a message of the user's mailbox with a draft left in its Drafts folder.

The message is found by its Message-ID over IMAP (INBOX first, then the other folders), its text
and the thread quoted in it become the writer's thread context, and the draft is APPENDed to the
Drafts folder (SPECIAL-USE ``\\Drafts`` or a usual name) flagged ``\\Draft``, with ``In-Reply-To``
and ``References`` so mail clients show it in the thread. Panza never sends mail: the user
opens the draft, edits it and sends it themselves.

The model and checkpoint are chosen exactly as for ``panza run`` (``checkpoint=``, ``writer/llm=``).
The IMAP session is closed while the model loads and drafts, and opened again for the APPEND.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import formataddr, formatdate, getaddresses, make_msgid
from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from panza import config
from panza.errors import PanzaError
from panza.ingest import imap, mime
from panza.logs import setup_logging

_RE_PREFIX = re.compile(r"^\s*re\s*:", re.IGNORECASE)


def reply_subject(subject: str | None) -> str:
    """``Re: <subject>``, without a second ``Re:`` when the subject already has one."""
    subject = (subject or "").strip()
    return subject if _RE_PREFIX.match(subject) else f"Re: {subject}".rstrip()


def _addresses(msg: Any, *names: str) -> list[tuple[str, str]]:
    values: list[str] = []
    for name in names:
        values.extend(str(v) for v in (msg.get_all(name) or []))
    return [(n, a) for n, a in getaddresses(values) if a]


def _dedupe(pairs: Sequence[tuple[str, str]], exclude: set[str]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for name, addr in pairs:
        if addr.lower() not in exclude:
            exclude.add(addr.lower())
            out.append((name, addr))
    return out


def original_text(raw: bytes) -> str:
    """What the client shows as the original's text (HTML converted, any charset)."""
    return (mime.body(mime.parse(raw)).text or "").strip()


def thread_context(raw: bytes) -> list[str]:
    """The writer's thread: the original's own text, then the messages quoted in it, most recent first."""
    from panza.clean import extract_reply

    h = mime.read_headers(mime.parse(raw))
    text = original_text(raw)
    reply = extract_reply(text, user_names=[h.from_name] if h.from_name else [])
    own = reply.text.strip() or text
    return [t for t in (own, *(q.strip() for q in reply.thread)) if t]


def build_reply(
    original: bytes,
    draft: str,
    *,
    user_address: str,
    user_name: str | None = None,
    user_addresses: Sequence[str] = (),
    quote_original: bool = True,
) -> EmailMessage:
    """The reply as a mail client would write it: reply-all minus the user, threaded, not sent."""
    orig = BytesParser(policy=policy.default).parsebytes(original)
    mine = {a.lower() for a in (user_address, *user_addresses) if a}
    senders = _addresses(orig, "Reply-To") or _addresses(orig, "From")
    if all(a.lower() in mine for _n, a in senders):  # answering one's own message: write to its recipients
        senders = _addresses(orig, "To")
    seen = set(mine)
    to = _dedupe(senders, seen)
    cc = _dedupe(_addresses(orig, "To", "Cc"), seen)
    msg = EmailMessage()
    msg["From"] = formataddr((user_name or "", user_address))
    if to:
        msg["To"] = ", ".join(formataddr(p) for p in to)
    if cc:
        msg["Cc"] = ", ".join(formataddr(p) for p in cc)
    msg["Subject"] = reply_subject(str(orig.get("Subject") or ""))
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=user_address.rsplit("@", 1)[-1] or None)
    parent = str(orig.get("Message-ID") or "").strip()
    if parent:
        msg["In-Reply-To"] = parent
        earlier = str(orig.get("References") or orig.get("In-Reply-To") or "").split()
        msg["References"] = " ".join([*earlier, parent])
    body = draft.strip() + "\n"
    if quote_original:
        who = formataddr(_addresses(orig, "From")[0]) if _addresses(orig, "From") else "someone"
        when = str(orig.get("Date") or "").strip()
        quoted = "\n".join(f"> {line}" if line else ">" for line in original_text(original).splitlines())
        body += f"\n{'On ' + when + ', ' if when else ''}{who} wrote:\n{quoted}\n"
    msg.set_content(body)
    return msg


def read_jobs(path: str | Path) -> list[tuple[str, str, str]]:
    """``(where, Message-ID, instruction)`` per line of a JSONL file of ``{"reply_to", "instruction"}``.

    Checked whole before anything is drafted: a broken line is one error naming it.
    """
    p = Path(str(path)).expanduser()
    if not p.is_file():
        raise PanzaError(f"--jobs {p}: no such file; give a JSONL file of {{\"reply_to\": …, \"instruction\": …}}")
    jobs = []
    for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as e:
            raise PanzaError(f"{p}:{n}: not valid JSON ({e.msg}); fix or remove that line") from None
        mid = rec.get("reply_to") if isinstance(rec, dict) else None
        text = rec.get("instruction") if isinstance(rec, dict) else None
        if not (isinstance(mid, str) and mid.strip() and isinstance(text, str) and text.strip()):
            raise PanzaError(f'{p}:{n}: needs "reply_to" (a Message-ID) and "instruction" (text); fix that line')
        jobs.append((f"{p.name}:{n}", imap.normalize_message_id(mid), text.strip()))
    if not jobs:
        raise PanzaError(f"--jobs {p}: no lines to draft")
    return jobs


def _settings(cfg: DictConfig) -> dict[str, Any]:
    d = cfg.get("draft") or {}
    mid = str(d.get("reply_to") or "").strip()
    instruction = str(d.get("instruction") or "").strip()
    watch = bool((d.get("watch") or {}).get("enabled"))
    if watch:
        if mid or instruction or d.get("jobs"):
            raise PanzaError("--watch drafts replies to new mail by itself: leave out --reply-to, --jobs and the instruction")
        jobs = []
    elif d.get("jobs"):
        if mid or instruction:
            raise PanzaError("give either --reply-to ID \"instruction\" or --jobs FILE, not both")
        jobs = read_jobs(d.jobs)
    else:
        if not mid:
            raise PanzaError("say which message to answer: --reply-to MESSAGE-ID (or --jobs FILE for many)")
        if not instruction:
            raise PanzaError('say what the reply should say: panza draft --reply-to ID "instruction"')
        jobs = [("", imap.normalize_message_id(mid), instruction)]
    accounts = list((cfg.ingest.get("imap") or {}).get("accounts") or [])
    if len(accounts) != 1:
        raise PanzaError(
            "give the mailbox to answer in: exactly one --imap imaps://user@host[:port] "
            f"(got {len(accounts)})"
        )
    url = imap.parse_url(str(accounts[0]))
    addresses = config.emails(cfg) or ([url.user.lower()] if "@" in url.user else [])
    if not addresses:
        raise PanzaError(f"the IMAP login {url.user!r} is not an address: give yours with --email ADDR")
    return {
        "url": url,
        "jobs": jobs,
        "bulk": bool(d.get("jobs")),
        "watch": d.watch if watch else None,
        "addresses": addresses,
        "name": cfg.user.get("name") or None,
        "quote": bool(d.get("quote_original")),
        "imap": imap.options(cfg.ingest.imap),
    }


def main(cfg: DictConfig) -> int:
    """Fetch the originals, draft each reply with the writer, APPEND them to Drafts; print the drafts.

    The single form fails as one line when the message is not found; the bulk form (``--jobs``)
    reports such a line, drafts the others and exits with 1.
    """
    from panza.write.build import build_writer

    setup_logging()
    s = _settings(cfg)
    if s["watch"] is not None:
        return watch(cfg, s)
    url, o = s["url"], s["imap"]
    found: list[tuple[str, str, str, str, bytes]] = []  # where, Message-ID, instruction, folder, raw
    missing = 0
    with imap.connect(url, verify_tls=o["verify_tls"], timeout=o["timeout"]) as client:
        # the Drafts folder is checked before the model loads: a missing one costs a second
        imap.find_folder(client, "\\Drafts", o["drafts_names"], o["drafts_folder"], url=url)
        folders = imap.search_order(client)
        for where, mid, instruction in s["jobs"]:
            hit = imap.find_message(client, mid, folders)
            if hit is not None:
                found.append((where, mid, instruction, hit[0], hit[2]))
                continue
            problem = (f"{url.account}: no message with Message-ID {mid} in {', '.join(folders)}; "
                       "copy the ID from the message's headers")
            if not s["bulk"]:
                raise PanzaError(problem)
            missing += 1
            print(f"panza draft: {where}: {problem}; skipped", file=sys.stderr)
    if not found:
        raise PanzaError(f"--jobs: none of the {len(s['jobs'])} messages was found in {url.account}")
    writer = build_writer(cfg)
    replies = []
    for where, mid, instruction, folder, raw in found:
        draft = writer.draft(instruction, thread_context(raw))
        reply = build_reply(raw, draft, user_address=s["addresses"][0], user_name=s["name"],
                            user_addresses=s["addresses"], quote_original=s["quote"])
        replies.append((where, mid, folder, draft, reply))
    with imap.connect(url, verify_tls=o["verify_tls"], timeout=o["timeout"]) as client:
        drafts = imap.find_folder(client, "\\Drafts", o["drafts_names"], o["drafts_folder"], url=url)
        for where, mid, folder, draft, reply in replies:
            uid = imap.append_draft(client, drafts.name, reply.as_bytes(policy=policy.SMTP))
            print(f"=== {where}: reply to {mid}\n{draft}\n" if s["bulk"] else draft, flush=True)
            print(
                f"panza draft: {where + ': ' if where else ''}reply to {mid} (in {folder}) saved in "
                f"{drafts.name}{f' as UID {uid}' if uid else ''} of {url.account}; nothing was sent",
                file=sys.stderr,
            )
    return 1 if missing else 0


# ------------------------------------------------------------------ watch: new mail that asks something

_QUESTION = re.compile(r"[?？¿]")
_BULK_PRECEDENCE = {"bulk", "list", "junk"}


def leave_alone(raw: bytes, user_addresses: Sequence[str]) -> str | None:
    """Why a new message gets no draft (``None``: it is addressed to the user and asks something).

    Left alone: mail from the user, mail not addressed to them (To/Cc), automated and list mail
    (Auto-Submitted, List-Id, Precedence bulk/list/junk) and mail whose own text has no question mark.
    """
    msg = BytesParser(policy=policy.compat32).parsebytes(raw, headersonly=True)
    mine = {a.lower() for a in user_addresses}
    if any(a.lower() in mine for _n, a in _addresses(msg, "From")):
        return "sent by you"
    if not any(a.lower() in mine for _n, a in _addresses(msg, "To", "Cc")):
        return "not addressed to you"
    auto = str(msg.get("Auto-Submitted") or "no").strip().lower()
    if auto != "no" or msg.get("List-Id") or str(msg.get("Precedence") or "").strip().lower() in _BULK_PRECEDENCE:
        return "automated or mailing-list mail"
    thread = thread_context(raw)
    if not thread or not _QUESTION.search(thread[0]):
        return "asks nothing"
    return None


def watch(cfg: DictConfig, s: dict[str, Any]) -> int:
    """Bounded IDLE on INBOX: draft a reply to each new message that asks the user something.

    Only mail that arrives after the start counts; the run ends after ``draft.watch.seconds`` or
    ``draft.watch.max_drafts`` drafts, whichever comes first. Every message left alone is named
    with why on stderr.
    """
    import time

    from panza.write.build import build_writer

    url, o, w = s["url"], s["imap"], s["watch"]
    seconds, max_drafts, poll = float(w.seconds), int(w.max_drafts), float(w.poll_seconds)
    instruction = str(w.instruction)
    writer = build_writer(cfg)  # the model is up before the first message arrives
    made = 0
    with imap.connect(url, verify_tls=o["verify_tls"], timeout=max(o["timeout"], poll + 30)) as client:
        drafts = imap.find_folder(client, "\\Drafts", o["drafts_names"], o["drafts_folder"], url=url)
        info = client.select_folder("INBOX", readonly=True)
        last = int(info.get(b"UIDNEXT", 1)) - 1
        print(f"panza draft: watching INBOX of {url.account} for {seconds:g} s "
              f"(at most {max_drafts} drafts; Ctrl-C stops)", file=sys.stderr, flush=True)
        deadline = time.monotonic() + seconds
        while made < max_drafts and (left := deadline - time.monotonic()) > 0:
            client.idle()
            try:
                client.idle_check(timeout=min(left, poll))
            finally:
                client.idle_done()
            new = sorted(u for u in client.search(["UID", f"{last + 1}:*"]) if u > last)
            for uid in new:
                last = uid
                raw = (client.fetch([uid], ["BODY.PEEK[]"]).get(uid) or {}).get(b"BODY[]")
                if raw is None:
                    continue
                mid = str(BytesParser(policy=policy.compat32).parsebytes(raw, headersonly=True).get("Message-ID")
                          or f"UID {uid}").strip()
                why = leave_alone(raw, s["addresses"])
                if why:
                    print(f"panza draft: left alone: {mid} ({why})", file=sys.stderr, flush=True)
                    continue
                draft = writer.draft(instruction, thread_context(raw))
                reply = build_reply(raw, draft, user_address=s["addresses"][0], user_name=s["name"],
                                    user_addresses=s["addresses"], quote_original=s["quote"])
                saved = imap.append_draft(client, drafts.name, reply.as_bytes(policy=policy.SMTP))
                made += 1
                print(f"=== reply to {mid}\n{draft}\n", flush=True)
                print(f"panza draft: reply to {mid} saved in {drafts.name}{f' as UID {saved}' if saved else ''}"
                      f" of {url.account}; nothing was sent", file=sys.stderr, flush=True)
                if made >= max_drafts:
                    break
    print(f"panza draft: watch ended, {made} draft{'' if made == 1 else 's'} made", file=sys.stderr)
    return 0
