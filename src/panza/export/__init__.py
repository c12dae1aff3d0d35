"""Exporting trained models (``panza merge``): adapters folded into plain Hugging Face models."""
