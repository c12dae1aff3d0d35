"""Pure text helpers for data playback: recipients, prompt rendering, output cleaning and checks.

Kept free of any model code so every rule (what counts as an echo, what a fallback instruction
looks like, which facts an instruction should carry) is a small function that tests pin down.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

MAX_WORDS = 60
MIN_WORDS = 4

_GREETING = re.compile(
    r"^\s*(?:dear|hi|hello|hey|hallo|hej|hiya|good\s+(?:morning|afternoon|evening)|morning|"
    r"liebe[rs]?|sehr\s+geehrte[rs]?|bonjour|salut|ciao|thanks|thank\s+you)\s+"
    r"(?P<name>[^,!:;\n.]{1,60}?(?:\.\s?[A-Z][^,!:;\n]{0,40})?)\s*(?P<punct>[,!:;]|$)",
    re.IGNORECASE | re.MULTILINE,
)
_GREETING_ONLY = re.compile(
    r"^\s*(?:dear|hi|hello|hey|hallo|hej|hiya|good\s+(?:morning|afternoon|evening)|liebe[rs]?|"
    r"sehr\s+geehrte[rs]?|bonjour|salut|ciao)\b[^\n]{0,60}[,!:]?\s*$",
    re.IGNORECASE,
)
_SIGNOFF = re.compile(
    r"^\s*(?:best(?:\s+regards|\s+wishes)?|(?:kind|warm|many|warmest)\s+regards|regards|cheers|thanks|"
    r"thank\s+you|many\s+thanks|thanks\s+again|sincerely|yours(?:\s+sincerely|\s+truly)?|all\s+the\s+best|"
    r"take\s+care|talk\s+soon|(?:viele|beste|liebe)\s+gr(?:ü|ue)(?:ß|ss)e|mit\s+freundlichen\s+gr(?:ü|ue)(?:ß|ss)en|"
    r"cordialement|bien\s+à\s+vous|saluti|un\s+saluto)\b[^\n]{0,20}[,.!]?\s*$"
    # family sign-offs, only alone or before a name: "Love the idea!" is a sentence
    r"|^\s*(?:(?:lots\s+of\s+)?love|hugs|alles\s+liebe|bisous|besos|abrazos|un\s+abrazo|xx+)[,.!]?(?:\s+\w+)?[,.!]?\s*$",
    re.IGNORECASE,
)
# The capital letters of the Latin, Greek and Cyrillic scripts (`re` has no \p{Lu}): names such as
# "Élodie", "Łukasz" or "Krüger" start with, or contain, letters outside A-Z.
UPPER = "".join(c for c in map(chr, range(0x41, 0x530)) if c.isupper())
# A signature line that is only a name: one to three capitalised words, no sentence punctuation.
_NAME_LINE = re.compile(rf"^\s*-*\s*[{UPPER}][\w'’.-]*(?:\s+[{UPPER}][\w'’.-]*){{0,2}}\s*$")
# Addressed to a group rather than a person: keep the wording a person would use.
_GROUP = {
    "all": "everyone",
    "everyone": "everyone",
    "everybody": "everyone",
    "team": "the team",
    "folks": "everyone",
    "guys": "everyone",
    "colleagues": "the colleagues",
    "both": "both of them",
    "there": "",
    "again": "",
    "so much": "",
    "a lot": "",
    "for": "",
}
_GENERIC_LOCAL = {
    "info",
    "support",
    "noreply",
    "no-reply",
    "contact",
    "office",
    "admin",
    "hello",
    "orders",
    "order",
    "team",
    "mail",
    "help",
    "service",
    "sales",
    "billing",
    "it",
    "hr",
    "jobs",
    "careers",
    "booking",
    "bookings",
    "reservations",
    "kontakt",
    "news",
    "newsletter",
    "webmaster",
    "accounts",
}
_INSTR_PREFIX = re.compile(
    r"^\s*(?:[-*•>#]+\s*)?(?:\*\*)?(?:instruction|summary|task|prompt|answer|output|request)s?\s*"
    r"(?:\d+)?\s*(?:\*\*)?\s*[:\-–]\s*(?:\*\*)?\s*",
    re.IGNORECASE,
)
_QUOTES = "\"'“”‘’`«»"
_MONTHS = frozenset(
    re.findall(
        r"\w+",
        "january february march april may june july august september october "
        "november december jan feb mar apr jun jul aug sep sept oct nov dec",
    )
)
_WEEKDAYS = frozenset(re.findall(r"\w+", "monday tuesday wednesday thursday friday saturday sunday"))
_NUMBER = re.compile(
    r"(?<![\w.])(?:\d+(?:[.,:/-]\d+)*(?:st|nd|rd|th|am|pm|h|k|%)?|\$\d[\d,.]*|€\d[\d,.]*)(?!\w)",
    re.IGNORECASE,
)
_CAP_WORD = re.compile(rf"\b[{UPPER}][\w'’-]*(?:\s+[{UPPER}][\w'’-]*)*")
_NOT_NAMES = {
    "i",
    "i'm",
    "i've",
    "i'll",
    "i'd",
    "dear",
    "hi",
    "hello",
    "hey",
    "best",
    "regards",
    "thanks",
    "thank",
    "cheers",
    "please",
    "the",
    "a",
    "an",
    "this",
    "that",
    "these",
    "those",
    "it",
    "we",
    "you",
    "they",
    "he",
    "she",
    "my",
    "our",
    "your",
    "if",
    "as",
    "so",
    "and",
    "but",
    "or",
    "also",
    "ok",
    "okay",
    "yes",
    "no",
    "sorry",
    "re",
    "fwd",
    "fw",
    "sounds",
    "great",
    "good",
    "nice",
    "let",
    "looking",
    "would",
    "could",
    "can",
    "will",
    "do",
    "does",
    "is",
    "are",
    "was",
    "in",
    "on",
    "at",
    "for",
    "to",
    "of",
    "with",
    "by",
    "from",
    "unfortunately",
    "however",
    "btw",
    "by the way",
    "p.s",
    "ps",
    "all",
    "just",
    "there",
    "here",
    "what",
    "when",
    "where",
    "who",
    "how",
    "why",
    "which",
    "any",
    "some",
    "one",
    "hope",
    "glad",
    "happy",
    "many",
    "kind",
    "warm",
    "sincerely",
    "yours",
    "hallo",
    "liebe",
    "lieber",
}


def words(text: str) -> list[str]:
    """Lower-cased word tokens, the unit for every length and overlap rule here."""
    return re.findall(r"[\w'’]+", text.lower())


def normalize(text: str) -> str:
    """Unix newlines, no trailing spaces, at most one blank line in a row."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def greeting_name(email: str) -> str | None:
    """Who the email greets ("Dear Prof. Aman," -> "Prof. Aman"), from its first lines only."""
    head = "\n".join(normalize(email).split("\n")[:2])
    m = _GREETING.search(head)
    if not m:
        return None
    name = m.group("name").strip().strip(_QUOTES).strip()
    low = name.lower()
    if low in _GROUP:
        return _GROUP[low] or None
    # Names are capitalised and short; "thanks for the file" is not a greeting.
    toks = name.split()
    if not toks or len(toks) > 4 or not toks[-1][:1].isupper():
        return None
    if m.group(0).lower().lstrip().startswith("thank") and m.group("punct") not in ",!":
        return None
    # "Hi Anna, hi Tom," greets two people.
    line = head[m.start() :].split("\n", 1)[0]
    more = re.findall(
        r",\s*(?:and\s+)?(?:dear|hi|hello|hey|liebe[rs]?)?\s*([A-ZÄÖÜ][\w'’-]+)(?=\s*[,!:]|\s*$)",
        line[m.end("name") - m.start() :],
    )
    names = [name, *[n for n in more if n.lower() not in _NOT_NAMES]][:3]
    if len(names) > 1:
        return ", ".join(names[:-1]) + " and " + names[-1]
    return name


