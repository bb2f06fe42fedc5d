"""Start helper processes for `make run` and the tests: a private redis-server, free ports."""

import shutil
import socket
import subprocess
import sys
import time

# An inference worker's threads beyond its batch: requests it has started and handed to the
# engine, waiting there for a row. A row that frees is filled from the engine's own queue at
# once, not after a round trip to Redis (workers take a task only when a thread is free:
# settings.CELERY_WORKER_DISABLE_PREFETCH); and a waiting request is a started one, which the
# reaper fails if the worker dies, not a reserved one that would wait out Redis's timeout.
THREADS_AHEAD = 8


def inference_threads(max_batch: int) -> int:
    return max_batch + THREADS_AHEAD


def worker_command(concurrency: int, queues: str = "inference") -> list[str]:
    """A Celery worker on threads: an inference worker's process holds one engine shared by
    its tasks; a reference worker ("reference" queue) only waits on the reference API."""
    return [
        sys.executable, "-m", "celery", "-A", "loraland_site", "worker", "-Q", queues,
        "--pool", "threads", "--concurrency", str(concurrency), "--loglevel", "INFO",
    ]  # fmt: skip


def daphne_command(host: str, port: int) -> list[str]:
    return [sys.executable, "-m", "daphne", "-b", host, "-p", str(port),
            "loraland_site.asgi:application"]  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout_s: float = 30.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with status {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on port {port} after {timeout_s}s")


def start_private_redis() -> tuple[subprocess.Popen, str] | None:
    """A throw-away redis-server on a free port (no persistence); None if none is installed."""
    binary = shutil.which("redis-server")
    if binary is None:
        return None
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    wait_for_port(port, proc=proc)
    return proc, f"redis://127.0.0.1:{port}/0"


def stop(proc: subprocess.Popen, timeout_s: float = 10.0) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
