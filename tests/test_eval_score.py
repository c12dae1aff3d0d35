"""Floors, MAUVE and score_system: the original's json structure with Panza's metrics beside it,
measured with the real embedded MiniLM embedder, real mauve-text and a real attribution classifier."""

from __future__ import annotations

import json

import numpy as np
import pytest

from panza.evaluate import floors, metrics
from panza.evaluate.mauve import mauve_from_features
from panza.evaluate.score import Context, reference_style, score_system

TRAIN = [
    {"summary": "Thank Anna for the lunch.", "email": "Hi Anna,\n\nthanks a lot for lunch today!\n\nBest,\nJen"},
    {"summary": "Ask Bob for the quarterly report.", "email": "Hi Bob,\n\ncould you send me the quarterly report?\n\nBest,\nJen"},
    {"summary": "Decline the party invitation from Tom.", "email": "Dear Tom,\n\nsorry, I can't make it on Saturday.\n\nCheers,\nJen"},
    {"summary": "Tell the team the office is closed on Monday.", "email": "Hi all,\n\nthe office is closed on Monday.\n\nBest,\nJen"},
]


@pytest.fixture(scope="module")
def embed():  # type: ignore[no-untyped-def]
    pytest.importorskip("sentence_transformers")
    from panza.index.embedder import Embedder

    return Embedder("embedded").encode


def test_template_floor_is_the_most_common_greeting_and_closing() -> None:
    assert floors.template([r["email"] for r in TRAIN]) == "Hi,\n\nBest,\nJen"
    assert floors.template_drafts(["a", "b"], [r["email"] for r in TRAIN]) == ["Hi,\n\nBest,\nJen"] * 2
    assert floors.template(["no greeting at all", "nor here"]) == ""


def test_nearest_floor_copies_the_training_email_of_the_most_similar_instruction(embed) -> None:  # type: ignore[no-untyped-def]
    drafts = floors.nearest_drafts(
        ["Ask Bob to send the Q3 report.", "Say no to Tom's party."], TRAIN, embed
    )
    assert drafts == [TRAIN[1]["email"], TRAIN[2]["email"]]


def test_mauve_on_features() -> None:
    pytest.importorskip("mauve")
    rng = np.random.default_rng(0)
    p, q, far = rng.normal(size=(40, 16)), rng.normal(size=(40, 16)), rng.normal(loc=3.0, size=(40, 16))
    assert mauve_from_features(p, p) == pytest.approx(1.0)
    assert mauve_from_features(p, q) > 0.9  # two samples of one distribution
    assert mauve_from_features(p, far) < 0.05  # disjoint distributions
    assert mauve_from_features(p, q) == mauve_from_features(p, q)  # seeded: stable across runs
    assert mauve_from_features(p[:9], q) is None  # too few samples to say anything


def test_score_system_structure_and_values(embed) -> None:  # type: ignore[no-untyped-def]
    from panza.evaluate.style import fit_attribution

    others = [
        "Please find attached the revised schedule for the Q4 audit. Regards, Mark Taylor, Finance",
        "The build is broken again on trunk, see the log below. -- Apache committer",
        "FYI the gas desk numbers are in the spreadsheet. Call me if questions. Vince",
        "Kindly process the attached invoice at your earliest convenience. Sincerely, Accounts",
    ]
    ctx = Context([r["email"] for r in TRAIN], embed=embed, attribution=fit_attribution([r["email"] for r in TRAIN], others))
    gold = "Hi Bob,\n\ncould you send me the Q3 report by Friday?\n\nBest,\nJen"
    responses = [
        {"prompt": "Ask Bob to send the Q3 report by Friday.", "golden_responses": [gold], "panza_responses": [gold, ""]},
        {
            "prompt": "Thank Anna for lunch.",
            "golden_responses": ["Hi Anna, thanks for lunch! Best, Jen"],
            "panza_responses": ["Dear Anna, thank you for the lunch. Regards"],
        },
    ]
    res = score_system("sys", responses, ctx, run={"kind": "model"})
    json.dumps(res)  # machine-readable as it is
    agg = res["aggregate_metrics"]
    assert set(agg) == {"BLEU", "ROUGE", "MAUVE"} and set(agg["ROUGE"]) == set(metrics.ROUGE_KEYS)
    per = [s for r in responses for s in r["scores"]["BLEU"]]
    assert per[0] == pytest.approx(1.0) and per[1] == 0.0
    assert agg["BLEU"] == pytest.approx(np.mean(per))
    assert agg["ROUGE"]["rouge1_fmeasure"] == pytest.approx(
        np.mean([s["rouge1_fmeasure"] for r in responses for s in r["scores"]["ROUGE"]])
    )
    assert agg["MAUVE"] is None  # 3 drafts: below the minimum sample size, reported as missing
    pm = res["panza_metrics"]
    assert pm["n_drafts"] == 3 and pm["MAUVE_samples"] == {"drafts": 3, "goldens": 2}
    assert pm["adherence"]["failures"] == {"empty": 1}
    assert pm["adherence"]["fact_recall"] == pytest.approx((1.0 + 0.0 + 1.0) / 3)  # Bob+Q3+Friday; none; Anna
    st = responses[0]["scores"]["style"]
    assert st[0]["greeting_match"] and st[0]["closing_match"] and st[0]["length_ratio"] == 1.0
    assert st[0]["p_user"] > 0.5 and st[0]["centroid_similarity"] > 0.5
    assert responses[1]["scores"]["style"][0]["greeting_match"] is False
    ref = reference_style([gold], ctx)
    assert ref["attribution_rate"] == 1.0 and ref["centroid_similarity"] == pytest.approx(st[0]["centroid_similarity"])
