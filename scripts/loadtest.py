"""The load test (`make loadtest`): a private stack on loopback (redis-server, one Celery
inference worker, daphne, a SQLite file), many WebSocket clients at once, each sending greedy
requests one after another over the catalog's tasks; then the engine alone, with the same batch
cap, on the same requests. Site and engine alternate for a few rounds in one run, each round
from nothing (a new stack, a new engine process), and the end-to-end tokens/s against the
engine's is the median of the rounds' ratios (the shared host's speed drifts more between runs
than the gap being measured). Prints a table (and JSON with --json): requests/s, tokens/s,
TTFT p50/p95, and that ratio. Exits 1 if a request was lost, failed, or answered other than
the engine's greedy answer to the same prompt.

    python scripts/loadtest.py [--clients 100] [--requests 5] [--rounds 3]
                               [--max-new-tokens 32] [--json]
"""

import argparse
import asyncio
import json
import multiprocessing
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from tqdm import tqdm
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

ROOT = Path(__file__).resolve().parent.parent
ANSWER_TIMEOUT_S = 300  # the longest wait for a client's next frame before its request is lost
sys.path.insert(0, str(ROOT))

from loraland_site.devservices import (  # noqa: E402
    daphne_command,
    free_port,
    inference_threads,
    start_private_redis,
    stop,
    wait_for_port,
    worker_command,
)


def main() -> int:
    args = parse_args()
    rounds = []
    for _ in tqdm(range(args.rounds), desc="rounds (site, then engine alone)",
                  disable=args.rounds == 1, file=sys.stderr):  # fmt: skip
        site, rows, env = site_round(args)
        # A process of its own, as new as the worker was: a second engine in one process
        # meets shapes the first already met, and would be the faster for it.
        spawn = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as alone:
            engine = alone.submit(engine_alone, rows, env, args.max_batch).result()
        rounds.append(summarise_round(site, engine))
    report = summarise(rounds, args)
    print(json.dumps(report, indent=2) if args.json else table(report))
    return 0 if report["lost"] == report["errors"] == report["mismatches"] == 0 else 1


def site_round(args) -> tuple[dict, list[dict], dict]:
    """One round through the site, on a stack of its own started from nothing (a new
    database, an empty Redis, a new worker whose caches hold nothing yet): the clients'
    answers, the rows the site stored, and the stack's environment."""
    with tempfile.TemporaryDirectory(prefix="loraland-loadtest-") as workdir:
        env = stack_env(args, Path(workdir))
        db_path = Path(workdir) / "db.sqlite3"
        procs = []
        try:
            redis = start_private_redis()
            if redis is None:
                sys.exit("loadtest needs redis-server on PATH")
            procs.append(redis[0])
            env["REDIS_URL"] = redis[1]
            for command in (["migrate", "--noinput"], ["load_tasks"]):
                subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env,
                               check=True, capture_output=True)  # fmt: skip
            threads = inference_threads(args.max_batch)
            procs.append(start_worker(env, Path(workdir) / "worker.log", threads))
            port = free_port()
            quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
            daphne = daphne_command("127.0.0.1", port)
            procs.append(subprocess.Popen(daphne, cwd=ROOT, env=env, **quiet))
            wait_for_port(port, timeout_s=60, proc=procs[-1])
            requests = plan(db_path, args)
            named = {"redis": procs[0], "worker": procs[1], "daphne": procs[2]}
            before = {name: cpu_seconds(proc.pid) for name, proc in named.items()}
            clients_before = time.process_time()
            url = f"http://127.0.0.1:{port}"
            site = asyncio.run(run_clients(url, requests, args.clients))
            site["cpu_s"] = {
                **{name: cpu_seconds(p.pid) - before[name] for name, p in named.items()},
                "clients": time.process_time() - clients_before,
            }
        finally:
            for proc in reversed(procs):
                stop(proc)
        return site, stored_answers(db_path), env


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--requests", type=int, default=5, help="per client, one after another")
    parser.add_argument(
        "--rounds", type=positive, default=3, help="site, then engine alone, in turn"
    )
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.add_argument("--max-batch", type=int, default=32, help="LORALAND_MAX_BATCH")
    parser.add_argument(
        "--base-model",
        default=os.environ.get(
            "LORALAND_BASE_MODEL", str(ROOT / "var/models/SmolLM2-135M-Instruct")
        ),
    )
    parser.add_argument(
        "--adapter-dir", default=os.environ.get("LORALAND_ADAPTER_DIR", str(ROOT / "var/adapters"))
    )
    parser.add_argument("--json", action="store_true")
    return parser.parse_args()


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def stack_env(args, workdir: Path) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
        "LORALAND_BASE_MODEL": args.base_model,
        "LORALAND_ADAPTER_DIR": args.adapter_dir,
        "LORALAND_MAX_BATCH": str(args.max_batch),
        # every client comes from 127.0.0.1, each on a socket of its own: no per-IP limit
        "LORALAND_WS_REQUESTS_PER_MINUTE_IP": "0",
        "LORALAND_WORKER_METRICS_PORT": "0",
        "LOG_LEVEL": "WARNING",
    }


