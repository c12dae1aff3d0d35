"""MIME decoding: body choice, charsets, transfer encodings, HTML rendering, the fast parser."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from panza.ingest import mime
from panza.ingest.html import html_to_text

FIXTURES = Path(__file__).parent / "fixtures" / "mime"


def _body(name: str) -> mime.Body:
    return mime.body(mime.parse((FIXTURES / name).read_bytes()))


def test_plain_is_preferred_over_html() -> None:
    b = _body("gmail_alternative.eml")
    assert b.kind == "plain"
    assert "HTML VERSION" not in (b.text or "")
    assert "> Hi Alex, here is the revised plan." in (b.text or "")


def test_outlook_html_only_renders_header_block_as_lines() -> None:
    b = _body("outlook_html_only.eml")
    assert b.kind == "html"
    lines = (b.text or "").split("\n")
    assert lines[:3] == [
        "Hi Maria,",
        "",
        "thanks for the revised plan & the numbers. They make sense to me, "
        "so let us go ahead with the second phase.",
    ]
    for start in (
        "From: Maria Lopez <maria@partner.example>",
        "Sent: Monday, March 4, 2024 9:00 AM",
        "To: Alex Example",
        "Subject: Plan",
    ):
        assert start in lines
    text = b.text or ""
    assert "alert(1)" not in text and "color:red" not in text and "preheader" not in text


def test_gmail_html_quote_and_signature() -> None:
    text = _body("gmail_html_only.eml").text or ""
    assert "\n-- \nAlex Example\nExample Studio\n" in text
    assert text.count("-- ") == 1
    assert (
        "schrieb Maria Lopez <maria@partner.example>:\n> Hallo Alex,\n> anbei die Pläne.\n> > older quote"
        in text
    )


def test_blockquote_and_gmail_quote_div_are_prefixed() -> None:
    assert (
        html_to_text("<div>mine</div><blockquote>a<br>b<blockquote>c</blockquote></blockquote>")
        == "mine\n> a\n> b\n> > c"
    )
    # a gmail_quote div without a blockquote inside is itself the quote
    assert html_to_text('<div>mine</div><div class="gmail_quote">old text</div>') == "mine\n> old text"
    # ... unless it is a forwarded message, which Gmail's plain text leaves unquoted
    fwd = html_to_text(
        '<div>fyi</div><div class="gmail_quote">---------- Forwarded message ---------<br>From: X</div>'
    )
    assert fwd == "fyi\n---------- Forwarded message ---------\nFrom: X"


def test_html_never_raises_on_junk() -> None:
    for junk in ["", "<", "<<<>>>", "<div" * 5000, "\x00\x01<b>x</b>", "<table><tr><td>a<td>b</table>"]:
        assert isinstance(html_to_text(junk), str)
    assert html_to_text("<table><tr><td>a</td><td>b</td></tr></table>") == "a b"


def test_wrong_declared_charset_is_fixed() -> None:
    assert "vielen Dank für die schönen Pläne" in (_body("wrong_charset.eml").text or "")


def test_unknown_charset_falls_back() -> None:
    msg = mime.parse((FIXTURES / "unknown_charset.eml").read_bytes())
    assert "für die schönen Pläne" in (mime.body(msg).text or "")
    assert mime.read_headers(msg).subject == "Grüße aus Hamburg"


def test_missing_charset_is_detected() -> None:
    assert "“the plan” looks good – café" in (_body("missing_charset.eml").text or "")


@pytest.mark.parametrize(
    ("data", "declared", "expected"),
    [
        ("Grüße".encode(), "iso-8859-1", "Grüße"),  # declared single-byte, really UTF-8
        ("Grüße".encode("latin-1"), "utf-8", "Grüße"),  # declared UTF-8, really latin-1
        ("Grüße".encode("latin-1"), None, "Grüße"),
        ("日本語".encode("shift_jis"), "shift_jis", "日本語"),
        ("日本語".encode("iso2022_jp"), "iso-2022-jp", "日本語"),
        ("ÄÖÜ".encode("cp1252"), '"windows-1252"', "ÄÖÜ"),
        (b"plain", "no-such-charset", "plain"),
        (b"\xff\xfe\x00garbage\x81", "utf-8", None),
    ],
)
def test_decode_bytes_never_raises(data: bytes, declared: str | None, expected: str | None) -> None:
    out = mime.decode_bytes(data, declared)
    assert isinstance(out, str)
    if expected is not None:
        assert out == expected


def test_quoted_printable_base64_and_bad_base64() -> None:
    assert (_body("gmail_alternative.eml").text or "").startswith("Hi Maria,\n\nthanks for the revised plan.")
    bad = _body("bad_base64.eml").text or ""
    assert bad.startswith("Hi Maria,")  # decoded as far as it goes


def test_attachments_ignored_including_zero_byte() -> None:
    b = _body("zero_byte_attachment.eml")
    assert b.kind == "plain"
    assert "ATTACHED TEXT" not in (b.text or "")
    assert (b.text or "").startswith("Hi Maria,")


def test_rfc822_part_is_a_forward_not_the_body() -> None:
    b = _body("rfc822_forward.eml")
    assert b.text is None and b.forwarded_attachment
    with_note = _body("rfc822_with_note.eml")
    assert (with_note.text or "").startswith("Hi Maria,")
    assert "inner text" not in (with_note.text or "")


def test_encrypted_and_unsplittable() -> None:
    assert _body("pgp_encrypted.eml").encrypted
    assert _body("broken_boundary.eml").unsplit_multipart


def test_format_flowed_is_unwrapped() -> None:
    text = _body("flowed.eml").text or ""
    assert "soft line breaks, which must be joined back into one line when we read it." in text
    assert "\n-- \nAlex" in text


def test_iso2022_headers_and_body() -> None:
    msg = mime.parse((FIXTURES / "japanese_iso2022.eml").read_bytes())
    assert "ご連絡いただきありがとうございます" in (mime.body(msg).text or "")
    assert mime.read_headers(msg).subject == "ですか"


def test_headers_parse_addresses_dates_ids() -> None:
    msg = mime.parse(
        b'From: "alex@example.com via List" <list@lists.example>\n'
        b"To: A <a@x.example>, b@y.example\nDate: not a date\nMessage-ID: junk <id@x>\n"
        b"In-Reply-To: <p@x>\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe?= aus\n\nbody\n"
    )
    h = mime.read_headers(msg)
    assert h.from_addrs == ["list@lists.example"]  # the parsed address, not a substring match
    assert h.to == ["a@x.example", "b@y.example"]
    assert h.date is None
    assert h.message_id == "<id@x>" and h.in_reply_to == "<p@x>"
    assert h.subject == "Grüße aus"


def test_damaged_address_header_is_salvaged() -> None:
    assert mime.addresses(['"Becker, Tom <tom.becker@x.example']) == [("", "tom.becker@x.example")]


def test_gmail_labels_respect_quotes() -> None:
    assert mime.gmail_labels('Sent,"Work, old",Important') == ["Sent", "Work, old", "Important"]


def test_strip_pgp_signed() -> None:
    text = (
        "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nHello there\n- -- dash\n"
        "-----BEGIN PGP SIGNATURE-----\nabc\n-----END PGP SIGNATURE-----\n"
    )
    assert mime.strip_pgp(text) == ("Hello there\n-- dash\n", False)
    assert mime.strip_pgp("-----BEGIN PGP MESSAGE-----\nxx")[1] is True


def _fingerprint(msg) -> tuple:
    b = mime.body(msg)
    return (b.text, b.kind, b.forwarded_attachment, b.encrypted, b.unsplit_multipart, mime.read_headers(msg))


def test_fast_parser_agrees_with_stdlib_on_fixtures() -> None:
    for p in sorted(FIXTURES.glob("*.eml")):
        data = p.read_bytes()
        assert _fingerprint(mime.parse(data)) == _fingerprint(mime.full_parse(data)), p.name


def test_fast_parser_agrees_with_stdlib_on_real_mail(shared_data: Path) -> None:
    """Same headers and body text as the stdlib feed parser on 372 real-world messages."""
    files = sorted((shared_data / "real-mail").glob("*.eml"))
    assert files, "no .eml files in real-mail/"
    fast = 0
    for p in files:
        data = p.read_bytes()
        fast += mime.fast_parse(data) is not None
        assert _fingerprint(mime.parse(data)) == _fingerprint(mime.full_parse(data)), p.name
    assert fast > len(files) * 0.9  # the fast path is the common path


def test_fast_date_and_content_type_paths_agree_with_the_stdlib() -> None:
    """The shortcuts for the common header forms give exactly what the stdlib parsers give."""
    import random
    from email.message import Message
    from email.utils import format_datetime, parsedate_to_datetime

    from panza.ingest.mime import _params, iso_date

    rng = random.Random(7)
    for _ in range(3000):
        dt = datetime(rng.randint(1990, 2030), rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23),
                      rng.randint(0, 59), rng.randint(0, 59),
                      tzinfo=timezone(timedelta(minutes=15 * rng.randint(-48, 56))))  # fmt: skip
        for value in (format_datetime(dt), format_datetime(dt)[5:], format_datetime(dt) + " (PST)"):
            assert iso_date(value) == parsedate_to_datetime(value).isoformat(), value
    for value in (
        "Tue, 05 Mar 2024 10:15:00 -0000",
        "Sat, 31 Aug 2024 23:59:60 +0200",
        "31 Feb 2024 10:00 +0100",
    ):
        try:
            want = parsedate_to_datetime(value).isoformat()
        except ValueError:
            want = None
        assert iso_date(value) == want, value
    for ctype in (
        "text/plain; charset=utf-8",
        'text/plain; charset="ISO-8859-1"; format=flowed; delsp=yes',
        "text/html;charset=windows-1252",
        "text/plain; charset*=utf-8''%E2%82%AC; name=\"a;b.txt\"",
        'text/plain; name="x \\" y"; charset=utf-8',
        "text/plain",
    ):
        part = Message()
        part["Content-Type"] = ctype
        fast = _params(part)
        slow = {str(k).lower(): str(v[2] if isinstance(v, tuple) else v or "").strip().strip('"')
                for k, v in (part.get_params() or [])[1:]}  # fmt: skip
        assert fast == slow, ctype


CUT_HEAD = (
    b"From: David <david@example.org>\nTo: anna@example.org\nSubject: Re: servers\r\n\n"
    b"Date: Mon, 02 Jan 2023 09:00:00 +0000\nMessage-ID: <cut1@example.org>\n"
    b'Content-Type: text/plain; charset="utf-8"\nMIME-Version: 1.0\n\nDear IT,\n\nthe servers restarted.\n\nDavid\n'
)


def test_header_block_cut_short_by_a_raw_line_break_is_mended() -> None:
    """A CR LF inside a header value ended the block: Date, Message-ID… became the user's text."""
    broken = mime.full_parse(CUT_HEAD)
    assert broken["Message-ID"] is None and "Message-ID:" in broken.get_payload()  # what the stdlib reads
    msg = mime.parse(CUT_HEAD)
    assert msg["Subject"] == "Re: servers" and msg["Message-ID"] == "<cut1@example.org>"
    assert mime.body(msg).text == "Dear IT,\n\nthe servers restarted.\n\nDavid\n"
    # a stray line inside the block (a value broken without folding) joins the value above it
    stray = b"From: d@example.org\nSubject: Re: plan\npart two\nDate: Mon, 02 Jan 2023 09:00:00 +0000\n\nHello\n"
    msg = mime.parse(stray)
    assert " ".join(msg["Subject"].split()) == "Re: plan part two" and msg.get_payload() == "Hello\n"


