"""Celery tasks that keep the site tidy, run by Celery beat (loraland_site/celery.py) on the
light worker's "maintenance" queue: never on an engine's threads."""

import logging

from celery import shared_task

from . import retention

log = logging.getLogger(__name__)


@shared_task(name="playground.maintenance.purge_old_generations")
def purge_old_generations() -> int:
    deleted = retention.purge_old_generations()
    log.info("deleted %d generations older than the retention period", deleted)
    return deleted
