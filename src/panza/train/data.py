"""Training examples: the inference prompt builder's chat plus the real email, loss on the email only.

Why render with the chat template and split at the generation prompt: the model must see at training
time exactly the token sequence it sees when drafting, and learn only to continue it with the email.
Over-long examples lose context first (RAG emails, then the thread, then the preambles), never the
target; an example is dropped only when the email alone does not fit.
"""

from __future__ import annotations

import dataclasses
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from panza.errors import PanzaError
from panza.jsonl import read_jsonl
from panza.train.options import TrainOptions

log = logging.getLogger(__name__)

IGNORE = -100


@dataclass
class Example:
    """One tokenized example; tokens ``[:n_prompt]`` are context (no loss), the rest the email."""

    input_ids: list[int]
    n_prompt: int
    record: int

    @property
    def n_target(self) -> int:
        return len(self.input_ids) - self.n_prompt


@dataclass
class BuildStats:
    """What happened to the records while building examples (reported at the end of a run)."""

    records: int = 0
    used: int = 0
    skipped_bad: int = 0  # records without an instruction or an email
    dropped_too_long: int = 0  # the email alone exceeds max_seq_len
    rag_dropped: int = 0
    thread_dropped: int = 0
    preamble_cut: int = 0
    bad_examples: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["bad_examples"] = d["bad_examples"][:10]
        return d


def tokenize_example(tokenizer: Any, messages: list[dict[str, str]], target: str) -> tuple[list[int], int]:
    """Token ids of prompt + assistant ``target`` and the prompt length.

    The prompt is the chat rendered with ``add_generation_prompt=True`` (what inference feeds the
    model); it must be a prefix of the rendering with the assistant turn, else the template does
    something we cannot split safely and we say so.
    """
    prompt = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    full = tokenizer.apply_chat_template([*messages, {"role": "assistant", "content": target}], tokenize=False)
    if not full.startswith(prompt):
        raise PanzaError("the model's chat template renders the prompt differently with and without the "
                         "assistant reply, so the email cannot be separated for the loss; use a model with a "
                         "standard chat template")
    p_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    c_ids = tokenizer(full[len(prompt):], add_special_tokens=False)["input_ids"]
    return list(p_ids) + list(c_ids), len(p_ids)


MessagesFn = Callable[..., list[dict[str, str]]]


def build_example(tokenizer: Any, build_messages: MessagesFn, preambles: Any, instruction: str, email: str,
                  *, rag_emails: Sequence[str] = (), thread: Sequence[str] = (), max_len: int,
                  record: int = 0, stats: BuildStats | None = None) -> Example | None:
    """One example no longer than ``max_len`` tokens, shortening context in a fixed order.

    Order: drop the RAG emails, then the thread, then cut the user preamble, then the system
    preamble (each kept from its start). ``None`` when even the bare instruction plus the email is
    too long. ``stats`` counts what was cut.
    """
    stats = stats if stats is not None else BuildStats()

    def try_(pre: Any, rag: Sequence[str], thr: Sequence[str]) -> tuple[list[int], int]:
        msgs = build_messages(instruction, pre, rag_emails=rag, thread=thr)
        return tokenize_example(tokenizer, msgs, email)

    ids, n = try_(preambles, rag_emails, thread)
    if len(ids) <= max_len:
        return Example(ids, n, record)
    if rag_emails:
        stats.rag_dropped += 1
        ids, n = try_(preambles, (), thread)
        if len(ids) <= max_len:
            return Example(ids, n, record)
    if thread:
        stats.thread_dropped += 1
        ids, n = try_(preambles, (), ())
        if len(ids) <= max_len:
            return Example(ids, n, record)
    # Cut the preambles, keeping each from its start. The system preamble keeps at least one
    # character: with none, some templates (SmolLM2's) insert a longer default system prompt.
    pre = preambles
    for fld, floor in (("user", 0), ("system", 1)):
        text = getattr(pre, fld)
        if len(text) <= floor:
            continue
        lo, hi = floor, len(text)  # binary search on the characters of this preamble we can keep
        if len(try_(dataclasses.replace(pre, **{fld: text[:lo]}), (), ())[0]) > max_len:
            pre = dataclasses.replace(pre, **{fld: text[:lo]})
            continue
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if len(try_(dataclasses.replace(pre, **{fld: text[:mid]}), (), ())[0]) <= max_len:
                lo = mid
            else:
                hi = mid - 1
        pre = dataclasses.replace(pre, **{fld: text[:lo]})
        ids, n = try_(pre, (), ())
        stats.preamble_cut += 1
        return Example(ids, n, record)
    stats.dropped_too_long += 1
    return None


# ---- records --------------------------------------------------------------------------------------

