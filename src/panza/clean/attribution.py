"""Detect the lines a mail client writes in front of a quoted message.

Three families, in the major clients' localized wordings:

* attribution lines ("On Mon, Jan 8, 2024 at 10:02 AM Anna <a@b> wrote:", "Am 08.01.2024 um 10:02 schrieb
  Anna:", "Anna <a@b> 于2024年1月8日周一 10:02写道："), possibly wrapped over up to three lines;
* Outlook-style header blocks ("From: … / Sent: … / To: … / Subject: …" and translations, bold variants,
  and the one-line form that HTML conversion sometimes produces);
* separator lines ("-----Original Message-----", Zimbra's "----- Ursprüngliche Mail -----", Horde's
  "----- Nachricht von Anna <a@b> -----" and translations, Outlook's underscore rule).

A line is only an attribution when it *ends* like one (verb + colon, or `<address>:` after a date), so prose
such as "Anna wrote the spec" or "From: the team" never matches.
"""

from __future__ import annotations

import re

# The verb must be the last word before the colon (fullwidth colon for CJK clients). Checked with
# str.endswith on a lower-cased tail: a regex alternation searched at every position is 10x slower.
# fmt: off
_VERBS = (
    "wrote", "writes", "schrieb", "schreibt", "écrit", "escribió", "escribio", "ha escrito", "ha scritto",
    "scrisse", "escreveu", "schreef", "skrev", "skriver", "kirjoitti", "napisał(a)", "napisała", "napisał",
    "napisal", "napsal(a)", "napsala", "napsal", "написал(а)", "написала", "написал", "пишет", "написав",
    "пише", "のメッセージ", "のメール", "写道", "寫道", "작성", "a scris", "yazdı", "írta", "έγραψε",
    "geschreven", "geschrieben", "pisze", "написал(-а)", "написав(-ла)", "書きました", "menulis",
)
# fmt: on
# Languages whose verb precedes the name: "Am 08.01.24 um 10:02 schrieb Lukas Hoffmann:".
_VERBS_MID = (
    " schrieb ",
    " schreef ",
    " skrev ",
    " escribió ",
    " napisał(a) ",
    " написал(а) ",
    " kirjoitti ",
    " napisana przez ",
    " het volgende geschreven",
)  # fmt: skip


def _verb_at_end(text: str) -> bool:
    tail = text[-24:].lower()[:-1].rstrip()
    if tail.endswith(_VERBS):
        return True
    return "  " in tail and " ".join(tail.split()).endswith(_VERBS)


# Clients without a verb (Gmail ja/ru/…): "<date> …, Anna <a@b>:" — the address bracket closes the line.
_ADDR_END = re.compile(r"[>)）]\s*[:：]$")
_DIGIT = re.compile(r"\d")
_EMAIL = re.compile(r"[\w.+-]+(?:@| at )[\w-]+(?:\.[\w-]+)+")
_DATE = re.compile(r"\d{1,2}[:.]\d{2}|\b(?:19|20)\d{2}\b|\d{4}\s*[年년/.-]|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}")
_OPENER = re.compile(
    r"^(?:On|At|Am|Le|El|Il|Em|Op|Den|På|W\s+dniu|Dne|В|У|Excerpts\s+from|Quoting|Zitat\s+von)\b",
    re.IGNORECASE,
)
# sup/notmuch: "Excerpts from Anna's message of Thu Nov 26 09:17:15 +0100 2009:"; "Quoting Anna (2024-01-08):".
_MESSAGE_OF = re.compile(r"(?:'s\s+message\s+of|^quoting\s|^zitat\s+von\s)", re.IGNORECASE)
_WEAK_STOP = re.compile(r"\b(?:what|here|below|above|as|you|i|we|he|she|they|this|that)\b", re.IGNORECASE)


def _has_date(text: str) -> bool:
    return _DIGIT.search(text) is not None and _DATE.search(text) is not None


def _has_email(text: str) -> bool:
    return ("@" in text or " at " in text) and _EMAIL.search(text) is not None


def attribution_strength(text: str) -> int:
    """0: not an attribution, 1: weak (name + verb only), 2: strong (verb or address plus a date)."""
    if len(text) > 400 or not text.endswith((":", "：")):
        return 0
    # The verb sits right before the colon: search only the tail (full-string search is 10x slower).
    if _verb_at_end(text):
        has_date = _has_date(text)
        if has_date or _has_email(text):
            return 2
        # "Anna Schmidt wrote:" — short, and not a prose sentence that happens to end in "wrote:".
        if len(text) <= 80 and not _WEAK_STOP.search(text):
            return 1
        return 0
    if not _has_date(text):
        return 0
    if _ADDR_END.search(text[-4:]) and _has_email(text):
        return 2
    low = text.lower()
    if any(v in low for v in _VERBS_MID):
        return 2
    if _has_email(text) or _MESSAGE_OF.search(low):
        return 1  # only trusted right above a `>` block
    return 0


