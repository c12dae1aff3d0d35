"""Issue #12's levers: instructions that state the email's facts, refusals caught, best-of-n drafts.

The playback helpers are pure text functions; the writer's candidate choice runs the real embedded
model through llama.cpp (a few tokens per draft, so it stays fast).
"""

from __future__ import annotations

from typing import Any

import pytest

from panza.playback import Playback, PlaybackSettings
from panza.playback import instructions as T
from panza.write.adherence import draft_score, failure

EMAIL = (
    "Hi Anna,\n\nYes, 15th and 16th would be perfect, and I am happy to cover the train tickets "
    "from/to Riga. Let's talk next week about the agenda.\n\nBest,\nDavid"
)


def test_instruction_facts_come_from_the_email_without_the_recipient() -> None:
    facts = T.instruction_facts({"email": EMAIL, "subject": "Re: workshop"})
    assert facts[:2] == ["15th", "16th"]  # numbers first
    assert "Riga" in facts and "next week" in facts
    assert "Anna" not in facts  # the opening names her already
    assert "David" not in facts  # the user's own signature
    assert all(f.lower() in EMAIL.lower() for f in facts)  # nothing invented
    assert len(T.instruction_facts({"email": EMAIL}, limit=2)) == 2


def test_with_facts_adds_only_what_is_missing_and_stays_short() -> None:
    facts = ["15th", "16th", "Riga"]
    out = T.with_facts("Reply to Anna to confirm the dates on the 15th.", facts)
    assert out == "Reply to Anna to confirm the dates on the 15th. Mention 16th and Riga."
    assert T.with_facts(out, facts) == out  # idempotent: a cached instruction is not extended twice
    assert T.with_facts("Reply to Anna to say yes", ["Riga"]) == "Reply to Anna to say yes. Mention Riga."
    # Over the word limit: facts are dropped from the end, and none at all when even one does not fit.
    assert T.with_facts("Reply to Anna to say yes.", facts, max_words=9) == "Reply to Anna to say yes. Mention 15th."
    assert T.with_facts("Reply to Anna to say yes.", facts, max_words=6) == "Reply to Anna to say yes."
    # The added facts pass the playback check (no invented number or name).
    assert T.problem(out, EMAIL, "Reply to Anna to") is None


JEN = (
    "Hi Anna,\n\nThe site walk is on Thursday 2 February at 10:00, meeting at Am Sandtorkai 30. It takes about "
    "20 minutes, and 2 and 3 of the beds are done. The budget is 46,500 euros.\nSee you there,\nJen"
)


def test_added_facts_keep_the_words_that_say_what_they_are() -> None:
    facts = T.instruction_facts({"email": JEN}, limit=8)
    assert facts[:2] == ["2", "10:00"]  # bare, as the email's numbers are found
    out = T.in_context(JEN, facts)
    assert out[:3] == ["Thursday 2 February", "10:00", "30"]  # "Am Sandtorkai 30": no unit after it
    assert "20 minutes" in out and "46,500 euros" in out
    assert "3" in out  # "3 of the beds": "of" counts nothing
    assert "Thursday" not in out and "February" not in out  # inside "Thursday 2 February" already
    assert all(f in JEN for f in out)  # taken from the email as written: nothing invented
    line = T.with_facts("Write to Anna to confirm the site walk.", out)
    assert T.problem(line, JEN, "Write to Anna to") is None
    assert T.in_context("Hi, the 15th and 16th work.\n\n1.0\nDear X", ["15th", "1.0"]) == ["15th", "1.0"]
    assert T.in_context("Dear Tom, see you on June 1st or 3rd.", ["1st", "3rd", "June"]) == ["June 1st", "3rd"]


def test_playback_prompt_lists_the_facts(repo_root: Any) -> None:
    from panza.playback import load_template

    template = load_template(repo_root / "configs" / "playback" / "summarization_prompt.txt")
    messages, prefill = T.summary_prompt(template, {"email": EMAIL, "subject": "Re: workshop"})
    assert "Facts: 15th, 16th, Riga, next week" in messages[-1]["content"]
    assert prefill == "Reply to Anna to"
    messages, _ = T.summary_prompt(template, {"email": "Hi Tom,\nthanks!\nDavid", "subject": "x"})
    assert "Facts: none" in messages[-1]["content"]


class _Fixed:
    """A summarizer that always answers the same continuation: the test is about what playback
    does with an accepted instruction, not about the model (the real one is tested in test_playback)."""

    def complete_chat(self, batch: list[Any], prefills: list[str], **_: Any) -> list[str]:
        return [p + " confirm the workshop dates." for p in prefills]


