"""The extract_reply contract that other stages code against: fields, order, signature, normalization."""

from __future__ import annotations

import dataclasses

import pytest

from panza.clean import Reply, extract_reply

THREAD = """Sounds good, see you Tuesday.

Best,
Marcus

On Mon, Jan 8, 2024 at 10:02 AM Anna Schmidt <anna@example.com> wrote:

> Tuesday at 3?
>
> Anna
>
> On Sun, Jan 7, 2024 at 9:00 PM Marcus Weber <marcus@example.com> wrote:
>
>> When can we meet?
>>
>> --
>> Marcus Weber
>> Acme GmbH | +49 30 1234567
"""


def test_reply_is_frozen_with_the_agreed_fields() -> None:
    reply = extract_reply("Hi")
    assert isinstance(reply, Reply)
    assert [f.name for f in dataclasses.fields(Reply)] == ["text", "thread", "forward", "signature"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        reply.text = "x"  # type: ignore[misc]


def test_thread_is_most_recent_first_and_each_entry_cleaned() -> None:
    reply = extract_reply(THREAD)
    assert reply.text == "Sounds good, see you Tuesday.\n\nBest,\nMarcus"
    # Anna's message (the one replied to) first, then the older one, its `-- ` signature stripped.
    assert reply.thread == ("Tuesday at 3?\n\nAnna", "When can we meet?")
    assert reply.forward is False
    assert reply.signature is None


def test_signature_field_holds_what_was_removed() -> None:
    body = "Merged, thanks.\n\nCheers,\nKai\n\n-- \nKai Müller\nkai@example.org\n"
    reply = extract_reply(body)
    assert reply.text == "Merged, thanks.\n\nCheers,\nKai"
    assert reply.signature == "Kai Müller\nkai@example.org"

    mobile = extract_reply("On my way.\n\nSent from my iPhone\n")
    assert (mobile.text, mobile.signature) == ("On my way.", "Sent from my iPhone")


def test_user_names_mark_where_the_closing_ends() -> None:
    body = "Venue confirmed.\n\nJen\n\nJen Weber\nEvent Coordinator\nBrightside Events\n"
    assert extract_reply(body, user_names=["Jen Weber", "Jen"]).text == "Venue confirmed.\n\nJen"
    # Without the hint (no closing formula, no phone/URL in the block) the block is conservatively kept.
    assert extract_reply(body).text.endswith("Brightside Events")


def test_normalization_never_changes_words() -> None:
    body = "\r\n\r\nHi\u00a0Bo,\u200b   \r\n\r\n\r\n\r\nline two\t\r\n\r\n"
    assert extract_reply(body).text == "Hi Bo,\n\nline two"


def test_empty_and_whitespace_bodies() -> None:
    for body in ("", "\n\n", "   \r\n", ">", "> \n>"):
        reply = extract_reply(body)
        assert reply.text == "" and reply.forward is False


def test_pure_forward_and_forward_with_note() -> None:
    fwd = (
        "---------- Forwarded message ---------\nFrom: Anna <anna@example.com>\n"
        "Date: Mon, Jan 8, 2024 at 10:02 AM\nSubject: Budget\nTo: <bob@example.com>\n\n\nThe budget.\n"
    )
    pure = extract_reply(fwd)
    assert (pure.text, pure.forward, pure.thread) == ("", True, ("The budget.",))
    noted = extract_reply("FYI, see below.\n\n" + fwd)
    assert (noted.text, noted.forward, noted.thread) == ("FYI, see below.", False, ("The budget.",))


def test_interleaved_answers_are_all_kept_in_order() -> None:
    body = "> Q1?\n\nA1.\n\n> Q2?\n> more of Q2\n\nA2.\n\n> Q3?\nA3.\n"
    reply = extract_reply(body)
    assert reply.text == "A1.\n\nA2.\n\nA3."
    assert reply.thread == ("Q1?\n\nQ2?\nmore of Q2\n\nQ3?",)
