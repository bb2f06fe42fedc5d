"""Scale-out with adapter affinity, on real processes: two inference workers share Redis; once
one holds an adapter, requests for it run on that one (its own queue), not on whichever worker
the shared queue hands them to."""

import json
import sqlite3
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from loraland_site.devservices import stop, worker_command

from .conftest import ROOT
from .test_e2e import examples, one_generation, running_stack

pytestmark = pytest.mark.e2e


def start_named_worker(env: dict, name: str, log_path: Path) -> subprocess.Popen:
    log = log_path.open("w")
    command = [*worker_command(concurrency=8), "--hostname", f"{name}@%h"]
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while "ready." not in log_path.read_text():
        assert proc.poll() is None and time.monotonic() < deadline, log_path.read_text()[-2000:]
        time.sleep(0.2)
    return proc


def workers(url: str) -> list[dict]:
    return httpx.get(url + "/healthz").json()["workers"]


def worker_of(db_path: Path, generation_id: str) -> str:
    with sqlite3.connect(db_path) as db:
        (worker,) = db.execute(
            "select worker from playground_generation where id = ?",
            (generation_id.replace("-", ""),),
        ).fetchone()
    return worker


def test_requests_for_an_adapter_run_on_the_worker_that_holds_it(demo_config, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("affinity")
    with running_stack(demo_config, workdir) as stack:
        second = start_named_worker(stack.env, "second", workdir / "second.log")
        try:
            deadline = time.monotonic() + 30
            while len(workers(stack.url)) < 2:
                assert time.monotonic() < deadline, workers(stack.url)
                time.sleep(0.5)
            inputs = examples(stack, "e2e_nlg")[0]["inputs"]
            request = {"type": "generate", "task": "e2e_nlg", "inputs": inputs,
                       "params": {"max_new_tokens": 4}}  # fmt: skip
            first = one_generation(stack.url, request)
            holder = worker_of(stack.db_path, first[0]["generation_id"])
            deadline = time.monotonic() + 10  # its next heartbeat lists the adapter
            while not any(
                w["id"] == holder and "e2e_nlg" in w["adapters"] for w in workers(stack.url)
            ):
                assert time.monotonic() < deadline, json.dumps(workers(stack.url))
                time.sleep(0.2)
            ran_on = {
                worker_of(stack.db_path, one_generation(stack.url, request)[0]["generation_id"])
                for _ in range(8)
            }
            assert ran_on == {holder}  # the shared queue would have spread eight over two
            others = [w for w in workers(stack.url) if w["id"] != holder]
            assert others and all("e2e_nlg" not in w["adapters"] for w in others)
        finally:
            stop(second)
