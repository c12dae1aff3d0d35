"""The original Panza's BLEU/ROUGE, reproduced: hand-computed values and the reference libraries' own results."""

from __future__ import annotations

import math

import pytest

from panza.evaluate import metrics

pytest.importorskip("rouge_score")
pytest.importorskip("sacrebleu")

PRED = "The cat sat on the mat."
GOLD = "the cat is on the mat"

# Drafts and goldens of the kind the evaluation sees: punctuation, case, several goldens, brevity.
PAIRS = [
    (PRED, [GOLD]),
    ("Hi Bob, could you send me the report by Friday? Thanks, Jen", ["Hi Bob,\n\ncould you send me the quarterly report by Friday?\n\nThanks,\nJen"]),
    ("Thanks!", ["Dear Alice, thank you for lunch yesterday! Best, Jen", "Thanks for lunch, Alice."]),
    (
        "Dear Anna, I can confirm the meeting on Friday at 3pm. Best regards, David",
        ["Hi Anna, Friday at 3 works for me. Best, David", "Dear Anna,\nFriday 3pm is fine.\nBest regards,\nDavid"],
    ),
    ("I'll be there, don't worry — it's all set for the 12th.", ["Don't worry, I'll be there on the 12th; it's set."]),
    ("purple elephants dance", ["the meeting moved to monday"]),
    ("", ["anything at all"]),
    ("the the the the the the", ["the cat is on the mat"]),
]


def test_normalize_deletes_punctuation_like_the_original() -> None:
    assert metrics.normalize("Don't  STOP, Bob!\n\nOK?") == "dont stop bob ok"


def test_bleu_by_hand() -> None:
    # unigrams 5/6, bigrams 3/5, trigrams 1/4, 4-grams 0/3; equal lengths: no brevity penalty.
    assert metrics.bleu_n("the cat sat on the mat", [GOLD], 1) == pytest.approx(5 / 6)
    assert metrics.bleu_n("the cat sat on the mat", [GOLD], 2) == pytest.approx(math.sqrt(5 / 6 * 3 / 5))
    assert metrics.bleu_n("the cat sat on the mat", [GOLD], 3) == pytest.approx(0.5)
    assert metrics.bleu_n("the cat sat on the mat", [GOLD], 4) == 0.0
    expected = (5 / 6 + math.sqrt(0.5) + 0.5 + 0.0) / 4
    assert metrics.bleu_original(PRED, [GOLD]) == pytest.approx(expected)


def test_bleu_brevity_penalty_uses_the_closest_golden_length() -> None:
    # 3 words against goldens of 4 and 9 words: the 4-word golden sets the penalty exp(1 - 4/3).
    assert metrics.bleu_n("a b c", ["a b c d", "a b c d e f g h i"], 1) == pytest.approx(math.exp(1 - 4 / 3))


def test_rouge_by_hand() -> None:
    r = metrics.rouge_original(PRED, [GOLD])
    assert set(r) == set(metrics.ROUGE_KEYS) and len(r) == 12
    for k in ("rouge1", "rougeL", "rougeLsum"):
        assert r[f"{k}_precision"] == pytest.approx(5 / 6)
        assert r[f"{k}_recall"] == pytest.approx(5 / 6)
    assert r["rouge2_fmeasure"] == pytest.approx(3 / 5)
    short = metrics.rouge_original("the cat", [GOLD])
    assert short["rouge1_precision"] == 1.0 and short["rouge1_recall"] == pytest.approx(2 / 6)
    assert short["rouge1_fmeasure"] == pytest.approx(2 * 1 * (1 / 3) / (1 + 1 / 3))


def test_rouge_best_golden_supplies_every_figure() -> None:
    # Golden A wins ROUGE-1 F (same words, shuffled), golden B would win ROUGE-2: torchmetrics' "best"
    # reports A's ROUGE-2 (0), not the best ROUGE-2 of any golden (0.4, rouge-score's score_multi).
    draft, a, b = "a b c d e f", "a c e b d f", "a b c x y z"
    r = metrics.rouge_original(draft, [b, a])
    assert r["rouge1_fmeasure"] == pytest.approx(1.0)
    assert r["rouge2_fmeasure"] == 0.0
    assert metrics.rouge_original(draft, [b])["rouge2_fmeasure"] == pytest.approx(0.4)


def test_sacrebleu_and_chrf_are_the_library_scores_on_raw_text() -> None:
    import sacrebleu

    pred, golds = PAIRS[3]
    assert metrics.sacrebleu_bleu(pred, golds) == pytest.approx(sacrebleu.sentence_bleu(pred, golds).score / 100)
    assert metrics.chrf(pred, golds) == pytest.approx(sacrebleu.sentence_chrf(pred, golds).score / 100)
    # Raw text keeps case: sacrebleu sees a difference the original's normalised BLEU does not.
    assert metrics.bleu_original("Hello There My Friend", ["hello there my friend"]) == pytest.approx(1.0)
    assert metrics.sacrebleu_bleu("Hello There My Friend", ["hello there my friend"]) < 0.5
    # A draft shorter than four words has no 4-gram: BLEU-4 is 0, so the mean is at most 0.75.
    assert metrics.bleu_original("hello there friend", ["hello there friend"]) == pytest.approx(0.75)
    assert metrics.chrf(GOLD, [GOLD]) == pytest.approx(1.0)


def test_bleu_matches_torchmetrics() -> None:
    tm = pytest.importorskip("torchmetrics.text", reason="torchmetrics (dev extra) is the reference")
    for pred, golds in PAIRS:
        p = metrics.normalize(pred)
        g = [metrics.normalize(x) for x in golds]
        ref = sum(float(tm.BLEUScore(n_gram=n)([p], [g])) for n in (1, 2, 3, 4)) / 4
        assert metrics.bleu_original(pred, golds) == pytest.approx(ref, abs=1e-6), (pred, golds)


def test_rouge_matches_torchmetrics() -> None:
    tm = pytest.importorskip("torchmetrics.text", reason="torchmetrics (dev extra) is the reference")
    # rougeLsum in torchmetrics needs nltk's punkt data (a download); on punctuation-free text it is one
    # sentence, i.e. rougeL, which the next assertion checks on our side.
    scorer = tm.ROUGEScore(rouge_keys=("rouge1", "rouge2", "rougeL"))
    for pred, golds in PAIRS:
        ours = metrics.rouge_original(pred, golds)
        ref = {k: float(v) for k, v in scorer(metrics.normalize(pred), [metrics.normalize(x) for x in golds]).items()}
        for k, v in ref.items():
            assert ours[k] == pytest.approx(v, abs=1e-6), (k, pred, golds)
        for part in metrics.ROUGE_PARTS:
            assert ours[f"rougeLsum_{part}"] == pytest.approx(ours[f"rougeL_{part}"])


def test_draft_scores_collects_all_families() -> None:
    s = metrics.draft_scores(PRED, [GOLD])
    assert set(s) == {"BLEU", "ROUGE", "sacreBLEU", "chrF"}
    assert 0 < s["sacreBLEU"] < 1 and 0 < s["chrF"] < 1
