"""Draft-quality levers on a real user's mail, each against today's baseline in the same run.

On ../shared/data/panza-david.jsonl, split 80/20 as `panza prepare --test-split 0.2` splits it
(seed 42), with the embedded SmolLM2-135M-Instruct through llama.cpp (CPU, no training):

* **playback**: the instructions of the test emails made by the shipped prompt of before
  (bench/baselines/summarization_prompt_v0.txt) and by today's prompt with and without the
  appended facts. Scored by the key-fact recall of the playback check, by an independent recall
  (the facts `panza eval`'s adherence finds in the email, found in the instruction) and by length.
* **drafts**: the base model drafting the test instructions with the system preamble of before
  (bench/baselines/system_preamble_v0.txt) and today's, on the old and new instructions, greedy
  and with the writer's best-of-n / retry check. Scored with `panza eval`'s scorer: adherence
  (facts carried, failures: refusal, echo, loop, empty), ROUGE-L, BLEU, length ratio and style
  attribution (against the zones-dev mail of other people), plus the template floor.

Every stage is cached in --workdir (keyed by its settings), so a re-run only redoes what changed.

    python -m bench levers -- [--limit 33] [--drafts 16] [--max-new-tokens 160] [--best-of 3] [--show 3]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path
from statistics import mean
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DAVID = ROOT.parent / "shared" / "data" / "panza-david.jsonl"
OTHERS = ROOT.parent / "shared" / "data" / "zones-dev" / "cases.jsonl"
BASELINES = ROOT / "bench" / "baselines"
CONFIGS = ROOT / "configs"


def load_split() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    from panza.split import split

    rows = [json.loads(line) for line in DAVID.read_text(encoding="utf-8").splitlines() if line.strip()]
    for r in rows:  # as `panza extract` leaves them: Unix newlines
        r["email"] = r["email"].replace("\r\n", "\n")
    return split(rows, 0.2, "random", seed=42)


def cached(work: Path, name: str, key: Any, make: Any) -> Any:
    """``make()``'s JSON result, reused while ``key`` is unchanged."""
    digest = hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:12]
    path = work / f"{name}-{digest}.json"
    if path.is_file():
        return json.loads(path.read_text(encoding="utf-8"))
    t0 = time.perf_counter()
    out = make()
    print(f"  {name}: {time.perf_counter() - t0:.0f}s", flush=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)
    return out


def playback(llm: Any, test: list[dict[str, Any]], prompt: Path, append: bool, candidates: int = 1) -> list[str]:
    from panza.playback import Playback, PlaybackSettings, load_template

    settings = PlaybackSettings(append_facts=append, candidates=candidates)
    out = Playback(llm, load_template(prompt), model="bench", settings=settings).run(test, progress=False)
    return [r["summary"] for r in out]


def instruction_scores(test: list[dict[str, Any]], instructions: list[str]) -> dict[str, float]:
    """Key-fact recall (the playback check), email-fact recall (eval's extractor on the email), the
    IDF-weighted word F1 against the email (what playback.candidates ranks by), words."""
    from panza.playback import instructions as T
    from panza.write.adherence import extract_facts

    weights = T.content_weights(r["email"] for r in test)
    key, indep, nwords, content = [], [], [], []
    for r, ins in zip(test, instructions, strict=True):
        cov = T.fact_coverage(ins, r["email"], T.recipient(r))
        if cov["fact_recall"] is not None:
            key.append(cov["fact_recall"])
        body = T.body_for_prompt(r["email"], 4000)
        facts = [f for f in extract_facts(body) if f.kind != "link"]
        if facts:
            indep.append(sum(f.carried_by(ins) for f in facts) / len(facts))
        nwords.append(len(T.words(ins)))
        content.append(T.content_score(ins, r["email"], weights, T.opening(r)))
    return {"key_fact_recall": mean(key), "email_fact_recall": mean(indep), "content_f1": mean(content),
            "words": mean(nwords), "max_words": max(nwords)}


