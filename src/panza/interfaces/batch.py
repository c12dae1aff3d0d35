"""Bulk drafting from a JSONL file, written in the original Panza evaluation format.

Output: ``{"responses": [{"prompt", "thread", "full_prompt", "golden_responses", "panza_responses",
"scores"?, "candidates"?}, ...], "metrics": {...}?, "skipped": [...], "run": {...}}``. Records with the same
instruction and thread are grouped, so all their emails count as alternative goldens.
Drafts are appended to ``<output_file>.partial.jsonl`` as batches finish: an interrupted run
resumes there, and the final file is written atomically at the end.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from panza.errors import PanzaError
from panza.jsonl import append_jsonl, atomic_open
from panza.write.jobs import Jobs, draft_batch, parse_records

log = logging.getLogger(__name__)


def load_jobs(iface: Any) -> Jobs:
    path = Path(str(iface.get("input_file"))).expanduser()
    if not path.is_file():
        raise PanzaError(
            f"input file {path} not found; run `panza prepare` to create test.jsonl or set "
            "interfaces.input_file=<file.jsonl>"
        )
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise PanzaError(f"{path}: cannot read it ({e}); it must be UTF-8 JSON lines") from None
    jobs = parse_records(lines, str(path), bool(iface.use_thread))
    if jobs.skipped:
        shown = "; ".join(f"line {s['line']}: {s['reason']}" for s in jobs.skipped[:3])
        more = f"; and {len(jobs.skipped) - 3} more" if len(jobs.skipped) > 3 else ""
        log.warning(
            '%s: %d record(s) skipped (%s%s); they are listed in the output\'s "skipped"',
            path,
            len(jobs.skipped),
            shown,
            more,
        )
    if not jobs.jobs:
        raise PanzaError(
            f'{path}: no usable record (each line needs a "summary"); {len(jobs.skipped)} skipped'
        )
    return jobs


def _load_partial(path: Path) -> dict[str, dict[str, Any]]:
    done: dict[str, dict[str, Any]] = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                rec = json.loads(line)
                done[rec["key"]] = rec
            except (json.JSONDecodeError, KeyError, TypeError):
                continue  # a line cut by a crash: that batch is simply drafted again
    return done


def prepare(cfg: Any) -> Callable[[Any], int]:
    """Read the input file's jobs (a missing or empty file fails before the model loads)."""
    iface = cfg.get("interfaces") or {}
    jobs = load_jobs(iface)
    return lambda writer: draft_jobs(writer, iface, jobs)


def draft_jobs(writer: Any, iface: Any, jobs: Jobs) -> int:
    from tqdm import tqdm

    out = Path(str(iface.get("output_file"))).expanduser()
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial.jsonl")
    if not iface.resume and partial.exists():
        partial.unlink()
    done = _load_partial(partial)
    todo = [j for j in jobs.jobs if j.key not in done]
    if done:
        log.info(
            "resuming: %d of %d instructions already drafted (%s)",
            len(jobs.jobs) - len(todo),
            len(jobs.jobs),
            partial,
        )
    failed: dict[str, str] = {}
    batch_size = max(1, int(iface.batch_size))
    per_prompt = max(1, int(iface.responses_per_prompt))
    considered: dict[str, list[Any]] | None = {} if iface.get("keep_candidates") else None
    with (
        partial.open("a", encoding="utf-8") as fh,
        tqdm(total=len(todo) * per_prompt, desc="drafting", unit="draft", file=sys.stderr) as bar,
    ):
        for i in range(0, len(todo), batch_size):
            batch = todo[i : i + batch_size]
            drafts: list[list[str]] = [[] for _ in batch]
            prompts: list[Any] = []
            for _ in range(per_prompt):
                texts, prompts = draft_batch(writer, batch, failed, considered)
                for d, t in zip(drafts, texts, strict=True):
                    if t is not None:
                        d.append(t)
                bar.update(len(batch))
            for j, d, p in zip(batch, drafts, prompts, strict=True):
                if j.key in failed:
                    continue  # not saved as done: a later run with a larger context retries it
                rec = {"key": j.key, "full_prompt": p, "panza_responses": d}
                if considered is not None:  # what the writer chose among, for reviewing its pick
                    rec["candidates"] = [{"draft": c, "score": s, "kept": c in d}
                                         for s, c in considered.pop(j.key, [])]
                done[j.key] = rec
                append_jsonl(fh, rec)

    responses = [
        {
            "prompt": j.prompt,
            "thread": j.thread,
            "full_prompt": done[j.key]["full_prompt"],
            "golden_responses": j.goldens,
            "panza_responses": done[j.key]["panza_responses"],
            **({"candidates": done[j.key]["candidates"]} if "candidates" in done[j.key] else {}),
        }
        for j in jobs.jobs
        if j.key in done
    ]
    for key, reason in failed.items():
        jobs.skipped.append({"prompt": json.loads(key)[0], "reason": reason})
    result: dict[str, Any] = {"responses": responses}
    if iface.compute_metrics and any(j.goldens for j in jobs.jobs):
        from panza.evaluate.metrics import score_responses

        result["metrics"] = score_responses(responses)
    result["skipped"] = jobs.skipped
    result["run"] = {"input_file": str(jobs.input_file), **getattr(writer, "info", {})}
    with atomic_open(out) as fh:
        json.dump(result, fh, indent=2, ensure_ascii=False)
    partial.unlink(missing_ok=True)
    _summary(out, responses, jobs, result.get("metrics"))
    return 0


def _summary(out: Path, responses: list[dict[str, Any]], jobs: Jobs, metrics: dict[str, Any] | None) -> None:
    n = sum(len(r["panza_responses"]) for r in responses)
    msg = f"{n} draft(s) for {len(responses)} instruction(s) written to {out}; {len(jobs.skipped)} record(s) skipped"
    if metrics:
        r = metrics["ROUGE"]
        msg += (
            f"; BLEU {metrics['BLEU']:.3f}, ROUGE-1 {r['rouge1']:.3f}, ROUGE-2 {r['rouge2']:.3f}, "
            f"ROUGE-L {r['rougeL']:.3f}"
        )
    print(msg, file=sys.stderr)
