"""Clean stage: from a decoded sent-mail body, extract exactly the text the user wrote.

See `panza.clean.reply` for the contract (thread order: most recent quoted message first).
"""

from panza.clean.reply import Reply, extract_reply
from panza.clean.text import join_lines, normalize_lines

__all__ = ["Reply", "extract_reply", "join_lines", "normalize_lines"]
