#!/usr/bin/env python3
"""Render Jen Weber's sample mailbox (sent.mbox) and its ground truth (expected.jsonl).

The messages are written by hand in sample/jen/emails_*.py as structured data: what Jen typed,
which client she used, whom she quoted. This script turns that into real MIME (quoting, signatures,
charsets, HTML) the way those clients do, so the ingest/clean stages face realistic mail while the
ground truth comes from the structure, never from parsing the rendered text back.

Stdlib only and deterministic: no clock, no random boundaries, so the committed files can be
rebuilt byte for byte. Usage: python sample/build.py [--out DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import html
import importlib.util
import io
import json
import sys
import textwrap
from datetime import UTC, datetime, timedelta, timezone
from email import policy
from email.generator import BytesGenerator
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
JEN_DIR = HERE / "jen"
DATA_MODULES = ["emails_2023", "emails_2024", "emails_2025"]
POLICY = policy.default.clone(linesep="\n")
REASONS = ("other_sender", "too_short", "forward", "duplicate", "empty")
MIN_WORDS = 10

EN_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
EN_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
DE_DAYS = ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"]
DE_DAYS_ABBR = ["Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.", "So."]
DE_MONTHS = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
]
DE_MONTHS_ABBR = [
    "Jan.",
    "Feb.",
    "März",
    "Apr.",
    "Mai",
    "Juni",
    "Juli",
    "Aug.",
    "Sept.",
    "Okt.",
    "Nov.",
    "Dez.",
]
FR_DAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
FR_DAYS_ABBR = ["lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."]
FR_MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
FR_MONTHS_ABBR = [
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
]
ES_DAYS_ABBR = ["lun", "mar", "mié", "jue", "vie", "sáb", "dom"]
ES_MONTHS_ABBR = ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic"]

SIGNATURES = {
    "studio": "Jen Weber\nLandschaftsarchitektin AKH · Weber Landscapes\nGroße Elbstraße 145, 22767 Hamburg\n"
    "+49 40 3861 2290 · www.weber-landscapes.example",
    "office": "Jen Weber\nFreiraumplanung (freie Mitarbeit)\nHafenCity Planungsbüro · Am Sandtorkai 41 · "
    "20457 Hamburg\nTel. +49 40 4288 1370 · JWeber@hafencity-planung.example",
    "short": "Jen Weber · Weber Landscapes · +49 170 5523 918",
}
LEGAL = (
    "Diese E-Mail enthält vertrauliche Informationen. Wenn Sie nicht der richtige Adressat sind, "
    "informieren Sie bitte sofort den Absender und vernichten Sie diese E-Mail.\nThis e-mail may "
    "contain confidential information. If you are not the intended recipient, please notify the "
    "sender immediately and delete this e-mail."
)
MOBILE_FOOTERS = {
    ("iphone", "en"): "Sent from my iPhone",
    ("iphone", "de"): "Von meinem iPhone gesendet",
    ("iphone", "fr"): "Envoyé de mon iPhone",
    ("iphone", "es"): "Enviado desde mi iPhone",
    ("android", "en"): "Sent from my Android phone",
    ("android", "de"): "Von meinem Android-Telefon gesendet",
    ("outlook_mobile", "en"): "Get Outlook for Android",
    ("outlook_mobile", "de"): "Outlook für Android herunterladen",
}
MAILERS = {
    "apple": ("X-Mailer", "Apple Mail (2.3731.700.6)"),
    "iphone": ("X-Mailer", "iPhone Mail (21D61)"),
    "outlook": ("X-Mailer", "Microsoft Outlook 16.0"),
    "outlook_orig": ("X-Mailer", "Microsoft Office Outlook 12.0"),
    "thunderbird": (
        "User-Agent",
        "Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Thunderbird/115.6.0",
    ),
}
DEFAULT_CTE = {
    "gmail": "quoted-printable",
    "apple": "quoted-printable",
    "iphone": "quoted-printable",
    "android": "base64",
    "outlook": "quoted-printable",
    "outlook_orig": "quoted-printable",
    "owa": "base64",
    "outlook_mobile": "base64",
    "thunderbird": "8bit",
}
OUTLOOKS = ("outlook", "outlook_orig", "owa", "outlook_mobile")

# Tiny but valid attachment bodies, spelled out so the bytes never depend on a library version.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>"
    b"endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\nxref\n0 4\n"
    b"0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n0000000101 00000 n \n"
    b"trailer<</Size 4/Root 1 0 R>>\nstartxref\n165\n%%EOF\n"
)
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cfc0f01f0005000201a5f5a4c60000000049454e44ae426082"
)
ATTACHMENTS = {
    "pdf": ("application", "pdf", PDF),
    "png": ("image", "png", PNG),
    "empty": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet", b""),
}


# ---------------------------------------------------------------- time and date formats
def hamburg(local: str, seconds: int) -> datetime:
    """Local Hamburg wall time with the right CET/CEST offset (EU rule, no tz database needed)."""
    naive = datetime.strptime(local, "%Y-%m-%d %H:%M").replace(second=seconds)

    def last_sunday(month: int) -> datetime:
        d = datetime(naive.year, month, 31 if month in (3, 10) else 30)
        return d - timedelta(days=(d.weekday() + 1) % 7)

    start = last_sunday(3).replace(hour=2)
    end = last_sunday(10).replace(hour=3)
    offset = 2 if start <= naive < end else 1
    return naive.replace(tzinfo=timezone(timedelta(hours=offset)))


def _h12(d: datetime) -> str:
    return f"{(d.hour % 12) or 12}:{d.minute:02d} {'AM' if d.hour < 12 else 'PM'}"


def gmail_attr(who: Any, d: datetime, lang: str) -> str:
    """Gmail (web) attribution line in the writer's UI language."""
    w, m = d.weekday(), d.month - 1
    if lang == "de":
        return f"Am {DE_DAYS_ABBR[w]}, {d.day}. {DE_MONTHS_ABBR[m]} {d.year} um {d:%H:%M} Uhr schrieb {who}:"
    if lang == "fr":
        return f"Le {FR_DAYS_ABBR[w]} {d.day} {FR_MONTHS_ABBR[m]} {d.year} à {d:%H:%M}, {who} a écrit :"
    if lang == "es":
        return (
            f"El {ES_DAYS_ABBR[w]}, {d.day} {ES_MONTHS_ABBR[m]} {d.year} a las {d:%H:%M}, "
            f"{who.name} (<{who.addr}>) escribió:"
        )
    return f"On {EN_DAYS[w][:3]}, {EN_MONTHS[m][:3]} {d.day}, {d.year} at {_h12(d)} {who} wrote:"


