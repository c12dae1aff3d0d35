"""Every client footer and separator wording the clean stage must know, each in two positions.

The fixture set (tests/fixtures/clean) holds realistic whole messages; this file makes sure that no wording
in the lists below is missed: a mobile footer after the closing and right above a quote, a web-mail
separator ("----- Ursprüngliche Mail -----") with and without the header block under it.
"""

from __future__ import annotations

import pytest

from panza.clean import extract_reply

FOOTERS = [
    "Sent from my iPhone",
    "Sent from my Galaxy",
    "Sent from my Samsung Galaxy smartphone.",
    "Von meinem Galaxy gesendet",
    "Von meiner Galaxy gesendet",
    "Von meinem/meiner Galaxy gesendet",
    "Envoyé depuis mon Galaxy",
    "Enviado desde mi Galaxy",
    "Inviato dal mio Galaxy",
    "Sent with Proton Mail secure email.",
    "Sent from Proton Mail mobile",
    "Sent from Yahoo Mail for iPhone",
    "Sent from Yahoo Mail for Android",
    "Sent from Mail for Windows",
    "Sent from Outlook",
    "Enviado do meu iPhone",
    "Verzonden vanaf mijn iPhone",
    "Skickat från min iPhone",
    "Sendt fra min iPhone",
    "Lähetetty iPhonesta",
    "Wysłane z mojego iPhone'a",
    "Odesláno z iPhonu",
    "Отправлено с iPhone",
    "Надіслано з iPhone",
    "iPhoneから送信",
    "发自我的iPhone",
    "iPhone에서 보냄",
]

SEPARATORS = [
    "----- Original Message -----",
    "----- Ursprüngliche Mail -----",
    "----- Ursprüngliche Nachricht -----",
    "----- Mail original -----",
    "----- Mensaje original -----",
    "----- Messaggio originale -----",
    "----- Oorspronkelijk bericht -----",
    "-------- Original Message --------",
    "-- Ursprüngliche Mail --",
    "---------- Mail original ----------",
]

HEADERS = (
    'From: "Anna Schmidt" <anna@example.com>\nTo: "Jen Weber" <jen@example.com>\n'
    "Sent: Monday, June 3, 2024 10:15:22 AM\nSubject: Re: Friday\n\n"
)
TEXT = "Sounds good, see you at 6.\n\nBest,\nJen"


@pytest.mark.parametrize("footer", FOOTERS)
def test_mobile_footer_after_closing(footer: str) -> None:
    reply = extract_reply(f"{TEXT}\n\n{footer}\n")
    assert reply.text == TEXT
    assert reply.signature == footer


@pytest.mark.parametrize("footer", FOOTERS)
def test_mobile_footer_above_quote_without_closing(footer: str) -> None:
    body = (
        f"Sounds good.\n\n{footer}\n\n"
        "On Mon, Jun 3, 2024 at 10:15 AM Anna Schmidt <anna@example.com> wrote:\n> Friday at 6?\n"
    )
    reply = extract_reply(body)
    assert reply.text == "Sounds good."
    assert reply.thread == ("Friday at 6?",)


@pytest.mark.parametrize("separator", SEPARATORS)
@pytest.mark.parametrize("headers", [HEADERS, "\n"], ids=["headers", "bare"])
def test_webmail_separator_is_cut(separator: str, headers: str) -> None:
    reply = extract_reply(f"{TEXT}\n\n{separator}\n{headers}Friday at 6?\n")
    assert reply.text == TEXT
    assert reply.thread == ("Friday at 6?",)


@pytest.mark.parametrize(
    "attribution",
    [
        "Am Montag, 3. Juni 2024 um 10:15:22 MESZ hat Anna Schmidt <anna@example.de> Folgendes geschrieben:",
        "On Monday, June 3, 2024 at 10:15:22 AM EDT, Anna Schmidt <anna@example.com> wrote:",
        "Le lundi 3 juin 2024 à 10:15:22 UTC+2, Anna <anna@example.fr> a écrit :",
        "El lunes, 3 de junio de 2024, 10:15:22 CEST, Ana García <ana@example.es> escribió:",
        "Il lunedì 3 giugno 2024, 10:15:22 CEST, Anna Rossi <anna@example.it> ha scritto:",
    ],
)
@pytest.mark.parametrize("indent", ["", "    "], ids=["plain", "indented"])
def test_yahoo_attribution_takes_the_unquoted_rest(attribution: str, indent: str) -> None:
    body = f"{TEXT}\n\n{attribution}\n\n\n{indent}Hi Jen,\n{indent}Friday at 6?\n{indent}Anna\n"
    reply = extract_reply(body)
    assert reply.text == TEXT
    assert reply.thread == ("Hi Jen,\nFriday at 6?\nAnna",)


def test_separator_words_in_prose_are_kept() -> None:
    body = "The original message is below the fold, Mail original attached as PDF.\n\nBest,\nJen"
    assert extract_reply(body).text == body
