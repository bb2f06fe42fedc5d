"""Where an inference request goes: to the least-loaded live worker that already holds its
adapter, on that worker's own queue; else to the adapter's home worker, the one rendezvous
hashing picks among the live workers (so an adapter is loaded on one worker, not on whichever
the queue hands it to, and the adapters spread over the workers' pools); else, every candidate
being full, to the shared "inference" queue that every worker takes from. Each worker's
heartbeat (heartbeat.py) says which adapters it holds and how busy it is; a dead worker's
heartbeat expires, and with it its place in the routing.

Every worker consumes the shared queue and its own, `inference.<node name>` (tasks.py adds it
at start, as Celery documents for per-worker queues): without affinity, 25 adapters over N
workers end up on every worker, and hundreds churn every pool."""

import hashlib
import logging

from django.conf import settings

from . import heartbeat

log = logging.getLogger(__name__)

SHARED_QUEUE = "inference"


def own_queue(node_name: str) -> str:
    """A worker's own queue, by its Celery node name (a worker started again under the same
    name takes what was routed to the one before)."""
    return f"{SHARED_QUEUE}.{node_name}"


def queue_for(adapter: str | None) -> str:
    """The queue for a request on `adapter` (None: the base model, which every worker holds)."""
    if adapter is None or not settings.LORALAND_ADAPTER_AFFINITY or settings.LORALAND_IN_PROCESS:
        return SHARED_QUEUE
    try:
        workers = heartbeat.live_workers(queue=SHARED_QUEUE)
    except Exception:  # Redis hiccup: any worker will do
        log.warning("no heartbeats to route by", exc_info=True)
        return SHARED_QUEUE
    workers = [w for w in workers if w.get("own_queue")]
    holders = [w for w in workers if adapter in (w.get("adapters") or ())]
    if holders:
        least_busy = min(holders, key=load)
        if not full(least_busy):
            return least_busy["own_queue"]
    elif workers:
        # Its home: stable while the workers stay, and only its share moves when one comes or
        # goes. Its heartbeat lists the adapter within a beat of loading it.
        home = max(workers, key=lambda w: rendezvous_score(adapter, w["own_queue"]))
        if not full(home):
            return home["own_queue"]
    return SHARED_QUEUE  # every candidate is full: any worker may take it (and load a copy)


def rendezvous_score(adapter: str, queue: str) -> int:
    return int.from_bytes(hashlib.blake2b(f"{adapter}|{queue}".encode(), digest_size=8).digest())


def full(worker: dict) -> bool:
    return load(worker) >= worker.get("max_batch", 1)


def load(worker: dict) -> int:
    return worker.get("running", 0) + worker.get("waiting", 0)