def apple_attr(who: Any, d: datetime, lang: str) -> str:
    m = d.month - 1
    if lang == "de":
        return f"Am {d:%d.%m.%Y} um {d:%H:%M} schrieb {who}:"
    if lang == "fr":
        return f"Le {d.day} {FR_MONTHS_ABBR[m]} {d.year} à {d:%H:%M}, {who} a écrit :"
    if lang == "es":
        return f"El {d.day} {ES_MONTHS_ABBR[m]} {d.year}, a las {d:%H:%M}, {who} escribió:"
    return f"On {d.day} {EN_MONTHS[m][:3]} {d.year}, at {d:%H:%M}, {who} wrote:"


def thunderbird_attr(who: Any, d: datetime, lang: str) -> str:
    if lang == "de":
        return f"Am {d:%d.%m.%y} um {d:%H:%M} schrieb {who.name}:"
    return f"On {d:%d/%m/%Y} {d:%H:%M}, {who.name} wrote:"


def android_attr(who: Any, d: datetime, lang: str) -> str:
    w, m = d.weekday(), d.month - 1
    if lang == "de":
        return f"{who.name} <{who.addr}> schrieb am {DE_DAYS_ABBR[w]}, {d.day}. {DE_MONTHS_ABBR[m]} {d.year}, {d:%H:%M}:"
    return (
        f"On {EN_DAYS[w][:3]}, {d.day} {EN_MONTHS[m][:3]} {d.year}, {d:%H:%M} {who.name}, <{who.addr}> wrote:"
    )


