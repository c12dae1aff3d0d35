"""Train/test split of the summarized emails.

``test_split=0`` (the default) means no test set: test.jsonl is written as an empty file, so the
prepare contract (DIR/train.jsonl and DIR/test.jsonl) holds and nothing downstream mistakes a copy
of the training data for held-out data. ``random`` is seeded; ``chronological`` holds out the
newest emails (undated ones count as oldest), the honest setting for "does it write like me now".
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from panza.errors import PanzaError
from panza.jsonl import write_jsonl

SPLIT_TYPES = ("random", "chronological")


def parse_date(value: Any) -> datetime | None:
    """An ISO-8601 date as an aware UTC datetime (naive = UTC); None when missing or unreadable."""
    if not value:
        return None
    try:
        d = datetime.fromisoformat(str(value).strip())
    except ValueError:
        return None
    return d.replace(tzinfo=UTC) if d.tzinfo is None else d.astimezone(UTC)


def held_out_size(n: int, fraction: float) -> int:
    """How many of ``n`` records to hold out: at least one when asked for any, never all."""
    if fraction <= 0 or n < 2:
        return 0
    return min(n - 1, max(1, round(n * fraction)))


def split(
    records: Sequence[dict[str, Any]], test_split: float = 0.0, split_type: str = "random", seed: int = 42
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(train, test); each part keeps the input order, so a re-run gives identical files."""
    try:
        fraction = float(test_split)
    except (TypeError, ValueError):
        raise PanzaError(f"test_split={test_split!r} is not a number; use a fraction like 0.2") from None
    if not 0 <= fraction < 1:
        raise PanzaError(f"test_split={fraction} must be in [0, 1); e.g. test_split=0.2 holds out 20%")
    if split_type not in SPLIT_TYPES:
        raise PanzaError(f"split_type={split_type!r} is unknown; use one of: {', '.join(SPLIT_TYPES)}")
    n_test = held_out_size(len(records), fraction)
    order = list(range(len(records)))
    if split_type == "random":
        random.Random(seed).shuffle(order)
        held = set(order[:n_test])
    else:
        oldest = datetime.min.replace(tzinfo=UTC)
        order.sort(key=lambda i: (parse_date(records[i].get("date")) or oldest, i))
        held = set(order[len(order) - n_test :]) if n_test else set()
    train = [r for i, r in enumerate(records) if i not in held]
    test = [r for i, r in enumerate(records) if i in held]
    return train, test


def write_split(
    out_dir: str | Path, train: Sequence[dict[str, Any]], test: Sequence[dict[str, Any]]
) -> tuple[Path, Path]:
    """Atomically write train.jsonl and test.jsonl (empty when there is no test set)."""
    out = Path(out_dir)
    train_path, test_path = out / "train.jsonl", out / "test.jsonl"
    write_jsonl(test_path, test)
    write_jsonl(train_path, train)
    return train_path, test_path
