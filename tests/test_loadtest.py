"""`make loadtest`, small: a handful of WebSocket clients on a private stack of the test demo,
then the engine alone on the same requests. Only correctness is asserted (nothing lost, no
error, every answer the engine's greedy one); its speed figures are the benchmark's business."""

import json
import subprocess
import sys

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.e2e


def test_the_load_test_loses_nothing_and_every_answer_is_the_engine_s(demo_config):
    command = [sys.executable, "scripts/loadtest.py", "--clients", "8", "--requests", "3",
               "--rounds", "2", "--max-new-tokens", "8", "--max-batch", "8", "--json",
               "--base-model", str(demo_config.base_dir),
               "--adapter-dir", str(demo_config.adapter_dir)]  # fmt: skip
    ran = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    report = json.loads(ran.stdout)
    assert ran.returncode == 0, ran.stderr[-3000:]
    # two rounds of 8 x 3, each checked against the engine's answers to that round's requests
    assert report["sent"] == 48 and report["lost"] == report["errors"] == 0
    assert report["mismatches"] == 0
    assert report["tokens_per_s"] > 0 and report["engine_tokens_per_s"] > 0
    assert len(report["rounds_site_vs_engine"]) == 2


async def test_a_request_whose_answer_never_comes_is_counted_lost_not_a_crash(monkeypatch):
    """A site that takes the request and then says nothing: the client gives up after the
    answer timeout, and its requests are left out of the answers (the report counts them lost)."""
    import importlib.util

    from websockets.asyncio.server import serve

    spec = importlib.util.spec_from_file_location("loadtest", ROOT / "scripts" / "loadtest.py")
    loadtest = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loadtest)
    monkeypatch.setattr(loadtest, "ANSWER_TIMEOUT_S", 0.3)

    async def silent(ws):
        async for _ in ws:  # reads every request, answers none
            pass

    async with serve(silent, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        requests = [{"type": "generate", "client_ref": "0-0"}, {"type": "generate"}]
        answers = await loadtest.one_client(f"http://127.0.0.1:{port}", requests)
    assert answers == []