def outlook_date(d: datetime, lang: str, style: str) -> str:
    w, m = d.weekday(), d.month - 1
    if lang == "de":
        return f"{DE_DAYS[w]}, {d.day}. {DE_MONTHS[m]} {d.year} {d:%H:%M}"
    if lang == "fr":
        return f"{FR_DAYS[w]} {d.day} {FR_MONTHS[m]} {d.year} {d:%H:%M}"
    if style == "owa":
        return f"{EN_DAYS[w]}, {d.day} {EN_MONTHS[m]} {d.year} {d:%H:%M}"
    if style == "outlook_orig":
        return f"{EN_DAYS[w]}, {EN_MONTHS[m]} {d.day:02d}, {d.year} {_h12(d)}"
    if style == "outlook_mobile":
        return f"{EN_DAYS[w]}, {EN_MONTHS[m]} {d.day}, {d.year} {(d.hour % 12) or 12}:{d:%M:%S} {'AM' if d.hour < 12 else 'PM'}"
    return f"{EN_DAYS[w]}, {EN_MONTHS[m]} {d.day}, {d.year} {_h12(d)}"


# ---------------------------------------------------------------- text helpers
def norm(text: str) -> str:
    """Ground-truth normal form: no trailing spaces, single blank lines between paragraphs."""
    out: list[str] = []
    for line in text.strip("\n").split("\n"):
        line = line.rstrip()
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip("\n")


def wrap(text: str, width: int = 72) -> str:
    """Hard-wrap like Thunderbird's plain-text composer."""
    lines = []
    for line in text.split("\n"):
        if len(line) <= width:
            lines.append(line)
        else:
            lines.extend(textwrap.wrap(line, width, break_long_words=False, break_on_hyphens=False))
    return "\n".join(lines)


def prefix(text: str) -> str:
    return "\n".join(
        (">" + ln if ln.startswith(">") else "> " + ln) if ln else ">" for ln in text.split("\n")
    )


def subject_base(subject: str) -> str:
    s = subject
    while True:
        for p in ("Re: ", "RE: ", "AW: ", "Aw: ", "Fwd: ", "FW: ", "WG: ", "TR: ", "RE : ", "Réf : "):
            if s.startswith(p):
                s = s[len(p) :]
                break
        else:
            return s


# ---------------------------------------------------------------- message model
class Msg:
    """One data record plus everything derived from it (addresses, dates, ids, expected fields)."""

    def __init__(self, spec: dict[str, Any], cast: Any) -> None:
        self.s = spec
        self.cast = cast
        self.key: str = spec["key"]
        h = hashlib.sha256(spec.get("hash_key", self.key).encode()).hexdigest()
        self.hash = h
        self.sender = spec.get("sender") or cast.ACCOUNTS[spec.get("acct", "main")]
        self.is_jen = "sender" not in spec
        self.lang: str = spec.get("lang", "en")
        self.client: str = spec.get("client", "gmail")
        default_alang = "de" if self.client in OUTLOOKS and spec.get("acct") == "office" else self.lang
        self.alang: str = spec.get("alang", default_alang)
        self.date = hamburg(spec["date"], int(h[:4], 16) % 60) if spec["date"] else None
        self.quotes: list[dict[str, Any]] = spec.get("quotes", [])
        self.fwd: dict[str, Any] | None = spec.get("fwd")
        self.text: str = spec.get("text", "")
        self.post: str = spec.get("post", "top")
        if self.post == "inline":
            self.quotes = [
                {**spec["quotes"][0], "text": "\n\n".join(t for k, t in spec["parts"] if k == "q")},
                *spec["quotes"][1:],
            ]
        self.to = _list(spec.get("to"))
        self.cc = _list(spec.get("cc"))

    def mid(self) -> str:
        if "mid" in self.s:
            return self.s["mid"]
        domain = self.sender.addr.split("@")[1].lower()
        stamp = f"{self.date:%Y%m%d%H%M%S}" if self.date else "0"
        if self.client in OUTLOOKS:
            return f"<{self.hash[:8].upper()}{self.hash[8:12].upper()}.{stamp}@{domain}>"
        return f"<{stamp}.{self.hash[:16]}@{domain}>"

    def quote_mid(self, q: dict[str, Any]) -> str:
        h = hashlib.sha256(f"{q['who'].addr}|{q['date']}".encode()).hexdigest()
        return f"<{h[:20]}@{q['who'].addr.split('@')[1].lower()}>"

    def signature(self) -> str | None:
        sig = self.s.get("sig", "auto")
        if sig == "auto":
            if not self.is_jen or self.client in ("iphone", "android", "outlook_mobile"):
                return None
            sig = {"main": None, "studio": "studio", "office": "office"}[self.s.get("acct", "main")]
        if sig is None:
            return None
        if sig == "office_legal":
            return SIGNATURES["office"] + "\n\n" + LEGAL
        return SIGNATURES[sig]

    def footer(self) -> str | None:
        if "footer" in self.s:
            return self.s["footer"]
        return MOBILE_FOOTERS.get((self.client, self.alang)) or MOBILE_FOOTERS.get((self.client, "en"))

    def me_text(self) -> str:
        text = self.text.strip("\n")
        return wrap(text) if self.client == "thunderbird" else text

    # ---------- expected record
    def expected_email(self) -> str:
        if self.post == "inline":
            mine = [t for k, t in self.s["parts"] if k == "me"]
            return norm("\n\n".join(norm(t) for t in mine))
        return norm(self.me_text())

    def thread(self) -> list[str]:
        items = [self.fwd] if self.fwd else self.quotes
        return [norm(q["text"]) for q in items]

    def reason(self, seen_bodies: set[tuple[str, str]]) -> str | None:
        email = self.expected_email()
        if not self.is_jen:
            return "other_sender"
        if self.fwd and not email:
            return "forward"
        if not email:
            return "empty"
        if len(email.split()) < MIN_WORDS:
            return "too_short"
        if self.s.get("dup") and self.s.get("hash_key"):  # a copy (same Message-ID); a re-send is kept
            return "duplicate"
        return None


