"""The Celery tasks, kept thin: mark the row running, stream the engine's answer (or the
reference model's, from its API) to the browser, record the result.

Layer: tasks, below the services and above the engine, and the only module of the web app that
imports the engine (an import contract says so). The services enqueue these by name
(`celery_app.send_task`) and never import this module; it records results through `results`
and never imports the services. Its helpers: `publish` (the channel layer) and `cancel` (the
Redis flag); `engine_config` is where the engine meets Django's settings."""

import logging
import threading
import time
from contextlib import closing, contextmanager
from functools import partial

from celery import current_task, shared_task
from celery.signals import celeryd_after_setup, worker_init, worker_shutdown
from django.conf import settings
from django.db import close_old_connections

from worker.engine import (
    DoneEvent,
    EngineConfig,
    ErrorEvent,
    GenerationRequest,
    SamplingParams,
    TokenEvent,
)
from worker.runtime import get_engine

from . import cancel, heartbeat, metrics, reaper, results, worker_routing
from .errors import GenerationError
from .publish import ChunkCoalescer, Publisher
from .reference import ReferenceStream
from .results import GenerationResult

log = logging.getLogger(__name__)
# How often a running answer's task looks at the shared cancel flag (a Redis read). Every
# read and every wake-up of the 32 task threads competes for the GIL with the engine thread:
# at 0.05 s they were 640 Redis reads a second and a fifth of the worker's busy samples.
CANCEL_CHECK_S = 0.25


def engine_config() -> EngineConfig:
    """The engine as the settings describe it (also for `manage.py evaluate` and `bench`)."""
    return EngineConfig(
        base_model=settings.LORALAND_BASE_MODEL,
        adapter_dir=settings.LORALAND_ADAPTER_DIR,
        device=settings.LORALAND_DEVICE,
        dtype=settings.LORALAND_DTYPE,
        threads=settings.LORALAND_THREADS,
        max_batch=settings.LORALAND_MAX_BATCH,
        max_active_adapters=settings.LORALAND_MAX_ACTIVE_ADAPTERS,
        prefix_cache_mb=settings.LORALAND_PREFIX_CACHE_MB,
        kv_cache_mb=settings.LORALAND_KV_CACHE_MB,
        decode_graph=settings.LORALAND_DECODE_GRAPH,
    )


@celeryd_after_setup.connect
def take_own_queue(sender, instance, **_):
    """An inference worker also takes from a queue of its own, where the web routes requests
    for the adapters it holds (worker_routing.py), as Celery documents per-worker queues."""
    if worker_routing.SHARED_QUEUE in instance.app.amqp.queues.consume_from:
        instance.app.amqp.queues.select_add(worker_routing.own_queue(sender))


@worker_init.connect
def start_worker(sender, **_):
    """Load the model once per inference worker process before any task (threads pool: no
    fork; a worker of the "reference" queue alone never needs it), then beat: every worker
    says it is alive, and now and then fails the rows of workers that are not (reaper.py)."""
    engine = None
    if "inference" in sender.app.amqp.queues.consume_from:
        engine = get_engine(engine_config)
        metrics.serve_worker_metrics(engine, settings.LORALAND_WORKER_METRICS_PORT)
    if not settings.LORALAND_IN_PROCESS:
        global _heartbeat
        kind = worker_kind(engine, sender.app.amqp.queues.consume_from)
        state = partial(worker_state, engine, worker_routing.own_queue(sender.hostname), kind)
        me = heartbeat.worker_identity(sender.hostname)
        heartbeat.count_start(kind)
        chore = partial(reap_quietly, me)
        _heartbeat = heartbeat.Heartbeat(me, state, chore=chore).start()


_heartbeat: heartbeat.Heartbeat | None = None


def worker_kind(engine, queues) -> str:
    """inference (it holds the engine), training, or reference (and maintenance)."""
    if engine is not None:
        return "inference"
    return "training" if "training" in queues else "reference"


def worker_state(engine, own_queue: str, kind: str = "inference") -> dict:
    """What a worker's heartbeat says: its queue and, for the inference queue, its own queue,
    resident adapters and load (what the web routes by)."""
    if engine is None:
        return {"queue": kind}
    return {
        "queue": "inference",
        "own_queue": own_queue,
        "adapters": engine.resident_adapters(),
        **engine.load(),
    }


def reap_quietly(worker: str) -> None:
    """The heartbeat thread's chore: fail the rows of dead workers (never this one's)."""
    try:
        reaper.reap()
        reaper.reap_training()
    except Exception:  # the database away, say: the next chore tries again
        log.warning("%s could not reap lost generations", worker, exc_info=True)
    finally:
        close_old_connections()


@worker_shutdown.connect
def stop_heartbeat(sender, **_):
    if _heartbeat is not None:
        _heartbeat.stop()


# The names the services enqueue (services.GENERATE_TASK and REFERENCE_TASK).
@shared_task(name="playground.tasks.generate")
def generate(generation_id: str) -> None:
    run_generation(generation_id, stream_generation)


