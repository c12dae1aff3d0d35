"""Data-playback benchmark: throughput (emails/min) and instruction quality of the summarizer.

Throughput: the embedded SmolLM2-135M-Instruct through llama.cpp (its shipped Q4_1 file, and the
default: those weights re-encoded to Q8_0, ``embedded_quant``; ``+seq`` = one sequence at a time instead of
``n_parallel`` 8) and through transformers, at batch
sizes 1, 4 and 8, on real emails of ../shared/data/panza-david.jsonl (150 by default; ``--limit``
for a quick run). No cache, so every email is generated. The baseline, measured in the same run, is
the first backend at batch size 1 (the shipped Q4_1 file); each row prints its ratio to it.

Quality (``--quality``, each llama.cpp backend): the hand-checked set (tests/fixtures/playback/handchecked.jsonl:
recipient named, must-have facts kept, ROUGE-L against the reference) and the automatic check
(recipient + key-fact recall) on the real emails, plus example (email -> instruction) pairs.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DAVID = ROOT.parent / "shared" / "data" / "panza-david.jsonl"
HANDCHECKED = ROOT / "tests" / "fixtures" / "playback" / "handchecked.jsonl"
PROMPT = ROOT / "configs" / "playback" / "summarization_prompt.txt"


def load(path: Path, limit: int | None = None) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return rows[:limit] if limit else rows


def make_llm(backend: str, batch: int, threads: int | None) -> Any:
    from panza.llm import load_llm

    if backend.startswith("llamacpp"):  # llamacpp = the default Q8_0 copy; llamacpp-q4_1 = the shipped file;
        name, _, seq = backend.partition("+")  # ...+seq = one sequence at a time (writer.llm.n_parallel=1)
        quant = None if name == "llamacpp-q4_1" else name.partition("-")[2] or "q8_0"
        return load_llm({"backend": "llamacpp", "n_ctx": 2048, "n_threads": threads, "seed": 0,
                         "embedded_quant": quant, "n_parallel": 1 if seq == "seq" else 8})
    if threads:
        import torch

        torch.set_num_threads(threads)
    return load_llm({"backend": "transformers", "model": "embedded", "batch_size": batch, "dtype": "float32"})


def run(
    llm: Any, rows: list[dict[str, Any]], batch: int, candidates: int = 1
) -> tuple[list[dict[str, Any]], Any]:
    """Playback of ``rows``; ``candidates`` outputs per email (`panza prepare` defaults to 8)."""
    from panza.playback import Playback, PlaybackSettings, load_template

    settings = PlaybackSettings(batch_size=batch, candidates=candidates)
    pb = Playback(llm, load_template(PROMPT), model="bench", settings=settings)
    out = pb.run(rows, progress=False)
    return out, pb.stats


def throughput(
    rows: list[dict[str, Any]], backends: list[str], batches: list[int], threads: int | None, candidates: int = 1
) -> Any:
    from rich.table import Table

    table = Table(title=f"playback throughput, {len(rows)} real emails (SmolLM2-135M-Instruct)")
    for col in ("backend", "batch", "emails/min", "vs first b1", "llm/retry/fallback"):
        table.add_column(col, justify="right")
    base = None
    for backend in backends:
        llm = None
        for b in batches:
            if llm is None or backend == "transformers":
                llm = make_llm(backend, b, threads)
                run(llm, rows[:1], 1)  # warm-up: first-call costs (and llama.cpp's prompt-prefix cache)
            t = time.perf_counter()
            _, stats = run(llm, rows, b, candidates)
            rate = len(rows) / (time.perf_counter() - t) * 60
            if base is None:
                base = rate
            src = stats.sources
            table.add_row(
                backend,
                str(b),
                f"{rate:.1f}",
                f"{rate / base:.2f}x",
                f"{src['llm']}/{src['retry']}/{src['fallback']}",
            )
            print(f"{backend} batch {b}: {rate:.1f} emails/min", flush=True)
    return table


def quality(rows: list[dict[str, Any]], backend: str, threads: int | None, examples: int, candidates: int = 1) -> None:
    from rich.console import Console
    from rich.table import Table

    from panza.playback import quality as Q

    console = Console(width=160)
    llm = make_llm(backend, 1, threads)
    hand = load(HANDCHECKED)
    hand_out, hand_stats = run(llm, hand, 8, candidates)
    real_out, real_stats = run(llm, rows, 8, candidates)
    table = Table(title=f"instruction quality (embedded model, {backend})")
    for col in (
        "set",
        "n",
        "recipient named",
        "key-fact recall",
        "must-have recall",
        "ROUGE-L",
        "words",
        "llm/retry/fallback",
    ):
        table.add_column(col, justify="right")
    for name, out, stats in (("hand-checked", hand_out, hand_stats), ("panza-david", real_out, real_stats)):
        s = Q.summarize([Q.score(r, r["summary"]) for r in out])
        ref = (
            ""
            if name != "hand-checked"
            else " (refs: "
            + str(Q.summarize([Q.score(r, r["reference"]) for r in hand])["must_have_recall"])
            + ")"
        )
        table.add_row(
            name,
            str(s["n"]),
            str(s["recipient"]),
            str(s["fact_recall"]),
            f"{s['must_have_recall']}{ref}" if s["must_have_recall"] is not None else "-",
            str(s["rougeL"] if s["rougeL"] is not None else "-"),
            str(s["words"]),
            "/".join(str(stats.sources[k]) for k in ("llm", "retry", "fallback")),
        )
    console.print(table)
    for r in real_out[:examples]:
        console.print(
            f"\n[bold]email[/] ({r.get('subject')}): {r['email'][:300]!r}\n"
            f"[bold]-> {r['summary_source']}[/]: {r['summary']}"
        )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="bench_playback", description=__doc__.split("\n")[0])
    p.add_argument("--limit", type=int, default=150, help="real emails to summarize (default 150)")
    p.add_argument("--backends", default="llamacpp-q4_1,llamacpp,transformers")
    p.add_argument("--batches", default="1,4,8")
    p.add_argument("--threads", type=int, default=None, help="CPU threads (default: the backend's own)")
    p.add_argument("--quality", action="store_true", help="also measure instruction quality")
    p.add_argument("--no-throughput", action="store_true")
    p.add_argument("--examples", type=int, default=10, help="example pairs printed with --quality")
    p.add_argument("--candidates", type=int, default=1, help="outputs per email (panza prepare's default: 8)")
    args = p.parse_args(argv)
    candidates = max(1, args.candidates)
    if not DAVID.is_file():
        print(f"skipped: {DAVID} not found (the shared data sits beside the checkout)")
        return 0
    from rich.console import Console

    rows = load(DAVID, args.limit)
    if not args.no_throughput:
        table = throughput(
            rows, args.backends.split(","), [int(b) for b in args.batches.split(",")], args.threads, candidates
        )
        Console(width=160).print(table)
    if args.quality:
        for backend in args.backends.split(","):
            if backend.startswith("llamacpp") and "+" not in backend:
                quality(rows, backend, args.threads, args.examples, candidates)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    raise SystemExit(main())
