"""Instruction adherence: does the draft say what the user asked?

Used twice: the writer ranks candidate drafts with it (``writer.best_of``) and retries a draft
that fails it, and ``panza eval`` reports it. All rule-based so they are cheap, deterministic and explainable on a laptop:

* **fact recall**: the facts of the instruction (names, days, dates, times, amounts and numbers,
  places, links and addresses, quoted phrases, and what the user declines: "can't make dinner")
  found in the draft, over the facts found in the instruction. A fact is *carried* when its
  normalised form appears in the draft (a number also as a word: "3" is carried by "three"; a
  date as "March 3" or "3 March"; a refusal by a sentence that is negative and names what is
  declined: "I won't be able to come to dinner"). Instructions without facts do not count toward
  the mean.
* **failure**: the draft ignores or contradicts the instruction outright: empty, a refusal
  ("I'm sorry, but I can't …"), an echo of the instruction instead of an email, or a loop
  (the same words three times over).
* **invented**: weekdays, dates and clock times the draft gives and neither the instruction nor the
  thread it answers does ("move the walk to Monday at 9" -> "on Tuesday at 9"), which recall alone
  cannot see.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from panza.llm.loops import loop_start, repeated_run
from panza.playback.instructions import UPPER, body_for_prompt, body_lines
from panza.write.drafts import SENTENCE_END

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
RELATIVE_DAYS = ("today", "tonight", "tomorrow", "yesterday", "weekend", "next week", "this week")
MONTHS = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
)
_MONTH_ABBR = {m[:3]: m for m in MONTHS} | {"sept": "september"}
NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "hundred": 100,
}
# Capitalised words that are not names: sentence openers of instructions, pronouns, months/days
# (facts of their own) and words summaries capitalise.
_NOT_NAMES = {
    "i", "reply", "write", "ask", "tell", "thank", "thanks", "let", "inform", "send", "remind",
    "respond", "confirm", "apologize", "apologise", "request", "invite", "explain", "share", "say",
    "the", "a", "an", "and", "or", "but", "to", "for", "of", "in", "on", "at", "by", "with", "from",
    "my", "your", "his", "her", "their", "our", "this", "that", "these", "those", "it", "he", "she",
    "they", "we", "you", "me", "him", "them", "us", "mention", "also", "please", "offer", "suggest",
    "follow", "email", "propose", "decline", "accept", "forward", "update", "check", "make", "note",
    "express", "provide", "if", "as", "then", "so", "dear", "hi", "hello", "hey", "mr", "mrs", "ms",
    "dr", "prof", "re", "fw", "fwd", "ok", "okay", "yes", "no", "not", "am", "pm", "is", "are",
    *DAYS, *MONTHS, *_MONTH_ABBR,
}
REFUSALS = re.compile(
    r"\b(i'?m sorry,? but|i am sorry,? but|i (?:cannot|can't|can not|won't|am unable to|'m unable to) "
    r"(?:help|assist|write|comply|fulfil|do that|provide)|as an ai\b|as a language model|"
    r"i do not have (?:access|the ability)|i don't have (?:access|the ability)|"
    # SmolLM2's own: "I'm sorry for the misunderstanding, but as a writing assistant, I'm not equipped …"
    r"as an? (?:writing|text-based|ai|virtual|digital) (?:assistant|ai|model)|"
    r"i'?m (?:not|un) ?(?:equipped|capable|able) to|i am (?:not )?(?:equipped|capable) to|"
    r"i'?m sorry for (?:the|any) (?:misunderstanding|confusion))",
    re.IGNORECASE,
)
# A template gap instead of the user's own words: "[Your Name]", "[Recipient's Name]".
PLACEHOLDER = re.compile(r"\[(?:your|recipient|user|insert|name|sender)[^\]\n]{0,30}\]", re.IGNORECASE)

_URL = re.compile(r"\b(?:https?://|www\.)\S+|\b[\w.+-]+@[\w-]+\.[\w.-]+", re.IGNORECASE)
_QUOTED = re.compile(r"[\"“”]([^\"“”]{3,120})[\"“”]")
_TIME = re.compile(
    r"\b(?:(?:[01]?\d|2[0-3])[:.][0-5]\d\s*(?:[ap]\.?m\.?)?|(?:1[0-2]|0?[1-9])\s*[ap]\.?m\.?|noon|midnight)(?!\w)",
    re.IGNORECASE,
)
_AT_HOUR = re.compile(r"\bat ((?:1[0-2]|0?[1-9]))(?![\d:.,]?\d|\s*(?:[ap]\.?m\b|%|o['’]clock))\b", re.IGNORECASE)
_DATE_NUMERIC = re.compile(r"\b\d{1,4}[/.-]\d{1,2}(?:[/.-]\d{1,4})?\b")
_MONTH_RE = "|".join(sorted([*MONTHS, *_MONTH_ABBR], key=len, reverse=True))
_DATE_WORDS = re.compile(
    rf"\b(?:({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?|(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH_RE})\b)",
    re.IGNORECASE,
)
_AMOUNT = re.compile(
    r"(?:[$€£¥]\s?\d[\d,]*(?:\.\d+)?(?:\s?[kKmM]\b)?|\b\d[\d,]*(?:\.\d+)?\s?(?:%|percent\b|usd\b|eur\b|chf\b|dollars?\b|euros?\b))",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?(?![\w.]*\d)")
# "one" is left out: "no one", "one of them" are not amounts.
_NUMBER_WORD = re.compile(r"\b(?:" + "|".join(w for w in NUMBER_WORDS if w != "one") + r")\b", re.IGNORECASE)
# A capitalised word in any Latin, Greek or Cyrillic spelling ("Krüger", "Élodie", "Yılmaz"); with A-Z only,
# "Jonas Krüger" became the fact "Jonas Kr", which no draft carries.
_CAP = rf"[{UPPER}](?:[^\W\d_]|['’-])+"
_NAME = re.compile(rf"\b{_CAP}(?:\s+{_CAP})*")
_PLACE = re.compile(rf"\b(?:in|at|near)\s+([{UPPER}](?:[^\W\d_]|-)+(?:\s+[{UPPER}](?:[^\W\d_]|-)+)*)")
# What the user declines or denies ("I can't make dinner"): a draft that keeps the day but drops
# the "can't" says the opposite ("glad you're on for Saturday"). English instructions (playback writes them).
_NEG = r"(?:can['’]?t|cannot|can not|couldn['’]?t|won['’]?t|will not|wouldn['’]?t|don['’]?t|doesn['’]?t|didn['’]?t|" \
    r"isn['’]?t|aren['’]?t|wasn['’]?t|weren['’]?t|shouldn['’]?t|unable to|not able to|not|no longer|never)"
_NEGATION = re.compile(rf"\b{_NEG}\s+((?:[a-z][\w'’-]*\s+){{0,4}}[a-z][\w'’-]*)", re.IGNORECASE)
_NEGATIVE = re.compile(
    rf"\b(?:{_NEG}|n['’]t|no|nor|unfortunately|sadly|afraid|unable|decline|miss|skip)\b", re.IGNORECASE
)
# Words after a negation that carry no content to look for in the draft.
_NEG_STOP = {
    "to", "be", "able", "make", "it", "for", "by", "with", "from", "the", "a", "an", "any", "this", "that", "my",
    "your", "our", "their", "his", "her", "its", "yet", "have", "has", "do", "get", "go", "come", "need", "want",
    "think", "know", "see", "really", "quite", "sure", "before", "after", "anymore", "either", "too", "also",
    "going", "will", "would", "can", "about", "of", "than", "up", "out", "off", "there", "them", "him", "you", "me",
    "us",
}
# Words that end what a negation declines ("can't make dinner | on Saturday").
_NEG_END = {"on", "at", "in", "but", "and", "or", "because", "so", "until", "instead", "since", "as", "if"}
# Where a sentence's clauses part: a negation covers its own clause ("I'd love to make dinner, but I'm not
# sure about the brunch" declines no dinner).
_CLAUSE = re.compile(r"[;:—–]|,?\s+\b(?:but|and|while|whereas|although|though|however)\b", re.IGNORECASE)
# Negated verbs about the email itself ("don't mention the price"): nothing to find in the draft.
_META_VERBS = {"mention", "include", "say", "write", "tell", "add", "use", "sign", "cc", "forward", "reveal", "share"}


@dataclass(frozen=True)
class Fact:
    kind: str  # name | place | day | date | time | amount | number | link | quote | negation
    text: str  # as written in the instruction

    def carried_by(self, draft: str) -> bool:
        return fact_in_text(self, draft)


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w@./:%$€£-]+", " ", text.lower()).split())


def _has_phrase(text: str, phrase: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text) is not None


def _digits(s: str) -> str:
    return re.sub(r"[^\d.]", "", s).rstrip(".")


def _plain(word: str) -> str:
    """A capitalised word without quotes or a possessive 's, lower-cased, to look up in _NOT_NAMES."""
    return re.sub(r"['’]s$", "", word.strip("'’")).lower()


