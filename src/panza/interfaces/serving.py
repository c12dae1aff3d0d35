"""One model, many clients: the bounded draft queue shared by the web API and the GUI.

llama.cpp is not thread-safe and a CPU runs one generation well at a time, so every draft goes
through a single worker thread that owns the writer. Requests wait in a bounded queue: when it is
full the caller is told to come back later (HTTP 503 + ``Retry-After``) instead of piling up
memory and latency. A client that goes away cancels its ticket; a queued ticket is skipped and a
running one stops at the next piece (closing the writer's generator stops llama.cpp).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import queue
import threading
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("panza.write")

_END = object()


class QueueFull(Exception):
    """The queue holds ``max_waiting`` tickets already; ``retry_after`` is a guess in seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"busy: retry in {retry_after}s")
        self.retry_after = retry_after


class DraftFailed(Exception):
    """The writer raised while drafting; the message is safe to show (no email text)."""


@dataclass
class Ticket:
    """One draft request: pieces arrive on an asyncio queue of the caller's event loop."""

    instruction: str
    thread: list[str]
    sampling: dict[str, Any]
    rag: bool = True
    loop: asyncio.AbstractEventLoop | None = None
    cancelled: threading.Event = field(default_factory=threading.Event)
    _pieces: asyncio.Queue[Any] | None = None

    def __post_init__(self) -> None:
        if self.loop is not None:
            self._pieces = asyncio.Queue()

    def cancel(self) -> None:
        self.cancelled.set()

    def _put(self, item: Any) -> None:
        if self.loop is not None and self._pieces is not None and not self.loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: nobody is listening
                self.loop.call_soon_threadsafe(self._pieces.put_nowait, item)

    async def next_piece(self) -> str | None:
        """The next piece, ``None`` at the end; raises :class:`DraftFailed` when the writer failed."""
        assert self._pieces is not None, "ticket was not created for an event loop"
        item = await self._pieces.get()
        if item is _END:
            return None
        if isinstance(item, DraftFailed):
            raise item
        return str(item)

    async def pieces(self) -> AsyncIterator[str]:
        """All pieces in order; the ticket is cancelled if the consumer stops early."""
        try:
            while (piece := await self.next_piece()) is not None:
                yield piece
        finally:
            self.cancel()


@contextlib.contextmanager
def _rag_off(writer: Any, rag: bool) -> Iterator[None]:
    """Draft one request without past emails. Safe only because the one worker thread owns the writer."""
    if rag or getattr(writer, "retriever", None) is None:
        yield
        return
    saved, writer.retriever = writer.retriever, None
    try:
        yield
    finally:
        writer.retriever = saved


class DraftQueue:
    """A single worker thread drafting tickets in order from a bounded queue."""

    def __init__(self, writer: Any, max_waiting: int = 16) -> None:
        self.writer = writer
        self.max_waiting = max(1, int(max_waiting))
        self._queue: queue.Queue[Ticket | None] = queue.Queue(maxsize=self.max_waiting)
        self._seconds = 5.0  # moving average of a draft's duration, for Retry-After
        self.served = 0
        self.cancelled = 0
        self.failed = 0
        self.busy = False
        self._worker = threading.Thread(target=self._work, name="panza-drafts", daemon=True)
        self._worker.start()

    @property
    def waiting(self) -> int:
        return self._queue.qsize()

    def submit(
        self,
        instruction: str,
        thread: Sequence[str] | None = None,
        *,
        sampling: dict[str, Any] | None = None,
        rag: bool = True,
    ) -> Ticket:
        """Queue a draft for the running event loop; raises :class:`QueueFull` when over the bound."""
        ticket = Ticket(
            instruction, list(thread or []), dict(sampling or {}), rag, asyncio.get_running_loop()
        )
        try:
            self._queue.put_nowait(ticket)
        except queue.Full:
            raise QueueFull(self.retry_after()) from None
        return ticket

    def retry_after(self) -> int:
        return max(1, math.ceil(self._seconds * (self.waiting + 1)))

    def close(self) -> None:
        with contextlib.suppress(queue.Full):
            self._queue.put_nowait(None)

    def _work(self) -> None:
        while True:
            ticket = self._queue.get()
            if ticket is None:
                return
            if ticket.cancelled.is_set():
                self.cancelled += 1
                ticket._put(_END)
                continue
            self.busy = True
            t0 = time.perf_counter()
            try:
                self._draft(ticket)
            finally:
                self.busy = False
                self._seconds = 0.7 * self._seconds + 0.3 * (time.perf_counter() - t0)

    def _draft(self, ticket: Ticket) -> None:
        try:
            with _rag_off(self.writer, ticket.rag):
                gen = iter(self.writer.stream(ticket.instruction, ticket.thread or None, **ticket.sampling))
                try:
                    for piece in gen:
                        if ticket.cancelled.is_set():
                            break
                        ticket._put(piece)
                finally:
                    if hasattr(gen, "close"):
                        gen.close()  # stops llama.cpp mid-generation when the client went away
            if ticket.cancelled.is_set():
                self.cancelled += 1
            else:
                self.served += 1
        except Exception as e:  # one bad request must not kill the worker that serves everyone
            self.failed += 1
            msg = str(e).splitlines()[0] if str(e) else type(e).__name__
            log.error("draft failed: %s", msg)
            ticket._put(DraftFailed(msg))
        finally:
            ticket._put(_END)
