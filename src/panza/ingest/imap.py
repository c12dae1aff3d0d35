"""IMAP: the user's live mailbox as a mail source, synced incrementally into a local mirror.

``panza extract --imap imaps://user@host[:port]`` copies the Sent folder's messages, untouched,
into ``<data_dir>/imap/<account>/<folder>/<UIDVALIDITY>/<UID>.eml``; that mirror is then read
like any folder of ``.eml`` files, so IMAP mail goes through the same pipeline, dedupe and
discard files as every other source. ``imap_state.json`` beside it remembers UIDVALIDITY and
the last UID fetched per folder, so the next run fetches only new messages; each message is on
disk (atomically) before the state names it, so an interrupted run resumes where it stopped.
When the server's UIDVALIDITY changes, UIDs mean other messages: the folder is fetched again
from scratch and the old mirror removed.

The password is read from ``PANZA_IMAP_PASSWORD`` or the system keyring, at connect time only;
it is never put into a config, a log, an error or a file. TLS is verified unless
``ingest.imap.verify_tls=false``; plain ``imap://`` upgrades with STARTTLS and goes without TLS
only to a loopback address.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import ssl
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from panza.errors import PanzaError
from panza.jsonl import atomic_open
from panza.net import is_loopback_host

log = logging.getLogger(__name__)

PASSWORD_ENV = "PANZA_IMAP_PASSWORD"
KEYRING_SERVICE = "panza-imap"
STATE_FILE = "imap_state.json"
MIRROR_DIR = "imap"
DEFAULT_PORTS = {"imaps": 993, "imap": 143}


@dataclass(frozen=True)
class ImapURL:
    """``imaps://user@host[:port][/folder]``: where to connect and as whom; never a password."""

    scheme: str
    user: str
    host: str
    port: int
    folder: str | None = None

    @property
    def account(self) -> str:
        return f"{self.user}@{self.host}:{self.port}"

    def __str__(self) -> str:
        return f"{self.scheme}://{self.account}" + (f"/{self.folder}" if self.folder else "")

    @property
    def slug(self) -> str:
        """A file-name-safe name for this account's mirror folder."""
        return _safe_name(f"{self.user}@{self.host}_{self.port}")


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9@._-]+", "_", text).strip("._") or "_"


def parse_url(url: str) -> ImapURL:
    """Parse and check an IMAP URL; a password in it is refused (it would end up in shell history)."""
    raw = str(url).strip()
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError as e:
        raise PanzaError(f"--imap {_redact(raw)}: not a valid URL ({e}); use imaps://user@host[:port]") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise PanzaError(
            f"--imap {_redact(raw)}: the URL must start with imaps:// (TLS) or imap:// (STARTTLS), "
            "e.g. imaps://me@example.org@imap.example.org"
        )
    if parts.password is not None:
        raise PanzaError(
            f"--imap {_redact(raw)}: do not put the password in the URL; "
            f"set {PASSWORD_ENV} or store it in the system keyring"
        )
    if not parts.username or not parts.hostname:
        raise PanzaError(f"--imap {_redact(raw)}: name the user and the server: {scheme}://user@host[:port]")
    folder = unquote(parts.path.lstrip("/")) or None
    return ImapURL(scheme, unquote(parts.username), parts.hostname, port or DEFAULT_PORTS[scheme], folder)


def _redact(url: str) -> str:
    """A URL as it may be shown: a password, if someone typed one, is replaced by ***."""
    return re.sub(r"(://[^/@:]*(?:@[^/@:]*)*?):[^/@]*@", r"\1:***@", url)


def password_for(url: ImapURL) -> str:
    """The password from ``PANZA_IMAP_PASSWORD``, else the system keyring (service ``panza-imap``)."""
    env = os.environ.get(PASSWORD_ENV)
    if env:
        return env
    try:
        import keyring  # optional: only when the user keeps the password there
    except ImportError:
        keyring = None
    if keyring is not None:
        for name in (url.account, f"{url.user}@{url.host}", url.user):
            try:
                value = keyring.get_password(KEYRING_SERVICE, name)
            except Exception:  # no usable keyring backend on this machine
                value = None
            if value:
                return value
    raise PanzaError(
        f"no password for {url.account}: set {PASSWORD_ENV} in the environment, or store it with "
        f"`keyring set {KEYRING_SERVICE} {url.account}`"
    )


