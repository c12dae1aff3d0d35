"""Draft quality after fine-tuning: a real user's held-out emails, LoRA and RoSA vs base vs floors.

The whole product path on ../shared/data/panza-david.jsonl: `panza prepare` (mbox -> playback
instructions -> 80/20 split -> RAG index), `panza train finetuning=lora|rosa` with the defaults,
`panza run interfaces=json` greedy drafts for every test instruction, scored with Panza's BLEU and
ROUGE-L (sacrebleu / rouge-score, the original's normalisation). Next to them: the base model with
and without RAG, and two no-model floors: a fixed greeting-and-closing template (the user's most
common greeting and sign-off, with the recipient named in the instruction) and the nearest training
email (by embedding of the instruction) copied as is. Also the test perplexity of each model.

Every stage is kept in --workdir and skipped when its output exists, so an interrupted run resumes.
Writes results.json, drafts side by side (side_by_side.md) and a bar chart (quality.png) there.

    python -m bench quality -- [--workdir DIR] [--methods lora,rosa] [--max-new-tokens 256]
        [--variant 'lora RAFT=lora:rag.enabled=true'] [--with-rag 'lora,lora RAFT']
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "panza-david.jsonl"
ADDRESS = "david@panza-user.example"


def sh(cmd: list[str], log: Path) -> str:
    """Run a panza command, its stderr to ``log``; returns stdout (exits with the log tail on failure)."""
    t0 = time.perf_counter()
    with log.open("w", encoding="utf-8") as err:
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=err, text=True)
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:4])} … failed ({log}):\n{log.read_text()[-2000:]}")
    print(f"  {' '.join(cmd[2:5])} … {time.perf_counter() - t0:.0f}s", flush=True)
    return r.stdout


def panza(*args: str) -> list[str]:
    return [sys.executable, "-m", "panza", *args]


_RECIPIENT = re.compile(r"^(?:Reply|Write|Send|Respond)(?: an email| a short email| a note)? to ([A-Z][\w.'-]*(?: [A-Z][\w.'-]*)?)")


def template_floor(train: list[dict[str, Any]]) -> Any:
    """A fixed template from the user's most common greeting word and sign-off, naming the recipient."""
    greet: collections.Counter[str] = collections.Counter()
    close: collections.Counter[str] = collections.Counter()
    for r in train:
        lines = [ln.strip() for ln in r["email"].splitlines() if ln.strip()]
        if len(lines) >= 2:
            greet[lines[0].split()[0].strip(",")] += 1
            close["\n".join(lines[-2:])] += 1
    g = greet.most_common(1)[0][0] if greet else "Hi"
    c = close.most_common(1)[0][0] if close else "Best"

    def draft(instruction: str) -> str:
        m = _RECIPIENT.match(instruction)
        name = m.group(1) if m and m.group(1) not in {"The", "Them", "Him", "Her"} else ""
        return f"{g} {name},\n\n{c}" if name else f"{g},\n\n{c}"

    return draft


def nearest_floor(data: Path) -> Any:
    """The training email whose embedding is nearest to the instruction, copied as is."""
    from panza.index import EmailIndex

    index = EmailIndex.load(data / "rag")
    return lambda instruction: (index.search(instruction, k=1) or [{"email": ""}])[0]["email"]


def score_floor(test: list[dict[str, Any]], fn: Any) -> dict[str, Any]:
    from panza.evaluate.metrics import score_responses

    resp = [{"prompt": r["summary"], "golden_responses": [r["email"]], "panza_responses": [fn(r["summary"])]}
            for r in test]
    return {"metrics": score_responses(resp), "responses": resp}


