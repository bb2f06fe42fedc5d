"""Time one decode step of the batched forward pass, path by path, without the engine's
thread or any user: the base model alone, one adapter for every row (broadcast), rows over
many adapters (a pool row each, or grouped by adapter: whichever `LoraStack.gather` picks),
and a skewed mix. Paths alternate within each round, so a noisy machine's drift hits every
path alike. Prints a table, or JSON with --json.

    python scripts/decode_steps.py MODEL_DIR ADAPTER_DIR [--device cuda --dtype bfloat16]
        [--rows 1,32,100] [--profile 32] [--syncs] [--graph cuda]

Each path's `ops` is the number of aten ops a step runs (on a GPU a small batch's step costs
about its kernel launches). --profile N prints torch.profiler's busiest ops for each path at
N rows (where the time of a step goes: Python and kernel launches, or the kernels); --syncs
(CUDA) lists what makes the host wait for the device during one step of each path. --graph
MODE adds each path again as the engine's fixed-shape step (worker/engine/decode_graph.py:
static, compile or cuda), "graph base" and so on, in the same rounds. No
Django (a GPU box's stock image has torch, transformers and peft only); gpu_check.sh runs it.
"""

import argparse
import json
import statistics
import sys
import time
import traceback
import warnings
from collections import Counter
from pathlib import Path

import torch
from torch.utils._python_dispatch import TorchDispatchMode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.cli import int_list  # noqa: E402
from bench.workload import zipf_weights  # noqa: E402
from worker.engine.batch import Rows, batched_forward, rms_norm  # noqa: E402
from worker.engine.decode_graph import DecodeGraph, RowInput  # noqa: E402
from worker.engine.lora import load_lora_adapter  # noqa: E402
from worker.engine.model import load_base_model  # noqa: E402

POSITION = 100  # where every row's next token goes: some way into an answer


GRAPH = "graph "  # the prefix of a path run through DecodeGraph


def row_slots(path: str, rows: int, adapters: list[int]) -> list[int]:
    """The LoraStack slot of each row (0: no adapter) for one path."""
    path = path.removeprefix(GRAPH)
    if path == "base":
        return [0] * rows
    if path == "1 adapter":
        return [adapters[0]] * rows
    if path == "uniform":  # round robin: as even as rows allow
        return [adapters[row % len(adapters)] for row in range(rows)]
    # skewed, as the benchmark's popularity: rows in proportion to Zipf weights
    weights = zipf_weights(len(adapters))
    cumulative, total, slots = 0.0, sum(weights), []
    for slot, weight in zip(adapters, weights, strict=True):
        cumulative += weight
        slots += [slot] * (round(rows * cumulative / total) - len(slots))
    return slots


class Steps:
    """A base model, its adapters resident, and a KV cache: what one decode step needs."""

    def __init__(self, model_dir: str, adapter_dir: Path, device: str, dtype: str, rows: int):
        self.device = device
        self.model, _ = load_base_model(model_dir, device=device, dtype=dtype)
        names = sorted(p.name for p in adapter_dir.iterdir() if p.is_dir())
        self.forward = batched_forward(self.model, len(names), device=device, dtype=dtype)
        self.stack = self.forward.lora
        self.adapters = [self.stack.load(load_lora_adapter(n, adapter_dir / n)) for n in names]
        self.cache = self.forward.new_cache(rows, POSITION + 1, budget_bytes=2**62)
        for slot in range(rows):
            self.cache.grow(slot, POSITION + 1)
        self.vocab = self.model.config.vocab_size
        self.rows, self.graph = rows, None

    def run(self, slots: list[int], steps: int, graphed: bool = False) -> float:
        """Milliseconds per step over `steps` steps, each as the engine runs it: tokens sent
        to the device, the pass, each row's next token read back."""
        tokens = [[row % self.vocab] for row in range(len(slots))]
        started = time.perf_counter()
        if graphed:
            inputs = [RowInput(t, POSITION, slot) for (t,), slot in zip(tokens, slots, strict=True)]
            for _ in range(steps):
                self.graph.step(inputs)
            return (time.perf_counter() - started) * 1000 / steps
        for _ in range(steps):
            rows = Rows(0, [POSITION] * len(slots), slots)
            ids = torch.tensor(tokens, device=self.device)
            self.forward(ids, rows, self.cache).argmax(dim=-1).tolist()
        return (time.perf_counter() - started) * 1000 / steps

    def grouped(self, slots: list[int]) -> bool:
        """Does a decode pass of these rows read them grouped by adapter?"""
        lora = self.stack.gather(slots, one_token=True)
        return lora is not None and lora.by_adapter is not None


class OpCounter(TorchDispatchMode):
    """Counts the aten ops run (views included): on a GPU, where a small batch's step is
    bound by launching kernels, what a path costs beyond the base model's ops."""

    def __init__(self):
        super().__init__()
        self.ops = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.ops += 1
        return func(*args, **(kwargs or {}))


def ops_per_step(steps: Steps, slots: list[int], graphed: bool = False) -> int:
    with OpCounter() as counter:
        steps.run(slots, 1, graphed)
    return counter.ops


def rms_norm_equals_module(steps: Steps) -> bool:
    """Does batch.rms_norm give the model's own RMSNorm module's bits on this device? (On the
    CPU it does, tested; a GPU's fused kernel may add the squares up in another order.)"""
    norm = steps.model.model.norm
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(32, 7, norm.weight.shape[0], generator=generator) * 4
    x = x.to(device=norm.weight.device, dtype=norm.weight.dtype)
    with torch.inference_mode():
        return torch.equal(rms_norm(norm, x), norm(x))


