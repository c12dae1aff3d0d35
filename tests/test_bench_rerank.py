"""bench rerank's replay: each rule picks among the same candidates, and the oracles bound them."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_rerank import rules, table


def _cand(draft: str, fact: float, channel: float, direct: float, rouge: float) -> dict[str, float | str]:
    return {"draft": draft, "fact": fact, "channel": channel, "direct": direct, "rougeL": rouge,
            "sacreBLEU": rouge / 2, "length": 1.0}


def test_each_rule_picks_among_the_top_fact_score_and_oracles_bound_them() -> None:
    cands = [
        _cand("Hi Katrin, see you on Sunday.", 1.0, -3.0, -1.0, 0.30),  # greedy
        _cand("Hi Katrin, I can't do Saturday, but Sunday brunch works.", 1.0, -1.0, -2.5, 0.40),
        _cand("Hi Katrin, Sunday brunch works, not Saturday dinner.", 1.0, -1.5, -1.0, 0.50),
        _cand("Hi Katrin, lovely weather.", 0.5, 0.0, 0.0, 0.90),  # misses facts: only the last oracle takes it
    ]
    picks = rules(length_weight=0.1, direct_weight=1.0)
    got = {name: rule(cands) for name, rule in picks.items()}
    assert got["earliest (baseline)"] == 0
    assert got["channel"] == 1
    assert got["channel + 1 x direct"] == 2  # -2.5 against -3.5
    assert got["oracle: best tied"] == 2 and got["oracle: best of all"] == 3
    assert got["consensus (MBR)"] in (0, 1, 2)
    rows = {r["rule"]: r for r in table([{"candidates": cands}], picks)}
    assert rows["earliest (baseline)"]["ratio"] == 1.0
    assert rows["channel + 1 x direct"]["rougeL"] == 0.5 and rows["channel + 1 x direct"]["ratio"] == 0.5 / 0.3
    assert max(r["rougeL"] for r in rows.values() if not r["rule"].startswith("oracle")) <= rows["oracle: best tied"]["rougeL"]