def recipient_from_to(to: Iterable[str] | None) -> str | None:
    """A first name from the To header: the display name, else a first.last local part."""
    for addr in to or []:
        addr = str(addr).strip()
        m = re.match(r'^\s*"?([^"<@]+?)"?\s*<', addr)
        if m and m.group(1).strip():
            display = m.group(1).strip()
            if "," in display:  # "Meyer, Anna"
                display = display.split(",", 1)[1].strip() or display
            first = display.split()[0]
            if first[:1].isalpha():
                return first[:1].upper() + first[1:]
        local = addr.strip("<>").split("@", 1)[0].lower()
        first = re.split(r"[._-]", local)[0]
        if not local or local in _GENERIC_LOCAL or first in _GENERIC_LOCAL:
            continue
        if first.isalpha() and len(first) > 1:
            return first.capitalize()
    return None


def recipient(record: dict[str, Any]) -> str | None:
    """The person the email is for: its greeting first (how the user addresses them), else To."""
    return greeting_name(str(record.get("email") or "")) or recipient_from_to(record.get("to"))


def is_reply(record: dict[str, Any]) -> bool:
    subject = str(record.get("subject") or "")
    return bool(record.get("in_reply_to")) or bool(re.match(r"^\s*(re|aw|sv|antw)\s*:", subject, re.I))


