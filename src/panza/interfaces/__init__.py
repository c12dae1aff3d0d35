"""Where people meet the writer: one module per interface behind ``panza run interfaces=<name>``.

An interface is a module with ``prepare(cfg) -> run`` where ``run(writer) -> int``: ``prepare`` does
the cheap checks (input files, keys) before the model is loaded, so a typo costs a second, and
``run`` gets the one :class:`panza.write.writer.PanzaWriter` every interface shares (same prompts,
same draft cleaning, streamed or not). Adding an interface is one module, one YAML file in
``configs/interfaces/`` and one line in :data:`INTERFACES`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, Protocol

from panza.errors import PanzaError

# interfaces.name -> module; imported only when that interface runs
INTERFACES: dict[str, str] = {
    "cli": "panza.interfaces.cli",
    "json": "panza.interfaces.batch",
    "web": "panza.interfaces.web",
    "gui": "panza.interfaces.gui",
}

Run = Callable[[Any], int]


class Interface(Protocol):
    def prepare(self, cfg: Any) -> Run:
        """Check the configuration and inputs; return what runs the interface with a writer."""
        ...


def get(name: str) -> Interface:
    if name not in INTERFACES:
        raise PanzaError(
            f"unknown interface {name!r}; choose one of: {', '.join(INTERFACES)} (interfaces=<name>)"
        )
    return importlib.import_module(INTERFACES[name])  # type: ignore[return-value]
