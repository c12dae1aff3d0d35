"""Data playback: one short instruction per email, written by a (small, local) summarizer LLM."""

from panza.playback.cache import PlaybackCache
from panza.playback.playback import (
    Playback,
    PlaybackSettings,
    PlaybackStats,
    cache_key,
    load_template,
    model_id,
)

__all__ = [
    "Playback",
    "PlaybackCache",
    "PlaybackSettings",
    "PlaybackStats",
    "cache_key",
    "load_template",
    "model_id",
]
