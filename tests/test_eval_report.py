"""The report: the table with floors beside the systems, ROUGE P/R/F, self-contained HTML, real PNG charts."""

from __future__ import annotations

from pathlib import Path

from panza.evaluate.metrics import ROUGE_KEYS
from panza.evaluate.report import write_report


def _result(name: str, kind: str, bleu: float, draft: str) -> dict[str, object]:
    return {
        "system": name,
        "run": {"kind": kind},
        "responses": [
            {"prompt": "Thank Anna <for> lunch.", "golden_responses": ["Hi Anna, thanks! Jen"], "panza_responses": [draft]},
        ],
        "aggregate_metrics": {"BLEU": bleu, "ROUGE": dict.fromkeys(ROUGE_KEYS, 0.25), "MAUVE": None},
        "panza_metrics": {
            "sacreBLEU": 0.1, "chrF": 0.3,
            "adherence": {"fact_recall": 0.5, "failure_rate": 0.0, "repeat_rate": 0.25, "invented_rate": 0.125,
                          "made_up_rate": 0.375},
            "style": {"attribution_rate": 0.75, "greeting_match": 1.0, "closing_match": 0.0,
                      "length_ratio_median": 1.2, "centroid_similarity": 0.6},
        },
    }


def test_report_files_table_and_samples(tmp_path: Path) -> None:
    results = [_result("lora", "model", 0.1234, "Hi Anna, thank you! Jen"), _result("floor-template", "floor", 0.05, "Hi,\n\nBest,\nJen")]
    paths = write_report(tmp_path, results, reference={"n": 1, "attribution_rate": 0.9, "centroid_similarity": 0.7},
                         notes=["a note"])
    md = paths["md"].read_text(encoding="utf-8")
    assert "| lora | 0.123 | 0.250 | 0.250 | 0.250 | 0.250 | 0.100 | 0.300 | – | 0.500 | 0.000 | 0.250 | 0.125 | 0.375 | 0.750 |" in md
    assert "| floor-template (floor) | 0.050 |" in md
    assert "attributed 0.900, centroid 0.700" in md and "- a note" in md
    assert "rougeLsum_recall" in md  # the second table: every ROUGE figure
    assert "**real email**" in md and "Hi Anna, thank you! Jen" in md and "Hi,\n\nBest,\nJen" in md
    html = paths["html"].read_text(encoding="utf-8")
    assert html.count('src="data:image/png;base64,') == 3 and "<link" not in html and "<script" not in html
    assert "Thank Anna &lt;for&gt; lunch." in html  # escaped
    for key in ("overlap", "adherence", "style"):
        assert paths[key].read_bytes()[:4] == b"\x89PNG" and paths[key].stat().st_size > 5000