def _continues(cur: str, prev: str) -> bool:
    """Whether `cur` is the wrapped continuation of an attribution that starts on `prev`."""
    if prev.endswith(("<", "(", '"', ",", "[")):
        return True
    if _DATE.search(cur):
        return False
    if prev.endswith((".", "!", "?")) and _OPENER.match(prev) is None:
        return False  # "…a couple of weeks away.\nanna@x.org wrote:": a sentence, then the attribution
    c = cur[0]
    if c in '<(["' or c.islower() or _EMAIL.match(cur):
        return True
    # Wrapped inside the name: "On Mon, Jan 8, 2024 at 10:02 AM Anna\nSchmidt <a@b> wrote:".
    return (
        (len(prev) >= 40 or _OPENER.match(prev) is not None)
        and _DATE.search(prev) is not None
        and not prev.endswith((".", "!", "?"))
    )


def attribution_start(lines: list[str], end: int) -> tuple[int, int]:
    """If lines[end] closes an attribution, return (first line index, strength); else (-1, 0).

    Gmail and others wrap long attributions ("… Anna Schmidt <\\nanna@example.com> wrote:"), so up to two
    earlier lines are joined when the later line reads as a continuation of the earlier one.
    """
    last = lines[end]
    if not last.endswith((":", "：")):
        return -1, 0
    start = end
    while (
        start > end - 2
        and start > 0
        and lines[start - 1]
        and _continues(lines[start].lstrip(), lines[start - 1])
    ):
        start -= 1
    text = " ".join(x.strip() for x in lines[start : end + 1])
    strength = attribution_strength(text)
    if not strength and start < end:  # the continuation guess was wrong: try the last line alone
        start, strength = end, attribution_strength(last.strip())
    if not strength:
        # Wrapped inside the date ("Anna <a@b> schrieb am So., 23.\nJuni 2024, 21:08:"): only a strong
        # attribution justifies joining lines that do not look like a continuation.
        text = last.strip()
        for k in (1, 2):
            if end - k < 0 or not lines[end - k]:
                break
            text = lines[end - k].strip() + " " + text
            if attribution_strength(text) == 2:
                return end - k, 2
    return (start, strength) if strength else (-1, 0)


# Nabble (mailing-list web archive) quotes with "Anna Schmidt wrote" and no colon above the `>` block.
_BARE_WROTE = re.compile(r"^[^\W\d_][\w.'’\- ]{1,60}\swrote$")


def is_bare_wrote(line: str) -> bool:
    """ "Anna Schmidt wrote" (no colon): an attribution only when it sits right above a `>` block."""
    return line.endswith("wrote") and _BARE_WROTE.match(line.strip()) is not None


