"""Sentence embeddings for RAG: a thin adapter around sentence-transformers.

Vectors are L2-normalised float32 so FAISS inner product is cosine similarity and one threshold
(e.g. 0.95 for near-duplicates) means the same thing for every model.
"""

from __future__ import annotations

from typing import Any

from panza.errors import PanzaError

EMBEDDED = "embedded"


def resolve(name: str | None) -> str:
    """``embedded`` (or empty) -> the packaged all-MiniLM-L6-v2 folder; ids and paths pass through."""
    if not name or str(name).strip().lower() == EMBEDDED:
        from panza.models.embedded import embedding_model_path

        return embedding_model_path()
    return str(name)


class Embedder:
    """``encode(texts) -> (n, dim) float32`` unit vectors."""

    def __init__(
        self, name: str | None = EMBEDDED, *, batch_size: int = 64, device: str | None = None
    ) -> None:
        self.name = str(name or EMBEDDED)
        self.path = resolve(self.name)
        self.batch_size = batch_size
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise PanzaError("RAG needs sentence-transformers: pip install sentence-transformers") from None
        try:
            self.model = SentenceTransformer(self.path, device=device or "cpu")
        except (OSError, ValueError) as e:
            raise PanzaError(
                f"cannot load the embedding model {self.name!r} ({str(e).splitlines()[0]}); "
                "fix index.embedding_model (a local folder, or 'embedded')"
            ) from None
        getdim = (
            getattr(self.model, "get_embedding_dimension", None)
            or self.model.get_sentence_embedding_dimension
        )
        self.dim = int(getdim())

    def encode(self, texts: list[str], progress: bool | None = None) -> Any:
        """Unit vectors; a progress bar shows by default for large inputs (minutes on a laptop CPU)."""
        import numpy as np

        if not texts:
            return np.zeros((0, self.dim), dtype="float32")
        vecs = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=len(texts) > 500 if progress is None else progress,
        )
        return np.ascontiguousarray(vecs, dtype="float32")
