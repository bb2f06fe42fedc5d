"""Listen to one generation's events (token, done, error) on the channel layer from an async
view, as the WebSocket consumer does from its socket: the API's path to the same stream."""

import asyncio

from channels.layers import get_channel_layer
from django.conf import settings

from .publish import group_name, register_web_loop


class GenerationListener:
    """Joins the generation's group on a channel of its own; `next()` waits for an event.

    Open it before the generation is enqueued, so that no early event is missed."""

    def __init__(self, generation_id):
        self.group = group_name(generation_id)
        self.layer = get_channel_layer()
        self.channel = None

    async def open(self) -> "GenerationListener":
        if settings.LORALAND_IN_PROCESS:  # the tasks post onto this loop's in-memory layer
            register_web_loop(asyncio.get_running_loop())
        self.channel = await self.layer.new_channel()
        await self.layer.group_add(self.group, self.channel)
        return self

    async def close(self) -> None:
        await self.layer.group_discard(self.group, self.channel)

    async def next(self) -> tuple[str, dict]:
        """The next event as ("token" | "done" | "error", its payload)."""
        message = await self.layer.receive(self.channel)
        return message["type"].removeprefix("generation."), message["payload"]
