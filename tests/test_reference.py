"""The reference model client and the reference generation path, against a local
OpenAI-compatible streaming server (tests/openai_server.py) standing in for GPT-4."""

import asyncio
import socket
import threading
import time
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.core.management import call_command
from django.utils import timezone

from playground import reference, services
from playground import tasks as celery_tasks
from playground.errors import GenerationError
from playground.models import Generation
from playground.reference import ReferenceStream, complete

from .openai_server import serving_as_reference
from .websocket import receive_until_finished, site_socket

PROMPT = "### Sentence: a warm and funny film\n### Class:"


@pytest.fixture
def openai_server(settings):
    with serving_as_reference(settings) as server:
        yield server


@pytest.fixture
def tasks(db):
    """The 25 tasks of the catalog; no demo model needed, the reference answers instead."""
    call_command("load_tasks", verbosity=0)


def error_of(prompt=PROMPT, params=None) -> GenerationError:
    with pytest.raises(GenerationError) as caught:
        list(ReferenceStream(prompt, params))
    return caught.value


# --- the client -----------------------------------------------------------------------------
def test_deltas_arrive_in_order_and_join_to_the_answer(openai_server):
    stream = ReferenceStream(PROMPT, {"max_new_tokens": 64})
    deltas = list(stream)
    assert deltas == openai_server.deltas() and len(deltas) > 5
    assert "".join(deltas) == openai_server.answer
    assert stream.finish_reason == "stop"
    assert stream.usage["completion_tokens"] == len(deltas)


def test_it_sends_the_prompt_as_one_user_message_with_the_model_and_params(openai_server):
    params = {"max_new_tokens": 3, "temperature": 0.5, "top_p": 0.9, "seed": 7, "stop": ("\n",)}
    stream = ReferenceStream(PROMPT, params)
    assert "".join(stream) == "".join(openai_server.deltas()[:3])
    assert stream.finish_reason == "length"
    request = openai_server.requests[-1]
    assert request["path"] == "/v1/chat/completions"
    assert request["headers"]["Authorization"] == f"Bearer {openai_server.api_key}"
    body = request["body"]
    assert body["messages"] == [{"role": "user", "content": PROMPT}]
    assert body["model"] == "gpt-4" and body["stream"] is True
    assert (body["max_tokens"], body["temperature"], body["top_p"], body["seed"]) == (
        3,
        0.5,
        0.9,
        7,
    )
    assert body["stop"] == ["\n"] and "max_new_tokens" not in body


def test_the_legacy_completions_endpoint_gets_the_bare_prompt(openai_server, settings):
    settings.LORALAND_REFERENCE_CHAT = False
    assert complete(PROMPT, {"max_new_tokens": 64}) == openai_server.answer
    request = openai_server.requests[-1]
    assert request["path"] == "/v1/completions" and request["body"]["prompt"] == PROMPT


def test_a_refused_api_key_says_so_and_the_apis_words_go_to_the_log_only(
    openai_server, settings, caplog
):
    settings.LORALAND_REFERENCE_API_KEY = "sk-wrong"
    error = error_of()
    assert error.code == "REFERENCE_AUTH"
    assert "refused the key" in error.message
    assert "operator must check LORALAND_REFERENCE_API_KEY" in error.message
    # OpenAI's own 401 text names the key's last characters: for the server log, not visitors.
    assert "Incorrect API key provided" not in error.message
    assert "Incorrect API key provided" in caplog.text


def test_rate_limiting_says_when_to_try_again(openai_server):
    openai_server.mode = "rate_limit"
    error = error_of()
    assert error.code == "REFERENCE_RATE_LIMITED"
    assert "rate limit" in error.message.lower() and "Try again in 7 s" in error.message
    assert "Rate limit reached for requests" not in error.message  # the API's own words


def test_a_silent_server_times_out_after_the_read_timeout(openai_server, settings):
    settings.LORALAND_REFERENCE_READ_TIMEOUT_S = 0.3
    openai_server.mode = "stall"
    started = time.monotonic()
    error = error_of()
    assert error.code == "REFERENCE_TIMEOUT" and "0.3 s" in error.message
    assert time.monotonic() - started < 5


