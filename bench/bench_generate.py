"""Generation speed: Panza's llamacpp backend against bare llama-cpp-python, and transformers batching.

    python bench/bench_generate.py [--max-new-tokens 64] [--repeats 3] [--threads N] [--skip-transformers]

Both llama.cpp measurements use the same embedded GGUF, the same prompt (rendered by the GGUF's
chat template) and greedy decoding in the same process, so they produce the same tokens; the
ratio panza/bare is the backend's overhead (target: >= 0.90, i.e. within 10%). The transformers
part reports tokens/s of the embedded model's Hugging Face copy at batch 1, 4 and 8.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from typing import Any

PROMPT = [
    {"role": "system", "content": "You write short, friendly emails."},
    {"role": "user", "content": "Instruction: Ask Bob to send the quarterly report by Friday and thank him."},
]
INSTRUCTIONS = [
    "Ask Bob to send the quarterly report by Friday.",
    "Thank Alice for the lunch yesterday and suggest meeting again next month.",
    "Tell the team that the office is closed on Monday.",
    "Decline the invitation to the conference politely.",
    "Ask the landlord when the heating will be repaired.",
    "Confirm the dentist appointment on Tuesday at 9.",
    "Send the slides of today's talk to the participants.",
    "Remind Carla that the project report is due tomorrow.",
]


def _best(fn: Any, repeats: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def bench_llamacpp(max_new: int, repeats: int, threads: int) -> dict[str, float]:
    from llama_cpp import Llama

    from panza.llm import load_llm
    from panza.models.embedded import gguf_path

    path = str(gguf_path())
    bare = Llama(model_path=path, n_ctx=2048, n_threads=threads, n_batch=512, verbose=False)
    panza = load_llm(
        {
            "backend": "llamacpp",
            "model_path": path,
            "n_ctx": 2048,
            "n_threads": threads,
            "n_batch": 512,
            "sampling": {"max_new_tokens": max_new},
        }
    )

    def run_bare() -> int:
        res = bare.create_chat_completion(
            messages=PROMPT, max_tokens=max_new, temperature=0.0, top_k=1, top_p=1.0, repeat_penalty=1.0
        )
        return int(res["usage"]["completion_tokens"])

    def run_panza() -> int:
        text = panza.generate([PROMPT])[0]
        return len(panza.llama.tokenize(text.encode(), add_bos=False, special=False))

    run_bare(), run_panza()  # warm-up: page in the weights for both
    t_bare, n_bare = _best(run_bare, repeats)
    t_panza, n_panza = _best(run_panza, repeats)
    # tokens come from the same greedy decode; count with the backend's own usage for both to be exact
    n = n_bare
    return {
        "tokens": n,
        "tokens_panza_text": n_panza,
        "bare_tps": n / t_bare,
        "panza_tps": n / t_panza,
        "ratio": t_bare / t_panza,
    }


def bench_transformers(max_new: int, repeats: int, threads: int) -> list[tuple[int, float]]:
    import torch

    from panza.llm import load_llm
    from panza.prompt import Preambles, build_messages

    torch.set_num_threads(threads)
    llm = load_llm(
        {
            "backend": "transformers",
            "model": "embedded",
            "batch_size": 8,
            "sampling": {"max_new_tokens": max_new},
        }
    )
    tok = llm.tokenizer
    rows = []
    for bs in (1, 4, 8):
        batch = [build_messages(i, Preambles()) for i in INSTRUCTIONS[:bs]]
        llm.generate(batch[:1], max_new_tokens=4)  # warm-up
        t, outs = _best(lambda b=batch: llm.generate(b), repeats)
        n = sum(len(tok(o, add_special_tokens=False)["input_ids"]) for o in outs)
        rows.append((bs, n / t))
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--max-new-tokens", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0, help="CPU threads (0 = physical cores)")
    ap.add_argument("--skip-transformers", action="store_true")
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from panza.llm.llamacpp import physical_cores

    threads = args.threads or physical_cores()
    r = bench_llamacpp(args.max_new_tokens, args.repeats, threads)
    print(
        f"llama.cpp, embedded GGUF, {threads} thread(s), {r['tokens']} new tokens, median of {args.repeats}:"
    )
    print(f"  bare llama-cpp-python : {r['bare_tps']:8.1f} tokens/s")
    print(f"  panza llamacpp backend: {r['panza_tps']:8.1f} tokens/s")
    verdict = "OK" if r["ratio"] >= 0.9 else "SLOWER THAN TARGET"
    print(f"  ratio panza/bare      : {r['ratio']:8.3f}  (target >= 0.90: {verdict})")
    if not args.skip_transformers:
        print(
            f"transformers backend, embedded model (HF copy), {threads} thread(s), {args.max_new_tokens} new tokens:"
        )
        rows = bench_transformers(args.max_new_tokens, args.repeats, threads)
        base = rows[0][1]
        for bs, tps in rows:
            print(f"  batch {bs}: {tps:8.1f} tokens/s  ({tps / base:4.2f}x batch 1)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
