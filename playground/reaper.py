"""Fail the generations whose worker died: a running row whose worker's heartbeat has expired
(heartbeat.py) becomes an error, WORKER_LOST, and its readers are told. Without it a worker
killed mid-answer (out of memory, a deploy) would leave its rows running for ever: Celery acks
a task when it starts (acks_late is off), so nothing would run it again.

The WebSocket consumer calls it for the answers it streams, the API for its request, and every
worker on each tenth beat for all rows (and at its start). Layer: below the web and the tasks,
above the models; it imports no engine."""

import logging
import time

from django.conf import settings
from django.utils import timezone

from . import heartbeat, metrics, replay
from .models import Generation, TrainingJob

log = logging.getLogger(__name__)

WORKER_LOST = "WORKER_LOST"
# A worker found missing is failed only if it is still missing this much later: a Redis
# restart drops every heartbeat until the next beat (heartbeat.EVERY_S).
CONFIRM_S = 4.0
# "gen:<id>" or "training:<id>" -> when its worker was first found missing
_suspected: dict[str, float] = {}
MESSAGE = "The worker answering this stopped before it finished (it was logged); please try again."


def reap(generation_ids=None) -> list[str]:
    """Of these generations (or all), those now failed as WORKER_LOST, including any failed so
    before: their ids. The rest are untouched."""
    if settings.LORALAND_IN_PROCESS:  # the worker is this process: it is alive
        return []
    rows = Generation.objects.filter(status=Generation.Status.RUNNING).exclude(worker="")
    if generation_ids is not None:
        rows = rows.filter(id__in=list(generation_ids))
    for gid in confirmed_lost(rows, prefix="gen"):
        fail(gid)
    if generation_ids is None:
        return []
    failed = Generation.objects.filter(
        id__in=list(generation_ids), status=Generation.Status.ERROR, error_code=WORKER_LOST
    )
    return [str(gid) for gid in failed.values_list("id", flat=True)]


def confirmed_lost(running_rows, prefix: str) -> list[str]:
    """The ids of these running rows (a queryset with `id` and `worker`) whose worker has been
    missing from the heartbeats for CONFIRM_S or more; the others' suspicion is lifted."""
    running = {str(row_id): worker for row_id, worker in running_rows.values_list("id", "worker")}
    if not running:
        return []
    live = {worker["id"] for worker in heartbeat.live_workers(queue=None)}
    now, lost = time.monotonic(), []
    for row_id, worker in running.items():
        key = f"{prefix}:{row_id}"
        if worker in live:
            _suspected.pop(key, None)
        elif now - _suspected.setdefault(key, now) >= CONFIRM_S:
            _suspected.pop(key, None)
            lost.append(row_id)
    return lost


def fail(generation_id) -> None:
    # Only a row still running: one that finished meanwhile keeps its answer.
    updated = Generation.objects.filter(id=generation_id, status=Generation.Status.RUNNING).update(
        status=Generation.Status.ERROR,
        error_code=WORKER_LOST,
        error_message=MESSAGE,
        finished_at=timezone.now(),
    )
    if updated:
        metrics.observe_reaped()
        log.warning(
            "generation %s failed: its worker stopped beating",
            generation_id,
            extra={"generation_id": str(generation_id), "error_code": WORKER_LOST},
        )
        # kept for a reader that reattaches later (its stream has no last event otherwise)
        payload = {"generation_id": str(generation_id), "code": WORKER_LOST, "message": MESSAGE}
        replay.record(str(generation_id), "error", payload)


TRAINING_MESSAGE = (
    "The training worker stopped before the job finished (out of memory, a restart or a "
    "deploy; see its log). Nothing was registered: define the job again to retry."
)


def reap_training(job_ids=None) -> list[str]:
    """Fail the running training jobs whose worker stopped beating (as `reap` does for
    generations); the ids of these jobs (or all) that are now failed so."""
    if settings.LORALAND_IN_PROCESS:
        return []
    jobs = TrainingJob.objects.filter(status=TrainingJob.Status.RUNNING).exclude(worker="")
    if job_ids is not None:
        jobs = jobs.filter(id__in=list(job_ids))
    for job_id in confirmed_lost(jobs, prefix="training"):
        updated = TrainingJob.objects.filter(id=job_id, status=TrainingJob.Status.RUNNING).update(
            status=TrainingJob.Status.FAILED, error=TRAINING_MESSAGE, finished_at=timezone.now()
        )
        if updated:
            log.warning("training job %s failed: its worker stopped beating", job_id)
    if job_ids is None:
        return []
    failed = TrainingJob.objects.filter(
        id__in=list(job_ids), status=TrainingJob.Status.FAILED, error=TRAINING_MESSAGE
    )
    return [str(job_id) for job_id in failed.values_list("id", flat=True)]
