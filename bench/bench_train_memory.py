"""The training memory estimate against measured peaks: LoRA, RoSA and full on SmolLM2-135M (CPU).

Each method trains a few steps on real emails in its own ``panza train`` process; ``metrics.json``
holds both the estimate printed before loading (``memory_estimate_mb``) and the process's peak RSS.
On a GPU machine the same run compares against ``peak_gpu_mb`` (torch's allocator peak). The estimate
is used to refuse runs that cannot fit, so it should be at or above the measured peak and within
~1.5x of it; the ratio is printed per method.

    python -m bench train_memory [-- --steps 3 --batch-size 8 --max-len 512 --methods lora,rosa,full]
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    from bench.bench_train import DATA, build_data, run_panza

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--limit", type=int, default=48, help="emails to train on")
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--methods", default="lora,rosa,full")
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--max-len", type=int, default=512)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    args = p.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if not DATA.is_file():
        print(f"skipped: {DATA} not found (the shared data sits beside the checkout)")
        return 0
    from panza.train.memory import physical_cores

    args.threads = args.threads or physical_cores()
    args.epochs = 1
    args.warmup = 0
    base_set = [*args.set, f"finetuning.max_duration={args.steps}ba"]
    lrs = {"lora": 2e-4, "rosa": 2e-4, "full": 2e-5}
    print(f"SmolLM2-135M-Instruct, {args.steps} steps of batch {args.batch_size}, max_len {args.max_len}, "
          f"{args.threads} threads")
    print(f"{'method':6s} {'device':6s} {'precision':9s} {'estimate MiB':>12s} {'measured MiB':>12s} {'est/meas':>8s}")
    bad = 0
    with tempfile.TemporaryDirectory(prefix="panza-bench-mem-") as tmp_s:
        tmp = Path(tmp_s)
        build_data(args.limit, tmp / "data")
        for method in [m for m in args.methods.split(",") if m]:
            args.set = base_set + (["finetuning.rosa.mask_warmup_steps=1"] if method == "rosa" else [])
            m = run_panza(method, tmp / "data", tmp / "ck", args, lrs[method])
            measured = m.get("peak_gpu_mb") or m["peak_rss_mb"]
            est = m["memory_estimate_mb"]
            ratio = est / measured
            bad += not (1.0 <= ratio <= 1.5)
            print(f"{method:6s} {m['device']:6s} {m['precision']:9s} {est:12.0f} {measured:12.0f} {ratio:8.2f}",
                  flush=True)
    print("target: 1.0 <= estimate/measured <= 1.5 for every method" + ("" if not bad else f" ({bad} outside)"))
    return 0
