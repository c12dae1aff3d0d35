"""Benchmark `panza extract`: messages/s and peak memory against a bare-stdlib floor, same run.

Two mailboxes, both written by bench/mailgen.py: ``realistic`` (sent mail from several clients: HTML,
multipart, charsets, quotes, forwards, attachments) and ``short`` (short plain-text sent emails, the real
emails of ../shared/data/panza-david.jsonl cycled with their own recipients, dates and Message-IDs).
For each mailbox and size, alternating, we time
  * the floor: a bare loop that iterates ``mailbox.mbox`` and decodes the text parts, nothing else;
  * ``panza extract --mbox ... --email ...`` as a subprocess, doing all the work (parsing, HTML,
    charsets, cleaning, language, dedupe, writing), with its process tree's memory polled by psutil.
Targets, per process (``ingest.workers=1`` by default, against the single-process floor): panza >= 1/2 of
the floor's speed on both mailboxes; peak memory <= 300 MB at 100,000 messages. The machine may be
shared, so every measurement is repeated (``--runs``) and all runs are printed.

Usage: python -m bench extract -- --sizes 20000 100000 --mailboxes realistic short
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SPEED_TARGET = 0.5
CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
RSS_TARGET_MB = 300
MAILGEN_VERSION = 3  # bump when bench/mailgen.py output changes, so cached mailboxes are rebuilt
SENDERS = {
    "realistic": ["alex@example.com", "a.example@work.example"],
    "short": ["david@panza-user.example"],
}

FLOOR = r"""
import mailbox, sys
n = 0
for msg in mailbox.mbox(sys.argv[1]):
    n += 1
    for part in msg.walk():
        if part.get_content_maintype() == "text":
            data = part.get_payload(decode=True)
            if data is not None:
                try:
                    data.decode(part.get_content_charset() or "utf-8", "replace")
                except LookupError:
                    data.decode("latin-1")
print(n)
"""


def measure(cmd: list[str], env: dict[str, str] | None = None) -> dict[str, float]:
    """Run ``cmd``; wall seconds and peak memory of its whole process tree (polled every 0.1 s)."""
    import resource

    import psutil

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT)
    ps = psutil.Process(proc.pid)
    peak_sum = peak_max = peak_pss = 0
    while proc.poll() is None:
        try:
            tree = [ps, *ps.children(recursive=True)]
        except psutil.Error:
            break
        rss, pss = [], 0
        for p in tree:
            try:
                mi = p.memory_full_info()
            except psutil.Error:
                continue
            rss.append(mi.rss)
            pss += getattr(mi, "pss", mi.rss)
        peak_sum, peak_pss = max(peak_sum, sum(rss)), max(peak_pss, pss)
        peak_max = max(peak_max, max(rss, default=0))
        time.sleep(0.1)
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # includes the pool workers panza waited for
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd[:4])} failed ({proc.returncode}): {err.decode()[-2000:]}")
    mb = 1 / 2**20
    return {
        "wall": wall,
        "cpu": cpu,
        "rss_sum": peak_sum * mb,
        "rss_max": peak_max * mb,
        "pss": peak_pss * mb,
        "stdout": out.decode(),
        "stderr": err.decode(),
    }


def mailbox_for(n: int, workdir: Path, seed: int, kind: str = "realistic") -> Path:
    sys.path.insert(0, str(ROOT))
    from bench.mailgen import generate, generate_short

    path = workdir / f"sent-{kind}-{n}-{seed}-v{MAILGEN_VERSION}.mbox"
    if not path.exists():
        t0 = time.perf_counter()
        if kind == "short":
            generate_short(n, path.with_suffix(".tmp"))
        else:
            generate(n, path.with_suffix(".tmp"), seed=seed)
        path.with_suffix(".tmp").rename(path)
        print(
            f"generated {n} messages ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t0:.0f}s"
        )
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[20000, 100000])
    ap.add_argument("--runs", type=int, default=2, help="repeat each measurement (shared machines vary)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "panza-bench-extract")
    ap.add_argument("--workers", default="1", help="ingest.workers for panza (1: the per-process ratio)")
    ap.add_argument("--mailboxes", nargs="+", default=["realistic", "short"], choices=sorted(SENDERS))
    ap.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = ap.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "PANZA_WORKSPACE": str(args.workdir),
    }
    missed = False
    rows = []
    for kind, n in [(k, n) for n in args.sizes for k in args.mailboxes]:
        mbox = mailbox_for(n, args.workdir, args.seed, kind)
        emails = [x for e in SENDERS[kind] for x in ("--email", e)]
        for run in range(1, args.runs + 1):
            floor = measure([sys.executable, "-c", FLOOR, str(mbox)], env)
            counted = int(floor["stdout"].split()[-1])
            out = args.workdir / f"out-{kind}-{n}"
            panza = measure(
                [
                    sys.executable,
                    "-m",
                    "panza",
                    "extract",
                    "--mbox",
                    str(mbox),
                    *emails,
                    "--out",
                    str(out),
                    "ingest.force=true",
                    f"ingest.workers={args.workers}",
                ],
                env,
            )
            f_rate, p_rate = counted / floor["wall"], n / panza["wall"]
            ratio = p_rate / f_rate
            rows.append((kind, n, run, f_rate, p_rate, ratio, panza))
            ok_speed = ratio >= SPEED_TARGET
            ok_mem = panza["pss"] <= RSS_TARGET_MB
            missed |= not (ok_speed and (ok_mem or n < 100000))
            summary = [ln for ln in panza["stderr"].splitlines() if "messages in" in ln]
            print(
                f"{kind} n={n} run {run}: floor {f_rate:7.0f} msg/s ({floor['wall']:.1f}s) | panza {p_rate:7.0f} msg/s "
                f"({panza['wall']:.1f}s) | ratio {ratio:.2f} (target >= {SPEED_TARGET}) "
                f"{'OK' if ok_speed else 'MISSED'}"
            )
            print(
                f"    panza peak memory: {panza['pss']:.0f} MB PSS (process tree), largest process "
                f"{panza['rss_max']:.0f} MB RSS, tree RSS sum {panza['rss_sum']:.0f} MB (shared pages counted "
                f"per process) | floor {floor['rss_max']:.0f} MB | target <= {RSS_TARGET_MB} MB "
                f"{'OK' if ok_mem else 'MISSED'}"
            )
            print(
                f"    CPU: floor {1e6 * floor['cpu'] / counted:.0f} us/msg, panza {1e6 * panza['cpu'] / n:.0f} us/msg "
                f"(all its processes; CPU ratio {floor['cpu'] / panza['cpu']:.2f})"
            )
            if summary:
                print(f"    {summary[-1].strip()}")
    print(f"\nload average before the last run: {os.getloadavg()[0]:.1f} on {CORES} cores")
    print(
        "mailbox    size     run  floor msg/s  panza msg/s  ratio  panza CPU us/msg  PSS MB  max RSS MB  sum RSS MB"
    )
    for kind, n, run, f_rate, p_rate, ratio, p in rows:
        print(
            f"{kind:<10} {n:<8} {run:<4} {f_rate:11.0f}  {p_rate:11.0f}  {ratio:5.2f}  {1e6 * p['cpu'] / n:16.0f}  "
            f"{p['pss']:6.0f}  {p['rss_max']:10.0f}  {p['rss_sum']:10.0f}"
        )
    return 1 if (missed and args.strict) else 0


if __name__ == "__main__":
    raise SystemExit(main())
