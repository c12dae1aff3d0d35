"""Opening the RAG index for the writer: optional, and never silently broken."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from panza.errors import PanzaError

log = logging.getLogger(__name__)


def open_index(rag_cfg: Any) -> Any | None:
    """The past-email index when ``writer.rag.enabled``; ``None`` (with one warning) when there is none.

    A missing index just means drafts without RAG (e.g. before ``panza prepare``); an index that
    exists but cannot be read is an error, because quietly dropping it would change the drafts.
    """
    if not rag_cfg or not rag_cfg.get("enabled", False):
        return None
    index_dir = Path(str(rag_cfg.get("index_dir"))).expanduser()
    if not index_dir.exists():
        log.warning(
            "no RAG index at %s: drafting without past emails (build it with `panza prepare`, "
            "or set writer.rag.enabled=false to silence this)",
            index_dir,
        )
        return None
    try:
        from panza.index import EmailIndex
    except ImportError:
        log.warning(
            "RAG is unavailable in this installation (panza.index cannot be imported): "
            "drafting without past emails"
        )
        return None
    try:
        return EmailIndex.load(index_dir)
    except PanzaError:
        raise
    except Exception as e:
        raise PanzaError(
            f"{index_dir}: the RAG index cannot be read ({type(e).__name__}: "
            f"{str(e).splitlines()[0] if str(e) else 'corrupt'}); rebuild it with `panza prepare` "
            "or set writer.rag.enabled=false"
        ) from None
