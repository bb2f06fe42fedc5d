"""The OpenAI-compatible API, called with the official `openai` client over HTTP on a live stack
(daphne, Celery workers, Redis): keys (only a hash stored, shown once, revocable) and
GET /v1/models."""

import io
import json
import re
import sqlite3
import subprocess
import time
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx
import openai
import pytest
from django.core.management import call_command
from prometheus_client.parser import text_string_to_metric_families

from loraland_site.devservices import daphne_command, free_port, stop, wait_for_port
from playground.models import ApiKey

from .conftest import ROOT
from .test_e2e import examples, one_generation, running_stack


@pytest.fixture(scope="module")
def stack(demo_config, tmp_path_factory):
    with running_stack(demo_config, tmp_path_factory.mktemp("api")) as stack:
        yield stack


def stack_key(stack, name: str) -> str:
    return stack.manage("create_api_key", "--name", name).strip().splitlines()[-1]


def make_key(name: str = "harness") -> str:
    out = io.StringIO()
    call_command("create_api_key", "--name", name, stdout=out)
    return out.getvalue().strip().splitlines()[-1]  # the key is the last line


def client(stack, key: str) -> openai.OpenAI:
    # max_retries=0: the client retries 429 and 5xx on its own, which would hide them
    return openai.OpenAI(base_url=stack.url + "/v1", api_key=key, max_retries=0)


@pytest.mark.django_db
def test_a_key_is_shown_once_and_only_its_hash_is_kept():
    key = make_key()
    row = ApiKey.objects.get(name="harness")
    assert key.startswith("ll-") and len(key) > 40
    stored = [str(getattr(row, f.attname)) for f in ApiKey._meta.fields]
    assert not any(key in value for value in stored)  # not the key, only its SHA-256
    assert row.digest == ApiKey.digest_of(key) and key.startswith(row.prefix)
    with pytest.raises(Exception, match="NAME_TAKEN"):
        make_key()


def test_the_openai_client_lists_every_task_s_models_and_the_base(stack):
    key = stack_key(stack, "lister")
    listed = {model.id: model for model in client(stack, key).models.list()}
    base = Path(stack.env["LORALAND_BASE_MODEL"]).name
    assert {"glue_sst2", "glue_sst2@1", "glue_sst2:base", base} <= set(listed)
    served = listed["glue_sst2"]
    assert served.object == "model" and served.owned_by == "loraland" and served.created > 0
    assert (served.model_extra["root"], served.model_extra["parent"]) == ("glue_sst2", base)
    assert listed["glue_sst2:base"].model_extra["parent"] is None
    assert listed[base].model_extra["root"] == base
    assert not [m for m in listed if "gpt" in m.lower()]  # the reference is the operator's


def test_a_missing_unknown_or_revoked_key_is_refused_as_openai_refuses_it(stack):
    with pytest.raises(openai.AuthenticationError) as unknown:
        client(stack, "ll-not-a-key").models.list()
    assert unknown.value.status_code == 401 and unknown.value.code == "invalid_api_key"
    key = stack_key(stack, "revoked")
    assert client(stack, key).models.list().data
    stack.manage("create_api_key", "--revoke", "revoked")
    with pytest.raises(openai.AuthenticationError):
        client(stack, key).models.list()
    bare = httpx.get(stack.url + "/v1/models")
    assert bare.status_code == 401
    assert bare.json()["error"]["code"] == "missing_api_key"
    assert set(bare.json()["error"]) == {"message", "type", "param", "code"}


def e2e_inputs(stack) -> dict:
    return examples(stack, "e2e_nlg")[0]["inputs"]


