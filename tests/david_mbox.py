"""Turn ../shared/data/panza-david.jsonl (a real user's sent emails) into a sent-mail mbox.

The records carry only subject and text, so the headers are made up: David's address, a
recipient, a date a day apart and a Message-ID per record. Usable as a script too:
`python tests/david_mbox.py OUT.mbox [LIMIT]`.
"""

from __future__ import annotations

import json
import mailbox
import sys
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

ADDRESS = "david@panza-user.example"
SOURCE = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "panza-david.jsonl"


def build(out: Path, limit: int | None = None, source: Path = SOURCE) -> int:
    """Write the mbox; returns the number of messages."""
    lines = [json.loads(x) for x in source.read_text(encoding="utf-8").splitlines() if x.strip()]
    box = mailbox.mbox(str(out), create=True)
    start = datetime(2023, 1, 2, 9, 0, tzinfo=UTC)
    for i, rec in enumerate(lines[:limit]):
        msg = EmailMessage()
        msg["From"] = f"David <{ADDRESS}>"
        msg["To"] = f"contact{i}@example.org"
        # One record's subject ends in CRLF: left in, it ends the header block and its body starts
        # with the remaining headers (which then look like text David wrote).
        msg["Subject"] = " ".join((rec.get("subject") or "").split())
        msg["Date"] = format_datetime(start + timedelta(days=i, minutes=7 * i))
        msg["Message-ID"] = f"<david-{i:04d}@panza-user.example>"
        msg.set_content(rec["email"])
        box.add(msg)
    box.flush()
    box.close()
    return min(len(lines), limit or len(lines))


if __name__ == "__main__":
    n = build(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else None)
    print(f"{n} messages -> {sys.argv[1]}")
