"""In-process mode (no Redis): a Celery worker on threads of the web process itself.

It consumes Celery's in-memory broker (`memory://`), so the services send tasks by name exactly
as they do to Redis, and the tasks run as any worker runs them: the web code never imports the
tasks or the engine; Celery's loader does, here as in a worker process. It starts with the first
task sent; the engine loads on its thread, not on the caller's.
"""

import logging
import threading

from celery.app.trace import setup_worker_optimizations
from celery.utils.nodenames import gethostname, nodename
from django.conf import settings
from django.utils import timezone

from .celery import app

log = logging.getLogger(__name__)
# Jobs queued before this process started were in another process's in-memory queue: gone
STARTED = timezone.now()

QUEUES = ["inference", "reference", "maintenance", "training"]
# The reference API's waits share the pool with the engine's requests here (one process).
REFERENCE_THREADS = 4

_lock = threading.Lock()
_worker = None


def ensure_started() -> None:
    """Start the worker once per process (a no-op after); returns at once."""
    global _worker
    with _lock:
        if _worker is not None:
            return
        _worker = threading.Thread(target=_run, name="celery-in-process", daemon=True)
        _worker.start()


def _run() -> None:
    fail_lost_training_jobs()
    # What a worker's loader does at start, without the Django fixup's second django.setup(),
    # which would configure logging again under the running web server (and a test's capture).
    app.loader.worker_initialized = True
    for module in app.loader.default_modules:
        app.loader.import_task_module(module)
    hostname = nodename("in-process", gethostname())  # in-process@<host>, on the rows it runs
    setup_worker_optimizations(app, hostname)  # as `celery worker` does before it starts
    worker = app.WorkController(
        hostname=hostname,
        pool_cls="threads",
        concurrency=settings.LORALAND_MAX_BATCH + REFERENCE_THREADS,
        queues=QUEUES,
        # Gossip, mingle and the worker's event heartbeat talk to other workers: there are none.
        without_heartbeat=True,
        without_mingle=True,
        without_gossip=True,
    )
    try:
        worker.start()
    except Exception:  # the site still pages; each request's own error says why it waits
        log.exception("the in-process worker stopped")


def fail_lost_training_jobs() -> None:
    """Training jobs queued or running when a previous in-process server stopped: its
    in-memory queue went with it, so nothing will ever run them."""
    from playground.models import TrainingJob

    lost = TrainingJob.objects.filter(
        status__in=(TrainingJob.Status.QUEUED, TrainingJob.Status.RUNNING), queued_at__lt=STARTED
    )
    lost.update(
        status=TrainingJob.Status.FAILED,
        error="The site stopped before this job finished (no Redis: its queue was in memory). "
        "Define it again.",
        finished_at=timezone.now(),
    )
