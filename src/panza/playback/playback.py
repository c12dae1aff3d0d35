"""Data playback: turn every email into the short instruction a user would give an assistant.

Each email is rendered into the few-shot prompt (configs/playback/summarization_prompt.txt), the
summarizer model completes the opening ("Reply to Anna to …"), and the result is checked. A bad
output is retried with sampling (higher temperature, new seed); if that fails too, a deterministic
instruction is built from subject, recipient and key facts and flagged ``summary_source=fallback``.
Results go to an append-only cache flushed after every batch, so an interrupted run loses nothing.
Facts of the email the instruction left out are then appended ("Mention 15th, 16th and Riga."),
after the cache, so the setting can change without redoing any email.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from panza.errors import PanzaError
from panza.playback import instructions as T
from panza.playback.cache import PlaybackCache

log = logging.getLogger(__name__)

SOURCES = ("llm", "retry", "fallback")


@dataclass
class PlaybackSettings:
    """What shapes the output (and so the cache key) plus run-time knobs."""

    batch_size: int = 8
    max_email_chars: int = 1200
    max_words: int = T.MAX_WORDS
    max_new_tokens: int = 64
    repetition_penalty: float = 1.0
    retry_temperatures: tuple[float, ...] = (0.7, 1.0)
    candidates: int = 1  # outputs per email (greedy + sampled); the valid one carrying most of the email is kept
    seed: int = 42
    append_facts: bool = True
    max_facts: int = 6
    fact_context: bool = True  # added facts keep the email's words around them ("Thursday 2 February")

    @classmethod
    def from_config(cls, cfg: Any) -> PlaybackSettings:
        get = cfg.get if cfg is not None else (lambda k, d=None: d)
        return cls(
            batch_size=max(1, int(get("batch_size", 8))),
            max_email_chars=int(get("max_email_chars", 1200)),
            max_words=int(get("max_words", T.MAX_WORDS)),
            max_new_tokens=int(get("max_new_tokens", 64)),
            repetition_penalty=float(get("repetition_penalty", 1.0)),
            retry_temperatures=tuple(float(t) for t in (get("retry_temperatures", None) or (0.7, 1.0))),
            candidates=max(1, int(get("candidates", 1))),
            seed=int(get("seed", 42)),
            append_facts=bool(get("append_facts", True)),
            max_facts=max(0, int(get("max_facts", 6))),
            fact_context=bool(get("fact_context", True)),
        )


@dataclass
class PlaybackStats:
    sources: Counter[str] = field(default_factory=Counter)
    problems: Counter[str] = field(default_factory=Counter)
    cached: int = 0
    errors: int = 0
    seconds: float = 0.0
    generated: int = 0
    reranked: int = 0  # emails whose kept instruction is not the first valid output (candidates > 1)
    fallbacks: list[str] = field(default_factory=list)

    def table(self) -> Any:
        from rich.table import Table

        total = sum(self.sources.values())
        t = Table(title="data playback", show_header=True)
        t.add_column("summary_source")
        t.add_column("emails", justify="right")
        t.add_column("share", justify="right")
        for s in SOURCES:
            n = self.sources.get(s, 0)
            t.add_row(s, str(n), f"{n / total:.0%}" if total else "-")
        t.add_row("total", str(total), "")
        t.add_row("from cache", str(self.cached), "")
        if self.problems:
            t.add_row("rejected outputs", ", ".join(f"{k} {v}" for k, v in self.problems.most_common()), "")
        if self.reranked:
            t.add_row("reranked (a fuller candidate kept)", str(self.reranked), "")
        if self.errors:
            t.add_row("model errors", str(self.errors), "")
        if self.fallbacks:
            more = f" (+{len(self.fallbacks) - 3} more)" if len(self.fallbacks) > 3 else ""
            t.add_row("fallbacks (check)", ", ".join(self.fallbacks[:3]) + more, "")
        if self.generated and self.seconds:
            t.add_row("speed", f"{self.generated / self.seconds * 60:.1f} emails/min", "")
        return t


def load_template(path: str | Path) -> str:
    p = Path(str(path)).expanduser()
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as e:
        raise PanzaError(
            f"{p}: cannot read the playback prompt ({e.strerror}); fix playback.prompt_path"
        ) from None
    try:
        T.parse_template(text)
    except ValueError as e:
        raise PanzaError(
            f"{p}: not a valid playback prompt: {e} (see the comments in the shipped file)"
        ) from None
    return text


def model_id(llm_cfg: Any, checkpoint: str | None = None) -> str:
    """What identifies the summarizer for the cache: backend, model and adapter, not thread counts."""
    from panza.llm.base import plain

    cfg = plain(llm_cfg)
    keep = {
        k: cfg.get(k)
        for k in (
            "backend",
            "model",
            "model_path",
            "adapter",
            "chat_format",
            "dtype",
            "base_url",
            "api_model",
            "name",
        )
        if cfg.get(k) is not None
    }
    if checkpoint:
        keep["checkpoint"] = str(checkpoint)
    return json.dumps(keep, sort_keys=True)


def cache_key(model: str, template: str, settings: PlaybackSettings, record: dict[str, Any]) -> str:
    """sha256 of (model, prompt, email): the same email with the same model and prompt is never redone."""
    blob = json.dumps(
        [
            model,
            template,
            settings.max_email_chars,
            settings.max_words,
            record.get("email") or "",
            record.get("subject") or "",
            record.get("to") or [],
            bool(record.get("in_reply_to")),
        ]
        + ([settings.candidates] if settings.candidates > 1 else []),  # 1: the keys of before stay valid
        ensure_ascii=False,
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class Playback:
    """Summarize records with ``llm`` (any Panza backend), resuming from ``cache``.

    ``llm`` may also be a zero-argument loader: it is then called only when some email is not
    cached yet, so a fully cached re-run never loads a model.
    """

    def __init__(
        self,
        llm: Any,
        template: str,
        *,
        model: str,
        settings: PlaybackSettings | None = None,
        cache: PlaybackCache | None = None,
    ) -> None:
        self._llm = llm
        self._complete: Any = None
        self.mode = ""
        self.template = template
        self.model = model
        self.settings = settings or PlaybackSettings()
        self.cache = cache
        self.stats = PlaybackStats()
        self.weights: dict[str, float] | None = None  # content_score's stem weights, from all emails of a run

    def complete(self, batch: list[list[dict[str, str]]], prefills: list[str], **sampling: Any) -> list[str]:
        if self._complete is None:
            from panza.playback.complete import completer

            llm = self._llm
            if not any(hasattr(llm, a) for a in ("generate", "complete")) and callable(llm):
                llm = self._llm = llm()
            self._complete, self.mode = completer(llm)
        return self._complete(batch, prefills, **sampling)

    # ---- one batch -----------------------------------------------------------------------------
    def _ask(self, prompts: list[tuple[list[dict[str, str]], str]], **sampling: Any) -> list[str | None]:
        """Complete (messages, prefill) pairs; a failing batch is retried one by one so one email fails alone."""
        s = self.settings
        kw = {
            "max_new_tokens": s.max_new_tokens,
            "stop": ["\n", "Subject:"],
            "repetition_penalty": s.repetition_penalty,
            **sampling,
        }
        try:
            return list(self.complete([m for m, _ in prompts], [p for _, p in prompts], **kw))
        except (KeyboardInterrupt, PanzaError):
            raise
        except Exception as e:
            log.warning("playback batch failed (%s); retrying one email at a time", e)
        out: list[str | None] = []
        for p in prompts:
            try:
                out.append(self.complete([p[0]], [p[1]], **kw)[0])
            except KeyboardInterrupt:
                raise
            except Exception as e:
                self.stats.errors += 1
                log.warning("playback failed on one email: %s", e)
                out.append(None)
        return out

    def summarize_batch(self, records: Sequence[dict[str, Any]]) -> list[tuple[str, str, bool]]:
        """(instruction, source, cacheable) per record.

        ``candidates`` outputs per email (greedy, then sampled), the valid one with the highest
        :func:`~panza.playback.instructions.content_score` kept (the earliest on a tie); an email with
        no valid candidate gets sampled retries, then a fallback. A fallback forced by model *errors*
        (not by bad outputs) is not cacheable: the error may be transient, so the next run tries again.
        """
        s = self.settings
        msgs = T.parse_template(self.template)
        examples = [m["content"] for m in msgs[:-1] if m["role"] == "assistant"]
        rendered = [T.summary_prompt(msgs, r, s.max_email_chars) for r in records]
        valid: list[list[tuple[int, str]]] = [[] for _ in records]
        errored: set[int] = set()
        temps = s.retry_temperatures or (0.7,)
        attempts: list[dict[str, Any]] = [{"do_sample": False}]
        attempts += [
            {"do_sample": True, "temperature": temps[(i - 1) % len(temps)], "top_p": 0.95, "seed": s.seed + i}
            for i in range(1, s.candidates)
        ]
        rounds = len(attempts)  # every email gets these; the retries only go to emails with no valid output
        attempts += [
            {"do_sample": True, "temperature": t, "top_p": 0.95, "seed": s.seed + rounds + i}
            for i, t in enumerate(s.retry_temperatures)
        ]
        for n, sampling in enumerate(attempts):
            todo = [i for i in range(len(records)) if n < rounds or not valid[i]]
            if not todo:
                break
            raw = self._ask([rendered[i] for i in todo], **sampling)
            for i, out in zip(todo, raw, strict=True):
                instr = T.clean_output(out or "", rendered[i][1])
                r = records[i]
                context = f"{r.get('subject') or ''}\n{' '.join(map(str, r.get('to') or []))}"
                why = (
                    "error"
                    if out is None
                    else T.problem(
                        instr, str(r.get("email") or ""), rendered[i][1], s.max_words, examples, context
                    )
                )
                if why is None:
                    valid[i].append((n, instr))
                else:
                    self.stats.problems[why] += 1
                    if why == "error":
                        errored.add(i)
        result: list[tuple[str, str, bool]] = []
        weights: dict[str, float] | None = None
        for i, found in enumerate(valid):
            if not found:
                result.append((T.fallback_instruction(records[i]), "fallback", i not in errored))
                self.stats.fallbacks.append(
                    str(records[i].get("message_id") or records[i].get("subject") or f"#{i}")
                )
                continue
            pick = 0
            if len(found) > 1:  # only then is there a choice (never with candidates=1)
                # run() sets the weights from all its emails; a batch summarized alone uses its own
                weights = weights or self.weights or T.content_weights(str(r.get("email") or "") for r in records)
                email = str(records[i].get("email") or "")
                pick = max(
                    range(len(found)),
                    key=lambda k: (T.content_score(found[k][1], email, weights, rendered[i][1]), -k),
                )
            self.stats.reranked += pick > 0
            n, instr = found[pick]
            result.append((instr, "llm" if n < rounds else "retry", True))
        return result

    # ---- the whole set -------------------------------------------------------------------------
    def run(self, records: Sequence[dict[str, Any]], progress: bool = True) -> list[dict[str, Any]]:
        """Every record plus ``summary`` and ``summary_source``, in input order."""
        from tqdm import tqdm

        keys = [cache_key(self.model, self.template, self.settings, r) for r in records]
        done: dict[str, dict[str, Any]] = dict(self.cache.load()) if self.cache else {}
        pending = [i for i, k in enumerate(keys) if k not in done]
        if pending and self.settings.candidates > 1 and self.weights is None:
            self.weights = T.content_weights(str(r.get("email") or "") for r in records)
        self.stats.cached = len(records) - len(pending)
        bar = tqdm(
            total=len(records),
            initial=self.stats.cached,
            unit="email",
            desc="playback",
            disable=not progress,
            dynamic_ncols=True,
        )
        t0 = time.perf_counter()
        try:
            bs = self.settings.batch_size
            for b in range(0, len(pending), bs):
                idx = pending[b : b + bs]
                outs = self.summarize_batch([records[i] for i in idx])
                entries = [
                    ({"key": keys[i], "summary": instr, "summary_source": src}, keep)
                    for i, (instr, src, keep) in zip(idx, outs, strict=True)
                ]
                for e, _ in entries:
                    done[e["key"]] = e
                if self.cache:
                    self.cache.append(e for e, keep in entries if keep)
                self.stats.generated += len(idx)
                bar.update(len(idx))
        finally:
            self.stats.seconds = time.perf_counter() - t0
            bar.close()
        out = []
        for r, k in zip(records, keys, strict=True):
            e = done[k]
            self.stats.sources[e["summary_source"]] += 1
            out.append({**r, "summary": self.finish(e["summary"], r), "summary_source": e["summary_source"]})
        return out

    def finish(self, instruction: str, record: dict[str, Any]) -> str:
        """The instruction as written to disk: with the email's missing facts when ``append_facts``."""
        s = self.settings
        if not s.append_facts or not s.max_facts:
            return instruction
        facts = T.instruction_facts(record, s.max_facts)
        if s.fact_context:
            facts = T.in_context(str(record.get("email") or ""), facts)
        return T.with_facts(instruction, facts, s.max_words)
