"""`make run`: daphne + a Celery inference worker + a light worker (reference answers and
maintenance) + Celery beat (+ a private redis-server when REDIS_URL is unset), each started
again if it exits (loraland_site/supervisor.py)."""

import os
import signal
import subprocess
import sys
from contextlib import suppress
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from loraland_site.devservices import (
    daphne_command,
    inference_threads,
    start_private_redis,
    stop,
    wait_for_port,
    worker_command,
)
from loraland_site.supervisor import Supervisor
from playground import retention

# Reference answers in flight at once; each thread only waits on the reference API.
REFERENCE_THREADS = 16


class Command(BaseCommand):
    help = (
        "Serve the site: daphne, one Celery inference worker, one reference worker, one "
        "training worker, celery beat and, if needed, Redis."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, host, port, **options):
        env, redis = dict(settings.SERVE_CHILD_ENV), None
        redis_url = settings.REDIS_URL
        if not redis_url:
            redis = start_private_redis()
            if redis:
                redis_url = env["REDIS_URL"] = redis[1]
                self.log(f"started a private redis-server at {redis_url}")
            else:
                self.log(
                    "no REDIS_URL and no redis-server: running in-process "
                    "(tasks on threads of the web process, in-memory channel layer)"
                )
        supervisor = Supervisor(self.log)
        try:
            self.purge_old_answers()
            if redis_url:
                supervisor.add("the inference worker", lambda: self.start_worker(env))
                supervisor.add("the reference worker", lambda: self.start_reference_worker(env))
                supervisor.add("the training worker", lambda: self.start_training_worker(env))
                supervisor.add("celery beat", lambda: self.start_beat(env))
            web = supervisor.add("daphne", lambda: self.start_daphne(env, host, port))
            wait_for_port(port, timeout_s=60, proc=web.proc)
            self.log(f"LoRA Land is up: http://{host}:{port}/  (Ctrl-C stops)")
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
            with suppress(KeyboardInterrupt):
                supervisor.run()
        finally:
            for proc in reversed(supervisor.processes()):
                stop(proc)
            if redis:
                stop(redis[0])

    def start_worker(self, env):
        command = worker_command(inference_threads(settings.LORALAND_MAX_BATCH))
        return subprocess.Popen([*command, "--hostname", f"inference-{os.getpid()}@%h"], env=env)

    def start_reference_worker(self, env):
        """Reference answers wait on a remote API: a light worker of their own, no model."""
        command = worker_command(REFERENCE_THREADS, queues="reference,maintenance")
        return subprocess.Popen([*command, "--hostname", f"reference-{os.getpid()}@%h"], env=env)

    def start_training_worker(self, env):
        """New tasks' adapters train on a worker of their own, one job at a time, so that
        inference workers never train."""
        command = worker_command(1, queues="training")
        return subprocess.Popen([*command, "--hostname", f"training-{os.getpid()}@%h"], env=env)

    def start_beat(self, env):
        """Celery beat: sends the daily maintenance tasks (loraland_site/celery.py)."""
        schedule = Path(settings.BASE_DIR, "var", "celerybeat-schedule")
        schedule.parent.mkdir(exist_ok=True)
        command = [sys.executable, "-m", "celery", "-A", "loraland_site", "beat",
                   "--schedule", str(schedule), "--loglevel", "INFO"]  # fmt: skip
        return subprocess.Popen(command, env=env)

    def purge_old_answers(self):
        """A laptop is seldom up at beat's hour: the retention purge also runs at each start."""
        deleted = retention.purge_old_generations()
        if deleted:
            self.log(
                f"deleted {deleted} answers older than {settings.LORALAND_RETENTION_DAYS} days"
            )

    def start_daphne(self, env, host, port):
        return subprocess.Popen(daphne_command(host, port), env=env)

    def log(self, line: str):
        self.stdout.write(line)
        self.stdout.flush()
