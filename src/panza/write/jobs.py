"""Instructions to draft in bulk: records of a JSONL file grouped into jobs, and drafting them in batches.

Shared by the ``json`` interface and ``panza eval``: records with the same instruction and thread are
one job whose emails all count as alternative goldens; a broken record is listed with why, never
dropped silently; a prompt too long for the model is set aside while the rest of its batch is drafted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Job:
    prompt: str
    thread: list[str]
    goldens: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return json.dumps([self.prompt, self.thread], ensure_ascii=False)


@dataclass
class Jobs:
    input_file: Path
    jobs: list[Job]
    skipped: list[dict[str, Any]]


def parse_records(lines: list[str], source: str, use_thread: bool = True) -> Jobs:
    """Group records into jobs; a broken record is counted in ``skipped`` with why, never dropped silently."""
    grouped: dict[str, Job] = {}
    skipped: list[dict[str, Any]] = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as e:
            skipped.append({"line": n, "reason": f"not valid JSON ({e.msg})"})
            continue
        if not isinstance(rec, dict):
            skipped.append({"line": n, "reason": "not a JSON object"})
            continue
        summary = rec.get("summary")
        if not isinstance(summary, str) or not summary.strip():
            skipped.append({"line": n, "reason": "no 'summary' (the instruction)"})
            continue
        thread = rec.get("thread") if use_thread else None
        if thread is not None and not (isinstance(thread, list) and all(isinstance(t, str) for t in thread)):
            skipped.append({"line": n, "reason": "'thread' is not a list of strings"})
            continue
        job = Job(summary.strip(), list(thread or []))
        job = grouped.setdefault(job.key, job)
        if isinstance(rec.get("email"), str) and rec["email"].strip():
            job.goldens.append(rec["email"])
    return Jobs(Path(source), list(grouped.values()), skipped)


def draft_batch(
    writer: Any, batch: list[Job], failed: dict[str, str], candidates: dict[str, list[Any]] | None = None
) -> tuple[list[str | None], list[Any]]:
    """Draft a batch; a prompt too long for the model is recorded in ``failed`` and the rest go on.
    With ``candidates``, every draft the writer considered for a job is added under the job's key."""
    from panza.llm.base import PromptTooLong

    def keep(jobs: list[Job]) -> None:
        if candidates is not None:
            for j, c in zip(jobs, getattr(writer, "candidates", None) or [[] for _ in jobs], strict=True):
                candidates.setdefault(j.key, []).extend(c)

    try:
        whole = writer.run_batch([j.prompt for j in batch], [j.thread for j in batch])
    except PromptTooLong:
        pass  # find which prompt(s): draft them one by one
    else:
        keep(batch)
        return whole  # type: ignore[no-any-return]
    texts: list[str | None] = []
    prompts: list[Any] = []
    for j in batch:
        try:
            t, p = writer.run_batch([j.prompt], [j.thread])
            keep([j])
            texts.append(t[0])
            prompts.append(p[0])
        except PromptTooLong as e:
            failed[j.key] = str(e)
            texts.append(None)
            prompts.append(None)
    return texts, prompts
