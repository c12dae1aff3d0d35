"""``panza run interfaces=gui``: a local drafting page (Gradio).

Local only, unlike the original (which opened a public share link): bound to 127.0.0.1, no share
link, analytics and Gradio's version check off, system fonts (no web font request), no API page.
The page: an instruction, an optional email being answered, a RAG toggle when the writer has an
index, the draft streamed as it is written, Regenerate (sampled, so it differs) and Copy.
Drafts go through the same one-worker queue as the web API (:mod:`serving`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from omegaconf import DictConfig

from panza.errors import PanzaError
from panza.interfaces.serving import DraftFailed, DraftQueue, QueueFull

log = logging.getLogger("panza.write")

# Before gradio is imported anywhere: no telemetry, no version check against gradio's servers.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"

SYSTEM_FONTS = ["ui-sans-serif", "system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"]
MONO_FONTS = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"]


@dataclass(frozen=True)
class Settings:
    host: str
    port: int
    max_waiting: int
    regenerate_temperature: float

    @classmethod
    def from_cfg(cls, iface: Any) -> Settings:
        try:
            port = int(iface.get("port", 5002))
            max_waiting = int(iface.get("max_waiting", 4))
            temp = float(iface.get("regenerate_temperature", 0.7))
        except (TypeError, ValueError) as e:
            raise PanzaError(f"interfaces (gui): {e}; port and max_waiting are whole numbers") from None
        if not 0 <= port <= 65535:
            raise PanzaError(f"interfaces.port={port}: give a port between 1 and 65535")
        return cls(str(iface.get("host") or "127.0.0.1"), port, max(1, max_waiting), max(0.0, temp))


def theme() -> Any:
    """Gradio's default look with system fonts: no font file is requested from anywhere."""
    import gradio as gr

    return gr.themes.Default(font=SYSTEM_FONTS, font_mono=MONO_FONTS)


def build(drafts: DraftQueue, settings: Settings, rag_available: bool = False) -> Any:
    """The page as a ``gr.Blocks``; every draft is one ticket of ``drafts``."""
    import gradio as gr

    from panza.interfaces.web import as_thread

    async def draft(instruction: str, email: str, rag: bool, sampling: dict[str, Any]) -> AsyncIterator[str]:
        if not (instruction or "").strip():
            raise gr.Error("Type what the email should say first.")
        try:
            ticket = drafts.submit(instruction, as_thread(email), sampling=sampling, rag=bool(rag))
        except QueueFull as e:
            raise gr.Error(f"Panza is busy with other drafts; try again in {e.retry_after} s.") from None
        text = ""
        try:
            while (piece := await ticket.next_piece()) is not None:
                text += piece
                yield text
        except DraftFailed as e:
            raise gr.Error(f"Drafting failed: {e}") from None
        finally:
            ticket.cancel()  # the page closed or the user pressed Stop: the model stops too

    async def write(instruction: str, email: str, rag: bool) -> AsyncIterator[str]:
        async for text in draft(instruction, email, rag, {}):
            yield text

    async def regenerate(instruction: str, email: str, rag: bool) -> AsyncIterator[str]:
        sampling = {"do_sample": True, "temperature": settings.regenerate_temperature}
        async for text in draft(instruction, email, rag, sampling):
            yield text

    with gr.Blocks(title="Panza", analytics_enabled=False) as page:
        gr.Markdown("## Panza\nDrafts emails in your style, on this machine.")
        with gr.Row():
            with gr.Column():
                instruction = gr.Textbox(
                    label="Instruction",
                    placeholder="What should the email say? e.g. Ask Bob for the report by Friday",
                    lines=3,
                    elem_id="instruction",
                )
                email = gr.Textbox(
                    label="Email you are replying to (optional)",
                    placeholder="Paste the email being answered",
                    lines=6,
                    elem_id="thread",
                )
                rag = gr.Checkbox(
                    label="Use my past emails (RAG)",
                    value=rag_available,
                    visible=rag_available,
                    elem_id="rag",
                )
                with gr.Row():
                    write_btn = gr.Button("Write draft", variant="primary", elem_id="write")
                    again_btn = gr.Button("Regenerate", elem_id="regenerate")
                    stop_btn = gr.Button("Stop", variant="stop", elem_id="stop")
            with gr.Column():
                out = gr.Textbox(
                    label="Draft", lines=16, buttons=["copy"], elem_id="draft", interactive=False
                )
        inputs = [instruction, email, rag]
        events = [
            write_btn.click(write, inputs, out),
            instruction.submit(write, inputs, out),
            again_btn.click(regenerate, inputs, out),
        ]
        stop_btn.click(None, None, None, cancels=events)
    return page


def launch(page: Any, settings: Settings, *, block: bool = True) -> Any:
    """Serve ``page`` on 127.0.0.1 (or the configured host) with every outside call turned off."""
    return page.queue(max_size=settings.max_waiting + 1).launch(
        server_name=settings.host,
        server_port=settings.port,
        share=False,
        inbrowser=False,
        ssr_mode=False,
        pwa=False,
        mcp_server=False,
        footer_links=[],
        theme=theme(),
        quiet=True,
        prevent_thread_lock=not block,
    )


def check(cfg: DictConfig) -> None:
    """Before the model loads: gradio is installed and the port is free."""
    from panza.interfaces.web import port_free

    settings = Settings.from_cfg(cfg.get("interfaces") or {})
    try:
        import gradio  # noqa: F401
    except ImportError:
        raise PanzaError("the gui needs gradio: pip install 'panza[gui]' (or pip install gradio)") from None
    if settings.port and not port_free(settings.host, settings.port):
        raise PanzaError(
            f"{settings.host}:{settings.port} is in use (another Panza?); stop it or set interfaces.port=<port>"
        )


def run(writer: Any, cfg: DictConfig) -> int:
    settings = Settings.from_cfg(cfg.get("interfaces") or {})
    drafts = DraftQueue(writer, settings.max_waiting)
    page = build(drafts, settings, rag_available=bool(getattr(writer, "info", {}).get("rag")))
    log.info("Panza page on http://%s:%d (local only); Ctrl-C stops it", settings.host, settings.port)
    try:
        launch(page, settings, block=True)
    finally:
        drafts.close()
    return 0


def prepare(cfg: DictConfig) -> Callable[[Any], int]:
    """The interface seam: checks before the model loads, then serves the one shared writer."""
    check(cfg)
    return lambda writer: run(writer, cfg)
