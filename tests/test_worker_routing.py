"""The routing rule (playground/worker_routing.py) on given heartbeats: a worker that holds the
adapter, the least busy of them; else the adapter's home by rendezvous hashing, the same while
the workers stay; the shared queue when every candidate is full, or with affinity off."""

import pytest

from playground import worker_routing


def worker(name: str, adapters=(), running=0, max_batch=4) -> dict:
    return {"id": name, "queue": "inference", "own_queue": f"inference.{name}",
            "adapters": list(adapters), "running": running, "waiting": 0,
            "max_batch": max_batch}  # fmt: skip


@pytest.fixture
def beating(monkeypatch, settings):
    settings.LORALAND_IN_PROCESS, settings.LORALAND_ADAPTER_AFFINITY = False, True
    workers = []
    monkeypatch.setattr(worker_routing.heartbeat, "live_workers", lambda queue=None: workers)
    return workers


def test_a_holder_is_preferred_the_least_busy_of_them(beating):
    beating += [worker("a", ["x"], running=3), worker("b", ["x"], running=1), worker("c")]
    assert worker_routing.queue_for("x") == "inference.b"


def test_with_no_holder_an_adapter_goes_home_and_homes_spread_and_stay(beating):
    beating += [worker("a"), worker("b"), worker("c")]
    homes = {name: worker_routing.queue_for(name) for name in (f"ad{i}" for i in range(60))}
    assert set(homes.values()) == {"inference.a", "inference.b", "inference.c"}
    assert all(worker_routing.queue_for(name) == home for name, home in homes.items())
    beating.pop()  # c goes: only c's adapters move
    moved = {n for n, home in homes.items() if worker_routing.queue_for(n) != home}
    assert moved == {n for n, home in homes.items() if home == "inference.c"}


def test_full_workers_and_no_affinity_fall_back_to_the_shared_queue(beating, settings):
    beating += [worker("a", ["x"], running=4)]
    assert worker_routing.queue_for("x") == "inference"  # its only holder is full
    assert worker_routing.queue_for(None) == "inference"  # the base: any worker
    beating[0]["running"] = 0
    assert worker_routing.queue_for("x") == "inference.a"
    settings.LORALAND_ADAPTER_AFFINITY = False
    assert worker_routing.queue_for("x") == "inference"