def extract_facts(instruction: str) -> list[Fact]:
    """The checkable facts of an instruction, each once, in order of appearance."""
    facts: list[tuple[int, Fact]] = []
    taken: list[tuple[int, int]] = []

    def add(kind: str, m: re.Match[str], group: int = 0) -> None:
        s, e = m.span(group)
        if any(s < te and ts < e for ts, te in taken):
            return
        taken.append((s, e))
        text = m.group(group).strip()
        facts.append((s, Fact(kind, text.rstrip(".,;:!?)") if kind == "link" else text)))

    for m in _URL.finditer(instruction):
        add("link", m)
    for m in _QUOTED.finditer(instruction):
        add("quote", m, 1)
    for m in _DATE_WORDS.finditer(instruction):
        add("date", m)
    for m in _DATE_NUMERIC.finditer(instruction):
        add("date", m)
    for m in _TIME.finditer(instruction):
        add("time", m)
    for m in _AMOUNT.finditer(instruction):
        add("amount", m)
    for m in _NUMBER.finditer(instruction):
        add("number", m)
    for word in (*DAYS, *RELATIVE_DAYS):
        for m in re.finditer(rf"\b{word}s?\b", instruction, re.IGNORECASE):
            add("day", m)
    for m in _NUMBER_WORD.finditer(instruction):
        add("number", m)
    for m in _PLACE.finditer(instruction):
        words = [w for w in m.group(1).split() if w.lower() not in _NOT_NAMES]
        if words and m.group(1).split()[0].lower() not in _NOT_NAMES:
            add("place", m, 1)
    for m in _NEGATION.finditer(instruction):
        what = negated_words(m.group(1))
        first = m.group(1).split()[0].lower()
        idiom = first == "only" or re.search(r"\bor\s+$", instruction[: m.start()])  # "not only", "or not"
        if what and first not in _META_VERBS and not idiom:
            end = m.start(1) + m.group(1).lower().index(what[-1]) + len(what[-1])
            if not any(m.start() < te and ts < end for ts, te in taken):
                taken.append((m.start(), end))
                facts.append((m.start(), Fact("negation", instruction[m.start():end])))
    for m in _NAME.finditer(instruction):
        words = m.group(0).split()
        while words and (_plain(words[0]) in _NOT_NAMES or re.match(r"I['’]", words[0])):
            words.pop(0)  # "Friday's Elbpark": the day is a fact of its own, Elbpark is a name
        while words and _plain(words[-1]) in _NOT_NAMES:
            words.pop()
        if not words:
            continue
        name = " ".join(words)
        start = m.start() + m.group(0).index(words[0])
        before = instruction[:start]
        opener = re.search(r"(?:^|[.!?:;]\s+)$", before) and not re.search(r"\b(?:Prof|Dr|Mr|Mrs|Ms|St)\.\s+$", before)
        if len(words) == 1 and opener:
            continue  # a capitalised sentence opener ("Meet at 3") is not a name; "Prof. Aman" is
        if any(start < te and ts < start + len(name) for ts, te in taken):
            continue
        taken.append((start, start + len(name)))
        facts.append((start, Fact("name", re.sub(r"['’]s$", "", name))))
    seen: set[tuple[str, str]] = set()
    out = []
    for _, f in sorted(facts, key=lambda x: x[0]):
        key = (f.kind, f.text.lower())
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def _number_forms(value: str) -> set[str]:
    forms = {value, value.replace(",", "")}
    try:
        n = float(value.replace(",", ""))
    except ValueError:
        return forms
    if n.is_integer():
        forms.add(str(int(n)))
        forms.update(w for w, v in NUMBER_WORDS.items() if v == int(n))
    return forms


