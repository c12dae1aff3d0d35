"""Hydra/OmegaConf configuration, composed like the original Panza.

Each command has a primary config (``panza_<stage>.yaml``) that pulls in ``base.yaml`` and the
groups it needs (``user=``, ``writer/llm=``, ``interfaces=``, ``finetuning=``); any key can be
overridden with ``key=value`` on the command line. We use Hydra's compose API rather than
``@hydra.main`` so the CLI can also offer plain shortcut flags and one-line errors.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from panza.errors import PanzaError

PRIMARY = {
    "extract": "panza_extract",
    "prepare": "panza_preparation",
    "run": "panza_writer",
    "draft": "panza_draft",
    "train": "panza_finetuning",
    "merge": "panza_export",
    "export": "panza_export",
    "eval": "panza_eval",
}


def config_dir() -> Path:
    """The shipped configs: ``panza/configs`` in a wheel, ``<repo>/configs`` in a checkout."""
    env = os.environ.get("PANZA_CONFIG_DIR")
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve().parent
    for cand in (here / "configs", here.parent.parent / "configs"):
        if (cand / "base.yaml").is_file():
            return cand
    raise PanzaError("Panza's configs/ folder was not found; reinstall Panza or set PANZA_CONFIG_DIR")


def _register_resolvers() -> None:
    if not OmegaConf.has_resolver("panza_configs"):
        OmegaConf.register_new_resolver("panza_configs", lambda: str(config_dir()))
    if not OmegaConf.has_resolver("panza_workspace"):
        OmegaConf.register_new_resolver("panza_workspace", lambda: str(workspace()))


def workspace(cwd: Path | None = None) -> Path:
    """Where relative ``data/`` and ``checkpoints/`` live, found as the original Panza found them.

    ``PANZA_WORKSPACE`` when set; the project root when run from a checkout's ``scripts/`` folder
    (the original's guide runs ``python runner.py …`` there); the current folder otherwise.
    """
    env = os.environ.get("PANZA_WORKSPACE")
    if env:
        return Path(env).expanduser()
    here = (cwd or Path.cwd()).resolve()
    if here.name == "scripts" and (here.parent / "configs" / "base.yaml").is_file():
        return here.parent
    return here


def parse_bool(value: Any) -> bool | None:
    """A config boolean: true/false, yes/no, on/off or 1/0 in any case; ``None`` when it is none of them."""
    if isinstance(value, bool):
        return value
    low = str(value).lower()
    if low in ("true", "1", "yes", "on"):
        return True
    if low in ("false", "0", "no", "off"):
        return False
    return None


def compose(command: str, overrides: list[str] | None = None) -> DictConfig:
    """Compose the config of ``command`` with Hydra-style ``overrides``; errors are one line.

    A composition is kept (unresolved, as JSON) in the cache folder, keyed by the command, the overrides and
    every config file's size and mtime: importing Hydra and composing cost ~0.25 s of every ``panza``
    start, reading the kept one ~0.01 s. Overrides that look like secrets are never kept.
    """
    _register_resolvers()
    overrides = list(overrides or [])
    key = _cache_key(command, overrides)
    cached = _load_cached(key)
    if cached is not None:
        return cached
    cfg = _hydra_compose(command, overrides)
    if not any(_SECRET_KEY.search(o.partition("=")[0]) for o in overrides):
        _store_cached(key, cfg)
    return cfg


CACHE_VERSION = 1
_SECRET_KEY = re.compile(r"pass|secret|token|api_?key|credential|auth", re.I)


def _cache_key(command: str, overrides: list[str]) -> str | None:
    """What a composition depends on; None (no caching) when the config files cannot be listed."""
    import hashlib
    import importlib.util
    import json

    try:
        root = config_dir()
        files = sorted(
            (str(p.relative_to(root)), st.st_mtime_ns, st.st_size)
            for p in root.rglob("*.yaml")
            if (st := p.stat())
        )
        spec = importlib.util.find_spec("hydra")  # a Hydra upgrade may compose differently
        hydra = os.stat(spec.origin).st_mtime_ns if spec and spec.origin else 0
    except (OSError, PanzaError, ValueError):
        return None
    blob = json.dumps([CACHE_VERSION, command, overrides, str(root), hydra, files])
    return hashlib.sha256(blob.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _cached_path(key: str) -> Path:
    return cache_dir() / "config" / f"{key}.json"


def _load_cached(key: str | None) -> DictConfig | None:
    if key is None:
        return None
    try:
        import json

        cfg = OmegaConf.create(json.loads(_cached_path(key).read_text(encoding="utf-8")))
    except Exception:  # absent, unreadable or damaged: compose again
        return None
    if not isinstance(cfg, DictConfig):
        return None
    OmegaConf.set_struct(cfg, False)
    return cfg


def _store_cached(key: str | None, cfg: DictConfig) -> None:
    """Atomically, private (0600); a cache that cannot be written is only slower."""
    if key is None:
        return
    import json
    import tempfile

    path = _cached_path(key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:  # JSON: PyYAML's loader took 5x longer
                json.dump(OmegaConf.to_container(cfg, resolve=False), fh)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        kept = sorted(path.parent.glob("*.json"), key=lambda p: p.stat().st_mtime)
        for old in kept[: max(0, len(kept) - 256)]:  # bounded: one file per distinct command line
            old.unlink(missing_ok=True)
    except (OSError, ValueError):
        pass


def _hydra_compose(command: str, overrides: list[str]) -> DictConfig:
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    try:
        with initialize_config_dir(config_dir=str(config_dir()), version_base=None):
            cfg = hydra_compose(config_name=PRIMARY[command], overrides=overrides)
    except HydraException as e:
        raise PanzaError(_hydra_message(e, overrides)) from None
    except OmegaConfBaseException as e:
        raise PanzaError(f"bad configuration override: {str(e).splitlines()[0]}") from None
    OmegaConf.set_struct(cfg, False)
    return cfg


def _hydra_message(e: Exception, overrides: list[str]) -> str:
    msg = str(e).splitlines()[0]
    m = re.search(r"Could not find '([^']+)'", msg)
    if m:
        group = m.group(1).rsplit("/", 1)[0]
        options = available(group)
        if options:
            return f"unknown choice '{m.group(1)}'; available for {group}=: {', '.join(options)}"
    return f"{msg} (overrides: {' '.join(overrides) or 'none'})"


def available(group: str) -> list[str]:
    """The choices of a config group, e.g. ``available('writer/llm')``."""
    d = config_dir() / group
    return sorted(p.stem for p in d.glob("*.yaml")) if d.is_dir() else []


def username(cfg: DictConfig) -> str:
    """The user's name for file names: configured, else the local part of their address."""
    name = cfg.user.get("username")
    if not name:
        addrs = emails(cfg)
        name = addrs[0].split("@", 1)[0] if addrs else "panza"
    return re.sub(r"[^A-Za-z0-9._-]+", "_", str(name)) or "panza"


def emails(cfg: DictConfig) -> list[str]:
    """The user's address followed by its aliases, lower-cased, without duplicates."""
    out: list[str] = []
    for a in [cfg.user.get("email_address"), *(cfg.user.get("aliases") or [])]:
        if a and str(a).strip().lower() not in out:
            out.append(str(a).strip().lower())
    return out


def data_dir(cfg: DictConfig) -> Path:
    return Path(str(cfg.user.data_dir)).expanduser()


def cache_dir(cfg: DictConfig | None = None) -> Path:
    """Where converted models and other derived artefacts are kept between runs."""
    if cfg is not None and cfg.get("cache_dir"):
        return Path(str(cfg.cache_dir)).expanduser()
    env = os.environ.get("PANZA_CACHE_DIR")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "panza"


def to_dict(cfg: DictConfig) -> dict[str, Any]:
    return OmegaConf.to_container(cfg, resolve=True)  # type: ignore[return-value]