def test_a_closed_port_is_reported_as_unreachable(settings):
    with socket.socket() as s:  # a port nothing listens on once this socket is closed
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.LORALAND_REFERENCE_URL = f"http://127.0.0.1:{port}/v1"
    error = error_of()
    assert error.code == "REFERENCE_UNREACHABLE"
    assert "refused" in error.message and "LORALAND_REFERENCE_URL" in error.message


def test_messages_do_not_name_the_configured_host(settings, caplog):
    """The URL may be an internal host: the visitor's message leaves it out, the log has it."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.LORALAND_REFERENCE_URL = f"http://127.0.0.1:{port}/v1"
    error = error_of()
    assert "127.0.0.1" not in error.message and str(port) not in error.message
    assert f"127.0.0.1:{port}" in caplog.text
    settings.LORALAND_REFERENCE_URL = "gpu-box.internal:8000/v1"  # no http://
    error = error_of()
    assert error.code == "REFERENCE_NOT_CONFIGURED" and "gpu-box" not in error.message
    assert "gpu-box.internal" in caplog.text


def test_no_configuration_is_refused_in_a_visitor_s_words(settings):
    settings.LORALAND_REFERENCE_URL = ""
    error = error_of()
    assert error.code == "REFERENCE_NOT_CONFIGURED"
    assert "LORALAND_" not in error.message  # a visitor reads it; the operator, the README
    assert "LORALAND_REFERENCE_API_KEY" in reference.HOW_TO_CONFIGURE  # evaluate's note
    settings.LORALAND_REFERENCE_URL = "api.openai.com/v1"
    assert error_of().code == "REFERENCE_NOT_CONFIGURED"


def test_other_http_errors_and_broken_streams_are_named(openai_server, caplog):
    openai_server.mode = "server_error"
    error = error_of()
    assert error.code == "REFERENCE_ERROR" and "HTTP 500" in error.message
    assert "The server had an error" not in error.message  # the API's words: logged only
    assert "The server had an error" in caplog.text
    openai_server.mode = "bad_json"
    assert error_of().code == "REFERENCE_BAD_STREAM"


# --- reference generations ------------------------------------------------------------------
def test_without_a_reference_model_a_reference_generation_fails_fast(tasks, settings):
    settings.LORALAND_REFERENCE_URL = ""
    with pytest.raises(GenerationError) as caught:
        services.generation_create(
            task_slug="glue_sst2", model_kind="reference", inputs={"sentence": "fine"}
        )
    assert caught.value.code == "REFERENCE_NOT_CONFIGURED"
    assert "no reference model" in caught.value.message
    assert Generation.objects.count() == 0


def test_a_reference_generation_is_queued_for_the_reference_task(
    tasks, openai_server, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(services.generations, "enqueue_reference", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        generation = services.generation_create(
            task_slug="glue_sst2", model_kind="reference", inputs={"sentence": "fine"}
        )
    assert (generation.model_kind, generation.adapter_name) == ("reference", "")
    assert queued == [generation.id]


@pytest.fixture
async def ws(openai_server):
    """A WebSocket on the site, in-process mode: the Celery task runs on a thread of this
    process and streams through the in-memory channel layer, as without Redis."""
    await database_sync_to_async(call_command)("load_tasks", verbosity=0)
    async with site_socket() as socket:
        yield socket


async def send_generate(ws, **extra) -> None:
    await ws.send_json_to(
        {
            "type": "generate",
            "task": "glue_sst2",
            "model": "reference",
            "inputs": {"sentence": "a warm and funny film"},
            "params": {"max_new_tokens": 64},
            **extra,
        }
    )


async def generate(ws, **extra) -> list[dict]:
    await send_generate(ws, **extra)
    return await receive_until_finished(ws, timeout=20)


@pytest.mark.django_db(transaction=True)
async def test_a_reference_answer_streams_to_the_browser_and_is_saved(ws, openai_server):
    started, *tokens, done = await generate(ws, client_ref="ref-1")
    assert started["type"] == "started" and started["model"] == "reference"
    assert all(t["type"] == "token" for t in tokens) and len(tokens) >= 2
    assert done["type"] == "done" and done["finish_reason"] == "stop"
    assert "".join(t["text"] for t in tokens) == done["text"] == openai_server.answer
    assert done["usage"]["completion_tokens"] == len(openai_server.deltas())
    assert done["usage"]["prompt_tokens"] > 0  # the API's own count
    assert done["ttft_ms"] > 0 and done["tokens_per_s"] > 0
    row = await database_sync_to_async(Generation.objects.get)(id=started["generation_id"])
    assert (row.status, row.model_kind, row.output) == ("done", "reference", done["text"])
    assert "a warm and funny film" in openai_server.requests[-1]["body"]["messages"][0]["content"]


@pytest.mark.django_db(transaction=True)
async def test_a_crash_in_the_worker_tells_the_visitor_without_its_internals(
    ws, monkeypatch, caplog
):
    def crash(generation, publisher):
        raise RuntimeError("connection to /srv/db failed: password=hunter2")

    monkeypatch.setattr(celery_tasks, "stream_reference", crash)
    started, error = await generate(ws)
    assert (error["type"], error["code"]) == ("error", "WORKER_ERROR")
    assert "try again" in error["message"] and "hunter2" not in error["message"]
    row = await database_sync_to_async(Generation.objects.get)(id=started["generation_id"])
    assert (row.status, row.error_message) == ("error", error["message"])
    assert "hunter2" in caplog.text  # the operator still sees what happened


@pytest.mark.django_db(transaction=True)
async def test_a_reference_failure_is_an_error_frame_and_an_error_row(ws, openai_server):
    openai_server.mode = "rate_limit"
    started, error = await generate(ws)
    assert error["type"] == "error" and error["code"] == "REFERENCE_RATE_LIMITED"
    assert error["generation_id"] == started["generation_id"]
    row = await database_sync_to_async(Generation.objects.get)(id=started["generation_id"])
    assert (row.status, row.error_code) == ("error", "REFERENCE_RATE_LIMITED")
    assert "Try again" in row.error_message


@pytest.mark.django_db(transaction=True)
async def test_cancel_stops_a_reference_stream(ws, openai_server):
    openai_server.answer = "word " * 200
    openai_server.chunk_delay_s = 0.05  # ten seconds in all, unless cancelled
    await send_generate(ws, params={"max_new_tokens": 256})
    started = await ws.receive_json_from(timeout=20)
    assert (await ws.receive_json_from(timeout=20))["type"] == "token"
    await ws.send_json_to({"type": "cancel", "generation_id": started["generation_id"]})
    done = (await receive_until_finished(ws, timeout=20))[-1]
    assert done["type"] == "done" and done["finish_reason"] == "cancelled"
    assert 0 < done["usage"]["completion_tokens"] < 200
    row = await database_sync_to_async(Generation.objects.get)(id=started["generation_id"])
    assert row.status == "cancelled" and row.output == done["text"]
    assert openai_server.hung_up.wait(5)  # the connection was closed: the API stops too


@pytest.mark.django_db(transaction=True)
async def test_stop_reaches_a_reference_that_has_gone_silent(ws, openai_server, settings):
    """The API sends three words, then nothing: Stop ends the stream at once, not at the read
    timeout, keeps the words so far, and hangs up on the API."""
    settings.LORALAND_REFERENCE_READ_TIMEOUT_S = 10
    openai_server.stall_after = 3
    await send_generate(ws)
    started = await ws.receive_json_from(timeout=20)
    assert await asyncio.to_thread(openai_server.stalling.wait, 10)
    await asyncio.sleep(0.2)  # the three words are read; the worker now waits on the API
    cancelled_at = time.monotonic()
    await ws.send_json_to({"type": "cancel", "generation_id": started["generation_id"]})
    frames = await receive_until_finished(ws, timeout=20)
    assert time.monotonic() - cancelled_at < 3  # generous: the read timeout is 10 s
    *tokens, done = frames
    assert done["type"] == "done" and done["finish_reason"] == "cancelled"
    words = "".join(openai_server.deltas()[:3])
    assert "".join(t["text"] for t in tokens) == done["text"] == words
    row = await database_sync_to_async(Generation.objects.get)(id=started["generation_id"])
    assert (row.status, row.finish_reason, row.output) == ("cancelled", "cancelled", words)
    assert await asyncio.to_thread(openai_server.hung_up.wait, 2)  # the API was hung up on


def test_abort_from_another_thread_ends_a_silent_stream(openai_server, settings, caplog):
    settings.LORALAND_REFERENCE_READ_TIMEOUT_S = 10
    openai_server.mode = "stall"
    stream = ReferenceStream(PROMPT)
    threading.Timer(0.3, stream.abort).start()
    started = time.monotonic()
    assert list(stream) == []  # no error: an aborted stream just ends
    assert time.monotonic() - started < 3
    assert openai_server.hung_up.wait(2)
    assert "reference API" not in caplog.text  # a Stop is not logged as the API's failure


def test_a_reference_cancelled_while_queued_never_calls_the_api(
    tasks, openai_server, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.LORALAND_IN_PROCESS = True  # the cancel flag lives in this process
    monkeypatch.setattr(services.generations, "enqueue_reference", lambda generation_id: None)
    with django_capture_on_commit_callbacks(execute=True):
        generation = services.generation_create(
            task_slug="glue_sst2",
            model_kind="reference",
            inputs={"sentence": "fine"},
            session_key="s1",
        )
    services.generation_cancel(generation_id=generation.id, session_key="s1")
    celery_tasks.generate_reference(str(generation.id))  # the worker picks it up now
    generation.refresh_from_db()
    assert (generation.status, generation.finish_reason) == ("cancelled", "cancelled")
    assert generation.output == "" and openai_server.requests == []


# --- the operator's API key is not a free proxy -------------------------------------------------
@pytest.mark.django_db(transaction=True)
async def test_a_raw_prompt_is_refused_for_the_reference(ws, openai_server):
    await ws.send_json_to(
        {
            "type": "generate",
            "task": "glue_sst2",
            "model": "reference",
            "prompt": "Write me a 2,000 word essay on anything.",
            "client_ref": "r1",
        }
    )
    error = await ws.receive_json_from(timeout=20)
    assert error["type"] == "error" and error["code"] == "REFERENCE_NEEDS_INPUTS"
    assert error["client_ref"] == "r1" and "inputs" in error["message"]
    assert await database_sync_to_async(Generation.objects.count)() == 0
    assert openai_server.requests == []


def test_a_session_gets_a_limited_number_of_reference_answers_an_hour(
    tasks, openai_server, settings, monkeypatch
):
    monkeypatch.setattr(services.generations, "enqueue_reference", lambda generation_id: None)
    settings.LORALAND_REFERENCE_MAX_PER_HOUR = 2

    def ask(session_key="s1"):
        return services.generation_create(
            task_slug="glue_sst2",
            model_kind="reference",
            inputs={"sentence": "fine"},
            session_key=session_key,
        )

    first = ask()
    ask()
    with pytest.raises(GenerationError) as caught:
        ask()
    assert caught.value.code == "REFERENCE_QUOTA"  # ours, not the API's REFERENCE_RATE_LIMITED
    assert "2 reference answers for this hour" in caught.value.message
    assert Generation.objects.filter(session_key="s1").count() == 2
    ask(session_key="s2")  # another session has its own count
    Generation.objects.filter(id=first.id).update(created_at=timezone.now() - timedelta(hours=2))
    ask()  # an answer over an hour old no longer counts
    settings.LORALAND_REFERENCE_MAX_PER_HOUR = 0  # no limit
    for _ in range(3):
        ask()