def test_a_streamed_chat_completion_arrives_in_chunks_then_its_finish_reason_and_usage(stack):
    key = stack_key(stack, "streamer")
    (text,) = e2e_inputs(stack).values()
    stream = client(stack, key).chat.completions.create(
        model="e2e_nlg",
        messages=[{"role": "system", "content": "ignored"}, {"role": "user", "content": text}],
        max_tokens=24,
        temperature=0,
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    assert chunks[0].choices[0].delta.role == "assistant"
    pieces = [
        c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content
    ]
    assert len(pieces) > 3  # a stream, not one block
    ends = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    assert ends in (["length"], ["stop"])
    *_, last = chunks
    assert last.choices == [] and last.usage.completion_tokens == len(pieces)
    assert last.usage.prompt_tokens > 0 and last.usage.total_tokens == (
        last.usage.prompt_tokens + last.usage.completion_tokens
    )
    assert all(c.usage is None for c in chunks[:-1])
    assert len({c.id for c in chunks}) == 1 and chunks[0].id.startswith("chatcmpl-")


def test_one_greedy_prompt_gives_one_answer_on_every_path(stack):
    """Chat streamed and not, a text completion and the WebSocket: one inference path."""
    key = stack_key(stack, "one-path")
    inputs = e2e_inputs(stack)
    (text,) = inputs.values()
    api = client(stack, key)
    chat = api.chat.completions.create(
        model="e2e_nlg", messages=[{"role": "user", "content": text}], max_tokens=24
    )
    streamed = "".join(
        c.choices[0].delta.content or ""
        for c in api.chat.completions.create(
            model="e2e_nlg", messages=[{"role": "user", "content": text}], max_tokens=24,
            stream=True,
        )
    )  # fmt: skip
    completion = api.completions.create(model="e2e_nlg", prompt=text, max_tokens=24)
    request = {"type": "generate", "task": "e2e_nlg", "inputs": inputs,
               "params": {"max_new_tokens": 24}}  # fmt: skip
    socket = one_generation(stack.url, request)[-1]
    assert chat.choices[0].message.content == socket["text"] != ""
    assert streamed == socket["text"] == completion.choices[0].text
    assert chat.object == "chat.completion" and completion.object == "text_completion"
    assert chat.usage.completion_tokens == socket["usage"]["completion_tokens"]
    assert chat.choices[0].finish_reason in ("stop", "length")


def test_a_json_message_fills_named_fields_and_raw_sends_the_text_unchanged(stack):
    key = stack_key(stack, "fields")
    api = client(stack, key)
    inputs = e2e_inputs(stack)
    (text,) = inputs.values()
    by_field = api.chat.completions.create(
        model="e2e_nlg@1", messages=[{"role": "user", "content": json.dumps(inputs)}],
        max_tokens=8,
    )  # fmt: skip
    plain = api.chat.completions.create(
        model="e2e_nlg", messages=[{"role": "user", "content": text}], max_tokens=8
    )
    assert by_field.choices[0].message.content == plain.choices[0].message.content
    raw = api.completions.create(
        model="e2e_nlg", prompt="x", max_tokens=4, extra_body={"raw": True}
    )
    stored = latest_prompts(stack, 1)
    assert stored == ["x"] and raw.usage.prompt_tokens <= 3
    with pytest.raises(openai.BadRequestError) as several:  # two fields, one plain text
        api.chat.completions.create(
            model="glue_mnli:base", messages=[{"role": "user", "content": "a"}], max_tokens=4
        )
    assert "premise" in several.value.message and several.value.code == "invalid_value"


def latest_prompts(stack, count: int) -> list[str]:
    with sqlite3.connect(stack.db_path) as db:
        rows = db.execute(
            "select prompt from playground_generation order by created_at desc limit ?", (count,)
        ).fetchall()
    return [prompt for (prompt,) in rows]


def test_the_base_model_s_own_name_takes_a_conversation_and_a_raw_prompt(stack):
    key = stack_key(stack, "raw-base")
    api = client(stack, key)
    base = Path(stack.env["LORALAND_BASE_MODEL"]).name
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]
    chat = api.chat.completions.create(model=base, messages=messages, max_tokens=4)
    assert chat.model == base and chat.usage.completion_tokens >= 1
    with sqlite3.connect(stack.db_path) as db:
        (task, stored) = db.execute(
            "select task_id, messages from playground_generation order by created_at desc"
        ).fetchone()
    assert task is None and json.loads(stored) == messages
    text = api.completions.create(model=base, prompt="The cat", max_tokens=4)
    assert latest_prompts(stack, 1) == ["The cat"] and text.usage.prompt_tokens >= 2


