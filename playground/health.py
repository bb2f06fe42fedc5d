"""GET /healthz for a load balancer: the database, Redis and the live inference workers (their
heartbeats), 200 when all answer and 503 when one does not, with a JSON body. Cheap enough to
call every second: one query, one ping, one read of the heartbeats; no Celery broadcast."""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import heartbeat


@never_cache
@require_GET
def healthz(request):
    checks = {"database": database_ok(), "redis": redis_ok()}
    workers = heartbeat.live_workers() if checks["redis"] else []
    checks["inference_workers"] = bool(workers)
    healthy = all(checks.values())
    body = {
        "status": "ok" if healthy else "unavailable",
        "checks": {name: "ok" if ok else "failing" for name, ok in checks.items()},
        "mode": "in-process" if settings.LORALAND_IN_PROCESS else "redis",
        "workers": [
            {key: worker.get(key) for key in ("id", "queue", "running", "waiting", "adapters")}
            for worker in workers
        ],
    }
    return JsonResponse(body, status=200 if healthy else 503)


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        return False


def redis_ok() -> bool:
    if settings.LORALAND_IN_PROCESS:
        return True  # no Redis to need
    return heartbeat.redis_answers()
