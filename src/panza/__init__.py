"""Panza: a fully-local personal email assistant that writes in its user's style.

Importing the package stays cheap on purpose: torch, transformers, gradio and metric
libraries are imported only by the stages that need them.
"""

__version__ = "0.1.0"
