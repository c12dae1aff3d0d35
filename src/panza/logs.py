"""Logging for the commands: one line per note on stderr, so stdout stays the command's output."""

from __future__ import annotations

import logging
import sys


def setup_logging() -> None:
    """Warnings and progress notes go to stderr, one line each; drafts own stdout."""
    root = logging.getLogger("panza")
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("panza: %(message)s"))
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        root.propagate = False


def quiet_libraries() -> None:
    """Silence library notes that are not the user's business, before any library is imported.

    bitsandbytes (imported by peft whenever it is installed) warns on each import, on AVX512-BF16
    CPUs, that an optional kernel package (fetched from a model hub) is missing: Panza never uses it.
    """
    logging.getLogger("bitsandbytes.backends.cpu.ops").setLevel(logging.ERROR)