def start_worker(env: dict, log_path: Path, threads: int) -> subprocess.Popen:
    log = log_path.open("w")
    proc = subprocess.Popen(worker_command(threads), cwd=ROOT, env={**env, "LOG_LEVEL": "INFO"},
                            stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    deadline = time.monotonic() + 120
    while "ready." not in log_path.read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            stop(proc)
            sys.exit("the worker did not start:\n" + log_path.read_text()[-2000:])
        time.sleep(0.2)
    return proc


def plan(db_path: Path, args) -> list[list[dict]]:
    """Each client's requests: the catalog's tasks in turn (those with an adapter, when some
    have one), each task's examples in turn, the fine-tuned model where the task has an
    adapter (else the base), greedy."""
    with sqlite3.connect(db_path) as db:
        tasks = db.execute(
            "select id, slug, examples from playground_task order by position"
        ).fetchall()
        adapted = {task_id for (task_id,) in db.execute(
            "select task_id from playground_adapter where is_active")}  # fmt: skip
    catalog = [
        (slug, task_id in adapted, json.loads(examples)) for task_id, slug, examples in tasks
    ]
    # The tasks the base serves an adapter for (all 25 with SmolLM2); their examples fit its
    # context (some of the others' are longer than the tiny test model's 512 tokens).
    catalog = [entry for entry in catalog if entry[2] and (entry[1] or not adapted)]
    clients = []
    for client in range(args.clients):
        requests = []
        for turn in range(args.requests):
            n = client * args.requests + turn
            slug, adapted_task, examples = catalog[n % len(catalog)]
            requests.append({
                "type": "generate", "task": slug,
                "model": "finetuned" if adapted_task else "base",
                "inputs": examples[(n // len(catalog)) % len(examples)]["inputs"],
                "params": {"max_new_tokens": args.max_new_tokens, "temperature": 0},
                "client_ref": f"{client}-{turn}",
            })  # fmt: skip
        clients.append(requests)
    return clients


async def run_clients(url: str, clients: list[list[dict]], concurrency: int) -> dict:
    started = time.perf_counter()
    results = await asyncio.gather(*(one_client(url, requests) for requests in clients))
    elapsed = time.perf_counter() - started
    answers = [answer for client in results for answer in client]
    return {"elapsed_s": elapsed, "answers": answers, "sent": sum(len(c) for c in clients)}


async def one_client(url: str, requests: list[dict]) -> list[dict]:
    """The client's answers, one after another; a request whose end never came (no frame for
    ANSWER_TIMEOUT_S, or the socket closed) ends the client, and it and those after it are
    counted as lost."""
    answers = []
    try:
        async with connect(url.replace("http", "ws") + "/ws/generate/", origin=url,
                           max_size=None, open_timeout=60) as ws:  # fmt: skip
            for request in requests:
                sent = time.perf_counter()
                await ws.send(json.dumps(request))
                first, frame = None, {}
                while frame.get("type") not in ("done", "error"):
                    frame = json.loads(await asyncio.wait_for(ws.recv(), ANSWER_TIMEOUT_S))
                    if frame.get("type") == "token" and first is None:
                        first = time.perf_counter()
                answers.append({**frame, "ttft_s": (first or time.perf_counter()) - sent})
    except (TimeoutError, ConnectionClosed, OSError) as exc:
        print(f"a client gave up after {len(answers)} answers: {exc!r}", file=sys.stderr)
    return answers


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stored_answers(db_path: Path) -> list[dict]:
    with sqlite3.connect(db_path) as db:
        db.row_factory = sqlite3.Row
        return [dict(row) for row in db.execute(
            "select id, prompt, model_kind, adapter_name, output, completion_tokens, status, "
            "params from playground_generation")]  # fmt: skip


def engine_alone(rows: list[dict], env: dict, max_batch: int) -> dict:
    """The requests the site answered, submitted to one new engine at once, as the worker's
    would be (its first request, run alone before the clock starts, loads an adapter and lets
    torch settle)."""
    from worker.engine import DoneEvent, Engine, EngineConfig, GenerationRequest, SamplingParams

    rows = [row for row in rows if row["status"] == "done"]
    config = EngineConfig(
        base_model=env["LORALAND_BASE_MODEL"],
        adapter_dir=env["LORALAND_ADAPTER_DIR"],
        max_batch=max_batch,
    )
    engine = Engine(config)
    try:
        requests = [
            GenerationRequest(
                prompt=row["prompt"], adapter=row["adapter_name"] or None,
                params=SamplingParams(max_new_tokens=json.loads(row["params"])["max_new_tokens"]),
                chat=row["model_kind"] == "base",
            )
            for row in rows
        ]  # fmt: skip
        if requests:
            engine.generate(requests[0])
        started = time.perf_counter()
        handles = [engine.submit(request) for request in requests]
        done = [next(e for e in h.events() if isinstance(e, DoneEvent)) for h in handles]
        elapsed = time.perf_counter() - started
    finally:
        engine.close()
    return {
        "elapsed_s": elapsed,
        "texts": {row["id"]: d.text for row, d in zip(rows, done, strict=True)},
        "tokens": sum(d.completion_tokens for d in done),
    }


def summarise_round(site: dict, engine: dict) -> dict:
    answers = site["answers"]
    done = [a for a in answers if a.get("type") == "done"]
    # SQLite keeps a UUID as 32 hex digits
    mismatches = [
        a["generation_id"]
        for a in done
        if engine["texts"].get(a["generation_id"].replace("-", "")) != a["text"]
    ]
    tokens = sum(a["usage"]["completion_tokens"] or 0 for a in done)
    site_tps = tokens / site["elapsed_s"]
    engine_tps = engine["tokens"] / engine["elapsed_s"] if engine["elapsed_s"] else 0.0
    return {
        "sent": site["sent"],
        "answers": answers,
        "mismatches": len(mismatches),
        "done": len(done),
        "elapsed_s": site["elapsed_s"],
        "tokens_per_s": site_tps,
        "engine_tokens_per_s": engine_tps,
        "site_vs_engine": site_tps / engine_tps if engine_tps else None,
        "cpu_s": site["cpu_s"],
    }


def summarise(rounds: list[dict], args) -> dict:
    """Counts over every round; speeds as the median of the rounds' (each ratio taken within one
    round, site and engine a minute apart)."""
    answers = [a for r in rounds for a in r["answers"]]
    errors = [a for a in answers if a.get("type") == "error"]
    ttfts = sorted(a["ttft_s"] for a in answers if a.get("type") == "done")
    ratios = [r["site_vs_engine"] for r in rounds if r["site_vs_engine"] is not None]

    def median(key: str, digits: int = 1) -> float:
        return round(statistics.median(r[key] for r in rounds), digits)

    return {
        "clients": args.clients,
        "requests_per_client": args.requests,
        "rounds": args.rounds,
        "max_new_tokens": args.max_new_tokens,
        "max_batch": args.max_batch,
        "sent": sum(r["sent"] for r in rounds),
        "lost": sum(r["sent"] - len(r["answers"]) for r in rounds),
        "errors": len(errors),
        "error_codes": sorted({e.get("code") for e in errors}),
        "mismatches": sum(r["mismatches"] for r in rounds),
        "requests_per_s": round(statistics.median(r["done"] / r["elapsed_s"] for r in rounds), 2),
        "tokens_per_s": median("tokens_per_s"),
        "ttft_p50_ms": round(1000 * statistics.median(ttfts), 1) if ttfts else None,
        "ttft_p95_ms": round(1000 * ttfts[int(0.95 * (len(ttfts) - 1))], 1) if ttfts else None,
        "engine_tokens_per_s": median("engine_tokens_per_s"),
        "site_vs_engine": round(statistics.median(ratios), 2) if ratios else None,
        "rounds_site_vs_engine": [round(ratio, 3) for ratio in ratios],
        "rounds_tokens_per_s": [round(r["tokens_per_s"], 1) for r in rounds],
        "rounds_engine_tokens_per_s": [round(r["engine_tokens_per_s"], 1) for r in rounds],
        # where the machine's CPU went during the clients' runs (2 cores: 2 s a second)
        "elapsed_s": round(sum(r["elapsed_s"] for r in rounds), 1),
        "cpu_s": {
            name: round(sum(r["cpu_s"][name] for r in rounds), 1) for name in rounds[0]["cpu_s"]
        },
    }


def table(report: dict) -> str:
    width = max(map(len, report))
    return "\n".join(f"{key:>{width}}  {value}" for key, value in report.items())


if __name__ == "__main__":
    sys.exit(main())
