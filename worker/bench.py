"""Throughput and latency of the engine against PEFT: `make bench` / `manage.py bench`.

Closed-loop users: each sends a request (a task prompt of the test split, grown to about
--prompt-tokens, 100, with the task's other prompts before it), waits for the whole answer
(exactly --new-tokens tokens), then sends the next.
Scenarios: 1, 8, 32 and 100 users over 1 adapter, 25 adapters picked uniformly, and 25 with
skewed (Zipf) popularity. Baselines in the same run: (a) PEFT `set_adapter` + `generate`, one
request at a time; (b) PEFT mixed-batch `generate(adapter_names=...)` in static batches; (c)
our engine on the base model with no LoRA, the limit. Prints a table, or one JSON document
with --json, and draws a PNG. Compare ratios inside one run: these machines are shared and
noisy.
"""

import heapq
import json
import os
import random
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field, replace
from pathlib import Path

import torch
from tqdm import tqdm

from worker.engine import Engine, ErrorEvent, GenerationRequest, SamplingParams, TokenEvent
from worker.engine.memory import release_freed_memory
from worker.engine.model import torch_dtype

MAX_STATIC_BATCH = 32  # PEFT mixed batches: as many rows as the engine decodes together


@dataclass
class Workload:
    prompts: dict[str, list[str]]  # adapter -> prompts
    adapters: list[str | None]  # what users ask for; None is the base model
    popularity: str  # uniform | skewed
    users: int
    requests: int
    new_tokens: int
    # Users read their stream this often (0: on every token); the answer's end wakes them at
    # once. Latencies come from the engine's own timestamps, so reading late does not skew them.
    read_every_s: float = 0.0

    def pick(self, rng: random.Random) -> tuple[str | None, str]:
        if self.popularity == "skewed":
            adapter = rng.choices(self.adapters, zipf_weights(len(self.adapters)))[0]
        else:
            adapter = rng.choice(self.adapters)
        # The base model answers the same mix of task prompts as the adapters do: prompt
        # lengths differ by task (32 to 102 tokens), and so does the cost of a request.
        task = adapter or rng.choice(list(self.prompts))
        return adapter, rng.choice(self.prompts[task])


def zipf_weights(count: int) -> list[float]:
    """Skewed popularity (Zipf): the i-th of `count` is asked for ~1/(i+1) as often."""
    return [1 / (rank + 1) for rank in range(count)]


@dataclass
class Samples:
    tokens: int = 0
    elapsed: float = 0.0
    ttft_ms: list[float] = field(default_factory=list)
    itl_ms: list[float] = field(default_factory=list)
    peak_rss: int = 0

    def summary(self) -> dict:
        return {
            "tokens_per_s": round(self.tokens / max(self.elapsed, 1e-9), 1),
            "ttft_ms_p50": percentile(self.ttft_ms, 50),
            "ttft_ms_p95": percentile(self.ttft_ms, 95),
            "itl_ms_p50": percentile(self.itl_ms, 50),
            "itl_ms_p95": percentile(self.itl_ms, 95),
            "requests": len(self.ttft_ms),
            "peak_rss_mb": round(self.peak_rss / 2**20, 1),
        }


def percentile(values: list[float], q: int) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[round(q / 100 * (len(ordered) - 1))], 2)


