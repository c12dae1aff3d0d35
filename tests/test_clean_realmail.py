"""extract_reply on real mail: the 372 RFC822 messages and the 166 clean sent emails in ../shared/data."""

from __future__ import annotations

import email
import email.policy
import json
from pathlib import Path

from panza.clean import extract_reply, join_lines, normalize_lines


def _plain_bodies(folder: Path) -> list[tuple[str, str]]:
    out = []
    for path in sorted(folder.glob("*.eml")):
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        try:
            part = msg.get_body(preferencelist=("plain",))
            body = part.get_content() if part is not None else ""
        except (LookupError, KeyError, ValueError):  # undecodable charset/part: not this stage's concern
            continue
        if isinstance(body, str) and body.strip():
            out.append((path.name, body))
    return out


def test_real_mail_never_raises_and_keeps_unquoted_text(shared_data: Path) -> None:
    bodies = _plain_bodies(shared_data / "real-mail")
    assert len(bodies) > 300
    empty = []
    with_thread = 0
    for name, body in bodies:
        reply = extract_reply(body)
        with_thread += bool(reply.thread)
        has_own_lines = any(line and not line.startswith(">") for line in normalize_lines(body))
        if has_own_lines and not reply.text and not reply.forward:
            empty.append(name)
    assert not empty, f"own text lost in: {empty[:10]}"
    assert with_thread >= 50  # the corpus has many list replies; quotes must be found in them


def test_real_quote_styles(shared_data: Path) -> None:
    """Spot checks on real list replies: attribution wrapped over two lines, sig after `-- `."""
    bodies = dict(_plain_bodies(shared_data / "real-mail"))
    claws = bodies["notmuch__test_corpora_lkml_cur_1382298587.001887_2_.eml"]
    reply = extract_reply(claws)
    assert reply.text.startswith("Strong ACK")
    assert "wrote:" not in reply.text and "+0530" not in reply.text
    assert len(reply.thread) == 1

    sig = bodies["notmuch__test_corpora_default_foo_cur_08_2_.eml"]
    reply = extract_reply(sig)
    assert reply.text.endswith("It doesn't look like the patch is in git yet.\n\n-- Lars")
    assert reply.signature is not None and reply.signature.startswith("Lars Kellogg-Stedman")
    assert reply.thread == ("See the patch just posted here.",)


def test_clean_sent_emails_are_kept_verbatim(shared_data: Path) -> None:
    """166 real sent emails without quotes: the whole (normalized) body is the user's text, closings included."""
    rows = [json.loads(line) for line in (shared_data / "panza-david.jsonl").read_text().splitlines() if line]
    changed = [
        r["subject"]
        for r in rows
        if extract_reply(r["email"], user_names=["David"]).text != join_lines(normalize_lines(r["email"]))
    ]
    assert not changed, f"{len(changed)} clean emails altered, e.g. {changed[:5]}"
