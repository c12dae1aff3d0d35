"""Generate a realistic sent-mail mbox of N messages, deterministically (same N and seed, same bytes).

Mostly the user's own mail, written from several clients the way they really format it: Gmail
(plain + HTML alternative, ``gmail_quote``), Outlook (HTML only, ``divRplyFwdMsg``), Apple Mail
(quoted-printable, ``> `` quotes), Thunderbird (8bit, format=flowed), phones (base64, footer);
in English, German, French, Spanish, Italian and Japanese; with forwards, attachments (also
zero-byte), latin-1 mail, missing headers, duplicates, ``From `` body lines and mail from other
senders. Built from string templates rather than ``email.generator`` so 100,000 messages take
seconds. Usage: ``python bench/mailgen.py N OUT.mbox [--seed S] [--short]``.

``--short`` (``generate_short``) writes the other mailbox the extraction benchmark uses: N short plain-text
sent emails, the real emails of ../shared/data/panza-david.jsonl (166 of them, cycled), each with its own
recipient, date and Message-ID, as a plain 7bit/8bit text/plain message.
"""

from __future__ import annotations

import argparse
import base64
import json
import quopri
import random
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

USER_NAME = "Alex Example"
USER = "alex@example.com"
ALIAS = "a.example@work.example"

SENTENCES = {
    "en": [
        "Thanks for sending the revised plan over this morning.",
        "I had a look at the numbers and they mostly make sense to me.",
        "Could we move the review to Thursday afternoon instead?",
        "The client asked whether the second phase can start in March.",
        "I think we should keep the budget as it is for now.",
        "Let me know if you need anything else from my side before Friday.",
        "From what I can tell, the supplier has not confirmed the delivery date yet.",
        "We discussed this briefly in the meeting but did not reach a decision.",
        "Please find my comments on the draft below, mostly small wording changes.",
        "I will be out of the office next week, so Maria will cover for me.",
        "It would help to have the final drawings before we send the quote.",
        "The invoice from last month is still open, could you check with accounting?",
    ],
    "de": [
        "Vielen Dank für die schnelle Rückmeldung zu den Plänen.",
        "Ich habe mir die Unterlagen angesehen und habe noch ein paar Fragen.",
        "Können wir den Termin auf nächsten Dienstag verschieben?",
        "Die Baustelle ist ab Montag wieder zugänglich, sagt der Bauleiter.",
        "Bitte schicken Sie mir die aktualisierte Kostenschätzung bis Freitag.",
        "Wir sollten die Pflanzliste noch einmal mit dem Gärtner abstimmen.",
        "Für die Abnahme brauchen wir die Protokolle der letzten Begehung.",
        "Ich melde mich morgen früh telefonisch bei Ihnen.",
        "Die Genehmigung der Stadt liegt leider noch nicht vor.",
        "Grüße auch an das ganze Team, die Präsentation war sehr gelungen.",
    ],
    "fr": [
        "Merci beaucoup pour votre message et pour les documents joints.",
        "J'ai relu le contrat et je pense que tout est en ordre.",
        "Pourriez-vous me confirmer la date de livraison des matériaux ?",
        "Nous avons prévu une réunion avec le client jeudi prochain.",
        "Je vous envoie le devis corrigé dès que possible.",
        "Les travaux devraient commencer au début du mois de mai.",
        "N'hésitez pas à me rappeler si vous avez des questions.",
        "Il faudrait encore vérifier les dimensions de la terrasse.",
    ],
    "es": [
        "Muchas gracias por enviarme la propuesta tan rápido.",
        "He revisado el presupuesto y creo que podemos aceptarlo.",
        "¿Podríamos hablar mañana por la tarde sobre el proyecto?",
        "El cliente quiere cambiar algunos detalles del jardín.",
        "Te mando los planos actualizados antes del viernes.",
        "La reunión con el ayuntamiento se ha retrasado una semana.",
        "Avísame si necesitas algo más de mi parte.",
    ],
    "it": [
        "Grazie mille per la risposta veloce e per i disegni.",
        "Ho controllato il preventivo e mi sembra corretto.",
        "Possiamo spostare la riunione a giovedì pomeriggio?",
        "Il cliente vorrebbe vedere alcune alternative per il giardino.",
        "Ti mando i documenti aggiornati entro venerdì.",
        "Fammi sapere se hai bisogno di altro da parte mia.",
    ],
    "ja": [
        "ご連絡いただきありがとうございます。",
        "資料を拝見しましたが、いくつか質問があります。",
        "来週の打ち合わせを木曜日に変更できますでしょうか。",
        "見積書を金曜日までにお送りいたします。",
        "現場の確認は月曜日の午前中に予定しています。",
        "引き続きよろしくお願いいたします。",
    ],
}
GREETINGS = {
    "en": ["Hi {n},", "Hello {n},", "Dear {n},"],
    "de": ["Hallo {n},", "Liebe Frau {n},"],
    "fr": ["Bonjour {n},", "Chère {n},"],
    "es": ["Hola {n},"],
    "it": ["Ciao {n},"],
    "ja": ["{n}様"],
}
CLOSINGS = {
    "en": ["Best,\nAlex", "Thanks,\nAlex", "Cheers,\nAlex"],
    "de": ["Viele Grüße\nAlex"],
    "fr": ["Bien cordialement,\nAlex"],
    "es": ["Un saludo,\nAlex"],
    "it": ["A presto,\nAlex"],
    "ja": ["アレックス"],
}
LANG_WEIGHTS = [("en", 55), ("de", 20), ("fr", 8), ("es", 6), ("it", 5), ("ja", 6)]
PEOPLE = [
    ("Maria Lopez", "maria@partner.example"),
    ("Jonas Becker", "jonas.becker@firma.example"),
    ("Claire Martin", "claire@studio.example"),
    ("Kenji Sato", "sato@kaisha.example"),
    ("Luca Rossi", "luca@azienda.example"),
    ("Sam Taylor", "sam.taylor@client.example"),
]
SIGNATURE = "Alex Example\nLandscape Architect · Example Studio\n+49 40 1234 5678"
CLIENTS = [("gmail", 30), ("outlook", 18), ("apple", 14), ("thunderbird", 12), ("phone", 10), ("plain", 16)]


