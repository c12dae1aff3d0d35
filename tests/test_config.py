"""Configuration composes like the original Panza and overrides change what they say."""

from __future__ import annotations

import subprocess

import pytest

from panza.config import available, compose, emails, username
from panza.errors import PanzaError


def test_extract_config_defaults_and_override() -> None:
    cfg = compose("extract", ["ingest.min_words=5"])
    assert cfg.ingest.min_words == 5
    assert cfg.ingest.any_sender is False
    assert cfg.seed == 42


def test_user_group_selects_user_file() -> None:
    cfg = compose("extract", ["user=jen"])
    assert username(cfg) == "jen"
    assert emails(cfg)[0] == "jen.weber@lindenmail.example"
    assert "jweber@hafencity-planung.example" in emails(cfg)  # aliases are lower-cased


def test_username_falls_back_to_address_local_part() -> None:
    cfg = compose("extract", ["user.email_address=Ada.L@Example.org"])
    assert username(cfg) == "ada.l"


def test_unknown_group_choice_is_one_line_error_with_choices() -> None:
    with pytest.raises(PanzaError) as e:
        compose("extract", ["user=nobody_like_this"])
    msg = str(e.value)
    assert "\n" not in msg
    assert "jen" in msg and "default" in msg


def test_groups_listing() -> None:
    assert {"default", "jen"} <= set(available("user"))


def test_cli_rejects_stray_argument(panza_cmd: list[str]) -> None:
    r = subprocess.run([*panza_cmd, "extract", "oops"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert "key=value" in r.stderr
    assert "Traceback" not in r.stderr


def test_composition_is_cached_and_invalidated_by_a_config_change(tmp_path, monkeypatch) -> None:
    """A second start reads the kept composition (no Hydra import); editing a config file composes again."""
    import os
    import shutil
    import sys

    from panza import config

    confs = tmp_path / "configs"
    shutil.copytree(config.config_dir(), confs)
    env = {**os.environ, "PANZA_CONFIG_DIR": str(confs), "PANZA_CACHE_DIR": str(tmp_path / "cache")}
    probe = (
        "import sys; from panza.config import compose; c = compose('extract', ['ingest.min_words=3']); "
        "print(c.ingest.min_words, c.ingest.workers, 'hydra' in sys.modules)"
    )

    def run() -> str:
        return subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True).stdout

    first = run()
    assert first.endswith("True\n")  # composed by Hydra
    kept = list((tmp_path / "cache" / "config").glob("*.json"))
    assert len(kept) == 1 and kept[0].stat().st_mode & 0o077 == 0
    assert run() == first.replace("True", "False")  # same config, Hydra never imported
    ingest = confs / "ingest" / "default.yaml"
    ingest.write_text(ingest.read_text().replace("workers:", "workers: 1 #", 1))
    assert run().split() == ["3", "1", "True"]  # the edit is seen


def test_secret_overrides_are_never_cached(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PANZA_CACHE_DIR", str(tmp_path / "cache"))
    cfg = compose("run", ["+writer.llm.api_key=sk-very-secret"])
    assert cfg.writer.llm.api_key == "sk-very-secret"
    folder = tmp_path / "cache" / "config"
    assert not folder.exists() or not any("sk-very-secret" in p.read_text() for p in folder.iterdir())
