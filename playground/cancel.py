"""Cancel flags shared by the web process and the workers: a Redis key, or a set in-process.

Layer: a helper of the tasks (which read the flag); the services set it."""

from functools import lru_cache

from django.conf import settings

TTL_S = 3600
_local_flags: set[str] = set()


@lru_cache(maxsize=1)
def _redis():
    import redis

    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)


def _key(generation_id: str) -> str:
    return f"loraland:cancel:{generation_id}"


def request_cancel(generation_id: str) -> None:
    if settings.LORALAND_IN_PROCESS:
        _local_flags.add(generation_id)
    else:
        _redis().set(_key(generation_id), 1, ex=TTL_S)


def is_cancel_requested(generation_id: str) -> bool:
    if settings.LORALAND_IN_PROCESS:
        return generation_id in _local_flags
    return bool(_redis().exists(_key(generation_id)))
