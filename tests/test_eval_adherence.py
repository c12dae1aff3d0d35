"""Instruction adherence: facts extracted from instructions, carried or missed by drafts, and failed drafts."""

from __future__ import annotations

import pytest

from panza.write.adherence import (
    adherence_scores,
    aggregate,
    draft_score,
    extract_facts,
    fact_recall,
    failure,
    invented,
    made_up,
    without_made_up,
)

INSTR = (
    'Reply to Anna to confirm the meeting on Friday at 3pm in Zurich about the $500 budget, '
    'see https://example.org/plan and mention "project Tiger".'
)


def _facts(text: str) -> list[tuple[str, str]]:
    return [(f.kind, f.text) for f in extract_facts(text)]


def test_every_kind_of_fact_is_found() -> None:
    assert _facts(INSTR) == [
        ("name", "Anna"),
        ("day", "Friday"),
        ("time", "3pm"),
        ("place", "Zurich"),
        ("amount", "$500"),
        ("link", "https://example.org/plan"),
        ("quote", "project Tiger"),
    ]
    assert _facts("Ask Bob to send the report by March 3rd and bring 2 slides at 10:30 with three colleagues.") == [
        ("name", "Bob"),
        ("date", "March 3rd"),
        ("number", "2"),
        ("time", "10:30"),
        ("number", "three"),
    ]
    assert _facts("Tell Mary Johnson I land in New York on 12/05 at noon; write to jo@example.com.") == [
        ("name", "Mary Johnson"),
        ("place", "New York"),
        ("date", "12/05"),
        ("time", "noon"),
        ("link", "jo@example.com"),
    ]
    assert _facts("Write a short email thanking the team for their work.") == []
    # a possessive day before a name: the day is one fact, the place after it another
    assert _facts("Write to Anna to move Friday's Elbpark site walk to Monday at 9.") == [
        ("name", "Anna"),
        ("day", "Friday"),
        ("name", "Elbpark"),
        ("day", "Monday"),
        ("number", "9"),
    ]


def test_facts_are_matched_in_any_reasonable_form() -> None:
    draft = (
        "Hi Anna,\n\nI confirm our meeting on friday at 3 PM in Zurich. The budget of $500 is fine; "
        "see https://example.org/plan. Project Tiger is on track!\nBest, David"
    )
    assert fact_recall(INSTR, draft) == (7, 7)
    other = "Ask Bob to send the report by March 3rd and bring 2 slides at 10:30 with three colleagues."
    assert fact_recall(other, "Bob, the report by 3 March please, two slides, 10:30, and 3 colleagues.") == (5, 5)
    assert fact_recall("Tell Mary Johnson I land at noon.", "Dear Mary, I land at 12:00 pm.") == (2, 2)


def test_wrong_or_missing_facts_are_not_carried() -> None:
    draft = "Hi Anna, see you on Thursday at 4pm in Geneva; the budget is $5000."
    s = adherence_scores(INSTR, draft)
    assert s["facts"] == 7 and s["facts_carried"] == 1  # only the name
    assert s["facts_missed"] == ["Friday", "3pm", "Zurich", "$500", "https://example.org/plan", "project Tiger"]
    assert fact_recall("Meet at 15:30 on March 3.", "Meet at 3:30 on March 13.") == (1, 2)  # 3:30 = 15:30 without am/pm


@pytest.mark.parametrize(
    ("draft", "why"),
    [
        ("", "empty"),
        ("  Thanks ", "empty"),
        ("I'm sorry, but I can't help with that request.", "refusal"),
        ("As an AI language model, I do not write personal emails.", "refusal"),
        ("Reply to Anna to confirm the meeting on Friday.", "echo"),
        ("Confirm the meeting on Friday with Anna", "echo"),
        ("Hi Anna, see you on Friday then. " * 4, "loop"),
        ("Hi Anna,\n\nconfirmed for Friday, see you at the meeting.\n\nBest,\nDavid", None),
    ],
)
def test_failures(draft: str, why: str | None) -> None:
    assert failure("Reply to Anna to confirm the meeting on Friday.", draft) == why