def load_records(path: Path, stats: BuildStats) -> list[dict[str, Any]]:
    """Usable (instruction, email) records; bad ones are counted and named, never silently lost."""
    out = []
    for i, rec in enumerate(read_jsonl(path), 1):
        stats.records += 1
        instr = rec.get("summary") or rec.get("instruction")
        email = rec.get("email")
        if not isinstance(instr, str) or not instr.strip() or not isinstance(email, str) or not email.strip():
            stats.skipped_bad += 1
            stats.bad_examples.append(f"{path.name}:{i}")
            continue
        thread = rec.get("thread") or []
        out.append({"summary": instr.strip(), "email": email.strip(),
                    "thread": [t for t in thread if isinstance(t, str)] if isinstance(thread, list) else [],
                    "message_id": rec.get("message_id")})
    return out


_RAFT_KEYS = ("related", "related_ids", "rag", "neighbors", "neighbours", "message_ids", "ids")


def load_raft(path: Path, records: list[dict[str, Any]], all_emails: dict[str, str],
              num_emails: int) -> list[list[str]]:
    """Per record, the texts of its cached related emails (``raft.jsonl`` from ``panza prepare``)."""
    related: dict[str, list[str]] = {}
    for rec in read_jsonl(path):
        mid = rec.get("message_id")
        ids = next((rec[k] for k in _RAFT_KEYS if isinstance(rec.get(k), list)), [])
        if mid is not None:
            related[str(mid)] = [str(x["message_id"] if isinstance(x, dict) else x) for x in ids]
    out = []
    for r in records:
        ids = [i for i in related.get(str(r.get("message_id")), []) if i != str(r.get("message_id"))]
        out.append([all_emails[i] for i in ids if i in all_emails][:num_emails])
    return out


# ---- batching -------------------------------------------------------------------------------------

