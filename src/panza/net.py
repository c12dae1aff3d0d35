"""Is a host this machine? One answer for the web server's bind warning, IMAP's plaintext rule and the
LLM endpoint warning: the privacy promise is the same in all three."""

from __future__ import annotations

import ipaddress


def is_loopback_host(host: str) -> bool:
    """localhost (and ``*.localhost``, RFC 6761), 127.0.0.0/8 or ::1. Other names are not resolved: a
    name that points here today may not tomorrow, so it counts as remote."""
    host = host.strip("[]").lower()
    if host in ("localhost", "localhost.localdomain") or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
