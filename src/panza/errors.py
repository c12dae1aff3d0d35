"""One error type for everything a user can fix: the CLI prints it as one line, no traceback."""


class PanzaError(Exception):
    """A problem the user can fix; the message names the file/record and what to do."""
