#!/usr/bin/env python
"""Merge a trained LoRA/RoSA adapter into its base model (same as `panza merge`).

    python scripts/merge_adapters.py RUN_DIR [OUTPUT_DIR] [key=value ...]
    python scripts/merge_adapters.py checkpoint=latest output_dir=merged/

Prints the merged model folder as the last line of stdout.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from panza.cli import main as panza_main

    args = list(sys.argv[1:] if argv is None else argv)
    plain = [a for a in args if "=" not in a]
    overrides = [a for a in args if "=" in a]
    if plain:
        overrides.append(f"checkpoint={plain[0]}")
    if len(plain) > 1:
        overrides.append(f"output_dir={plain[1]}")
    return panza_main(["merge", *overrides])


if __name__ == "__main__":
    raise SystemExit(main())
