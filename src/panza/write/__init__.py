"""The writer: instruction (+ thread, + RAG) -> prompt -> cleaned draft, the same for every interface."""