def _pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    return rng.choices([k for k, _ in weighted], [w for _, w in weighted])[0]


def _paragraphs(rng: random.Random, lang: str, n_par: int) -> str:
    sents = SENTENCES[lang]
    joiner = "" if lang == "ja" else " "
    return "\n\n".join(joiner.join(rng.choice(sents) for _ in range(rng.randint(1, 4))) for _ in range(n_par))


DETAILS = {
    "en": "The reference for this one is {a}-{b}, about {c} square metres.",
    "de": "Die Projektnummer ist {a}-{b}, es geht um etwa {c} Quadratmeter.",
    "fr": "La référence du dossier est {a}-{b}, pour environ {c} mètres carrés.",
    "es": "La referencia es {a}-{b}, son unos {c} metros cuadrados.",
    "it": "Il riferimento è {a}-{b}, circa {c} metri quadrati.",
    "ja": "案件番号は{a}-{b}、面積は約{c}平方メートルです。",
}


def _text(rng: random.Random, lang: str, to_name: str, short: bool = False) -> str:
    greet = rng.choice(GREETINGS[lang]).format(n=to_name.split()[0])
    body = rng.choice(SENTENCES[lang]) if short else _paragraphs(rng, lang, rng.randint(1, 4))
    if not short and rng.random() < 0.9:  # real mail is rarely word-for-word the same as another
        body += (" " if lang != "ja" else "") + DETAILS[lang].format(
            a=rng.randint(100, 999), b=rng.randint(1000, 9999), c=rng.randint(20, 5000)
        )
    return f"{greet}\n\n{body}\n\n{rng.choice(CLOSINGS[lang])}"


def _qp(text: str, charset: str = "utf-8") -> bytes:
    return quopri.encodestring(text.encode(charset, "replace"))


def _b64(data: bytes) -> bytes:
    return base64.encodebytes(data)


def _quote(text: str) -> str:
    return "\n".join("> " + ln if ln else ">" for ln in text.split("\n"))


