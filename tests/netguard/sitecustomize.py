"""Network guard for every Python process the tests start (loaded through PYTHONPATH).

Privacy is the product: Panza must make no network call at run time. With PANZA_NETGUARD=1
any connection to a non-loopback address raises, so a test that triggers one fails loudly.
"""

import os

if os.environ.get("PANZA_NETGUARD") == "1":
    import ipaddress
    import socket

    class NetworkBlocked(OSError):
        """Raised for any connection that would leave the machine."""

    def _is_local(address: object) -> bool:
        if isinstance(address, tuple) and address:
            host = str(address[0])
        else:
            return isinstance(address, str | bytes)  # an AF_UNIX path is local
        if host in ("localhost", ""):
            return True
        try:
            return ipaddress.ip_address(host.split("%")[0]).is_loopback
        except ValueError:
            return False

    _connect = socket.socket.connect
    _connect_ex = socket.socket.connect_ex

    def _guarded_connect(self, address):  # type: ignore[no-untyped-def]
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address):
            raise NetworkBlocked(f"network call blocked by Panza's test guard: {address!r}")
        return _connect(self, address)

    def _guarded_connect_ex(self, address):  # type: ignore[no-untyped-def]
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address):
            raise NetworkBlocked(f"network call blocked by Panza's test guard: {address!r}")
        return _connect_ex(self, address)

    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
