"""RAG over the user's own emails: sentence embeddings in a FAISS index, records stored beside it."""

from panza.index.store import EmailIndex, document_text, record_id

__all__ = ["EmailIndex", "document_text", "record_id"]
