"""Bad input, fuzzed with hypothesis: whatever a WebSocket frame or an API body holds, the
checks answer with a coded error a person can read, or accept it; nothing else escapes (an
escaping exception would be a 500, or a dropped socket). Then a burst of fuzzed frames on a
real socket, which must stay usable."""

import json
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playground import services
from playground.consumers import parse_message
from playground.errors import GenerationError
from playground.openai_shapes import CLIENT_ERRORS, error_body, project_params, token_limit_name

from .websocket import receive_until_finished, site_socket

SLUGS = st.sampled_from(["glue_sst2", "e2e_nlg", "gsm8k", "no_such_task", ""])
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
FIELD_VALUES = st.dictionaries(
    st.sampled_from(["sentence", "meaning_representation", "question", "other"]), JSON, max_size=3
)
PARAMS = st.dictionaries(
    st.sampled_from(["max_new_tokens", "temperature", "top_p", "seed", "stop", "n", "junk"]),
    JSON | st.integers(-5, 10_000) | st.floats(-1, 3),
    max_size=5,
)
FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FUZZ
@given(st.text(max_size=300) | JSON.map(json.dumps))
def test_any_frame_parses_or_gets_a_coded_error(text):
    try:
        message = parse_message(text)
    except GenerationError as exc:
        assert exc.code.isupper() and exc.message
    else:
        assert message["type"] in ("generate", "cancel", "attach")


@pytest.fixture
def quiet_catalog(catalog, monkeypatch):
    monkeypatch.setattr(services.generations, "enqueue_generation", lambda gid, **_: None)
    return catalog


@FUZZ
@given(
    task=SLUGS | JSON,
    model=st.sampled_from(["finetuned", "base", "reference", "gpt", ""]) | JSON,
    inputs=st.none() | FIELD_VALUES | JSON,
    prompt=st.none() | st.text(max_size=60) | JSON,
    params=st.none() | PARAMS | JSON,
)
def test_any_generate_request_is_stored_or_refused_with_a_code(
    quiet_catalog, task, model, inputs, prompt, params
):
    try:
        generation = services.generation_create(
            task_slug=task, model_kind=model, inputs=inputs, prompt=prompt, params=params
        )
    except GenerationError as exc:
        assert exc.code.isupper() and exc.message
    else:
        assert generation.status == "queued" and generation.prompt


@FUZZ
@given(
    model=st.sampled_from(["glue_sst2", "glue_sst2@1", "glue_sst2@x", "gsm8k:base", "nope"]) | JSON,
    messages=st.none()
    | st.lists(
        st.fixed_dictionaries(
            {
                "role": st.sampled_from(["user", "system", "assistant", "robot"]) | JSON,
                "content": st.text(alphabet=string.printable, max_size=40) | JSON,
            }  # fmt: skip
        ),
        max_size=3,
    )
    | JSON,
    body=PARAMS,
    raw=st.booleans(),
)
def test_any_api_body_is_answered_or_refused_below_500(quiet_catalog, model, messages, body, raw):
    limit_name = token_limit_name(body)
    try:
        target = services.resolve_model(model)
        services.completion_create(
            target=target,
            params=project_params(body, limit_name),
            messages=messages,
            raw=raw,
        )
    except GenerationError as exc:
        status, error = error_body(exc.code, exc.message, prompt_param="messages")
        assert exc.code in CLIENT_ERRORS and 400 <= status < 500, exc.code
        assert set(error["error"]) == {"message", "type", "param", "code"}


@pytest.mark.django_db(transaction=True)
async def test_a_burst_of_fuzzed_frames_leaves_the_socket_usable(catalog):
    frames = [
        "null", "[]", "{", '{"type": "generate"}', '{"type": "cancel", "generation_id": 7}',
        '{"type": "attach", "generation_id": "not-a-uuid"}', "x" * 70_000,
        json.dumps({"type": "generate", "task": "glue_sst2", "inputs": {"sentence": {"a": 1}}}),
        json.dumps({"type": "generate", "task": "glue_sst2", "inputs": {"sentence": "ok"},
                    "params": {"max_new_tokens": 10**9, "stop": [1]}}),
    ]  # fmt: skip
    async with site_socket() as ws:
        for frame in frames:
            await ws.send_to(text_data=frame)
            reply = await ws.receive_json_from(timeout=10)
            assert reply["type"] == "error" and reply["code"].isupper() and reply["message"]
        await ws.send_json_to(
            {
                "type": "generate",
                "task": "glue_sst2",
                "inputs": {"sentence": "a fine film"},
                "params": {"max_new_tokens": 2},
            }  # fmt: skip
        )
        assert (await receive_until_finished(ws))[-1]["type"] == "done"
