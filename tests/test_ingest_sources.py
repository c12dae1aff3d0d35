"""Mail sources: the streaming mbox splitter, Maildir, .eml folders and path errors."""

from __future__ import annotations

import mailbox
import os
from pathlib import Path

import pytest

from panza.errors import PanzaError
from panza.ingest.sources import Source, check_source, iter_mbox, iter_source, size_of

FIXTURES = Path(__file__).parent / "fixtures" / "mime"


def _msg(i: int, body: str = "hello") -> bytes:
    return (f"From: a{i}@x.example\nSubject: m{i}\nMessage-ID: <{i}@x>\n\n{body}\n").encode()


def _mbox(tmp_path: Path, messages: list[bytes], name: str = "m.mbox") -> Path:
    p = tmp_path / name
    p.write_bytes(b"".join(b"From a@x Thu Nov 27 22:24:40 2026\n" + m + b"\n" for m in messages))
    return p


def test_mbox_split_matches_stdlib_mailbox(tmp_path: Path) -> None:
    msgs = [_msg(i, "line one\n\nline two " * (i + 1)) for i in range(30)]
    path = _mbox(tmp_path, msgs)
    ours = [data for data, _ in iter_mbox(path)]
    theirs = [m.as_bytes(unixfrom=False) for m in mailbox.mbox(path)]
    assert len(ours) == len(theirs) == 30
    assert ours == msgs


@pytest.mark.parametrize("block", [7, 64, 1 << 20])
def test_mbox_block_size_does_not_change_the_split(tmp_path: Path, block: int) -> None:
    """Separators straddling read boundaries are found whatever the block size."""
    msgs = [_msg(i, "x" * (i * 13)) for i in range(25)]
    path = _mbox(tmp_path, msgs)
    got = list(iter_mbox(path, block=block))
    assert [d for d, _ in got] == msgs
    assert sum(used for _, used in got) == path.stat().st_size


def test_mbox_is_streamed_not_loaded(tmp_path: Path) -> None:
    """The first message arrives after reading one block, not the whole file."""
    msgs = [_msg(i, "y" * 500) for i in range(2000)]
    path = _mbox(tmp_path, msgs)
    it = iter_mbox(path, block=4096)
    first, used = next(it)
    assert first == msgs[0]
    assert used <= 4096 < path.stat().st_size // 100
    it.close()


def test_mboxrd_from_unescaping(tmp_path: Path) -> None:
    body = b"From: x@y\nSubject: s\n\n>From here on\n>>From quoted\nFrom the start\n"
    path = tmp_path / "rd.mbox"
    path.write_bytes(
        b"From x@y Thu Nov 27 22:24:40 2026\n" + body.replace(b"\nFrom the", b"\n>From the") + b"\n"
    )
    [(data, _)] = list(iter_mbox(path))
    assert b"\nFrom here on\n>From quoted\nFrom the start\n" in data


def test_body_from_line_after_text_is_not_a_separator(tmp_path: Path) -> None:
    """An unescaped 'From ' inside a paragraph (no blank line before, no time) stays in the body."""
    path = tmp_path / "o.mbox"
    path.write_bytes(
        b"From a@x Thu Nov 27 22:24:40 2026\nSubject: s\n\nline\nFrom me to you\nend\n\n"
        b"From b@x Thu Nov 27 22:24:41 2026\nSubject: t\n\nsecond\n"
    )
    got = [d for d, _ in iter_mbox(path)]
    assert len(got) == 2
    assert b"From me to you" in got[0]


def test_truncated_last_message_is_yielded(tmp_path: Path) -> None:
    path = _mbox(tmp_path, [_msg(1), _msg(2)])
    data = path.read_bytes()
    path.write_bytes(data + b"From a@x Thu Nov 27 22:24:40 2026\nFrom: cut@x\nSubj")
    got = [d for d, _ in iter_mbox(path)]
    assert len(got) == 3
    assert got[2] == b"From: cut@x\nSubj"


def test_crlf_mbox(tmp_path: Path) -> None:
    msgs = [_msg(i).replace(b"\n", b"\r\n") for i in range(3)]
    path = tmp_path / "crlf.mbox"
    path.write_bytes(b"".join(b"From a@x Thu Nov 27 22:24:40 2026\r\n" + m + b"\r\n" for m in msgs))
    got = [d for d, _ in iter_mbox(path)]
    assert got == msgs


def test_empty_mbox_yields_nothing(tmp_path: Path) -> None:
    path = tmp_path / "empty.mbox"
    path.write_bytes(b"")
    assert list(iter_mbox(path)) == []


def test_maildir_reads_cur_and_new(tmp_path: Path) -> None:
    md = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (md / sub).mkdir(parents=True)
    (md / "cur" / "1:2,S").write_bytes(_msg(1))
    (md / "new" / "2").write_bytes(_msg(2))
    (md / "tmp" / "3").write_bytes(_msg(3))  # being delivered: not a message yet
    src = check_source("maildir", md)
    got = [raw.data for raw, _ in iter_source(src)]
    assert got == [_msg(1), _msg(2)]
    assert size_of(src) == len(_msg(1)) + len(_msg(2))


def test_eml_dir_is_recursive_and_sorted(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "z.eml").write_bytes(_msg(1))
    (tmp_path / "a" / "b" / "y.EML").write_bytes(_msg(2))
    (tmp_path / "a" / "notes.txt").write_bytes(b"not mail")
    got = [(Path(raw.source).name, raw.data) for raw, _ in iter_source(Source("eml_dir", tmp_path))]
    assert got == [("y.EML", _msg(2)), ("z.eml", _msg(1))]


@pytest.mark.parametrize(
    ("kind", "make", "needle"),
    [
        ("mbox", lambda p: p, "no such file"),
        ("mbox", lambda p: (p.mkdir(), p)[1], "is a folder"),
        ("maildir", lambda p: (p.write_bytes(b"x"), p)[1], "is a file"),
        ("maildir", lambda p: (p.mkdir(), p)[1], "not a Maildir"),
        ("eml_dir", lambda p: p, "no such file"),
    ],
)
def test_bad_paths_are_one_line_errors(tmp_path: Path, kind: str, make, needle: str) -> None:
    path = make(tmp_path / "thing")
    with pytest.raises(PanzaError) as e:
        check_source(kind, path)  # type: ignore[arg-type]
    assert needle in str(e.value)
    assert str(path) in str(e.value)
    assert "\n" not in str(e.value)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read files without read permission")
def test_unreadable_mbox_is_an_error(tmp_path: Path) -> None:
    p = tmp_path / "locked.mbox"
    p.write_bytes(_msg(1))
    p.chmod(0)
    with pytest.raises(PanzaError, match="permission"):
        check_source("mbox", p)