@shared_task(name="playground.tasks.generate_reference")
def generate_reference(generation_id: str) -> None:
    """The reference model's answer, from its OpenAI-compatible API; never touches the engine."""
    run_generation(generation_id, stream_reference)


def run_generation(generation_id: str, stream) -> None:
    # The worker's name goes on the row: if its heartbeat stops, the row is failed.
    hostname = getattr(current_task.request, "hostname", None)
    worker = heartbeat.worker_identity(hostname) if hostname else ""
    generation = results.generation_start(generation_id=generation_id, worker=worker)
    if generation is None:
        return  # cancelled or deleted while queued
    publisher = Publisher(generation_id)
    log.info("generation %s started", generation_id, extra=ids(generation))
    try:
        stream(generation, publisher)
    except Exception:  # tell the browser rather than leave it waiting
        # The exception's own words (paths, hosts, SQL) go to the log, not to the visitor.
        log.exception("generation %s failed", generation_id, extra=ids(generation))
        message = "The worker failed while answering; the error was logged. Please try again."
        metrics.observe_answer(generation.model_kind, "WORKER_ERROR")
        fail(publisher, generation_id, "WORKER_ERROR", message)
    finally:
        publisher.close()


def stream_generation(generation, publisher: Publisher) -> None:
    gid = str(generation.id)
    submitted = time.perf_counter()
    engine = get_engine(engine_config)
    metrics.watch_engine(engine)  # once; in-process, the web's /metrics shows it so
    handle = engine.submit(engine_request(generation))
    tokens = TokenSender(gid, publisher)
    watch = CancelWatcher(gid, handle)

    def while_waiting() -> None:
        watch.check()
        tokens.send_if_due()

    # Read once per stream interval, not per token: the browser gets one frame per interval
    # anyway, and every wake-up of this thread competes for the GIL with the engine's.
    every_s = settings.LORALAND_STREAM_INTERVAL_MS / 1000
    # Between tokens the thread sleeps until the next one arrives, waking only to look at the
    # cancel flag; text held back by the interval is sent at the one wake-up it is due.
    polls = handle.events(on_idle=while_waiting, every_s=every_s, poll_s=CANCEL_CHECK_S)
    for event in polls:
        watch.check()
        if isinstance(event, TokenEvent):
            tokens.add(event.text)
        elif isinstance(event, DoneEvent):
            metrics.observe_engine_answer(
                prompt_tokens=event.prompt_tokens,
                completion_tokens=event.completion_tokens,
                ttft_s=None if event.ttft_ms is None else event.ttft_ms / 1000,
                elapsed_s=time.perf_counter() - submitted,
            )
            end_stream(publisher, generation, tokens, result_of(event))
        else:
            end_stream(publisher, generation, tokens, event)


def stream_reference(generation, publisher: Publisher) -> None:
    gid = str(generation.id)
    tokens = TokenSender(gid, publisher)
    clock = StreamClock()
    try:
        stream = ReferenceStream(generation.prompt, generation.params)
        stop = CancelFlag(stream)
        watch = CancelWatcher(gid, stop)
        watch.check()  # cancelled while queued: the stream then opens no request at all
        # Stop while the API is silent: the watcher aborts the stream from its own thread.
        with watching(watch), closing(iter(stream)) as deltas:
            for text in deltas:
                if stop.cancelled:
                    break
                clock.tick()
                tokens.add(text)
    except GenerationError as exc:
        end_stream(publisher, generation, tokens, ErrorEvent(exc.code, exc.message))
        return
    tokens.flush()  # reference_done counts the text held back too
    done = reference_done(stream, tokens.text, clock, cancelled=stop.cancelled)
    end_stream(publisher, generation, tokens, done)


def ids(generation) -> dict:
    """A generation's fields for a log record (LOG_FORMAT=json writes each as a key)."""
    return {
        "generation_id": str(generation.id),
        "model_kind": generation.model_kind,
        "adapter": generation.adapter_name,
        "worker": generation.worker,
    }


def engine_request(generation) -> GenerationRequest:
    """A row as the engine's request. A task's base model gets its prompt as the user's turn of
    the chat template, as the compare page shows it; the base model's own name (the API's, of
    no task) gets its prompt as it is, or its conversation through the chat template."""
    templated_base = generation.model_kind == "base" and generation.task_id is not None
    return GenerationRequest(
        prompt=generation.prompt,
        adapter=generation.adapter_name or None,
        params=sampling_params(generation.params),
        chat=templated_base,
        messages=tuple(generation.messages or ()),
    )


def sampling_params(params: dict) -> SamplingParams:
    """The web's checked parameters (prompts.validate_params, stored with the row) as the
    engine's: the one place they cross, named one by one."""
    return SamplingParams(
        max_new_tokens=params["max_new_tokens"],
        temperature=params["temperature"],
        top_p=params["top_p"],
        seed=params.get("seed"),
        stop=tuple(params.get("stop") or ()),
    )


def result_of(done: DoneEvent) -> GenerationResult:
    """The engine's last event in the web's terms: the task boundary."""
    return GenerationResult(
        text=done.text,
        finish_reason=done.finish_reason,
        prompt_tokens=done.prompt_tokens,
        completion_tokens=done.completion_tokens,
        ttft_ms=done.ttft_ms,
        tokens_per_s=done.tokens_per_s,
    )


