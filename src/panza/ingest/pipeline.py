"""`panza extract`: mail in, ``<data_dir>/<username>_clean.jsonl`` out, every message accounted for.

The parent process streams raw messages from the sources and writes results in input order;
parsing, decoding, cleaning and language detection run in a pool of worker processes over
batches of raw bytes (a single process for small inputs). Only 8-byte dedupe keys stay in
memory, so peak memory does not grow with the mailbox. Each message is either written to the
clean file or to ``discarded/<reason>.jsonl``: kept + discarded == input, always.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import time
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, NamedTuple

from panza.clean import extract_reply
from panza.errors import PanzaError
from panza.ingest import filters, language, mime
from panza.ingest.filters import NO_SENDER, REASONS
from panza.ingest.sources import (
    FLAG,
    KINDS,
    RawMessage,
    Source,
    check_source,
    is_stream,
    iter_sources,
    size_of,
)
from panza.jsonl import atomic_open, check_distinct, check_writable

BATCH_MESSAGES = 64  # messages per worker task: large enough to amortize IPC, small enough to balance
BATCH_BYTES = 2 << 20
PARALLEL_MIN_BYTES = 4 << 20  # below this a pool costs more than it saves
GARBAGE_RATIO = 0.2
SUMMARY = "summary.json"


@dataclass(frozen=True)
class Options:
    """What decides whether a message is kept; picklable so workers get it once."""

    emails: frozenset[str] = frozenset()
    any_sender: bool = False
    min_words: int = 10
    languages: frozenset[str] = frozenset()
    user_names: tuple[str, ...] = ()
    takeout_labels: frozenset[str] = frozenset({"sent"})


@dataclass
class ExtractResult:
    out_path: Path
    discard_dir: Path
    counts: dict[str, int] = field(default_factory=dict)  # "kept" and every reason
    seconds: float = 0.0
    workers: int = 1
    same_text_kept: int = 0  # kept although an earlier kept message has the same text (other recipients/date)

    @property
    def kept(self) -> int:
        return self.counts.get("kept", 0)

    @property
    def discarded(self) -> int:
        return sum(v for k, v in self.counts.items() if k != "kept")

    @property
    def total(self) -> int:
        return sum(self.counts.values())


# ------------------------------------------------------------------ one message (runs in workers)

_OPTS: Options | None = None


def _init_worker(opts: Options) -> None:
    global _OPTS
    _OPTS = opts
    language.warm_up()


def _work(batch: list[RawMessage]) -> list[tuple]:
    assert _OPTS is not None
    return process_batch(batch, _OPTS)


def process_batch(batch: Sequence[RawMessage], opts: Options) -> list[tuple]:
    """``process_message`` for many messages: each step runs over the whole batch before the next.

    Parsing, header reading, cleaning and language detection each touch their own code and tables
    (the detector walks a 40 MB one); run one message at a time through all of them, every step
    starts cold. Step by step over a batch kept ~20% of the CPU time per message (measured on short
    sent mail), and detection is scored for the whole batch at once.
    """
    out: list[Any] = [_safe(_parse, raw, opts) for raw in batch]
    for kind, step in _STEPS:
        out = [_safe(step, x, opts) if isinstance(x, kind) else x for x in out]
    drafts = [i for i, d in enumerate(out) if isinstance(d, _Draft)]
    try:  # the whole batch in one call (its scoring is vectorised); one message at a time if that fails
        langs: dict[int, Any] = dict(zip(drafts, language.detect_many([out[i].mine for i in drafts]), strict=True))
    except Exception:
        langs = {i: _safe(_detect, out[i]) for i in drafts}
    for i in drafts:
        lang = langs[i]
        out[i] = lang if isinstance(lang, tuple) else _safe(_complete, out[i], lang, opts)
    return out


def _detect(draft: _Draft) -> str | None:
    return language.detect(draft.mine)


def _safe(fn: Any, first: Any, *rest: Any) -> Any:
    """``fn(first, *rest)``; an exception becomes a ``broken`` discard naming it, never a crash."""
    try:
        return fn(first, *rest)
    except Exception as e:  # the one place a bug in a library must not lose a message
        raw = first if isinstance(first, RawMessage) else first.raw
        return _discard("broken", f"{type(e).__name__}: {str(e)[:200]}", raw)


def _discard(
    reason: str, detail: str, raw: RawMessage, meta: dict[str, Any] | None = None, email: str | None = None
) -> tuple:
    meta = meta or {}
    rec = {
        "reason": reason,
        "detail": detail,
        "source": raw.source,
        "message_id": meta.get("message_id"),
        "from": meta.get("from"),
        "subject": meta.get("subject"),
        "date": meta.get("date"),
        "email": email,
    }
    return ("d", reason, _dumps(rec))


def _dumps(rec: dict[str, Any]) -> str:
    # serialized in the worker: the parent only writes lines, so it never becomes the bottleneck
    return json.dumps(rec, ensure_ascii=False) + "\n"


def process_message(raw: RawMessage, opts: Options) -> tuple:
    """Raw bytes -> ("k", JSON line, source, from, id key, copy key, text key) or ("d", reason, JSON line).

    Never raises: anything unexpected becomes a ``broken`` discard naming the error.
    """
    return process_batch([raw], opts)[0]


class _Parsed(NamedTuple):
    """Step 1: a message parsed into its MIME tree."""

    raw: RawMessage
    msg: Any


class _Body(NamedTuple):
    """Step 2: a message from the user with a decoded text body, not yet cleaned."""

    raw: RawMessage
    h: mime.Headers
    meta: dict[str, Any]
    text: str
    forwarded_attachment: bool


class _Draft(NamedTuple):
    """Step 3: a message that passed every filter but the language ones: what ``_complete`` needs."""

    raw: RawMessage
    h: mime.Headers
    meta: dict[str, Any]
    mine: str
    thread: tuple[str, ...]


def _process(raw: RawMessage, opts: Options) -> tuple:
    """One message, no safety net (the tests call this to catch every exception)."""
    draft = _analyse(raw, opts)
    if not isinstance(draft, _Draft):
        return draft
    return _complete(draft, language.detect(draft.mine), opts)


def _analyse(raw: RawMessage, opts: Options) -> tuple | _Draft:
    """Steps 1-3 for one message: a discard, or the draft that language detection completes."""
    x: Any = _parse(raw, opts)
    for kind, step in _STEPS:
        if isinstance(x, kind):
            x = step(x, opts)
    return x


def _parse(raw: RawMessage, opts: Options) -> tuple | _Parsed | _Body:
    if not raw.data.strip():
        return _discard("broken", "no bytes (empty file or lone mbox separator)", raw)
    if raw.truncated:
        return _discard("broken", "truncated: the mailbox ends in the middle of this message", raw)
    msg = mime.parse(raw.data)
    if mime.is_body_only(msg):
        if not opts.any_sender:  # no From to match against the user's addresses
            return _discard("broken", "no header fields: not an email message", raw)
        return _body_only(raw)
    return _Parsed(raw, msg)


def _screen(parsed: _Parsed, opts: Options) -> tuple | _Body:
    """Headers, the sender and label filters, and the decoded body, or the discard saying why not."""
    raw, msg = parsed
    h = mime.read_headers(msg)
    meta = {"message_id": h.message_id, "from": h.from_addr or None, "subject": h.subject, "date": h.date}
    if raw.takeout and not any(label.lower() in opts.takeout_labels for label in h.labels):
        return _discard("not_sent_label", f"labels: {', '.join(h.labels) or 'none'}", raw, meta)
    if not opts.any_sender and not filters.sender_matches(h.from_addrs, opts.emails):
        detail = f"from {', '.join(h.from_addrs) or '(no From address)'}"
        return _discard("other_sender", detail, raw, meta)
    b = mime.body(msg)
    if b.encrypted:
        return _discard("undecodable", "encrypted (PGP/MIME or S/MIME)", raw, meta)
    if b.text is None:
        if b.forwarded_attachment:
            return _discard("forward", "forwarded as an attachment, no text of the user's", raw, meta)
        if b.unsplit_multipart:
            return _discard(
                "broken", "multipart message whose parts cannot be split (bad boundary)", raw, meta
            )
        return _discard("empty", b.note or "no text body", raw, meta)
    text, encrypted = mime.strip_pgp(b.text)
    if encrypted:
        return _discard("undecodable", "inline PGP-encrypted message", raw, meta)
    if mime.garbage_ratio(text) > GARBAGE_RATIO:
        return _discard("undecodable", "text part decodes to binary garbage", raw, meta)
    if not text.strip():
        if b.forwarded_attachment:
            return _discard("forward", "forwarded as an attachment, no text of the user's", raw, meta)
        return _discard("empty", f"empty {b.kind} body", raw, meta)
    return _Body(raw, h, meta, text, b.forwarded_attachment)


def _clean_body(b: _Body, opts: Options) -> tuple | _Draft:
    """The user's own text of a decoded body, or the discard saying why there is none."""
    raw, h, meta, text = b.raw, b.h, b.meta, b.text
    text = text.replace("\x00", "")  # NUL bytes are never typed text (and break tokenizers)
    if not text.strip():
        return _discard("empty", "empty body", raw, meta)
    names = opts.user_names + filters.names_from_display(h.from_name)
    reply = extract_reply(text, user_names=names)
    mine = filters.tidy(reply.text)
    if not mine:
        if reply.forward or b.forwarded_attachment or filters.subject_is_forward(h.subject):
            return _discard("forward", "forward with nothing written by the user", raw, meta)
        return _discard("empty", "nothing left after removing quotes and signature", raw, meta)
    words = language.count_words(mine)
    if words < opts.min_words:
        return _discard("too_short", f"{words} words < {opts.min_words}", raw, meta, mine)
    return _Draft(raw, h, meta, mine, tuple(reply.thread))


