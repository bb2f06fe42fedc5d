"""Prometheus metrics, with prometheus-client. Two registries, because workers run on other
machines than the web: the web's (API requests and errors by code, queue depth, live workers
and their rows) at GET /metrics, and each inference worker's (rows running and waiting,
tokens, time to first token, inter-token latency, the adapter pool) on its own scrape port,
LORALAND_WORKER_METRICS_PORT. Without Redis the web is the worker and /metrics shows both.
Tokens per second is `rate(loraland_generated_tokens_total[1m])`, as Prometheus takes rates."""

import logging
import threading

from django.conf import settings
from django.db.models import Count
from django.http import HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
    start_http_server,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from . import heartbeat
from .models import Generation

log = logging.getLogger(__name__)
disable_created_metrics()  # the *_created series only double what a scrape has to read

WEB = CollectorRegistry()
WORKER = CollectorRegistry()
QUEUES = ("inference", "reference")

API_REQUESTS = Counter(
    "loraland_api_requests",
    "Requests to the OpenAI-compatible API, by endpoint, HTTP status and error code.",
    ["endpoint", "status", "code"],
    registry=WEB,
)
GENERATIONS = Counter(
    "loraland_generations",
    "Generations a worker ended, by model kind and outcome (finish reason or error code).",
    ["model_kind", "outcome"],
    registry=WORKER,
)
GENERATED_TOKENS = Counter(
    "loraland_generated_tokens", "Tokens the engine generated.", registry=WORKER
)
PROMPT_TOKENS = Counter("loraland_prompt_tokens", "Prompt tokens the engine read.", registry=WORKER)
LATENCY_BUCKETS = (0.005, 0.01, 0.02, 0.04, 0.08, 0.15, 0.3, 0.6, 1.2, 2.5, 5, 10, 20, 40)
TTFT = Histogram(
    "loraland_time_to_first_token_seconds",
    "From the engine taking a request to its first token.",
    buckets=LATENCY_BUCKETS,
    registry=WORKER,
)
ITL = Histogram(
    "loraland_inter_token_latency_seconds",
    "Mean time between the tokens of one answer after its first (one sample per answer).",
    buckets=LATENCY_BUCKETS,
    registry=WORKER,
)


# The reaper runs in the web (for the answers it streams) and in the workers (for all): each
# process counts its own in the registry it serves.
REAPED = [
    Counter(
        "loraland_generations_reaped",
        "Running generations failed as WORKER_LOST because their worker stopped beating.",
        registry=registry,
    )
    for registry in (WEB, WORKER)
]


def observe_reaped() -> None:
    for counter in REAPED:
        counter.inc()


def observe_answer(model_kind: str, outcome: str) -> None:
    GENERATIONS.labels(model_kind, outcome).inc()


def observe_engine_answer(
    *, prompt_tokens: int, completion_tokens: int, ttft_s: float | None, elapsed_s: float
) -> None:
    """One answer of the engine: its tokens, its time to first token and its mean gap."""
    PROMPT_TOKENS.inc(prompt_tokens or 0)
    GENERATED_TOKENS.inc(completion_tokens or 0)
    if ttft_s is not None:
        TTFT.observe(ttft_s)
        if completion_tokens > 1:
            ITL.observe(max(elapsed_s - ttft_s, 0.0) / (completion_tokens - 1))


class EngineCollector(Collector):
    """The engine's state at scrape time: rows running and waiting, the adapter pool."""

    def __init__(self, engine):
        self.engine = engine

    def collect(self):
        load = self.engine.load()
        yield gauge(
            "loraland_engine_running_requests", "Rows in the decode batch.", load["running"]
        )
        yield gauge(
            "loraland_engine_waiting_requests", "Requests waiting for a row.", load["waiting"]
        )
        yield gauge(
            "loraland_engine_max_batch", "The most rows a decode step runs.", load["max_batch"]
        )
        resident = len(self.engine.resident_adapters())
        yield gauge("loraland_adapters_resident", "Adapters on the device now.", resident)
        for name, value in self.engine.adapter_counts().items():
            what = name.removeprefix("adapter_")
            yield CounterMetricFamily(
                f"loraland_adapter_{what}", f"Adapter pool {what} since the start.", value=value
            )


class WebCollector(Collector):
    """At scrape time: generations queued for a worker, and the live workers' heartbeats."""

    def collect(self):
        depth = GaugeMetricFamily(
            "loraland_queue_depth", "Generations waiting for a worker, by queue.", labels=["queue"]
        )
        for queue, count in queue_depths().items():
            depth.add_metric([queue], count)
        yield depth
        try:
            workers = heartbeat.live_workers(queue=None)
        except Exception:  # Redis down: /healthz says so; the scrape still answers
            workers = []
        live = GaugeMetricFamily(
            "loraland_workers_live", "Workers whose heartbeat is recent.", labels=["queue"]
        )
        for queue in QUEUES:
            live.add_metric([queue], sum(w.get("queue") == queue for w in workers))
        yield live
        running = sum(w.get("running", 0) for w in workers)
        yield gauge(
            "loraland_workers_running_requests", "Rows decoding, over all workers.", running
        )
        starts = CounterMetricFamily(
            "loraland_worker_starts",
            "Worker processes started, by queue: more than the workers running means restarts.",
            labels=["queue"],
        )
        try:
            counts = {} if settings.LORALAND_IN_PROCESS else heartbeat.start_counts()
        except Exception:  # Redis down: /healthz says so
            counts = {}
        for queue in QUEUES:
            starts.add_metric([queue], counts.get(queue, 0))
        yield starts


def queue_depths() -> dict[str, int]:
    """Celery's queue lengths in Redis; without Redis, the generations not yet started."""
    if settings.LORALAND_IN_PROCESS:
        queued = Generation.objects.filter(status=Generation.Status.QUEUED)
        by_kind = dict(queued.values_list("model_kind").annotate(n=Count("id")))
        reference = by_kind.pop(Generation.ModelKind.REFERENCE, 0)
        return {"inference": sum(by_kind.values()), "reference": reference}
    try:
        client = heartbeat.redis_client()
        return {queue: client.llen(queue) for queue in QUEUES}
    except Exception:
        return {}


def gauge(name: str, documentation: str, value) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


WEB.register(WebCollector())


@require_GET
def metrics_view(request):
    """The web's metrics; without Redis also the in-process worker's."""
    text = generate_latest(WEB)
    if settings.LORALAND_IN_PROCESS:
        text += generate_latest(WORKER)
    return HttpResponse(text, content_type=CONTENT_TYPE_LATEST)


_watched: set[int] = set()
_watching = threading.Lock()  # the tasks' threads call it at once


def watch_engine(engine) -> None:
    """Report the engine's state in the worker's metrics (once per engine)."""
    with _watching:
        if id(engine) not in _watched:
            _watched.add(id(engine))
            WORKER.register(EngineCollector(engine))


def serve_worker_metrics(engine, port: int) -> None:
    """An inference worker's metrics on `port` (0: not served), on a thread of its own."""
    watch_engine(engine)
    if not port:
        return
    try:
        start_http_server(port, registry=WORKER)
    except OSError as exc:  # a second worker on this machine: give it a port of its own
        log.warning("worker metrics not served: port %s: %s", port, exc)
    else:
        log.info("worker metrics on :%s/metrics", port)
