"""Train/test split: a partition, seeded, chronological holds out the newest, no fake test set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from panza.errors import PanzaError
from panza.split import held_out_size, parse_date, split, write_split


def records(n: int, dates: list[str | None] | None = None) -> list[dict]:
    dates = dates or [None] * n
    return [{"message_id": f"<{i}@x>", "email": f"mail {i}", "date": dates[i]} for i in range(n)]


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(0, 60),
    frac=st.floats(0, 0.95),
    seed=st.integers(0, 10),
    kind=st.sampled_from(["random", "chronological"]),
)
def test_split_is_an_ordered_partition(n: int, frac: float, seed: int, kind: str) -> None:
    recs = records(n)
    train, test = split(recs, frac, kind, seed)
    ids = [r["message_id"] for r in train + test]
    assert sorted(ids) == sorted(r["message_id"] for r in recs) and len(set(ids)) == n
    assert len(test) == held_out_size(n, frac)
    if n:
        assert train  # never everything held out
    for part in (train, test):  # input order is kept inside each part
        pos = [recs.index(r) for r in part]
        assert pos == sorted(pos)


def test_zero_split_means_no_test_set() -> None:
    train, test = split(records(10), 0)
    assert test == [] and len(train) == 10


def test_random_split_is_seeded() -> None:
    recs = records(50)
    a = split(recs, 0.2, "random", 1)[1]
    assert a == split(recs, 0.2, "random", 1)[1]
    assert a != split(recs, 0.2, "random", 2)[1]
    assert len(a) == 10


def test_chronological_holds_out_newest_and_undated_count_as_oldest() -> None:
    dates = [
        "2024-03-01T10:00:00+01:00",
        None,
        "2023-01-01T00:00:00Z",
        "2024-05-01T08:00:00",
        "not a date",
        "2024-04-01T00:00:00-07:00",
    ]
    recs = records(6, dates)
    train, test = split(recs, 0.5, "chronological")
    assert [r["message_id"] for r in test] == ["<0@x>", "<3@x>", "<5@x>"]
    newest_train = max(parse_date(r["date"]) for r in train if parse_date(r["date"]))
    assert all(parse_date(r["date"]) > newest_train for r in test)
    assert {"<1@x>", "<4@x>"} <= {r["message_id"] for r in train}


@pytest.mark.parametrize(
    ("frac", "kind", "msg"),
    [
        (1.0, "random", "must be in"),
        (-0.1, "random", "must be in"),
        ("abc", "random", "not a number"),
        (0.2, "by-size", "split_type"),
    ],
)
def test_bad_settings_are_one_line_errors(frac: object, kind: str, msg: str) -> None:
    with pytest.raises(PanzaError, match=msg):
        split(records(5), frac, kind)  # type: ignore[arg-type]


def test_write_split_writes_an_empty_test_file(tmp_path: Path) -> None:
    train, test = split(records(3), 0)
    tr, te = write_split(tmp_path, train, test)
    assert te.read_text() == "" and len(tr.read_text().splitlines()) == 3
    assert json.loads(tr.read_text().splitlines()[0])["message_id"] == "<0@x>"