def test_every_refusal_has_openai_s_status_type_and_code(stack):
    key = stack_key(stack, "refusals")
    api = client(stack, key)
    user = [{"role": "user", "content": "a fine film"}]
    with pytest.raises(openai.NotFoundError) as unknown:
        api.chat.completions.create(model="no_such_task", messages=user)
    assert unknown.value.code == "model_not_found" and unknown.value.param == "model"
    with pytest.raises(openai.BadRequestError) as several:
        api.chat.completions.create(model="glue_sst2", messages=user, n=2)
    assert several.value.param == "n"
    with pytest.raises(openai.BadRequestError) as hot:
        api.chat.completions.create(model="glue_sst2", messages=user, temperature=5)
    assert hot.value.param == "temperature" and hot.value.type == "invalid_request_error"
    with pytest.raises(openai.BadRequestError) as long_answer:
        api.completions.create(model="glue_sst2", prompt="a", max_tokens=10**6)
    assert long_answer.value.param == "max_tokens" and "max_tokens" in long_answer.value.message
    with pytest.raises(openai.BadRequestError) as stops:
        api.completions.create(model="glue_sst2", prompt="a", stop=["a", "b", "c", "d", "e"])
    assert stops.value.param == "stop"
    with pytest.raises(openai.BadRequestError) as no_user:
        api.chat.completions.create(
            model="glue_sst2", messages=[{"role": "system", "content": "x"}]
        )
    assert no_user.value.param == "messages"
    long = " ".join(["word"] * 1500)  # over the test model's 512-token context
    with pytest.raises(openai.BadRequestError) as over:
        api.chat.completions.create(model="glue_sst2", messages=[{"role": "user", "content": long}])
    assert over.value.code == "context_length_exceeded"
    with pytest.raises(openai.APIStatusError) as huge:  # 413 has no class of its own
        api.completions.create(model="glue_sst2", prompt="a" * 2_000_000)
    assert huge.value.status_code == 413 and huge.value.code == "request_too_large"
    broken = httpx.post(
        stack.url + "/v1/chat/completions", headers={"Authorization": f"Bearer {key}"}, content=b"{"
    )
    assert broken.status_code == 400 and set(broken.json()["error"]) == {
        "message", "type", "param", "code"
    }  # fmt: skip


def test_a_stop_sequence_ends_the_answer_before_it(stack):
    key = stack_key(stack, "stops")
    api = client(stack, key)
    (text,) = e2e_inputs(stack).values()
    user = [{"role": "user", "content": text}]
    whole = api.chat.completions.create(model="e2e_nlg", messages=user, max_tokens=24)
    answer = whole.choices[0].message.content
    stop = answer.split()[2]  # a word the answer holds
    cut = api.chat.completions.create(model="e2e_nlg", messages=user, max_tokens=24, stop=stop)
    assert cut.choices[0].finish_reason == "stop"
    assert cut.choices[0].message.content == answer[: answer.index(stop)]


def test_a_client_that_goes_away_mid_stream_cancels_its_generation(stack):
    key = stack_key(stack, "leaver")
    headers = {"Authorization": f"Bearer {key}"}
    # At temperature 2 the base sometimes draws its end token early, before the cancel
    # arrives (as in test_stop_in_the_page_ends_a_long_answer): the next seed is tried.
    finishes = []
    for seed in range(8):
        body = {"model": "webnlg:base", "prompt": "a, b, c", "max_tokens": 256, "stream": True,
                "temperature": 2, "seed": seed, "extra": "ignored, as by OpenAI"}  # fmt: skip
        url = stack.url + "/v1/completions"
        with httpx.stream("POST", url, json=body, headers=headers, timeout=60) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            first = next(line for line in response.iter_lines() if line.startswith("data: "))
            assert json.loads(first[6:])["object"] == "text_completion"
        deadline = time.monotonic() + 30
        while (status := latest_status(stack))[0] == "running" and time.monotonic() < deadline:
            time.sleep(0.2)
        finishes.append(status)
        running = scrape(worker_metrics_url(stack))[("loraland_engine_running_requests", ())]
        assert running == 0  # its batch row is free
        if status[0] == "cancelled":
            break
    assert finishes[-1][:2] == ("cancelled", "cancelled"), finishes
    assert finishes[-1][2] < 256  # completion tokens: cut short