@contextmanager
def connect(url: ImapURL, *, verify_tls: bool, timeout: float) -> Iterator[Any]:
    """A logged-in ``IMAPClient``, logged out on exit; every failure is one ``PanzaError`` line."""
    from imapclient import IMAPClient
    from imapclient.exceptions import IMAPClientError, LoginError

    password = password_for(url)
    ctx = ssl.create_default_context()
    if not verify_tls:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    where = f"{url.scheme}://{url.host}:{url.port}"
    client = None
    try:
        try:
            client = IMAPClient(url.host, port=url.port, ssl=url.scheme == "imaps", ssl_context=ctx, timeout=timeout)
            if url.scheme == "imap":
                if client.has_capability("STARTTLS"):
                    client.starttls(ctx)
                elif not is_loopback_host(url.host):
                    raise PanzaError(
                        f"{where}: the server offers no STARTTLS and would get the password in clear "
                        "text; use imaps:// (plain IMAP is allowed to a loopback address only)"
                    )
            if password.isascii():
                client.login(url.user, password)
            else:  # LOGIN is ASCII-only; SASL PLAIN carries UTF-8
                client.plain_login(url.user, password)
        except LoginError as e:
            raise PanzaError(
                f"{where}: login refused for {url.user} ({_server_text(e)}); check {PASSWORD_ENV} "
                "or the keyring entry"
            ) from None
        except ssl.SSLCertVerificationError as e:
            raise PanzaError(
                f"{where}: the server's TLS certificate is not trusted ({e.verify_message}); for a "
                "local server with a self-signed certificate set ingest.imap.verify_tls=false"
            ) from None
        except (TimeoutError, ssl.SSLError, OSError) as e:
            reason = e.strerror if isinstance(e, OSError) and e.strerror else (str(e) or type(e).__name__)
            raise PanzaError(f"{where}: cannot connect ({reason}); check the host, the port and that the server runs") from None
        except IMAPClientError as e:
            raise PanzaError(f"{where}: the server refused the session ({_server_text(e)})") from None
        yield client
    except (TimeoutError, ssl.SSLError, ConnectionError) as e:
        raise PanzaError(f"{where}: the connection broke ({e or type(e).__name__}); run again to resume") from None
    except IMAPClientError as e:
        raise PanzaError(f"{where}: the server answered with an error ({_server_text(e)})") from None
    finally:
        if client is not None:
            with suppress(Exception):
                client.logout()


def _server_text(e: Exception) -> str:
    text = str(e).strip()
    if text.startswith("b'") or text.startswith('b"'):
        text = text[2:-1]
    return text.splitlines()[0][:200] if text else type(e).__name__


# ------------------------------------------------------------------ folders


@dataclass(frozen=True)
class Folder:
    name: str
    found_by: str  # "configured", "special-use" or "name"


def _norm(name: str) -> str:
    return name.casefold().strip()


def find_folder(
    client: Any, role: str, names: Sequence[str], configured: str | None = None, *, url: ImapURL | None = None
) -> Folder:
    """The folder for ``role`` (``\\Sent`` or ``\\Drafts``): configured, else SPECIAL-USE, else a usual name.

    SPECIAL-USE (RFC 6154) flags come with LIST on servers that support it; the names are tried
    in the configured order, matched case-insensitively on the whole name and on its last part
    (``INBOX.Sent``, ``[Gmail]/Sent Mail``).
    """
    listed = [(tuple(f.decode() if isinstance(f, bytes) else str(f) for f in flags), name)
              for flags, _delim, name in client.list_folders()]
    selectable = [(flags, name) for flags, name in listed if "\\Noselect" not in flags and "\\NonExistent" not in flags]
    key = "sent_folder" if role == "\\Sent" else "drafts_folder"
    if configured:
        for _flags, name in selectable:
            if name == configured or _norm(name) == _norm(configured):
                return Folder(name, "configured")
        raise PanzaError(
            f"{url or 'IMAP'}: no folder named {configured!r} (ingest.imap.{key}); the server has: "
            + ", ".join(name for _f, name in selectable)
        )
    for flags, name in selectable:
        if role.casefold() in (f.casefold() for f in flags):
            return Folder(name, "special-use")
    for wanted in names:
        for _flags, name in selectable:
            last = re.split(r"[./]", name)[-1]
            if _norm(name) == _norm(wanted) or _norm(last) == _norm(wanted):
                return Folder(name, "name")
    raise PanzaError(
        f"{url or 'IMAP'}: no {role} folder found (neither a SPECIAL-USE flag nor a usual name); "
        f"name it with ingest.imap.{key}=NAME (folders: {', '.join(name for _f, name in selectable)})"
    )


