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
