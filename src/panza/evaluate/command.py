"""``panza eval``: draft the test split with each system, score every system alike, write the report.

Systems: the base model, the base model with RAG (when the index exists), each ``checkpoint=``
(RAG as the run was trained, or both ways with ``eval.checkpoint_rag=both``), the floors, and any
``panza run interfaces=json`` outputs given in ``eval.score_files``. Each system's drafts go to
``<out>/<system>.drafts.jsonl`` as they finish, every line tagged with the identity of the model
that wrote it (checkpoint, model, backend, RAG, sampling): a resumed run keeps the drafts of the
same model only, so two models' drafts are never mixed. The last stdout line is the report folder.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from panza.errors import PanzaError
from panza.jsonl import append_jsonl, atomic_open, read_jsonl

log = logging.getLogger("panza.evaluate")


@dataclass
class System:
    name: str
    kind: str  # model | floor | file
    checkpoint: str | None = None
    rag: bool = False
    source: str | None = None  # a json-interface output to score
    run: dict[str, Any] = field(default_factory=dict)


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._+-]+", "-", text).strip("-.") or "model"


def _checkpoints(cfg: DictConfig) -> list[str]:
    ck = cfg.get("checkpoint")
    if ck in (None, "", "null"):
        return []
    if isinstance(ck, str):
        return [c for c in (x.strip() for x in ck.split(",")) if c]
    return [str(c) for c in ck]


def _base_name(cfg: DictConfig) -> str:
    llm = cfg.writer.llm
    if llm.get("backend") == "llamacpp":  # runs its GGUF (model_path), never `model`
        model = str(llm.get("model_path") or "embedded")
    else:
        model = str(llm.get("model") or cfg.get("model") or "embedded")
    return "base" if model in ("embedded", "") else f"base-{slug(Path(model).name)}"


def plan_systems(cfg: DictConfig) -> list[System]:
    """Which systems to evaluate, in table order (cheap: no model is loaded)."""
    from panza.write.build import resolve_checkpoint

    ev = cfg.eval
    index_ok = (Path(str(cfg.writer.rag.index_dir)).expanduser() / "manifest.json").is_file()
    systems: list[System] = []
    if ev.get("base", True):
        systems.append(System(_base_name(cfg), "model"))
        if str(ev.get("base_rag", "auto")).lower() in ("auto", "true") and index_ok:
            systems.append(System(_base_name(cfg) + "+rag", "model", rag=True))
    for ck in _checkpoints(cfg):
        sub = OmegaConf.merge(cfg, {"checkpoint": ck})
        checkpoint = resolve_checkpoint(sub)
        assert checkpoint is not None
        path, name = str(checkpoint.path), slug(checkpoint.path.name)
        mode = str(ev.get("checkpoint_rag", "as_trained")).lower()
        as_trained = checkpoint.trained_with_rag
        variants = [as_trained] if mode == "as_trained" else [False, True] if mode == "both" else [mode == "true"]
        for rag in variants:
            if rag and not index_ok:
                log.warning("no RAG index at %s: %s is evaluated without RAG", cfg.writer.rag.index_dir, name)
                rag = False
            systems.append(System(name + ("+rag" if rag else ""), "model", checkpoint=path, rag=rag))
    for f in ev.get("score_files") or []:
        p = Path(str(f)).expanduser()
        systems.append(System(slug(p.stem), "file", source=str(p)))
    if ev.get("floors", True):
        systems += [System("floor-template", "floor"), System("floor-nearest", "floor")]
    names = [s.name for s in systems]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise PanzaError(f"two systems would share the name {sorted(dup)[0]!r}; give distinct checkpoints/files")
    return systems


def model_identity(cfg: DictConfig, system: System) -> str:
    """What makes two sets of drafts comparable: checkpoint, model, backend, RAG, sampling, prompts."""
    w = cfg.writer
    ident = {
        "checkpoint": system.checkpoint,
        "rag": system.rag,
        "llm": OmegaConf.to_container(w.llm, resolve=True),
        "rag_k": w.rag.get("k"),
        "thread": OmegaConf.to_container(w.thread, resolve=True),
        "use_thread": cfg.eval.get("use_thread", True),
        "best_of": w.get("best_of"),
        "retries": w.get("retries"),
        "candidates": OmegaConf.to_container(w.candidates, resolve=True) if w.get("candidates") else None,
    }
    for k in ("n_threads", "n_gpu_layers", "verbose", "device"):  # how fast, not what is written
        ident["llm"].pop(k, None)  # type: ignore[union-attr]
    blob = json.dumps(ident, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def load_test(cfg: DictConfig) -> Any:
    from panza.write.jobs import parse_records

    path = Path(str(cfg.eval.test_file)).expanduser()
    if not path.is_file():
        raise PanzaError(f"test split {path} not found; run `panza prepare --test-split 0.2` or set eval.test_file")
    jobs = parse_records(path.read_text(encoding="utf-8").splitlines(), str(path), bool(cfg.eval.get("use_thread", True)))
    jobs.jobs = [j for j in jobs.jobs if j.goldens]
    limit = cfg.eval.get("limit")
    if limit:
        jobs.jobs = jobs.jobs[: int(limit)]
    if not jobs.jobs:
        raise PanzaError(f"{path}: no record with both 'summary' and 'email'; nothing to evaluate")
    return jobs


def load_train(cfg: DictConfig) -> list[dict[str, Any]]:
    path = Path(str(cfg.eval.train_file)).expanduser()
    if not path.is_file():
        raise PanzaError(f"training split {path} not found; run `panza prepare` or set eval.train_file")
    recs = [r for r in read_jsonl(path) if isinstance(r.get("email"), str) and r["email"].strip()]
    if not recs:
        raise PanzaError(f"{path}: no record with an 'email'; the floors and the style metrics need them")
    return recs


def _load_drafts(path: Path, ident: str) -> dict[str, dict[str, Any]]:
    done: dict[str, dict[str, Any]] = {}
    other = 0
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                rec = json.loads(line)
                key = rec["key"]
            except (json.JSONDecodeError, KeyError, TypeError):
                continue  # a line cut by a crash: drafted again
            if rec.get("model_id") != ident:
                other += 1
                continue
            done[key] = rec
    if other:
        log.warning("%s: %d draft(s) of another model configuration ignored (drafting them again)", path, other)
    return done


def draft_system(cfg: DictConfig, system: System, jobs: Any, out: Path) -> list[dict[str, Any]]:
    """Drafts of one model system, resumed from its drafts file; the model loads only if work is left."""
    ident = model_identity(cfg, system)
    model = system.checkpoint or cfg.writer.llm.get("model") or cfg.writer.llm.get("model_path") or "embedded"
    system.run.update({"model": str(model), "checkpoint": system.checkpoint, "rag": system.rag})
    path = out / f"{system.name}.drafts.jsonl"
    if not cfg.eval.get("resume", True):
        path.unlink(missing_ok=True)
    done = _load_drafts(path, ident)
    todo = [j for j in jobs.jobs if j.key not in done]
    if done and todo:
        log.info("%s: resuming, %d of %d already drafted", system.name, len(jobs.jobs) - len(todo), len(jobs.jobs))
    if done and len(done) != sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip()):
        with atomic_open(path) as fh:  # drop other models' lines for good
            for rec in done.values():
                append_jsonl(fh, rec)
    if todo:
        from panza.write.build import build_writer
        from panza.write.jobs import draft_batch

        sub = OmegaConf.merge(cfg, {"checkpoint": system.checkpoint, "writer": {"rag": {"enabled": system.rag}}})
        writer = build_writer(sub)
        system.run.update(getattr(writer, "info", {}))
        failed: dict[str, str] = {}
        bs = max(1, int(cfg.eval.get("batch_size", 8)))
        with path.open("a", encoding="utf-8") as fh:
            for i in range(0, len(todo), bs):
                batch = todo[i : i + bs]
                texts, prompts = draft_batch(writer, batch, failed)
                for j, t, p in zip(batch, texts, prompts, strict=True):
                    if t is None:
                        continue
                    rec = {"key": j.key, "model_id": ident, "panza_responses": [t], "full_prompt": p}
                    done[j.key] = rec
                    append_jsonl(fh, rec)
                log.info("%s: %d/%d drafted", system.name, len(done), len(jobs.jobs))
        for key, reason in failed.items():
            log.warning("%s: %s not drafted (%s)", system.name, json.loads(key)[0][:60], reason)
    system.run.setdefault("model_id", ident)
    return [
        _response(j, done[j.key]["panza_responses"], done[j.key].get("full_prompt")) for j in jobs.jobs if j.key in done
    ]


def _response(job: Any, drafts: Sequence[str], full_prompt: Any = None) -> dict[str, Any]:
    """One entry of the original's ``responses`` list."""
    return {
        "prompt": job.prompt,
        "full_prompt": full_prompt,
        "thread": job.thread,
        "golden_responses": list(job.goldens),
        "panza_responses": list(drafts),
    }


