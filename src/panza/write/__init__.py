"""Drafting emails: the shared prompt builder, the writer and its interfaces (cli, json)."""
