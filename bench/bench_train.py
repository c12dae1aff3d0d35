"""Training speed and memory: Panza's trainer vs a straightforward TRL ``SFTTrainer`` run.

Trains SmolLM2-135M-Instruct (the embedded model's Hugging Face copy) on the same real emails
(../shared/data/panza-david.jsonl) with LoRA, RoSA and full fine-tuning, and LoRA once more with TRL's
``SFTTrainer`` defaults (padded batches, the full model forward) as the baseline, each in its own
process so peak RSS is per run. Instructions are "subject + first line" of each email: the summarized
set (data playback) is not part of the shared data.

Targets: LoRA >= 1.5x the baseline's tokens/s at equal loss after one epoch; LoRA peak RSS <= 2.5 GB.

    python bench/bench_train.py [--limit 150] [--epochs 1] [--methods lora,rosa,full] [--threads N]

A method may carry its own overrides after a colon and is then also compared with its plain method in the
same run: ``--methods lora,lora:finetuning.lora.top_layers=15 --no-baseline``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "panza-david.jsonl"

BASELINE = r'''
import json, sys, time
from panza.train.memory import peak_rss_mb  # VmHWM: ru_maxrss would carry the parent's peak
import torch
args = json.loads(sys.argv[1])
torch.set_num_threads(args["threads"])
torch.manual_seed(args["seed"])
from datasets import Dataset
from peft import LoraConfig
from transformers import AutoModelForCausalLM, AutoTokenizer
from trl import SFTConfig, SFTTrainer
rows = [json.loads(l) for l in open(args["data"])]
ds = Dataset.from_list([{"prompt": r["prompt"], "completion": r["completion"]} for r in rows])
tok = AutoTokenizer.from_pretrained(args["model"])
model = AutoModelForCausalLM.from_pretrained(args["model"], dtype=torch.float32)
cfg = SFTConfig(output_dir=args["out"], num_train_epochs=args["epochs"], learning_rate=args["lr"],
                per_device_train_batch_size=args["batch_size"], warmup_steps=args["warmup"],
                lr_scheduler_type="linear", max_length=args["max_len"], logging_steps=1,
                save_strategy="no", report_to=[], use_cpu=True, seed=args["seed"],
                dataloader_num_workers=0, disable_tqdm=True)
peft = LoraConfig(r=8, lora_alpha=16, lora_dropout=0.05, target_modules="all-linear", task_type="CAUSAL_LM")
tr = SFTTrainer(model=model, args=cfg, train_dataset=ds, processing_class=tok, peft_config=peft)
t0 = time.perf_counter()
out = tr.train()
wall = time.perf_counter() - t0
losses = [h["loss"] for h in tr.state.log_history if "loss" in h]
print("RESULT " + json.dumps({"train_seconds": out.metrics.get("train_runtime", wall),
      "train_loss": out.metrics.get("train_loss"), "last_losses": losses[-3:],
      "peak_rss_mb": peak_rss_mb()}))
'''


def first_line(text: str) -> str:
    return next((ln.strip() for ln in text.splitlines() if ln.strip()), "")


def build_data(limit: int, out: Path) -> list[dict]:
    recs = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = []
    for i, r in enumerate(recs[:limit]):
        email = r["email"].replace("\r\n", "\n").strip()
        instr = f"Write an email with subject '{r.get('subject') or '(none)'}' that starts: {first_line(email)[:120]}"
        rows.append({"summary": instr, "email": email, "thread": [], "message_id": f"<bench{i}@panza>",
                     "subject": r.get("subject")})
    out.mkdir(parents=True, exist_ok=True)
    (out / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    (out / "test.jsonl").write_text("", encoding="utf-8")
    return rows


def run_panza(method: str, data: Path, ckpt: Path, args: argparse.Namespace, lr: float,
              extra: list[str] | None = None) -> dict:
    cmd = [sys.executable, "-m", "panza", "train", "--data", str(data), f"finetuning={method}",
           f"checkpoint_dir={ckpt}", f"finetuning.max_duration={args.epochs}ep", f"finetuning.lr={lr}",
           f"finetuning.batch_size={args.batch_size}", f"finetuning.max_seq_len={args.max_len}",
           f"finetuning.num_cpu_threads={args.threads}", f"finetuning.warmup={args.warmup}",
           "finetuning.resume=false", "user.username=bench", *args.set, *(extra or [])]
    if method == "rosa":
        cmd.append(f"finetuning.rosa.lora_lr={lr}")
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"panza train {method} failed:\n{r.stderr[-3000:]}")
    run = Path(r.stdout.strip().splitlines()[-1])
    return json.loads((run / "metrics.json").read_text())


def run_baseline(rows: list[dict], tmp: Path, args: argparse.Namespace, model_dir: str, lr: float) -> dict:
    from panza.config import compose
    from panza.prompt import build_messages, load_preambles

    pre = load_preambles(compose("train", []))
    path = tmp / "trl.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps({"prompt": build_messages(r["summary"], pre),
                                 "completion": [{"role": "assistant", "content": r["email"]}]}) + "\n")
    spec = {"data": str(path), "model": model_dir, "out": str(tmp / "trl-out"), "epochs": args.epochs,
            "lr": lr, "batch_size": args.batch_size, "warmup": args.warmup, "max_len": args.max_len,
            "threads": args.threads, "seed": 42}
    r = subprocess.run([sys.executable, "-c", BASELINE, json.dumps(spec)], capture_output=True, text=True)
    line = next((ln for ln in r.stdout.splitlines() if ln.startswith("RESULT ")), None)
    if r.returncode != 0 or line is None:
        raise SystemExit(f"TRL baseline failed:\n{r.stderr[-3000:]}")
    return json.loads(line[len("RESULT "):])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--limit", type=int, default=150, help="emails to train on (default 150)")
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--methods", default="lora,rosa,full")
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--max-len", type=int, default=512)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--threads", type=int, default=0, help="torch threads (0 = physical cores)")
    p.add_argument("--no-baseline", action="store_true")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="an extra `panza train` override, e.g. --set finetuning.micro_batch_tokens=256")
    args = p.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    if not DATA.is_file():
        print(f"skipped: {DATA} not found (the shared data sits beside the checkout)")
        return 0
    from panza.models.embedded import hf_model_dir
    from panza.train.memory import physical_cores

    args.threads = args.threads or physical_cores()
    model_dir = str(hf_model_dir())
    lrs = {"lora": 2e-4, "rosa": 2e-4, "full": 2e-5}
    print(f"SmolLM2-135M-Instruct, {args.limit} emails, {args.epochs} epoch(s), batch {args.batch_size}, "
          f"max_len {args.max_len}, {args.threads} threads; load average before: {os.getloadavg()}")
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="panza-bench-") as tmp_s:
        tmp = Path(tmp_s)
        rows = build_data(args.limit, tmp / "data")
        for spec in [m for m in args.methods.split(",") if m]:
            method, _, extra = spec.partition(":")
            t0 = time.perf_counter()
            m = run_panza(method, tmp / "data", tmp / "ck", args, lrs[method], extra.split() if extra else None)
            results[spec] = {"tokens_per_s": m["tokens_per_s"], "train_loss": m["train_loss"],
                               "peak_rss_mb": m["peak_rss_mb"], "train_seconds": m["train_seconds"],
                               "padding_fraction": m["padding_fraction"], "tokens": m["tokens"],
                               "wall_s": time.perf_counter() - t0, "device": m.get("device"),
                               "precision": m.get("precision"), "peak_gpu_mb": m.get("peak_gpu_mb")}
            gpu = f"  peak GPU {m['peak_gpu_mb']:6.0f} MiB" if m.get("peak_gpu_mb") else ""
            print(f"panza {spec:5s}: {m['tokens_per_s']:8.0f} tok/s  loss {m['train_loss']:.3f}  "
                  f"peak RSS {m['peak_rss_mb']:6.0f} MiB{gpu}  train {m['train_seconds']:.0f}s  "
                  f"padding {100 * m['padding_fraction']:.1f}%  ({m.get('device')}, {m.get('precision')})",
                  flush=True)
            if extra and method in results:
                plain = results[method]
                print(f"  {spec} vs {method}: {m['tokens_per_s'] / plain['tokens_per_s']:.2f}x the tokens/s, "
                      f"peak RSS {m['peak_rss_mb'] / plain['peak_rss_mb']:.2f}x, loss {m['train_loss']:.3f} vs "
                      f"{plain['train_loss']:.3f}", flush=True)
        if not args.no_baseline:
            b = run_baseline(rows, tmp, args, model_dir, lrs["lora"])
            tokens = results.get("lora", {}).get("tokens")
            if tokens:  # the same real (unpadded) tokens, so tokens/s are comparable
                b["tokens_per_s"] = tokens / b["train_seconds"]
            results["trl_baseline_lora"] = b
            print(f"TRL SFTTrainer lora (baseline): {b.get('tokens_per_s', float('nan')):8.0f} tok/s  "
                  f"loss {b['train_loss']:.3f}  peak RSS {b['peak_rss_mb']:6.0f} MiB  "
                  f"train {b['train_seconds']:.0f}s")
            if "lora" in results and b.get("tokens_per_s"):
                ratio = results["lora"]["tokens_per_s"] / b["tokens_per_s"]
                rss = results["lora"]["peak_rss_mb"] / b["peak_rss_mb"]
                print(f"LoRA speed-up vs baseline: {ratio:.2f}x (target >= 1.5x); peak RSS {rss:.2f}x of the "
                      f"baseline; LoRA peak RSS {results['lora']['peak_rss_mb'] * 2**20 / 1e9:.2f} GB "
                      f"= {results['lora']['peak_rss_mb'] / 1024:.2f} GiB (target <= 2.5 GB)")
    print(f"load average after: {os.getloadavg()}")
    print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