def fact_in_text(fact: Fact, draft: str) -> bool:
    """Whether ``draft`` carries ``fact`` (case-insensitive, tolerant of format, not of meaning)."""
    text = _norm(draft)
    if fact.kind in ("number", "amount"):
        word = NUMBER_WORDS.get(fact.text.lower())
        digits = str(word) if word is not None else _digits(fact.text)
        numbers = {_digits(m.group()) for m in re.finditer(r"\d[\d,]*(?:\.\d+)?", draft)}
        words = set(text.split())
        return bool(_number_forms(digits) & (numbers | words))
    if fact.kind == "date":
        m = _DATE_WORDS.fullmatch(fact.text.strip())
        if m:
            month = (m.group(1) or m.group(4)).lower().rstrip(".")
            month = _MONTH_ABBR.get(month, month)
            day = str(int(m.group(2) or m.group(3)))
            for dm in _DATE_WORDS.finditer(draft):
                dmonth = (dm.group(1) or dm.group(4)).lower().rstrip(".")
                if _MONTH_ABBR.get(dmonth, dmonth) == month and str(int(dm.group(2) or dm.group(3))) == day:
                    return True
            return False
        return fact.text in draft
    if fact.kind == "time":
        want = parse_time(fact.text)
        return any(_same_time(want, parse_time(m.group())) for m in _TIME.finditer(draft))
    if fact.kind == "day":
        day = fact.text.lower()
        day = day[:-1] if day.endswith("s") and day[:-1] in DAYS else day
        return _has_phrase(text, day) or _has_phrase(text, day + "s")
    if fact.kind == "name":  # "Mary Johnson" is carried by "Dear Mary" or "Ms. Johnson"
        return any(_has_phrase(text, w) for w in _norm(fact.text).split() if len(w) > 2) or _has_phrase(
            text, _norm(fact.text)
        )
    if fact.kind == "link":
        return fact.text.lower().rstrip(".,;") in draft.lower()
    if fact.kind == "negation":  # one clause that is negative and names what is declined
        m = _NEGATION.match(fact.text)
        what = negated_words(m.group(1)) if m else []
        for sentence in re.split(r"(?<=[.!?])\s+|\n+", draft):
            for clause in _CLAUSE.split(sentence):
                words = _words(clause)
                if _NEGATIVE.search(clause) and any(w.startswith(c[:5]) for c in what for w in words):
                    return True
        return False
    return _has_phrase(text, _norm(fact.text))


