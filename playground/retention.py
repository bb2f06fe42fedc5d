"""How long visitors' prompts and answers are kept: generations older than
LORALAND_RETENTION_DAYS are deleted (by a daily Celery beat task, maintenance.py). Gallery
entries a person saved keep their own copy of the answers, and are kept.

Layer: below the tasks, with results.py; it writes only Generation rows."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from .models import Generation


def purge_old_generations(*, now=None) -> int:
    """Delete the generations older than the retention period; how many were deleted. Those
    still running are left to finish (and go the next day)."""
    days = settings.LORALAND_RETENTION_DAYS
    if not days:
        return 0
    before = (now or timezone.now()) - timedelta(days=days)
    old = Generation.objects.filter(created_at__lt=before).exclude(
        status__in=(Generation.Status.QUEUED, Generation.Status.RUNNING)
    )
    deleted, _ = old.delete()
    return deleted
