"""`make demo`: the whole Panza loop on the bundled sample mailbox, with the embedded defaults.

Each step is the real `panza` command a user would type, so the demo doubles as a smoke test.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PANZA = [sys.executable, "-m", "panza"]


def step(title: str, args: list[str], capture: bool = False) -> str:
    print(f"\n\033[1m▶ {title}\033[0m\n  $ panza {' '.join(args)}", flush=True)
    t0 = time.perf_counter()
    r = subprocess.run([*PANZA, *args], cwd=ROOT, text=True, stdout=subprocess.PIPE if capture else None)
    if r.returncode != 0:
        raise SystemExit(f"demo step failed ({title}); see the message above")
    print(f"  ({time.perf_counter() - t0:.0f}s)", flush=True)
    return r.stdout or ""


def main() -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    step("Extract what Jen wrote from her sample mailbox", ["extract", "user=jen", "--mbox", "sample/jen/sent.mbox"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
