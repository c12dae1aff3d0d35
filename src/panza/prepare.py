"""`panza prepare`: extract -> data playback -> train/test split -> RAG index -> RAFT cache.

Every stage is skipped when its outputs are newer than its inputs and were made with the same
settings (a fingerprint kept in ``<data_dir>/.cache/prepare_state.json``), so re-running after a
kill redoes only what is missing; playback additionally resumes email by email from its cache.

A stage that must run first invalidates its own outputs and everything after it (their files go,
``rag/`` is set aside for the incremental rebuild), so a run that fails half-way never leaves a
``train.jsonl`` or index made from older mail for ``panza train`` to pick up.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from panza.config import cache_dir
from panza.errors import PanzaError
from panza.jsonl import atomic_open, check_distinct, read_jsonl, write_jsonl
from panza.layout import DataLayout

SOURCE_KEYS = ("mbox", "maildir", "eml_dir", "takeout")


class StageState:
    """Which settings produced each stage's outputs; a stage is fresh if they match and mtimes agree."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.data: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.data = {}

    def fresh(self, stage: str, inputs: Sequence[Path], outputs: Sequence[Path], fingerprint: str) -> bool:
        if self.data.get(stage) != fingerprint or not all(p.exists() for p in outputs):
            return False
        newest_in = max((p.stat().st_mtime for p in inputs if p.exists()), default=0.0)
        return min(p.stat().st_mtime for p in outputs) >= newest_in

    def mark(self, stage: str, fingerprint: str) -> None:
        self.data[stage] = fingerprint
        self.save()

    def forget(self, stages: Sequence[str]) -> None:
        for stage in stages:
            self.data.pop(stage, None)
        self.save()

    def save(self) -> None:
        with atomic_open(self.path) as fh:
            fh.write(json.dumps(self.data, indent=2, sort_keys=True) + "\n")


def set_aside(rag: Path) -> Path:
    """Where an invalidated index waits to be reused (only its unchanged vectors are); a hidden
    ``.tmp`` beside it, so a killed run's leftover is cleaned by the next run's lock."""
    return rag.with_name(f".{rag.name}.previous.tmp")


def invalidate(paths: Sequence[Path], rag: Path) -> None:
    """Remove derived outputs whose source is about to change; the index folder is set aside."""
    for p in paths:
        if p == rag:
            if rag.is_dir():
                aside = set_aside(rag)
                shutil.rmtree(aside, ignore_errors=True)
                os.replace(rag, aside)
        elif p.is_file():
            p.unlink()


