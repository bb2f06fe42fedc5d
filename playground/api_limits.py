"""Each API key's limits: requests a minute (a fixed one-minute window) and requests in flight
at once, counted in Redis so that every web process sees the same counts (in this process
when the site runs without Redis)."""

import threading
import time
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings

from .models import ApiKey

# A request in flight longer than this is counted no more (its web process died with it).
STALE_S = 3600


@dataclass
class Limited(Exception):
    """Over a limit: what to tell the client, and when to try again."""

    message: str
    code: str
    retry_after_s: int


def admit(key: ApiKey, request_id: str) -> None:
    """Count a request against its key, or raise Limited; `release` it when it ends."""
    per_minute = limit_of(key.requests_per_minute, settings.LORALAND_API_REQUESTS_PER_MINUTE)
    concurrent = limit_of(key.max_concurrent, settings.LORALAND_API_MAX_CONCURRENT)
    now = time.time()
    window = int(now // 60)
    used = counter().count_request(key.pk, window) if per_minute else 0
    if per_minute and used > per_minute:
        raise Limited(
            f"This key's limit of {per_minute} requests a minute is reached; try again in "
            f"{60 - int(now % 60)} s.",
            "rate_limit_exceeded",
            60 - int(now % 60),
        )
    if concurrent and counter().enter(key.pk, request_id, now) > concurrent:
        counter().leave(key.pk, request_id)
        raise Limited(
            f"This key has {concurrent} requests in flight, its limit; try again when one ends.",
            "concurrency_limit_exceeded",
            1,
        )


def release(key: ApiKey, request_id: str) -> None:
    counter().leave(key.pk, request_id)


def limit_of(own: int | None, default: int) -> int:
    return default if own is None else own


class RedisCounter:
    def __init__(self, url: str):
        import redis

        self.redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def count_request(self, key_id: int | str, window: int) -> int:
        name = f"loraland:api:rpm:{key_id}:{window}"
        used, _ = self.redis.pipeline().incr(name).expire(name, 120).execute()
        return used

    def enter(self, key_id: int, request_id: str, now: float) -> int:
        """Add the request to the key's set of those in flight; how many are in it now."""
        name = f"loraland:api:inflight:{key_id}"
        pipe = self.redis.pipeline()
        pipe.zremrangebyscore(name, 0, now - STALE_S).zadd(name, {request_id: now})
        _, _, in_flight, _ = pipe.zcard(name).expire(name, STALE_S).execute()
        return in_flight

    def leave(self, key_id: int, request_id: str) -> None:
        self.redis.zrem(f"loraland:api:inflight:{key_id}", request_id)


class LocalCounter:
    """The same counts in this process, for the site without Redis (one web process)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.minutes: dict[tuple[int, int], int] = {}
        self.in_flight: dict[int, set[str]] = {}

    def count_request(self, key_id: int | str, window: int) -> int:
        with self.lock:
            self.minutes = {k: v for k, v in self.minutes.items() if k[1] >= window}
            self.minutes[key_id, window] = self.minutes.get((key_id, window), 0) + 1
            return self.minutes[key_id, window]

    def enter(self, key_id: int, request_id: str, now: float) -> int:
        with self.lock:
            self.in_flight.setdefault(key_id, set()).add(request_id)
            return len(self.in_flight[key_id])

    def leave(self, key_id: int, request_id: str) -> None:
        with self.lock:
            self.in_flight.get(key_id, set()).discard(request_id)


@lru_cache(maxsize=1)
def counter() -> RedisCounter | LocalCounter:
    return LocalCounter() if settings.LORALAND_IN_PROCESS else RedisCounter(settings.REDIS_URL)