def test_aggregate_counts_only_instructions_with_facts() -> None:
    recs = [
        adherence_scores(INSTR, "Hi Anna, Friday 3pm in Zurich works."),  # 4 of 7
        adherence_scores("Thank the team.", "Thanks a lot, team, great work!"),  # no facts: not in the mean
        adherence_scores("Ask Bob for the report.", ""),  # 1 fact, empty draft
    ]
    agg = aggregate(recs)
    assert agg["drafts_with_facts"] == 2
    assert agg["fact_recall"] == pytest.approx((4 / 7 + 0) / 2)
    assert agg["failure_rate"] == pytest.approx(1 / 3) and agg["failures"] == {"empty": 1}


def test_names_after_titles_and_not_contractions() -> None:
    assert _facts("Write to Prof. Aman to request a meeting.") == [("name", "Aman")]
    assert _facts("Reply to Jin to say I'm travelling this weekend.") == [("name", "Jin"), ("day", "weekend")]


def test_what_the_user_declines_must_stay_declined() -> None:
    """A draft that keeps the day but drops the "can't" says the opposite of the instruction."""
    katrin = "Reply to Katrin to say I can't make dinner on Saturday but could do Sunday brunch instead."
    assert _facts(katrin) == [
        ("name", "Katrin"), ("negation", "can't make dinner"), ("day", "Saturday"), ("day", "Sunday"),
    ]
    assert fact_recall(katrin, "Dear Katrin,\n\nI'm so glad you're on Saturday and Sunday brunch.\n\nJen") == (3, 4)
    assert fact_recall(katrin, "Dinner on Saturday sounds great, Katrin! Unfortunately Sunday is out.") == (3, 4)
    for draft in (
        "Hi Katrin, sorry, I cannot come to dinner on Saturday. Sunday brunch instead?",
        "Katrin, I won't make it to Saturday's dinner, but how about brunch on Sunday?",
        "Dear Katrin,\nUnfortunately dinner on Saturday doesn't work for me. Sunday brunch?",
    ):
        assert fact_recall(katrin, draft) == (4, 4), draft
    # the negation must cover what is declined: its own clause, not a later one about something else
    # (a demo draft the writer kept, 2026-12)
    keeps_dinner = (
        "Hi Katrin,\n\nn't I? I'd love to make dinner on Saturday, but I'd have to arrange the tickets, and I'm "
        "not sure how to do the brunch on Sunday."
    )
    assert fact_recall(katrin, keeps_dinner) == (3, 4)
    assert fact_recall(katrin, "Katrin, dinner on Saturday won't work for me; brunch on Sunday would.") == (4, 4)
    assert _facts("Reply to Tom that I won't be able to attend the workshop.") == [
        ("name", "Tom"), ("negation", "won't be able to attend"),
    ]
    assert fact_recall("Tell Tom I won't be able to attend.", "Tom, I can't attend, sorry.") == (2, 2)
    # negated words about the email itself, or with nothing to look for, are no facts
    assert _facts("Write to Lea but don't mention the price.") == [("name", "Lea")]
    assert _facts("Say we can not go.") == []
    assert _facts("Send the slides, not only the notes, whether or not Kim asks.") == [("name", "Kim")]


def test_a_clause_said_twice_is_counted_and_ranks_lower() -> None:
    anna = "Write to Anna to move the site walk to Monday at 9, because the nursery delivery slipped."
    # a demo draft (2026-12): every fact, but the second sentence says the first one again
    twice = (
        "Hi Anna,\n\nThe site walk moves to Monday at 9, the nursery delivery slipped. I'll bring the nursery "
        "staff, too, and I'll bring the nursery staff.\n\nJen"
    )
    once = (
        "Hi Anna,\n\nCould we do the site walk on Monday at 9 instead? Our nursery delivery slipped, so "
        "there is nothing planted to see yet.\n\nThanks,\nJen"
    )
    assert fact_recall(anna, twice) == fact_recall(anna, once)
    rec = adherence_scores(anna, twice)
    assert rec["repeats"] == "ill bring the nursery staff" and rec["failure"] is None  # not a loop: no failure
    assert adherence_scores(anna, once)["repeats"] is None
    assert draft_score(anna, once) == 1.0 and draft_score(anna, twice) == 0.75
    agg = aggregate([rec, adherence_scores(anna, once)])
    assert agg["repeat_rate"] == 0.5 and agg["failure_rate"] == 0.0