def opening(record: dict[str, Any]) -> str:
    """The constrained start the model completes: "Reply to Anna to" / "Write to the team to"."""
    name = recipient(record)
    verb = "Reply to" if is_reply(record) else "Write to"
    if name:
        return f"{verb} {name} to"
    # No name known: say so, or the model borrows one from the few-shot examples.
    return "Reply to the sender to" if verb == "Reply to" else "Write an email to"


def body_lines(lines: list[str]) -> tuple[int, int]:
    """``(first, end)``: the lines of an email between a greeting-only first line and the sign-off (searched
    for in the last five lines, never the first body line), or else a last line that is only a name ("Jen
    Weber" after "See you on Friday,"); all of them for a one-line email ("Hi Anna, Monday works." reads as a
    greeting line)."""
    first = 1 if len(lines) > 1 and _GREETING_ONLY.match(lines[0]) else 0
    for i in range(len(lines) - 1, max(len(lines) - 6, first), -1):
        if _SIGNOFF.match(lines[i]):
            return first, i
    last = len(lines) - 1
    if last > first and _NAME_LINE.match(lines[last]):
        return first, last
    return first, len(lines)


def body_for_prompt(email: str, max_chars: int = 1200) -> str:
    """The email without a greeting-only first line and the sign-off, cut at a word boundary.

    Why: the small model copies whatever it sees first; the greeting and signature carry no
    content, and a short prompt keeps a 135M model on task (and fast).
    """
    lines = normalize(email).split("\n")
    first, end = body_lines(lines)
    text = normalize("\n".join(lines[first:end])) or normalize(email)
    if len(text) > max_chars:
        text = text[:max_chars].rsplit(" ", 1)[0] + " …"
    return text


ROLES = ("system", "user", "assistant")
_ROLE_LINE = re.compile(r"^###\s*(system|user|assistant)\s*$", re.IGNORECASE | re.MULTILINE)


def parse_template(template: str) -> list[dict[str, str]]:
    """The prompt file as chat messages: ``### system|user|assistant`` headers, ``#`` comment lines.

    A chat-shaped few-shot prompt lets every backend render it with the model's own chat template;
    the last message must be the assistant turn holding ``{opening}``, which the model continues.
    """
    text = "\n".join(
        line
        for line in template.replace("\r\n", "\n").split("\n")
        if not (line.startswith("#") and not _ROLE_LINE.match(line))
    )
    parts = _ROLE_LINE.split(text)
    msgs = [
        {"role": role.lower(), "content": body.strip("\n")}
        for role, body in zip(parts[1::2], parts[2::2], strict=True)
    ]
    if not msgs or msgs[-1]["role"] != "assistant" or "{opening}" not in msgs[-1]["content"]:
        raise ValueError("the last section must be '### assistant' containing {opening}")
    if not any("{email}" in m["content"] for m in msgs if m["role"] == "user"):
        raise ValueError("a '### user' section must contain {email}")
    return msgs


