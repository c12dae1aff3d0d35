"""BLEU/ROUGE of drafts against goldens, offline (sacrebleu + rouge-score, never evaluate.load)."""

from __future__ import annotations

import pytest

from panza.evaluate.metrics import bleu, normalize, rouge, score_responses

pytest.importorskip("sacrebleu")
pytest.importorskip("rouge_score")


def test_normalize_lowercases_and_drops_punctuation() -> None:
    assert normalize("Hi Bob,\n\nthanks -- see you!") == "hi bob thanks see you"


def test_identical_text_scores_one_and_unrelated_scores_zero() -> None:
    gold = "Hi Bob, could you send me the quarterly report by Friday? Thanks, Jen"
    assert bleu(gold, [gold]) == pytest.approx(1.0)
    assert rouge(gold, [gold]) == {"rouge1": 1.0, "rouge2": 1.0, "rougeL": 1.0}
    assert bleu("purple elephants dance", [gold]) == pytest.approx(0.0)
    assert rouge("purple elephants dance", [gold])["rouge1"] == 0.0


def test_several_goldens_count_as_alternatives() -> None:
    draft = "please send the report by friday"
    one = rouge(draft, ["the meeting moved to monday"])["rouge1"]
    both = rouge(draft, ["the meeting moved to monday", "please send the report by friday jen"])["rouge1"]
    assert both > one and both > 0.9
    assert bleu(draft, ["x y z", draft]) == pytest.approx(1.0)


def test_partial_overlap_is_between_zero_and_one() -> None:
    s = rouge("could you send the report", ["could you send me the quarterly report by friday"])
    assert 0 < s["rouge2"] < s["rouge1"] < 1


def test_score_responses_adds_scores_and_averages() -> None:
    responses = [
        {
            "prompt": "a",
            "golden_responses": ["send the report"],
            "panza_responses": ["send the report", "no"],
        },
        {"prompt": "b", "golden_responses": [], "panza_responses": ["anything"]},  # no golden: not scored
    ]
    agg = score_responses(responses)
    assert agg is not None and agg["n_prompts"] == 1 and agg["n_drafts"] == 2
    assert responses[0]["scores"]["ROUGE"][0]["rouge1"] == 1.0
    assert agg["ROUGE"]["rouge1"] == pytest.approx(0.5)
    assert "scores" not in responses[1]
    assert score_responses([{"golden_responses": [], "panza_responses": ["x"]}]) is None