def floor_responses(system: System, jobs: Any, train: list[dict[str, Any]], context: Any) -> list[dict[str, Any]]:
    from panza.evaluate import floors

    prompts = [j.prompt for j in jobs.jobs]
    if system.name == "floor-template":
        drafts = floors.template_drafts(prompts, [r["email"] for r in train])
    else:
        if context.embed is None:
            raise PanzaError("the nearest-email floor needs the embedding model (eval.embedding_model)")
        drafts = floors.nearest_drafts(prompts, train, context.embed)
    return [_response(j, [d]) for j, d in zip(jobs.jobs, drafts, strict=True)]


def file_responses(system: System, jobs: Any) -> list[dict[str, Any]]:
    """Responses of a ``panza run interfaces=json`` output (or the original's), restricted to the test prompts."""
    assert system.source is not None
    path = Path(system.source)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise PanzaError(f"{path}: cannot read it as JSON ({e}); give a `panza run interfaces=json` output") from None
    items = data.get("responses") if isinstance(data, dict) else data
    if not isinstance(items, list) or not all(isinstance(r, dict) and "prompt" in r for r in items):
        raise PanzaError(f"{path}: no 'responses' list with 'prompt' entries; give a `panza run interfaces=json` output")
    if isinstance(data, dict):
        system.run.update(data.get("run") or {})
    by_prompt = {r["prompt"]: r for r in items}
    missing = [j.prompt for j in jobs.jobs if j.prompt not in by_prompt]
    if missing:
        log.warning("%s: %d test instruction(s) have no draft there (%r …)", path, len(missing), missing[0][:60])
    return [_response(j, by_prompt[j.prompt].get("panza_responses") or []) for j in jobs.jobs if j.prompt in by_prompt]