def negated_words(phrase: str) -> list[str]:
    """The content words of what a negation declines: "make dinner on Saturday" -> ["dinner"]."""
    out = []
    for w in _words(phrase):
        if w in _NEG_END:
            break
        if w not in _NEG_STOP and w not in DAYS and not w.isdigit() and len(w) > 2:
            out.append(w)
    return out


def parse_time(text: str) -> tuple[int, int, bool]:
    """(hour 0-23, minute, whether am/pm was given) of a time as ``_TIME`` finds it."""
    t = re.sub(r"([ap])\.?m\.?$", r"\1m", re.sub(r"\s+", "", text.lower())).replace(".", ":")
    if t in ("noon", "midnight"):
        return (12 if t == "noon" else 0), 0, True
    m = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?([ap]m)?", t)
    if not m:
        return -1, -1, False
    hour, minute, half = int(m.group(1)), int(m.group(2) or 0), m.group(3)
    if half:
        hour = hour % 12 + (12 if half == "pm" else 0)
    return hour, minute, bool(half)


def _same_time(a: tuple[int, int, bool], b: tuple[int, int, bool]) -> bool:
    """Equal times; without am/pm on one side, 3:00 and 15:00 count as the same."""
    if a[1] != b[1] or a[0] < 0 or b[0] < 0:
        return False
    return a[0] == b[0] if a[2] and b[2] else a[0] % 12 == b[0] % 12


