"""JSONL reading and atomic writing, and the file-system guards every stage shares.

A killed run never leaves a half-written file behind; an OS error (full disk, read-only mount, a file
where a folder should be) is one line naming the path and the fix; an output never overwrites an
input; two runs never write one data folder at once; files are created private (0600, folders 0700).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any

from panza.errors import PanzaError, os_error

TMP_SUFFIX = ".tmp"  # every temporary file or folder a stage writes ends so, beside its destination
LOCK_NAME = ".panza.lock"
# errors of a write into our own temporary file (they carry no file name when raised by fh.write)
_WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EROFS, errno.EFBIG})


def make_dirs(folder: str | Path) -> Path:
    """``mkdir -p`` with private new folders (0700); an OS error becomes one line naming the folder."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except FileExistsError:
        raise PanzaError(f"{folder}: is a file where a folder is needed; move it or choose another path") from None
    except OSError as e:
        raise os_error(e, e.filename or folder, "create the folder") from None
    return folder


def check_writable(path: str | Path) -> Path:
    """Fail before any work when ``path`` cannot become a file: a folder by that name, a parent that
    is a file, a read-only or unwritable folder. Cheap, so every stage checks all its outputs up front."""
    path = Path(path)
    if path.is_dir():
        raise PanzaError(f"{path}: is a folder where the output file goes; move it or choose another path")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise PanzaError(f"{parent}: is a file, not a folder; choose another output folder")
            if not os.access(parent, os.W_OK | os.X_OK):
                ro = _read_only(parent)
                fix = "the file system is read-only; choose a writable folder" if ro else (
                    "permission denied; fix its permissions or choose another folder")
                raise PanzaError(f"{parent}: cannot write there: {fix}")
            break
    return path


def _read_only(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False


@contextmanager
def atomic_open(path: str | Path, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO[Any]]:
    """Write to a private temporary file beside ``path`` and rename it into place on success.

    The file is created 0600 (mkstemp) and keeps that mode; any OS error of the write becomes a
    ``PanzaError`` naming ``path`` and the fix, and the temporary file is removed.
    """
    path = Path(path)
    check_writable(path)
    make_dirs(path.parent)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TMP_SUFFIX, dir=path.parent)
    except OSError as e:
        raise os_error(e, path, "write") from None
    try:
        kwargs = {"encoding": encoding} if "b" not in mode else {}
        with os.fdopen(fd, mode, **kwargs) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(e, OSError) and (e.filename in (None, tmp, str(path)) or e.errno in _WRITE_ERRNOS):
            raise os_error(e, path, "write") from None
        raise


def write_jsonl(path: str | Path, records: Iterable[dict[str, Any]]) -> int:
    """Atomically write ``records`` as JSON lines; returns how many were written."""
    n = 0
    with atomic_open(path) as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
            n += 1
    return n


def read_jsonl(path: str | Path, *, objects: bool = True) -> list[dict[str, Any]]:
    """Read a JSONL file; a bad line (not JSON, not an object, not UTF-8) is reported as file:line."""
    path = Path(path)
    if not path.is_file():
        raise PanzaError(f"{path}: no such file; check the path (or run the step that creates it)")
    out: list[dict[str, Any]] = []
    try:
        fh = path.open("rb")
    except OSError as e:
        raise os_error(e, path, "read") from None
    with fh:
        for i, raw in enumerate(fh, 1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise PanzaError(
                    f"{path}:{i}: not UTF-8 text (byte {raw[e.start]:#04x} at column {e.start + 1}); "
                    "re-save the file as UTF-8 or remove that line"
                ) from None
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as e:
                raise PanzaError(f"{path}:{i}: not valid JSON ({e.msg}); fix or remove that line") from None
            if objects and not isinstance(rec, dict):
                raise PanzaError(
                    f"{path}:{i}: a JSON {type(rec).__name__}, not an object; each line must be one "
                    '{"email": ...} record: fix or remove that line'
                )
            out.append(rec)
    return out


def append_jsonl(fh: IO[str], record: dict[str, Any]) -> None:
    """Append one record and flush, so an interrupted run keeps everything already written."""
    fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    fh.flush()


# ---- inputs versus outputs -----------------------------------------------------------------------


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and os.path.samefile(a, b))
    except OSError:
        return False


def check_distinct(inputs: Sequence[tuple[str, str | Path]], outputs: Sequence[str | Path]) -> None:
    """Refuse to start when an output would overwrite an input (``--mbox`` pointing at the clean file).

    ``inputs`` are ``(flag, path)`` pairs so the message names what the user typed. An input inside
    an output folder (``discarded/``, ``rag/``) is refused too, and so is an output written into a
    Maildir source, where every file is read as mail on the next run.
    """
    outs = [Path(o).expanduser() for o in outputs]
    for flag, src in inputs:
        sp = Path(src).expanduser()
        for out in outs:
            clash = _same(sp, out) or (out.is_dir() and _inside(sp, out))
            clash = clash or (flag == "--maildir" and _inside(out, sp))
            if clash:
                raise PanzaError(
                    f"{flag} {src}: is also an output of this run ({out}) and would be overwritten; "
                    "point the source at the mail and --out at another folder"
                )


def _inside(child: Path, folder: Path) -> bool:
    try:
        return child.resolve().is_relative_to(folder.resolve())
    except OSError:
        return False


# ---- one run per data folder -----------------------------------------------------------------------


@contextmanager
def folder_lock(folder: str | Path, command: str) -> Iterator[Path]:
    """Hold ``<folder>/.panza.lock`` (flock via ``filelock``) for the whole run; a second run fails at once.

    The lock dies with its process (a SIGKILL frees it), so there is never a stale lock to remove by
    hand. Holding it also makes every leftover temporary file in the folder stale: those of a killed
    run are removed here, before any work.
    """
    from filelock import FileLock, Timeout

    folder = make_dirs(folder)
    lock = FileLock(str(folder / LOCK_NAME), timeout=0, mode=0o600)
    try:
        lock.acquire()
    except Timeout:
        raise PanzaError(
            f"{folder}: another panza run is using this data folder; wait for it to finish "
            "(or use another --out/--data folder)"
        ) from None
    except OSError as e:
        raise os_error(e, folder / LOCK_NAME, "lock the data folder") from None
    try:
        remove_stale_tmp(folder)
        yield folder
    finally:
        lock.release()


def remove_stale_tmp(folder: Path, depth: int = 2) -> list[Path]:
    """Remove the hidden ``.*.tmp`` files and folders a killed run left (call only under the lock)."""
    removed: list[Path] = []
    with contextlib.suppress(OSError):
        for p in folder.iterdir():
            if p.name.startswith(".") and p.name.endswith(TMP_SUFFIX):
                with contextlib.suppress(OSError):
                    shutil.rmtree(p) if p.is_dir() and not p.is_symlink() else p.unlink()
                    removed.append(p)
            elif depth > 1 and p.is_dir() and not p.is_symlink():
                removed += remove_stale_tmp(p, depth - 1)
    return removed