def _html_escape(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _html_paras(text: str) -> str:
    return "<div><br></div>".join(
        "<div>" + "<br>".join(_html_escape(ln) for ln in p.split("\n")) + "</div>" for p in text.split("\n\n")
    )


def _leaf(ctype: str, body: bytes, cte: str, extra: str = "") -> bytes:
    return (f"Content-Type: {ctype}{extra}\nContent-Transfer-Encoding: {cte}\n\n").encode() + body


def _multipart(kind: str, boundary: str, parts: list[bytes]) -> bytes:
    out = [f'Content-Type: multipart/{kind}; boundary="{boundary}"\n\n'.encode()]
    for p in parts:
        out.append(f"--{boundary}\n".encode() + p.rstrip(b"\n") + b"\n")
    out.append(f"--{boundary}--\n".encode())
    return b"".join(out)


def message(rng: random.Random, i: int, start: datetime) -> tuple[bytes, str]:
    """One message: (bytes without the mbox postmark, From address)."""
    date = start + timedelta(minutes=37 * i + rng.randint(0, 30))
    lang = _pick(rng, LANG_WEIGHTS)
    peer_name, peer = rng.choice(PEOPLE)
    other = rng.random() < 0.10
    sender_name, sender = (peer_name, peer) if other else (USER_NAME, USER if rng.random() < 0.8 else ALIAS)
    client = _pick(rng, CLIENTS)
    kind = rng.random()
    short = rng.random() < 0.07
    mine = _text(rng, lang, peer_name if not other else USER_NAME, short=short)
    if kind < 0.05:  # forward, usually with a short note, sometimes without any
        note = "" if rng.random() < 0.4 else "FYI, see below."
        fwd = _text(rng, lang, "Team")
        plain = (f"{note}\n\n" if note else "") + (
            f"---------- Forwarded message ---------\nFrom: {peer_name} <{peer}>\n"
            f"Date: {format_datetime(date - timedelta(days=1))}\nSubject: Plan\nTo: {USER}\n\n{fwd}\n"
        )
        subject = "Fwd: Plan"
        quoted = when = ""
    elif kind < 0.65:  # a reply quoting the previous message
        quoted = _text(rng, lang, USER_NAME)
        when = format_datetime(date - timedelta(hours=rng.randint(1, 48)))
        subject = "Re: " + rng.choice(["Plan", "Budget", "Site visit", "Drawings", "Invoice", "Termin"])
        if client == "apple":
            plain = f"{mine}\n\n> On {when}, {peer_name} <{peer}> wrote:\n>\n{_quote(quoted)}\n"
        else:
            plain = f"{mine}\n\nOn {when}, {peer_name} <{peer}> wrote:\n{_quote(quoted)}\n"
    else:
        quoted = when = ""
        plain = mine + "\n"
        subject = rng.choice(["Plan", "Budget", "Site visit", "Drawings", "Invoice", "Termin", "Offer"])
    if client in ("outlook", "gmail", "plain") and not other and rng.random() < 0.5:
        plain = (
            plain.replace("\n\nOn ", f"\n\n-- \n{SIGNATURE}\n\nOn ", 1)
            if "\nOn " in plain
            else plain.rstrip("\n") + f"\n\n-- \n{SIGNATURE}\n"
        )
    if rng.random() < 0.01:
        plain = plain.replace("\n\n", "\n\nFrom the site visit notes: all fine.\n\n", 1)

    boundary = f"b{i:07d}{rng.randrange(16**8):08x}"
    charset = "iso-8859-1" if lang in ("de", "fr") and rng.random() < 0.25 else "utf-8"
    if client == "gmail":
        html = f'<div dir="ltr">{_html_paras(mine)}'
        if quoted:
            html += (
                '<br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">On '
                f"{_html_escape(when)}, {_html_escape(peer_name)} wrote:<br></div><blockquote "
                f'class="gmail_quote">{_html_paras(quoted)}</blockquote></div>'
            )
        html += "</div>"
        body = _multipart(
            "alternative",
            boundary,
            [
                _leaf("text/plain", _qp(plain, charset), "quoted-printable", f"; charset={charset}"),
                _leaf("text/html", _qp(html), "quoted-printable", "; charset=utf-8"),
            ],
        )
    elif client == "outlook":  # HTML only
        html = (
            '<html><head><style>p {margin:0}</style></head><body><div style="font-family:Calibri">'
            f"{_html_paras(mine)}"
        )
        if quoted:
            html += (
                '<div id="appendonsend"></div><hr><div id="divRplyFwdMsg" dir="ltr"><font>'
                f"<b>From:</b> {_html_escape(peer_name)} &lt;{peer}&gt;<br><b>Sent:</b> {when}<br>"
                f"<b>To:</b> {USER_NAME}<br><b>Subject:</b> {subject[4:]}</font><div>&nbsp;</div></div>"
                f"<div>{_html_paras(quoted)}</div>"
            )
        html += "</div></body></html>"
        body = _leaf("text/html", _b64(html.encode()), "base64", "; charset=utf-8")
    elif client == "thunderbird":  # 8bit, format=flowed with soft breaks
        flowed = "\n".join(_flow(ln) for ln in plain.split("\n"))
        body = _leaf(
            "text/plain", flowed.encode(charset, "replace"), "8bit", f"; charset={charset}; format=flowed"
        )
    elif client == "phone":
        footer = {"de": "Von meinem iPhone gesendet"}.get(lang, "Sent from my iPhone")
        plain = plain.replace("\n\nOn ", f"\n\n{footer}\n\nOn ", 1) if quoted else plain + f"\n{footer}\n"
        body = _leaf("text/plain", _b64(plain.encode("utf-8")), "base64", "; charset=utf-8")
    else:
        body = _leaf("text/plain", _qp(plain, charset), "quoted-printable", f"; charset={charset}")
    r = rng.random()
    if r < 0.08:  # attachment: a binary blob of realistic size, or zero bytes
        size = 0 if rng.random() < 0.15 else rng.randint(2_000, 60_000)
        blob = rng.randbytes(size)
        att = _leaf("application/pdf", _b64(blob), "base64", f'; name="doc{i}.pdf"')
        att = att.replace(
            b"\n\n", f'\nContent-Disposition: attachment; filename="doc{i}.pdf"\n\n'.encode(), 1
        )
        body = _multipart("mixed", boundary + "m", [body, att])
    headers = [
        f"From: {sender_name} <{sender}>",
        f"To: {peer_name if not other else USER_NAME} <{peer if not other else USER}>",
        f"Subject: {subject}",
    ]
    if rng.random() > 0.01:
        headers.append(f"Date: {format_datetime(date)}")
    if rng.random() > 0.01:
        headers.append(f"Message-ID: <{i}.{rng.randrange(16**10):010x}@mailgen.example>")
    headers.append("MIME-Version: 1.0")
    raw = ("\n".join(headers) + "\n").encode() + body
    return raw, sender


def _flow(line: str, width: int = 72) -> str:
    if len(line) <= width or line.startswith(">"):
        return line
    out, cur = [], ""
    for word in line.split(" "):
        if cur and len(cur) + len(word) + 1 > width:
            out.append(cur + " ")
            cur = word
        else:
            cur = f"{cur} {word}" if cur else word
    out.append(cur)
    return "\n".join(out)


def _escape_from(raw: bytes) -> bytes:
    """mboxrd: prefix '>' to every body line matching ^>*From ."""
    if b"\nFrom " not in raw and b"\n>From " not in raw:
        return raw
    lines = raw.split(b"\n")
    return b"\n".join(b">" + ln if ln.lstrip(b">").startswith(b"From ") else ln for ln in lines)


def generate(n: int, out: str | Path, seed: int = 1) -> Path:
    """Write an mbox of ``n`` messages to ``out``; ~1% are exact duplicates of an earlier message."""
    rng = random.Random(seed)
    start = datetime(2021, 3, 1, 8, 0, tzinfo=timezone(timedelta(hours=1)))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    recent: list[tuple[bytes, str]] = []
    with open(out, "wb") as fh:
        for i in range(n):
            if recent and rng.random() < 0.01:
                raw, sender = rng.choice(recent)
            else:
                raw, sender = message(rng, i, start)
                recent = ([*recent, (raw, sender)])[-50:]
            stamp = (start + timedelta(minutes=37 * i)).strftime("%a %b %d %H:%M:%S %Y")
            fh.write(f"From {sender} {stamp}\n".encode() + _escape_from(raw).rstrip(b"\n") + b"\n\n")
    return out


DAVID = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "panza-david.jsonl"
DAVID_ADDR = "david@panza-user.example"


def generate_short(n: int, out: str | Path, source: Path = DAVID) -> Path:
    """Write an mbox of ``n`` short plain-text sent emails built from a real user's emails (``source``)."""
    if not source.is_file():
        raise SystemExit(f"{source} not found: the shared data folder sits beside the checkout")
    recs = [json.loads(x) for x in source.read_text(encoding="utf-8").splitlines() if x.strip()]
    start = datetime(2022, 1, 3, 8, 0, tzinfo=UTC)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "wb") as fh:
        for i in range(n):
            rec = recs[i % len(recs)]
            when = start + timedelta(minutes=41 * i)
            body = rec["email"].replace("\r\n", "\n").strip("\n")
            cte = "7bit" if body.isascii() else "8bit"
            head = (
                f"From: David <{DAVID_ADDR}>\nTo: contact{i % 97}@example.org\n"
                f"Subject: {' '.join((rec.get('subject') or '').split())}\nDate: {format_datetime(when)}\n"
                f"Message-ID: <david-{i:06d}@panza-user.example>\nMIME-Version: 1.0\n"
                f"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: {cte}\n\n"
            )
            raw = (head + body + "\n").encode("utf-8")
            stamp = when.strftime("%a %b %d %H:%M:%S %Y")
            fh.write(f"From {DAVID_ADDR} {stamp}\n".encode() + _escape_from(raw).rstrip(b"\n") + b"\n\n")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("n", type=int)
    ap.add_argument("out", type=Path)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--short", action="store_true", help="short plain-text emails from panza-david.jsonl")
    args = ap.parse_args(argv)
    path = generate_short(args.n, args.out) if args.short else generate(args.n, args.out, args.seed)
    print(f"{args.n} messages -> {path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
