"""Adapter affinity against plain shared-queue routing, on a private loopback stack of the tiny
test base (`loraland-mini`, built by the test suite under var/test): 100 adapters registered
(pinned versions of one task, each its own adapter name), each worker's pool holding 25,
requests of Zipf popularity (s=1) sent through the API by concurrent clients, at 2 and at 4
workers. Prints a table (and JSON with --json): adapter loads per 1,000 requests (after the
warm-up) and tokens/s, for each routing and worker count, and the ratios within the run.

    python scripts/affinity_bench.py [--requests 20000] [--warmup 1000] [--clients 32] [--json]
"""

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from loraland_site.devservices import (  # noqa: E402
    daphne_command,
    free_port,
    start_private_redis,
    stop,
    wait_for_port,
    worker_command,
)

TASK = "e2e_nlg"
REGISTER = """
from playground.models import Adapter, Task
task = Task.objects.get(slug={task!r})
for version in range(1, {n} + 1):
    Adapter.objects.get_or_create(task=task, name=f"bench/{{version}}",
                                  defaults={{"family": "bench", "version": version}})
"""


def main() -> None:
    args = parse_args()
    results = []
    for workers in args.workers:
        for affinity in (False, True):
            results.append(run(args, workers, affinity))
            print(line(results[-1]), file=sys.stderr)
    report = {"settings": vars(args), "runs": results, "ratios": ratios(results)}
    print(json.dumps(report, indent=2) if args.json else table(report))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--warmup", type=int, default=1_000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--adapters", type=int, default=100)
    parser.add_argument("--pool", type=int, default=25, help="LORALAND_MAX_ACTIVE_ADAPTERS")
    parser.add_argument("--workers", type=int, nargs="+", default=[2, 4])
    parser.add_argument("--base", default=str(ROOT / "var/test/models/loraland-mini"))
    parser.add_argument("--source-adapter", default=str(ROOT / "var/test/adapters" / TASK))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    return parser.parse_args()


def run(args, n_workers: int, affinity: bool) -> dict:
    with tempfile.TemporaryDirectory(prefix="loraland-affinity-") as workdir:
        workdir = Path(workdir)
        adapters = workdir / "adapters"
        for version in range(1, args.adapters + 1):  # a name each, the same weights
            shutil.copytree(args.source_adapter, adapters / "bench" / str(version))
        shutil.copytree(args.source_adapter, adapters / TASK)
        redis = start_private_redis()
        if redis is None:
            sys.exit("the benchmark needs redis-server on PATH")
        env = {
            **os.environ, "REDIS_URL": redis[1],
            "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
            "LORALAND_BASE_MODEL": args.base, "LORALAND_ADAPTER_DIR": str(adapters),
            "LORALAND_MAX_ACTIVE_ADAPTERS": str(args.pool),
            "LORALAND_ADAPTER_AFFINITY": "true" if affinity else "false",
            "LORALAND_THREADS": "1", "LOG_LEVEL": "WARNING",
        }  # fmt: skip
        procs = [redis[0]]
        try:
            manage(env, "migrate", "--noinput")
            manage(env, "load_tasks")
            manage(env, "shell", "-c", REGISTER.format(task=TASK, n=args.adapters))
            key = manage(env, "create_api_key", "--name", "bench", "--requests-per-minute", "0",
                         "--max-concurrent", "0").strip().splitlines()[-1]  # fmt: skip
            ports = [free_port() for _ in range(n_workers)]
            for index, port in enumerate(ports):
                procs.append(start_worker({**env, "LORALAND_WORKER_METRICS_PORT": str(port)},
                                          f"w{index}", workdir))  # fmt: skip
            web = free_port()
            quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
            procs.append(subprocess.Popen(daphne_command("127.0.0.1", web), cwd=ROOT, env=env,
                                          **quiet))  # fmt: skip
            wait_for_port(web, timeout_s=60, proc=procs[-1])
            models = zipf_models(args)
            url = f"http://127.0.0.1:{web}/v1/completions"
            asyncio.run(send(url, key, models[: args.warmup], args.clients))
            loads_before = sum(adapter_loads(port) for port in ports)
            started = time.perf_counter()
            tokens = asyncio.run(send(url, key, models[args.warmup :], args.clients))
            elapsed = time.perf_counter() - started
            loads = sum(adapter_loads(port) for port in ports) - loads_before
        finally:
            for proc in reversed(procs):
                stop(proc)
    measured = args.requests - args.warmup
    return {
        "workers": n_workers,
        "routing": "affinity" if affinity else "shared queue",
        "requests": measured,
        "adapter_loads": loads,
        "loads_per_1000": round(1000 * loads / measured, 1),
        "tokens_per_s": round(tokens / elapsed, 1),
        "elapsed_s": round(elapsed, 1),
    }