def fact_recall(instruction: str, draft: str) -> tuple[int, int]:
    """(facts carried, facts asked for)."""
    facts = extract_facts(instruction)
    return sum(f.carried_by(draft) for f in facts), len(facts)


# Days named from today: "I'll send it tomorrow" commits the user to a day as much as "on Friday" does.
_NEAR_DAYS = ("today", "tonight", "tomorrow", "yesterday")


def invented(instruction: str, draft: str, given: str = "") -> list[str]:
    """The weekdays, near days (today, tonight, tomorrow, yesterday), dates and clock times ``draft`` gives that
    ``instruction`` does not (nor ``given``: the thread the draft answers, whose days a reply may name).

    Why: a small model keeps the asked-for day and adds another ("move Friday's walk to Monday at 9" ->
    "Thursday's walk … on Tuesday at 9"); recall alone cannot tell that draft from a right one, and a
    wrong day in a sent email is worse than a missing one."""
    source = f"{instruction}\n{given}" if given else instruction
    out = []
    for f in extract_facts(draft):
        day = f.kind == "day" and (f.text.lower().removesuffix("s") in DAYS or f.text.lower() in _NEAR_DAYS)
        date = f.kind == "date" and ("/" in f.text or _DATE_WORDS.fullmatch(f.text) is not None)  # not "2.5"
        time = f.kind == "time" and not _bare_hour(f.text, source)
        if (day or date or time) and not fact_in_text(f, source):
            out.append(f.text)
    for m in _AT_HOUR.finditer(draft):  # "the site walk at 11": a time, though no clock format says so
        if not _bare_hour(m.group(1), source):
            out.append(m.group(0))
    return out


# What a draft may not make up beyond its days and times: a wrong name or number costs the user as much.
_MADE_UP = ("name", "place", "number", "amount")


def made_up(instruction: str, draft: str, context: str = "") -> list[str]:
    """The names, places and numbers in the body of ``draft`` that neither ``instruction`` nor ``context``
    gives (``context``: what the writer's prompt told the model about this email, i.e. the thread and past
    emails, not the preambles).

    Why: a small model pads a right draft with details it makes up ("my daughter, Anna", "a 30-mile radius",
    "two days' work"); the user would have to find and delete each. The greeting and sign-off are left
    out: they name the recipient and the user."""
    source = f"{instruction}\n{context}"
    body = body_for_prompt(draft, max_chars=len(draft) + 1)
    return [f.text for f in extract_facts(body) if f.kind in _MADE_UP and not fact_in_text(f, source)]


def without_made_up(instruction: str, draft: str, given: str = "", context: str = "") -> str:
    """``draft`` without its body sentences that make up a day, time, name, place or number (:func:`invented`,
    :func:`made_up`), each dropped only where the draft still carries as many of the instruction's facts and
    still reads as an email without it.

    Why: a small model often says what was asked in its first sentence and then keeps going with details
    nobody gave ("I can't make dinner on Saturday, but I'd love Sunday brunch instead. It's the brunch
    service in the church, and I'm thinking of my daughter, Anna."). The user would delete that sentence;
    the writer does it for them, and a draft it cannot fix so keeps its lower score."""
    def joined(lines: list[str]) -> str:  # an emptied line leaves no run of blank lines behind
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()

    lines = draft.split("\n")
    first, end = body_lines(lines)
    source = f"{given}\n{context}"
    want = fact_recall(instruction, draft)[0]
    for n in range(first, end):
        sentences = SENTENCE_END.split(lines[n])
        for k in range(len(sentences) - 1, -1, -1):
            bad = invented(instruction, sentences[k], given) or made_up(instruction, sentences[k], source)
            if not bad:
                continue
            trial = [*lines[:n], " ".join(sentences[:k] + sentences[k + 1 :]), *lines[n + 1 :]]
            text = joined(trial)
            if fact_recall(instruction, text)[0] >= want and failure(instruction, text) is None:
                lines, sentences = trial, sentences[:k] + sentences[k + 1 :]
    out = joined(lines)
    return out if out != draft.strip() else draft


