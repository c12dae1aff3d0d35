"""Seed-compatible entry point: ``python scripts/runner.py user=jen interfaces=cli writer/llm=llamacpp``.

Runs exactly the same code as ``panza run`` (all arguments are passed through to it).
"""

from __future__ import annotations

import sys
from pathlib import Path

# Allow running from a source checkout that was not pip-installed.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from panza.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["run", *sys.argv[1:]]))