def test_a_client_that_gives_up_on_a_whole_answer_cancels_it_too(stack):
    headers = {"Authorization": f"Bearer {stack_key(stack, 'impatient')}"}
    finishes = []
    for seed in range(8):  # an early end token finishes the answer first: the next seed
        body = {"model": "webnlg:base", "prompt": "a, b, c", "max_tokens": 256,
                "temperature": 2, "seed": seed}  # fmt: skip
        with suppress(httpx.ReadTimeout):  # then the client closes the connection
            httpx.post(
                stack.url + "/v1/completions",
                json=body,
                headers=headers,
                timeout=httpx.Timeout(10, read=0.3),
            )
        deadline = time.monotonic() + 30
        while (status := latest_status(stack))[0] == "running" and time.monotonic() < deadline:
            time.sleep(0.2)
        finishes.append(status)
        if status[0] == "cancelled":
            break
    assert finishes[-1][:2] == ("cancelled", "cancelled"), finishes


def latest_status(stack) -> tuple:
    with sqlite3.connect(stack.db_path) as db:
        return db.execute(
            "select status, finish_reason, completion_tokens from playground_generation"
            " order by created_at desc"
        ).fetchone()


def test_a_key_over_its_requests_a_minute_gets_429_with_retry_after(stack):
    key = stack.manage("create_api_key", "--name", "busy", "--requests-per-minute", "2")
    api = client(stack, key.strip().splitlines()[-1])
    # Two a minute: within six quick requests one is refused, even if a minute turns meanwhile.
    with pytest.raises(openai.RateLimitError) as limited:
        for _ in range(6):
            api.completions.create(model="glue_sst2", prompt="a fine film", max_tokens=1)
    assert limited.value.code == "rate_limit_exceeded"
    assert 1 <= int(limited.value.response.headers["Retry-After"]) <= 60


# --- /healthz and the 503 that the same heartbeats give -------------------------------------


@contextmanager
def another_web_process(stack, **env: str):
    """A second daphne on the stack's database, with `env` changed (another Redis database,
    say, where no worker beats)."""
    port = free_port()
    proc = subprocess.Popen(daphne_command("127.0.0.1", port), cwd=ROOT, env={**stack.env, **env})
    try:
        wait_for_port(port, timeout_s=60, proc=proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc)


def test_healthz_reports_the_database_redis_and_the_live_workers(stack):
    health = httpx.get(stack.url + "/healthz")
    assert health.status_code == 200, health.text
    body = health.json()
    assert body["status"] == "ok" and body["mode"] == "redis"
    assert body["checks"] == {"database": "ok", "redis": "ok", "inference_workers": "ok"}
    (worker,) = body["workers"]  # the inference worker; the reference worker does not beat
    assert worker["queue"] == "inference" and worker["id"].startswith("celery@")
    assert isinstance(worker["adapters"], list) and worker["running"] >= 0
    assert health.headers["Cache-Control"].startswith("max-age=0")


def test_with_no_worker_beating_healthz_and_the_api_say_503(stack):
    no_workers = stack.env["REDIS_URL"].rsplit("/", 1)[0] + "/5"  # a Redis database nobody uses
    key = stack_key(stack, "no-worker")
    with another_web_process(stack, REDIS_URL=no_workers) as url:
        health = httpx.get(url + "/healthz")
        assert health.status_code == 503
        assert health.json()["checks"]["inference_workers"] == "failing"
        api = openai.OpenAI(base_url=url + "/v1", api_key=key, max_retries=0)
        with pytest.raises(openai.InternalServerError) as unavailable:
            api.completions.create(model="glue_sst2", prompt="a fine film", max_tokens=2)
    assert unavailable.value.status_code == 503
    assert unavailable.value.code == "no_worker_available"
    assert int(unavailable.value.response.headers["Retry-After"]) > 0