def test_playback_appends_missing_facts_only_when_asked() -> None:
    rec = {"email": EMAIL, "subject": "Re: workshop"}
    on = Playback(_Fixed(), _template(), model="m").run([rec], progress=False)[0]
    assert on["summary"].startswith("Reply to Anna to confirm the workshop dates. Mention 15th, 16th")
    off = Playback(_Fixed(), _template(), model="m", settings=PlaybackSettings(append_facts=False))
    assert off.run([rec], progress=False)[0]["summary"] == "Reply to Anna to confirm the workshop dates."
    jen = {"email": JEN, "subject": "Site walk"}
    words = Playback(_Fixed(), _template(), model="m").run([jen], progress=False)[0]["summary"]
    assert "Mention Thursday 2 February, 10:00," in words and "20 minutes" in words
    bare = Playback(_Fixed(), _template(), model="m", settings=PlaybackSettings(fact_context=False))
    assert "Mention 2, 10:00, 30, 20," in bare.run([jen], progress=False)[0]["summary"]


def _template() -> str:
    return "### user\nSubject: {subject}\nFacts: {facts}\n{email}\n### assistant\n{opening}\n"


@pytest.mark.parametrize(
    "draft",
    [
        "I'm sorry for the misunderstanding, but as a writing assistant, I'm not equipped to provide instructions.",
        "I'm sorry for any confusion, I'm here to help with any kind of writing.",
        "As a text-based AI, I don't have the capability to access server resources.",
    ],
)
def test_the_base_models_own_refusals_count_as_failures(draft: str) -> None:
    assert failure("Write to IT to ask what is going on with the servers.", draft) == "refusal"


def test_draft_score_prefers_carried_facts_and_punishes_failures_and_gaps() -> None:
    instr = "Write to Anna to move the site walk to Monday at 9."
    good = "Hi Anna,\n\ncould we move the site walk to Monday at 9?\n\nBest,\nJen"
    partial = "Hi Anna,\n\ncould we move the site walk to Monday?\n\nBest,\nJen"
    gap = "Hi Anna,\n\ncould we move the site walk to Monday at 9?\n\nBest,\n[Your Name]"
    refusal = "I'm sorry, but I can't help with that."
    assert draft_score(instr, good) > draft_score(instr, gap) > draft_score(instr, partial) > draft_score(instr, refusal)


class _Counting:
    """The real model behind a counter of the drafts asked for (the test checks who was re-drafted)."""

    def __init__(self, llm: Any) -> None:
        self.llm, self.calls = llm, []

    def generate(self, batch: list[Any], **sampling: Any) -> list[str]:
        self.calls.append((len(batch), bool(sampling.get("do_sample"))))
        return list(self.llm.generate(batch, **sampling))


@pytest.fixture(scope="module")
def embedded() -> Any:
    from panza.llm import load_llm

    return load_llm({"backend": "llamacpp", "n_threads": 1, "n_ctx": 1024, "sampling": {"max_new_tokens": 12}})


def test_best_of_keeps_the_draft_that_carries_most_facts(embedded: Any) -> None:
    from panza.prompt import Preambles
    from panza.write.writer import PanzaWriter, WriterOptions

    llm = _Counting(embedded)
    instr = ["Write to Anna to move Friday's site walk to Monday at 9."]
    greedy = PanzaWriter(llm, Preambles(), options=WriterOptions()).run_batch(instr)[0][0]
    writer = PanzaWriter(llm, Preambles(), options=WriterOptions(best_of=3, seed=1))
    best = writer.run_batch(instr)[0][0]
    assert llm.calls == [(1, False), (1, False), (1, True), (1, True)]  # greedy, then greedy + 2 sampled
    assert best.strip()
    assert draft_score(instr[0], best) >= draft_score(instr[0], greedy)


def test_best_of_asks_all_sampled_candidates_in_one_seeded_call(embedded: Any) -> None:
    from panza.llm.base import SeededSampler
    from panza.prompt import Preambles
    from panza.write.writer import PanzaWriter, WriterOptions

    class Seeded(_Counting):
        def generate_seeded(self, batch: list[Any], seeds: list[int], **sampling: Any) -> list[str]:
            self.calls.append(("seeded", [b[-1]["content"][-12:] for b in batch], list(seeds)))
            self.drawn = list(self.llm.generate_seeded(batch, seeds, **sampling))
            return self.drawn

    assert isinstance(embedded, SeededSampler)
    llm = Seeded(embedded)
    instr = ["Write to Anna to move Friday's site walk to Monday at 9.", "Thank Tom for the report."]
    kept = PanzaWriter(llm, Preambles(), options=WriterOptions(best_of=3, seed=5)).run_batch(instr)[0]
    tails = [f"Instruction: {i}"[-12:] for i in instr]
    # the greedy drafts, then both sampled rounds of both prompts in one call, each prompt's draws side by side
    assert llm.calls == [(2, False), ("seeded", [tails[0], tails[0], tails[1], tails[1]], [6, 7, 6, 7])]
    assert len(llm.drawn) == 4 and llm.drawn[0] != llm.drawn[1]  # two seeds, two draws of one prompt
    assert all(k.strip() for k in kept)


