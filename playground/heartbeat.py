"""Worker heartbeats in Redis: every few seconds each inference worker writes its id, queue,
resident adapters and load under a key that expires; the web reads the live ones (/healthz,
the API's 503) without a Celery broadcast. Issue 12's routing is to read the same keys.

Layer: a helper of the tasks (which beat) and of the web (which reads); imports no engine."""

import json
import logging
import os
import threading
import time
from functools import lru_cache

from django.conf import settings

log = logging.getLogger(__name__)

EVERY_S = 2.0
TTL_S = 10  # five missed beats: the worker is gone
INDEX = "loraland:workers"  # sorted set: worker id -> time of its last beat (newest first)


def worker_identity(hostname: str) -> str:
    """A worker process's name in heartbeats and on the rows it runs: its Celery node name and
    its pid, since a worker started again under the same node name is another process, and the
    rows of the one that died must not look alive."""
    return f"{hostname}:{os.getpid()}"


def worker_key(worker_id: str) -> str:
    return f"loraland:worker:{worker_id}"


@lru_cache(maxsize=1)
def redis_client():
    import redis

    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)


def redis_answers() -> bool:
    try:
        return bool(redis_client().ping())
    except Exception:
        return False


def beat(worker_id: str, state: dict) -> None:
    """Write one heartbeat: `state` (queue, adapters, load...) with the worker's id and time."""
    now = time.time()
    record = json.dumps({"id": worker_id, "at": now, **state})
    pipe = redis_client().pipeline()
    pipe.set(worker_key(worker_id), record, ex=TTL_S)
    pipe.zadd(INDEX, {worker_id: now})
    pipe.execute()


STARTS = "loraland:worker-starts"  # hash: queue -> worker processes started, ever


def count_start(queue: str) -> None:
    """A worker process started (the first, or one started again after a death or a deploy,
    by `manage.py serve` or by compose): /metrics exports the count."""
    try:
        redis_client().hincrby(STARTS, queue, 1)
    except Exception:  # Redis not up yet: the worker starts all the same
        log.warning("could not count this worker's start", exc_info=True)


def start_counts() -> dict[str, int]:
    return {q.decode(): int(n) for q, n in redis_client().hgetall(STARTS).items()}


def stop_beating(worker_id: str) -> None:
    """A worker that shuts down cleanly says so at once rather than expiring."""
    redis_client().pipeline().delete(worker_key(worker_id)).zrem(INDEX, worker_id).execute()


def live_workers(queue: str | None = "inference") -> list[dict]:
    """The workers whose last beat has not expired (of `queue`, or all), newest first."""
    if settings.LORALAND_IN_PROCESS:  # the web process is the worker
        return [{"id": "in-process", "queue": "inference", "at": time.time()}]
    # Alive is what Redis still holds: each beat's key expires on Redis's clock, so the
    # machines' clocks need not agree. The index only lists where to look.
    client = redis_client()
    ids = [i.decode() for i in client.zrevrange(INDEX, 0, -1)]
    if not ids:
        return []
    records = client.mget([worker_key(i) for i in ids])
    gone = [i for i, record in zip(ids, records, strict=True) if record is None]
    if gone:
        client.zrem(INDEX, *gone)
    workers = [json.loads(r) for r in records if r is not None]
    return [w for w in workers if queue is None or w.get("queue") == queue]


CHORE_EVERY = 5  # beats between two runs of the chore (10 s)


class Heartbeat:
    """Beats every EVERY_S on a daemon thread with what `state()` returns, until stopped; runs
    `chore()` at the first beat and every CHORE_EVERY beats after."""

    def __init__(self, worker_id: str, state, chore=None):
        self.worker_id, self.state, self.chore = worker_id, state, chore
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name="loraland-heartbeat", daemon=True)

    def start(self) -> "Heartbeat":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=5)
        try:
            stop_beating(self.worker_id)
        except Exception:  # Redis gone too: the key expires on its own
            log.warning("could not remove the heartbeat of %s", self.worker_id)

    def _run(self) -> None:
        beats = 0
        while True:
            try:
                beat(self.worker_id, self.state())
            except Exception:  # Redis restarting, say: beat again next time
                log.warning("heartbeat of %s not written", self.worker_id, exc_info=True)
            if self.chore is not None and beats % CHORE_EVERY == 0:
                self.chore()
            beats += 1
            if self.stopped.wait(EVERY_S):
                return