def test_real_sent_mail_says_no_clause_twice(shared_data) -> None:
    """The repetition cost must not hit what people write: none of a real user's sent emails has one."""
    import json

    from panza.llm.loops import repeated_run

    emails = [json.loads(line)["email"] for line in (shared_data / "panza-david.jsonl").open()]
    assert len(emails) > 100
    assert [e for e in emails if repeated_run(e)] == []


def test_days_dates_and_times_the_instruction_does_not_give_are_invented_and_rank_lower() -> None:
    anna = "Write to Anna to move Friday's Elbpark site walk to Monday at 9, because the nursery delivery slipped."
    # a demo draft (2026-12-07): Monday and 9 are there, so recall is full, but the walk moved to Tuesday
    muddled = (
        "Hi Anna,\n\nThursday's Elbpark site walk is the only way. I'm only going to move Friday's on Tuesday at 9."
        "\n\nI'd love to see the nursery delivery on Monday too.\n\nJen"
    )
    right = "Hi Anna,\n\nThe nursery delivery slipped, so let's move Friday's Elbpark site walk to Monday at 9:00.\n\nJen"
    assert fact_recall(anna, muddled) == fact_recall(anna, right) == (5, 5)
    assert invented(anna, muddled) == ["Thursday", "Tuesday"]
    assert invented(anna, right) == []  # "9:00" is the instruction's "at 9"; Friday and Monday are given
    assert draft_score(anna, right) == 1.0 and draft_score(anna, muddled) == 0.5
    reply = "Hi Anna, Tuesday at 9 works, see you at the Elbpark."  # the day comes from the thread it answers
    assert invented(anna, reply) == ["Tuesday"] and invented(anna, reply, given="Can we do Tuesday?") == []
    assert draft_score(anna, reply, "Can we do Tuesday?") == draft_score(anna, reply) + 0.25
    recs = [adherence_scores(anna, muddled), adherence_scores(anna, right)]
    assert recs[0]["invented"] == ["Thursday", "Tuesday"] and aggregate(recs)["invented_rate"] == 0.5
    late = "Hi Anna, the site walk moves to Monday at 11, or at 10am, or 12:30 on March 5th or 3/4. Version 2.5."
    assert invented(anna, late) == ["10am", "12:30", "March 5th", "3/4", "at 11"]  # not the version number
    assert invented("Ask Tom for the report by 3pm on Friday, March 3.", "Tom, the report by 15:00 on Friday 3 March?") == []
    # a near day commits the user too (the 2026-12-08 demo: "I'll bring the site walk to the nursery tomorrow")
    walk = "Hi Anna, I'll bring the Elbpark site walk to the nursery tomorrow, at 9, because the delivery slipped."
    assert invented(anna, walk) == ["tomorrow"]
    assert invented("Tell Tom I'll send the slides tomorrow.", "Tom, slides tomorrow!") == []
    assert invented(anna, walk, given="Can you come tomorrow?") == []



def test_names_in_any_latin_greek_or_cyrillic_spelling_are_whole_facts() -> None:
    # with A-Z only, "Jonas Krüger" was the fact "Jonas Kr", which no draft carries, and "Élodie" no name at all
    instr = "Write to Jonas Krüger that Élodie Martin meets Derya Yılmaz at Große Elbstraße on Monday; cc Łukasz, Ольга."
    assert _facts(instr) == [
        ("name", "Jonas Krüger"),
        ("name", "Élodie Martin"),
        ("name", "Derya Yılmaz"),
        ("place", "Große Elbstraße"),
        ("day", "Monday"),
        ("name", "Łukasz"),
        ("name", "Ольга"),
    ]
    draft = "Hi Jonas,\n\nÉlodie meets Derya Yılmaz at Große Elbstraße on Monday. Łukasz, Ольга: fyi.\n\nJen"
    assert fact_recall(instr, draft) == (7, 7)
    assert fact_recall(instr, "Hi Jonas, Élodie meets Derya on Monday.") == (4, 7)  # no Elbstraße, Łukasz, Ольга