def summary_prompt(
    template: str | list[dict[str, str]], record: dict[str, Any], max_chars: int = 1200
) -> tuple[list[dict[str, str]], str]:
    """(messages, prefill) for one email; the model continues the prefill ("Reply to Anna to").

    ``{facts}`` (optional in the template) lists the email's facts (:func:`instruction_facts`), so
    the small model copies them instead of having to find them. Plain ``str.replace`` rather than
    ``format``: emails are full of braces.
    """
    msgs = parse_template(template) if isinstance(template, str) else template
    start = opening(record)
    subject = str(record.get("subject") or "").strip() or "(none)"
    body = body_for_prompt(str(record.get("email") or ""), max_chars)
    facts = ", ".join(instruction_facts(record)) or "none"

    def fill(s: str) -> str:
        return (
            s.replace("{subject}", subject)
            .replace("{opening}", start)
            .replace("{facts}", facts)
            .replace("{email}", body)
        )

    out = [{"role": m["role"], "content": fill(m["content"])} for m in msgs]
    return out[:-1], out[-1]["content"]


def clean_output(raw: str, start: str = "") -> str:
    """Turn a model continuation into one instruction: prefix the opening, drop labels and quotes."""
    text = (raw or "").replace("\r", "")
    # A completion continues the opening; a chat answer may restate it.
    lines = [ln.strip() for ln in text.strip().split("\n")]
    first = next((ln for ln in lines if ln), "")
    first = _INSTR_PREFIX.sub("", first).strip().strip(_QUOTES).strip()
    first = re.split(r"\s+(?:Email|Instruction)\s*:", first)[0].strip()
    if start and not first.lower().startswith(start.split(" ")[0].lower()):
        first = f"{start} {first}".strip()
    first = close_quotes(first.strip(_QUOTES + " "))
    first = re.sub(r"\s+", " ", first)
    if first and first.rstrip("\"”")[-1:] not in ".!?":
        first += "."
    return first


def close_quotes(text: str) -> str:
    """Close a quote left open (stripping the line's outer quotes also takes a quote's closing mark:
    `say "A gentle reminder."` must not become `say "A gentle reminder.`, which hides the quote)."""
    if text.count('"') % 2:
        text += '"'
    if text.count("“") > text.count("”"):
        text += "”"
    return text


def _ngrams(toks: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(toks[i : i + n]) for i in range(len(toks) - n + 1)}


def echo_ratio(instruction: str, email: str, n: int = 4) -> float:
    """Share of the instruction's word n-grams found verbatim in the email (1.0 = copied)."""
    a = words(instruction)
    grams = _ngrams(a, n)
    if not grams:
        return 0.0
    return len(grams & _ngrams(words(email), n)) / len(grams)


def invented_names(instruction: str, start: str, context: str) -> list[str]:
    """Capitalised words of the instruction (after its opening) found nowhere in the email's text,
    subject or recipients: a small model invents names, days and places it has seen elsewhere."""
    rest = instruction[len(start) :] if start and instruction.startswith(start) else instruction
    hay = context.lower()
    out = []
    for m in re.finditer(r"(?<![.!?]\s)(?<!^)\b[A-ZÄÖÜ][\w'’-]+", rest.strip()):
        w = re.sub(r"['’]s$", "", m.group(0))
        if w.lower() not in _NOT_NAMES and w.lower() not in hay:
            out.append(w)
    return out


