"""extract_reply on text produced by the ingest stage's real HTML converter (Outlook and Gmail HTML mail)."""

from __future__ import annotations

import pytest

from panza.clean import extract_reply

html = pytest.importorskip(
    "panza.ingest.html", reason="the ingest HTML converter (selectolax) is not installed"
)

OUTLOOK = (
    '<html><body><div class="WordSection1"><p class="MsoNormal">Hi Sarah,<o:p></o:p></p>'
    '<p class="MsoNormal"><o:p>&nbsp;</o:p></p><p class="MsoNormal">Signed copy attached.<o:p></o:p></p>'
    '<p class="MsoNormal"><o:p>&nbsp;</o:p></p><p class="MsoNormal">Kind regards,<o:p></o:p></p>'
    '<p class="MsoNormal">Michael<o:p></o:p></p>'
    '<div id="Signature"><p>Michael Brown | Fabrikam Inc.<br>+1 425 555 0100</p></div>'
    '<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0in 0in 0in">'
    '<p class="MsoNormal"><b>Von:</b> Sarah Connor &lt;sarah@contoso.com&gt;<br><b>Gesendet:</b> Montag, '
    "8. Januar 2024 10:02<br><b>An:</b> Michael Brown &lt;michael@fabrikam.com&gt;<br><b>Betreff:</b> AW: "
    'Vertrag<o:p></o:p></p></div><p class="MsoNormal"><o:p>&nbsp;</o:p></p>'
    '<p class="MsoNormal">Hi Michael, please sign.<o:p></o:p></p></div></body></html>'
)
GMAIL = (
    '<div dir="ltr">Sounds good!<div><br></div><div>Best,</div><div>Marcus</div><br>'
    '<div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Mon, Jan 8, 2024 at 10:02 AM Anna Schmidt '
    '&lt;<a href="mailto:anna@example.com">anna@example.com</a>&gt; wrote:<br></div>'
    '<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex"><div dir="ltr">Tuesday?<div><br></div>'
    "<div>Anna</div></div></blockquote></div></div>"
)


def test_outlook_html_reply() -> None:
    reply = extract_reply(html.html_to_text(OUTLOOK))
    assert reply.text == "Hi Sarah,\n\nSigned copy attached.\n\nKind regards,\nMichael"
    assert reply.thread == ("Hi Michael, please sign.",)
    assert reply.signature is not None and "Fabrikam" in reply.signature


def test_gmail_html_reply() -> None:
    reply = extract_reply(html.html_to_text(GMAIL))
    assert reply.text == "Sounds good!\n\nBest,\nMarcus"
    assert reply.thread == ("Tuesday?\n\nAnna",)


# Outlook HTML signature in its own paragraphs (no "-- "): the converter leaves blank lines between them.
OUTLOOK_SIG_PARAGRAPHS = (
    "<html><body><div class=WordSection1><p class=MsoNormal>Hi Mark,<o:p></o:p></p>"
    "<p class=MsoNormal><o:p>&nbsp;</o:p></p><p class=MsoNormal>Agreed, let's go ahead.<o:p></o:p></p>"
    "<p class=MsoNormal><o:p>&nbsp;</o:p></p><p class=MsoNormal>Best,<o:p></o:p></p>"
    "<p class=MsoNormal>James<o:p></o:p></p><p class=MsoNormal><o:p>&nbsp;</o:p></p>"
    "<p class=MsoNormal><b>James Carter</b><o:p></o:p></p><p class=MsoNormal><o:p>&nbsp;</o:p></p>"
    "<p class=MsoNormal>Head of Operations | Contoso Ltd.<o:p></o:p></p>"
    "<p class=MsoNormal><o:p>&nbsp;</o:p></p><p class=MsoNormal>Mobile: +44 7700 900123<o:p></o:p></p>"
    "<p class=MsoNormal>12 Harbour St, Leeds<o:p></o:p></p><p class=MsoNormal><o:p>&nbsp;</o:p></p>"
    "<div style='border:none;border-top:solid #E1E1E1 1.0pt'><p class=MsoNormal><b>From:</b> Mark Davies "
    "&lt;mark@example.com&gt;<br><b>Sent:</b> Monday, June 3, 2024 10:15 AM<br><b>To:</b> James Carter "
    "&lt;james@contoso.example&gt;<br><b>Subject:</b> Quotes<o:p></o:p></p></div>"
    "<p class=MsoNormal><o:p>&nbsp;</o:p></p><p class=MsoNormal>Which quote?<o:p></o:p></p></div></body></html>"
)
# Yahoo web mail: the quote is a div.yahoo_quoted whose first line is a localized attribution.
YAHOO_DE = (
    '<html><body><div class="ydp"><div>Danke, passt.</div><div><br></div><div>Viele Grüße</div>'
    '<div>Max</div></div><div id="yahoo_quoted_123" class="yahoo_quoted"><div>'
    "<div>Am Montag, 3. Juni 2024 um 10:15:22 MESZ hat Anna Schmidt &lt;anna@example.de&gt; Folgendes "
    'geschrieben:</div><div><br></div><div><br></div><div><div dir="ltr">Hallo Max,<br>passt der Termin?'
    "<br>Anna</div></div></div></div></body></html>"
)


def test_outlook_html_signature_paragraphs() -> None:
    reply = extract_reply(html.html_to_text(OUTLOOK_SIG_PARAGRAPHS))
    assert reply.text == "Hi Mark,\n\nAgreed, let's go ahead.\n\nBest,\nJames"
    assert reply.signature is not None and reply.signature.startswith("James Carter")
    assert "Harbour St" in reply.signature


def test_yahoo_html_localized_attribution() -> None:
    reply = extract_reply(html.html_to_text(YAHOO_DE))
    assert reply.text == "Danke, passt.\n\nViele Grüße\nMax"
    assert reply.thread == ("Hallo Max,\npasst der Termin?\nAnna",)