def test_retries_redraft_only_the_failing_drafts(embedded: Any) -> None:
    from panza.prompt import Preambles
    from panza.write.writer import PanzaWriter

    llm = _Counting(embedded)
    writer = PanzaWriter(llm, Preambles())
    writer.options.retries = 2
    # One token is never a usable email ("empty"): each retry re-drafts both, sampled.
    out = writer.run_batch(["Thank Alice for lunch.", "Ask Bob for the report."], max_new_tokens=1)[0]
    assert llm.calls == [(2, False), (2, True), (2, True)] and len(out) == 2
    llm.calls.clear()
    writer.run_batch(["Thank Alice for lunch."], max_new_tokens=24)
    # A real draft passes the check: no retry (or one, if the greedy draft happened to fail).
    assert llm.calls[0] == (1, False) and len(llm.calls) <= 3


def test_retry_missing_redrafts_drafts_that_miss_a_fact(embedded: Any) -> None:
    from panza.prompt import Preambles
    from panza.write.writer import PanzaWriter, WriterOptions

    # Twelve tokens cannot carry all of these facts: without retry_missing only a failing draft is
    # re-drafted, with it the draft is re-drafted all `retries` times, and the kept one carries at
    # least as many facts as the draft kept without.
    instr = ["Write to Anna to move Friday's Elbpark site walk to Monday at 9 because the nursery delivery slipped."]
    llm = _Counting(embedded)
    plain = PanzaWriter(llm, Preambles(), options=WriterOptions(retries=2)).run_batch(instr)[0][0]
    plain_calls = list(llm.calls)
    assert draft_score(instr[0], plain) < 1.0 and len(plain_calls) <= 3
    llm.calls.clear()
    kept = PanzaWriter(llm, Preambles(), options=WriterOptions(retries=2, retry_missing=True)).run_batch(instr)[0][0]
    assert llm.calls == [(1, False), (1, True), (1, True)] and llm.calls[: len(plain_calls)] == plain_calls
    assert draft_score(instr[0], kept) >= draft_score(instr[0], plain)


def test_retry_hint_restates_the_missed_facts_in_the_re_drafts_prompt(embedded: Any) -> None:
    from panza.prompt import Preambles
    from panza.write.writer import PanzaWriter, WriterOptions

    class Recording(_Counting):
        def generate(self, batch: list[Any], **sampling: Any) -> list[str]:
            self.prompts = [*getattr(self, "prompts", []), *(b[-1]["content"] for b in batch)]
            return super().generate(batch, **sampling)

    instr = ["Reply to Katrin to say I can't make dinner on Saturday but could do Sunday brunch instead."]
    llm = Recording(embedded)  # twelve tokens: no draft carries all four facts, so every retry runs
    opts = WriterOptions(retries=2, retry_missing=True, retry_hint=True)
    kept = PanzaWriter(llm, Preambles(), options=opts).run_batch(instr)[0][0]
    first, *retries = llm.prompts
    assert first == f"Instruction: {instr[0]}" and len(retries) == 2
    for p in retries:  # the instruction, then the facts the kept draft missed, in playback's wording
        assert p.startswith(first + " Mention ") and p.endswith(".")
        assert set(p.removeprefix(first + " Mention ").rstrip(".").replace(" and ", ", ").split(", ")) <= {
            "Katrin", "can't make dinner", "Saturday", "Sunday"}
    assert kept.strip()


def test_hinted_appends_only_missed_facts_to_the_last_user_turn() -> None:
    from panza.write.writer import hinted

    prompt = [{"role": "system", "content": "S"}, {"role": "user", "content": "Bio\n\nInstruction: Tell Tom 9 am Monday"}]
    out = hinted(prompt, "Tell Tom 9 am Monday", "Hi Tom, see you Monday.")
    assert out[0] == prompt[0] and out[1]["content"] == "Bio\n\nInstruction: Tell Tom 9 am Monday. Mention 9 am."
    assert prompt[1]["content"].endswith("Monday")  # the caller's prompt is left as it was
    assert hinted(prompt, "Tell Tom 9 am Monday", "Tom, Monday at 9 am.") is prompt  # nothing missed


