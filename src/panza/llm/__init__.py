"""LLM backends behind one interface (see :mod:`panza.llm.base`); light to import (no torch)."""

from panza.llm.base import BACKENDS, LLM, Sampling, load_llm

__all__ = ["BACKENDS", "LLM", "Sampling", "load_llm"]
