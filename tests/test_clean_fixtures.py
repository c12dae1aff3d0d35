"""Run extract_reply over every case in tests/fixtures/clean/ (one file per case) and measure exact match.

Fixture format: `=== body ===`, `=== text ===` and an optional `=== meta ===` JSON line with any of
{"forward": bool, "thread": int, "user_names": [str]}. Bodies are read with newline="" so CRLF cases stay
CRLF.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from panza.clean import extract_reply

FIXTURES = Path(__file__).parent / "fixtures" / "clean"
_SECTION = re.compile(r"^=== (body|text|meta) ===\r?\n", re.MULTILINE)


@dataclass(frozen=True)
class Case:
    name: str
    body: str
    text: str
    meta: dict


def load_case(path: Path) -> Case:
    with path.open(encoding="utf-8", newline="") as f:
        raw = f.read()
    parts = _SECTION.split(raw)
    sections = dict(zip(parts[1::2], parts[2::2], strict=True))
    meta = json.loads(sections["meta"]) if sections.get("meta", "").strip() else {}
    text = sections["text"].replace("\r\n", "\n").strip("\n")
    return Case(path.stem, sections["body"], text, meta)


CASES = [load_case(p) for p in sorted(FIXTURES.glob("*.txt"))]


def _check(case: Case) -> list[str]:
    """Mismatches between extract_reply's result and the fixture's expectations (empty = exact)."""
    reply = extract_reply(case.body, user_names=case.meta.get("user_names", ()))
    problems = []
    if reply.text != case.text:
        problems.append(f"text:\n--- got ---\n{reply.text}\n--- want ---\n{case.text}")
    if "forward" in case.meta and reply.forward != case.meta["forward"]:
        problems.append(f"forward: got {reply.forward}, want {case.meta['forward']}")
    if "thread" in case.meta and len(reply.thread) != case.meta["thread"]:
        problems.append(
            f"thread: got {len(reply.thread)} entries {reply.thread!r}, want {case.meta['thread']}"
        )
    return problems


def test_fixture_set_is_broad() -> None:
    assert len(CASES) >= 80
    langs = {c.name.split("_", 1)[0] for c in CASES}
    for lang in [
        "en",
        "de",
        "fr",
        "es",
        "it",
        "pt",
        "nl",
        "sv",
        "da",
        "no",
        "fi",
        "pl",
        "cs",
        "ru",
        "uk",
        "ja",
        "zh",
        "ko",
    ]:
        assert lang in langs, f"no fixture for {lang}"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_fixture(case: Case) -> None:
    problems = _check(case)
    assert not problems, "\n".join(problems)


def test_fixture_accuracy() -> None:
    exact = sum(not _check(c) for c in CASES)
    accuracy = exact / len(CASES)
    print(f"\nclean fixtures: {exact}/{len(CASES)} exact ({accuracy:.1%})")
    assert accuracy >= 0.95


def test_thread_entries_are_cleaned() -> None:
    """No thread entry may keep a header block, attribution line, banner or `>` quote of its own."""
    from panza.clean.attribution import attribution_start, header_block_end, is_header_key_line
    from panza.clean.forward import is_forward_marker

    dirty = []
    for case in CASES:
        for entry in extract_reply(case.body, user_names=case.meta.get("user_names", ())).thread:
            lines = entry.split("\n")
            if (
                any(is_header_key_line(line) for line in lines[:3])
                or header_block_end(lines, 0) > 0
                or attribution_start(lines, 0)[1]
                or is_forward_marker(lines[0])
                or any(line.startswith(">") for line in lines)
            ):
                dirty.append((case.name, lines[0]))
    assert not dirty, dirty