def build_context(cfg: DictConfig, train: list[dict[str, Any]]) -> Any:
    from panza.evaluate import style
    from panza.evaluate.score import Context

    ev = cfg.eval
    embed = None
    if ev.get("embedding_model"):
        from panza.index.embedder import Embedder

        embedder = Embedder(str(ev.embedding_model))
        embed = embedder.encode
    attribution = None
    others = list(ev.style.get("other_authors") or [])
    train_emails = [r["email"] for r in train]
    if others:
        texts = style.load_other_authors(others, limit=ev.style.get("max_other"))
        attribution = style.fit_attribution(train_emails, texts, seed=int(cfg.get("seed", 0)))
    mauve_opts = {k: v for k, v in OmegaConf.to_container(ev.mauve, resolve=True).items() if v is not None}  # type: ignore[union-attr]
    return Context(train_emails, embed=embed, attribution=attribution, mauve_options=mauve_opts)


def summary_line(result: dict[str, Any]) -> str:
    a, p = result["aggregate_metrics"], result["panza_metrics"]

    def f(v: Any) -> str:
        return "–" if v is None else f"{v:.3f}"

    return (
        f"{result['system']}: BLEU {f(a['BLEU'])}, ROUGE-L F {f(a['ROUGE']['rougeL_fmeasure'])}, "
        f"chrF {f(p['chrF'])}, MAUVE {f(a['MAUVE'])}, facts {f(p['adherence']['fact_recall'])}, "
        f"failed {f(p['adherence']['failure_rate'])}, attributed {f(p['style']['attribution_rate'])}, "
        f"repeated {f(p['adherence'].get('repeat_rate'))}, invented {f(p['adherence'].get('invented_rate'))}, "
        f"made up {f(p['adherence'].get('made_up_rate'))}"
    )


def main(cfg: DictConfig) -> int:
    from panza.config import username
    from panza.evaluate.report import write_report
    from panza.evaluate.score import reference_style, score_system
    from panza.logs import setup_logging

    setup_logging()
    out = Path(str(cfg.eval.out_dir)).expanduser()
    jobs = load_test(cfg)  # cheap checks first: a typo costs a second, not a model load
    train = load_train(cfg)
    systems = plan_systems(cfg)
    out.mkdir(parents=True, exist_ok=True)
    context = build_context(cfg, train)
    results = []
    for system in systems:
        if system.kind == "model":
            responses = draft_system(cfg, system, jobs, out)
        elif system.kind == "floor":
            responses = floor_responses(system, jobs, train, context)
        else:
            responses = file_responses(system, jobs)
        system.run.update({"kind": system.kind, "test_file": str(cfg.eval.test_file)})
        result = score_system(system.name, responses, context, run=system.run)
        with atomic_open(out / f"{system.name}.json") as fh:
            json.dump(result, fh, indent=2, ensure_ascii=False)
        results.append(result)
    notes = []
    if context.attribution is None:
        notes.append("attribution not measured: no other authors' mail given (eval.style.other_authors)")
    write_report(
        out,
        results,
        title=f"Panza evaluation: {len(jobs.jobs)} test emails of {username(cfg)}",
        reference=reference_style([j.goldens[0] for j in jobs.jobs], context),
        notes=notes,
        n_samples=int(cfg.eval.get("samples", 3)),
    )
    for r in results:
        print(summary_line(r), file=sys.stderr)
    print(out)
    return 0