def test_rouge_l_and_consensus_pick_the_draft_closest_to_the_others() -> None:
    from panza.write.consensus import consensus, lcs_len, rouge_l, words

    assert lcs_len(["a", "b", "c", "d"], ["a", "c", "d", "e"]) == 3 and lcs_len([], ["a"]) == 0
    assert rouge_l(words("Hi Anna, Monday at 9."), words("hi anna monday at 9")) == 1.0
    assert rouge_l(words("x"), []) == 0.0
    drafts = ["Hi Anna, see you on Monday at 9.", "Hi Anna, the walk moves to Monday at 9. Best, Jen",
              "Dear Anna, the site walk moves to Monday at 9 because the delivery slipped. Best, Jen",
              "Lovely weather in Hamburg."]
    assert consensus(drafts, [0, 1, 2, 3]) == 1  # shares most with every other draft
    assert consensus(drafts, [0, 3]) == 0  # only among the eligible ones
    assert consensus(["same", "same"], [0, 1]) == 0  # a tie keeps the earliest (the greedy draft)


def test_consensus_length_weight_moves_the_pick_to_the_typical_length() -> None:
    from panza.write.consensus import consensus, words

    # Plain MBR favours the short draft: its few words are in every other draft, while the longer
    # drafts each add details of their own.
    drafts = ["Hi Anna, Monday at 9 works.",
              "Hi Anna, Monday at 9 works. The nursery delivery slipped, so we move the walk. Best, Jen",
              "Hi Anna, Monday at 9 works for me. Our plants arrive late this week, sorry about Friday. Jen",
              "Hi Anna, Monday at 9 works. Could you tell the team that Friday is off? Thanks, Jen",
              "Hi Anna, Monday at 9 works well. I will bring the updated plan along with coffee. Jen"]
    plain = consensus(drafts, range(5))
    weighted = consensus(drafts, range(5), length_weight=0.5)
    assert len(words(drafts[plain])) == 6
    assert weighted != plain and len(words(drafts[weighted])) > 12
    assert consensus(drafts, range(5), length_weight=0.0) == plain  # off = plain MBR


def test_consensus_keeps_the_most_typical_of_the_most_adherent_drafts(embedded: Any) -> None:
    from panza.prompt import Preambles
    from panza.write.consensus import consensus
    from panza.write.writer import PanzaWriter, WriterOptions

    class _Recording(_Counting):
        def generate(self, batch: list[Any], **sampling: Any) -> list[str]:
            out = super().generate(batch, **sampling)
            self.outs.append(out[0])
            return out

    llm = _Recording(embedded)
    llm.outs = []
    instr = "Write to Anna to say the site walk moves to Monday."
    kept = PanzaWriter(llm, Preambles(), options=WriterOptions(best_of=5, seed=3, consensus=True)).run_batch(
        [instr], max_new_tokens=24)[0][0]
    from panza.write.drafts import clean_draft

    cands = [clean_draft(d) for d in llm.outs]
    scores = [draft_score(instr, d) for d in cands]
    top = [i for i, s in enumerate(scores) if s == max(scores)]
    assert len(cands) == 5 and kept == cands[consensus(cands, top)]
    assert draft_score(instr, kept) == max(scores)


def test_a_day_from_the_thread_a_draft_answers_is_not_made_up(embedded: Any, repo_root: Any) -> None:
    from panza.prompt import Preambles
    from panza.write.writer import PanzaWriter, WriterOptions

    instr = ["Reply to Sam to confirm the day and time of the meeting he proposed."]
    thread = [["Hi, can we meet on Tuesday at 10:30 in my office? Best, Sam"]]
    system = (repo_root / "configs" / "preambles" / "system_preamble.txt").read_text()  # the base model refuses without
    writer = PanzaWriter(embedded, Preambles(system=system), options=WriterOptions(best_of=4, seed=2))
    writer.run_batch(instr, thread, max_new_tokens=40)
    named = [(s, d) for s, d in writer.candidates[0] if "Tuesday" in d]
    assert named, writer.candidates[0]  # the real model answers with the thread's day
    for score, draft in named:
        assert score == draft_score(instr[0], draft, thread[0][0])  # scored with the thread it answers
        assert draft_score(instr[0], draft) < score  # without it, Tuesday would count as made up