def problem(
    instruction: str,
    email: str,
    start: str = "",
    max_words: int = MAX_WORDS,
    examples: Iterable[str] = (),
    context: str = "",
) -> str | None:
    """Why an instruction is unusable, or None: empty, echo, too long, several, a copied example,
    a made-up number or name (``context``: subject and recipients, where names may also come from).

    A small model that loses track tends to repeat a few-shot example (usually the last one), so
    an instruction sharing most of its trigrams with an example is rejected like an echo.
    """
    toks = words(instruction)
    content = toks[len(words(start)) :] if start and instruction.startswith(start) else toks
    if len(content) < 2 or len(toks) < MIN_WORDS:
        return "empty"
    if len(toks) > max_words:
        return "too_long"
    lowered = instruction.lower()
    if (
        re.search(r"\b(?:email|instruction)\s*:", lowered)
        or len(re.findall(r"(?:^|[.!?]\s+)(?:write|reply|respond|send|email)\s+(?:to|an?)\b", lowered)) > 1
    ):
        return "multiple"
    if len(content) >= 8 and echo_ratio(" ".join(content), email) > 0.7:
        return "echo"
    counts = Counter(t for t in content if len(t) > 2)
    if counts and counts.most_common(1)[0][1] > 3:
        return "repetitive"
    # A number the email does not contain is made up ("the invoice for 2011"): never train on it.
    email_numbers = {m.group(0).lower() for m in _NUMBER.finditer(email)}
    email_digits = set(re.findall(r"\d+", email))
    for m in _NUMBER.finditer(instruction):
        num = m.group(0).lower()
        if num not in email_numbers and not set(re.findall(r"\d+", num)) <= email_digits:
            return "invented_number"
    body = " ".join(content)
    for ex in examples:
        ex_toks = words(ex)
        if len(content) >= 3 and echo_ratio(body, " ".join(ex_toks[min(4, len(ex_toks)) :]), 3) >= 0.5:
            return "copied_example"
    if invented_names(instruction, start, f"{email}\n{context}"):
        return "invented_name"
    return None


# ---- ranking candidate instructions -----------------------------------------------------------------
_CONTENT = re.compile(r"[^\W\d_]{2,}|\d+")


def content_tokens(text: str) -> set[str]:
    """Word stems (the first 6 letters: "meeting"/"meetings", "Termin"/"Termine") and numbers."""
    return {w[:6] for w in _CONTENT.findall(text.lower())}


def content_weights(emails: Iterable[str]) -> dict[str, float]:
    """Inverse document frequency of each stem over the user's own emails: "the", "der" and "thanks"
    weigh little, "invoice" and "Riga" much, in any language, without a stop-word list."""
    docs = [content_tokens(body_for_prompt(e, 4000)) for e in emails]
    df = Counter(t for d in docs for t in d)
    n = len(docs)
    return {t: math.log((n + 1) / (c + 0.5)) for t, c in df.items()}


def content_score(instruction: str, email: str, weights: dict[str, float], start: str = "") -> float:
    """How much of the email the instruction carries, weighted F1 of their stems: recall of the
    email's stems, precision of the instruction's (a stem the email lacks is a detour or an invention).

    Why: a 135M summarizer's greedy output is often vague ("reply to clarify the numbers"); among
    several valid outputs the one that keeps most of what the email says, and adds least, is the
    instruction the model can learn to follow. The common ``start`` ("Reply to Anna to") is left out.
    """
    body = instruction[len(start) :] if start and instruction.startswith(start) else instruction
    mine, theirs = content_tokens(body), content_tokens(body_for_prompt(email, 4000))
    if not mine or not theirs:
        return 0.0
    top = max(weights.values(), default=1.0)

    def w(toks: set[str]) -> float:
        return sum(weights.get(t, top) for t in toks)

    shared = w(mine & theirs)
    if not shared:
        return 0.0
    recall, precision = shared / w(theirs), shared / w(mine)
    return 2 * recall * precision / (recall + precision)


def _signature_names(email: str) -> set[str]:
    lines = [ln.strip() for ln in normalize(email).split("\n") if ln.strip()]
    tail = lines[-2:] if lines else []
    return {w for ln in tail if len(ln.split()) <= 3 for w in ln.replace(",", " ").split()}


