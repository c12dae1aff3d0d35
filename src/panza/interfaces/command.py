"""``panza run``: prepare the chosen interface, build the one writer, hand it over."""

from __future__ import annotations

import logging
import sys

from omegaconf import DictConfig

from panza.interfaces import get


def setup_logging() -> None:
    """Warnings and progress notes go to stderr, one line each; drafts own stdout."""
    root = logging.getLogger("panza")
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("panza: %(message)s"))
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        root.propagate = False


def main(cfg: DictConfig) -> int:
    from panza.write.build import build_writer

    setup_logging()
    run = get(str((cfg.get("interfaces") or {}).get("name", ""))).prepare(cfg)
    return run(build_writer(cfg))
