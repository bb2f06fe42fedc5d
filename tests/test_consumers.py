"""The WebSocket contract through channels' WebsocketCommunicator, in in-process mode (no Redis):
the same Celery tasks run on an in-process Celery worker and stream through the in-memory
channel layer."""

import json

import pytest
from channels.db import database_sync_to_async

from playground.models import Generation

from .websocket import receive_until_finished, site_socket

pytestmark = [pytest.mark.django_db(transaction=True)]

EXAMPLE = {"sentence": "a warm , funny and moving film"}


@pytest.fixture
async def ws(catalog):
    async with site_socket() as socket:
        yield socket


async def test_it_streams_a_generation_and_saves_it(ws):
    await ws.send_json_to(
        {
            "type": "generate",
            "task": "e2e_nlg",
            "model": "finetuned",
            "inputs": await example_inputs("e2e_nlg"),
            "params": {"max_new_tokens": 24},
            "client_ref": "c-1",
        }
    )
    frames = await receive_until_finished(ws)
    started, *tokens, done = frames
    assert started["type"] == "started" and started["client_ref"] == "c-1"
    assert all(f["type"] == "token" for f in tokens) and len(tokens) >= 2
    assert done["type"] == "done"
    assert "".join(t["text"] for t in tokens) == done["text"]
    assert done["usage"]["completion_tokens"] > 0 and done["ttft_ms"] > 0
    row = await database_sync_to_async(Generation.objects.get)(id=started["generation_id"])
    assert (row.status, row.output, row.finish_reason) == (
        "done",
        done["text"],
        done["finish_reason"],
    )
    # run by a Celery worker on the web process's threads, fed by the in-memory broker
    assert row.worker.startswith("in-process@")


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ("not json", "INVALID_JSON"),
        ("[1, 2]", "INVALID_MESSAGE"),
        (json.dumps({"type": "dance"}), "UNKNOWN_TYPE"),
        (json.dumps({"type": "generate", "task": "nope", "inputs": EXAMPLE}), "UNKNOWN_TASK"),
        (json.dumps({"type": "generate", "task": "glue_sst2", "inputs": {}}), "MISSING_FIELDS"),
        (
            json.dumps(
                {"type": "generate", "task": "glue_sst2", "inputs": {**EXAMPLE, "label": "1"}}
            ),
            "UNKNOWN_FIELDS",
        ),
        (
            json.dumps(
                {
                    "type": "generate",
                    "task": "glue_sst2",
                    "inputs": EXAMPLE,
                    "params": {"max_new_tokens": 100000},
                }
            ),
            "INVALID_PARAMS",
        ),
        (
            json.dumps(
                {
                    "type": "generate",
                    "task": "glue_sst2",
                    "inputs": EXAMPLE,
                    "params": {"temperature": -1},
                }
            ),
            "INVALID_PARAMS",
        ),
        (
            json.dumps(
                {"type": "generate", "task": "glue_sst2", "inputs": EXAMPLE, "params": {"top_p": 0}}
            ),
            "INVALID_PARAMS",
        ),
        (
            json.dumps(
                {"type": "generate", "task": "glue_sst2", "inputs": {"sentence": "word " * 1200}}
            ),
            "PROMPT_TOO_LONG",
        ),
        ("x" * 100_000, "MESSAGE_TOO_LARGE"),
        (
            json.dumps({"type": "generate", "task": "glue_sst2", "inputs": EXAMPLE, "x": 1}),
            "INVALID_MESSAGE",
        ),
        (json.dumps({"type": "cancel", "generation_id": "nope"}), "INVALID_MESSAGE"),
        (
            json.dumps({"type": "cancel", "generation_id": "0b8e7a52-3a1a-4b43-9d1e-2f3c8e1e2a11"}),
            "UNKNOWN_GENERATION",
        ),
    ],
)
async def test_bad_input_gets_an_error_and_the_socket_stays_usable(ws, message, code):
    await ws.send_to(text_data=message)
    error = await ws.receive_json_from(timeout=10)
    assert error["type"] == "error" and error["code"] == code and error["message"]
    await ws.send_json_to(
        {
            "type": "generate",
            "task": "glue_sst2",
            "inputs": EXAMPLE,
            "params": {"max_new_tokens": 4},
        }
    )
    frames = await receive_until_finished(ws)
    assert frames[0]["type"] == "started" and frames[-1]["type"] == "done"


async def test_an_error_echoes_the_client_ref(ws):
    await ws.send_json_to({"type": "generate", "task": "nope", "client_ref": "mine"})
    error = await ws.receive_json_from(timeout=10)
    assert error["client_ref"] == "mine"