def test_names_from_the_thread_or_past_emails_are_given_but_not_from_the_preamble(embedded: Any) -> None:
    from panza.index.embedder import Embedder
    from panza.index.store import EmailIndex
    from panza.prompt import Preambles
    from panza.write.writer import PanzaWriter, WriterOptions

    instr = "Reply to Katrin to say I can't make dinner on Saturday but could do Sunday brunch instead."
    draft = "Dear Katrin,\n\nI can't make dinner on Saturday, but Sunday brunch with Anna works.\n\nLove,\nJen"
    # the preamble describes the user, not this email: a name taken from it is still made up (the demo's
    # "my daughter, Anna", from Jen's colleague Anna Schulz)
    preamble = Preambles(user="My name is Jen. My colleague is Anna Schulz.")
    past = EmailIndex.build([{"email": "Hi Katrin, Anna and I loved the brunch last Sunday! Jen", "message_id": "<1@x>"}],
                           Embedder())

    def score(writer: PanzaWriter, thread: list[str] | None = None) -> float:
        assert writer.choose([instr], [writer.messages(instr, thread)], [draft], [thread]) == [draft]  # one candidate
        return writer.candidates[0][0][0]

    assert score(PanzaWriter(embedded, preamble)) == 1 - 0.25 / 4  # 4 facts: a quarter of one fact's share
    assert score(PanzaWriter(embedded, preamble), ["Katrin: bring Anna on Sunday?"]) == 1.0  # the thread names her
    rag = PanzaWriter(embedded, preamble, retriever=past, options=WriterOptions(rag_k=1, rag_threshold=0.0))
    assert "Anna and I loved the brunch" in rag.messages(instr)[-1]["content"]
    assert score(rag) == 1.0  # a past email in the prompt names her: reusing a real detail is not making it up


def test_cut_made_up_edits_each_candidate_before_it_is_scored(embedded: Any) -> None:
    from panza.prompt import Preambles
    from panza.write.writer import PanzaWriter, WriterOptions

    instr = "Reply to Katrin to say I can't make dinner on Saturday but could do Sunday brunch instead."
    draft = "Dear Katrin,\n\nI can't make dinner on Saturday, but Sunday brunch works. My niece Anna comes too.\n\nLove,\nJen"
    kept = {}
    for cut in (False, True):
        writer = PanzaWriter(embedded, Preambles(), options=WriterOptions(cut_made_up=cut))
        kept[cut] = (writer.choose([instr], [writer.messages(instr)], [draft]), writer.candidates[0][0][0])
    assert kept[False] == ([draft], 1 - 0.25 / 4)
    assert kept[True] == ([draft.replace(" My niece Anna comes too.", "")], 1.0)


def test_interactive_drafts_are_the_checked_draft_unless_a_request_picks_its_decoding(embedded: Any) -> None:
    from panza.prompt import Preambles
    from panza.write.drafts import clean_stream
    from panza.write.writer import PanzaWriter, WriterOptions

    instr = "Reply to Katrin to say I can't make dinner on Saturday but could do Sunday brunch instead."
    opts = {"best_of": 4, "retries": 1, "retry_missing": True, "seed": 3}
    checked = PanzaWriter(embedded, Preambles(), options=WriterOptions(**opts, interactive="checked"))
    kept = checked.draft(instr)
    pieces = list(checked.stream(instr))
    assert "".join(pieces) == kept and len(pieces) > 2  # the kept draft, sent word by word
    greedy = "".join(clean_stream(embedded.stream(checked.messages(instr))))
    assert len(checked.candidates[0]) >= 4 and greedy in [d for _, d in checked.candidates[0]]  # greedy competed
    # a token limit is no decoding choice: still checked; a temperature or seed is, and gets what it asked for
    assert checked.checks_stream({"max_new_tokens": 8}) and not checked.checks_stream({"temperature": 0.9})
    assert "".join(checked.stream(instr, do_sample=False, seed=1)) == greedy
    plain = PanzaWriter(embedded, Preambles(), options=WriterOptions(**opts, interactive="greedy"))
    assert "".join(plain.stream(instr)) == greedy
    assert not PanzaWriter(embedded, Preambles(), options=WriterOptions(interactive="checked")).checks_stream({})


def test_writer_interactive_takes_checked_or_greedy_and_says_so_otherwise() -> None:
    from panza.errors import PanzaError
    from panza.write.build import interactive

    assert interactive("Checked") == "checked" and interactive(" greedy") == "greedy"
    with pytest.raises(PanzaError, match=r"writer.interactive='best'.*checked.*greedy"):
        interactive("best")