def test_with_the_database_gone_pages_say_503_and_the_socket_says_why(stack):
    nowhere = f"postgres://loraland@127.0.0.1:{free_port()}/gone"
    with another_web_process(stack, DATABASE_URL=nowhere, DEBUG="false") as url:
        health = httpx.get(url + "/healthz")
        page = httpx.get(url + "/tasks/glue_sst2/")
        request = {"type": "generate", "task": "glue_sst2", "inputs": {"sentence": "fine"}}
        frames = one_generation(url, request)
    assert health.status_code == 503 and health.json()["checks"]["database"] == "failing"
    assert health.json()["checks"]["redis"] == "ok"
    assert page.status_code == 503 and 'data-testid="unavailable"' in page.text
    assert int(page.headers["Retry-After"]) > 0 and "Traceback" not in page.text
    assert (
        frames[-1]["code"] == "DATABASE_UNAVAILABLE"
        and "nothing was saved" in frames[-1]["message"]
    )


# --- /metrics: the web's, and the inference worker's on its scrape port ----------------------


def scrape(url: str) -> dict[tuple, float]:
    """{(sample name, sorted labels): value} from a Prometheus text page."""
    text = httpx.get(url).text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def worker_metrics_url(stack) -> str:
    return f"http://127.0.0.1:{stack.env['LORALAND_WORKER_METRICS_PORT']}/metrics"


def test_the_metrics_count_what_the_api_and_the_worker_did(stack):
    key = stack_key(stack, "metered")
    api = client(stack, key)
    web_before, worker_before = scrape(stack.url + "/metrics"), scrape(worker_metrics_url(stack))
    api.completions.create(model="glue_sst2", prompt="a fine film", max_tokens=3)
    with pytest.raises(openai.NotFoundError):
        api.completions.create(model="nope", prompt="a", max_tokens=3)
    web, worker = scrape(stack.url + "/metrics"), scrape(worker_metrics_url(stack))

    def moved(after, before, name, **labels):
        sample = (name, tuple(sorted(labels.items())))
        return after.get(sample, 0) - before.get(sample, 0)

    ok = {"endpoint": "completions", "status": "200", "code": ""}
    missing = {"endpoint": "completions", "status": "404", "code": "model_not_found"}
    assert moved(web, web_before, "loraland_api_requests_total", **ok) == 1
    assert moved(web, web_before, "loraland_api_requests_total", **missing) == 1
    assert web[("loraland_workers_live", (("queue", "inference"),))] == 1
    assert web[("loraland_worker_starts_total", (("queue", "inference"),))] >= 1
    assert ("loraland_queue_depth", (("queue", "inference"),)) in web
    assert moved(worker, worker_before, "loraland_generated_tokens_total") >= 1
    assert moved(worker, worker_before, "loraland_time_to_first_token_seconds_count") == 1
    assert moved(worker, worker_before, "loraland_inter_token_latency_seconds_count") <= 1
    finished = sum(
        moved(worker, worker_before, "loraland_generations_total", model_kind="finetuned",
              outcome=outcome)
        for outcome in ("stop", "length")
    )  # fmt: skip
    assert finished == 1
    hits_and_misses = sum(
        moved(worker, worker_before, f"loraland_adapter_{what}_total")
        for what in ("hits", "misses")
    )
    assert hits_and_misses == 1
    assert worker[("loraland_engine_max_batch", ())] >= 1
    assert worker[("loraland_engine_running_requests", ())] == 0


@pytest.mark.django_db
def test_staff_make_a_key_in_the_admin_see_it_once_and_revoke_it(admin_client):
    added = admin_client.post(
        "/admin/playground/apikey/add/",
        {"name": "from-admin", "requests_per_minute": "30", "max_concurrent": ""},
        follow=True,
    )
    assert added.status_code == 200
    (message,) = [str(m) for m in added.context["messages"] if "new-api-key" in str(m)]
    key = re.search(r'data-testid="new-api-key">([^<]+)<', message).group(1)
    row = ApiKey.objects.get(name="from-admin")
    assert row.digest == ApiKey.digest_of(key) and (
        row.requests_per_minute,
        row.max_concurrent,
    ) == (
        30,
        None,
    )
    listed = admin_client.get("/admin/playground/apikey/").content.decode()
    assert key not in listed and row.prefix in listed  # shown once, then only its prefix
    admin_client.post(
        "/admin/playground/apikey/",
        {"action": "revoke", "_selected_action": [row.pk]},
    )
    row.refresh_from_db()
    assert row.revoked_at is not None
