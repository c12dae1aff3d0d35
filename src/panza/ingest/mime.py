"""MIME parsing: headers and the body text the user typed, from raw message bytes.

We parse with the stdlib's fast ``compat32`` parser (the ``email.policy.default`` API is several
times slower) and do the decoding ourselves so that no declared, wrong or missing charset, no
broken transfer encoding and no malformed header can raise: every function here returns text.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.header import decode_header
from email.message import Message
from email.parser import BytesHeaderParser, BytesParser
from email.policy import Compat32
from email.utils import getaddresses, parsedate_to_datetime

from panza.ingest.html import html_to_text


class _RawPolicy(Compat32):
    """compat32, but header values come back as plain ``str`` (never ``Header`` objects)."""

    def header_fetch_parse(self, name: str, value: str) -> str:  # type: ignore[override]
        return value


_POLICY = _RawPolicy()
_PARSER = BytesParser(policy=_POLICY)
_WS = re.compile(r"\s+")
_MSGID = re.compile(r"<[^<>\s]+>")
_BAD_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffd]")
_MAX_DEPTH = 40
# Opaque cryptographic containers: the text inside cannot be read without the user's key.
_ENCRYPTED_TYPES = frozenset(
    {"application/pkcs7-mime", "application/x-pkcs7-mime", "application/pgp-encrypted"}
)

# Declared names mapped to the superset browsers use, so common mislabelling still decodes right.
_SUPERSET = {
    "ascii": "cp1252",
    "iso8859-1": "cp1252",
    "latin-1": "cp1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "euc_kr": "cp949",
    "shift_jis": "cp932",
    "big5": "big5hkscs",
    "iso8859-8-i": "iso8859-8",
}
_MULTIBYTE = {
    "utf-8",
    "utf-16",
    "utf-16-le",
    "utf-16-be",
    "utf-32",
    "utf-32-le",
    "utf-32-be",
    "utf-7",
    "shift_jis",
    "cp932",
    "euc_jp",
    "euc_jis_2004",
    "euc_jisx0213",
    "gb2312",
    "gbk",
    "gb18030",
    "hz",
    "big5",
    "big5hkscs",
    "cp950",
    "euc_kr",
    "cp949",
    "johab",
    "shift_jis_2004",
    "shift_jisx0213",
}
_SEVEN_BIT = ("iso2022", "utf-7", "hz")  # stateful encodings whose bytes are all ASCII


# Header names that only a header block has; a body paragraph made of them is headers cut off.
_KNOWN_HEADERS = (
    rb"date|message-id|content-type|content-transfer-encoding|mime-version|to|cc|bcc|from|subject|reply-to|"
    rb"in-reply-to|references|received|return-path|sender|user-agent|x-[\w-]+|content-disposition|thread-\w+"
)
_HEADER_LINE = re.compile(rb"(" + _KNOWN_HEADERS + rb"):", re.IGNORECASE)
_ANY_HEADER = re.compile(rb"[!-9;-~]+:")
_STRAY = re.compile(rb"\n(?![ \t]|[!-9;-~]+:)")  # a line break followed by neither a header nor a folded value


def repair_head(data: bytes) -> bytes:
    """Mend a header block that a raw line break inside a header value cut short.

    A writer that leaves a CR LF inside a value ("Subject: Re: plan\\r\\n") ends the header block
    there (the line after it is blank or not a header): every header after it, Date, Message-ID
    and Content-Type among them, would be read as the first lines of the text the user wrote.
    Mended only when the evidence is unambiguous: the cut-off lines are all well-known header
    names that the block does not already have (a forwarded header block in the text repeats
    From/To/Subject, so it is left alone). Pure; returns ``data`` itself when nothing is wrong.
    """
    m = _HEAD_END.search(data)
    if not m or not _ANY_HEADER.match(data):  # no header block to mend (or an mbox "From " line first)
        return data
    cut = _HEADER_LINE.match(data, m.end()) is not None  # the text starts with a header line
    if not cut and not _STRAY.search(data, 0, m.start()):  # the common case: one regex scan each
        return data
    head, rest = data[: m.start() + 1], data[m.end():]
    lines = head.splitlines(keepends=True)
    fixed = lines
    # a stray line inside the block, with known headers after it: a continuation of the value above
    stray = [i for i in range(1, len(lines)) if lines[i][:1] not in (b" ", b"\t") and not _ANY_HEADER.match(lines[i])]
    if stray:
        fixed = list(lines)
        for i in stray:
            if any(_HEADER_LINE.match(x) for x in lines[i + 1:]):
                fixed[i] = b" " + lines[i]
    # a blank line too early: the next paragraph is nothing but headers the block lacks
    if cut:
        para_end = _HEAD_END.search(rest, 0, 20_000)
        para = rest[: para_end.start() + 1] if para_end else b""
        starts = [x for x in para.splitlines() if x.strip() and x[:1] not in (b" ", b"\t")]
        if len(starts) >= 2 and all(_HEADER_LINE.match(x) for x in starts):
            names = {ln.split(b":", 1)[0].strip().lower() for ln in lines if _ANY_HEADER.match(ln)}
            if not {x.split(b":", 1)[0].strip().lower() for x in starts} & names:
                assert para_end is not None
                return b"".join(fixed) + para + para_end.group()[1:] + rest[para_end.end():]
    if fixed == lines:
        return data
    return b"".join(fixed) + data[m.start() + 1:]


def parse(data: bytes) -> Message:
    """Parse raw bytes; never raises on malformed input (defects are recorded on the message).

    Well-formed mail takes the fast path (``fast_parse``); anything it is unsure about goes
    through the stdlib feed parser, which copes with every kind of damage. A header block cut
    short by a raw line break is mended first (``repair_head``).
    """
    data = repair_head(data)
    try:
        msg = fast_parse(data)
    except Exception:  # any surprise: the stdlib parser decides
        msg = None
    return msg if msg is not None else _PARSER.parsebytes(data)


def full_parse(data: bytes) -> Message:
    """The stdlib feed parser alone (reference for tests of ``fast_parse``)."""
    return _PARSER.parsebytes(data)


_HEADER_PARSER = BytesHeaderParser(policy=_POLICY)
_HEAD_END = re.compile(rb"\n\r?\n")


def fast_parse(data: bytes, depth: int = 0) -> Message | None:
    """Parse headers with the stdlib, split MIME bodies with ``bytes.find``; None when unsure.

    The feed parser pushes every body line through Python code and compiles a fresh regex per
    multipart boundary (the re cache cannot hold them), which made parsing cost as much as all
    the rest of ingestion. Here only header blocks are parsed; bodies are sliced. Anything
    unusual (header damage, a missing boundary, message/* parts, digests) returns None.
    """
    if depth > _MAX_DEPTH:
        return None
    if data.startswith((b"\n", b"\r\n")):
        return None
    m = _HEAD_END.search(data)
    head, body = (data[: m.start() + 1], data[m.end() :]) if m else (data, b"")
    msg = _header_block(head)
    if msg is None:
        return None
    ctype = msg.get_content_type()
    maintype = ctype.partition("/")[0]
    if maintype == "message" or ctype == "multipart/digest":
        return None
    if maintype != "multipart":
        msg.set_payload(body.decode("ascii", "surrogateescape"))
        return msg
    boundary = msg.get_boundary()
    if not boundary:
        return None
    parts = _split_multipart(body, boundary.encode("ascii", "surrogateescape"))
    if parts is None:
        return None
    children = []
    for raw in parts:
        child = fast_parse(raw, depth + 1) if raw.strip() else None
        if child is None:
            if raw.strip():
                return None
            child = _HEADER_PARSER.parsebytes(b"")
            child.set_payload("")
        children.append(child)
    msg.set_payload(children)
    return msg


_HEADER_NAME = re.compile(r"[\041-\071\073-\176]+:")


def _header_block(head: bytes) -> Message | None:
    """A Message holding the header fields of ``head``, exactly as the feed parser would store them.

    Plain string splitting instead of the feed parser's per-line machinery; None for anything the
    feed parser would treat specially (a Unix From line, a bare CR, a line that is no header, ...).
    """
    text = head.decode("ascii", "surrogateescape")
    if "\r" in text:
        if "\r" in text.replace("\r\n", ""):
            return None
        text = text.replace("\r\n", "\n")
    msg = Message(policy=_POLICY)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines:
        return None
    name = ""
    value: list[str] = []
    for line in lines:
        if line[:1] in (" ", "\t"):
            if not name:
                return None
            value.append("\n" + line)
            continue
        if not _HEADER_NAME.match(line):
            return None
        if name:
            msg.set_raw(name, "".join(value))
        name, _, first = line.partition(":")
        value = [first.lstrip(" \t")]
    msg.set_raw(name, "".join(value))
    return msg


def _split_multipart(body: bytes, boundary: bytes) -> list[bytes] | None:
    """Body parts between ``--boundary`` lines, or None unless a closing ``--boundary--`` is found."""
    delim = b"--" + boundary
    parts: list[bytes] = []
    pos = 0
    start = -1  # start of the current part's bytes
    while True:
        i = body.find(delim, pos)
        if i < 0:
            return None  # no closing delimiter: let the stdlib parser handle the damage
        if i and body[i - 1] != 10:  # not at the start of a line
            pos = i + 1
            continue
        eol = body.find(b"\n", i)
        line_end = len(body) if eol < 0 else eol
        rest = body[i + len(delim) : line_end].rstrip(b"\r \t")
        if rest not in (b"", b"--"):
            pos = i + 1  # a longer boundary that merely starts with ours
            continue
        if start >= 0:
            end = i - 1  # the line break before a delimiter belongs to the delimiter
            if end > start and body[end - 1] == 13:
                end -= 1
            parts.append(body[start : max(start, end)])
        if rest == b"--":
            return parts
        start = line_end + 1
        pos = start


# ---------------------------------------------------------------- charsets


def normalize_charset(name: str | None) -> str | None:
    """A Python codec name for a declared charset, or None when unknown/unusable."""
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    if name.endswith("-i") and name.startswith("iso-8859-8"):
        name = "iso-8859-8"
    try:
        canonical = codecs.lookup(name).name
    except (LookupError, ValueError):
        return None
    return _SUPERSET.get(canonical, canonical)


def decode_bytes(data: bytes, declared: str | None = None) -> str:
    """Decode ``data``: declared charset -> UTF-8 -> charset-normalizer -> latin-1; never raises.

    A single-byte declared charset (latin-1, cp1252, ...) is tried *after* UTF-8: text that is
    valid UTF-8 with non-ASCII bytes is almost never really latin-1, so this fixes the common
    "declared latin-1, actually UTF-8" mislabelling instead of producing mojibake.
    """
    cs = normalize_charset(declared)
    if b"\x00" in data and not (cs and cs.startswith(("utf-16", "utf-32"))):
        wide = sniff_utf16_32(data)  # ASCII-range UTF-16/32 is all "ASCII" bytes: sniff before isascii
        if wide:
            try:
                return data.decode(wide)
            except UnicodeDecodeError:
                pass
    if cs and cs.startswith(_SEVEN_BIT):
        try:
            return data.decode(cs)
        except (UnicodeDecodeError, LookupError, ValueError):
            pass
    if data.isascii():
        return data.decode("ascii")
    if cs and (cs in _MULTIBYTE or cs.startswith("iso2022")):
        try:
            return data.decode(cs)
        except (UnicodeDecodeError, LookupError, ValueError):
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if cs and cs not in _MULTIBYTE:
        try:
            return data.decode(cs)
        except (UnicodeDecodeError, LookupError, ValueError):
            pass
    return _guess(data)


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def sniff_utf16_32(data: bytes) -> str | None:
    """UTF-16LE/BE or UTF-32LE/BE text, with or without a BOM, from where its zero bytes fall.

    Latin text in UTF-16LE is ``h\0i\0``: every odd byte is zero; UTF-32LE is ``h\0\0\0``. Mail
    clients on Windows send such bodies with a wrong or missing charset, and decoded as ASCII they
    look like binary garbage. Binary data has zero bytes too, but not in that regular pattern.
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return codec
    sample = data[:4096]
    n = len(sample) - len(sample) % 4
    if n < 8:
        return None
    zeros = [sample[i:n:4].count(0) / (n // 4) for i in range(4)]  # share of zero bytes per position mod 4
    if min(zeros[1], zeros[2], zeros[3]) > 0.9 and zeros[0] < 0.1:
        return "utf-32-le"
    if min(zeros[0], zeros[1], zeros[2]) > 0.9 and zeros[3] < 0.1:
        return "utf-32-be"
    odd, even = (zeros[1] + zeros[3]) / 2, (zeros[0] + zeros[2]) / 2
    if odd > 0.6 and even < 0.1:
        return "utf-16-le"
    if even > 0.6 and odd < 0.1:
        return "utf-16-be"
    return None


def _guess(data: bytes) -> str:
    """charset-normalizer for text long enough to judge; otherwise (or if unsure) latin-1."""
    if len(data) >= GUESS_MIN_BYTES:
        try:
            from charset_normalizer import from_bytes

            best = from_bytes(data[:65536]).best()
            if best is not None and best.encoding and best.chaos < 0.3:
                return data.decode(best.encoding, errors="replace")
        except Exception:  # a detector bug must never lose the message; latin-1 below always works
            pass
    try:
        return data.decode("cp1252")  # latin-1 plus the curly quotes and dashes Windows mail uses
    except UnicodeDecodeError:
        return data.decode("latin-1", errors="replace")


GUESS_MIN_BYTES = 48  # below this charset detection is a coin toss (a header word, a name)


def _unsurrogate(s: str) -> str:
    """compat32 smuggles raw 8-bit header bytes as surrogates; turn them back into text."""
    try:
        s.encode("utf-8")
        return s
    except UnicodeEncodeError:
        return decode_bytes(s.encode("utf-8", "surrogateescape"))


def header_text(value: str | None) -> str:
    """A header value as clean one-line text: RFC 2047 words and raw 8-bit bytes decoded."""
    if not value:
        return ""
    value = _unsurrogate(str(value))
    if "=?" in value:
        try:
            parts = decode_header(value)
        except Exception:
            parts = [(value, None)]
        out = []
        for chunk, cs in parts:
            if isinstance(chunk, bytes):
                if cs is None:
                    out.append(chunk.decode("raw-unicode-escape", errors="replace"))
                else:
                    out.append(decode_bytes(chunk, cs))
            else:
                out.append(chunk)
        value = _join_decoded(out, parts)
    return _WS.sub(" ", value.replace("\x00", "")).strip()


def _join_decoded(out: list[str], parts: list) -> str:
    # decode_header strips the space between an encoded word and plain text; put it back.
    if len(out) < 2:
        return "".join(out)
    res = out[0]
    for i in range(1, len(out)):
        prev_cs, cs = parts[i - 1][1], parts[i][1]
        if (prev_cs is None) != (cs is None) and not res.endswith(" ") and not out[i].startswith(" "):
            res += " "
        res += out[i]
    return res


# ---------------------------------------------------------------- headers


@dataclass
class Headers:
    from_name: str
    from_addr: str  # lower-cased; "" when missing or unparseable
    to: list[str]
    subject: str | None
    date: str | None  # ISO-8601
    message_id: str | None
    in_reply_to: str | None
    labels: list[str] = field(default_factory=list)
    from_addrs: list[str] = field(default_factory=list)  # every From address, lower-cased


_SIMPLE_ADDR = re.compile(
    r"\s*([^\"(),:;<>@\\\[\]]*?)\s*<([^\s\"(),:;<>@\\\[\]]+@[^\s\"(),:;<>@\\\[\]]+)>\s*"
    r"|\s*([^\s\"(),:;<>@\\\[\]]+@[^\s\"(),:;<>@\\\[\]]+)\s*"
)


def addresses(values: list[str]) -> list[tuple[str, str]]:
    """(display name, address) pairs from header values; bad syntax yields what can be read.

    The common single ``Name <addr>`` / ``addr`` shapes (no quotes, comments or groups) are
    read with one regex; everything else goes through ``email.utils.getaddresses``, which is
    exact but about 20x slower.
    """
    if len(values) == 1 and (m := _SIMPLE_ADDR.fullmatch(values[0])):
        return [(m.group(1), m.group(2))] if m.group(2) else [("", m.group(3))]
    values = [_unsurrogate(v) for v in values]
    try:
        pairs = [(n, a) for n, a in getaddresses(values) if a or n]
    except Exception:
        pairs = []
    if all(_VALID_ADDR.fullmatch(a) for _, a in pairs if a) and any(a for _, a in pairs):
        return pairs
    # damaged syntax (an unclosed quote or bracket): salvage whatever looks like an address
    good = [(n, a) for n, a in pairs if _VALID_ADDR.fullmatch(a)]
    seen = {a for _, a in good}
    for v in values:
        for a in _ANY_ADDR.findall(v):
            if a not in seen:
                seen.add(a)
                good.append(("", a))
    return good or pairs


_VALID_ADDR = re.compile(r"[^@\s<>\"(),;:]+@[^@\s<>\"(),;:]+")
_ANY_ADDR = re.compile(r"[^@\s<>\"(),;:']+@[^@\s<>\"(),;:']+\.[^@\s<>\"(),;:'.]+")


# The RFC 5322 form nearly every client writes: "Tue, 05 Mar 2024 10:15:00 +0100" (day name optional).
_RFC_DATE = re.compile(
    r"^\s*(?:[A-Z][a-z]{2},\s*)?(\d{1,2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2})(?::(\d{2}))? ([+-])(\d{2})(\d{2})(?:\s*\([\w ]{0,20}\))?\s*$"
)
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}


def _fast_iso_date(value: str) -> str | None:
    """ISO-8601 of the common RFC 5322 form without building a datetime; None when unsure (-0000, odd days)."""
    m = _RFC_DATE.match(value)
    if m is None:
        return None
    day, mon, year, hh, mm, ss, sign, th, tm = m.groups()
    month = _MONTHS.get(mon)
    d = int(day)
    if month is None or not 1 <= d <= 28 or int(hh) > 23 or int(mm) > 59 or int(ss or 0) > 59:
        return None  # days 29-31 need the calendar: the stdlib path checks them
    if sign == "-" and th == "00" and tm == "00":
        return None  # "-0000" means "no zone": the stdlib gives a naive time
    return f"{year}-{month:02d}-{d:02d}T{hh}:{mm}:{ss or '00'}{sign}{th}:{tm}"


def iso_date(value: str | None) -> str | None:
    if not value:
        return None
    fast = _fast_iso_date(value)
    if fast is not None:
        return fast
    try:
        dt: datetime = parsedate_to_datetime(_unsurrogate(value))
        return dt.isoformat()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def message_id(value: str | None) -> str | None:
    if not value:
        return None
    value = _unsurrogate(value)
    m = _MSGID.search(value)
    if m:
        return m.group(0)
    value = value.strip()
    return f"<{value}>" if value and " " not in value else None


def gmail_labels(value: str | None) -> list[str]:
    """``X-Gmail-Labels: Sent,"Work, old",Important`` -> labels (quotes and commas respected)."""
    if not value:
        return []
    labels, cur, quoted = [], [], False
    for ch in header_text(value):
        if ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            labels.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    labels.append("".join(cur).strip())
    return [x for x in labels if x]


_WANTED = frozenset({"from", "to", "subject", "date", "message-id", "in-reply-to", "x-gmail-labels"})

# Header names any real message carries at least one of; a "header" block made only of other names is the
# first line of a bare body the parser mistook for a field ("bq: I thought…", "Ronald:").
_KNOWN_FIELDS = frozenset(
    {
        "from", "to", "cc", "bcc", "subject", "date", "message-id", "received", "return-path", "sender",
        "reply-to", "in-reply-to", "references", "mime-version", "content-type", "content-transfer-encoding",
        "delivered-to", "user-agent", "organization", "newsgroups", "path", "status", "importance",
        "thread-topic", "thread-index", "dkim-signature", "authentication-results", "precedence",
    }
)  # fmt: skip


def is_body_only(msg: Message) -> bool:
    """No header field a mail client writes: the bytes are a bare body (a saved or exported message text)."""
    for name in msg:
        k = name.lower()
        if k in _KNOWN_FIELDS or k.startswith(("x-", "list-", "arc-", "resent-")):
            return False
    return True


def read_headers(msg: Message) -> Headers:
    # one pass over the fields (every Message.get() is a linear scan of all of them)
    fields: dict[str, list[str]] = {}
    for k, v in msg.raw_items():
        k = k.lower()
        if k in _WANTED:
            fields.setdefault(k, []).append(v)

    def first(name: str) -> str | None:
        vals = fields.get(name)
        return vals[0] if vals else None

    froms = addresses(fields.get("from", []))
    name, addr = next(((n, a) for n, a in froms if a), froms[0] if froms else ("", ""))
    to = [a for _, a in addresses(fields.get("to", [])) if a]
    subject = first("subject")
    return Headers(
        from_name=header_text(name),
        from_addr=addr.strip().lower(),
        to=to,
        subject=header_text(subject) if subject is not None else None,
        date=iso_date(first("date")),
        message_id=message_id(first("message-id")),
        in_reply_to=message_id(first("in-reply-to")),
        labels=gmail_labels(first("x-gmail-labels")),
        from_addrs=[a.strip().lower() for _, a in froms if a],
    )


# ---------------------------------------------------------------- body


@dataclass
class Body:
    text: str | None = None  # what the client shows as the message text (HTML converted)
    kind: str = "none"  # "plain", "html" or "none"
    forwarded_attachment: bool = False  # a message/rfc822 part was attached
    encrypted: bool = False
    unsplit_multipart: bool = False  # multipart/* whose parts could not be split (bad boundary)
    note: str = ""  # why no text was found, for discard records


def body(msg: Message) -> Body:
    """The body text, preferring text/plain, falling back to converted text/html."""
    info = Body()
    found = _walk(msg, 0, info)
    if found is not None:
        info.text, info.kind = found
    return info


def _walk(part: Message, depth: int, info: Body) -> tuple[str, str] | None:
    if depth > _MAX_DEPTH:
        info.note = "MIME nesting too deep"
        return None
    ctype = part.get_content_type()
    maintype, _, subtype = ctype.partition("/")
    if maintype == "message" and subtype in ("rfc822", "global", "partial"):
        info.forwarded_attachment = True
        return None
    if part.is_multipart():
        payload = part.get_payload()
        if ctype == "multipart/encrypted":
            info.encrypted = True
            return None
        if ctype == "multipart/alternative":
            # text/plain first: converting the HTML alternative too would only cost time
            kids = [c for c in payload if isinstance(c, Message)]
            plain = [c for c in kids if c.get_content_type() == "text/plain" and not _is_attachment(c)]
            for c in plain:
                r = _walk(c, depth + 1, info)
                if r is not None and r[0].strip():
                    return r
            results = [r for c in kids if c not in plain and (r := _walk(c, depth + 1, info))]
            for text, kind in results:
                if text.strip():
                    return text, kind
            return results[0] if results else None
        for child in payload:
            if isinstance(child, Message) and child.get_content_maintype() == "message":
                info.forwarded_attachment = True
            elif isinstance(child, Message) and not _is_attachment(child):
                r = _walk(child, depth + 1, info)
                if r is not None and r[0].strip():
                    return r
        return None
    if maintype == "multipart":
        info.unsplit_multipart = True
        return None
    if ctype in _ENCRYPTED_TYPES:
        info.encrypted = True
        return None
    if maintype != "text" or _is_attachment(part):
        if not info.note:
            info.note = f"no text part ({ctype})"
        return None
    if subtype not in ("plain", "html", "markdown", "x-markdown", "enriched"):
        if not info.note:
            info.note = f"no text part ({ctype})"
        return None
    params = _params(part)
    text = _part_text(part, params.get("charset"))
    if subtype == "html":
        return html_to_text(text), "html"
    if params.get("format", "").lower() == "flowed":
        text = unflow(text, delsp=params.get("delsp", "").lower() == "yes")
    return text, "plain"


# "text/plain; charset=utf-8; format=flowed": no RFC 2231 continuations, no quoted specials.
_SIMPLE_CTYPE = re.compile(
    r'^\s*[\w.+-]+/[\w.+-]+\s*((?:;\s*[\w.-]+\s*=\s*(?:"[^"\\;*]*"|[^;"\s*]+)\s*)*);?\s*$'
)
_SIMPLE_PARAM = re.compile(r'([\w.-]+)\s*=\s*(?:"([^"]*)"|([^;"\s]+))')


def _params(part: Message) -> dict[str, str]:
    """Content-Type parameters, parsed once (each ``get_param`` call re-parses the header)."""
    value = part.get("content-type")
    if isinstance(value, str):
        m = _SIMPLE_CTYPE.match(value)
        if m is not None:  # the common case, without the stdlib's general (and slow) parameter parser
            return {k.lower(): (q or v).strip() for k, q, v in _SIMPLE_PARAM.findall(m.group(1))}
    try:
        pairs = part.get_params() or []
    except Exception:
        return {}
    out: dict[str, str] = {}
    for k, v in pairs[1:]:
        if isinstance(v, tuple):  # RFC 2231: (charset, language, value)
            v = v[2]
        out[str(k).lower()] = str(v or "").strip().strip('"')
    return out


def _is_attachment(part: Message) -> bool:
    try:
        return part.get_content_disposition() == "attachment"
    except Exception:
        return False


def _part_text(part: Message, charset: str | None = None) -> str:
    """Decoded text of a leaf part: transfer encoding, then charset, then line endings."""
    try:
        data = part.get_payload(decode=True)
    except Exception:  # e.g. a charset parameter made of raw 8-bit bytes: use the payload as is
        raw = getattr(part, "_payload", "")
        data = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""
    if not isinstance(data, bytes):
        data = b""
    text = decode_bytes(data, charset)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def garbage_ratio(text: str) -> float:
    """Share of control and replacement characters: high means binary or undecodable text."""
    if not text:
        return 0.0
    return len(_BAD_CHARS.findall(text)) / len(text)


def unflow(text: str, delsp: bool = False) -> str:
    """Undo RFC 3676 format=flowed soft line breaks, so paragraphs read as the user typed them."""
    out: list[str] = []
    buf: str | None = None
    buf_depth = 0

    def flush() -> None:
        nonlocal buf
        if buf is not None:
            out.append((">" * buf_depth + " " + buf) if buf_depth else buf)
            buf = None

    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:]
        if content.startswith(" "):
            content = content[1:]  # space-stuffing
        if content == "-- ":
            flush()
            out.append(line)
            continue
        if buf is not None and depth != buf_depth:
            flush()
        buf = content if buf is None else buf + content
        buf_depth = depth
        if content.endswith(" "):
            if delsp:
                buf = buf[:-1]
            continue
        flush()
    flush()
    return "\n".join(out)


_PGP_SIGNED = "-----BEGIN PGP SIGNED MESSAGE-----"
_PGP_SIG = "-----BEGIN PGP SIGNATURE-----"
_PGP_MSG = "-----BEGIN PGP MESSAGE-----"


def strip_pgp(text: str) -> tuple[str, bool]:
    """Remove inline PGP signature armour; returns (text, is_encrypted)."""
    head = text.lstrip()[:80]
    if head.startswith(_PGP_MSG):
        return text, True
    if head.startswith(_PGP_SIGNED):
        body_start = text.find("\n\n", text.find(_PGP_SIGNED))
        text = text[body_start + 2 :] if body_start >= 0 else ""
        end = text.find(_PGP_SIG)
        if end >= 0:
            text = text[:end]
        text = "\n".join(ln[2:] if ln.startswith("- ") else ln for ln in text.split("\n"))
    return text, False
