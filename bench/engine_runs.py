"""Our engine under closed-loop users, each on a thread of its own, and its warm-up."""

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from worker.engine import Engine, ErrorEvent, GenerationRequest, SamplingParams, TokenEvent

from .samples import RssSampler, Samples
from .workload import Workload


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
