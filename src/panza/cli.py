"""The ``panza`` command: one entry point, a subcommand per stage.

Shortcut flags (``--mbox``, ``--email``, ``--out``, ``--data`` …) are documented aliases for
config keys; everything else on the command line is a Hydra override (``key=value``,
``writer/llm=peft``). Errors a user can fix are printed as one line, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import re
import sys
from collections.abc import Callable

from omegaconf import DictConfig, OmegaConf

from panza.errors import PanzaError, os_error

# subcommand -> "module:function"; imported only when that command runs (keeps start-up fast).
COMMANDS: dict[str, tuple[str, str]] = {
    "extract": ("panza.ingest.pipeline:main", "ingest mail and keep exactly what the user wrote"),
    "prepare": ("panza.prepare:main", "extract, data playback, train/test split and RAG index"),
    "train": ("panza.train.trainer:main", "fine-tune a model on the prepared data (lora, rosa, full)"),
    "run": ("panza.interfaces.command:main", "draft emails through an interface (interfaces=cli, json, web or gui)"),
    "draft": ("panza.interfaces.mailbox:main",
              "draft a reply to a message of an IMAP mailbox into its Drafts folder (never sent)"),
    "export": ("panza.export.command:main", "export a trained model (panza export merged checkpoint=RUN)"),
    "merge": ("panza.export.command:merge_main", "merge a trained adapter into its base model (= export merged)"),
    "eval": ("panza.evaluate.command:main", "draft the test split with each system and write the evaluation report"),
}


def _add_source_flags(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("sources (repeatable; = ingest.mbox / ingest.maildir / ingest.eml_dir / ingest.takeout)")
    g.add_argument("--mbox", action="append", default=[], metavar="PATH", help="an mbox file")
    g.add_argument("--maildir", action="append", default=[], metavar="PATH", help="a Maildir folder")
    g.add_argument("--eml-dir", action="append", default=[], metavar="PATH", help="a folder of .eml files")
    g.add_argument("--takeout", action="append", default=[], metavar="PATH",
                   help="a Gmail Takeout mbox (keeps mail labelled Sent)")
    g.add_argument("--imap", action="append", default=[], metavar="URL",
                   help="an IMAP account, imaps://user@host[:port]: its Sent folder, synced incrementally; "
                   "password from PANZA_IMAP_PASSWORD or the keyring (= ingest.imap.accounts)")
    _add_email_flag(p)
    p.add_argument("--any-sender", action="store_true",
                   help="keep mail from any sender, for a Sent-only export (= ingest.any_sender=true)")
    p.add_argument("--out", metavar="DIR", help="output folder (= user.data_dir=DIR)")
    p.add_argument("--force", action="store_true",
                   help="redo the work and accept a result that keeps no email (= ingest.force=true)")


def _add_email_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--email", action="append", default=[], metavar="ADDR",
                   help="the user's address; repeat for aliases (= user.email_address, user.aliases)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="panza",
        description="Panza: a local email assistant that writes in your style. "
        "Any config key can be overridden as key=value (e.g. user=jen ingest.min_words=5).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name, (_, help_) in COMMANDS.items():
        p = sub.add_parser(name, help=help_, description=help_)
        if name in ("extract", "prepare"):
            _add_source_flags(p)
        if name == "prepare":
            p.add_argument("--test-split", type=float, metavar="F", help="fraction held out (= test_split=F)")
        if name == "export":
            from panza.export import STEPS

            p.add_argument("export_step", metavar="STEP", choices=sorted(STEPS),
                           help=f"what to export: {', '.join(sorted(STEPS))}")
        if name == "draft":
            p.add_argument("--imap", action="append", default=[], metavar="URL",
                           help="the mailbox, imaps://user@host[:port]; password from PANZA_IMAP_PASSWORD "
                           "or the keyring (= ingest.imap.accounts)")
            _add_email_flag(p)
            p.add_argument("--reply-to", metavar="MESSAGE-ID", help="the message to answer (= draft.reply_to)")
            p.add_argument("--jobs", metavar="FILE", help='many replies: a JSONL file of '
                           '{"reply_to": MESSAGE-ID, "instruction": TEXT} (= draft.jobs)')
            p.add_argument("--watch", action="store_true",
                           help="watch INBOX (IMAP IDLE, bounded by draft.watch.seconds / max_drafts) and draft a "
                           "reply to new mail that asks you something (= draft.watch.enabled=true)")
            p.epilog = 'the instruction is one quoted argument: panza draft --imap URL --reply-to ID "Say yes"'
        if name in ("run", "train", "merge", "export", "eval", "draft"):
            p.add_argument("--data", metavar="DIR", help="prepared data folder (= user.data_dir=DIR)")
        if name == "draft":
            p.add_argument("overrides", nargs="*", metavar='"INSTRUCTION" KEY=VALUE',
                           help="what the reply should say (one quoted argument), then config overrides")
        else:
            p.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="config overrides")
    return parser


def _apply_shortcuts(cfg: DictConfig, args: argparse.Namespace) -> None:
    def setkey(key: str, value: object) -> None:
        OmegaConf.update(cfg, key, value, force_add=True)

    for flag, key in (("mbox", "ingest.mbox"), ("maildir", "ingest.maildir"),
                      ("eml_dir", "ingest.eml_dir"), ("takeout", "ingest.takeout"),
                      ("imap", "ingest.imap.accounts")):
        vals = getattr(args, flag, None)
        if vals:
            setkey(key, list(vals))
    if getattr(args, "email", None):
        setkey("user.email_address", args.email[0])
        setkey("user.aliases", list(args.email[1:]))
    if getattr(args, "any_sender", False):
        setkey("ingest.any_sender", True)
    if getattr(args, "force", False):
        setkey("ingest.force", True)
    for flag in ("out", "data"):
        if getattr(args, flag, None):
            setkey("user.data_dir", getattr(args, flag))
    if getattr(args, "test_split", None) is not None:
        setkey("test_split", args.test_split)
    if getattr(args, "reply_to", None):
        setkey("draft.reply_to", args.reply_to)
    if getattr(args, "watch", False):
        setkey("draft.watch.enabled", True)
    if getattr(args, "jobs", None):
        setkey("draft.jobs", args.jobs)
    if getattr(args, "instruction", None):
        setkey("draft.instruction", args.instruction)
    if getattr(args, "export_step", None):
        setkey("export_step", args.export_step)
    if args.command in ("extract", "prepare"):
        _default_mailbox(cfg)


def _default_mailbox(cfg: DictConfig) -> None:
    """As in the original, ``<data_dir>/Sent.mbox`` is the mail when no source is given."""
    from panza.ingest.sources import KINDS
    from panza.layout import DataLayout

    ingest = cfg.get("ingest") or {}
    if any(ingest.get(k) for k in KINDS) or (ingest.get("imap") or {}).get("accounts"):
        return
    sent = DataLayout.from_config(cfg).sent_mbox
    if sent.is_file():
        OmegaConf.update(cfg, "ingest.mbox", [str(sent)], force_add=True)


def _repeated_to_list(overrides: list[str], key: str) -> list[str]:
    """``key=a key=b`` -> ``key=['a','b']``: Hydra keeps only the last of repeated keys (``panza eval``
    takes several ``checkpoint=`` runs)."""
    values = [o.split("=", 1)[1] for o in overrides if o.startswith(f"{key}=")]
    if len(values) < 2:
        return overrides
    rest = [o for o in overrides if not o.startswith(f"{key}=")]
    return [*rest, f"{key}=[" + ",".join("'" + v.replace("'", "\\'") + "'" for v in values) + "]"]


_OVERRIDE = re.compile(r"^(?:~[\w.@/-]+$|[~+]{0,2}[A-Za-z_][\w.@/-]*=)")  # key=value, +key=value, ~key


def _resolve(target: str) -> Callable[[DictConfig], int | None]:
    module, func = target.split(":")
    return getattr(importlib.import_module(module), func)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    from panza.logs import quiet_libraries

    quiet_libraries()
    parser = build_parser()
    # Overrides may stand before or after the flags, so collect what argparse leaves over.
    args, rest = parser.parse_known_args(argv)
    args.overrides = [*args.overrides, *rest]
    if args.command == "draft":  # the one argument that is not key=value is the instruction
        words = [o for o in args.overrides if not _OVERRIDE.match(o)]
        if len(words) > 1:
            parser.error(f"quote the instruction as one argument: {' '.join(words)!r}")
        args.instruction = words[0] if words else None
        args.overrides = [o for o in args.overrides if _OVERRIDE.match(o)]
    bad = [o for o in args.overrides if ("=" not in o and not o.startswith("~")) or o.startswith("-")]
    if bad:
        parser.error(f"unexpected argument {bad[0]!r}: flags are listed by --help, overrides look like key=value")
    from panza.config import compose

    if args.command == "eval":
        args.overrides = _repeated_to_list(args.overrides, "checkpoint")
    # Everything Panza derives from the user's mail is private: files 0600, folders 0700.
    old_umask = os.umask(0o077)
    try:
        cfg = compose(args.command, args.overrides)
        _apply_shortcuts(cfg, args)
        _privacy(cfg)
        with _data_lock(cfg, args.command):
            rc = _resolve(COMMANDS[args.command][0])(cfg)
    except PanzaError as e:
        print(f"panza {args.command}: error: {e}", file=sys.stderr)
        return 2
    except OSError as e:  # the one error path for the OS: the path and the fix, never a traceback
        print(f"panza {args.command}: error: {os_error(e)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"panza {args.command}: interrupted; finished work is saved, run again to resume", file=sys.stderr)
        return 130
    finally:
        os.umask(old_umask)
    return int(rc or 0)


def _privacy(cfg: DictConfig) -> None:
    """Offline unless ``allow_download=true`` (then a model id may be fetched, and Panza says so);
    Hugging Face telemetry always off. Set before any Hugging Face library is imported."""
    os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
    if cfg.get("allow_download"):
        os.environ["HF_HUB_OFFLINE"] = "0"
        os.environ["TRANSFORMERS_OFFLINE"] = "0"
    else:
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"


def _data_lock(cfg: DictConfig, command: str) -> contextlib.AbstractContextManager:
    """extract and prepare write the data folder: one run at a time (see ``panza.jsonl.folder_lock``)."""
    if command not in ("extract", "prepare"):
        return contextlib.nullcontext()
    from panza.jsonl import folder_lock
    from panza.layout import DataLayout

    return folder_lock(DataLayout.from_config(cfg).root, command)


if __name__ == "__main__":
    raise SystemExit(main())
