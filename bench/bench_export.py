"""Exported GGUFs per quantization: size, llama.cpp tokens/s vs the peft backend (same run), perplexity, ROUGE-L.

`python -m bench export [-- --n 4 --tokens 48]`. The model is the embedded SmolLM2-135M in its Hugging
Face form (what `panza train` fine-tunes); held-out emails are the last ones of the real user's mail
in ../shared/data (skipped when absent). The baseline is transformers greedy decoding (the engine of
the transformers/peft backends) on the same prompts, measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "panza-david.jsonl"
SYSTEM = "You are Panza, a private writing assistant that drafts emails on behalf of one person."


def _held_out(n: int) -> list[dict]:
    recs = [json.loads(x) for x in DATA.read_text().splitlines()]
    return [r for r in recs if r.get("subject") and r.get("email")][-n:]


def _chat(tok, rec: dict, with_answer: bool) -> list[int]:
    msgs = [{"role": "system", "content": SYSTEM},
            {"role": "user", "content": f"Write the email with the subject: {rec['subject']}"}]
    if with_answer:
        msgs.append({"role": "assistant", "content": rec["email"].replace("\r\n", "\n")[:1200]})
    return tok.apply_chat_template(msgs, tokenize=True, add_generation_prompt=not with_answer, return_dict=False)


def _llama_run(path: Path, tok, recs: list[dict], n_tokens: int) -> dict:
    import llama_cpp
    import numpy as np

    from panza.evaluate.metrics import rouge

    # Speed as the llamacpp backend runs it (logits of the last position only); perplexity needs every
    # position's logits, which slows generation several times, so it gets its own instance.
    from panza.llm.base import Sampling
    from panza.llm.llamacpp import LlamaCppLLM

    fast = LlamaCppLLM(path, Sampling(), n_ctx=2048, n_threads=2).llama  # the backend's own settings
    llm = llama_cpp.Llama(model_path=str(path), n_ctx=2048, n_threads=2, verbose=False, logits_all=True)
    gen = secs = 0.0
    scores = []
    nll = count = 0.0
    for _ in fast.generate(_chat(tok, recs[0], False), top_k=1, temp=0.0, reset=True):  # warm-up, untimed:
        break  # both engines are timed in steady state (mapped weights paged in, repacked, caches warm)
    for r in recs:
        ids = _chat(tok, r, False)
        out: list[int] = []
        t0 = time.perf_counter()
        for t in fast.generate(ids, top_k=1, temp=0.0, repeat_penalty=1.0, reset=True):
            if t == fast.token_eos() or len(out) == n_tokens:
                break
            out.append(t)
        secs += time.perf_counter() - t0
        gen += len(out)
        scores.append(rouge(tok.decode(out), [r["email"]])["rougeL"])
        full = _chat(tok, r, True)
        llm.reset()
        llm.eval(full)
        logits = np.array(llm.scores[: len(full)], dtype=np.float64)
        for i in range(len(ids), len(full)):  # loss on the email tokens only, as in training
            row = logits[i - 1]
            m = row.max()
            nll += m + math.log(np.exp(row - m).sum()) - row[full[i]]
            count += 1
    return {"tok_s": gen / secs, "ppl": math.exp(nll / count), "rougeL": sum(scores) / len(scores)}


def _hf_run(model_dir: Path, tok, recs: list[dict], n_tokens: int, *, lora: bool = False) -> float:
    import torch
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32).eval()
    if lora:  # what the peft backend runs for a LoRA run: the adapter unmerged (r 8, every linear layer)
        from peft import LoraConfig, get_peft_model

        model = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, target_modules="all-linear")).eval()
    with torch.no_grad():  # warm-up, untimed, as for llama.cpp
        model.generate(torch.tensor([_chat(tok, recs[0], False)]), max_new_tokens=2, do_sample=False,
                       pad_token_id=tok.eos_token_id)
    gen = secs = 0.0
    for r in recs:
        ids = torch.tensor([_chat(tok, r, False)])
        t0 = time.perf_counter()
        with torch.no_grad():
            out = model.generate(ids, max_new_tokens=n_tokens, do_sample=False, pad_token_id=tok.eos_token_id)
        secs += time.perf_counter() - t0
        gen += out.shape[1] - ids.shape[1]
    return gen / secs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench export")
    ap.add_argument("--n", type=int, default=4, help="held-out emails")
    ap.add_argument("--tokens", type=int, default=48, help="greedy tokens per draft")
    args = ap.parse_args(argv or [])
    if not DATA.is_file():
        print(f"skipped: {DATA} not found")
        return 0
    import torch
    from transformers import AutoTokenizer

    from panza.export.gguf import convert_to_gguf, quantize
    from panza.models.embedded import hf_model_dir

    torch.set_num_threads(2)
    model_dir = hf_model_dir()
    tok = AutoTokenizer.from_pretrained(model_dir)
    recs = _held_out(args.n)
    plain = _hf_run(model_dir, tok, recs, args.tokens)
    base = _hf_run(model_dir, tok, recs, args.tokens, lora=True)
    print(f"transformers backend (a full model): {plain:.1f} tokens/s; peft backend (a LoRA run, the baseline): "
          f"{base:.1f} tokens/s")
    print(f"{'quant':8} {'MiB':>7} {'convert s':>9} {'tok/s':>7} {'x peft':>7} {'ppl':>7} {'ROUGE-L':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        f16 = convert_to_gguf(model_dir, Path(tmp) / "m-f16.gguf")
        conv = {"f16": time.perf_counter() - t0}
        files = {"f16": f16}
        for q in ("q8_0", "q4_k_m", "q4_0", "iq4_nl"):
            t0 = time.perf_counter()
            files[q] = quantize(f16, Path(tmp) / f"m-{q}.gguf", q)
            conv[q] = time.perf_counter() - t0
        for q, f in files.items():
            r = _llama_run(f, tok, recs, args.tokens)
            print(f"{q:8} {f.stat().st_size / 2**20:7.1f} {conv[q]:9.1f} {r['tok_s']:7.1f} "
                  f"{r['tok_s'] / base:6.1f}x {r['ppl']:7.2f} {r['rougeL']:8.3f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