# ---------------------------------------------------------------- Outlook-style header blocks
_FROM_KEYS = (
    r"From|Von|De|Da|Van|Från|Fra|Frå|Lähettäjä|Od|От|Від|差出人|送信者|发件人|寄件者|寄件人|보낸\s*사람"
    r"|Feladó|Kimden|Expéditeur|Remetente|Remitente|Mittente|Afzender|Avsändare|Afsender|Avsender"
    r"|Nadawca|Odesílatel|Отправитель|Відправник"
)
_OTHER_KEYS = (
    r"Sent|Date|To|Cc|Bcc|Subject|Reply-To|Importance|Priority|Attachments|Gesendet|Datum|An|Betreff|Kopie|Empfänger"
    r"|Wichtigkeit|Anlagen|Envoyé|À|A|Objet|Cci|Sujet|Pour|Répondre\s+à|Priorité|Pièces\s+jointes"
    r"|Enviado\s+el|Enviad[oa]\s+em|Enviado|Enviada|Fecha|Para|Asunto|Inviato|Data|Oggetto|Assunto|Verzonden|Aan|Onderwerp"
    r"|Skickat|Till|Ämne|Kopia|Sendt|Dato|Til|Emne|Kopi|Lähetetty|Päivämäärä|Vastaanottaja|Aihe|Kopio"
    r"|Wysłano|Wysłane|Do|Temat|DW|Odesláno|Komu|Předmět|Отправлено|Дата|Кому|Тема|Копия|Надіслано"
    r"|Копія|送信日時|日付|宛先|件名|発信日時|发送时间|时间|日期|收件人|抄送|主题|寄件日期|收件者|副本|主旨"
    r"|보낸\s*날짜|받는\s*사람|참조|제목|날짜"
)
_B = r"[*_]{0,2}"
_FROM_LINE = re.compile(rf"^\s{{0,4}}{_B}(?:{_FROM_KEYS}){_B}\s*[:：]{_B}(?:\s|$)", re.IGNORECASE)
_OTHER_LINE = re.compile(rf"^\s{{0,4}}{_B}(?:{_OTHER_KEYS}){_B}\s*[:：]{_B}(?:\s|$)", re.IGNORECASE)
_ANY_KEY_LINE = re.compile(
    rf"^\s{{0,4}}{_B}(?:{_FROM_KEYS}|{_OTHER_KEYS}){_B}\s*[:：]{_B}(?:\s|$)", re.IGNORECASE
)
_INLINE_KEY = re.compile(rf"(?<=\s){_B}(?:{_OTHER_KEYS}){_B}\s*[:：]", re.IGNORECASE)
_SUBJECT_LINE = re.compile(
    rf"^\s{{0,4}}{_B}(?:Subject|Betreff|Objet|Asunto|Oggetto|Assunto|Onderwerp|Ämne|Emne|Aihe|Temat"
    rf"|Předmět|Тема|件名|主题|主旨|제목){_B}\s*[:：]{_B}\s*(.*)$",
    re.IGNORECASE,
)
_FWD_SUBJECT = re.compile(
    r"^(?:fwd?|fw|wg|tr|rv|enc|i|vs|doorst|vb|vl|pd|přep|пересл|пер|fwd：|转发|転送|전달)\s*[:：]",
    re.IGNORECASE,
)


def is_header_key_line(line: str) -> bool:
    """Any `Key: value` line of a quoted message's header block (From/Sent/To/Subject/… localized)."""
    return _key_line(line)


def _key_line(line: str) -> bool:
    return (":" in line[:40] or "：" in line[:40]) and _ANY_KEY_LINE.match(line) is not None


def header_block_end(lines: list[str], start: int) -> int:
    """If an Outlook-style header block starts at `start`, return the index after it; else -1.

    Needs a From-type key followed by at least two other keys (Sent/To/Subject…), blank lines between
    them tolerated (HTML conversion inserts them), so "From: the team" in prose is never a header.
    """
    line = lines[start]
    if not (":" in line[:40] or "：" in line[:40]) or not _FROM_LINE.match(line):
        return -1
    if len(_INLINE_KEY.findall(line)) >= 2:  # "From: A Sent: B To: C Subject: D" on one line
        return start + 1
    n = len(lines)
    others = 0
    i = start + 1
    end = start + 1
    blanks = 0
    wrapped = 0
    while i < n and i <= start + 16:
        cur = lines[i]
        if not cur:
            blanks += 1
            if blanks > 1:
                break
        elif _key_line(cur):
            blanks = wrapped = 0
            others += _OTHER_LINE.match(cur) is not None
            end = i + 1
        elif end == i and wrapped < 2:
            # A wrapped header value right under its key ("From: Human Resources\n<hr@example.com>",
            # "Subject: … duplicate Jira records\ncreated"); clients always leave a blank line before the body.
            wrapped += 1
            end = i + 1
        else:
            break
        i += 1
    return end if others >= 2 else -1


# ---------------------------------------------------------------- Lotus Notes / Domino reply headers
# Notes puts no "From:" key and no "wrote:" above a quoted message: the sender's name and the date sit on
# their own lines (or "Name <addr> on 12/13/2000 01:54:54 PM", or a tab-indented "From:  Name   date"
# under the company name), then To:/cc:/Subject: lines, then the quoted text, unquoted.
_TO_LINE = re.compile(
    r"^\s{0,8}(?:To|An|À|A|Para|Aan|Till|Til|Do|Komu|Кому|宛先|收件人|받는\s*사람)\s*[:：]", re.IGNORECASE
)
_CC_SUBJECT_LINE = re.compile(
    r"^\s{0,8}(?:cc|bcc|Kopie|Cci|Kopia|Kopi|DW|Копия|Subject|Betreff|Objet|Asunto|Oggetto|Assunto|Onderwerp"
    r"|Ämne|Emne|Aihe|Temat|Předmět|Тема|件名|主题|제목)\s*[:：]",
    re.IGNORECASE,
)
_NOTES_DATE = re.compile(
    r"\b\d{1,4}[/.-]\d{1,2}[/.-]\d{2,4}\b|\b\d{1,2}:\d{2}(?::\d{2})?\s*(?:[AP]\.?M\.?)?\s*$", re.IGNORECASE
)
_NOTES_EXTRA = re.compile(r"^\s*(?:Sent\s+by|Please\s+respond\s+to|From)\s*:?\s", re.IGNORECASE)