def fingerprint(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def valid_records(records: list[Any], source: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """Records with a non-empty ``email``; the others are named (file:line-ish) so none vanish silently."""
    ok, bad = [], []
    for i, r in enumerate(records, 1):
        if isinstance(r, dict) and isinstance(r.get("email"), str) and r["email"].strip():
            ok.append(r)
        else:
            bad.append(f"{source.name} record {i}")
    return ok, bad


# ---- stages ------------------------------------------------------------------------------------------


def has_sources(cfg: DictConfig) -> bool:
    ingest = cfg.get("ingest") or {}
    return any(ingest.get(k) for k in SOURCE_KEYS)


def run_extract(cfg: DictConfig, clean: Path) -> tuple[str, str]:
    """(status, details); extraction decides itself whether its output is up to date."""
    if not has_sources(cfg):
        if clean.is_file():
            return "skipped", f"no mail given: using {clean.name}"
        raise PanzaError(
            f"nothing to prepare: {clean} does not exist and no mail was given; pass --mbox, "
            "--maildir, --eml-dir or --takeout (or run `panza extract` first)"
        )
    from panza.ingest.pipeline import main as extract_main

    before = clean.stat().st_mtime_ns if clean.is_file() else None
    rc = extract_main(cfg)
    if rc:
        raise PanzaError(f"extraction failed (exit {rc}); see the message above")
    if not clean.is_file():
        raise PanzaError(f"extraction wrote no {clean}; check the mail sources and --email")
    if before == clean.stat().st_mtime_ns:
        return "up to date", clean.name
    return "ran", f"{sum(1 for _ in clean.open(encoding='utf-8'))} emails -> {clean.name}"


def make_playback(cfg: DictConfig) -> Any:
    """The Playback object configured by ``cfg.playback`` (the model loads only if work remains)."""
    from panza.playback import Playback, PlaybackCache, PlaybackSettings, load_template, model_id

    pb = cfg.playback
    template = load_template(pb.prompt_path)
    settings = PlaybackSettings.from_config(pb)

    def load() -> Any:
        from panza.llm import load_llm

        return load_llm(pb.llm, cache_dir=cache_dir(cfg))

    cache = PlaybackCache(pb.cache_path) if pb.get("cache_path") else None
    return Playback(load, template, model=model_id(pb.llm), settings=settings, cache=cache)


def run_playback(cfg: DictConfig, clean: Path, out: Path, console: Any) -> str:
    records, bad = valid_records(read_jsonl(clean), clean)
    if bad:
        console.print(
            f"[yellow]skipped {len(bad)} record(s) without an email text[/]: {', '.join(bad[:5])}"
            f"{' …' if len(bad) > 5 else ''}"
        )
    pb = make_playback(cfg)
    done = pb.run(records)
    write_jsonl(out, done)
    console.print(pb.stats.table())
    return f"{len(done)} instructions ({pb.stats.cached} from cache, {len(bad)} broken records skipped)"


def run_split(cfg: DictConfig, summarized: Path, out_dir: Path) -> tuple[str, int]:
    from panza.split import split, write_split

    records, _ = valid_records(read_jsonl(summarized), summarized)
    train, test = split(
        records, cfg.get("test_split", 0) or 0, str(cfg.get("split_type", "random")), int(cfg.get("seed", 42))
    )
    if not train:
        raise PanzaError(
            f"no training emails in {summarized}: check the sources, --email and ingest.min_words, "
            "then rerun `panza prepare`"
        )
    write_split(out_dir, train, test)
    return f"train {len(train)}, test {len(test)}", len(train)


def run_index(cfg: DictConfig, train_path: Path, console: Any) -> str:
    from panza.index import EmailIndex, document_text, record_id
    from panza.index.embedder import Embedder

    ix = cfg.index
    records = read_jsonl(train_path)
    target = Path(str(ix.dir))
    embedder = Embedder(ix.embedding_model, batch_size=int(ix.get("embed_batch_size", 64)))
    options = {k: ix[k] for k in ("approximate_above", "hnsw_m", "ef_construction", "ef_search") if k in ix}
    index = None
    for where in (target, set_aside(target)):
        if index is None and where.exists():
            try:
                index = EmailIndex.load(where, embedder)
            except PanzaError:
                index = None
    by_id = {record_id(r): r for r in records}
    reusable = (
        index is not None
        and index.embedding_model == embedder.name
        and set(index.rows) <= set(by_id)
        and all(document_text(by_id[i]) == document_text(index.records[row]) for i, row in index.rows.items())
    )
    if index is not None and reusable:
        for i, row in index.rows.items():  # same text, so same vector: refresh summary and other fields
            index.records[row] = dict(by_id[i])
        added = index.add(records)  # incremental: only new training emails are embedded
        how = f"added {added} to the existing index"
    else:
        index = EmailIndex.build(records, embedder, **options)
        how = "built"
    index.save(target)
    shutil.rmtree(set_aside(target), ignore_errors=True)
    return f"{how}: {len(index)} emails, {index.kind}, dim {index.dim} -> {target}"


def run_raft(cfg: DictConfig) -> str:
    from panza.index import EmailIndex
    from panza.index.raft import write_raft

    ix = cfg.index
    index = EmailIndex.load(ix.dir)
    n = write_raft(index, ix.raft_path, int(ix.get("raft_k", 3)), float(ix.get("raft_threshold", 0.0)))
    return f"{n} entries -> {ix.raft_path}"


# ---- orchestration -----------------------------------------------------------------------------------


def main(cfg: DictConfig) -> int:
    from rich.console import Console
    from rich.table import Table

    console = Console(stderr=True)
    layout = DataLayout.from_config(cfg)
    data = layout.root
    clean, summarized, train, test = layout.clean, layout.summarized, layout.train, layout.test
    rag, raft = layout.rag_dir, layout.raft
    force = bool(cfg.get("force"))
    ingest = cfg.get("ingest") or {}
    check_distinct(
        [(f"--{k.replace('_', '-')}", p) for k in SOURCE_KEYS for p in (ingest.get(k) or [])],
        [clean, summarized, train, test, raft, rag, layout.discarded, layout.cache],
    )
    state = StageState(layout.cache / "prepare_state.json")
    from panza.playback import load_template, model_id

    prompt = Path(str(cfg.playback.prompt_path))
    pb_fp = fingerprint(
        model_id(cfg.playback.llm),
        load_template(prompt),
        {
            k: cfg.playback.get(k)
            for k in (
                "max_email_chars",
                "max_words",
                "max_new_tokens",
                "repetition_penalty",
                "retry_temperatures",
                "candidates",
                "seed",
                "append_facts",
                "max_facts",
                "fact_context",
            )
        },
    )
    split_fp = fingerprint(cfg.get("test_split", 0), cfg.get("split_type"), cfg.get("seed"))
    ix_fp = fingerprint(cfg.index.embedding_model, cfg.index.get("approximate_above"), str(rag))
    raft_fp = fingerprint(cfg.index.get("raft_k"), cfg.index.get("raft_threshold"), ix_fp)

    stages: list[tuple[str, Callable[[], str], list[Path], list[Path], str, bool]] = [
        (
            "playback",
            lambda: run_playback(cfg, clean, summarized, console),
            [clean, prompt],
            [summarized],
            pb_fp,
            bool(cfg.playback.get("force")),
        ),
        ("split", lambda: run_split(cfg, summarized, data)[0], [summarized], [train, test], split_fp, False),
        (
            "index",
            lambda: run_index(cfg, train, console),
            [train],
            [rag / "manifest.json"],
            ix_fp,
            bool(cfg.index.get("force")),
        ),
        ("raft", lambda: run_raft(cfg), [rag / "manifest.json"], [raft], raft_fp, False),
    ]
    table = Table(title=f"panza prepare -> {data}")
    for col in ("stage", "status", "details", "time"):
        table.add_column(col)
    t0 = time.perf_counter()
    status, details = run_extract(cfg, clean)
    table.add_row("extract", status, details, f"{time.perf_counter() - t0:.1f}s")
    # what each stage's rerun makes stale: its own outputs and every later stage's
    derived = {"playback": [summarized], "split": [train, test], "index": [rag], "raft": [raft]}
    order = [s[0] for s in stages]
    for i, (name, fn, inputs, outputs, fp, stage_force) in enumerate(stages):
        t0 = time.perf_counter()
        if not (force or stage_force) and state.fresh(name, inputs, outputs, fp):
            table.add_row(name, "up to date", ", ".join(p.name for p in outputs), "-")
            continue
        later = order[i:]
        state.forget(later)
        if "split" in later:
            layout.forget_derived()
        invalidate([p for st in later for p in derived[st]], rag)
        console.print(f"[bold]{name}[/] …")
        details = fn()
        state.mark(name, fp)
        if name == "split":
            layout.record_derived()
        table.add_row(name, "ran", details, f"{time.perf_counter() - t0:.1f}s")
    console.print(table)
    return 0
