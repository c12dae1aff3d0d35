"""Exports of a trained model, one module per step behind ``panza export <step>``.

A step is a module with ``run(checkpoint, cfg) -> Path`` (the written file or folder). Adding an
export (GGUF, Ollama) is one module and one line in :data:`STEPS`.
"""

# step name -> module; imported only when that step runs
STEPS: dict[str, str] = {
    "merged": "panza.export.merge",
    "gguf": "panza.export.gguf",
}
