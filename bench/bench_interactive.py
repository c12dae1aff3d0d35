"""What the CLI, the web APIs and the GUI draft: ``writer.stream`` greedy against checked, on a user's test split.

Each test instruction is drafted through ``PanzaWriter.stream`` twice, as an interactive user gets it: with
``writer.interactive=greedy`` (the baseline: the greedy draft token by token) and ``checked`` (the default: the
draft bulk mode keeps, sent once chosen). Both are scored against the real email (ROUGE-L, the instruction's
facts carried, drafts that fail) and timed per draft, in the same run.

    python -m bench interactive -- --data data/david --checkpoint RUN [--out DIR] [key=value ...]

Needs a prepared data folder (test.jsonl) and a trained run, ideally exported (`panza export gguf`);
``key=value`` are `panza run` overrides (``writer.best_of=3``). Writes results.json (private, like every file
made from the user's mail) and interactive.png to --out.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from statistics import mean
from typing import Any

from bench import trained_user_args

MODES = ("greedy", "checked")


def drafted(cfg: Any, jobs: list[Any]) -> dict[str, Any]:
    """Every job drafted through ``stream`` with ``cfg``'s writer: the drafts, their scores, seconds a draft."""
    from panza.evaluate.metrics import rouge_original
    from panza.write.adherence import adherence_scores, aggregate
    from panza.write.build import build_writer

    writer = build_writer(cfg)
    writer.draft("Say hello.")  # the first draft loads what every later one reuses: not timed
    drafts, seconds = [], []
    for job in jobs:
        t0 = time.perf_counter()
        drafts.append("".join(writer.stream(job.prompt, job.thread or None)))
        seconds.append(time.perf_counter() - t0)
    pairs = list(zip(jobs, drafts, strict=True))
    adherence = aggregate(adherence_scores(j.prompt, d) for j, d in pairs)  # as panza eval counts them
    return {
        "rougeL": mean(rouge_original(d, j.goldens)["rougeL_fmeasure"] for j, d in pairs),
        "facts": adherence["fact_recall"],
        "failed": sum(adherence["failures"].values()),
        "seconds_per_draft": mean(seconds),
        "drafts": drafts,
    }


def plot(rows: dict[str, dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(9, 2.8))
    for ax, key, label in zip(axes, ("rougeL", "facts", "seconds_per_draft"),
                              ("ROUGE-L", "facts carried", "seconds a draft"), strict=True):
        values = [rows[m][key] or 0.0 for m in MODES]
        ax.bar(MODES, values, color=["#999999", "#4c72b0"])
        for x, v in enumerate(values):
            ax.text(x, v, f"{v:.3g}", ha="center", va="bottom")
        ax.set_title(label)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    args = trained_user_args("interactive", __doc__, argv, "results.json, plot", "writer.best_of=3 eval.limit=8")
    if args is None:
        return 0
    from panza.config import compose
    from panza.evaluate.command import load_test
    from panza.jsonl import atomic_open

    base = [f"user.data_dir={args.data}", f"checkpoint={args.checkpoint}", *args.overrides]
    jobs = load_test(compose("eval", base)).jobs  # eval.limit=N: the first N
    rows = {m: drafted(compose("eval", [*base, f"writer.interactive={m}"]), jobs) for m in MODES}
    g, c = rows["greedy"], rows["checked"]
    print(f"\n{len(jobs)} test instructions through writer.stream")
    print(f"{'mode':8s} {'ROUGE-L':>8s} {'facts':>6s} {'failed':>7s} {'s/draft':>8s}")
    for m in MODES:
        r = rows[m]
        facts = f"{r['facts']:.3f}" if r["facts"] is not None else "-"
        print(f"{m:8s} {r['rougeL']:8.3f} {facts:>6s} {r['failed']:7d} {r['seconds_per_draft']:8.2f}")
    print(f"checked / greedy: ROUGE-L x{c['rougeL'] / (g['rougeL'] or 1):.3f}, "
          f"time x{c['seconds_per_draft'] / (g['seconds_per_draft'] or 1):.1f}")
    out = Path(args.out)
    with atomic_open(out / "results.json") as fh:  # the user's drafts: 0600, in a 0700 folder
        json.dump({"instructions": [j.prompt for j in jobs], **rows}, fh, indent=1, ensure_ascii=False)
    plot(rows, out / "interactive.png")
    print(f"results: {out / 'results.json'}, plot: {out / 'interactive.png'}")
    return 0
