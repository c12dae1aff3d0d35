"""``panza run``: prepare the chosen interface, build the one writer, hand it over."""

from __future__ import annotations

from omegaconf import DictConfig

from panza.interfaces import get
from panza.logs import setup_logging


def main(cfg: DictConfig) -> int:
    from panza.write.build import build_writer

    setup_logging()
    run = get(str((cfg.get("interfaces") or {}).get("name", ""))).prepare(cfg)
    return run(build_writer(cfg))