def _list(v: Any) -> list[Any]:
    if v is None:
        return []
    return list(v) if isinstance(v, list) else [v]


# ---------------------------------------------------------------- plain-text rendering
def quote_block(m: Msg, quotes: list[dict[str, Any]], me: Any, subject: str) -> str:
    """Render quotes (most recent first) the way m.client does, nesting older ones inside."""
    if not quotes:
        return ""
    q, rest = quotes[0], quotes[1:]
    d = hamburg(q["date"], 0)
    c, lang = m.client, m.alang
    if c in OUTLOOKS:
        head = outlook_head(m, q, d, me, subject, reply=bool(rest) or q.get("subject") is not None)
        body = q["text"].strip("\n")
        tail = quote_block(m, rest, q["who"], subject)
        return head + "\n\n" + body + ("\n\n" + tail if tail else "")
    inner = q["text"].strip("\n")
    tail = quote_block(m, rest, q["who"], subject)
    if tail:
        inner += "\n\n" + tail
    if c in ("apple", "iphone"):
        lead = "\ufeff" if c == "iphone" else ""
        return prefix(apple_attr(q["who"], d, lang) + "\n\n" + lead + inner)
    attr = {"gmail": gmail_attr, "thunderbird": thunderbird_attr, "android": android_attr}[c](
        q["who"], d, lang
    )
    return attr + "\n" + prefix(inner)


def outlook_head(m: Msg, q: dict[str, Any], d: datetime, me: Any, subject: str, reply: bool) -> str:
    lang, c = m.alang, m.client
    to = q.get("to") or me
    base = q.get("subject") or subject_base(subject)
    subj = base if not reply or q.get("subject") else {"de": "AW: ", "fr": "RE : "}.get(lang, "RE: ") + base
    labels = {"de": ("Von", "Gesendet", "An", "Betreff"), "fr": ("De ", "Envoyé ", "À ", "Objet ")}.get(
        lang, ("From", "Sent", "To", "Subject")
    )
    who = (
        f"{q['who'].name} [mailto:{q['who'].addr}]" if c == "outlook_orig" and lang == "en" else str(q["who"])
    )
    to_s = to.name if c == "outlook_orig" else str(to)
    lines = [
        f"{labels[0]}: {who}",
        f"{labels[1]}: {outlook_date(d, lang, c)}",
        f"{labels[2]}: {to_s}",
        f"{labels[3]}: {subj}",
    ]
    if c == "outlook_orig":
        lines.insert(0, "-----Ursprüngliche Nachricht-----" if lang == "de" else "-----Original Message-----")
    elif c in ("owa", "outlook_mobile"):
        lines.insert(0, "_" * 32)
    return "\n".join(lines)


