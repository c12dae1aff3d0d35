"""The stable `panza extract` contract, through the real command in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures" / "mime"
ME = "alex@example.com"
TEXT = (
    "Hi Maria,\n\nthanks for the revised plan. I looked at the numbers and they make sense to me, "
    "so let us go ahead with phase {n}.\n\nBest,\nAlex"
)


def mail(n: int, frm: str = ME) -> bytes:
    return (
        f"From: {frm}\nTo: maria@partner.example\nSubject: s{n}\nMessage-ID: <{n}@x>\n"
        f"Date: Tue, 05 Mar 2024 10:15:00 +0100\n\n{TEXT.format(n=n)}\n"
    ).encode()


def write_mbox(path: Path, messages: list[bytes]) -> Path:
    path.write_bytes(b"".join(b"From x@y Tue Mar  5 10:15:00 2024\n" + m + b"\n" for m in messages))
    return path


def panza(cmd: list[str], args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PANZA_WORKSPACE": str(cwd)}
    return subprocess.run(
        [*cmd, "extract", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def outputs(out: Path) -> tuple[list[dict], list[dict]]:
    [clean] = list(out.glob("*_clean.jsonl"))
    kept = [json.loads(x) for x in clean.read_text().splitlines()]
    dropped = [
        json.loads(x) for p in sorted(out.rglob("*.jsonl")) if p != clean for x in p.read_text().splitlines()
    ]
    return kept, dropped


def test_contract_mbox_email_out(panza_cmd: list[str], tmp_path: Path) -> None:
    mbox = write_mbox(tmp_path / "sent.mbox", [mail(1), mail(2, "other@x.example"), mail(3), b"garbage\n"])
    out = tmp_path / "out"
    r = panza(panza_cmd, ["--mbox", str(mbox), "--email", ME, "--out", str(out)], tmp_path)
    assert r.returncode == 0, r.stderr
    kept, dropped = outputs(out)
    assert [k["message_id"] for k in kept] == ["<1@x>", "<3@x>"]
    assert sorted(d["reason"] for d in dropped) == ["broken", "other_sender"]
    assert len(kept) + len(dropped) == 4
    assert "kept" in r.stderr and "total" in r.stderr  # the summary table
    assert "Traceback" not in r.stderr


def test_contract_repeatable_sources_and_aliases(panza_cmd: list[str], tmp_path: Path) -> None:
    md = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (md / sub).mkdir(parents=True)
    (md / "cur" / "a:2,S").write_bytes(mail(10, "ALIAS@work.example"))
    (md / "new" / "b").write_bytes(mail(11))
    mbox1 = write_mbox(tmp_path / "one.mbox", [mail(12)])
    mbox2 = write_mbox(tmp_path / "two.mbox", [mail(13, "x@other.example"), mail(12)])
    out = tmp_path / "out"
    r = panza(
        panza_cmd,
        [
            "--mbox",
            str(mbox1),
            "--mbox",
            str(mbox2),
            "--maildir",
            str(md),
            "--eml-dir",
            str(FIXTURES),
            "--email",
            ME,
            "--email",
            "alias@work.example",
            "--out",
            str(out),
        ],
        tmp_path,
    )
    assert r.returncode == 0, r.stderr
    kept, dropped = outputs(out)
    n_input = 1 + 2 + 2 + len(list(FIXTURES.glob("*.eml")))
    assert len(kept) + len(dropped) == n_input
    ids = [k["message_id"] for k in kept]
    assert {"<10@x>", "<11@x>", "<12@x>"} <= set(ids)
    assert ids.count("<12@x>") == 1
    assert any(d["reason"] == "duplicate" and d["message_id"] == "<12@x>" for d in dropped)


def test_any_sender(panza_cmd: list[str], tmp_path: Path) -> None:
    mbox = write_mbox(tmp_path / "sent.mbox", [mail(1, "a@x.example"), mail(2, "b@y.example")])
    r = panza(panza_cmd, ["--mbox", str(mbox), "--any-sender", "--out", str(tmp_path / "o")], tmp_path)
    assert r.returncode == 0, r.stderr
    kept, dropped = outputs(tmp_path / "o")
    assert len(kept) == 2 and not dropped


@pytest.mark.parametrize(
    ("setup", "needle"),
    [
        (lambda t: ["--mbox", str(t / "missing.mbox"), "--email", ME], "no such file"),
        (lambda t: ["--mbox", str(t), "--email", ME], "is a folder"),
        (
            lambda t: ["--mbox", str((t / "e.mbox", (t / "e.mbox").write_bytes(b""))[0]), "--email", ME],
            "no messages found",
        ),
        (lambda t: ["--mbox", str(write_mbox(t / "m.mbox", [mail(1)]))], "no sender address"),
        (lambda t: ["--email", ME], "no mail to read"),
        (lambda t: ["--maildir", str(t), "--email", ME], "not a Maildir"),
    ],
)
def test_bad_input_is_one_clear_line(panza_cmd: list[str], tmp_path: Path, setup, needle: str) -> None:
    r = panza(panza_cmd, [*setup(tmp_path), "--out", str(tmp_path / "o")], tmp_path)
    assert r.returncode == 2
    assert needle in r.stderr
    assert "Traceback" not in r.stderr
    assert len([x for x in r.stderr.splitlines() if x.strip()]) == 1, r.stderr


def test_up_to_date_output_is_not_redone_unless_forced(panza_cmd: list[str], tmp_path: Path) -> None:
    mbox = write_mbox(tmp_path / "sent.mbox", [mail(1)])
    args = ["--mbox", str(mbox), "--email", ME, "--out", str(tmp_path / "o")]
    assert panza(panza_cmd, args, tmp_path).returncode == 0
    again = panza(panza_cmd, args, tmp_path)
    assert again.returncode == 0 and "up to date" in again.stderr
    forced = panza(panza_cmd, [*args, "ingest.force=true"], tmp_path)
    assert forced.returncode == 0 and "up to date" not in forced.stderr
    write_mbox(mbox, [mail(1), mail(2)])  # the source changed: extract again
    changed = panza(panza_cmd, args, tmp_path)
    assert "up to date" not in changed.stderr
    kept, _ = outputs(tmp_path / "o")
    assert len(kept) == 2