def length_batches(lengths: Sequence[int], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Batches of similar length (little padding), in random order.

    Why: padded positions cost as much as real ones; sorting by length (random tie order) makes each
    batch nearly rectangular, and shuffling the batches keeps the order random across epochs.
    """
    keys = [(n, rng.random(), i) for i, n in enumerate(lengths)]
    order = [i for _, _, i in sorted(keys)]
    batches = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    rng.shuffle(batches)
    return batches


def collate(examples: Sequence[Example], pad_id: int, skip: int = 0) -> tuple[Any, Any]:
    """Right-padded ``input_ids`` and next-token ``labels`` (-100 on prompt and padding).

    Right padding under a causal mask means real tokens never attend to padding, so no attention
    mask is needed and the fast causal attention path is used. ``skip``: leave out the first tokens
    of every example (the shared prefix, run once by ``loss_sum``; prompt tokens, never labelled).
    """
    import torch

    width = max(len(e.input_ids) for e in examples) - skip
    ids = torch.full((len(examples), width), pad_id, dtype=torch.long)
    labels = torch.full((len(examples), width), IGNORE, dtype=torch.long)
    for row, e in enumerate(examples):
        t = torch.tensor(e.input_ids[skip:], dtype=torch.long)
        ids[row, :len(t)] = t
        labels[row, e.n_prompt - skip:len(t)] = t[e.n_prompt - skip:]
    return ids, labels


def shared_prefix(examples: Sequence[Example | None]) -> int:
    """How many leading tokens every example has in common, all of them prompt, and at least one
    prompt token left over after them (it predicts the email's first token).

    Why: each example repeats the system and user preambles (half of a short email's tokens, ~450
    of a long user preamble's); the trainer runs them once per forward pass instead of per example.
    """
    exs = [e for e in examples if e is not None]
    if not exs:
        return 0
    first = exs[0].input_ids
    n = min(e.n_prompt for e in exs) - 1
    for e in exs[1:]:
        ids = e.input_ids
        k = 0
        while k < n and ids[k] == first[k]:
            k += 1
        n = k
    return max(n, 0)


# ---- what one training run reads: examples, per-epoch RAFT draw, steps and passes ----------------------

MIN_EMAILS = 50


@dataclass
class Prepared:
    """Tokenized training material: per record a plain and (RAFT) a with-RAG variant."""

    plain: list[Any]
    with_rag: list[Any | None]
    test: list[Any]
    stats: Any
    test_stats: Any


def prepare_examples(cfg: Any, opts: TrainOptions, tokenizer: Any) -> Prepared:
    """Read train/test/raft JSONL from the data folder and tokenize with the inference prompt builder."""
    from panza.layout import DataLayout
    from panza.prompt import build_messages, load_preambles

    layout = DataLayout.from_config(cfg)
    train_path = layout.train
    if not train_path.is_file():
        raise PanzaError(f"no training data: {train_path} not found; run `panza prepare` first or pass "
                         "--data <prepared folder>")
    layout.check_current()
    stats = BuildStats()
    records = load_records(train_path, stats)
    if not records:
        raise PanzaError(f"{train_path} has no usable training examples (need 'summary' and 'email' in each "
                         "record); run `panza prepare` again")
    if len(records) < MIN_EMAILS:
        log.warning("only %d training emails in %s: the tuning guide recommends 128-1000; expect a weak "
                    "style match (add more sent mail and run `panza prepare` again)", len(records), train_path)
    pre = load_preambles(cfg)
    related: list[list[str]] = [[] for _ in records]
    if opts.rag_enabled:
        raft = layout.raft
        if not raft.is_file():
            log.warning("rag.enabled=true but %s is missing: training without RAG context (run `panza "
                        "prepare` with the index enabled to create it)", raft)
        else:
            pool = {str(r["message_id"]): r["email"] for r in records if r.get("message_id") is not None}
            test_path = layout.test
            if test_path.is_file():
                for r in read_jsonl(test_path):
                    if r.get("message_id") is not None and isinstance(r.get("email"), str):
                        pool.setdefault(str(r["message_id"]), r["email"])
            related = load_raft(raft, records, pool, opts.rag_num_emails)
    plain, with_rag = [], []
    for i, r in enumerate(records):
        ex = build_example(tokenizer, build_messages, pre, r["summary"], r["email"], thread=r["thread"],
                           max_len=opts.max_seq_len, record=i, stats=stats)
        if ex is None:
            continue
        rag_ex = None
        if related[i]:
            rag_ex = build_example(tokenizer, build_messages, pre, r["summary"], r["email"],
                                   rag_emails=related[i], thread=r["thread"], max_len=opts.max_seq_len,
                                   record=i, stats=stats)
        plain.append(ex)
        with_rag.append(rag_ex)
    stats.used = len(plain)
    if not plain:
        raise PanzaError(f"every training email is longer than finetuning.max_seq_len={opts.max_seq_len} "
                         "tokens; raise it")
    test_stats = BuildStats()
    test: list[Any] = []
    test_path = layout.test
    if test_path.is_file():
        for i, r in enumerate(load_records(test_path, test_stats)):
            ex = build_example(tokenizer, build_messages, pre, r["summary"], r["email"], thread=r["thread"],
                               max_len=opts.max_seq_len, record=i, stats=test_stats)
            if ex is not None:
                test.append(ex)
        test_stats.used = len(test)
    return Prepared(plain, with_rag, test, stats, test_stats)


def epoch_examples(prep: Prepared, opts: TrainOptions, epoch: int) -> list[Any]:
    """This epoch's examples: each uses its RAG variant with probability ``rag.prob`` (RAFT)."""
    rng = random.Random(f"{opts.seed}-raft-{epoch}")
    out = []
    for ex, rag_ex in zip(prep.plain, prep.with_rag, strict=True):
        use = rag_ex is not None and rng.random() < opts.rag_prob
        out.append(rag_ex if use else ex)
    return out


def epoch_steps(examples: list[Any], opts: TrainOptions, epoch: int, prefix: int = 0) -> list[list[list[int]]]:
    """Optimizer steps of this epoch, each a list of micro-batches (lists of example indices).

    ``prefix``: leading tokens every example shares, run once per pass (see :func:`shared_prefix`).
    """
    rng = random.Random(f"{opts.seed}-order-{epoch}")
    lengths = [len(e.input_ids) - prefix for e in examples]
    batches = length_batches(lengths, opts.batch_size, rng)
    ga = opts.gradient_accumulation
    return [[mb for b in batches[i:i + ga] for mb in split_by_tokens(b, lengths, opts.micro_batch_tokens, prefix)]
            for i in range(0, len(batches), ga)]


def split_by_tokens(batch: list[int], lengths: list[int], budget: int, prefix: int = 0) -> list[list[int]]:
    """Split a batch into forward passes of at most ``budget`` padded tokens (one example at least).

    Why: without gradient checkpointing, activation memory grows with the tokens of one forward
    pass; bounding them keeps memory flat while the optimizer still sees the whole batch (the
    gradients of the passes add up, and the loss is normalised over the whole step). A shared
    ``prefix`` counts once per pass.
    """
    if budget <= 0:
        return [batch]
    out: list[list[int]] = []
    cur: list[int] = []
    for i in sorted(batch, key=lambda j: lengths[j]):
        if cur and prefix + lengths[i] * (len(cur) + 1) > budget:  # ascending: the newest example sets the width
            out.append(cur)
            cur = []
        cur.append(i)
    out.append(cur)
    return out