def forward_block(m: Msg) -> str:
    f = m.fwd
    assert f is not None
    d = hamburg(f["date"], 33)
    lang, c = m.alang, m.client
    to = f.get("to") or m.sender
    body = f["text"].strip("\n")
    if c in OUTLOOKS:
        return outlook_head(m, f, d, to, f["subject"], reply=False) + "\n\n" + body
    if c in ("apple", "iphone"):
        summer = d.utcoffset() == timedelta(hours=2)
        if lang == "de":
            head = (
                f"Anfang der weitergeleiteten Nachricht:\n\nVon: {f['who']}\nBetreff: {f['subject']}\n"
                f"Datum: {d.day}. {DE_MONTHS[d.month - 1]} {d.year} um {d:%H:%M:%S} {'MESZ' if summer else 'MEZ'}\nAn: {to}"
            )
        else:
            head = (
                f"Begin forwarded message:\n\nFrom: {f['who']}\nSubject: {f['subject']}\n"
                f"Date: {d.day} {EN_MONTHS[d.month - 1]} {d.year} at {d:%H:%M:%S} {'CEST' if summer else 'CET'}\nTo: {to}"
            )
        return head + "\n\n" + body
    if c == "thunderbird":
        lab = (
            ("Betreff", "Datum", "Von", "An", "Weitergeleitete Nachricht")
            if lang == "de"
            else ("Subject", "Date", "From", "To", "Forwarded Message")
        )
        head = (
            f"-------- {lab[4]} --------\n{lab[0]}: \t{f['subject']}\n{lab[1]}: \t{format_datetime(d)}\n"
            f"{lab[2]}: \t{f['who']}\n{lab[3]}: \t{to}"
        )
        return head + "\n\n\n" + body
    w, mo = d.weekday(), d.month - 1
    when = f"{DE_DAYS_ABBR[w]}, {d.day}. {DE_MONTHS_ABBR[mo]} {d.year} um {d:%H:%M} Uhr"
    if lang == "de":
        head = (
            f"---------- Weitergeleitete Nachricht ---------\nVon: {f['who']}\nDate: {when}\n"
            f"Subject: {f['subject']}\nTo: {to}"
        )
    else:
        head = (
            f"---------- Forwarded message ---------\nFrom: {f['who']}\n"
            f"Date: {EN_DAYS[d.weekday()][:3]}, {EN_MONTHS[d.month - 1][:3]} {d.day}, {d.year} at {_h12(d)}\n"
            f"Subject: {f['subject']}\nTo: {to}"
        )
    return head + "\n\n" + body


def plain_body(m: Msg) -> str:
    sig = m.signature()
    footer = m.footer()
    sig_block = ("-- \n" + sig) if sig else ""
    if m.post == "inline":
        q = m.quotes[0]
        d = hamburg(q["date"], 0)
        attr = {"gmail": gmail_attr, "thunderbird": thunderbird_attr}[m.client](q["who"], d, m.alang)
        chunks = [attr]
        for kind, t in m.s["parts"]:
            chunks.append(prefix(t.strip("\n")) if kind == "q" else t.strip("\n"))
        # Jen's greeting sits above the attribution, as people do when answering inline.
        first = chunks.pop(1) if m.s["parts"][0][0] == "me" else None
        out = ([first] if first else []) + chunks
        return "\n\n".join([*out, *([sig_block] if sig_block else [])]) + "\n"
    mine = m.me_text()
    pieces = [mine] if mine else []
    if footer:
        pieces.append(footer)
    if sig_block:
        pieces.append(sig_block)
    quoted = forward_block(m) if m.fwd else quote_block(m, m.quotes, m.sender, m.s.get("subject", ""))
    if m.post == "bottom":
        return "\n\n".join([quoted, *pieces]) + "\n"
    if not quoted:
        return "\n\n".join(pieces) + "\n"
    sep = "\n\n\n" if m.client in OUTLOOKS else "\n\n"
    return "\n\n".join(pieces) + sep + quoted + "\n" if pieces else quoted + "\n"


# ---------------------------------------------------------------- HTML rendering
def _esc(text: str) -> str:
    """Escape like mail composers do: markup characters only, apostrophes and quotes stay."""
    return html.escape(text, quote=False)


def html_paras(text: str) -> str:
    paras = [p for p in text.strip("\n").split("\n\n") if p.strip()]
    return "<div><br></div>\n".join(
        "<div>" + "<br>\n".join(_esc(ln) for ln in p.split("\n")) + "</div>\n" for p in paras
    )


