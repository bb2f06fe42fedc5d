"""GET /healthz for a load balancer: the database, Redis and the live inference workers (their
heartbeats), 200 when all answer and 503 when one does not, with a JSON body. Cheap enough to
call every second: one query, one ping, one read of the heartbeats; no Celery broadcast."""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import heartbeat

STATES = {True: "ok", False: "failing", None: "not used"}


@never_cache
@require_GET
def healthz(request):
    in_process = settings.LORALAND_IN_PROCESS  # no Redis to need: the web is the worker
    checks = {"database": database_ok(), "redis": None if in_process else heartbeat.redis_answers()}
    try:
        workers = heartbeat.live_workers() if checks["redis"] is not False else []
    except Exception:  # Redis went away after its ping
        checks["redis"], workers = False, []
    checks["inference_workers"] = bool(workers)
    healthy = all(ok is not False for ok in checks.values())
    body = {
        "status": "ok" if healthy else "unavailable",
        "checks": {name: STATES[ok] for name, ok in checks.items()},
        "mode": "in-process" if in_process else "redis",
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