def base_test_ppl(data: Path) -> float:
    """Perplexity of the untrained base model on the test emails (same examples the trainer scores)."""
    import contextlib

    import torch

    from panza.config import compose
    from panza.models.embedded import hf_model_dir
    from panza.models.loading import load_causal_lm, load_tokenizer
    from panza.train.data import prepare_examples
    from panza.train.loss import evaluate
    from panza.train.options import from_config

    cfg = compose("train", [f"user.data_dir={data}", "finetuning=lora"])
    opts = from_config(cfg)
    path = str(hf_model_dir())
    tok = load_tokenizer(path)
    prep = prepare_examples(cfg, opts, tok)
    model = load_causal_lm(path, dtype=torch.float32)
    return evaluate(model, prep.test, 8, tok.pad_token_id, torch.device("cpu"), contextlib.nullcontext)[1]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workdir", default=str(ROOT / "bench" / "out" / "quality"))
    p.add_argument("--methods", default="lora,rosa")
    p.add_argument("--test-split", type=float, default=0.2)
    p.add_argument("--max-new-tokens", type=int, default=256)
    p.add_argument("--train-overrides", default="", help="extra overrides for every `panza train`, space-separated")
    p.add_argument("--variant", action="append", default=[], metavar="NAME=METHOD:OVERRIDE,…",
                   help="one more trained system, e.g. 'lora lr 1e-3=lora:finetuning.lr=1e-3' (repeatable)")
    p.add_argument("--with-rag", default="", metavar="NAME,…",
                   help="trained systems also drafted with RAG (rows '<name> + RAG'), e.g. 'lora,lora RAFT'")
    args = p.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if not DATA.is_file():
        print(f"skipped: {DATA} not found (the shared data sits beside the checkout)")
        return 0
    work = Path(args.workdir).resolve()
    work.mkdir(parents=True, exist_ok=True)
    data = work / "data"
    logs = work / "logs"
    logs.mkdir(exist_ok=True)
    sys.path.insert(0, str(ROOT / "tests"))
    import david_mbox
    from panza.jsonl import read_jsonl

    # 1. prepare: the product's own pipeline, so the instructions are real playback output
    if not (data / "test.jsonl").is_file() or not (data / "rag").is_dir():
        mbox = work / "david.mbox"
        if not mbox.exists():
            david_mbox.build(mbox)
        print("prepare", flush=True)
        sh(panza("prepare", "--mbox", str(mbox), "--email", ADDRESS, "--out", str(data),
                 "--test-split", str(args.test_split), "user.username=david"), logs / "prepare.log")
    train, test = read_jsonl(data / "train.jsonl"), read_jsonl(data / "test.jsonl")
    print(f"{len(train)} training and {len(test)} test emails", flush=True)

    # 2. train each method with its defaults
    trained = [(m, m, []) for m in args.methods.split(",") if m]
    for v in args.variant:
        name, _, spec = v.partition("=")
        method, _, ov = spec.partition(":")
        trained.append((name, method, [o for o in ov.split(",") if o]))
    runs: dict[str, Path] = {}
    for name, method, ov in trained:
        slug = re.sub(r"[^\w.-]+", "_", name)
        marker = work / f"run-{slug}.txt"
        if not marker.is_file():
            print(f"train {name}", flush=True)
            out = sh(panza("train", "--data", str(data), f"finetuning={method}", f"checkpoint_dir={work / 'ck'}",
                           "user.username=david", *args.train_overrides.split(), *ov), logs / f"train-{slug}.log")
            marker.write_text(out.strip().splitlines()[-1], encoding="utf-8")
        runs[name] = Path(marker.read_text(encoding="utf-8").strip())

    # 3. greedy drafts for the test instructions
    systems: dict[str, list[str]] = {
        "base": ["writer/llm=transformers", "writer.rag.enabled=false"],
        "base + RAG": ["writer/llm=transformers", "writer.rag.enabled=true"],
    }
    for method, run in runs.items():
        systems[method] = ["writer/llm=peft", f"checkpoint={run}", "writer.rag.enabled=false"]
    for name in (n.strip() for n in args.with_rag.split(",") if n.strip()):
        if name not in runs:
            raise SystemExit(f"--with-rag {name}: no trained system of that name (have: {', '.join(runs)})")
        systems[f"{name} + RAG"] = ["writer/llm=peft", f"checkpoint={runs[name]}", "writer.rag.enabled=true"]
    results: dict[str, Any] = {}
    for name, ov in systems.items():
        out = work / f"drafts-{name.replace(' + ', '-').replace(' ', '_')}.json"
        if not out.is_file():
            print(f"draft {name}", flush=True)
            sh(panza("run", "--data", str(data), "interfaces=json", f"interfaces.output_file={out}",
                     f"writer.llm.sampling.max_new_tokens={args.max_new_tokens}", *ov),
               logs / f"{out.stem}.log")
        results[name] = json.loads(out.read_text(encoding="utf-8"))

    # 4. floors and perplexities
    results["template floor"] = score_floor(test, template_floor(train))
    results["nearest training email"] = score_floor(test, nearest_floor(data))
    ppl: dict[str, float | None] = {"base": base_test_ppl(data)}
    for method, run in runs.items():
        ppl[method] = json.loads((run / "metrics.json").read_text())["test_ppl"]

    # 5. report
    rows = []
    for name, res in results.items():
        m = res["metrics"]
        rows.append({"system": name, "BLEU": 100 * m["BLEU"], "ROUGE-L": m["ROUGE"]["rougeL"],
                     "ROUGE-1": m["ROUGE"]["rouge1"], "test_ppl": ppl.get(name)})
    print(f"\n{len(test)} test emails of panza-david.jsonl (greedy, max_new_tokens {args.max_new_tokens})")
    print("| system | BLEU | ROUGE-L | ROUGE-1 | test ppl |\n|---|---|---|---|---|")
    for r in rows:
        tp = f"{r['test_ppl']:.2f}" if r["test_ppl"] else "–"
        print(f"| {r['system']} | {r['BLEU']:.1f} | {r['ROUGE-L']:.3f} | {r['ROUGE-1']:.3f} | {tp} |")
    (work / "results.json").write_text(json.dumps({"rows": rows, "runs": {k: str(v) for k, v in runs.items()}},
                                                  indent=1), encoding="utf-8")
    _side_by_side(work / "side_by_side.md", test, results, n=3)
    _plot(work / "quality.png", rows)
    print(f"results, drafts side by side and quality.png in {work}")
    return 0


def _side_by_side(path: Path, test: list[dict[str, Any]], results: dict[str, Any], n: int) -> None:
    """The first ``n`` test instructions: the real email next to each system's draft."""
    by_prompt = {name: {r["prompt"]: r["panza_responses"][0] if r["panza_responses"] else ""
                        for r in res["responses"]} for name, res in results.items()}
    parts = []
    for rec in test[:n]:
        parts.append(f"## {rec['summary']}\n\n**real email**\n\n```\n{rec['email'].strip()}\n```\n")
        for name, d in by_prompt.items():
            parts.append(f"**{name}**\n\n```\n{d.get(rec['summary'], '').strip()}\n```\n")
    path.write_text("\n".join(parts), encoding="utf-8")


def _plot(path: Path, rows: list[dict[str, Any]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(1, 2, figsize=(10, 4))
    names = [r["system"] for r in rows]
    for a, key in zip(ax, ("BLEU", "ROUGE-L"), strict=True):
        a.barh(names, [r[key] for r in rows], color="tab:blue")
        a.set_title(key)
        a.invert_yaxis()
    fig.suptitle("Drafts for held-out emails (panza-david.jsonl)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


if __name__ == "__main__":
    raise SystemExit(main())