def end_stream(
    publisher: Publisher, generation, tokens: "TokenSender", end: GenerationResult | ErrorEvent
) -> None:
    """A stream's last frame (a result or an error), after the text still held back."""
    tokens.flush()
    gid = str(generation.id)
    if isinstance(end, GenerationResult):
        results.generation_finish(generation_id=gid, result=end)
        publisher.send("done", done_payload(gid, end))
    else:
        fail(publisher, gid, end.code, end.message, partial_text=tokens.text)
    # counted once it is told: a failure above is counted as the WORKER_ERROR it becomes
    outcome = end.finish_reason if isinstance(end, GenerationResult) else end.code
    metrics.observe_answer(generation.model_kind, outcome)
    tokens_made = end.completion_tokens if isinstance(end, GenerationResult) else None
    log.info(
        "generation %s ended: %s",
        gid,
        outcome,
        extra={**ids(generation), "outcome": outcome, "completion_tokens": tokens_made},
    )


@contextmanager
def watching(watch: "CancelWatcher"):
    """Poll the cancel flag every CANCEL_CHECK_S on a thread while the block runs."""
    finished = threading.Event()

    def poll() -> None:
        while not finished.wait(CANCEL_CHECK_S) and not watch.handle.cancelled:
            watch.check()

    thread = threading.Thread(target=poll, name="reference-cancel", daemon=True)
    thread.start()
    try:
        yield
    finally:
        finished.set()
        thread.join()


def reference_done(stream: ReferenceStream, text: str, clock, cancelled: bool) -> GenerationResult:
    """The reference's answer; its own token counts when it sent them."""
    usage = stream.usage or {}
    completion_tokens = usage.get("completion_tokens") or clock.deltas
    if cancelled:
        finish_reason = "cancelled"
    else:
        finish_reason = "length" if stream.finish_reason == "length" else "stop"
    return GenerationResult(
        text=text,
        finish_reason=finish_reason,
        prompt_tokens=usage.get("prompt_tokens"),  # None: the API did not say
        completion_tokens=completion_tokens,
        ttft_ms=clock.ttft_ms(),
        tokens_per_s=clock.per_second(completion_tokens),
    )


def fail(publisher: Publisher, gid: str, code: str, message: str, partial_text: str = "") -> None:
    results.generation_fail(
        generation_id=gid, code=code, message=message, partial_text=partial_text
    )
    publisher.send("error", {"generation_id": gid, "code": code, "message": message})


def done_payload(generation_id: str, done: GenerationResult) -> dict:
    return {
        "generation_id": generation_id,
        "text": done.text,
        "finish_reason": done.finish_reason,
        "usage": {"prompt_tokens": done.prompt_tokens, "completion_tokens": done.completion_tokens},
        "ttft_ms": done.ttft_ms,
        "tokens_per_s": done.tokens_per_s,
    }


class TokenSender:
    """Sends text as `token` frames, at most one per stream interval, and keeps what it sent."""

    def __init__(self, generation_id: str, publisher: Publisher):
        self.generation_id, self.publisher = generation_id, publisher
        self.chunks = ChunkCoalescer(settings.LORALAND_STREAM_INTERVAL_MS / 1000)
        self.sent: list[str] = []

    def add(self, text: str) -> None:
        self.send(self.chunks.add(text))

    def send_if_due(self) -> None:
        self.send(self.chunks.take_if_due())

    def flush(self) -> None:
        self.send(self.chunks.take())

    def send(self, text: str) -> None:
        if text:
            self.sent.append(text)
            self.publisher.send("token", {"generation_id": self.generation_id, "text": text})

    @property
    def text(self) -> str:
        return "".join(self.sent)


class StreamClock:
    """Time to first chunk and chunks per second, measured from the start as the engine does."""

    def __init__(self):
        self.started, self.first, self.deltas = time.perf_counter(), None, 0

    def tick(self) -> None:
        self.deltas += 1
        if self.first is None:
            self.first = time.perf_counter()

    def ttft_ms(self) -> float | None:
        return None if self.first is None else round((self.first - self.started) * 1000, 1)

    def per_second(self, count: int) -> float:
        return round(count / max(time.perf_counter() - self.started, 1e-9), 1)


class CancelFlag:
    """What CancelWatcher cancels when there is no engine request: the reference's stream."""

    def __init__(self, stream: ReferenceStream):
        self.stream, self.cancelled = stream, False

    def cancel(self) -> None:
        self.cancelled = True
        self.stream.abort()  # the blocked read returns at once; the loop ends


class CancelWatcher:
    """Polls the shared cancel flag at most every CANCEL_CHECK_S and cancels the engine request."""

    def __init__(self, generation_id: str, handle):
        self.generation_id, self.handle, self.last = generation_id, handle, 0.0

    def check(self) -> None:
        now = time.monotonic()
        if self.handle.cancelled or now - self.last < CANCEL_CHECK_S:
            return
        self.last = now
        if cancel.is_cancel_requested(self.generation_id):
            self.handle.cancel()
