"""The WebSocket's limits on a visitor: generations a minute per browser session and per IP
address, counted where the API's keys are (api_limits: Redis, or this process without it).
A socket's own limit on answers streaming at once is the consumer's."""

import time

from django.conf import settings

from . import api_limits
from .errors import GenerationError


def admit_generation(*, session_key: str, ip: str) -> None:
    """Count one generation against its session and its IP; RATE_LIMITED past a limit."""
    window = int(time.time() // 60)
    limits = (
        ("session", session_key, settings.LORALAND_WS_REQUESTS_PER_MINUTE_SESSION),
        ("ip", ip, settings.LORALAND_WS_REQUESTS_PER_MINUTE_IP),
    )
    for kind, who, limit in limits:
        if not limit or not who:
            continue
        used = api_limits.counter().count_request(f"ws-{kind}:{who}", window)
        if used > limit:
            wait_s = 60 - int(time.time() % 60)
            raise GenerationError(
                "RATE_LIMITED",
                f"This {'browser session' if kind == 'session' else 'address'} has asked for "
                f"{limit} answers this minute, the limit; try again in {wait_s} s.",
            )