def html_body(m: Msg) -> str:
    c = m.client
    sig = m.signature()
    parts = [html_paras(m.me_text())] if m.me_text() else ["<div><br></div>\n"]
    footer = m.footer()
    if footer:
        parts.append(f"<div><br></div>\n<div>{_esc(footer)}</div>\n")
    if sig:
        sig_html = "<br>".join(_esc(ln) for ln in sig.split("\n"))
        if c == "gmail":
            parts.append(
                '<br clear="all"><div><br></div><span class="gmail_signature_prefix">-- </span><br>'
                f'<div dir="ltr" class="gmail_signature">{sig_html}</div>\n'
            )
        elif c in OUTLOOKS:
            parts.append(f'<div id="Signature"><p style="font-size:9pt">-- <br>{sig_html}</p></div>\n')
        else:
            parts.append(f"<div><br></div><div>-- <br>{sig_html}</div>\n")
    parts.append(html_quotes(m, m.quotes, m.sender, m.s.get("subject", "")))
    inner = "".join(parts)
    if c == "gmail":
        return f'<div dir="ltr">\n{inner}</div>\n'
    if c in OUTLOOKS:
        return (
            '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
            '<style type="text/css">p {margin-top:0;margin-bottom:0;}</style></head>\n'
            f'<body dir="ltr"><div style="font-family:Calibri,Arial,sans-serif;font-size:11pt">\n{inner}'
            "</div></body></html>\n"
        )
    return (
        '<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8"></head>'
        f'<body style="overflow-wrap: break-word;" dir="auto">\n{inner}</body></html>\n'
    )


def html_quotes(m: Msg, quotes: list[dict[str, Any]], me: Any, subject: str) -> str:
    if not quotes:
        return ""
    q, rest = quotes[0], quotes[1:]
    d = hamburg(q["date"], 0)
    body = html_paras(q["text"]) + html_quotes(m, rest, q["who"], subject)
    c = m.client
    if c == "gmail":
        attr = _esc(gmail_attr(q["who"], d, m.alang))
        return (
            '<br><div class="gmail_quote gmail_quote_container"><div dir="ltr" class="gmail_attr">'
            f'{attr}<br></div><blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;'
            f'border-left:1px solid rgb(204,204,204);padding-left:1ex">\n{body}</blockquote></div>\n'
        )
    if c in OUTLOOKS:
        head = outlook_head(m, q, d, me, subject, reply=bool(rest)).split("\n")
        head = [h for h in head if not h.startswith(("___", "-----"))]
        rows = "<br>\n".join("<b>{}:</b>{}".format(*map(html.escape, h.split(":", 1))) for h in head)
        return (
            '<div id="appendonsend"></div><hr style="display:inline-block;width:98%" tabindex="-1">\n'
            f'<div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" style="font-size:11pt">'
            f"{rows}</font><div>&nbsp;</div></div>\n<div>\n{body}</div>\n"
        )
    attr = _esc(apple_attr(q["who"], d, m.alang))
    return (
        f'<div dir="ltr"><br><blockquote type="cite">{attr}<br><br></blockquote></div>\n'
        f'<blockquote type="cite"><div dir="ltr">\n{body}</div></blockquote>\n'
    )


# ---------------------------------------------------------------- MIME
def render(m: Msg) -> EmailMessage:
    s = m.s
    msg = EmailMessage(policy=POLICY)
    msg["From"] = s.get("from_hdr") or m.sender.hdr()
    if m.to:
        msg["To"] = ", ".join(p.hdr() for p in m.to)
    if m.cc:
        msg["Cc"] = ", ".join(p.hdr() for p in m.cc)
    msg["Subject"] = s.get("subject", "")
    if m.date:
        msg["Date"] = format_datetime(m.date)
    msg["Message-ID"] = m.mid()
    if m.quotes and not m.fwd and not s.get("no_refs"):
        ids = [m.quote_mid(q) for q in reversed(m.quotes)]
        msg["In-Reply-To"] = ids[-1]
        msg["References"] = " ".join(ids)
    if m.client in MAILERS:
        msg[MAILERS[m.client][0]] = MAILERS[m.client][1]
    if m.client in OUTLOOKS:
        msg["Content-Language"] = {"de": "de-DE", "fr": "fr-FR"}.get(m.lang, "en-US")
    msg["MIME-Version"] = "1.0"
    charset = s.get("charset", "utf-8")
    cte = s.get("cte") or DEFAULT_CTE[m.client]
    mode = s.get("html")
    if mode == "only":
        msg.set_content(html_body(m), subtype="html", charset=charset, cte=cte)
    else:
        msg.set_content(plain_body(m), charset=charset, cte=cte)
        if mode == "alt":
            msg.add_alternative(html_body(m), subtype="html", charset=charset, cte=cte)
    for name, kind in s.get("attach", []):
        maintype, subtype, data = ATTACHMENTS[kind]
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    for i, part in enumerate(p for p in msg.walk() if p.is_multipart()):
        style = "Apple-Mail=_" if m.client in ("apple", "iphone") else "000000000000"
        part.set_boundary(f"{style}{m.hash[i * 8 : i * 8 + 24]}")
    return msg