def rss_bytes() -> int:
    """This process's resident memory now (Linux /proc; 0 where there is none)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except OSError:
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE")


class RssSampler:
    """Peak RSS while a scenario runs, sampled every 20 ms on a thread."""

    def __enter__(self):
        self.peak, self._stop = rss_bytes(), threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, rss_bytes())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


# --- our engine: real concurrent users --------------------------------------------------------
def run_engine(engine: Engine, work: Workload) -> dict:
    """`work.users` threads, each a closed-loop user. Throughput counts the tokens emitted
    while every user was busy (`busy_window`), not the drain at the end, when the users
    who found no request left have gone and ever fewer remain."""
    todo, lock, samples = [work.requests], threading.Lock(), Samples()
    params = SamplingParams(max_new_tokens=work.new_tokens, ignore_eos=True)
    first_sent, left, emitted = [], [], []  # per user: first request, leaving; (time, tokens)

    def user(seed: int):
        rng, first = random.Random(seed), True
        while True:
            with lock:
                if todo[0] == 0:
                    left.append(time.perf_counter())
                    return
                todo[0] -= 1
                if first:
                    first_sent.append(time.perf_counter())
                    first = False
            adapter, prompt = work.pick(rng)
            request = GenerationRequest(prompt, adapter, params)
            ttft, gaps, stamps = stream_one(engine, request, work.read_every_s)
            with lock:
                samples.ttft_ms.append(ttft)
                samples.itl_ms += gaps
                emitted.extend(stamps)

    prefix = engine.prefix.stats
    looked_up, hits = prefix.prompt_tokens, prefix.hit_tokens
    with RssSampler() as rss:
        threads = [threading.Thread(target=user, args=(i,)) for i in range(work.users)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    samples.tokens, samples.elapsed = busy_window(emitted, first_sent, left)
    samples.peak_rss = rss.peak
    # the share of the scenario's prompt tokens that came from the prefix cache
    hit_rate = (prefix.hit_tokens - hits) / max(prefix.prompt_tokens - looked_up, 1)
    return {**samples.summary(), "prefix_hit_rate": round(hit_rate, 3)}


def busy_window(emitted: list[tuple[float, int]], first_sent: list[float], left: list[float]):
    """(tokens, seconds) from when the last user sent its first request to when the first
    user found no request left: N users' throughput is measured while N users are there, as
    a load test measures its steady state. (With fewer requests than users no such time
    exists: then the whole run.)"""
    start, end = max(first_sent), min(left)
    if end <= start:
        start = min(first_sent)
        end = max((at for at, _ in emitted), default=start)  # no tokens: an empty window
    return sum(tokens for at, tokens in emitted if start <= at <= end), end - start


def stream_one(engine: Engine, request: GenerationRequest, read_every_s: float = 0.0):
    """(time to first token ms, inter-token gaps ms, (time, tokens) of each token event) of
    one streamed request, from the engine's own timestamps."""
    handle = engine.submit(request)
    stamps = []
    for event in handle.events(poll_s=0.5, every_s=read_every_s):
        if isinstance(event, TokenEvent):
            stamps.append((event.at, event.tokens))
        elif isinstance(event, ErrorEvent):
            raise RuntimeError(f"{event.code}: {event.message}")
    done = event
    # The first token may have no text of its own (an EOS, which the benchmark asks the
    # engine not to stop at, or half a character): the engine's TTFT is that of the first
    # token, and an event's gap is shared by the tokens its text completes.
    ttft = done.ttft_ms or 0.0
    previous, gaps = handle.submitted_at + ttft / 1000, []
    for index, (at, tokens) in enumerate(stamps):
        shared_by = tokens - 1 if index == 0 else tokens  # the first token opens the stream
        if shared_by > 0:
            gaps += [(at - previous) * 1000 / shared_by] * shared_by
        previous = at
    # Tokens with no text and none after them (trailing EOS) came with the last event.
    leftover = done.completion_tokens - sum(tokens for _, tokens in stamps)
    if leftover:
        stamps.append((previous, leftover))
    return ttft, gaps, stamps


# --- PEFT baselines: one server, users queue for it --------------------------------------------
class FirstTokenClock:
    """A logits processor that notes when generate has the first token's logits (after prefill)."""

    def __init__(self):
        self.first = None

    def __call__(self, input_ids, scores):
        if self.first is None:
            if scores.is_cuda:
                torch.cuda.synchronize()  # the time the logits exist, not when they were queued
            self.first = time.perf_counter()
        return scores


def load_peft(config, adapters: list[str]):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(config.base_model, local_files_only=True)
    tokenizer.padding_side = "left"
    model = AutoModelForCausalLM.from_pretrained(
        config.base_model, dtype=torch_dtype(config.dtype), local_files_only=True
    ).to(config.device)
    root = Path(config.adapter_dir)
    model = PeftModel.from_pretrained(model, root / adapters[0], adapter_name=adapters[0])
    for name in adapters[1:]:
        model.load_adapter(root / name, adapter_name=name)
    return model.eval(), tokenizer


