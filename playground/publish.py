"""Send a generation's events to the browsers listening on channel group "gen.<id>".

Each Celery task thread gets its own event loop and channel layer instance for the length of
one generation: channels_redis connections belong to one event loop, and a per-call
`async_to_sync` would open a new loop (and connection) for every chunk.
In-process mode (no Redis) posts onto the web server's own loop, where the in-memory layer lives.

Layer: a helper of the tasks (which send); the consumer only joins the group.
"""

import asyncio
import time

from channels.layers import channel_layers, get_channel_layer
from django.conf import settings

from . import replay

_web_loop: asyncio.AbstractEventLoop | None = None


def register_web_loop(loop: asyncio.AbstractEventLoop) -> None:
    """In-process mode: remember the web server's loop (called by the consumer)."""
    global _web_loop
    _web_loop = loop


def group_name(generation_id) -> str:
    return f"gen.{generation_id}"


class Publisher:
    """Sends a generation's events to its group, each numbered (`seq`, from 1) and kept for a
    reload (replay.py), so a reattached reader can tell a replayed event from a live one."""

    def __init__(
        self, generation_id, *, group: str | None = None, keep: bool = True, kind="generation"
    ):
        """`group` (default "gen.<id>"), `keep` (record for replay) and `kind` (the messages'
        type is "<kind>.<event>") for other streams of events, e.g. a training job's."""
        self.generation_id, self.seq, self.keep, self.kind = str(generation_id), 0, keep, kind
        self.group = group or group_name(generation_id)
        if settings.LORALAND_IN_PROCESS:
            self.layer, self.loop = get_channel_layer(), None
        else:
            self.layer, self.loop = channel_layers.make_backend("default"), asyncio.new_event_loop()

    def send(self, event_type: str, payload: dict) -> None:
        self.seq += 1
        payload = {**payload, "seq": self.seq}
        if self.keep:
            replay.record(self.generation_id, event_type, payload)  # kept before it is sent
        message = {"type": f"{self.kind}.{event_type}", "payload": payload}
        coroutine = self.layer.group_send(self.group, message)
        if self.loop is not None:
            self.loop.run_until_complete(coroutine)
        elif _web_loop is not None and not _web_loop.is_closed():
            asyncio.run_coroutine_threadsafe(coroutine, _web_loop).result(timeout=10)
        else:
            coroutine.close()  # nobody can be listening (no web loop, or it has ended)

    def close(self) -> None:
        if self.loop is not None:
            # the list-based layer has pools to close; the pub/sub one closes with its loop
            if getattr(type(self.layer), "close_pools", None) is not None:
                self.loop.run_until_complete(self.layer.close_pools())
            self.loop.close()


class ChunkCoalescer:
    """Joins token texts so a stream sends at most one frame per interval (bounded Redis load).

    The first chunk goes out at once so that time to first token is not delayed.
    """

    def __init__(self, interval_s: float):
        self.interval_s = interval_s
        self.pending: list[str] = []
        self.last_sent: float | None = None

    def add(self, text: str) -> str:
        self.pending.append(text)
        return self.take_if_due()

    def take_if_due(self) -> str:
        now = time.monotonic()
        if self.pending and (self.last_sent is None or now - self.last_sent >= self.interval_s):
            self.last_sent = now
            return self.take()
        return ""

    def take(self) -> str:
        text, self.pending = "".join(self.pending), []
        return text