def mbox_entry(m: Msg, msg: EmailMessage) -> bytes:
    buf = io.BytesIO()
    BytesGenerator(buf, mangle_from_=True, policy=POLICY).flatten(msg)
    raw = buf.getvalue()
    for old, new in m.s.get("raw_fix", []):
        assert old.encode() in raw, (m.key, old)
        raw = raw.replace(old.encode(), new.encode(), 1)
    when = (m.date or hamburg(m.s["sort_date"], 0)).astimezone(UTC)
    from_line = (
        f"From {m.sender.addr} {EN_DAYS[when.weekday()][:3]} {EN_MONTHS[when.month - 1][:3]} "
        f"{when.day:2d} {when:%H:%M:%S} {when.year}\n"
    )
    return from_line.encode() + raw.rstrip(b"\n") + b"\n\n"


def load_specs() -> tuple[list[dict[str, Any]], Any]:
    """Import the hand-written data modules from sample/jen (they are not a package)."""
    sys.path.insert(0, str(JEN_DIR))
    try:
        mods = {}
        for name in ["cast", *DATA_MODULES]:
            spec = importlib.util.spec_from_file_location(f"_panza_sample_{name}", JEN_DIR / f"{name}.py")
            assert spec and spec.loader
            mod = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(mod)
            mods[name] = mod
    finally:
        sys.path.remove(str(JEN_DIR))
        sys.modules.pop("cast", None)  # the data files' `from cast import *`; keep the name free
    specs = [e for name in DATA_MODULES for e in mods[name].EMAILS]
    by_key = {}
    out = []
    for e in specs:
        assert e["key"] not in by_key, f"duplicate key {e['key']}"
        if "dup_of" in e:
            base = dict(by_key[e["dup_of"]])
            base.update({k: v for k, v in e.items() if k != "dup_of" and v is not None})
            base["dup"] = True
            if e.get("exact"):  # same Message-ID, same bytes: the export contains it twice
                base["hash_key"] = e["dup_of"]
            e = base
        by_key[e["key"]] = e
        out.append(e)
    out.sort(key=lambda e: e["date"] or e["sort_date"])
    return out, mods["cast"]


def build(out_dir: Path) -> tuple[int, dict[str, int]]:
    specs, cast = load_specs()
    out_dir.mkdir(parents=True, exist_ok=True)
    mbox = bytearray()
    records = []
    seen: set[tuple[str, str]] = set()
    counts: dict[str, int] = {"kept": 0, **dict.fromkeys(REASONS, 0)}
    for spec in specs:
        m = Msg(spec, cast)
        msg = render(m)
        mbox += mbox_entry(m, msg)
        reason = m.reason(seen)
        counts[reason or "kept"] += 1
        records.append(
            {
                "message_id": m.mid(),
                "kept": reason is None,
                "reason": reason,
                "email": m.expected_email(),
                "thread_count": len(m.thread()),
                "thread": m.thread(),
                "from": m.sender.addr,
                "subject": spec.get("subject"),
                "date": m.date.isoformat() if m.date else None,
                "to": [p.addr for p in m.to],
                "language": m.lang,
                "key": m.key,
            }
        )
    (out_dir / "sent.mbox").write_bytes(bytes(mbox))
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    (out_dir / "expected.jsonl").write_text(lines, encoding="utf-8")
    return len(records), counts


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=JEN_DIR, help="folder for sent.mbox and expected.jsonl")
    args = ap.parse_args()
    n, counts = build(args.out)
    print(f"{n} messages -> {args.out / 'sent.mbox'}; " + ", ".join(f"{k}={v}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