def peft_generate(model, tokenizer, batch: list[tuple[str, str]], new_tokens: int, mixed: bool):
    """Run one static batch; return (seconds to first token, seconds in all)."""
    from transformers import LogitsProcessorList

    clock = FirstTokenClock()
    inputs = tokenizer([prompt for _, prompt in batch], return_tensors="pt", padding=True)
    inputs = inputs.to(model.device)
    options = {"adapter_names": [name for name, _ in batch]} if mixed else {}
    if not mixed:
        model.set_adapter(batch[0][0])
    started = time.perf_counter()
    with torch.inference_mode():
        model.generate(
            **inputs,
            max_new_tokens=new_tokens,
            min_new_tokens=new_tokens,
            do_sample=False,
            pad_token_id=tokenizer.pad_token_id,
            logits_processor=LogitsProcessorList([clock]),
            **options,
        )
    return clock.first - started, time.perf_counter() - started


def run_static(model, tokenizer, work: Workload, batch_size: int, mixed: bool) -> dict:
    """Users queue for one server that runs static batches; a virtual clock adds the waits.

    Each batch's times are measured for real; a user's next request is ready when its
    previous answer is complete, and waits until the server is free."""
    rng, samples, clock = random.Random(0), Samples(), 0.0
    ready = [(0.0, user) for user in range(work.users)]
    served = 0
    with RssSampler() as rss:
        while served < work.requests:
            clock = max(clock, ready[0][0])
            batch = []
            while ready and ready[0][0] <= clock and len(batch) < batch_size:
                batch.append(heapq.heappop(ready))
            requests = [work.pick(rng) for _ in batch]
            first, total = peft_generate(model, tokenizer, requests, work.new_tokens, mixed)
            for submitted, user in batch:
                samples.ttft_ms.append((clock + first - submitted) * 1000)
                samples.itl_ms.append((total - first) / max(work.new_tokens - 1, 1) * 1000)
                heapq.heappush(ready, (clock + total, user))
            clock += total
            served += len(batch)
            samples.tokens += len(batch) * work.new_tokens
    samples.elapsed, samples.peak_rss = clock, rss.peak
    return samples.summary()


# --- memory: many adapters registered, few resident ---------------------------------------------
def run_memory_check(config, adapters: list[str], registered: int, requests: int) -> dict:
    """Register `registered` adapters (links to the real ones), keep len(adapters) resident,
    and cycle short requests through all of them: RSS above the bare base model against the
    resident adapters' bytes, and RSS growth from the first 10% of the requests to the end."""
    import tempfile

    from worker.engine.lora import load_lora_adapter

    with tempfile.TemporaryDirectory() as folder:
        names = [f"a{i:04d}" for i in range(registered)]
        for index, name in enumerate(names):
            source = Path(config.adapter_dir, adapters[index % len(adapters)])
            os.symlink(source, Path(folder, name))
        config = replace(config, adapter_dir=folder, max_active_adapters=len(adapters), max_batch=8)
        resident_bytes = sum(
            load_lora_adapter(a, Path(config.adapter_dir, a)).nbytes for a in names[: len(adapters)]
        )
        with closing(Engine(config)) as engine:
            rss = read_memory(engine, names, len(adapters), requests)
    mb = 2**20
    above_base = rss["loaded"] - rss["bare"]
    return {
        "registered": registered,
        "resident": len(adapters),
        "requests": requests,
        "rss_above_base_mb": round(above_base / mb, 1),
        "resident_adapters_mb": round(resident_bytes / mb, 1),
        "overhead_ratio": round(above_base / resident_bytes, 2),
        "adapter_rows_mb": round(rss["held"]["adapters"] / mb, 1),
        "extra_rows_mb": round(rss["held"]["extra_rows"] / mb, 1),
        "rss_growth_mb": round((rss["late"] - rss["early"]) / mb, 1),
    }