def test_imap_finds_the_message_id_after_a_cut_short_header_block() -> None:
    """`panza draft --reply-to ID` looks messages up by this: the ID after the raw CR LF must be found too."""
    from panza.ingest.imap import _message_id_of

    assert _message_id_of(CUT_HEAD) == "<cut1@example.org>"
    assert _message_id_of(CUT_HEAD.replace(b"\r\n\n", b"\n")) == "<cut1@example.org>"
    assert _message_id_of(b"From: d@example.org\n\nno id\n") is None


@pytest.mark.parametrize(
    "raw",
    [
        # a forwarded header block at the top of the text repeats From/Subject: it stays text
        b"From: d@example.org\nSubject: Fwd: x\n\nFrom: o@example.org\nDate: Mon, 2 Jan 2023\nSubject: x\n\nbody\n",
        # one header-like line in the text is not a cut-off block
        b"From: d@example.org\nSubject: x\n\nDate: tomorrow works\n\nbody\n",
        # no header block at all
        b"Hello there\nDate: tomorrow\n\nbody\n",
        CUT_HEAD.replace(b"\r\n\n", b"\n"),  # well-formed
    ],
)
def test_repair_head_leaves_other_mail_alone(raw: bytes) -> None:
    assert mime.repair_head(raw) is raw
