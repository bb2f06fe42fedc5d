"""The API's listener on channels_redis's pub/sub layer, over a private redis-server: a wait
given up on (the API's worker check every few seconds) loses no event, and a closed listener
leaves no subscription behind."""

import asyncio

import pytest
import redis
from channels_redis.pubsub import RedisPubSubChannelLayer

from loraland_site.devservices import start_private_redis, stop
from playground.listen import GenerationListener

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_url(settings):
    server = start_private_redis()
    if server is None:
        pytest.fail("redis-server is not installed")
    # as a web process with Redis: in-process mode would make this test's loop the one the
    # in-process tasks post onto, after the loop has closed
    settings.LORALAND_IN_PROCESS = False
    yield server[1]
    stop(server[0])


def subscriptions(url: str) -> list[bytes]:
    return redis.Redis.from_url(url).pubsub_channels()


def frame(n: int) -> dict:
    return {"type": "generation.token", "payload": {"text": f"t{n}", "seq": n}}


async def test_events_sent_while_no_one_waits_are_kept_and_closing_unsubscribes(redis_url):
    listener = GenerationListener("0b4cbb43-6a3e-4bb8-9a26-6a2a46b1b8f5")
    listener.layer = layer = RedisPubSubChannelLayer(
        hosts=[{"address": redis_url, "health_check_interval": 30}]
    )
    await listener.open()
    with pytest.raises(TimeoutError):  # the API gives up waiting, then looks at the worker
        await asyncio.wait_for(listener.next(), 0.2)
    for n in (1, 2, 3):  # meanwhile the worker sends on
        await layer.group_send(listener.group, frame(n))
    await asyncio.sleep(0.3)  # delivered while no next() is waiting
    got = [await asyncio.wait_for(listener.next(), 5) for _ in range(3)]
    assert got == [("token", {"text": f"t{n}", "seq": n}) for n in (1, 2, 3)]
    assert len(subscriptions(redis_url)) == 2  # its own channel and the group's
    await listener.close()
    await asyncio.sleep(0.2)
    assert subscriptions(redis_url) == []
    await layer.flush()


async def test_a_listener_whose_receiving_stopped_raises_rather_than_waits(redis_url):
    listener = GenerationListener("5d0e2c1c-58f4-4a59-9d1b-3f7b8e1f0c11")
    listener.layer = layer = RedisPubSubChannelLayer(
        hosts=[{"address": redis_url, "health_check_interval": 30}]
    )
    await listener.open()
    listener.receiving.cancel()
    await asyncio.sleep(0)
    with pytest.raises(asyncio.CancelledError):
        await listener.next()
    await layer.flush()


def test_an_in_process_publisher_whose_web_loop_has_ended_sends_nowhere(settings):
    """In-process, the tasks post onto the web's loop; once that loop has closed nobody can be
    listening, and a send must not fail the task that makes it."""
    from playground import publish

    settings.LORALAND_IN_PROCESS = True
    loop = asyncio.new_event_loop()
    loop.close()
    publish.register_web_loop(loop)
    try:
        publisher = publish.Publisher("7f1b5a64-2a55-4c1e-8d0e-0c7e0f4b9a10", keep=False)
        publisher.send("token", {"text": "x"})
        publisher.close()
        assert publisher.seq == 1
    finally:
        publish.register_web_loop(None)