def read_memory(engine: Engine, names: list[str], resident: int, requests: int) -> dict:
    """RSS of the bare model, with `resident` adapters loaded, and early and late in a run
    of `requests` requests in batches of 8 cycling through every name."""
    params = SamplingParams(max_new_tokens=2, ignore_eos=True)

    def ask(batch: list[str | None]):
        ask_together(engine, batch, "Hello there", params)

    # The bare base model has served the same traffic (full batches) without adapters,
    # so its activations and touched cache pages count on both sides.
    for _ in range(2):
        ask([None] * engine.config.max_batch)
    release_freed_memory()  # as the engine does after each load: both sides trimmed
    bare = rss_bytes()
    ask(names[:resident])
    release_freed_memory()
    loaded, held = rss_bytes(), engine.lora.held_bytes()

    def cycle(start: int, stop: int, progress):
        for first in range(start, stop, 8):
            ask([names[(first + i) % len(names)] for i in range(8)])
            progress.update(8)

    with tqdm(total=requests, desc="memory check", unit="request", leave=False) as progress:
        cycle(0, requests // 10, progress)
        early = rss_bytes()
        cycle(requests // 10, requests, progress)
        late = rss_bytes()
    return {"bare": bare, "loaded": loaded, "held": held, "early": early, "late": late}


# --- the run ---------------------------------------------------------------------------------
def load_prompts(
    data_dir: Path, adapters: dict[str, str], per_task: int = 8, skip: int = 0
) -> dict[str, list[str]]:
    """{adapter: its task's test prompts skip..skip+per_task-1}, for {adapter: task slug}."""
    prompts = {}
    for name, slug in adapters.items():
        lines = (data_dir / slug / "test.jsonl").read_text().splitlines()[skip : skip + per_task]
        prompts[name] = [json.loads(line)["prompt"] for line in lines]
    return prompts


def adapters_in(adapter_dir: Path) -> dict[str, str]:
    """{name: task} for a folder that holds one adapter per task, named by its slug (what
    scripts/random_model.py writes); `manage.py bench` asks the catalog instead."""
    return {p.name: p.name for p in sorted(Path(adapter_dir).iterdir()) if p.is_dir()}


def held_out_prompts(data_dir: Path, adapters: dict[str, str], per_task: int = 8) -> dict[str, str]:
    """A prompt of each task that the measured users never send (the one after theirs): what
    an earlier visitor asked, so that the warm-up leaves the task's template in the prefix
    cache, as a serving engine holds the templates of the tasks it serves, and no measured
    prompt."""
    held_out = load_prompts(data_dir, adapters, 1, per_task)
    return {slug: some[0] for slug, some in held_out.items() if some}


def lengthen(prompts: dict[str, list[str]], tokenizer, tokens: int) -> dict[str, list[str]]:
    """Each prompt grown to about `tokens` tokens (issue 4 asks for ~100; the task prompts
    have 32 to 102): the task's other test prompts go before it, as few-shot examples would,
    and the front is cut off, so each ends with its own task prompt, in that task's format.
    A prompt that is that long already stays as it is."""

    def grown(task_prompts: list[str], index: int) -> str:
        text, before = task_prompts[index], index
        while len(tokenizer(text)["input_ids"]) < tokens:
            before = (before - 1) % len(task_prompts)
            text = f"{task_prompts[before]}\n\n{text}"
        if text == task_prompts[index]:
            return text  # long enough as it is
        ids = tokenizer(text, add_special_tokens=False)["input_ids"][-tokens:]
        return tokenizer.decode(ids)

    return {task: [grown(some, i) for i in range(len(some))] for task, some in prompts.items()}


def scenarios(adapters: list[str], users: list[int], baseline_users: list[int]):
    """(system, label, users, adapters asked for, popularity) for every measured run."""
    for count in users:
        yield "engine", "1 adapter", count, adapters[:1], "uniform"
        yield "engine", f"{len(adapters)} uniform", count, adapters, "uniform"
        yield "engine", f"{len(adapters)} skewed", count, adapters, "skewed"
        yield "engine_base", "no LoRA", count, [None], "uniform"
    for count in baseline_users:
        yield "peft_sequential", f"{len(adapters)} uniform", count, adapters, "uniform"
        yield "peft_mixed", f"{len(adapters)} uniform", count, adapters, "uniform"


def on_own_thread(function, *args):
    """function(*args) on a thread that ends with it. A live thread that has run torch ops
    keeps an OpenMP pool of its own, and that slows any other thread's torch ops (measured:
    a decode step 54-72 % slower; see Engine._run)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args).result()


def ask_together(engine: Engine, adapters: list[str | None], prompt: str, params) -> list:
    """One request per adapter, all submitted at once; each one's last event, in order."""
    handles = [engine.submit(GenerationRequest(prompt, name, params)) for name in adapters]
    return [list(handle.events(poll_s=0.5))[-1] for handle in handles]


def warm_engine(config, adapters: list[str], held_out: dict[str, str] | None = None) -> Engine:
    """A new engine with every adapter already resident and a full batch of them run once:
    no round pays for reading adapters or for growing the pool of adapter rows. With
    `held_out` ({adapter: a prompt of its task no user sends}), each adapter and the base
    model have also answered one prompt of each task: the prefix cache holds the tasks'
    templates (not the measured prompts), as it does on a server that has been up a while."""
    engine = Engine(config)
    full_batch = [adapters[i % len(adapters)] for i in range(config.max_batch)]
    # Two tokens: the second comes from a decode step that runs the whole batch at once.
    done = ask_together(engine, full_batch, "Hello", SamplingParams(max_new_tokens=2))
    for name, prompt in (held_out or {}).items():
        one = SamplingParams(max_new_tokens=1)
        done += ask_together(engine, [name, None], prompt, one)  # the base runs every task
    for last in done:
        if isinstance(last, ErrorEvent):
            engine.close()
            raise RuntimeError(f"warming up the engine: {last.code}: {last.message}")
    return engine


def run_all(
    args, config, prompts: dict[str, list[str]], held_out: dict[str, str] | None = None
) -> list[dict]:
    """Every scenario `args.repeats` times, in interleaved rounds so that a shared machine's
    drift hits every system alike; one row per scenario holding the median of each figure and
    every round's throughput (`tokens_per_s_runs`, for paired ratios). In each round the
    engine runs first and is closed before the PEFT baselines run, so that no system shares
    the machine with another one's idle thread pool."""
    adapters = list(prompts)
    plan = list(scenarios(adapters, args.users, args.baseline_users))
    results: list[list[dict]] = [[] for _ in plan]  # per scenario, one result per round
    on_engine = [i for i, scenario in enumerate(plan) if scenario[0].startswith("engine")]
    on_peft = [i for i in range(len(plan)) if i not in on_engine]

    def workload(round_: int, index: int) -> Workload:
        system, label, users, asked, popularity = plan[index]
        step = f"round {round_}/{args.repeats}, [{index + 1}/{len(plan)}]"
        print(f"{step} {system} {label}, {users} users", file=sys.stderr)
        requests = max(args.min_requests, args.requests_per_user * users)
        if system.startswith("peft") and args.baseline_requests:
            requests = args.baseline_requests  # PEFT one at a time is slow on a 7B model
        read_every_s = args.read_every_ms / 1000
        return Workload(prompts, asked, popularity, users, requests, args.new_tokens, read_every_s)

    for round_ in range(1, args.repeats + 1):
        if on_engine:
            with closing(warm_engine(config, adapters, held_out)) as engine:
                for index in on_engine:
                    results[index].append(run_engine(engine, workload(round_, index)))
        peft = on_own_thread(load_peft, config, adapters) if on_peft else None
        for index in on_peft:
            system, work = plan[index][0], workload(round_, index)
            batch = 1 if system == "peft_sequential" else MAX_STATIC_BATCH
            mixed = system == "peft_mixed"
            results[index].append(on_own_thread(run_static, *peft, work, batch, mixed))
    return [
        {"system": system, "adapters": label, "users": users, **combine(rounds)}
        for (system, label, users, _, _), rounds in zip(plan, results, strict=True)
    ]


def combine(results: list[dict]) -> dict:
    """The median of each figure over the rounds; requests summed, peak RSS the highest."""
    row = {}
    for key in results[0]:
        values = [r[key] for r in results if r[key] is not None]
        if key == "requests":
            row[key] = sum(values)
        elif key == "peak_rss_mb":
            row[key] = max(values)
        else:
            row[key] = round(statistics.median(values), 2) if values else None
    row["tokens_per_s_runs"] = [r["tokens_per_s"] for r in results]
    return row


def ratios(rows: list[dict], adapters: int) -> dict:
    """Throughput ratios, each the median over rounds of the ratio within one round (the two
    systems ran minutes apart at most, so the machine's drift cancels out); `ratio_rounds`
    keeps every round's, so that several runs' rounds can be pooled."""

    def runs(system, users, label=f"{adapters} uniform"):
        for row in rows:
            if (row["system"], row["users"], row["adapters"]) == (system, users, label):
                return row["tokens_per_s_runs"]
        return None

    def per_round(ours, theirs) -> list[float] | None:
        if not ours or not theirs:
            return None
        return [a / b for a, b in zip(ours, theirs, strict=True)]

    def median(values: list[float] | None) -> float | None:
        return round(statistics.median(values), 2) if values else None

    ours = runs("engine", 32)
    rounds = {
        "vs_peft_sequential": per_round(ours, runs("peft_sequential", 32)),
        "vs_peft_mixed": per_round(ours, runs("peft_mixed", 32)),
        "vs_base": per_round(ours, runs("engine_base", 32, "no LoRA")),
        "scaling_100_vs_1": per_round(runs("engine", 100), runs("engine", 1)),
    }
    return {
        "ratios": {
            name: median(values) for name, values in rounds.items() if name != "scaling_100_vs_1"
        },
        "scaling_100_vs_1": median(rounds["scaling_100_vs_1"]),
        "ratio_rounds": {
            name: [round(value, 3) for value in values] if values else None
            for name, values in rounds.items()
        },
    }


def draw(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    series: dict[str, list[dict]] = {}
    for row in rows:
        series.setdefault(f"{row['system']} ({row['adapters']})", []).append(row)
    for name, points in series.items():
        users = [p["users"] for p in points]
        style = "o-" if name.startswith("engine") else "s--"
        left.plot(users, [p["tokens_per_s"] for p in points], style, label=name)
        right.plot(users, [p["ttft_ms_p50"] for p in points], style, label=name)
    for axis, title, unit in ((left, "Throughput", "tokens/s"), (right, "TTFT p50", "ms")):
        axis.set(xscale="log", xlabel="concurrent users", ylabel=unit, title=title)
        axis.grid(True, alpha=0.3)
    right.set_yscale("log")
    left.legend(fontsize=7)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)


def spread(row: dict) -> float:
    runs = row["tokens_per_s_runs"]
    return (max(runs) - min(runs)) / max(row["tokens_per_s"], 1e-9)


def format_table(report: dict) -> str:
    head = f"{'system':<16}{'adapters':<13}{'users':>6}{'tok/s':>9}"
    head += f"{'TTFT p50':>10}{'p95':>9}{'ITL p50':>9}{'p95':>8}{'RSS MB':>8}{'spread':>8}"
    lines = [
        f"{report['new_tokens']} new tokens per request; closed-loop users; medians of "
        f"{report['repeats']} rounds (spread: the rounds' throughput range / median)",
        head,
    ]
    for r in report["scenarios"]:
        lines.append(
            f"{r['system']:<16}{r['adapters']:<13}{r['users']:>6}{r['tokens_per_s']:>9}"
            f"{r['ttft_ms_p50']:>10}{r['ttft_ms_p95']:>9}{r['itl_ms_p50']!s:>9}"
            f"{r['itl_ms_p95']!s:>8}{r['peak_rss_mb']:>8}{spread(r):>8.0%}"
        )
    lines.append(f"ratios at 32 users, all adapters: {json.dumps(report['ratios'])}")
    lines.append(f"throughput at 100 users / at 1: {report['scaling_100_vs_1']}")
    lines.append(f"each round's ratios: {json.dumps(report['ratio_rounds'])}")
    return "\n".join(lines)


def int_list(text: str) -> list[int]:
    return sorted({int(part) for part in text.split(",") if part})


def non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ValueError("must be 0 or more")
    return value


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError("must be at least 1")
    return value


def add_arguments(parser, stream_interval_ms: int) -> None:
    """The command's options; users read their stream every `stream_interval_ms` by default
    (the caller passes LORALAND_STREAM_INTERVAL_MS: this module reads no settings)."""
    parser.add_argument("--users", type=int_list, default=[1, 8, 32, 100])
    parser.add_argument("--baseline-users", type=int_list, default=[1, 32])
    parser.add_argument("--min-requests", type=int, default=8)
    parser.add_argument(
        "--requests-per-user",
        type=positive_int,
        default=2,
        help="a scenario serves the larger of --min-requests and this many requests per user "
        "(1: each user sends one, and throughput is that of the first wave)",
    )
    parser.add_argument(
        "--baseline-requests",
        type=positive_int,
        help="requests per PEFT scenario (default: as the engine's, the larger of "
        "--min-requests and --requests-per-user per user); mixed batches serve whole batches, "
        "so may serve more, and with fewer requests than users only the first users' TTFT is "
        "measured",
    )
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument(
        "--prompt-tokens",
        type=non_negative_int,
        default=100,
        help="each task prompt grown to about this many tokens with the task's other prompts "
        "before it (0: the task prompts as they are, 32 to 102 tokens)",
    )
    parser.add_argument(
        "--read-every-ms",
        type=int,
        default=stream_interval_ms,
        help="users read their stream this often, as the Celery task does "
        "(LORALAND_STREAM_INTERVAL_MS, default %(default)s; 0: on every token, which costs "
        "the engine thread a wake-up of a reader per token); the answer's end wakes them at once",
    )
    parser.add_argument(
        "--repeats",
        type=positive_int,
        default=3,
        help="rounds of every scenario; figures are medians",
    )
    parser.add_argument("--adapters", type=int, default=25, help="how many adapters to use")
    parser.add_argument("--plot", type=Path, default=Path("var/bench.png"))
    parser.add_argument("--json", action="store_true", dest="as_json")
    parser.add_argument(
        "--memory",
        type=int,
        metavar="REQUESTS",
        help="instead: RSS with 500 adapters registered and --adapters resident over REQUESTS",
    )


def run(args, config, data_dir: Path, adapters: dict[str, str]) -> str:
    """Run what `args` asks for on `config` (an EngineConfig) with `adapters` ({adapter name
    under config.adapter_dir: its task's slug under data_dir}, the first --adapters of them);
    return what to print."""
    adapters = dict(list(adapters.items())[: args.adapters])
    if not adapters:
        raise ValueError("No adapter to benchmark: no task has a served adapter and test data.")
    prompts = load_prompts(data_dir, adapters)
    if args.memory:  # sends its own short prompts: only the adapters' names count
        return json.dumps(run_memory_check(config, list(prompts), 500, args.memory), indent=2)
    if args.prompt_tokens:
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(config.base_model, local_files_only=True)
        prompts = lengthen(prompts, tokenizer, args.prompt_tokens)
    config = replace(config, max_batch=max([*args.users, config.max_batch]))
    rows = run_all(args, config, prompts, held_out_prompts(data_dir, adapters))
    report = {
        "new_tokens": args.new_tokens,
        "repeats": args.repeats,
        "scenarios": rows,
        **ratios(rows, len(prompts)),
    }
    draw(rows, args.plot)
    report["plot"] = str(args.plot)
    return json.dumps(report, indent=2) if args.as_json else format_table(report)
