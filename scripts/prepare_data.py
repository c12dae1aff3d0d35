"""Seed-compatible entry point: `python scripts/prepare_data.py user=jen [key=value ...]`.

A thin wrapper around `panza prepare` (same code, same config, same errors), kept so the original
Panza's `prepare_data.py` invocation keeps working.
"""

from __future__ import annotations

import sys
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
if SRC.is_dir() and str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))

from panza.cli import main  # noqa: E402


def run(argv: list[str] | None = None) -> int:
    return main(["prepare", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    raise SystemExit(run())
