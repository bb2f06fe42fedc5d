"""Each generation's events, kept so that a page reloaded mid-answer can read them again: the
tasks append every event they publish to a Redis stream per generation (it expires an hour
after its last event; channel groups keep nothing), and the consumer replays them to the
browser that reattaches before it relays the rest. In-process, a bounded dict stands in.

Layer: a helper of the tasks (which record) and of the consumer (which replays)."""

import json
import threading
from collections import OrderedDict
from functools import lru_cache

from django.conf import settings

TTL_S = 3600
MAX_EVENTS = 20_000  # a stream's length cap: far above an answer's frames
LOCAL_GENERATIONS = 256  # in-process: the newest generations kept

_local: OrderedDict[str, list[tuple[str, dict]]] = OrderedDict()
_local_lock = threading.Lock()


@lru_cache(maxsize=1)
def _redis():
    import redis

    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)


def _key(generation_id: str) -> str:
    return f"loraland:events:{generation_id}"


def record(generation_id: str, event_type: str, payload: dict) -> None:
    """Keep one event (token, done or error) of a generation, after those before it."""
    if settings.LORALAND_IN_PROCESS:
        with _local_lock:
            _local.setdefault(generation_id, []).append((event_type, payload))
            _local.move_to_end(generation_id)
            while len(_local) > LOCAL_GENERATIONS:
                _local.popitem(last=False)
        return
    key = _key(generation_id)
    fields = {"type": event_type, "payload": json.dumps(payload)}
    _redis().pipeline().xadd(key, fields, maxlen=MAX_EVENTS).expire(key, TTL_S).execute()


def events(generation_id: str) -> list[tuple[str, dict]]:
    """Every event kept for the generation, oldest first ([] when none, or expired)."""
    if settings.LORALAND_IN_PROCESS:
        with _local_lock:
            return list(_local.get(generation_id, ()))
    entries = _redis().xrange(_key(generation_id))
    return [(fields[b"type"].decode(), json.loads(fields[b"payload"])) for _, fields in entries]
