"""Panza's benchmarks: each bench_<name>.py has a main(argv) printing a ratio to a same-run baseline."""

from __future__ import annotations

import argparse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def trained_user_args(
    name: str, doc: str, argv: list[str] | None, outputs: str, example: str
) -> argparse.Namespace | None:
    """The arguments of a benchmark on a user's trained run: ``--data``, ``--checkpoint``, ``--out`` (default
    ``bench/results/<name>``) and ``panza`` overrides; ``None``, after saying so, when no user is given (``python
    -m bench`` runs every benchmark, and these need one)."""
    p = argparse.ArgumentParser(prog=f"python -m bench {name}", description=doc.splitlines()[0])
    p.add_argument("--data", help="a prepared data folder (with test.jsonl)")
    p.add_argument("--checkpoint", help="a trained run (exported to GGUF: drafts at llama.cpp speed)")
    p.add_argument("--out", default=str(ROOT / "bench" / "results" / name), help=outputs)
    p.add_argument("overrides", nargs="*", help=f"panza overrides, e.g. {example}")
    args = p.parse_args(argv)
    if not (args.data and args.checkpoint):
        print(f"skipped: needs a trained user (python -m bench {name} -- --data DIR --checkpoint RUN)")
        return None
    return args