def _to_block(lines: list[str], i: int) -> bool:
    """lines[i] is "To: …" and a cc:/Subject: line follows (after recipients wrapped over many lines)."""
    n = len(lines)
    for k in range(i + 1, min(n, i + 40)):
        cur = lines[k]
        if not cur:
            if k + 1 < n and lines[k + 1] and _CC_SUBJECT_LINE.match(lines[k + 1]):
                continue  # Notes leaves a blank line before Subject: sometimes
            return False
        if _CC_SUBJECT_LINE.match(cur):
            return True
    return False


def notes_header_at(lines: list[str], i: int) -> int:
    """If a Notes header starts at lines[i] (sender/date lines, To:, cc:, Subject:), the index after it; else -1.

    For the start of a quoted message, so the thread entry begins with its text.
    """
    k = i
    seen = 0
    while k < len(lines) and seen < 7:
        if lines[k]:
            seen += 1
            if _TO_LINE.match(lines[k]):
                if notes_header_start(lines, k) != i and not (k == i and _full_header_run(lines, k)):
                    return -1
                end = k + 1
                for j in range(k + 1, min(len(lines), k + 40)):
                    if not lines[j]:
                        if j + 1 < len(lines) and lines[j + 1] and _CC_SUBJECT_LINE.match(lines[j + 1]):
                            continue
                        break
                    end = j + 1
                return end
        k += 1
    return -1


def _full_header_run(lines: list[str], i: int) -> bool:
    """Four or more distinct header keys on consecutive lines from lines[i], Subject and From or Date among them."""
    keys: set[str] = set()
    for line in lines[i : i + 12]:
        m = _ANY_KEY_LINE.match(line)
        if m is None:
            if not line:
                break
            continue  # a wrapped value
        keys.add(line.split(":", 1)[0].split("：", 1)[0].strip(" *_").lower())
    return len(keys) >= 4 and "subject" in keys and bool(keys & {"from", "date"})


def _preamble_line(line: str) -> bool:
    """A line of the sender/date lines above a Notes header: it carries a date/time or a Notes key."""
    s = line.strip()
    if not s or len(s) > 120 or s.endswith(("?", "!", ":")):
        return False
    return _NOTES_DATE.search(s) is not None or _NOTES_EXTRA.match(s) is not None


def notes_header_start(lines: list[str], i: int) -> int:
    """If a Lotus Notes header whose To: line is lines[i] starts above it, that start; else -1.

    Walks up over the date line, the name line(s) right above it ("Brent A Price\n11/20/2000 12:17 PM",
    "Jean Munoz <j@x>\n04/04/2001 08:51 PM", "Name\nSent by: Name\n04/25/2001"), and Notes' tab-indented
    company/"From:" lines. Needs a dated line right above the To: block, so prose with "To:" never matches.
    """
    if not _TO_LINE.match(lines[i]) or not _to_block(lines, i):
        return -1
    if _full_header_run(lines, i):
        return i  # "To:\ncc:\nDate:\nFrom:\nSubject:": a whole header block, no sender line above it
    j = i
    while j > 0 and not lines[j - 1]:
        j -= 1
    if j == 0 or not _preamble_line(lines[j - 1]):
        return -1
    start = j - 1
    k = start
    taken = 1
    while k > 0 and taken < 6:
        prev = lines[k - 1]
        if prev and (
            _preamble_line(prev)
            or (len(prev.strip()) <= 60 and not prev.rstrip().endswith((".", "?", "!", ":")))
        ):
            # a name line counts only when glued to a dated line below it
            if not _preamble_line(prev) and not _preamble_line(lines[k]):
                break
            k -= 1
            taken += 1
            continue
        if not prev and lines[k][:1] == "\t":
            # tab-indented Notes layout: "\tCompany\n\t\n\tFrom:  Name   date" (tab-only lines are blank here)
            b = k - 1
            while b > 0 and not lines[b - 1] and b > k - 3:
                b -= 1
            if b > 0 and lines[b - 1][:1] == "\t" and len(lines[b - 1].strip()) <= 60:
                k = b - 1
                taken += 1
                continue
        break
    return k


_INLINE_SUBJECT = re.compile(r"(?:Subject|Betreff|Objet|Asunto|Oggetto)\s*:\s*(.*)$", re.IGNORECASE)