def manage(env: dict, *args: str) -> str:
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=True)  # fmt: skip
    return done.stdout


def start_worker(env: dict, name: str, workdir: Path) -> subprocess.Popen:
    log_path = workdir / f"{name}.log"
    command = [*worker_command(16), "--hostname", f"{name}@%h"]
    proc = subprocess.Popen(command, cwd=ROOT, env={**env, "LOG_LEVEL": "INFO"},
                            stdout=log_path.open("w"), stderr=subprocess.STDOUT)  # fmt: skip
    deadline = time.monotonic() + 120
    while "ready." not in log_path.read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            sys.exit(f"worker {name} did not start:\n" + log_path.read_text()[-2000:])
        time.sleep(0.2)
    return proc


def zipf_models(args) -> list[str]:
    """The requests' models: pinned versions, version k with weight 1/k (Zipf, s=1)."""
    versions = range(1, args.adapters + 1)
    weights = [1 / k for k in versions]
    draw = random.Random(args.seed).choices(versions, weights=weights, k=args.requests)
    return [f"{TASK}@{version}" for version in draw]


async def send(url: str, key: str, models: list[str], clients: int) -> int:
    """Every request, by `clients` concurrent clients; the tokens generated."""
    queue: asyncio.Queue[str] = asyncio.Queue()
    for model in models:
        queue.put_nowait(model)
    tokens = 0

    async def client(http: httpx.AsyncClient) -> None:
        nonlocal tokens
        while not queue.empty():
            model = queue.get_nowait()
            body = {"model": model, "prompt": "name[Blue Spice], food[Thai]", "max_tokens": 2}
            answer = await http.post(url, json=body, headers={"Authorization": f"Bearer {key}"})
            answer.raise_for_status()
            tokens += answer.json()["usage"]["completion_tokens"]

    async with httpx.AsyncClient(timeout=300) as http:
        await asyncio.gather(*(client(http) for _ in range(clients)))
    return tokens


def adapter_loads(port: int) -> float:
    text = httpx.get(f"http://127.0.0.1:{port}/metrics").text
    found = re.search(r"^loraland_adapter_loads_total ([0-9.e+]+)$", text, re.M)
    return float(found.group(1)) if found else 0.0


def ratios(results: list[dict]) -> dict:
    by = {(r["workers"], r["routing"]): r for r in results}
    out = {}
    for workers in sorted({r["workers"] for r in results}):
        shared, affinity = by[workers, "shared queue"], by[workers, "affinity"]
        out[f"{workers} workers: fewer loads"] = round(
            shared["adapter_loads"] / max(affinity["adapter_loads"], 1), 1
        )
        out[f"{workers} workers: tokens/s, affinity / shared"] = round(
            affinity["tokens_per_s"] / shared["tokens_per_s"], 2
        )
    return out


def line(result: dict) -> str:
    return " · ".join(f"{k} {v}" for k, v in result.items())


def table(report: dict) -> str:
    rows = ["| workers | routing | loads / 1,000 requests | tokens/s |", "|---|---|---|---|"]
    rows += [f"| {r['workers']} | {r['routing']} | {r['loads_per_1000']} | {r['tokens_per_s']} |"
             for r in report["runs"]]  # fmt: skip
    rows += ["", *(f"{k}: {v}x" for k, v in report["ratios"].items())]
    return "\n".join(rows)


if __name__ == "__main__":
    main()
