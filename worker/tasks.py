"""Celery glue, kept thin: load the row, submit to the engine, publish chunks, save the result."""

import logging
import threading
import time

from celery import shared_task
from celery.signals import worker_init
from django.conf import settings

from playground import services
from worker import cancel
from worker.engine import DoneEvent, GenerationRequest, SamplingParams, TokenEvent
from worker.publish import ChunkCoalescer, Publisher
from worker.runtime import get_engine

log = logging.getLogger(__name__)
CANCEL_CHECK_S = 0.05


@worker_init.connect
def load_engine_at_start(**_):
    """Load the model once per worker process before any task (threads pool: no fork)."""
    get_engine()


@shared_task(name="worker.tasks.generate")
def generate(generation_id: str) -> None:
    generation = services.generation_start(generation_id=generation_id)
    if generation is None:
        return  # cancelled or deleted while queued
    publisher = Publisher(generation_id)
    try:
        stream_generation(generation, publisher)
    except Exception as exc:  # tell the browser rather than leave it waiting
        log.exception("generation %s failed", generation_id)
        fail(publisher, generation_id, "WORKER_ERROR", f"The worker failed: {exc}")
    finally:
        publisher.close()


def stream_generation(generation, publisher: Publisher) -> None:
    gid = str(generation.id)
    handle = get_engine().submit(
        GenerationRequest(
            prompt=generation.prompt,
            adapter=generation.adapter_name or None,
            params=SamplingParams(**generation.params),
        )
    )
    chunks = ChunkCoalescer(settings.LORALAND_STREAM_INTERVAL_MS / 1000)
    watch = CancelWatcher(gid, handle)
    sent_text = []

    def send_token(text: str) -> None:
        if text:
            sent_text.append(text)
            publisher.send("token", {"generation_id": gid, "text": text})

    def while_waiting() -> None:
        watch.check()
        send_token(chunks.take_if_due())

    for event in handle.events(on_idle=while_waiting):
        watch.check()
        if isinstance(event, TokenEvent):
            send_token(chunks.add(event.text))
            continue
        send_token(chunks.take())  # Done or Error: flush what is held back first
        if isinstance(event, DoneEvent):
            services.generation_finish(generation_id=gid, done=event)
            publisher.send("done", done_payload(gid, event))
        else:
            fail(publisher, gid, event.code, event.message, partial_text="".join(sent_text))


def fail(publisher: Publisher, gid: str, code: str, message: str, partial_text: str = "") -> None:
    services.generation_fail(
        generation_id=gid, code=code, message=message, partial_text=partial_text
    )
    publisher.send("error", {"generation_id": gid, "code": code, "message": message})


def done_payload(generation_id: str, done: DoneEvent) -> dict:
    return {
        "generation_id": generation_id,
        "text": done.text,
        "finish_reason": done.finish_reason,
        "usage": {"prompt_tokens": done.prompt_tokens, "completion_tokens": done.completion_tokens},
        "ttft_ms": done.ttft_ms,
        "tokens_per_s": done.tokens_per_s,
    }


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


def run_in_process(generation_id: str) -> None:
    """No Redis: run the same task code on a thread of this (web) process."""
    threading.Thread(target=generate.apply, args=([generation_id],), daemon=True).start()