def test_names_and_numbers_nobody_gave_are_made_up_and_rank_lower() -> None:
    katrin = "Reply to Katrin to say I can't make dinner on Saturday but could do Sunday brunch instead."
    # demo drafts (2026-12-07): both carry every fact; one goes on with a daughter and a church nobody mentioned
    padded = (
        "Dear Katrin,\n\nI can't make dinner on Saturday, but I'd love Sunday brunch instead. It's the brunch at "
        "Café Elbe, and I'm thinking of my daughter, Anna, in the kitchen.\n\nLove,\nJen"
    )
    plain = "Dear Katrin,\n\nI can't make dinner on Saturday, but I'd love Sunday brunch instead.\n\nLove,\nJen"
    assert fact_recall(katrin, padded) == fact_recall(katrin, plain) == (4, 4)
    assert made_up(katrin, padded) == ["Café Elbe", "Anna"]  # the greeting and the sign-off name are the user's own
    assert made_up(katrin, plain) == []
    # each costs a quarter of one fact's share: among drafts that carry as much the plain one wins, yet no
    # draft trades a fact for having added nothing
    assert draft_score(katrin, plain) == 1.0 and draft_score(katrin, padded) == 1 - 2 * 0.25 / 4
    assert draft_score(katrin, padded) > draft_score(katrin, plain.replace("on Saturday", "")) == 0.75
    # what the prompt gave is not made up: the user's preamble names Anna, the thread the 30 guests
    preamble = "My name is Jen Weber. My colleague is Anna Schulz. We go to Café Elbe."
    assert made_up(katrin, padded, preamble) == []
    assert draft_score(katrin, padded, context=preamble) == 1.0
    guests = "Hi Katrin,\n\nI can't make dinner on Saturday for 30 guests, but Sunday brunch works.\n\nJen"
    assert made_up(katrin, guests) == ["30"]
    assert draft_score(katrin, guests, given="We are 30 guests on Saturday.") == 1.0
    recs = [adherence_scores(katrin, padded), adherence_scores(katrin, guests, "We are 30 guests."), adherence_scores(katrin, plain)]
    assert [r["made_up"] for r in recs] == [["Café Elbe", "Anna"], [], []]
    assert aggregate(recs)["made_up_rate"] == 1 / 3
    # a held-out Jen draft signs with her name alone, after no sign-off phrase: still the signature
    signed = "Dear Ms Yılmaz,\n\nI'll bring 12 pictures on Friday.\n\nSee you on Friday,\nJen"
    assert made_up("Write to Ms Yılmaz to bring 12 pictures on Friday.", signed) == []
    assert made_up("Ask Tom for the 2 reports.", "Hi Tom,\n\ncould you send the two reports?\n\nBest,\nDavid") == []


def test_sentences_that_make_things_up_are_cut_where_the_facts_survive() -> None:
    katrin = "Reply to Katrin to say I can't make dinner on Saturday but could do Sunday brunch instead."
    # the demo's kept draft (2026-12-07): what was asked, then a daughter nobody mentioned
    padded = (
        "Dear Katrin, I can't make dinner on Saturday, but I'd love Sunday brunch instead. It's the Sunday brunch "
        "service in the church, and I'm thinking of my daughter, Anna, in the kitchen.\n\nI'll go now!\n\nLove,\nJen"
    )
    cut = without_made_up(katrin, padded)
    assert cut == "Dear Katrin, I can't make dinner on Saturday, but I'd love Sunday brunch instead.\n\nI'll go now!\n\nLove,\nJen"
    assert (draft_score(katrin, padded), draft_score(katrin, cut)) == (1 - 0.25 / 4, 1.0)
    assert without_made_up(katrin, padded, context="Anna: see you at church on Sunday!") == padded  # given, kept
    anna = "Write to Anna to move Friday's Elbpark site walk to Monday at 9, because the nursery delivery slipped."
    # a made-up time (10) and duration (1 hour) go; the sentence that carries the facts stays, wrong time and all
    drift = (
        "Dear Anna,\n\nI'd like to move Friday's Elbpark site walk from Monday at 9 to Monday at 10. The nursery is "
        "in the centre of the site and the walk takes about 1 hour. I've planned it.\n\nBest,\nJen"
    )
    assert without_made_up(anna, drift) == (
        "Dear Anna,\n\nI'd like to move Friday's Elbpark site walk from Monday at 9 to Monday at 10. I've planned it."
        "\n\nBest,\nJen"
    )
    # nothing is cut that would leave a bare greeting and sign-off, or that the instruction gave
    only = "Hi Katrin,\n\nAnna says no dinner on Saturday.\n\nJen"
    assert without_made_up(katrin, only) == only
    assert without_made_up(anna, "Hi Anna, Monday at 9 it is. Two days later the nursery comes.") == (
        "Hi Anna, Monday at 9 it is."
    )
