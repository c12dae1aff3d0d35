"""Score one system's drafts: the original's json structure plus Panza's own metrics beside it.

Output (one dict per system, written as ``<system>.json``)::

    {"system": NAME, "run": {...},
     "responses": [{"prompt", "thread", "golden_responses", "panza_responses",
                    "scores": {"BLEU": [..], "ROUGE": [{rouge1_fmeasure …}], "sacreBLEU": [..],
                               "chrF": [..], "adherence": [..], "style": [..]}}],
     "aggregate_metrics": {"BLEU", "ROUGE": {rouge1_fmeasure … rougeLsum_recall}, "MAUVE"},
     "panza_metrics": {"sacreBLEU", "chrF", "adherence": {...}, "style": {...}, "MAUVE_samples", ...}}

``responses``/``aggregate_metrics`` are the original's format (so its tooling reads the file);
everything Panza adds is under ``panza_metrics`` and extra keys of ``scores``. The *context*
(training emails, embedder, attribution classifier) is built once and shared by every system,
so all systems are measured with the same yardstick.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from statistics import mean
from typing import Any

from panza.evaluate import metrics, style
from panza.evaluate.mauve import mauve_from_features
from panza.write import adherence

Embed = Callable[[list[str]], Any]


@dataclass
class Context:
    """What every system is measured against, built once per evaluation."""

    train_emails: list[str]
    embed: Embed | None = None
    attribution: style.Attribution | None = None
    mauve_options: dict[str, Any] = field(default_factory=dict)
    _centroid: Any = None
    _cache: dict[str, Any] = field(default_factory=dict)

    def vectors(self, texts: Sequence[str]) -> Any:
        """Embeddings, cached by text (goldens are embedded once for all systems)."""
        import numpy as np

        assert self.embed is not None
        todo = sorted({t for t in texts if t not in self._cache})
        if todo:
            for t, v in zip(todo, self.embed(todo), strict=True):
                self._cache[t] = v
        return np.asarray([self._cache[t] for t in texts]) if texts else np.zeros((0, 1))

    def centroid(self) -> Any:
        if self._centroid is None and self.embed is not None and self.train_emails:
            self._centroid = style.centroid(self.vectors(self.train_emails))
        return self._centroid


def _mean(values: Sequence[float]) -> float | None:
    return mean(values) if values else None


def score_system(
    name: str,
    responses: list[dict[str, Any]],
    context: Context,
    run: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Score ``responses`` (``prompt``, ``golden_responses``, ``panza_responses``) in place and aggregate."""
    drafts_flat: list[str] = []
    goldens_flat: list[str] = []
    style_recs: list[dict[str, Any]] = []
    adh_recs: list[dict[str, Any]] = []
    bleu: list[float] = []
    sbleu: list[float] = []
    chrf: list[float] = []
    rouge: list[dict[str, float]] = []
    for r in responses:
        goldens = list(r.get("golden_responses") or [])
        s: dict[str, Any] = {k: [] for k in ("BLEU", "ROUGE", "sacreBLEU", "chrF", "adherence", "style")}
        for d in r.get("panza_responses") or []:
            if goldens:
                m = metrics.draft_scores(d, goldens)
                for k in ("BLEU", "ROUGE", "sacreBLEU", "chrF"):
                    s[k].append(m[k])
                bleu.append(m["BLEU"])
                rouge.append(m["ROUGE"])
                sbleu.append(m["sacreBLEU"])
                chrf.append(m["chrF"])
            a = adherence.adherence_scores(r["prompt"], d, "\n".join(map(str, r.get("thread") or [])))
            st = style.style_scores(d, goldens)
            s["adherence"].append(a)
            s["style"].append(st)
            adh_recs.append(a)
            style_recs.append(st)
            drafts_flat.append(d)
        goldens_flat.extend(goldens)
        r["scores"] = s
    if context.attribution is not None:
        for rec, p in zip(style_recs, context.attribution.proba(drafts_flat), strict=True):
            rec["p_user"] = p
    mauve = None
    if context.embed is not None:
        center = context.centroid()
        dv = context.vectors(drafts_flat)
        if center is not None:
            for rec, sim in zip(style_recs, style.centroid_similarity(dv, center), strict=True):
                rec["centroid_similarity"] = sim
        if goldens_flat:
            mauve = mauve_from_features(dv, context.vectors(goldens_flat), **context.mauve_options)
    aggregate = {
        "BLEU": _mean(bleu),
        "ROUGE": {k: _mean([x[k] for x in rouge]) for k in metrics.ROUGE_KEYS},
        "MAUVE": mauve,
    }
    panza = {
        "sacreBLEU": _mean(sbleu),
        "chrF": _mean(chrf),
        "adherence": adherence.aggregate(adh_recs),
        "style": style.aggregate(style_recs),
        "n_prompts": len(responses),
        "n_drafts": len(drafts_flat),
        "MAUVE_samples": {"drafts": len(drafts_flat), "goldens": len(goldens_flat)},
    }
    return {
        "system": name,
        "run": run or {},
        "responses": responses,
        "aggregate_metrics": aggregate,
        "panza_metrics": panza,
    }


def reference_style(test_goldens: Sequence[str], context: Context) -> dict[str, Any]:
    """The style figures of the real test emails themselves: the ceiling for attribution and similarity."""
    out: dict[str, Any] = {"n": len(test_goldens)}
    if context.attribution is not None and test_goldens:
        p = context.attribution.proba(list(test_goldens))
        out["attribution_rate"] = sum(x > 0.5 for x in p) / len(p)
        out["attribution_p_user"] = mean(p)
    center = context.centroid() if context.embed is not None else None
    if center is not None and test_goldens:
        out["centroid_similarity"] = mean(style.centroid_similarity(context.vectors(list(test_goldens)), center))
    return out
