"""GPU training bench (not in CI; needs a CUDA GPU): tokens/s and peak GPU memory per method and precision.

Runs ``panza train`` unchanged, each configuration in its own process, on two models:

* SmolLM2-135M-Instruct (the embedded model's Hugging Face copy);
* a random-initialised model with Llama-3-8B's configuration (built from a ``LlamaConfig``, saved
  in bf16 to a temporary folder; nothing is downloaded): memory and speed are real, the loss is not.

Configurations: LoRA and RoSA over a bf16 base, LoRA and RoSA over a 4-bit NF4 base (QLoRA and
QRoSA; bitsandbytes, in the ml extra), and full fine-tuning (fp32 master weights, bf16 compute). The
RoSA rows choose their masks after 4 warm-up steps, so both phases (dense gradients collected, then
sparse values trained) are in their tokens/s and peak memory. Beside them, in the same run, TRL's ``SFTTrainer`` (LoRA, bf16, gradient checkpointing)
on the same examples is the baseline; each row prints its tokens/s ratio to it. A run the memory
estimate refuses is listed with its one-line refusal (full fine-tuning of 8B on one 80 GiB GPU).

    python bench/gpu_train.py [--models 135m,8b] [--steps 20] [--batch-size 8] [--max-len 512]
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
sys.path.insert(0, str(ROOT))

CONFIGS = [  # (label, method, extra overrides)
    ("lora bf16", "lora", ["finetuning.precision=bf16"]),
    ("rosa bf16", "rosa", ["finetuning.precision=bf16", "finetuning.rosa.mask_warmup_steps=4"]),
    ("lora 4bit", "lora", ["finetuning.precision=4bit"]),
    ("rosa 4bit", "rosa", ["finetuning.precision=4bit", "finetuning.rosa.mask_warmup_steps=4"]),
    ("full bf16", "full", ["finetuning.precision=bf16"]),
]

TRL = r'''
import json, sys, time
import torch
args = json.loads(sys.argv[1])
torch.manual_seed(0)
from datasets import Dataset
from peft import LoraConfig
from transformers import AutoModelForCausalLM, AutoTokenizer, TrainerCallback
from trl import SFTConfig, SFTTrainer
rows = [json.loads(l) for l in open(args["data"])]
ds = Dataset.from_list([{"prompt": r["prompt"], "completion": r["completion"]} for r in rows])
tok = AutoTokenizer.from_pretrained(args["model"])
if tok.pad_token is None:
    tok.pad_token = tok.eos_token
model = AutoModelForCausalLM.from_pretrained(args["model"], dtype=torch.bfloat16).cuda()
cfg = SFTConfig(output_dir=args["out"], max_steps=args["steps"], learning_rate=2e-4,
                per_device_train_batch_size=args["batch_size"], max_length=args["max_len"], logging_steps=1,
                save_strategy="no", report_to=[], bf16=True, gradient_checkpointing=True, seed=0,
                dataloader_num_workers=0, disable_tqdm=True)
peft = LoraConfig(r=8, lora_alpha=16, lora_dropout=0.05, target_modules="all-linear", task_type="CAUSAL_LM")
tr = SFTTrainer(model=model, args=cfg, train_dataset=ds, processing_class=tok, peft_config=peft)
torch.cuda.reset_peak_memory_stats()
t0 = time.perf_counter()
out = tr.train()
wall = time.perf_counter() - t0
print("RESULT " + json.dumps({"train_seconds": out.metrics.get("train_runtime", wall),
      "peak_gpu_mb": torch.cuda.max_memory_allocated() / 2**20}))
'''


def make_8b(out: Path, tokenizer_dir: Path) -> Path:
    """Llama-3-8B's architecture, random weights in bf16, the embedded model's tokenizer (ids < its vocab)."""
    import shutil

    import torch
    from transformers import LlamaForCausalLM

    from panza.train.precision import llama3_8b_config

    if (out / "config.json").is_file():
        return out
    cfg = llama3_8b_config()
    cfg.pad_token_id = 0
    with torch.device("cuda"):
        torch.manual_seed(0)
        model = LlamaForCausalLM(cfg).to(torch.bfloat16)
    model.save_pretrained(out, safe_serialization=True)
    del model
    torch.cuda.empty_cache()
    for f in tokenizer_dir.iterdir():
        if f.name.startswith(("tokenizer", "special_tokens", "chat_template", "vocab", "merges")):
            shutil.copy(f, out / f.name)
    return out


def panza(model: str, method: str, extra: list[str], data: Path, ck: Path, args: argparse.Namespace) -> dict:
    cmd = [sys.executable, "-m", "panza", "train", "--data", str(data), f"finetuning={method}", f"model={model}",
           f"checkpoint_dir={ck}", f"finetuning.max_duration={args.steps}ba",
           f"finetuning.batch_size={args.batch_size}", f"finetuning.max_seq_len={args.max_len}",
           "finetuning.resume=false", "finetuning.warmup=2", "user.username=bench", *extra]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        err = next((ln for ln in reversed(r.stderr.splitlines()) if "error" in ln.lower()), r.stderr[-300:])
        return {"error": err.strip()}
    return json.loads((Path(r.stdout.strip().splitlines()[-1]) / "metrics.json").read_text())


def trl(model: str, rows: list[dict], tmp: Path, args: argparse.Namespace) -> dict:
    from panza.config import compose
    from panza.prompt import build_messages, load_preambles

    pre = load_preambles(compose("train", []))
    path = tmp / "trl.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps({"prompt": build_messages(r["summary"], pre),
                                 "completion": [{"role": "assistant", "content": r["email"]}]}) + "\n")
    spec = {"data": str(path), "model": model, "out": str(tmp / "trl-out"), "steps": args.steps,
            "batch_size": args.batch_size, "max_len": args.max_len}
    r = subprocess.run([sys.executable, "-c", TRL, json.dumps(spec)], capture_output=True, text=True)
    line = next((ln for ln in r.stdout.splitlines() if ln.startswith("RESULT ")), None)
    if r.returncode != 0 or line is None:
        return {"error": r.stderr.strip().splitlines()[-1] if r.stderr.strip() else "failed"}
    return json.loads(line[len("RESULT "):])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models", default="135m,8b")
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--max-len", type=int, default=512)
    p.add_argument("--limit", type=int, default=200)
    args = p.parse_args(argv)
    import torch

    if not torch.cuda.is_available():
        print("gpu_train: no CUDA GPU here; run it on a GPU machine")
        return 0
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from bench.bench_train import DATA, build_data
    from panza.models.embedded import hf_model_dir

    props = torch.cuda.get_device_properties(0)
    print(f"{props.name}, {props.total_memory / 2**30:.0f} GiB; {args.steps} steps of batch {args.batch_size}, "
          f"max_len {args.max_len}")
    results = []
    with tempfile.TemporaryDirectory(prefix="panza-gpu-") as tmp_s:
        tmp = Path(tmp_s)
        if DATA.is_file():
            rows = build_data(args.limit, tmp / "data")
        else:  # no shared mail here: synthetic emails of realistic length
            rows = [{"summary": f"Write to colleague {i} about the project", "email": f"Hi {i},\n\n" +
                     "Thanks for the update on the project; here are my notes. " * 12 + "\n\nBest,\nDavid",
                     "thread": [], "message_id": f"<g{i}@x>"} for i in range(args.limit)]
            (tmp / "data").mkdir()
            (tmp / "data" / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
            (tmp / "data" / "test.jsonl").write_text("")
        small = str(hf_model_dir())
        models = {"135m": small}
        if "8b" in args.models.split(","):
            t0 = time.perf_counter()
            models["8b"] = str(make_8b(tmp / "llama3-8b-random", Path(small)))
            print(f"random Llama-3-8B built and saved in {time.perf_counter() - t0:.0f}s")
        for key in [m for m in args.models.split(",") if m in models]:
            base = trl(models[key], rows, tmp, args)
            for label, method, extra in CONFIGS:
                m = panza(models[key], method, extra, tmp / "data", tmp / f"ck-{key}", args)
                results.append((key, label, m))
            results.append((key, "TRL SFTTrainer lora bf16 (baseline)", base))
            ref_tok = next((m.get("tokens") for k, lab, m in results if k == key and lab == "lora bf16"), None)
            if ref_tok and "train_seconds" in base:
                base["tokens_per_s"] = ref_tok / base["train_seconds"]  # the same real tokens
            print(f"\n{key}: {'config':38s} {'tok/s':>8s} {'vs TRL':>7s} {'peak GPU MiB':>12s} {'estimate MiB':>12s}")
            for k, label, m in results:
                if k != key:
                    continue
                if "error" in m:
                    print(f"{key}: {label:38s} {m['error']}")
                    continue
                ratio = (m.get("tokens_per_s", 0) / base["tokens_per_s"]) if base.get("tokens_per_s") else float("nan")
                print(f"{key}: {label:38s} {m.get('tokens_per_s', float('nan')):8.0f} {ratio:7.2f} "
                      f"{m.get('peak_gpu_mb', float('nan')):12.0f} {m.get('memory_estimate_mb', float('nan')):12.0f}",
                      flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
