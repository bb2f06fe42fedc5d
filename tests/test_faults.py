"""Faults, on real processes. The inference worker under `manage.py serve` (as `make run`
starts it) killed with SIGKILL mid-answer: the visitor gets an error frame, the row is
failed, the site goes on serving, and the worker that serve starts again answers the next
request. The stack's private Redis shut down and started again, emptied: new answers work
without restarting the web or the workers."""

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from functools import partial

import httpx
import pytest
from websockets.asyncio.client import connect

from loraland_site.devservices import (
    daphne_command,
    free_port,
    start_private_redis,
    stop,
    wait_for_port,
)

from .conftest import ROOT
from .test_e2e import one_generation, running_stack, start_serve, start_worker

pytestmark = pytest.mark.e2e
LONG = {"type": "generate", "task": "webnlg", "model": "base", "inputs": None,
        "params": {"max_new_tokens": 256, "temperature": 2}}  # fmt: skip


@pytest.fixture
def serve(demo_config, tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k != "REDIS_URL"},  # serve starts its own
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "LORALAND_BASE_MODEL": str(demo_config.base_dir),
        "LORALAND_ADAPTER_DIR": str(demo_config.adapter_dir),
        "LORALAND_STREAM_INTERVAL_MS": "0",
        "LORALAND_WORKER_METRICS_PORT": str(free_port()),
        "DEBUG": "true",
    }
    for command in (["migrate", "--noinput"], ["load_tasks"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True)
    proc, url, lines = start_serve(env)
    try:
        yield proc, url, lines, tmp_path / "db.sqlite3"
    finally:
        stop(proc)


def inference_worker_pid(serve_pid: int) -> int | None:
    found = subprocess.run(
        ["pgrep", "-f", f"inference-{serve_pid}@"], capture_output=True, text=True
    )
    pids = [int(p) for p in found.stdout.split()]
    return pids[0] if pids else None


def wait_for_a_worker(url: str, timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while httpx.get(url + "/healthz").status_code != 200:
        assert time.monotonic() < deadline, "no inference worker came back"
        time.sleep(0.5)


async def answer_killed_mid_stream(url: str, request: dict, kill) -> tuple[list[dict], float]:
    """Send `request`, call `kill()` once its first token arrives, then collect frames up to
    the last; returns them and the seconds from the kill to the last frame."""
    async with connect(url.replace("http", "ws") + "/ws/generate/", origin=url) as ws:
        await ws.send(json.dumps(request))
        frames, killed_at = [], None
        while not frames or frames[-1]["type"] not in ("done", "error"):
            frames.append(json.loads(await asyncio.wait_for(ws.recv(), timeout=60)))
            if frames[-1]["type"] == "token" and killed_at is None:
                kill()
                killed_at = time.monotonic()
        return frames, time.monotonic() - (killed_at or time.monotonic())


def test_a_worker_killed_mid_answer_fails_its_answer_and_another_takes_the_next(serve):
    proc, url, lines, db_path = serve
    example = {"modified_triple_set_preprocessed": "a | b | c"}
    # At temperature 2 some seeds end within a few tokens, before the kill lands; such an
    # answer is done, the worker is killed all the same, and the next seed is tried.
    for seed in range(6):
        wait_for_a_worker(url)
        pid = inference_worker_pid(proc.pid)
        request = {**LONG, "inputs": example, "params": {**LONG["params"], "seed": seed}}
        frames, waited_s = asyncio.run(
            answer_killed_mid_stream(url, request, partial(os.kill, pid, signal.SIGKILL))
        )
        if frames[-1]["type"] == "error":
            break
    else:
        pytest.fail("every answer ended before its worker was killed")
    last = frames[-1]
    assert last["code"] == "WORKER_LOST" and waited_s < 30  # told within 30 s
    with sqlite3.connect(db_path) as db:
        status, code = db.execute(
            "select status, error_code from playground_generation where id = ?",
            (last["generation_id"].replace("-", ""),),
        ).fetchone()
    assert (status, code) == ("error", "WORKER_LOST")
    assert httpx.get(url + "/").status_code == 200  # daphne never went down
    wait_for_a_worker(url)  # serve started the worker again
    assert inference_worker_pid(proc.pid) not in (None, pid)
    again = {**LONG, "params": {"max_new_tokens": 8}, "inputs": example}
    frames, _ = asyncio.run(answer_killed_mid_stream(url, again, lambda: None))
    assert frames[-1]["type"] == "done"
    log = "".join(lines)
    assert "the inference worker exited with status -9" in log and "started again" in log


def restart_redis(url: str) -> subprocess.Popen:
    """Shut the stack's Redis down (losing everything in it) and start a new one on its port."""
    port = url.rsplit(":", 1)[1].split("/")[0]
    subprocess.run(["redis-cli", "-p", port, "shutdown", "nosave"], capture_output=True)
    time.sleep(0.5)
    fresh = subprocess.Popen(
        ["redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    wait_for_port(int(port), proc=fresh)
    return fresh


def test_after_a_redis_restart_new_answers_work_without_restarting_anything(
    demo_config, tmp_path_factory
):
    with running_stack(demo_config, tmp_path_factory.mktemp("redis-restart")) as stack:
        request = {"type": "generate", "task": "glue_sst2", "inputs": {"sentence": "a fine film"},
                   "params": {"max_new_tokens": 2}}  # fmt: skip
        assert one_generation(stack.url, request)[-1]["type"] == "done"
        fresh = restart_redis(stack.env["REDIS_URL"])
        try:
            wait_for_a_worker(stack.url)  # the worker beats again into the new Redis
            deadline = time.monotonic() + 60
            while True:  # the first tries may meet connections still being re-made
                try:
                    last = one_generation(stack.url, request)[-1]
                except Exception:
                    last = {"type": "error", "code": "socket"}
                if last["type"] == "done" or time.monotonic() > deadline:
                    break
                time.sleep(1)
            assert last["type"] == "done", last
        finally:
            stop(fresh)


def test_requests_queued_behind_a_killed_worker_go_to_the_next_one(demo_config, tmp_path):
    """A worker takes only what it can start (worker_disable_prefetch): three requests to a
    one-thread worker, the first killed mid-answer: the other two wait in Redis, and a worker
    started after the kill answers them, with no visibility timeout to wait out."""
    redis = start_private_redis()
    env = {
        **os.environ,
        "REDIS_URL": redis[1],
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "LORALAND_BASE_MODEL": str(demo_config.base_dir),
        "LORALAND_ADAPTER_DIR": str(demo_config.adapter_dir),
        "LORALAND_STREAM_INTERVAL_MS": "0",
        "LORALAND_WORKER_METRICS_PORT": "0",
    }
    procs = [redis[0]]
    try:
        for command in (["migrate", "--noinput"], ["load_tasks"]):
            subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True)
        first = start_worker(env, tmp_path / "first.log", concurrency=1)
        procs.append(first)
        port = free_port()
        procs.append(subprocess.Popen(daphne_command("127.0.0.1", port), cwd=ROOT, env=env))
        wait_for_port(port, timeout_s=60, proc=procs[-1])
        url = f"http://127.0.0.1:{port}"
        example = {"modified_triple_set_preprocessed": "a | b | c"}
        requests = [
            {**LONG, "inputs": example, "params": {**LONG["params"], "seed": seed},
             "client_ref": f"r{seed}"}
            for seed in range(3)
        ]  # fmt: skip

        async def session():
            async with connect(url.replace("http", "ws") + "/ws/generate/", origin=url) as ws:
                for request in requests:
                    await ws.send(json.dumps(request))
                ends, started, killed = {}, {}, False
                while len(ends) < len(requests):
                    frame = json.loads(await asyncio.wait_for(ws.recv(), timeout=120))
                    if frame["type"] == "started":
                        started[frame["generation_id"]] = frame["client_ref"]
                    elif frame["type"] == "token" and not killed:
                        os.kill(first.pid, signal.SIGKILL)  # mid-answer, two more waiting
                        killed = True
                        procs.append(start_worker(env, tmp_path / "second.log", concurrency=1))
                    elif frame["type"] in ("done", "error"):
                        ends[started[frame["generation_id"]]] = frame
                return ends

        ends = asyncio.run(asyncio.wait_for(session(), timeout=300))
        kinds = [frame.get("code", frame["type"]) for frame in ends.values()]
        # The one running when the kill landed is lost (or, if it ended just before, the next
        # one is); every other waited in Redis and is answered by the new worker. Had the
        # killed worker reserved one, it would not have come back within the timeout.
        assert kinds.count("done") >= 2 and set(kinds) <= {"done", "WORKER_LOST"}, ends
    finally:
        for proc in reversed(procs):
            stop(proc)
