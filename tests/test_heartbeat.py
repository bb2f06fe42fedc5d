"""Worker heartbeats (playground/heartbeat.py) in a private Redis: written with a TTL, read as
the live workers, gone when a worker stops or stops beating; /healthz in-process."""

import time

import pytest
from django.test import override_settings

from loraland_site.devservices import start_private_redis, stop
from playground import heartbeat, replay


@pytest.fixture
def redis_url():
    redis = start_private_redis()
    if redis is None:
        pytest.fail("redis-server is not installed")
    heartbeat.redis_client.cache_clear()
    replay._redis.cache_clear()
    with override_settings(REDIS_URL=redis[1], LORALAND_IN_PROCESS=False):
        yield redis[1]
    heartbeat.redis_client.cache_clear()
    replay._redis.cache_clear()
    stop(redis[0])


def test_a_beat_is_read_back_as_a_live_worker_with_its_state(redis_url):
    heartbeat.beat("celery@a", {"queue": "inference", "adapters": ["glue_sst2"], "running": 3})
    heartbeat.beat("celery@r", {"queue": "reference"})
    (worker,) = heartbeat.live_workers()
    assert worker["id"] == "celery@a" and worker["adapters"] == ["glue_sst2"]
    assert worker["running"] == 3 and time.time() - worker["at"] < 5
    assert {w["id"] for w in heartbeat.live_workers(queue=None)} == {"celery@a", "celery@r"}


def test_a_worker_that_stops_beating_is_not_live_after_the_ttl(redis_url, monkeypatch):
    monkeypatch.setattr(heartbeat, "TTL_S", 1)
    heartbeat.beat("celery@old", {"queue": "inference"})
    # A beat stamped by a clock an hour slow: Redis's expiry decides, not the stamps.
    monkeypatch.setattr(heartbeat.time, "time", lambda: 0.0)
    heartbeat.beat("celery@slow-clock", {"queue": "inference"})
    assert {w["id"] for w in heartbeat.live_workers()} == {"celery@old", "celery@slow-clock"}
    time.sleep(1.3)
    assert heartbeat.live_workers() == []
    assert heartbeat.redis_client().zcard(heartbeat.INDEX) == 0  # the index forgets them


def test_the_heartbeat_thread_beats_until_stopped_and_then_removes_itself(redis_url):
    beats = []

    def state():
        beats.append(1)
        return {"queue": "inference", "running": len(beats)}

    beating = heartbeat.Heartbeat("celery@t", state).start()
    deadline = time.monotonic() + 10
    while not heartbeat.live_workers() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert heartbeat.live_workers()[0]["id"] == "celery@t"
    beating.stop()
    assert heartbeat.live_workers() == [] and not beating.thread.is_alive()


def test_in_process_the_web_is_its_own_live_worker():
    with override_settings(LORALAND_IN_PROCESS=True):
        assert [w["id"] for w in heartbeat.live_workers()] == ["in-process"]


@pytest.mark.django_db
def test_in_process_healthz_needs_no_redis_and_counts_the_web_as_the_worker(client):
    with override_settings(LORALAND_IN_PROCESS=True):
        health = client.get("/healthz")
    assert health.status_code == 200
    assert health.json()["checks"] == {
        "database": "ok",
        "redis": "not used",
        "inference_workers": "ok",
    }
    assert health.json()["mode"] == "in-process"


@pytest.mark.django_db
def test_the_reaper_fails_only_rows_whose_worker_stays_gone(redis_url, monkeypatch):
    from playground import reaper
    from playground.models import Generation, Task

    task = Task.objects.create(slug="t", name="T", category="c", metric="accuracy",
                               description="", prompt_template="{x}", fields=["x"])  # fmt: skip

    def row(worker: str, status="running") -> str:
        made = Generation.objects.create(task=task, model_kind="base", prompt="p", worker=worker,
                                         status=status)  # fmt: skip
        return str(made.id)

    heartbeat.beat("alive:1", {"queue": "inference"})
    ours, theirs, done = row("alive:1"), row("dead:2"), row("dead:2", status="done")
    clock = [100.0]
    monkeypatch.setattr(reaper.time, "monotonic", lambda: clock[0])
    assert reaper.reap([ours, theirs, done]) == []  # missing once: only suspected
    clock[0] += reaper.CONFIRM_S
    assert reaper.reap([ours, theirs, done]) == [theirs]
    lost = Generation.objects.get(id=theirs)
    assert (lost.status, lost.error_code) == ("error", "WORKER_LOST")
    assert Generation.objects.get(id=ours).status == "running"
    assert Generation.objects.get(id=done).status == "done"  # a finished answer is kept
    assert replay.events(theirs)[-1][0] == "error"  # a reader reattaching learns it too
    from playground import metrics

    assert metrics.REAPED[0]._value.get() >= 1  # counted on /metrics
