"""Properties of extract_reply that must hold for any input, checked with hypothesis and on the fixtures."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from panza.clean import extract_reply, normalize_lines
from test_clean_fixtures import CASES

# Lines built from the pieces that drive the detectors, so hypothesis reaches the interesting branches.
_PIECES = st.sampled_from(
    [
        "> ",
        ">> ",
        "On Mon, Jan 8, 2024 at 10:02 AM Anna <anna@example.com> wrote:",
        "Am 08.01.2024 um 10:02 schrieb Anna:",
        "From: Anna <a@b.de>",
        "Sent: Monday",
        "To: Bob",
        "Subject: FW: x",
        "-----Original Message-----",
        "---------- Forwarded message ---------",
        "Begin forwarded message:",
        "-- ",
        "--",
        "Best,",
        "Marcus",
        "Sent from my iPhone",
        "Tel: +49 30 1234567",
        "CONFIDENTIALITY NOTICE: confidential, intended recipient only",
        "________________________________",
        "",
        "wrote:",
        "<",
        "\u00a0",
        "\u200b",
        "\r",
    ]
)
_LINE = st.lists(st.one_of(_PIECES, st.text(max_size=30)), max_size=4).map("".join)
_BODY = st.lists(_LINE, max_size=25).map("\n".join)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(), _BODY), st.lists(st.text(max_size=12), max_size=3))
def test_never_raises_and_only_keeps_input_lines(body: str, names: list[str]) -> None:
    reply = extract_reply(body, user_names=names)
    assert isinstance(reply.text, str) and isinstance(reply.thread, tuple)
    # Nothing is rewritten: every output line is a (normalized) input line.
    source = set(normalize_lines(body))
    for line in reply.text.split("\n"):
        assert line == "" or line in source
    assert not reply.text.startswith("\n") and not reply.text.endswith("\n")
    assert "\n\n\n" not in reply.text
    assert not (reply.forward and reply.text)


def test_clean_text_is_a_fixed_point() -> None:
    """The expected text of every fixture is already clean: extracting it again must not change it."""
    changed = []
    for case in CASES:
        if case.text:
            again = extract_reply(case.text, user_names=case.meta.get("user_names", ())).text
            if again != case.text:
                changed.append(case.name)
    assert not changed, f"re-extraction altered clean text of: {changed}"