def key_facts(email: str, limit: int = 12) -> list[str]:
    """Numbers, dates, weekdays and capitalised names the instruction should keep, in order.

    Sentence-initial words and greeting/sign-off words are not names; the sender's signature is
    dropped (an instruction never needs the user's own name).
    """
    body = body_for_prompt(email, max_chars=4000)
    body = re.sub(r"\S+://\S+|\S+@\S+|^\s*\d{1,2}[.)]\s", " ", body, flags=re.M)  # links, list markers
    sig = _signature_names(email)
    out: list[str] = []

    def add(item: str) -> None:
        item = re.sub(r"['’]s$", "", item.strip(" .,;:!?()[]\"'"))
        if item and item.lower() not in (o.lower() for o in out):
            out.append(item)

    for m in _NUMBER.finditer(body):
        add(m.group(0))
    for tok in re.findall(r"\b[A-Z][a-z]+\b", body):  # capitalised: "you may" is not a month
        if tok.lower() in _MONTHS or tok.lower() in _WEEKDAYS:
            add(tok)
    for m in _CAP_WORD.finditer(body):
        phrase = m.group(0)
        before = body[: m.start()].rstrip()
        sentence_start = not before or before[-1] in ".!?:\n" or body[: m.start()].endswith("\n")
        parts = phrase.split()
        if sentence_start:
            parts = parts[1:]
        parts = [p for p in parts if p.lower().strip("'’") not in _NOT_NAMES and p not in sig]
        if not parts or any(p.lower() in _MONTHS or p.lower() in _WEEKDAYS for p in parts):
            continue
        if len(parts) == 1 and len(parts[0]) < 2:
            continue
        add(" ".join(parts))
    return out[:limit]


def fact_coverage(instruction: str, email: str, name: str | None = None) -> dict[str, Any]:
    """Automatic quality check: does the instruction name the recipient and keep the key facts?"""
    low = instruction.lower()
    facts = key_facts(email)
    present = [f for f in facts if f.lower() in low or all(w in low for w in f.lower().split())]
    return {
        "recipient": None
        if not name
        else any(p.lower() in low for p in name.replace(".", " ").split() if len(p) > 2 or len(name) <= 3),
        "facts": facts,
        "facts_present": present,
        "fact_recall": (len(present) / len(facts)) if facts else None,
    }


def _subject_topic(subject: str | None) -> str:
    s = re.sub(r"^\s*((re|fwd?|aw|wg|sv)\s*:\s*)+", "", str(subject or ""), flags=re.I).strip()
    return s.strip(_QUOTES + " .")


def fallback_instruction(record: dict[str, Any]) -> str:
    """A deterministic instruction from subject, recipient and key facts, when the model fails."""
    email = str(record.get("email") or "")
    start = opening(record)
    topic = _subject_topic(record.get("subject"))
    facts = [f for f in key_facts(email) if f.lower() != (recipient(record) or "").lower()][:5]
    verb = start.removesuffix(" to")
    if verb == "Write an email":
        verb = "Write an email"
    parts = [f"{verb} about {topic}" if topic else f"{verb} with a short note"]
    if facts:
        parts.append("mentioning " + ", ".join(facts))
    out = ", ".join(parts)
    if len(words(out)) > MAX_WORDS:
        out = " ".join(out.split()[:MAX_WORDS])
    return out.rstrip(" ,") + "."


_RELATIVE = re.compile(
    r"\b(?:today|tonight|tomorrow|yesterday|(?:this|next|last)\s+(?:week|weekend|month|year)|"
    r"(?:this|tomorrow)\s+(?:morning|afternoon|evening))\b",
    re.IGNORECASE,
)


def instruction_facts(record: dict[str, Any], limit: int = 6) -> list[str]:
    """The facts a person would type when briefing an assistant about this email: its numbers,
    dates, days, relative days ("next week") and names, without the recipient (the opening names
    them) and never more than ``limit``. Every one is taken from the email, so none is invented."""
    email = str(record.get("email") or "")
    who = {w.lower() for w in re.findall(r"[\w'’-]+", recipient(record) or "")}
    body = body_for_prompt(email, max_chars=4000)
    out: list[str] = []
    for fact in [*key_facts(email, limit=24), *(m.group(0).lower() for m in _RELATIVE.finditer(body))]:
        low = fact.lower()
        if {w.lower() for w in fact.split()} <= who or any(low == o.lower() for o in out):
            continue
        out.append(fact)
    # Numbers and dates first: they are what a draft gets wrong; names after.
    out.sort(key=lambda f: 0 if re.search(r"\d", f) or f.lower() in _WEEKDAYS | _MONTHS else 1)
    return out[:limit]


