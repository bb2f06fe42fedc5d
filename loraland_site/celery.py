"""The Celery app. Workers: `celery -A loraland_site worker -Q inference` (the engine) and
`-Q reference,maintenance` (light); `celery -A loraland_site beat` schedules maintenance."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loraland_site.settings")

app = Celery("loraland_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
# The task modules a worker imports at start (the web only sends tasks by name).
app.conf.imports = ["playground.tasks", "playground.maintenance", "playground.training_tasks"]

# `celery -A loraland_site beat` (manage.py serve runs one; compose's beat service) sends these.
app.conf.beat_schedule = {
    "purge-old-generations": {
        "task": "playground.maintenance.purge_old_generations",
        "schedule": crontab(hour=3, minute=17),  # daily, at a quiet hour
    },
}
