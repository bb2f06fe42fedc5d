"""The Celery app. Workers: `celery -A loraland_site worker -Q inference`."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loraland_site.settings")

app = Celery("loraland_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["playground"])  # playground/tasks.py
