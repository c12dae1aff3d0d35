"""The evaluation report: ``report.md``, a self-contained ``report.html`` and PNG charts.

Built from the per-system results of :func:`panza.evaluate.score.score_system`; floors sit in
the same table as the systems (marked as floors) so no figure is read without them. The HTML
inlines its charts as data URIs: it opens from a mail attachment or an air-gapped laptop.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from panza.jsonl import atomic_open

# (column header, path into a result, higher is better)
COLUMNS: tuple[tuple[str, tuple[str, ...], bool], ...] = (
    ("BLEU", ("aggregate_metrics", "BLEU"), True),
    ("R-1 F", ("aggregate_metrics", "ROUGE", "rouge1_fmeasure"), True),
    ("R-2 F", ("aggregate_metrics", "ROUGE", "rouge2_fmeasure"), True),
    ("R-L F", ("aggregate_metrics", "ROUGE", "rougeL_fmeasure"), True),
    ("R-Lsum F", ("aggregate_metrics", "ROUGE", "rougeLsum_fmeasure"), True),
    ("sacreBLEU", ("panza_metrics", "sacreBLEU"), True),
    ("chrF", ("panza_metrics", "chrF"), True),
    ("MAUVE", ("aggregate_metrics", "MAUVE"), True),
    ("facts", ("panza_metrics", "adherence", "fact_recall"), True),
    ("failed", ("panza_metrics", "adherence", "failure_rate"), False),
    ("repeated", ("panza_metrics", "adherence", "repeat_rate"), False),
    ("invented", ("panza_metrics", "adherence", "invented_rate"), False),
    ("made up", ("panza_metrics", "adherence", "made_up_rate"), False),
    ("attributed", ("panza_metrics", "style", "attribution_rate"), True),
    ("greeting", ("panza_metrics", "style", "greeting_match"), True),
    ("closing", ("panza_metrics", "style", "closing_match"), True),
    ("length×", ("panza_metrics", "style", "length_ratio_median"), False),
    ("centroid", ("panza_metrics", "style", "centroid_similarity"), True),
)
LEGEND = (
    "BLEU: the original's (mean of BLEU-1..4, lower-cased, punctuation deleted). R-*: ROUGE F "
    "(precision and recall in the second table). sacreBLEU/chrF: sacrebleu on the raw text. "
    "MAUVE: mauve-text on all-MiniLM-L6-v2 features. facts: share of the instruction's facts "
    "(names, days, dates, times, numbers, places, links, quotes, what is declined) the draft carries. failed: share "
    "of drafts that are empty, refuse, echo the instruction or loop. repeated: share of drafts that say a "
    "5-word run twice. invented: share of drafts that give a weekday, near day (today, tomorrow…), date or time their "
    "instruction does not. made up: share of drafts whose body names a person, place or number that neither the instruction nor "
    "the thread gives. attributed: share of drafts "
    "a user-vs-others stylometric classifier gives to the user. greeting/closing: the draft opens "
    "and signs off like the real email. length×: median draft/real word ratio (1 = as long). "
    "centroid: cosine to the mean embedding of the user's training emails."
)
CHARTS = {
    "overlap": ("Overlap with the real emails", ("BLEU", "R-1 F", "R-L F", "chrF", "MAUVE")),
    "adherence": ("Instruction adherence", ("facts", "failed", "repeated", "invented", "made up")),
    "style": ("Style", ("attributed", "greeting", "closing", "centroid")),
}


def value(result: dict[str, Any], path: Sequence[str]) -> float | None:
    cur: Any = result
    for k in path:
        if not isinstance(cur, dict) or k not in cur:
            return None
        cur = cur[k]
    return float(cur) if isinstance(cur, (int, float)) else None


def _fmt(v: float | None) -> str:
    return "–" if v is None else f"{v:.3f}"


def _kind(result: dict[str, Any]) -> str:
    return str(result.get("run", {}).get("kind", "system"))


def table_rows(results: Sequence[dict[str, Any]]) -> list[list[str]]:
    rows = []
    for r in results:
        name = r["system"] + (" (floor)" if _kind(r) == "floor" else "")
        rows.append([name, *(_fmt(value(r, path)) for _, path, _ in COLUMNS)])
    return rows


def rouge_rows(results: Sequence[dict[str, Any]]) -> tuple[list[str], list[list[str]]]:
    from panza.evaluate.metrics import ROUGE_KEYS

    header = ["system", *ROUGE_KEYS]
    rows = [[r["system"], *(_fmt(value(r, ("aggregate_metrics", "ROUGE", k))) for k in ROUGE_KEYS)] for r in results]
    return header, rows


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows]
    return "\n".join(lines)


def samples(results: Sequence[dict[str, Any]], k: int) -> list[dict[str, Any]]:
    """The first ``k`` prompts every system answered, with the real email and each system's first draft."""
    if not results:
        return []
    by_system = [{resp["prompt"]: resp for resp in r["responses"]} for r in results]
    out = []
    for resp in results[0]["responses"]:
        p = resp["prompt"]
        if not all(p in s and s[p].get("panza_responses") for s in by_system):
            continue
        out.append(
            {
                "prompt": p,
                "golden": (resp.get("golden_responses") or [""])[0],
                "drafts": [(r["system"], s[p]["panza_responses"][0]) for r, s in zip(results, by_system, strict=True)],
            }
        )
        if len(out) >= k:
            break
    return out