def measure(steps: Steps, rows_list: list[int], paths: list[str], rounds: int, per_round: int):
    results = []
    for rows in rows_list:
        slots = {path: row_slots(path, rows, steps.adapters) for path in paths}
        graphed = {path: path.startswith(GRAPH) for path in paths}
        for path in paths:
            steps.run(slots[path], 3, graphed[path])  # warm-up: pool rows placed, graphs made
        times = {path: [] for path in paths}
        for _ in range(rounds):
            for path in paths:
                times[path].append(steps.run(slots[path], per_round, graphed[path]))
        for path in paths:
            base = statistics.median(times[GRAPH + "base" if graphed[path] else "base"])
            ms = statistics.median(times[path])
            results.append(
                {
                    "rows": rows,
                    "path": path,
                    "adapters": len(set(slots[path]) - {0}),
                    "grouped": steps.grouped(slots[path]),
                    "ms_per_step": round(ms, 3),
                    "vs_base": round(base / ms, 3),
                    "ops": ops_per_step(steps, slots[path], graphed[path]),
                    "ms_runs": [round(t, 3) for t in times[path]],
                }
            )
    return results


def profile(steps: Steps, rows: int, paths: list[str]) -> None:
    from torch.profiler import ProfilerActivity

    activities = [ProfilerActivity.CPU]
    if steps.device.startswith("cuda"):
        activities.append(ProfilerActivity.CUDA)
    for path in paths:
        slots, graphed = row_slots(path, rows, steps.adapters), path.startswith(GRAPH)
        steps.run(slots, 3, graphed)
        with torch.profiler.profile(activities=activities) as prof:
            steps.run(slots, 10, graphed)
        for device in ("cpu", "cuda")[: len(activities)]:
            print(f"\n=== {path}, {rows} rows, 10 steps, by {device} time ===", file=sys.stderr)
            table = prof.key_averages().table(sort_by=f"self_{device}_time_total", row_limit=14)
            print(table, file=sys.stderr)


def list_syncs(steps: Steps, rows: int, paths: list[str]) -> dict[str, dict[str, int]]:
    """What makes the host wait for the device in one step of each path (CUDA only)."""
    found = {}
    for path in paths:
        slots, graphed = row_slots(path, rows, steps.adapters), path.startswith(GRAPH)
        steps.run(slots, 2, graphed)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            torch.cuda.set_sync_debug_mode("warn")
            try:
                steps.run(slots, 1, graphed)
            finally:
                torch.cuda.set_sync_debug_mode("default")
        # the Python line that made each wait (the warning itself names no op)
        found[path] = dict(Counter(f"{Path(w.filename).name}:{w.lineno}" for w in caught))
    return found


def graph_fails(steps: Steps, mode: str, rows_list: list[int], paths: list[str]) -> str:
    """Make the fixed-shape step in `mode` and run each graphed path once (a first GPU run may
    meet what the CPU could not show); the error, its traceback on stderr, or "" if none."""
    try:
        steps.graph = DecodeGraph(steps.forward, steps.cache, steps.rows, mode)
        for rows in rows_list:
            for path in paths:
                if path.startswith(GRAPH):
                    steps.run(row_slots(path, rows, steps.adapters), 1, graphed=True)
    except Exception as exc:
        traceback.print_exc()
        return f"{type(exc).__name__}: {exc}"
    return ""


def table(results: list[dict]) -> str:
    head = f"{'rows':>5} {'path':<16} {'adapters':>8} {'grouped':>8} {'ms/step':>9} {'vs base':>8}"
    lines = [f"{head} {'ops':>5}"]
    for r in results:
        lines.append(
            f"{r['rows']:>5} {r['path']:<16} {r['adapters']:>8} {r['grouped']!s:>8} "
            f"{r['ms_per_step']:>9.3f} {r['vs_base']:>8.3f} {r['ops']:>5}"
        )
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_dir")
    parser.add_argument("adapter_dir", type=Path)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--dtype", default="float32")
    parser.add_argument("--threads", type=int, default=0, help="torch intra-op threads")
    parser.add_argument("--rows", type=int_list, default=[1, 32, 100])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=20, help="decode steps per path per round")
    parser.add_argument("--profile", type=int, metavar="ROWS")
    parser.add_argument("--syncs", action="store_true")
    parser.add_argument("--graph", choices=["static", "compile", "cuda"])
    parser.add_argument("--json", action="store_true", dest="as_json")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    paths = ["base", "1 adapter", "uniform", "skewed"]
    most_rows = max([*args.rows, args.profile or 0])
    if args.graph:
        paths += [GRAPH + path for path in paths]
    steps = Steps(args.model_dir, args.adapter_dir, args.device, args.dtype, most_rows)
    graph_error = args.graph and graph_fails(steps, args.graph, args.rows, paths)
    if graph_error:  # the eager paths are still measured
        paths = [path for path in paths if not path.startswith(GRAPH)]
    results = measure(steps, args.rows, paths, args.rounds, args.steps)
    report = {
        "device": args.device,
        "dtype": args.dtype,
        "rms_norm_equals_the_module": rms_norm_equals_module(steps),
        "graph": args.graph,
        "graph_error": graph_error or None,
        "steps": results,
    }
    if args.syncs and args.device.startswith("cuda"):
        report["syncs"] = list_syncs(steps, max(args.rows), paths)
    if args.profile:
        profile(steps, args.profile, paths)
    print(json.dumps(report, indent=2) if args.as_json else table(results))


if __name__ == "__main__":
    main(sys.argv[1:])