def _bare_hour(time: str, text: str) -> bool:
    """``time`` is a full hour that ``text`` gives as a bare number ("9:00" for "Monday at 9")."""
    hour, minute, _ = parse_time(time)
    return minute == 0 and hour >= 0 and bool(re.search(rf"(?<![\d.:])(?:{hour}|{hour % 12 or 12})(?![\d:])", text))


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def failure(instruction: str, draft: str) -> str | None:
    """Why the draft ignores the instruction (``empty``, ``refusal``, ``echo``, ``loop``), or ``None``."""
    words = _words(draft)
    if len(words) < 2:
        return "empty"
    if REFUSALS.search(draft):
        return "refusal"
    instr = _words(instruction)
    if instr:
        inside = sum(1 for w in words if w in set(instr)) / len(words)
        # An echo restates the instruction instead of writing the email: nearly every word of the
        # draft comes from it and the draft is not much longer than it.
        if inside >= 0.8 and len(words) <= 1.5 * len(instr) + 3:
            return "echo"
    if loop_start(draft) is not None:
        return "loop"
    return None


def adherence_scores(instruction: str, draft: str, given: str = "") -> dict[str, Any]:
    """Per-draft adherence record: facts found/carried, the missed ones, the failure kind, a clause said twice,
    the days, dates and times the instruction does not give, and the names, places and numbers neither it nor
    ``given`` (the thread) gives."""
    facts = extract_facts(instruction)
    missed = [f.text for f in facts if not f.carried_by(draft)]
    return {
        "facts": len(facts),
        "facts_carried": len(facts) - len(missed),
        "facts_missed": missed,
        "failure": failure(instruction, draft),
        "repeats": repeated_run(draft),
        "invented": invented(instruction, draft, given),
        "made_up": made_up(instruction, draft, given),
    }


def aggregate(records: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Mean fact recall over drafts whose instruction has facts, and the share of failed drafts."""
    recs = list(records)
    with_facts = [r for r in recs if r["facts"]]
    kinds: dict[str, int] = {}
    for r in recs:
        if r["failure"]:
            kinds[r["failure"]] = kinds.get(r["failure"], 0) + 1
    return {
        "fact_recall": (
            sum(r["facts_carried"] / r["facts"] for r in with_facts) / len(with_facts) if with_facts else None
        ),
        "drafts_with_facts": len(with_facts),
        "failure_rate": sum(kinds.values()) / len(recs) if recs else None,
        "failures": kinds,
        "repeat_rate": sum(1 for r in recs if r.get("repeats")) / len(recs) if recs else None,
        "invented_rate": sum(1 for r in recs if r.get("invented")) / len(recs) if recs else None,
        "made_up_rate": sum(1 for r in recs if r.get("made_up")) / len(recs) if recs else None,
    }



def draft_score(instruction: str, draft: str, given: str = "", context: str = "") -> float:
    """How well ``draft`` does what ``instruction`` asks, for ranking candidates: fact recall
    (1.0 when the instruction has no facts), minus 2 for a failure (empty, refusal, echo, loop),
    0.25 per template gap ("[Your Name]") the user would have to fill in, per weekday, date or time the
    instruction does not give (:func:`invented`), which the user would have to correct, and for a clause
    said twice (:func:`~panza.llm.loops.repeated_run`), which the user would have to delete; and a quarter
    of one fact's share per name, place or number that neither the instruction, ``given`` nor ``context``
    gives (:func:`made_up`): among drafts that carry as much, the one that adds nothing wins, but a draft
    never trades a fact it was asked for against a detail it added (on Jen's held-out mail a full
    0.25 did: facts carried 0.926 -> 0.895)."""
    if failure(instruction, draft):
        return -2.0
    carried, total = fact_recall(instruction, draft)
    gaps = len(PLACEHOLDER.findall(draft)) + len(invented(instruction, draft, given)) + (repeated_run(draft) is not None)
    extra = len(made_up(instruction, draft, f"{given}\n{context}"))
    return (carried / total if total else 1.0) - 0.25 * gaps - 0.25 * extra / max(1, total)
