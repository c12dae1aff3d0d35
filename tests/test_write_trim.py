"""Drafts are cut where a small model starts looping or echoing the prompt, and left alone otherwise."""

from __future__ import annotations

from panza.llm.loops import loop_start
from panza.write.drafts import clean_draft, trim_repetition


def test_repeated_sentence_loop_is_cut() -> None:
    draft = "Dear Katrin,\n\nI can't make dinner on Saturday. I'm afraid of the weather.\n\n" + (
        "I'm afraid of the weather.\n\n" * 20
    )
    assert trim_repetition(draft) == "Dear Katrin,\n\nI can't make dinner on Saturday. I'm afraid of the weather."


def test_repeated_sentence_inside_a_paragraph_is_cut() -> None:
    loop = "I'm so glad you're enjoying your trip to Altona. " * 6
    assert trim_repetition("Jen,\n\n" + loop) == "Jen,\n\nI'm so glad you're enjoying your trip to Altona."


def test_echoed_rag_block_is_cut() -> None:
    draft = "Hey you,\n\nSunday brunch instead?\n\n---\n\nE-MAIL CONTENT:\nHey you,\n\nSunday brunch instead?"
    assert clean_draft(draft) == "Hey you,\n\nSunday brunch instead?"


def test_normal_email_is_untouched() -> None:
    email = (
        "Hi Anna,\n\nCould we move Friday's walk to Monday at 9? The nursery delivery slipped.\n\n"
        "Thanks!\n\nBest,\nJen"
    )
    assert clean_draft(email) == email


def test_short_repeats_like_closings_stay_but_a_repeated_paragraph_ends_the_draft() -> None:
    email = "Thanks!\n\nSee you Monday.\n\nThanks!\nJen"
    assert trim_repetition(email) == email  # short sentences may repeat in a real email
    assert trim_repetition("Hi Tom,\n\nSee you.\n\nSee you.\n\nSee you.") == "Hi Tom,\n\nSee you."


def test_loop_inside_one_sentence_is_cut_at_a_clause() -> None:
    start = "Dear Anna,\n\nI'm going to the nursery tomorrow.\n\nI'll take you to the Elbpark site walk tomorrow"
    draft = start + ", and I'll take you to the Elbpark site walk tomorrow" * 30 + ", and I'll take you"
    assert trim_repetition(draft) == start + "."
    assert clean_draft(draft) == start + "."


def test_phrases_a_real_email_repeats_twice_stay() -> None:
    email = ("Hi Tom,\n\nPlease let me know if you can come on Monday. If not, please let me know if you "
             "can come on Tuesday.\n\nBest,\nDavid")
    assert trim_repetition(email) == email
    assert loop_start("a a a a a a a a a a a a a a a a a a") == 12  # the third run of six; cut where the second starts
