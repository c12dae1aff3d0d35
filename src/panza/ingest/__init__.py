"""Ingestion: mail sources in, the user's own text out (``panza extract``).

``extract()`` is the library entry point (also used by ``panza prepare``); ``pipeline.main`` is
the CLI's. Heavy or slow imports (selectolax, py3langid, charset-normalizer) happen on first use.
"""

from panza.ingest.filters import REASONS
from panza.ingest.pipeline import ExtractResult, extract, extract_from_config
from panza.ingest.sources import Source, check_source

__all__ = ["REASONS", "ExtractResult", "Source", "check_source", "extract", "extract_from_config"]
