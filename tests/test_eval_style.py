"""Style metrics: greeting/closing, length, centroid similarity, and the stylometric attribution on real mail."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from panza.evaluate import style


def test_greeting_and_closing() -> None:
    assert style.greeting("Dear Prof. Aman,\n\nIt was great…") == "dear"
    assert style.greeting("\n  Hi Bob!\nthanks") == "hi"
    assert style.greeting("Good morning team,\n…") == "good morning"
    assert style.greeting("Thanks for the note.") is None
    assert style.closing("Hi,\n\nsee you.\n\nBest regards,\nDavid") == "best regards"
    assert style.closing("text\nCheers!\nD.") == "cheers"
    assert style.closing("Thanks, I will be there on Friday.\nDavid") is None  # a sentence, not a sign-off
    assert style.closing("Best,\nDavid\nCEO\nACME Corp") is None  # more than three lines up: not looked at


def test_style_scores_and_aggregate() -> None:
    real = "Hi Anna,\n\nFriday works.\n\nBest,\nDavid"
    s = style.style_scores("Hi Anna, yes, Friday at 3 works for me and the team.\nBest,\nDavid", [real])
    assert s["greeting_match"] and s["closing_match"]
    assert s["length_ratio"] == pytest.approx(14 / 6)
    t = style.style_scores("Dear Anna, Friday works. Regards, David", [real])
    assert not t["greeting_match"] and not t["closing_match"]
    u = style.style_scores("Friday works.", ["Friday is fine."])  # both without greeting/closing: a match
    assert u["greeting_match"] and u["closing_match"]
    s["p_user"], t["p_user"], u["p_user"] = 0.9, 0.2, 0.7
    agg = style.aggregate([s, t, u])
    assert agg["greeting_match"] == pytest.approx(2 / 3) and agg["closing_match"] == pytest.approx(2 / 3)
    assert agg["attribution_rate"] == pytest.approx(2 / 3)
    assert agg["attribution_p_user"] == pytest.approx(0.6)
    assert agg["length_ratio_median"] == pytest.approx(1.0)  # 14/6, 6/6, 2/3 -> median 1
    assert agg["centroid_similarity"] is None


def test_centroid_similarity_by_hand() -> None:
    vecs = np.array([[1.0, 0.0], [0.0, 1.0]])
    c = style.centroid(vecs)
    assert c == pytest.approx([2**-0.5, 2**-0.5])
    assert style.centroid_similarity(np.array([[1.0, 0.0], [-1.0, 0.0]]), c) == pytest.approx([2**-0.5, -(2**-0.5)])


def test_attribution_tells_a_real_user_from_other_authors(shared_data: Path) -> None:
    pytest.importorskip("sklearn")
    david = [json.loads(line)["email"] for line in (shared_data / "panza-david.jsonl").read_text().splitlines()]
    others = style.load_other_authors([str(shared_data / "zones-dev" / "cases.jsonl")])
    assert len(others) > 500
    model = style.fit_attribution(david[:120], others[:500])
    user_rate = np.mean([p > 0.5 for p in model.proba(david[120:])])
    other_rate = np.mean([p > 0.5 for p in model.proba(others[500:])])
    assert user_rate > 0.8, user_rate  # held-out emails of the user are recognised
    assert other_rate < 0.1, other_rate  # held-out mail of others is not


def test_other_authors_file_errors_are_one_line(tmp_path: Path) -> None:
    from panza.errors import PanzaError

    with pytest.raises(PanzaError, match="not found"):
        style.load_other_authors([str(tmp_path / "missing.jsonl")])
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"email": "one two three four five six"}\nnot json\n', encoding="utf-8")
    with pytest.raises(PanzaError, match=r"bad.jsonl:2: not valid JSON"):
        style.load_other_authors([str(bad)])
    with pytest.raises(ValueError, match="at least two"):
        style.fit_attribution(["a b"], ["c d", "e f"])