_NO_HEADERS = mime.Headers(
    from_name="",
    from_addr="",
    to=[],
    subject=None,
    date=None,
    message_id=None,
    in_reply_to=None,
    labels=[],
    from_addrs=[],
)


def _body_only(raw: RawMessage) -> tuple | _Body:
    """A message with no header fields under ``--any-sender`` (a Sent-only export): its bytes are the body.

    Cleaned like any other text/plain body; the record has no subject, date or recipients.
    """
    meta: dict[str, Any] = {"message_id": None, "from": None, "subject": None, "date": None}
    text = mime.decode_bytes(raw.data)
    if mime.garbage_ratio(text) > GARBAGE_RATIO:
        return _discard("undecodable", "no header fields and the bytes are not text", raw, meta)
    return _Body(raw, _NO_HEADERS, meta, text, False)


# After ``_parse``: the step each intermediate result goes through next (the batch and one-message paths share it).
_STEPS: tuple[tuple[type, Any], ...] = ((_Parsed, _screen), (_Body, _clean_body))


def _complete(draft: _Draft, lang: str | None, opts: Options) -> tuple:
    raw, h, meta, mine = draft.raw, draft.h, draft.meta, draft.mine
    if opts.languages and lang not in opts.languages:
        return _discard("language", f"language {lang} not in {sorted(opts.languages)}", raw, meta, mine)
    mid = h.message_id or filters.synthetic_message_id(h.from_addr, h.date, h.subject, mine)
    norm = filters.normalized_text(mine)
    record = {
        "email": mine,
        "subject": h.subject,
        "thread": [t for t in (filters.tidy(x) for x in draft.thread) if t],
        "date": h.date,
        "message_id": mid,
        "to": h.to,
        "in_reply_to": h.in_reply_to,
        "language": lang,
    }
    return (
        "k",
        _dumps(record),
        raw.source,
        meta["from"],
        filters.message_id_key(mid),
        filters.copy_key(norm, h.to, h.date, normalized=True),
        filters.body_key(norm, normalized=True),
    )


