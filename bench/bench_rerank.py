"""How the writer picks among its candidate drafts, replayed on a real user's test split.

The writer drafts each test instruction as `panza eval` does (the greedy draft, ``best_of`` - 1 sampled
ones and the re-drafts); every candidate it considered (``PanzaWriter.candidates``) is then scored once:
the writer's fact score, the channel score (log p(instruction | draft), the playback prompt read
backwards), the direct score (log p(draft | writer prompt)), and, against the real email, ROUGE-L,
sacreBLEU and the length ratio. Each picking rule is replayed on the same candidates, so rules differ
only by the pick: the earliest draft among those with the top fact score (the greedy one on a tie, the
baseline), consensus (MBR), channel alone, channel + direct (the default) and two oracles that read the
real email (the best tied draft and the best of all), which bound what any rule could reach.

Why: a pick changes ROUGE-L by ~0.01 on 33 emails, below what a re-run of `panza eval` with another
setting can tell apart; replaying rules on one set of candidates compares them without that noise.

    python -m bench rerank -- --data data/david --checkpoint RUN [--out DIR] [key=value ...]

Needs a prepared data folder (test.jsonl) and a trained run, ideally exported (`panza export gguf`) so
drafting runs through llama.cpp; ``key=value`` are `panza eval` overrides (``eval.limit=8``,
``writer.best_of=12``). Writes results.json (private, like every file made from the user's mail) and
rerank.png to --out.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from statistics import mean, median
from typing import Any

from bench import trained_user_args

Rule = Callable[[list[dict[str, Any]]], int]


def rules(length_weight: float, direct_weight: float) -> dict[str, Rule]:
    """Picking rules over one instruction's candidates (dicts with their scores); each returns an index."""
    from panza.write.consensus import consensus

    def tied(cands: list[dict[str, Any]]) -> list[int]:
        top = max(c["fact"] for c in cands)
        return [n for n, c in enumerate(cands) if c["fact"] == top]

    def among_top(key: Callable[[int, dict[str, Any]], Any]) -> Rule:
        return lambda cands: max(tied(cands), key=lambda n: (key(n, cands[n]), -n))

    def mbr(cands: list[dict[str, Any]]) -> int:
        return consensus([c["draft"] for c in cands], tied(cands), length_weight)

    return {
        "earliest (baseline)": among_top(lambda n, c: 0),
        "consensus (MBR)": mbr,
        "channel": among_top(lambda n, c: c["channel"]),
        f"channel + {direct_weight:g} x direct": among_top(lambda n, c: c["channel"] + direct_weight * c["direct"]),
        "oracle: best tied": among_top(lambda n, c: c["rougeL"]),
        "oracle: best of all": lambda cands: max(range(len(cands)), key=lambda n: cands[n]["rougeL"]),
    }


def candidates(cfg: Any) -> tuple[list[dict[str, Any]], Any, float]:
    """Every test instruction with the candidates the writer considered, each scored once."""
    from panza.evaluate.command import load_test
    from panza.evaluate.metrics import rouge_original, sacrebleu_bleu
    from panza.evaluate.style import length_ratio
    from panza.llm.base import ContinuationScorer
    from panza.write.build import build_writer
    from panza.write.channel import channel_scores, direct_scores, load_channel_template

    jobs = load_test(cfg).jobs  # eval.limit=N: the first N
    writer = build_writer(cfg)
    if not isinstance(writer.llm, ContinuationScorer):
        raise SystemExit(f"backend {writer.info.get('backend')} cannot score texts; use llamacpp or peft")
    template = writer.channel_template or load_channel_template(cfg.writer.channel_prompt_path)
    out: list[dict[str, Any]] = []
    t0 = time.perf_counter()
    for b in range(0, len(jobs), 8):
        batch = jobs[b : b + 8]
        kept, prompts = writer.run_batch([j.prompt for j in batch], [j.thread for j in batch])
        for job, k, prompt, cands in zip(batch, kept, prompts, writer.candidates, strict=True):
            drafts = [d for _, d in cands]
            ch = channel_scores(writer.llm, template, job.prompt, drafts)
            di = direct_scores(writer.llm, prompt, drafts)
            out.append({
                "instruction": job.prompt,
                "email": job.goldens[0],
                "kept": k,
                "candidates": [
                    {"draft": d, "fact": s, "channel": c, "direct": x,
                     "rougeL": rouge_original(d, job.goldens)["rougeL_fmeasure"],
                     "sacreBLEU": sacrebleu_bleu(d, job.goldens), "length": length_ratio(d, job.goldens[0])}
                    for (s, d), c, x in zip(cands, ch, di, strict=True)
                ],
            })
        print(f"  {len(out)}/{len(jobs)} drafted and scored ({time.perf_counter() - t0:.0f}s)", flush=True)
    return out, writer, time.perf_counter() - t0


def table(records: list[dict[str, Any]], picks: dict[str, Rule]) -> list[dict[str, Any]]:
    rows = []
    for name, rule in picks.items():
        chosen = [r["candidates"][rule(r["candidates"])] for r in records]
        lengths = [c["length"] for c in chosen if c["length"] is not None]
        rows.append({
            "rule": name,
            "rougeL": mean(c["rougeL"] for c in chosen),
            "sacreBLEU": 100 * mean(c["sacreBLEU"] for c in chosen),
            "facts": mean(c["fact"] for c in chosen),
            "length_median": median(lengths) if lengths else None,
        })
    base = rows[0]["rougeL"] or 1.0
    for r in rows:
        r["ratio"] = r["rougeL"] / base
    return rows


def plot(rows: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 3.5))
    ax.barh([r["rule"] for r in rows][::-1], [r["rougeL"] for r in rows][::-1], color="#4c72b0")
    for y, r in enumerate(rows[::-1]):
        ax.text(r["rougeL"], y, f" {r['rougeL']:.3f}", va="center")
    ax.set_xlabel("ROUGE-L against the real emails (same candidates, different pick)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    args = trained_user_args("rerank", __doc__, argv, "results.json, rerank.png", "eval.limit=8 writer.best_of=12")
    if args is None:
        return 0
    from panza.config import compose
    from panza.jsonl import atomic_open

    cfg = compose("eval", [f"user.data_dir={args.data}", f"checkpoint={args.checkpoint}", *args.overrides])
    records, writer, seconds = candidates(cfg)
    rows = table(records, rules(writer.options.length_weight, writer.options.direct_weight))
    n = mean(len(r["candidates"]) for r in records)
    print(f"\n{len(records)} instructions, {n:.1f} candidates each, drafted and scored in {seconds:.0f}s")
    print(f"{'rule':28s} {'ROUGE-L':>8s} {'x base':>7s} {'sacreBLEU':>10s} {'facts':>6s} {'length':>7s}")
    for r in rows:
        length = f"{r['length_median']:.2f}" if r["length_median"] is not None else "-"
        print(f"{r['rule']:28s} {r['rougeL']:8.3f} {r['ratio']:7.3f} {r['sacreBLEU']:10.1f} {r['facts']:6.3f} {length:>7s}")
    out = Path(args.out)
    with atomic_open(out / "results.json") as fh:  # the user's real emails and drafts: 0600, in a 0700 folder
        json.dump({"rows": rows, "records": records}, fh, indent=1, ensure_ascii=False)
    plot(rows, out / "rerank.png")
    print(f"results: {out / 'results.json'}, plot: {out / 'rerank.png'}")
    return 0