# ------------------------------------------------------------------ incremental sync


@dataclass
class FolderSync:
    """What one sync of one folder did (the tests count ``fetched``)."""

    account: str
    folder: str
    found_by: str
    uidvalidity: int
    fetched: list[int] = field(default_factory=list)  # UIDs fetched by this run
    resynced: bool = False  # UIDVALIDITY changed: everything fetched again
    mirror: Path = Path()
    last_uid: int = 0
    messages: int = 0  # messages in the local mirror after the run


def _load_state(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        log.warning("%s is unreadable; fetching every IMAP folder again", path)
        return {}
    return state if isinstance(state, dict) else {}


def _save_state(path: Path, state: dict[str, Any]) -> None:
    with atomic_open(path) as fh:
        json.dump(state, fh, indent=1, sort_keys=True)


def sync_folder(
    client: Any,
    url: ImapURL,
    folder: Folder,
    out_dir: Path,
    *,
    batch: int,
    on_message: Callable[[int], None] | None = None,
) -> FolderSync:
    """Fetch the messages of ``folder`` newer than the last run into the mirror; update the state.

    ``out_dir`` holds ``imap_state.json`` and ``imap/``. ``on_message`` is called after each
    message is saved (tests use it to interrupt a run).
    """
    state_path = out_dir / STATE_FILE
    state = _load_state(state_path)
    key = f"{url.account}/{folder.name}"
    info = client.select_folder(folder.name, readonly=True)
    validity = int(info[b"UIDVALIDITY"])
    base = out_dir / MIRROR_DIR / url.slug / _safe_name(folder.name)
    saved = state.get(key) or {}
    resynced = bool(saved) and int(saved.get("uidvalidity", -1)) != validity
    last = int(saved.get("last_uid", 0)) if saved and not resynced else 0
    mirror = base / str(validity)
    mirror.mkdir(parents=True, exist_ok=True)
    if resynced:
        log.info("%s %s: UIDVALIDITY changed (%s -> %s): fetching the whole folder again",
                 url.account, folder.name, saved.get("uidvalidity"), validity)
    # "N:*" always matches the last message, even below N: keep only the new UIDs.
    uids = sorted(u for u in client.search(["UID", f"{last + 1}:*"]) if u > last)
    # after an interruption the messages saved since the last state write are on disk already
    todo = [u for u in uids if not (mirror / f"{u:010d}.eml").is_file()]
    result = FolderSync(url.account, folder.name, folder.found_by, validity, mirror=mirror, resynced=resynced)
    for start in range(0, len(todo), batch):
        chunk = todo[start : start + batch]
        data = client.fetch(chunk, ["BODY.PEEK[]"])
        for uid in chunk:
            body = (data.get(uid) or {}).get(b"BODY[]")
            if body is None:  # expunged between SEARCH and FETCH
                continue
            with atomic_open(mirror / f"{uid:010d}.eml", "wb") as fh:
                fh.write(body)
            result.fetched.append(uid)
            if on_message is not None:
                on_message(uid)
        last = max(last, chunk[-1])
        state[key] = {"uidvalidity": validity, "last_uid": last, "folder": folder.name, "account": url.account}
        _save_state(state_path, state)
    last = max([last, *uids])
    if state.get(key, {}).get("last_uid") != last or int(state[key].get("uidvalidity", -1)) != validity:
        state[key] = {"uidvalidity": validity, "last_uid": last, "folder": folder.name, "account": url.account}
        _save_state(state_path, state)
    for old in base.iterdir():  # the mirror of an earlier UIDVALIDITY names other messages
        if old.is_dir() and old.name != str(validity):
            shutil.rmtree(old, ignore_errors=True)
    result.last_uid = last
    result.messages = sum(1 for p in mirror.glob("*.eml"))
    return result


def options(cfg_imap: Any) -> dict[str, Any]:
    """The ``ingest.imap`` settings as plain values; their defaults live in configs/ingest/default.yaml only."""
    try:
        return {
            "verify_tls": _as_bool(cfg_imap["verify_tls"], "verify_tls"),
            "timeout": float(cfg_imap["timeout"]),
            "batch": max(1, int(cfg_imap["batch"])),
            "sent_folder": cfg_imap["sent_folder"] or None,
            "drafts_folder": cfg_imap["drafts_folder"] or None,
            "sent_names": [str(n) for n in (cfg_imap["sent_names"] or [])],
            "drafts_names": [str(n) for n in (cfg_imap["drafts_names"] or [])],
        }
    except KeyError as e:
        raise PanzaError(f"ingest.imap.{e.args[0]} is not set; configs/ingest/default.yaml has the default") from None
    except (TypeError, ValueError) as e:
        raise PanzaError(f"ingest.imap: a setting has the wrong type ({e}); see configs/ingest/default.yaml") from None


def _as_bool(value: Any, key: str) -> bool:
    from panza.config import parse_bool

    out = parse_bool(value)
    if out is None:
        raise PanzaError(f"ingest.imap.{key}={value!r}: use true or false")
    return out


def sync_accounts(urls: Iterable[str], cfg_imap: Any, out_dir: Path) -> list[FolderSync]:
    """Sync the Sent folder of every account; returns one :class:`FolderSync` per folder."""
    opts = options(cfg_imap)
    results: list[FolderSync] = []
    for raw in urls:
        url = parse_url(raw)
        with connect(url, verify_tls=opts["verify_tls"], timeout=opts["timeout"]) as client:
            folder = find_folder(client, "\\Sent", opts["sent_names"], url.folder or opts["sent_folder"], url=url)
            res = sync_folder(client, url, folder, out_dir, batch=opts["batch"])
        log.info(
            "imap %s: %s (found by %s): %d new message%s%s, %d in the local copy",
            url.account, folder.name, folder.found_by, len(res.fetched), "" if len(res.fetched) == 1 else "s",
            " (UIDVALIDITY changed: full resync)" if res.resynced else "", res.messages,
        )
        results.append(res)
    return results


# ------------------------------------------------------------------ messages by Message-ID, drafts

_SKIP_WHEN_SEARCHING = ("\\drafts", "\\trash", "\\junk", "\\noselect", "\\nonexistent")


def search_order(client: Any) -> list[str]:
    """Folders to look for a message in: INBOX first, then every other one but Drafts, Trash and Junk."""
    names = []
    for flags, _delim, name in client.list_folders():
        low = {(f.decode() if isinstance(f, bytes) else str(f)).casefold() for f in flags}
        if not low & set(_SKIP_WHEN_SEARCHING):
            names.append(name)
    return sorted(names, key=lambda n: (n.upper() != "INBOX",))


def normalize_message_id(value: str) -> str:
    """``<id@host>`` with its angle brackets, however the user typed it."""
    mid = str(value).strip()
    if not mid.startswith("<"):
        mid = f"<{mid}"
    if not mid.endswith(">"):
        mid = f"{mid}>"
    return mid


def find_message(client: Any, message_id: str, folders: Sequence[str]) -> tuple[str, int, bytes] | None:
    """``(folder, UID, raw bytes)`` of the first message with this Message-ID, or ``None``."""
    mid = normalize_message_id(message_id)
    for folder in folders:
        client.select_folder(folder, readonly=True)
        # SEARCH HEADER matches substrings: confirm the exact ID on the fetched message below
        for uid in sorted(client.search(["HEADER", "Message-ID", mid])):
            body = (client.fetch([uid], ["BODY.PEEK[]"]).get(uid) or {}).get(b"BODY[]")
            if body is not None and _message_id_of(body) == mid.lower():
                return folder, uid, body
    return None


def _message_id_of(raw: bytes) -> str | None:
    """The Message-ID of a fetched message, read as ingest reads it (a header block that a raw line break cut
    short is mended first, or the ID after the break would never match)."""
    from email.parser import BytesHeaderParser

    from panza.ingest.mime import repair_head

    value = BytesHeaderParser().parsebytes(repair_head(raw)).get("Message-ID")
    return str(value).strip().lower() if value else None


def append_draft(client: Any, folder: str, message: bytes) -> int | None:
    """APPEND ``message`` to ``folder`` flagged ``\\Draft`` (and ``\\Seen``); its UID when the server says."""
    response = client.append(folder, message, flags=(b"\\Draft", b"\\Seen"))
    text = response.decode(errors="replace") if isinstance(response, bytes) else str(response)
    m = re.search(r"APPENDUID\s+\d+\s+(\d+)", text)
    return int(m.group(1)) if m else None
