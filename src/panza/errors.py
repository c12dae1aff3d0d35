"""One error type for everything a user can fix: the CLI prints it as one line, no traceback."""

from __future__ import annotations

import errno
import os


class PanzaError(Exception):
    """A problem the user can fix; the message names the file/record and what to do."""


# errno -> what the user can do about it; the one place OS errors become advice.
_FIXES: dict[int, str] = {
    errno.EACCES: "permission denied; fix the permissions or choose another folder",
    errno.EPERM: "operation not permitted; fix the permissions or choose another folder",
    errno.ENOSPC: "the disk is full; free some space (or choose a folder on another disk) and run again",
    errno.EDQUOT: "the disk quota is exceeded; free some space and run again",
    errno.EROFS: "the file system is read-only; choose a writable folder",
    errno.ENOTDIR: "a part of this path is a file, not a folder; choose another path or move the file",
    errno.EISDIR: "is a folder where a file is needed; choose another path or move the folder",
    errno.ENOENT: "no such file or folder; check the path",
    errno.EEXIST: "already exists; move it away or choose another path",
    errno.ENAMETOOLONG: "the name is too long; choose a shorter path",
    errno.EMFILE: "too many open files; raise the limit (ulimit -n) and run again",
    errno.EIO: "an input/output error (failing disk or unplugged drive); check the disk",
    errno.EXDEV: "cannot move across file systems; keep the output on one disk",
}


def os_error(err: OSError, path: object | None = None, doing: str = "") -> PanzaError:
    """An ``OSError`` as a one-line ``PanzaError`` naming the path and the fix.

    Every stage's writes go through this (``panza.jsonl.atomic_open`` and the CLI's last-resort
    handler), so a full disk, a read-only mount or a file where a folder should be reads the same
    everywhere: ``<path>: cannot <doing>: <what and the fix>``.
    """
    where = path if path is not None else (err.filename or "")
    fix = _FIXES.get(err.errno or -1) or (
        f"{err.strerror or os.strerror(err.errno) if err.errno else err}; check the path and the disk"
    )
    what = f"cannot {doing}: " if doing else ""
    return PanzaError(f"{where}: {what}{fix}" if where else f"{what}{fix}")
