"""The default training schedule's time on real users' mail: today's trainer vs the one of before.

Two prepared data folders, each made by the product's own `panza prepare`: David's real sent mail
(../shared/data/panza-david.jsonl, 80/20, short emails, no user preamble) and the bundled sample
user Jen (sample/jen/sent.mbox, her ~400-token user preamble and her threads). On each,
`panza train finetuning=lora` runs twice in separate processes: with the defaults of before as
the baseline (r 8 at lr 2e-4 for 5 epochs, every example running its preambles itself, 512 tokens
per forward pass: BEFORE below) and with today's (r 32 at lr 5e-4 for 3 epochs, the preambles every
example starts with run once per pass, `micro_batch_tokens=auto` sizing the passes by the free
memory). Reported per run:
wall time of the whole command, training time, example tokens/s, forward passes, test perplexity
and peak RSS; the ratio is the baseline's training time over the shared-prefix run's.

`--steps N` trains N optimizer steps instead of the whole schedule and extrapolates the schedule's
training time from the time per step (Jen's long mail takes long on 2 cores; said in the table).

    python -m bench schedule -- [--users david,jen] [--steps N] [--workdir DIR]
        [--also 'NAME=finetuning.micro_batch_tokens=1024 …']   (more runs, each against the same baseline)
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DAVID = ROOT.parent / "shared" / "data" / "panza-david.jsonl"
PANZA = [sys.executable, "-m", "panza"]


def prepare(user: str, work: Path) -> tuple[Path, list[str]]:
    """The prepared data folder of ``user`` and the overrides that select that user."""
    data = work / f"data-{user}"
    if user == "jen":
        over = ["user=jen", f"user.data_dir={data}"]
        if not (data / "train.jsonl").is_file():
            subprocess.run([*PANZA, "prepare", *over, "--mbox", str(ROOT / "sample/jen/sent.mbox")],
                           check=True, stdout=subprocess.DEVNULL)
        return data, over
    over = ["user.username=david", f"user.data_dir={data}"]
    if not (data / "train.jsonl").is_file():
        sys.path.insert(0, str(ROOT / "tests"))
        import david_mbox

        mbox = work / "david.mbox"
        david_mbox.build(mbox)
        subprocess.run([*PANZA, "prepare", "--mbox", str(mbox), "--email", "david@panza-user.example",
                        "--out", str(data), "--test-split", "0.2", "user.username=david"],
                       check=True, stdout=subprocess.DEVNULL)
    return data, over


# The defaults of before: r 8 at lr 2e-4 for 5 epochs, every example whole, 512 tokens per forward pass.
BEFORE = ["finetuning.shared_prefix=false", "finetuning.micro_batch_tokens=512", "finetuning.lr=2e-4",
          "finetuning.max_duration=5ep", "finetuning.lora.r=8", "finetuning.lora.lora_alpha=16"]


def default_epochs() -> int:
    from omegaconf import OmegaConf

    return int(str(OmegaConf.load(ROOT / "configs" / "finetuning" / "lora.yaml").max_duration).removesuffix("ep"))


def train(over: list[str], work: Path, name: str, extra: list[str]) -> dict[str, Any]:
    t0 = time.perf_counter()
    log = work / f"train-{name}.log"
    with log.open("w") as err:
        r = subprocess.run([*PANZA, "train", *over, "finetuning=lora", f"checkpoint_dir={work / 'ck'}",
                            "finetuning.resume=false", *extra], stdout=subprocess.PIPE, stderr=err, text=True)
    if r.returncode:
        raise SystemExit(f"{name}: panza train failed, see {log}")
    wall = time.perf_counter() - t0
    m = json.loads((Path(r.stdout.strip().splitlines()[-1]) / "metrics.json").read_text())
    return {"wall_s": wall, **{k: m.get(k) for k in ("train_seconds", "global_step", "tokens_per_s", "forward_passes",
                                                       "checkpointed_passes", "test_ppl", "train_ppl", "peak_rss_mb",
                                                       "shared_prefix_tokens", "micro_batch_tokens")}}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--users", default="david,jen")
    p.add_argument("--steps", type=int, default=0, help="train N steps and extrapolate (0 = the whole schedule)")
    p.add_argument("--workdir", default=str(ROOT / "bench" / "out" / "schedule"))
    p.add_argument("--also", action="append", default=[], metavar="NAME=OVERRIDE …",
                   help="one more run with these overrides (space-separated), e.g. 'budget 1024=finetuning.micro_batch_tokens=1024'")
    args = p.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    work = Path(args.workdir).resolve()
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    for user in args.users.split(","):
        if user == "david" and not DAVID.is_file():
            print(f"skipped david: {DAVID} not found")
            continue
        data, over = prepare(user, work)
        n_train = sum(1 for line in (data / "train.jsonl").open() if line.strip())
        extra = [f"finetuning.max_duration={args.steps}ba"] if args.steps else []
        res = {}
        variants = [("before", BEFORE), ("now", [])]
        variants += [(n, o.split()) for n, _, o in (a.partition("=") for a in args.also)]
        base = None
        for k, (name, ov) in enumerate(variants):
            res[name] = r = train(over, work, f"{user}-{k}", [*ov, *extra])  # --steps wins
            # the whole schedule: its epochs of ceil(n / 8) steps
            full = (5 if ov is BEFORE else default_epochs()) * math.ceil(n_train / 8)
            r["schedule_min"] = r["train_seconds"] / r["global_step"] * full / 60
            rows.append({"user": user, "emails": n_train, "run": name, **r})
            print(f"  {user} {name}: {r['global_step']} steps in {r['train_seconds']:.0f}s "
                  f"(wall {r['wall_s']:.0f}s), {r['micro_batch_tokens']} tokens/pass, {r['tokens_per_s']:.0f} tok/s, schedule {r['schedule_min']:.1f} min, "
                  f"test ppl {_f(r['test_ppl'])}, peak {r['peak_rss_mb']:.0f} MiB", flush=True)
            base = base or r
            rows[-1]["ratio"] = base["train_seconds"] / base["global_step"] / (r["train_seconds"] / r["global_step"])
    print("\n| user | emails | run | steps | train s | schedule min" + (" (extrapolated)" if args.steps else "")
          + " | tok/s | passes | test ppl | peak MiB | speed-up |\n|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['user']} | {r['emails']} | {r['run']} | {r['global_step']} | {r['train_seconds']:.0f} | "
              f"{r['schedule_min']:.1f} | {r['tokens_per_s']:.0f} | {r['forward_passes']} | {_f(r['test_ppl'])} | "
              f"{r['peak_rss_mb']:.0f} | {r.get('ratio', 1.0):.2f}x |")
    (work / "results.json").write_text(json.dumps(rows, indent=1))
    plot(rows, work / "schedule.png")
    return 0


def _f(x: float | None) -> str:
    return "–" if x is None else f"{x:.3f}"


def plot(rows: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3))
    labels = [f"{r['user']}\n{r['run']}" for r in rows]
    ax.barh(labels, [r["schedule_min"] for r in rows], color=["#bbb" if "before" in r["run"] else "#2a7" for r in rows])
    ax.axvline(20, color="r", ls="--", lw=1)
    ax.set_xlabel("default LoRA schedule, minutes on this CPU (target <= 20)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    print(f"plot: {path}")


if __name__ == "__main__":
    raise SystemExit(main())