# ------------------------------------------------------------------ the run (parent process)


def _batches(items: Iterable[tuple[RawMessage, int]]) -> Iterator[tuple[list[RawMessage], list[int]]]:
    raws: list[RawMessage] = []
    used: list[int] = []
    size = 0
    for raw, n in items:
        raws.append(raw)
        used.append(n)
        size += len(raw.data)
        if len(raws) >= BATCH_MESSAGES or size >= BATCH_BYTES:
            yield raws, used
            raws, used, size = [], [], 0
    if raws:
        yield raws, used


def _outcomes(sources: Sequence[Source], opts: Options, workers: int) -> Iterator[tuple[tuple, int]]:
    """(outcome, bytes consumed) per message, in input order."""
    items = iter_sources(sources)
    if workers <= 1:
        _init_worker(opts)
        for raws, used in _batches(items):
            yield from zip(process_batch(raws, opts), used, strict=True)
        return
    import multiprocessing as mp

    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    language.prepare()  # workers map the model themselves; the pages are shared through the page cache
    with ctx.Pool(workers, initializer=_init_worker, initargs=(opts,)) as pool:
        pending: deque = deque()
        window = workers * 3  # batches in flight: bounds memory, keeps every worker busy
        for raws, used in _batches(items):
            pending.append((pool.apply_async(_work, (raws,)), used))
            while len(pending) >= window:
                res, us = pending.popleft()
                yield from zip(res.get(), us, strict=True)
        while pending:
            res, us = pending.popleft()
            yield from zip(res.get(), us, strict=True)


