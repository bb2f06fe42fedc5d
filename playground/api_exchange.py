"""One API request's hold on what it shares: its key's in-flight slot, its listener on the
channel layer, and its generation, which it cancels unless the whole answer was sent. `end()`
lets go of all three once, however the request ends: answered, refused, or abandoned by a
client that went away (even before its stream was read)."""

import asyncio
import logging

from asgiref.sync import sync_to_async

from . import api_limits, cancel, heartbeat, reaper
from .listen import GenerationListener

log = logging.getLogger(__name__)

# While no event comes, look this often whether the request's worker still beats.
WORKER_CHECK_S = 5.0
WORKER_LOST = {
    "code": "WORKER_LOST",
    "message": "The inference worker stopped while answering; try again.",
}


def worker_available() -> bool:
    """Has an inference worker's heartbeat been seen lately (heartbeat.TTL_S)?"""
    try:
        return bool(heartbeat.live_workers())
    except Exception:  # Redis down: nothing can be queued either
        return False


class Exchange:
    def __init__(self, key, generation_id):
        self.key, self.generation_id = key, generation_id
        self.request_id = str(generation_id)
        self.admitted = self.created = self.answered = self.ended = False
        self.listener: GenerationListener | None = None
        # Whatever happens to the task that answers the request (it also sends the stream),
        # its end lets go: a stream a client never read runs no `finally` of its own.
        asyncio.current_task().add_done_callback(lambda _: asyncio.ensure_future(self.end()))

    async def admit(self) -> None:
        """Count the request against its key's limits; raises api_limits.Limited."""
        await sync_to_async(api_limits.admit)(self.key, self.request_id)
        self.admitted = True

    async def listen(self) -> None:
        """Join the generation's group before it is enqueued, so no early event is missed."""
        self.listener = await GenerationListener(self.generation_id).open()

    async def next(self) -> tuple[str, dict]:
        """The generation's next event; an error if its worker stops beating meanwhile (the
        row is then failed: reaper.py), or if no inference worker is left at all."""
        while True:
            try:
                return await asyncio.wait_for(self.listener.next(), WORKER_CHECK_S)
            except TimeoutError:
                lost = await sync_to_async(reaper.reap)([self.request_id])
                if lost or not await sync_to_async(worker_available)():
                    return "error", WORKER_LOST

    async def end(self) -> None:
        if self.ended:
            return
        self.ended = True
        try:
            if self.created and not self.answered:
                await sync_to_async(cancel.request_cancel)(self.request_id)
        except Exception:
            log.warning("could not cancel generation %s", self.request_id, exc_info=True)
        try:
            if self.listener is not None:
                await self.listener.close()
        except Exception:
            log.warning("could not leave the group of %s", self.request_id, exc_info=True)
        if self.admitted:
            await sync_to_async(api_limits.release)(self.key, self.request_id)
