"""Benchmark the clean stage: messages/s of extract_reply over the fixture set, and µs per typical 2 KB reply.

The baseline, measured in the same run, is `normalize_lines` + `join_lines` alone (the unavoidable cost of
touching every line once), so the printed ratio shows what the detectors add. Target from the brief: under
60 µs per typical 2 KB reply on one core (the stage runs on 100,000 messages in the ingestion benchmark).
CPU time (time.process_time) is reported, so other processes on a shared machine distort it less.

Run: .venv/bin/python bench/bench_clean.py [--repeat N]   (or: python -m bench clean)
"""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Callable
from pathlib import Path

from panza.clean import extract_reply, join_lines, normalize_lines

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "clean"
_SECTION = re.compile(r"^=== (body|text|meta) ===\r?\n", re.MULTILINE)

_PARA = (
    "Thanks for sending the revised plan over this morning. I had a look at the numbers and they\n"
    "mostly make sense to me. Could we move the review to Thursday afternoon instead? The client\n"
    "asked whether the second phase can start in March.\n"
)
# A typical top-posted Gmail reply of about 2 KB: greeting, three paragraphs, closing, a quoted message
# that itself quotes an older one.
TYPICAL_2KB = (
    f"Hi Anna,\n\n{_PARA}\n{_PARA}\nBest,\nMarcus\n\n"
    "On Mon, Jan 8, 2024 at 10:02 AM Anna Schmidt <anna.schmidt@example.com> wrote:\n\n"
    + "".join(f"> {ln}\n" for ln in f"Hi Marcus,\n\n{_PARA}\n{_PARA}\n{_PARA}\nThanks,\nAnna\n".split("\n"))
    + ">\n> On Fri, Jan 5, 2024 at 4:30 PM Marcus Weber <marcus.weber@example.com> wrote:\n>\n"
    + "".join(f">> {ln}\n" for ln in f"Hi Anna,\n\n{_PARA}\nBest,\nMarcus".split("\n"))
)


def load_bodies() -> list[str]:
    bodies = []
    for path in sorted(FIXTURES.glob("*.txt")):
        with path.open(encoding="utf-8", newline="") as f:
            parts = _SECTION.split(f.read())
        bodies.append(dict(zip(parts[1::2], parts[2::2], strict=True))["body"])
    return bodies


def _cpu_seconds(fn: Callable[[str], object], bodies: list[str], repeat: int) -> float:
    """Best of three runs of `repeat` passes, in CPU seconds."""
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        for _ in range(repeat):
            for body in bodies:
                fn(body)
        best = min(best, time.process_time() - start)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark panza.clean.extract_reply")
    parser.add_argument("--repeat", type=int, default=100, help="passes over the fixture set per run")
    args = parser.parse_args(argv)
    bodies = load_bodies()
    n = len(bodies) * args.repeat
    _cpu_seconds(extract_reply, bodies, 2)  # warm-up
    base = _cpu_seconds(lambda b: join_lines(normalize_lines(b)), bodies, args.repeat)
    full = _cpu_seconds(extract_reply, bodies, args.repeat)
    mean_bytes = sum(len(b.encode()) for b in bodies) / len(bodies)
    typical = _cpu_seconds(extract_reply, [TYPICAL_2KB], args.repeat * 20) / (args.repeat * 20)
    print(f"fixtures: {len(bodies)} bodies x {args.repeat}, mean {mean_bytes:.0f} B")
    print(f"baseline normalize+join: {n / base:>10,.0f} msg/s ({base / n * 1e6:6.1f} µs/msg)")
    print(f"extract_reply:           {n / full:>10,.0f} msg/s ({full / n * 1e6:6.1f} µs/msg)")
    print(f"ratio extract_reply / baseline: {full / base:.1f}x")
    print(
        f"typical {len(TYPICAL_2KB.encode())} B reply: {typical * 1e6:.1f} µs "
        f"({1 / typical:,.0f} msg/s; target < 60 µs)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