def chart(results: Sequence[dict[str, Any]], title: str, columns: Sequence[str], path: Path) -> Path:
    """A grouped bar chart of ``columns`` for every system (floors hatched)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    paths = {name: p for name, p, _ in COLUMNS}
    n = len(results)
    x = np.arange(len(columns))
    width = 0.8 / max(n, 1)
    fig, ax = plt.subplots(figsize=(max(6.0, 1.4 * len(columns) + 0.3 * n), 4.0), dpi=100)
    for i, r in enumerate(results):
        vals = [value(r, paths[c]) or 0.0 for c in columns]
        ax.bar(
            x + (i - (n - 1) / 2) * width,
            vals,
            width,
            label=r["system"],
            hatch="//" if _kind(r) == "floor" else None,
            edgecolor="black" if _kind(r) == "floor" else None,
            linewidth=0.4,
        )
    ax.set_xticks(x, list(columns))
    ax.set_ylim(0, 1)
    ax.set_title(title)
    ax.legend(fontsize=7, ncols=min(n, 4), loc="upper center", bbox_to_anchor=(0.5, -0.1), frameon=False)
    fig.tight_layout()
    with atomic_open(path, "wb") as fh:
        fig.savefig(fh, format="png")
    plt.close(fig)
    return path


def write_report(
    out_dir: str | Path,
    results: Sequence[dict[str, Any]],
    *,
    title: str = "Panza evaluation",
    reference: dict[str, Any] | None = None,
    notes: Sequence[str] = (),
    n_samples: int = 3,
) -> dict[str, Path]:
    """Write report.md, report.html and one PNG per chart into ``out_dir``; return their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    pngs = {key: chart(results, t, cols, out / f"chart_{key}.png") for key, (t, cols) in CHARTS.items()}
    header = ["system", *(c for c, _, _ in COLUMNS)]
    rows = table_rows(results)
    r_header, r_rows = rouge_rows(results)
    ref_line = ""
    if reference:
        ref_line = (
            f"Real test emails ({reference.get('n', 0)}): attributed {_fmt(reference.get('attribution_rate'))}, "
            f"centroid {_fmt(reference.get('centroid_similarity'))} (the ceiling for those two columns)."
        )
    sample_list = samples(results, n_samples)

    md = [f"# {title}", "", _md_table(header, rows), "", LEGEND, ""]
    if ref_line:
        md += [ref_line, ""]
    md += [*(f"- {n}" for n in notes), "", "## ROUGE precision, recall, F", "", _md_table(r_header, r_rows), ""]
    md += ["## Charts", ""] + [f"![{k}]({p.name})" for k, p in pngs.items()] + ["", "## Drafts beside the real emails", ""]
    for s in sample_list:
        md += [f"### {s['prompt']}", "", "**real email**", "", "```", s["golden"], "```", ""]
        for name, d in s["drafts"]:
            md += [f"**{name}**", "", "```", d, "```", ""]
    with atomic_open(out / "report.md") as fh:
        fh.write("\n".join(md) + "\n")

    def h(s: str) -> str:
        return html.escape(s)

    def table_html(hdr: Sequence[str], body: Sequence[Sequence[str]]) -> str:
        th = "".join(f"<th>{h(c)}</th>" for c in hdr)
        trs = "".join("<tr>" + "".join(f"<td>{h(c)}</td>" for c in row) + "</tr>" for row in body)
        return f"<table><thead><tr>{th}</tr></thead><tbody>{trs}</tbody></table>"

    imgs = "".join(
        f'<img alt="{h(k)}" src="data:image/png;base64,{base64.b64encode(p.read_bytes()).decode()}">'
        for k, p in pngs.items()
    )
    sample_html = ""
    for s in sample_list:
        cells = [("real email", s["golden"]), *s["drafts"]]
        sample_html += f"<h3>{h(s['prompt'])}</h3><div class=side>" + "".join(
            f"<div><b>{h(n)}</b><pre>{h(t)}</pre></div>" for n, t in cells
        ) + "</div>"
    doc = (
        "<!doctype html><html><head><meta charset=utf-8>"
        f"<title>{h(title)}</title><style>"
        "body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}td:first-child{text-align:left}"
        "img{max-width:100%;margin:.5em 0}.side{display:flex;gap:1em;overflow-x:auto}"
        ".side div{flex:1;min-width:16em}pre{white-space:pre-wrap;background:#f6f6f6;padding:.5em}"
        "</style></head><body>"
        f"<h1>{h(title)}</h1>{table_html(header, rows)}<p>{h(LEGEND)}</p>"
        + (f"<p>{h(ref_line)}</p>" if ref_line else "")
        + "".join(f"<p>{h(n)}</p>" for n in notes)
        + f"<h2>ROUGE precision, recall, F</h2>{table_html(r_header, r_rows)}"
        f"<h2>Charts</h2>{imgs}<h2>Drafts beside the real emails</h2>{sample_html}</body></html>"
    )
    with atomic_open(out / "report.html") as fh:
        fh.write(doc)
    return {"md": out / "report.md", "html": out / "report.html", **pngs}
