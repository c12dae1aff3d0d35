"""Held-out accuracy of extraction: the blind corpus (tests/fixtures/blind/) through the real ingest path.

The corpus was written without reading panza's cleaning code or its tuning fixtures, so this measures
how the extractor generalizes to mail its authors did not tune it on. The target is the project's:
>= 90% of messages give exactly the user's text (trailing whitespace and blank-line runs forgiven).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_accuracy import (
    FORWARD,
    TARGET,
    accuracy,
    failures,
    load,
    naive_extract,
    normalize,
    panza_extract,
    run,
    table,
)


@pytest.fixture(scope="module")
def samples():
    s = load()
    assert len(s) >= 100, "the blind corpus is missing: run tests/fixtures/blind/_make.py"
    return s


def test_normalize_forgives_only_trailing_space_and_blank_runs() -> None:
    assert normalize("Hi  \n\n\n\nBye\t\n\n") == "Hi\n\nBye"
    assert normalize("Hi\nBye") != normalize("Hi Bye")
    assert normalize("  indented") == "  indented"


def test_corpus_is_complete(samples) -> None:
    kinds = {s.kind for s in samples}
    assert {"top", "bottom", "inline", "nested", "fwd_note", "fwd_pure", "noquote", "tricky"} <= kinds
    langs = {s.lang for s in samples}
    assert len(langs) >= 18
    for lang in ("de", "fr", "es"):
        assert sum(s.lang == lang for s in samples) >= 3
    assert all(s.expected for s in samples)
    assert sum(s.expected == FORWARD for s in samples) >= 3


def test_naive_baseline_is_measurably_wrong(samples) -> None:
    """The baseline must miss signatures and header blocks, or the corpus would be too easy to mean much."""
    assert accuracy(run(naive_extract, samples)) < 0.6


def test_extraction_accuracy_on_blind_corpus(samples, capsys) -> None:
    outcomes = run(panza_extract, samples)
    baseline = run(naive_extract, samples)
    report = table(outcomes, baseline) + "\n\n" + failures(outcomes)
    with capsys.disabled():
        print("\n" + report)
    acc = accuracy(outcomes)
    assert acc >= TARGET, f"exact-match accuracy {acc:.3f} < {TARGET}\n{report}"