def header_subject(lines: list[str], start: int, end: int) -> str | None:
    """The Subject value inside a header block, if present."""
    for line in lines[start:end]:
        m = _SUBJECT_LINE.match(line)
        if m:
            return m.group(1).strip(" *_")
    m = _INLINE_SUBJECT.search(lines[start])
    return m.group(1).strip() if m else None


def subject_is_forward(subject: str | None) -> bool:
    """True for "FW: …", "Fwd: …", "WG: …", "TR: …" and other clients' forward prefixes."""
    return bool(subject) and _FWD_SUBJECT.match(subject) is not None


# ---------------------------------------------------------------- separator lines
_ORIGINAL = (
    r"original\s+message|ursprüngliche\s+nachricht|originalnachricht|message\s+d'origine|message\s+original"
    r"|mensaje\s+original|messaggio\s+originale|mensagem\s+original|oorspronkelijk\s+bericht"
    r"|origineel\s+bericht|originalmeddelande|ursprungligt\s+meddelande|oprindelig\s+meddelelse"
    r"|original\s+meddelelse|oprindelig\s+besked|opprinnelig\s+melding|opprinnelig\s+e-?post|alkuperäinen\s+viesti|wiadomość\s+oryginalna"
    r"|oryginalna\s+wiadomość|původní\s+zpráva|исходное\s+сообщение|оригинальное\s+сообщение"
    r"|вихідне\s+повідомлення|оригінальне\s+повідомлення|元のメッセージ|原始邮件|原始郵件|원본\s*메시지"
    r"|reply\s+message|original\s+e-?mail"
    # Zimbra / Horde / Roundcube web clients: "----- Ursprüngliche Mail -----", "----- Mail original -----".
    r"|ursprüngliche\s+(?:e-?)?mail|(?:e-?)?mail\s+originale?|correo\s+original|originele\s+(?:e-?)?mail"
    r"|元のメール"
)
_ORIGINAL_LINE = re.compile(
    rf"^\s*(?:[-–—_=*]{{2,}}|[—–])\s*(?:{_ORIGINAL})\s*(?:[-–—_=*]{{2,}}|[—–])\s*$", re.IGNORECASE
)
# Horde: "----- Nachricht von Anna Schmidt <anna@example.de> ---------" (localized "message from").
_HORDE_LINE = re.compile(
    r"^\s*-{3,}\s*(?:message\s+from|nachricht\s+von|message\s+de|mensaje\s+de|messaggio\s+da|bericht\s+van"
    r"|meddelande\s+från|wiadomość\s+od|zpráva\s+od|сообщение\s+от)\s[^<>]{0,80}<[^<>@\s]+@[^<>\s]+>[^-]{0,60}"
    r"-{3,}\s*$",
    re.IGNORECASE,
)
_UNDERSCORES = re.compile(r"^\s*[_—–-]{10,}\s*$")


def is_original_message_line(line: str) -> bool:
    """True for "-----Original Message-----" (Outlook, Zimbra, Roundcube, Horde) in any supported language."""
    if line[:1] not in "-–—_=* ":
        return False
    return _ORIGINAL_LINE.match(line) is not None or ("@" in line and _HORDE_LINE.match(line) is not None)


# Zoho: "---- On Wed, 24 Feb 2021 14:02:50 +0530 john@example.com wrote ----".
_DASHED_ATTRIBUTION = re.compile(r"^\s*-{2,}\s*(.{10,300}?)\s*-{2,}\s*$")


def is_dashed_attribution(line: str) -> bool:
    """A Zoho-style attribution between dashes, with no colon."""
    m = _DASHED_ATTRIBUTION.match(line)
    return m is not None and attribution_strength(m.group(1) + ":") == 2


# Novell GroupWise: ">>> Anna Schmidt 12/11/00 03:54PM >>>", ">>> <anna@x.org> 2/16/01 10:41:43 am >>>", and the
# quoted message follows unquoted. Starts with ">" but is an attribution, not a quote.
_GROUPWISE = re.compile(r"^>>>\s*\S.{0,120}?\d{1,4}[/.-]\d{1,2}[/.-]\d{2,4}.{0,40}?>>>\s*$")


def is_groupwise_attribution(line: str) -> bool:
    """The ">>> Name date time >>>" line GroupWise puts above the unquoted message it replies to."""
    return line[:3] == ">>>" and line[-3:] == ">>>" and _GROUPWISE.match(line) is not None


def is_rule_line(line: str) -> bool:
    """A horizontal rule (Outlook's underscores, long dash runs) that precedes a header block."""
    return _UNDERSCORES.match(line) is not None