def resolve_workers(workers: int | str | None, total_bytes: int) -> int:
    """``auto``: the cores that are free, for inputs worth a pool; one process otherwise.

    A worker pool costs ~20% more CPU in total (IPC, a second copy of every cache), so it only
    pays when the cores are really free: on a 2-core machine already running other work, one
    process finishes first (measured: 2 workers were 25% slower than 1 at load 5 on 2 cores).
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    if workers in (None, "auto", "", 0):
        if total_bytes < PARALLEL_MIN_BYTES or cores < 2:
            return 1
        try:
            busy = os.getloadavg()[0]
        except OSError:
            busy = 0.0
        return max(1, min(cores, 8, int(cores - busy + 1)))
    try:
        n = int(workers)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise PanzaError(f"ingest.workers={workers!r}: use a number of processes or auto") from None
    if n < 1:
        raise PanzaError(f"ingest.workers={workers!r}: use a number of processes >= 1 or auto")
    return n


class _DiscardFiles:
    """One atomically written ``<reason>.jsonl`` per reason seen; stale files of a previous run go."""

    def __init__(self, folder: Path, stack: ExitStack) -> None:
        self.folder = folder
        self.stack = stack
        self.files: dict[str, IO[str]] = {}

    def write(self, reason: str, line: str) -> None:
        fh = self.files.get(reason)
        if fh is None:
            fh = self.files[reason] = self.stack.enter_context(atomic_open(self.folder / f"{reason}.jsonl"))
        fh.write(line)

    def remove_stale(self) -> None:
        for reason in REASONS:
            if reason not in self.files:
                with contextlib.suppress(FileNotFoundError):
                    (self.folder / f"{reason}.jsonl").unlink()


def _progress(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(
        total=total,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        desc="extract",
        file=sys.stderr,
        disable=not enabled,
        mininterval=0.5,
        dynamic_ncols=True,
    )


def extract(
    sources: Sequence[Source | tuple[str, str | Path]],
    emails: Iterable[str] = (),
    *,
    out_path: str | Path,
    discard_dir: str | Path | None = None,
    any_sender: bool = False,
    min_words: int = 10,
    languages: Iterable[str] = (),
    workers: int | str | None = "auto",
    user_names: Iterable[str] = (),
    takeout_labels: Iterable[str] = ("Sent",),
    progress: bool = True,
    allow_empty: bool = False,
) -> ExtractResult:
    """Extract the user's own text from ``sources`` into ``out_path`` (JSONL, input order).

    Discarded messages go to ``discard_dir/<reason>.jsonl`` (default: ``discarded/`` beside
    ``out_path``). Both are written atomically: an interrupted run leaves the old files intact.
    A run that keeps no message writes nothing and raises, naming why every message went (a typo
    in ``--email``, mail that is not mail), unless ``allow_empty``: an empty result never silently
    replaces a good clean file.
    """
    emails = frozenset(e.strip().lower() for e in emails if e and e.strip())
    if not emails and not any_sender:
        raise PanzaError(NO_SENDER)
    srcs = [s if isinstance(s, Source) else check_source(s[0], s[1]) for s in sources]  # type: ignore[arg-type]
    if not srcs:
        raise PanzaError("no mail to read: pass --mbox FILE, --maildir DIR, --eml-dir DIR or --takeout FILE")
    if min_words < 0:
        raise PanzaError(f"ingest.min_words={min_words}: must be 0 or more")
    opts = Options(
        emails=emails,
        any_sender=any_sender,
        min_words=int(min_words),
        languages=frozenset(str(x).strip().lower() for x in languages if str(x).strip()),
        user_names=tuple(str(n) for n in user_names if n),
        takeout_labels=frozenset(str(x).strip().lower() for x in takeout_labels),
    )
    out_path = Path(out_path)
    discard_path = Path(discard_dir) if discard_dir is not None else out_path.parent / "discarded"
    check_distinct([(FLAG[s.kind], s.path) for s in srcs], [out_path, discard_path])
    check_writable(out_path)
    check_writable(discard_path / "x.jsonl")
    total_bytes = sum(size_of(s) for s in srcs)
    streaming = any(is_stream(s) for s in srcs)
    if total_bytes == 0 and not streaming:
        raise PanzaError(
            f"no messages found in {', '.join(str(s.path) for s in srcs)}: "
            "the mailbox is empty (or the folder has no mail files)"
        )
    n_workers = resolve_workers(workers, total_bytes)
    counts = dict.fromkeys(("kept", *REASONS), 0)
    seen_ids: set[int] = set()
    seen_copies: set[int] = set()
    seen_bodies: set[int] = set()
    same_text_kept = 0
    t0 = time.perf_counter()
    with ExitStack() as stack:
        out = stack.enter_context(atomic_open(out_path))
        discards = _DiscardFiles(discard_path, stack)
        bar = stack.enter_context(_progress(total_bytes if not streaming else None, progress))
        senders: dict[str, int] = {}  # who the other_sender discards were from, for a kept-nothing error
        pending_bytes = 0
        for n, (outcome, used) in enumerate(_outcomes(srcs, opts, n_workers), 1):
            if outcome[0] == "k":
                _, line, source, sender, id_key, copy_key, text_key = outcome
                # Only copies of one message go: "Thanks, will do!" to twenty people is twenty messages.
                dup = (
                    "same Message-ID as an earlier message"
                    if id_key in seen_ids
                    else "same text, recipients and date as an earlier message"
                    if copy_key in seen_copies
                    else None
                )
                if dup:
                    counts["duplicate"] += 1
                    record = json.loads(line)
                    discards.write(
                        "duplicate",
                        _dumps(
                            {
                                "reason": "duplicate",
                                "detail": dup,
                                "source": source,
                                "message_id": record["message_id"],
                                "from": sender,
                                "subject": record["subject"],
                                "date": record["date"],
                                "email": record["email"],
                            }
                        ),
                    )
                else:
                    seen_ids.add(id_key)
                    seen_copies.add(copy_key)
                    if text_key in seen_bodies:
                        same_text_kept += 1
                    else:
                        seen_bodies.add(text_key)
                    counts["kept"] += 1
                    out.write(line)
            else:
                _, reason, line = outcome
                counts[reason] += 1
                discards.write(reason, line)
                if reason == "other_sender" and not counts["kept"] and len(senders) < 1000:
                    who = json.loads(line).get("from") or "(no From address)"
                    senders[who] = senders.get(who, 0) + 1
            pending_bytes += used
            if n % 256 == 0:
                bar.update(pending_bytes)
                pending_bytes = 0
                bar.set_postfix(kept=str(counts["kept"]), seen=str(n), refresh=False)
        bar.update(pending_bytes)
        bar.set_postfix(kept=str(counts["kept"]), seen=str(sum(counts.values())), refresh=False)
        if sum(counts.values()) == 0:
            names = ", ".join(str(s.path) for s in srcs)
            raise PanzaError(
                f"no messages found in {names}: is it empty, or not an mbox/Maildir/.eml folder?"
            )
        if not counts["kept"] and not allow_empty:
            raise PanzaError(_kept_nothing(counts, senders, emails, out_path))
        discards.remove_stale()
    return ExtractResult(out_path, discard_path, counts, time.perf_counter() - t0, n_workers, same_text_kept)


def _kept_nothing(counts: dict[str, int], senders: dict[str, int], emails: frozenset[str], out: Path) -> str:
    """Why a run kept nothing, and the likely fix, in one line (the old output is left as it was)."""
    total = sum(counts.values())
    why = ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]) if v)
    top = sorted(senders.items(), key=lambda kv: -kv[1])[:3]
    if counts.get("other_sender", 0) * 2 > total and top:
        hint = (f"most mail is from {', '.join(f'{a} ({n})' for a, n in top)}, not "
                f"{', '.join(sorted(emails))}: check --email (or use --any-sender for a Sent-only export).")
    elif counts.get("broken", 0) + counts.get("undecodable", 0) == total:
        hint = "none of it reads as email: is this an mbox, Maildir or .eml folder?"
    elif counts.get("too_short", 0) * 2 > total:
        hint = "most emails are shorter than ingest.min_words: lower it."
    else:
        hint = "check the sources and the ingest.* settings."
    kept = f"{out} was left as it was" if out.is_file() else f"nothing was written to {out.parent}"
    return f"kept no email of {total} messages ({why}); {hint} {kept} (--force writes the empty result)"


# ------------------------------------------------------------------ summary and CLI entry


def print_summary(result: ExtractResult, file: IO[str] | None = None) -> None:
    """A table of kept/discarded counts per reason, on stderr (stdout stays clean for pipes)."""
    from rich.console import Console
    from rich.table import Table

    total = result.total or 1
    table = Table(title="panza extract", title_justify="left")
    table.add_column("outcome")
    table.add_column("messages", justify="right")
    table.add_column("share", justify="right")
    table.add_row("kept", str(result.kept), f"{100 * result.kept / total:.1f}%", style="bold green")
    if result.same_text_kept:
        n = result.same_text_kept
        table.add_row("  of which same text, other recipients/date", str(n), f"{100 * n / total:.1f}%")
    for reason in REASONS:
        n = result.counts.get(reason, 0)
        if n:
            table.add_row(reason, str(n), f"{100 * n / total:.1f}%")
    table.add_row("total", str(result.total), "100%", style="bold")
    console = Console(file=file or sys.stderr, soft_wrap=True)
    console.print(table)
    rate = result.total / result.seconds if result.seconds else 0.0
    console.print(
        f"kept -> {result.out_path}\ndiscarded -> {result.discard_dir}/<reason>.jsonl\n"
        f"{result.total} messages in {result.seconds:.1f}s ({rate:.0f}/s, {result.workers} process"
        f"{'es' if result.workers > 1 else ''})"
    )


def _as_list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    if isinstance(value, str | Path):
        return [value]
    return list(value)


def _fingerprint(sources: Sequence[Source], settings: dict[str, Any]) -> dict[str, Any]:
    files = []
    for s in sources:
        st = s.path.stat()
        files.append([s.kind, str(s.path.resolve()), st.st_size, st.st_mtime_ns])
    return {"sources": files, "settings": settings}


_ADDRESS = re.compile(r"[^@\s<>(),;:\"\[\]]+@[^@\s<>(),;:\"\[\]]+")


def _looks_like_address(value: str) -> bool:
    """``name@domain``, no spaces or brackets: a display name or a half-typed address is refused."""
    return bool(_ADDRESS.fullmatch(value.strip())) and not value.strip().endswith((".", "@"))


def extract_from_config(cfg: Any, *, progress: bool = True) -> tuple[ExtractResult, bool]:
    """Run extraction as configured (``ingest.*``, ``user.*``); returns (result, was_up_to_date).

    Skips the work when the clean file is newer than unchanged sources and the settings are the
    same (``ingest.force=true`` re-extracts). ``panza prepare`` calls this for its first step.
    """
    from panza import config

    ing = cfg.get("ingest") or {}
    lists = {k: _as_list(ing.get(k)) for k in KINDS}
    imap_cfg = ing.get("imap") or {}
    accounts = [str(a) for a in _as_list(imap_cfg.get("accounts"))]
    emails = config.emails(cfg)
    any_sender = bool(ing.get("any_sender", False))
    if accounts and not emails:  # a login that is an address is the user's address
        from panza.ingest.imap import parse_url

        emails = [u.user.lower() for u in map(parse_url, accounts) if "@" in u.user]
        if emails:  # so the output is named after the user (<local part>_clean.jsonl), as with --email
            from omegaconf import OmegaConf

            OmegaConf.update(cfg, "user.email_address", emails[0], force_add=True)
            OmegaConf.update(cfg, "user.aliases", emails[1:], force_add=True)
    if not emails and not any_sender:
        raise PanzaError(NO_SENDER)
    if not any(lists.values()) and not accounts:
        raise PanzaError(
            "no mail to read: pass --mbox FILE, --maildir DIR, --eml-dir DIR, --takeout FILE or "
            "--imap URL (or set ingest.mbox / ingest.maildir / ingest.eml_dir / ingest.takeout / "
            "ingest.imap.accounts)"
        )
    sources = [check_source(kind, p) for kind in KINDS for p in lists[kind]]
    bad = [e for e in emails if not _looks_like_address(e)]
    if bad:
        raise PanzaError(
            f"--email {bad[0]!r} is not an email address (name@domain); pass your own address, "
            "repeat --email for aliases"
        )
    if accounts:  # fetch what is new into the local mirror, then read it like any .eml folder
        from panza.ingest.imap import sync_accounts

        synced = sync_accounts(accounts, imap_cfg, config.data_dir(cfg))
        sources += [check_source("eml_dir", s.mirror) for s in synced]
    try:
        min_words = int(ing.get("min_words", 10))
    except (TypeError, ValueError):
        raise PanzaError(f"ingest.min_words={ing.get('min_words')!r}: use a whole number") from None
    languages = _as_list(ing.get("languages"))
    if len(languages) == 1 and isinstance(languages[0], str) and "," in languages[0]:
        languages = languages[0].split(",")
    labels = _as_list(ing.get("takeout_labels")) or ["Sent"]
    user_names = [str(n) for n in (cfg.user.get("username"), cfg.user.get("name")) if n]
    out_dir = config.data_dir(cfg)
    out_path = out_dir / f"{config.username(cfg)}_clean.jsonl"
    discard_dir = out_dir / "discarded"

    settings = {
        "emails": emails,
        "any_sender": any_sender,
        "min_words": min_words,
        "languages": sorted(str(x) for x in languages),
        "labels": sorted(str(x) for x in labels),
        "names": user_names,
        "version": 2,  # 2: duplicates are copies of one message only (same text, recipients and date)
    }
    summary_path = discard_dir / SUMMARY
    check_distinct([(FLAG[s.kind], s.path) for s in sources], [out_path, discard_dir, summary_path])
    streaming = any(is_stream(s) for s in sources)
    fingerprint = _fingerprint(sources, settings) if not streaming else {}
    force = bool(ing.get("force", False))
    if not force and not streaming and out_path.is_file() and summary_path.is_file():
        try:
            saved = json.loads(summary_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            saved = {}
        if saved.get("fingerprint") == fingerprint and saved.get("out_path") == str(out_path):
            result = ExtractResult(out_path, discard_dir, saved["counts"], saved.get("seconds", 0.0))
            result.same_text_kept = int(saved.get("same_text_kept", 0))
            return result, True

    result = extract(
        sources,
        emails,
        out_path=out_path,
        discard_dir=discard_dir,
        any_sender=any_sender,
        min_words=min_words,
        languages=languages,
        workers=ing.get("workers", "auto"),
        user_names=user_names,
        takeout_labels=labels,
        progress=progress,
        allow_empty=force,
    )
    with atomic_open(summary_path) as fh:
        json.dump(
            {
                "fingerprint": fingerprint,
                "out_path": str(out_path),
                "counts": result.counts,
                "same_text_kept": result.same_text_kept,
                "seconds": result.seconds,
                "workers": result.workers,
            },
            fh,
            indent=1,
        )
    return result, False


def main(cfg: Any) -> int:
    """``panza extract``: read the configured sources, write the clean file, print the summary."""
    from panza.logs import setup_logging

    setup_logging()
    result, up_to_date = extract_from_config(cfg)
    if up_to_date:
        print(
            f"panza extract: {result.out_path} is up to date with its sources (ingest.force=true re-extracts)",
            file=sys.stderr,
        )
    print_summary(result)
    return 0