def drafts(llm: Any, instructions: list[str], system: str, best_of: int, retries: int, max_new: int) -> list[str]:
    from panza.prompt import Preambles
    from panza.write.writer import PanzaWriter, WriterOptions

    writer = PanzaWriter(llm, Preambles(system=system), options=WriterOptions(best_of=best_of, retries=retries))
    out: list[str] = []
    for i in range(0, len(instructions), 8):
        out += writer.run_batch(instructions[i : i + 8], max_new_tokens=max_new)[0]
    return out


def score(name: str, test: list[dict[str, Any]], instructions: list[str], texts: list[str], context: Any) -> dict[str, Any]:
    from panza.evaluate.score import score_system

    responses = [{"prompt": i, "golden_responses": [r["email"]], "panza_responses": [d]}
                 for r, i, d in zip(test, instructions, texts, strict=True)]
    res = score_system(name, responses, context)
    a, p = res["aggregate_metrics"], res["panza_metrics"]
    return {
        "system": name,
        "facts": p["adherence"]["fact_recall"],
        "failed": p["adherence"]["failure_rate"],
        "failures": p["adherence"]["failures"],
        "ROUGE-L": a["ROUGE"]["rougeL_fmeasure"],
        "BLEU": p["sacreBLEU"],
        "length": p["style"].get("length_ratio_median"),
        "attributed": p["style"].get("attribution_rate"),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="bench_levers", description=__doc__.split("\n")[0])
    p.add_argument("--workdir", default=str(ROOT / "bench" / "out" / "levers"))
    p.add_argument("--limit", type=int, default=33, help="test emails used (default: all 33)")
    p.add_argument("--drafts", type=int, default=None, help="draft only the first N test instructions (default: all)")
    p.add_argument("--max-new-tokens", type=int, default=160)
    p.add_argument("--best-of", type=int, default=3)
    p.add_argument("--retries", type=int, default=2)
    p.add_argument("--candidates", type=int, default=4, help="playback candidates per email for the reranking row")
    p.add_argument("--threads", type=int, default=1,
                   help="llama.cpp threads (default 1: on a shared CPU more threads spin and run slower)")
    p.add_argument("--show", type=int, default=3, help="drafts shown side by side with the real email")
    args = p.parse_args(argv)
    if not DAVID.is_file():
        print(f"skipped: {DAVID} not found (the shared data sits beside the checkout)")
        return 0
    from panza.evaluate import style
    from panza.evaluate.floors import template_drafts
    from panza.evaluate.score import Context
    from panza.llm import load_llm

    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    train, test = load_split()
    test = test[: args.limit]
    print(f"{len(train)} training and {len(test)} test emails of panza-david.jsonl", flush=True)
    state: dict[str, Any] = {}

    def llm() -> Any:
        if "llm" not in state:
            state["llm"] = load_llm({"backend": "llamacpp", "n_ctx": 2048, "n_threads": args.threads, "seed": 0})
        return state["llm"]

    text = lambda path: path.read_text(encoding="utf-8")  # noqa: E731
    old_prompt, new_prompt = BASELINES / "summarization_prompt_v0.txt", CONFIGS / "playback" / "summarization_prompt.txt"
    pb = {
        "v0 prompt (before)": (old_prompt, False, 1),
        "facts in prompt": (new_prompt, False, 1),
        "facts in prompt + appended": (new_prompt, True, 1),
        f"{args.candidates} candidates, reranked": (new_prompt, False, args.candidates),
        f"{args.candidates} candidates, reranked + appended": (new_prompt, True, args.candidates),
    }
    ins: dict[str, list[str]] = {}
    rows = []
    plain: dict[int, str] = {}  # candidates -> the row of the same model outputs without appended facts
    for name, (prompt, append, n) in pb.items():
        if append:  # what playback does after the model (and its cache): the same model outputs, plus facts
            from panza.playback import instructions as T

            ins[name] = [T.with_facts(i, T.instruction_facts(r)) for i, r in zip(ins[plain[n]], test, strict=True)]
        else:
            plain[n] = name
            key = [text(prompt), append, [r["email"] for r in test]] + ([n] if n > 1 else [])
            ins[name] = cached(work, "playback", key, lambda p=prompt, a=append, n=n: playback(llm(), test, p, a, n))
        rows.append({"playback": name, **instruction_scores(test, ins[name])})
    print(f"\ninstructions of the {len(test)} test emails (embedded model, llama.cpp)")
    print("| playback | key-fact recall | email-fact recall | content F1 | words (mean) | words (max) |\n"
          "|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['playback']} | {r['key_fact_recall']:.2f} | {r['email_fact_recall']:.2f} | "
              f"{r['content_f1']:.2f} | {r['words']:.1f} | {r['max_words']} |")

    context = Context([r["email"] for r in train])
    if OTHERS.is_file():
        others = style.load_other_authors([str(OTHERS)], limit=2000)
        context.attribution = style.fit_attribution([r["email"] for r in train], others, seed=0)
    old_sys, new_sys = text(BASELINES / "system_preamble_v0.txt"), text(CONFIGS / "preambles" / "system_preamble.txt")
    dtest = test[: args.drafts]
    old_ins, new_ins = ins["v0 prompt (before)"][: len(dtest)], ins["facts in prompt + appended"][: len(dtest)]
    systems = {
        "baseline: v0 system prompt, v0 instructions, greedy": (old_sys, old_ins, 1, 0),
        "new system prompt": (new_sys, old_ins, 1, 0),
        "new system prompt, new instructions": (new_sys, new_ins, 1, 0),
        f"new system prompt, new instructions, best-of-{args.best_of}/retry (default)":
            (new_sys, new_ins, args.best_of, args.retries),
        f"... with {args.candidates}-candidate reranked instructions":
            (new_sys, ins[f"{args.candidates} candidates, reranked + appended"][: len(dtest)], args.best_of, args.retries),
    }
    table, texts = [], {}
    for name, (system, instr, n, retries) in systems.items():
        key = [system, instr, n, retries, args.max_new_tokens]
        texts[name] = cached(work, "drafts", key, lambda s=system, i=instr, n=n, k=retries:
                             drafts(llm(), i, s, n, k, args.max_new_tokens))
        table.append(score(name, dtest, instr, texts[name], context))
    floor = template_drafts(new_ins, [r["email"] for r in train])
    table.append(score("floor: greeting + closing template", dtest, new_ins, floor, context))

    def f(v: Any, fmt: str = ".2f") -> str:
        return "–" if v is None else format(v, fmt)

    print(f"\nbase model drafts of the first {len(dtest)} test instructions (llama.cpp, max_new_tokens {args.max_new_tokens})")
    print("| system | facts carried | failed | ROUGE-L | BLEU | length ratio | attributed |\n|---|---|---|---|---|---|---|")
    for r in table:
        fails = ", ".join(f"{k} {v}" for k, v in sorted(r["failures"].items()))
        print(f"| {r['system']} | {f(r['facts'])} | {f(r['failed'])}{f' ({fails})' if fails else ''} | "
              f"{f(r['ROUGE-L'], '.3f')} | {f(r['BLEU'], '.3f')} | {f(r['length'])} | {f(r['attributed'])} |")
    names, names_pb = list(texts), list(pb)
    for j in range(min(args.show, len(dtest))):
        print(f"\n### test email {j + 1}\n**real**: {test[j]['email']!r}")
        print(f"**v0 instruction**: {old_ins[j]}\n**new instruction**: {new_ins[j]}")
        print(f"**baseline draft**: {texts[names[0]][j]!r}\n**default draft**: {texts[names[-2]][j]!r}")
        print(f"**reranked instruction**: {ins[names_pb[-1]][j]}\n**its draft**: {texts[names[-1]][j]!r}")
    (work / "results.json").write_text(json.dumps({"playback": rows, "drafts": table}, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    raise SystemExit(main())