_MONTH_ALT = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DAY_ALT = "|".join(_WEEKDAYS)
# A date as people write it, with its weekday and year when given: "Thursday 2 February", "June 7th, 2024".
_DATE_PHRASE = re.compile(
    rf"\b(?:(?:{_DAY_ALT}),?\s+(?:the\s+)?)?(?:\d{{1,2}}(?:st|nd|rd|th)?\.?\s+(?:of\s+)?(?:{_MONTH_ALT})\b\.?"
    rf"|(?:{_MONTH_ALT})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b)(?:,?\s+\d{{4}}\b)?",
    re.IGNORECASE,
)
# Words after a number that are not what it counts ("2 and 3", "10 to 12", "5 in total").
_NOT_UNITS = frozenset(
    re.findall(
        r"\w+",
        "and or to of the a an in at on for with from by is are was were will would be as if so but than then "
        "und oder bis am um im zu der die das den dem des mit von für et ou le la les de du à en y o el los las "
        "i we you he she it they me us them my our your that this these those which who what more less most "
        "together each per all both only just also again still there here not no",
    )
)


def in_context(email: str, facts: Iterable[str]) -> list[str]:
    """``facts`` with the words that say what they are: "2" -> "Thursday 2 February", "30" -> "30 minutes".

    Why: a bare number tells neither the drafting model nor a reader what it counts ("Mention 2, 10:00,
    30 and 20."), so a model trained on such lines learns to drop numbers in at random. The words come from
    the email next to the fact's first occurrence, so nothing is invented; a fact the phrase of an earlier
    one already holds ("February" after "2 February") is dropped.
    """
    body = body_for_prompt(email, max_chars=4000)
    out: list[str] = []
    for fact in facts:
        phrase = fact
        m = re.search(rf"(?<![\w.]){re.escape(fact)}(?!\w)", body, re.IGNORECASE)
        if m:
            date = next((d for d in _DATE_PHRASE.finditer(body) if d.start() <= m.start() < d.end()), None)
            if date is not None:
                phrase = " ".join(date.group(0).rstrip(".").split())
            elif re.match(r"[\d$€]", fact):
                unit = re.match(r"[ \t]+([^\W\d_]{2,})\b", body[m.end():])
                if unit and unit.group(1).lower() not in _NOT_UNITS and unit.group(1).lower() not in _MONTHS:
                    phrase = f"{fact} {unit.group(1)}"
        low = phrase.lower()
        if any(low == o.lower() or re.search(rf"(?<!\w){re.escape(low)}(?!\w)", o.lower()) for o in out):
            continue
        out = [o for o in out if not re.search(rf"(?<!\w){re.escape(o.lower())}(?!\w)", low)]
        out.append(phrase)
    return out


def carries(instruction: str, fact: str) -> bool:
    """Whether ``instruction`` already states ``fact`` (the same test as :func:`fact_coverage`)."""
    low = instruction.lower()
    return fact.lower() in low or all(w in low for w in fact.lower().split())


def with_facts(instruction: str, facts: Iterable[str], max_words: int = MAX_WORDS) -> str:
    """``instruction`` plus a short "Mention A, B and C." for the facts it left out.

    Why: a small summarizer drops about half of an email's facts, and a model trained on such
    instructions learns that the instruction is optional. The facts come from the email (see
    :func:`instruction_facts`), so the addition is validated by construction; it stops short of
    ``max_words`` so the instruction stays as short as a person would type it.
    """
    missing = [f for f in facts if not carries(instruction, f)]
    while missing:
        out = mention(instruction, missing)
        if len(words(out)) <= max_words:
            return out
        missing.pop()
    return instruction


def mention(instruction: str, facts: list[str]) -> str:
    """``instruction`` + " Mention A, B and C.": the wording of every training instruction's added facts, so
    the writer can restate a fact a draft missed in words the fine-tuned model has learnt to act on."""
    if not facts:
        return instruction
    base = instruction.rstrip()
    listed = facts[0] if len(facts) == 1 else ", ".join(facts[:-1]) + " and " + facts[-1]
    return f"{base}{'' if base.endswith(('.', '!', '?')) else '.'} Mention {listed}."
