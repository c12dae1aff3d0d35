"""Run the benchmarks: `python -m bench` runs all, `python -m bench extract index` runs some.

Arguments after `--` go to each selected benchmark's main().
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = ["clean", "accuracy", "extract", "index", "generate", "playback", "train"]


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    extra: list[str] = []
    if "--" in argv:
        i = argv.index("--")
        argv, extra = argv[:i], argv[i + 1 :]
    found = sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))
    names = argv or [n for n in ORDER if n in found] + [n for n in found if n not in ORDER]
    unknown = [n for n in names if n not in found]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(found)}", file=sys.stderr)
        return 2
    sys.path.insert(0, str(HERE.parent))
    failed = []
    for name in names:
        print(f"\n=== bench {name} ===", flush=True)
        t0 = time.perf_counter()
        mod = importlib.import_module(f"bench.bench_{name}")
        rc = mod.main(extra)
        print(f"=== bench {name}: {'ok' if not rc else f'exit {rc}'} in {time.perf_counter() - t0:.0f}s ===")
        if rc:
            failed.append(name)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
