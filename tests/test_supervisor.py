"""`manage.py serve`'s supervisor (loraland_site/supervisor.py) on real processes: one that
dies is started again after a growing backoff, and the others are never touched."""

import os
import signal
import subprocess
import sys
import time

import pytest

from loraland_site import supervisor as supervision
from loraland_site.devservices import stop


def sleeper() -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])


@pytest.fixture
def fast_backoff(monkeypatch):
    monkeypatch.setattr(supervision, "FIRST_BACKOFF_S", 0.2)


def until(condition, timeout_s=10.0, run=None):
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        if run:
            run()
        time.sleep(0.05)


def test_a_killed_process_is_started_again_and_the_others_go_on(fast_backoff):
    logged = []
    sup = supervision.Supervisor(logged.append)
    worker, web = sup.add("the worker", sleeper), sup.add("daphne", sleeper)
    try:
        first_pid, web_pid = worker.proc.pid, web.proc.pid
        os.kill(first_pid, signal.SIGKILL)
        until(lambda: worker.restarts == 1, run=sup.check)
        assert worker.proc.pid != first_pid and worker.proc.poll() is None
        assert web.proc.pid == web_pid and web.proc.poll() is None  # daphne untouched
        assert any("the worker exited with status -9" in line for line in logged)
        # Dying again at once: the wait doubles (0.2 s, then 0.4 s).
        os.kill(worker.proc.pid, signal.SIGKILL)
        until(lambda: worker.restart_at is not None, run=sup.check)
        assert worker.restart_at - time.monotonic() > 0.25
        until(lambda: worker.restarts == 2, run=sup.check)
    finally:
        for proc in sup.processes():
            stop(proc)


def test_a_process_that_ran_a_while_starts_over_from_the_first_backoff(fast_backoff, monkeypatch):
    monkeypatch.setattr(supervision, "HEALTHY_AFTER_S", 0.0)
    sup = supervision.Supervisor(lambda line: None)
    worker = sup.add("the worker", sleeper)
    worker.backoff_s = 16.0  # after many quick deaths
    try:
        os.kill(worker.proc.pid, signal.SIGKILL)
        until(lambda: worker.restart_at is not None, run=sup.check)
        assert worker.restart_at - time.monotonic() < 1.0
    finally:
        for proc in sup.processes():
            stop(proc)
