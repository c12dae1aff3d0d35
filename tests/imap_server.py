"""A throw-away Dovecot IMAP server on 127.0.0.1 for the IMAP tests (real server, real TLS).

Started from a generated config in a private temporary folder: a passwd-file test user, Maildir
mail under that folder, a self-signed certificate made with ``openssl``, ``imaps`` and plain
``imap`` (STARTTLS) listeners on free ports, and SPECIAL-USE flags on some mailboxes. The tests
skip with the reason when ``dovecot`` or ``openssl`` is not installed (``make imap-server``
installs them; CI does).
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

DOVECOT = shutil.which("dovecot") or ("/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").is_file() else None)
OPENSSL = shutil.which("openssl")
MISSING = (
    None
    if DOVECOT and OPENSSL
    else "dovecot or openssl not installed (make imap-server, or apt-get install dovecot-imapd openssl)"
)

USER = "jen@example.org"
PASSWORD = "s3cret-Pw-7f1c-qZ"  # unusual on purpose: the tests grep every output file for it


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Dovecot:
    root: Path
    imaps_port: int
    imap_port: int
    proc: subprocess.Popen | None = None

    @property
    def imaps_url(self) -> str:
        return f"imaps://{USER}@127.0.0.1:{self.imaps_port}"

    @property
    def imap_url(self) -> str:
        return f"imap://{USER}@127.0.0.1:{self.imap_port}"

    def client(self):  # type: ignore[no-untyped-def]
        """A logged-in imapclient connection (TLS, certificate not checked: it is self-signed)."""
        from imapclient import IMAPClient

        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        c = IMAPClient("127.0.0.1", port=self.imaps_port, ssl=True, ssl_context=ctx, timeout=10)
        c.login(USER, PASSWORD)
        return c

    def append(self, folder: str, messages: list[bytes]) -> None:
        c = self.client()
        try:
            for m in messages:
                c.append(folder, m, flags=(b"\\Seen",))
        finally:
            c.logout()

    def recreate(self, folder: str) -> None:
        """Delete and create ``folder`` again: the server gives it a new UIDVALIDITY."""
        c = self.client()
        try:
            c.delete_folder(folder)
            c.create_folder(folder)
        finally:
            c.logout()

    def uidvalidity(self, folder: str) -> int:
        c = self.client()
        try:
            return int(c.folder_status(folder, [b"UIDVALIDITY"])[b"UIDVALIDITY"])
        finally:
            c.logout()

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()  # the master stops its children and exits
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)


def _config(root: Path, imaps: int, imap: int, sent: str, drafts: str, special_use: bool) -> str:
    me = pwd.getpwuid(os.getuid()).pw_name
    if os.getuid() == 0:  # dovecot refuses mail access as root: the mail belongs to "nobody"
        mail_user = pwd.getpwnam("nobody")
        login_user = "dovenull" if _has_user("dovenull") else "nobody"
        internal_user = "dovecot" if _has_user("dovecot") else "nobody"
        internal_group = ""
    else:  # an ordinary user runs every dovecot process as itself
        mail_user = pwd.getpwuid(os.getuid())
        login_user = internal_user = me
        internal_group = f"default_internal_group = {grp.getgrgid(os.getgid()).gr_name}"
    sent_flag = "special_use = \\Sent" if special_use else ""
    drafts_flag = "special_use = \\Drafts" if special_use else ""
    return f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
ssl_min_protocol = TLSv1.2
auth_mechanisms = plain
disable_plaintext_auth = yes
default_login_user = {login_user}
default_internal_user = {internal_user}
{internal_group}
first_valid_uid = 1
mail_location = maildir:{root}/mail/%u
mailbox_idle_check_interval = 1 secs
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_user.pw_uid} gid={mail_user.pw_gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox "{sent}" {{
    auto = create
    {sent_flag}
  }}
  mailbox "{drafts}" {{
    auto = create
    {drafts_flag}
  }}
  mailbox Archive {{
    auto = create
  }}
}}
"""


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def start(sent: str = "Sent", drafts: str = "Drafts", special_use: bool = True) -> Dovecot:
    """Start a fresh server with mailboxes INBOX, ``sent``, ``drafts`` and Archive.

    With ``special_use`` the two carry the RFC 6154 flags ``\\Sent`` and ``\\Drafts``; without,
    a client can find them by name only.
    """
    assert DOVECOT and OPENSSL, MISSING
    root = Path(tempfile.mkdtemp(prefix="panza-dovecot-"))
    root.chmod(0o755)  # the mail and login users must reach their folders
    for sub in ("run", "state", "mail", "home"):
        (root / sub).mkdir()
    subprocess.run(
        [OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-keyout", str(root / "key.pem"), "-out", str(root / "cert.pem")],
        check=True, capture_output=True, timeout=60,
    )
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n", encoding="utf-8")
    if os.getuid() == 0:
        nobody = pwd.getpwnam("nobody")
        for sub in ("mail", "home"):
            os.chown(root / sub, nobody.pw_uid, nobody.pw_gid)
    server = Dovecot(root, _free_port(), _free_port())
    (root / "dovecot.conf").write_text(
        _config(root, server.imaps_port, server.imap_port, sent, drafts, special_use), encoding="utf-8"
    )
    server.proc = subprocess.Popen([DOVECOT, "-F", "-c", str(root / "dovecot.conf")],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            out = server.proc.stdout.read().decode(errors="replace") if server.proc.stdout else ""
            log = (root / "dovecot.log").read_text(errors="replace") if (root / "dovecot.log").exists() else ""
            raise RuntimeError(f"dovecot exited: {out}\n{log}")
        try:
            with socket.create_connection(("127.0.0.1", server.imaps_port), timeout=1):
                return server
        except OSError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError("dovecot did not start listening within 20 s")


def stop(server: Dovecot) -> None:
    server.stop()
    shutil.rmtree(server.root, ignore_errors=True)


def running(sent: str = "Sent", drafts: str = "Drafts", special_use: bool = True) -> Iterator[Dovecot]:
    """For a pytest fixture: ``yield from running(...)``."""
    server = start(sent, drafts, special_use)
    try:
        yield server
    finally:
        stop(server)
