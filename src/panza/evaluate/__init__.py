"""Evaluation of drafts against the user's real emails (BLEU, ROUGE)."""