async def test_cancel_ends_the_generation_early(ws):
    await ws.send_json_to(
        {
            "type": "generate",
            "task": "webnlg",
            "model": "base",
            "inputs": await example_inputs("webnlg"),
            "params": {"max_new_tokens": 256, "temperature": 2.0, "seed": 5},
        }
    )
    started = await ws.receive_json_from(timeout=30)
    first = await ws.receive_json_from(timeout=30)
    assert first["type"] == "token"
    await ws.send_json_to({"type": "cancel", "generation_id": started["generation_id"]})
    done = (await receive_until_finished(ws))[-1]
    assert done["type"] == "done" and done["finish_reason"] == "cancelled"
    assert done["usage"]["completion_tokens"] < 256
    row = await database_sync_to_async(Generation.objects.get)(id=started["generation_id"])
    assert row.status == "cancelled"


async def test_a_raw_prompt_is_accepted_instead_of_inputs(ws):
    # The socket carries raw text; the page renders it through DOMPurify (see the browser test).
    await ws.send_json_to(
        {
            "type": "generate",
            "task": "glue_sst2",
            "model": "base",
            "prompt": "<script>alert(1)</script>",
            "params": {"max_new_tokens": 3},
        }
    )
    frames = await receive_until_finished(ws)
    assert frames[-1]["type"] == "done"


@database_sync_to_async
def example_inputs(slug: str) -> dict:
    from playground.models import Task

    return Task.objects.get(slug=slug).examples[0]["inputs"]


async def test_attach_replays_a_generation_to_its_own_session_from_its_first_event(ws):
    await ws.send_json_to(
        {
            "type": "generate",
            "task": "e2e_nlg",
            "inputs": await example_inputs("e2e_nlg"),
            "params": {"max_new_tokens": 12},
        }  # fmt: skip
    )
    started, *streamed = await receive_until_finished(ws)
    await ws.send_json_to({"type": "attach", "generation_id": started["generation_id"]})
    again, *replayed = await receive_until_finished(ws)
    assert again["type"] == "started" and again["attached"] is True
    assert replayed == streamed  # every frame, its text and its `seq`, in order
    assert [f["seq"] for f in replayed] == list(range(1, len(replayed) + 1))
    async with site_socket() as stranger:  # another browser session
        await stranger.send_json_to({"type": "attach", "generation_id": started["generation_id"]})
        refused = await stranger.receive_json_from(timeout=10)
    assert refused["code"] == "UNKNOWN_GENERATION"


async def test_a_live_event_already_replayed_is_not_sent_twice(ws):
    from playground.consumers import GenerateConsumer

    consumer = GenerateConsumer()
    consumer.replayed = {"g": 5}
    assert consumer.already_replayed({"generation_id": "g", "seq": 5})
    assert not consumer.already_replayed({"generation_id": "g", "seq": 6})
    assert not consumer.already_replayed({"generation_id": "other", "seq": 1})


async def test_a_socket_streams_at_most_its_limit_of_answers_at_once(ws, settings):
    settings.LORALAND_WS_MAX_STREAMS = 1
    request = {"type": "generate", "task": "e2e_nlg", "inputs": await example_inputs("e2e_nlg"),
               "params": {"max_new_tokens": 48}}  # fmt: skip
    await ws.send_json_to({**request, "client_ref": "first"})
    await ws.send_json_to({**request, "client_ref": "second"})
    frames = await receive_until_finished(ws)
    refused = [f for f in frames if f.get("client_ref") == "second"]
    if not refused:  # the first may end before the second is read; then it comes next
        refused = [await ws.receive_json_from(timeout=30)]
    assert refused[-1]["code"] == "TOO_MANY_STREAMS"


async def test_a_session_asking_too_often_is_told_when_to_try_again(ws, settings):
    settings.LORALAND_WS_REQUESTS_PER_MINUTE_SESSION = 2
    request = {"type": "generate", "task": "glue_sst2", "inputs": EXAMPLE,
               "params": {"max_new_tokens": 1}}  # fmt: skip
    # Two a minute: within six quick requests one is refused, even if a minute turns meanwhile.
    for _ in range(6):
        await ws.send_json_to(request)
        last = (await receive_until_finished(ws))[-1]
        if last["type"] == "error":
            break
    assert last["code"] == "RATE_LIMITED" and "try again in" in last["message"]


async def test_an_address_asking_too_often_is_limited_across_its_sockets(catalog, settings):
    settings.LORALAND_WS_REQUESTS_PER_MINUTE_SESSION = 0
    settings.LORALAND_WS_REQUESTS_PER_MINUTE_IP = 2
    request = {"type": "generate", "task": "glue_sst2", "inputs": EXAMPLE,
               "params": {"max_new_tokens": 1}}  # fmt: skip
    last = {}
    for _ in range(6):  # a new socket, and session, each time: only the address repeats
        async with site_socket(client=("203.0.113.9", 50000)) as ws:
            await ws.send_json_to(request)
            last = (await receive_until_finished(ws))[-1]
        if last["type"] == "error":
            break
    assert last["code"] == "RATE_LIMITED" and "address" in last["message"]
