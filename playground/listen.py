"""Listen to one generation's events (token, done, error) on the channel layer from an async
view, as the WebSocket consumer does from its socket: the API's path to the same stream."""

import asyncio
import contextlib

from channels.layers import get_channel_layer
from django.conf import settings

from .publish import group_name, register_web_loop


class GenerationListener:
    """Joins the generation's group on a channel of its own; `next()` waits for an event.

    Open it before the generation is enqueued, so that no early event is missed. One task
    receives from the channel for as long as the listener is open and keeps what arrives, so
    a `next()` given up on (a timeout) loses nothing: channels_redis's pub/sub layer drops a
    channel, and whatever reaches it until the next receive, when a receive is cancelled."""

    def __init__(self, generation_id):
        self.group = group_name(generation_id)
        self.layer = get_channel_layer()
        self.channel = None
        self.events: asyncio.Queue = asyncio.Queue()
        self.receiving: asyncio.Task | None = None

    async def open(self) -> "GenerationListener":
        if settings.LORALAND_IN_PROCESS:  # the tasks post onto this loop's in-memory layer
            register_web_loop(asyncio.get_running_loop())
        self.channel = await self.layer.new_channel()
        await self.layer.group_add(self.group, self.channel)
        self.receiving = asyncio.ensure_future(self._receive())
        return self

    async def _receive(self) -> None:
        while True:
            await self.events.put(await self.layer.receive(self.channel))

    async def close(self) -> None:
        """Leave the group and let the channel go (the pub/sub layer unsubscribes it)."""
        if self.receiving is not None:
            self.receiving.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.receiving
        await self.layer.group_discard(self.group, self.channel)

    async def next(self) -> tuple[str, dict]:
        """The next event as ("token" | "done" | "error", its payload). Raises what stopped
        the receiving task (Redis gone, say) rather than wait for ever."""
        if self.events.empty() and self.receiving is not None and self.receiving.done():
            self.receiving.result()
        message = await self.events.get()
        return message["type"].removeprefix("generation."), message["payload"]
