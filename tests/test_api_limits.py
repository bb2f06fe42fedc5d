"""Each API key's limits (playground/api_limits.py), counted in a private Redis and in the
process: requests a minute, requests in flight, a key's own limits over the site's."""

import pytest
from django.test import override_settings

from loraland_site.devservices import start_private_redis, stop
from playground import api_limits
from playground.models import ApiKey


@pytest.fixture(params=["redis", "in-process"])
def counter(request, monkeypatch):
    if request.param == "in-process":
        made = api_limits.LocalCounter()
        monkeypatch.setattr(api_limits, "counter", lambda: made)
        yield made
        return
    redis = start_private_redis()
    if redis is None:
        pytest.fail("redis-server is not installed")
    made = api_limits.RedisCounter(redis[1])
    monkeypatch.setattr(api_limits, "counter", lambda: made)
    yield made
    stop(redis[0])


def key(pk=1, **limits) -> ApiKey:
    return ApiKey(pk=pk, name=f"k{pk}", **limits)


@override_settings(LORALAND_API_REQUESTS_PER_MINUTE=3, LORALAND_API_MAX_CONCURRENT=0)
def test_the_fourth_request_of_a_minute_is_limited_until_the_next_minute(counter, monkeypatch):
    monkeypatch.setattr(api_limits.time, "time", lambda: 600.0 + 45)  # 45 s into a minute
    for n in range(3):
        api_limits.admit(key(), f"r{n}")
    with pytest.raises(api_limits.Limited) as limited:
        api_limits.admit(key(), "r3")
    assert limited.value.code == "rate_limit_exceeded" and limited.value.retry_after_s == 15
    api_limits.admit(key(pk=2), "other key")  # each key counts its own
    monkeypatch.setattr(api_limits.time, "time", lambda: 660.0)  # the next minute
    api_limits.admit(key(), "r4")


@override_settings(LORALAND_API_REQUESTS_PER_MINUTE=0, LORALAND_API_MAX_CONCURRENT=2)
def test_requests_in_flight_are_limited_until_one_ends(counter):
    api_limits.admit(key(), "a")
    api_limits.admit(key(), "b")
    with pytest.raises(api_limits.Limited) as limited:
        api_limits.admit(key(), "c")
    assert limited.value.code == "concurrency_limit_exceeded" and limited.value.retry_after_s >= 1
    api_limits.release(key(), "a")
    api_limits.admit(key(), "c")  # the refused one was not left counted
    with pytest.raises(api_limits.Limited):
        api_limits.admit(key(), "d")


@override_settings(LORALAND_API_REQUESTS_PER_MINUTE=1, LORALAND_API_MAX_CONCURRENT=1)
def test_a_key_s_own_limits_win_and_zero_means_none(counter):
    generous = key(requests_per_minute=0, max_concurrent=0)
    for n in range(20):
        api_limits.admit(generous, f"g{n}")
    strict = key(pk=3, requests_per_minute=2, max_concurrent=5)
    api_limits.admit(strict, "s1")
    api_limits.admit(strict, "s2")
    with pytest.raises(api_limits.Limited):
        api_limits.admit(strict, "s3")


def test_a_request_left_in_flight_by_a_dead_web_process_stops_counting(counter):
    if isinstance(counter, api_limits.LocalCounter):
        pytest.skip("in-process counts die with their process")
    assert counter.enter(1, "lost", now=1000.0) == 1
    assert counter.enter(1, "new", now=1000.0 + api_limits.STALE_S + 1) == 1
