"""The compare page, its score and save endpoints, and comparisons made from a run."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from playground import selectors, services
from playground.errors import GenerationError
from playground.models import (
    Comparison,
    Generation,
    ReferenceOutput,
    Task,
    current_base_model,
    template_digest,
)
from playground.prompts import render_prompt

from .test_views import page_data

pytestmark = pytest.mark.django_db


def example(slug: str, index: int = 0) -> dict:
    return Task.objects.get(slug=slug).examples[index]


def answer(session_key: str, model: str, output: str, *, slug="glue_sst2", inputs=None, **fields):
    """A finished generation of one pane, as the worker leaves it."""
    task = Task.objects.get(slug=slug)
    inputs = example(slug)["inputs"] if inputs is None else inputs
    return Generation.objects.create(
        task=task,
        model_kind=model,
        adapter_name=slug if model == "finetuned" else "",
        session_key=session_key,
        inputs=inputs,
        prompt=render_prompt(task.prompt_template, inputs),
        base_model=fields.pop("base_model", current_base_model()),
        template_sha256=template_digest(task.prompt_template),
        status=fields.pop("status", Generation.Status.DONE),
        output=output,
        **{"completion_tokens": 2, "ttft_ms": 12.5, "tokens_per_s": 40.0, **fields},
    )


def post(client, url: str, ids: dict):
    body = {"generation_ids": {model: str(g.id) for model, g in ids.items()}}
    return client.post(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def visitor(client, catalog):
    """A browser session that has opened the compare page (so it has a session key)."""
    client.get("/compare/glue_sst2/")
    return client, client.session.session_key


def test_the_compare_page_has_the_form_three_panes_and_a_run_button(client, catalog, settings):
    settings.LORALAND_REFERENCE_URL = "http://127.0.0.1:9/v1"  # a reference: its pane too
    response = client.get("/compare/gsm8k/")
    html = response.content.decode()
    assert response.status_code == 200
    for testid in ("pane-finetuned", "pane-base", "pane-reference", "run-button", "stop-button"):
        assert f'data-testid="{testid}"' in html
    data = page_data(response)
    assert data["task"]["slug"] == "gsm8k" and data["task"]["fields"] == ["question"]
    assert data["urls"] == {"score": "/compare/gsm8k/score/", "save": "/compare/gsm8k/save/"}
    # Examples carry their meta (the metric's data) on the server, not in the page.
    assert "meta" in Task.objects.get(slug="gsm8k").examples[0]
    assert all("meta" not in e for e in data["task"]["examples"])
    assert client.get("/compare/no-such-task/").status_code == 404


def test_each_task_page_links_to_its_compare_page(client, catalog):
    html = client.get("/tasks/webnlg/").content.decode()
    assert 'href="/compare/webnlg/"' in html and 'data-testid="compare-link"' in html


def test_without_a_reference_model_its_pane_offers_kept_answers_and_no_operator_talk(
    client, catalog
):
    task = Task.objects.get(slug="glue_sst2")
    prompts = [render_prompt(task.prompt_template, e["inputs"]) for e in task.examples]
    ReferenceOutput.objects.create(
        task=task,
        prompt=prompts[1],
        output=" 1",
        model_name="gpt-4",
        template_sha256=template_digest(task.prompt_template),
    )
    services.comparison_create(
        task=task,
        inputs=task.examples[2]["inputs"],
        prompt=prompts[2],
        outputs={"reference": {"text": " 0", "model": "gpt-4-turbo"}},
    )
    response = client.get("/compare/glue_sst2/")
    reference = page_data(response)["reference"]
    assert reference["configured"] is False and reference["shown"] is True
    assert "LORALAND_" not in response.content.decode() and "how_to" not in reference
    assert 'data-testid="pane-reference"' in response.content.decode()
    assert reference["stored"][0] is None
    assert reference["stored"][1] == {"text": " 1", "model": "gpt-4", "source": "import"}
    assert reference["stored"][2] == {"text": " 0", "model": "gpt-4-turbo", "source": "gallery"}


def test_a_configured_reference_streams_live(client, catalog, settings):
    settings.LORALAND_REFERENCE_URL = "http://127.0.0.1:9/v1"
    settings.LORALAND_REFERENCE_MODEL = "gpt-4o"
    reference = page_data(client.get("/compare/glue_sst2/"))["reference"]
    assert reference == {"configured": True, "model": "gpt-4o", "shown": True}
    task_page = client.get("/tasks/glue_sst2/").content.decode()
    assert "Compare with the base model and gpt-4o" in task_page


def test_with_no_reference_model_and_none_kept_the_page_has_no_reference_pane(client, catalog):
    html = client.get("/compare/glue_sst2/").content.decode()
    assert 'data-testid="pane-reference"' not in html and "panes-2" in html
    assert "fine-tuned and base" in html and "GPT-4" not in html
    task_page = client.get("/tasks/glue_sst2/").content.decode()
    link = re.search(r'data-testid="compare-link">([^<]+)<', task_page).group(1)
    assert link == "Compare with the base model →"


def test_scores_come_from_the_server_under_the_tasks_metric(visitor):
    client, key = visitor
    expected = example("glue_sst2")["expected"]
    other = "0" if expected.strip() == "1" else "1"
    ids = {
        "finetuned": answer(key, "finetuned", f" {expected}"),
        "base": answer(key, "base", other),
    }
    data = post(client, "/compare/glue_sst2/score/", ids).json()
    assert data["expected"] == expected
    assert data["outputs"]["finetuned"]["score"] == 1.0
    assert data["outputs"]["base"]["score"] == 0.0
    assert "reference" not in data["outputs"]  # none ran, and none is kept for this prompt


def test_a_kept_reference_answer_is_scored_with_the_run(visitor):
    client, key = visitor
    task = Task.objects.get(slug="glue_sst2")
    prompt = render_prompt(task.prompt_template, example("glue_sst2")["inputs"])
    ReferenceOutput.objects.create(
        task=task,
        prompt=prompt,
        output=example("glue_sst2")["expected"],
        model_name="gpt-4",
        template_sha256=template_digest(task.prompt_template),
    )
    data = post(client, "/compare/glue_sst2/score/", {"base": answer(key, "base", "")}).json()
    assert data["outputs"]["reference"] == {
        "score": 1.0,
        "text": example("glue_sst2")["expected"],
        "model": "gpt-4",
    }


def test_magicoder_code_is_scored_by_its_hidden_tests(client, catalog):
    client.get("/compare/magicoder/")
    key = client.session.session_key
    good = example("magicoder")["expected"]
    ids = {
        "finetuned": answer(key, "finetuned", good, slug="magicoder"),
        "base": answer(key, "base", "def nothing():\n    pass", slug="magicoder"),
    }
    data = post(client, "/compare/magicoder/score/", ids).json()
    assert data["outputs"]["finetuned"]["score"] == 1.0  # its tests ran, in the sandbox
    assert data["outputs"]["base"]["score"] == 0.0


def test_inputs_that_are_no_example_have_nothing_to_score_against(visitor):
    client, key = visitor
    ids = {"finetuned": answer(key, "finetuned", " 1", inputs={"sentence": "my own words"})}
    data = post(client, "/compare/glue_sst2/score/", ids).json()
    assert data["expected"] is None and data["outputs"]["finetuned"]["score"] is None


def test_only_this_sessions_finished_answers_to_one_input_can_be_scored_or_saved(visitor):
    client, key = visitor
    mine = answer(key, "finetuned", " 1")
    for url in ("/compare/glue_sst2/score/", "/compare/glue_sst2/save/"):
        theirs = post(client, url, {"finetuned": answer("someone-else", "finetuned", " 1")})
        assert theirs.status_code == 404
        assert theirs.json()["error"]["code"] == "UNKNOWN_GENERATION"
        running = post(client, url, {"base": answer(key, "base", "", status="running")})
        assert running.status_code == 409 and "Wait" in running.json()["error"]["message"]
        other_input = answer(key, "base", "", inputs={"sentence": "something else"})
        mixed = post(client, url, {"finetuned": mine, "base": other_input})
        assert mixed.json()["error"]["code"] == "INVALID_INPUTS"
        wrong_pane = post(client, url, {"base": mine})  # a fine-tuned answer is no base answer
        assert wrong_pane.status_code == 404
        bad = client.post(url, "{not json", content_type="application/json")
        assert bad.status_code == 400 and bad.json()["error"]["code"] == "INVALID_JSON"
        not_an_id = client.post(
            url, json.dumps({"generation_ids": {"base": "x"}}), content_type="application/json"
        )
        assert not_an_id.status_code == 404
    assert client.get("/compare/glue_sst2/save/").status_code == 405
    assert Comparison.objects.count() == 0


def test_answers_of_two_base_models_are_never_saved_as_one_entry(visitor):
    client, key = visitor
    ids = {
        "finetuned": answer(key, "finetuned", " 1"),
        "base": answer(key, "base", " 0", base_model="SmolLM2-135M-Instruct"),
    }
    for url in ("/compare/glue_sst2/score/", "/compare/glue_sst2/save/"):
        response = post(client, url, ids)
        assert response.status_code == 400
        assert "different base models" in response.json()["error"]["message"]
    assert Comparison.objects.count() == 0


def test_score_and_save_refuse_a_post_without_the_csrf_token(catalog):
    browser = Client(enforce_csrf_checks=True)  # as a browser is checked; the test client isn't
    browser.get("/compare/glue_sst2/")  # a session, and the csrftoken cookie of the page's form
    key = browser.session.session_key
    ids = {"finetuned": answer(key, "finetuned", " 1")}
    token = browser.cookies["csrftoken"].value
    for url, accepted in (("/compare/glue_sst2/score/", 200), ("/compare/glue_sst2/save/", 201)):
        forged = post(browser, url, ids)  # e.g. a form on another site, riding the session
        assert forged.status_code == 403, (url, forged.status_code)
        assert b"CSRF" in forged.content
        body = json.dumps({"generation_ids": {m: str(g.id) for m, g in ids.items()}})
        # The page's own request (compare.js sends the token in X-CSRFToken) goes through.
        sent = browser.post(url, body, content_type="application/json", HTTP_X_CSRFTOKEN=token)
        assert sent.status_code == accepted, (url, sent.status_code)
    assert Comparison.objects.count() == 1  # only the request with the token saved


def test_save_stores_the_run_with_scores_and_figures_and_links_its_permalink(visitor):
    client, key = visitor
    expected = example("glue_sst2")["expected"]
    sampled = {"max_new_tokens": 32, "temperature": 0.7, "top_p": 0.9, "seed": 3}
    greedy = {"max_new_tokens": 64, "temperature": 0.0, "top_p": 1.0, "seed": None}
    ids = {
        "finetuned": answer(key, "finetuned", f" {expected}", params=sampled),
        "base": answer(key, "base", "The sentence is", completion_tokens=3, params=greedy),
        "reference": answer(
            key,
            "reference",
            "",
            status="error",
            error_code="REFERENCE_RATE_LIMITED",
            error_message="The reference API is rate limiting requests (HTTP 429).",
            completion_tokens=None,
            ttft_ms=None,
            tokens_per_s=None,
        ),
    }
    response = post(client, "/compare/glue_sst2/save/", ids)
    assert response.status_code == 201
    comparison = Comparison.objects.get()
    assert response.json() == {"id": comparison.pk, "url": f"/gallery/{comparison.pk}/"}
    assert comparison.source == "compare" and comparison.session_key == key
    # Made with what its answers were made with: the test demo's base and the task's template.
    assert comparison.base_model == "loraland-mini"
    assert comparison.template_sha256 == ids["base"].template_sha256 != ""
    assert comparison.inputs == example("glue_sst2")["inputs"]
    assert comparison.prompt == ids["base"].prompt and comparison.expected == expected
    assert comparison.outputs["finetuned"] == {
        "text": f" {expected}",
        "score": 1.0,
        "model": "glue_sst2",
        "ttft_ms": 12.5,
        "tokens_per_s": 40.0,
        "completion_tokens": 2,
        "error": None,
        "params": sampled,
    }
    assert comparison.outputs["base"]["model"] == Path(settings.LORALAND_BASE_MODEL).name
    assert comparison.outputs["base"]["score"] == 0.0
    assert comparison.outputs["base"]["completion_tokens"] == 3
    failed = comparison.outputs["reference"]
    assert "rate limiting" in failed["error"] and failed["score"] is None  # not the model's
    # The entry says how each answer was sampled; the reference's API does not say.
    sampling = re.findall(
        r'data-testid="entry-sampling">([^<]*)<',
        client.get(f"/gallery/{comparison.pk}/").content.decode(),
    )
    assert sampling == [
        "temperature 0.7 · top_p 0.9 · seed 3 · up to 32 tokens",
        "greedy · up to 64 tokens",
    ]


def test_comparison_create_scores_only_what_has_no_score_and_only_against_an_answer(catalog):
    task = Task.objects.get(slug="glue_sst2")
    outputs = {"finetuned": {"text": " 1"}, "base": {"text": "0", "score": 0.5, "extra": "x"}}
    scored = services.comparison_create(
        task=task, inputs={"sentence": "s"}, prompt="p", outputs=outputs, expected="1"
    )
    assert scored.outputs["finetuned"]["score"] == 1.0
    assert scored.outputs["base"] == {
        **dict.fromkeys(services.OUTPUT_KEYS),
        "text": "0",
        "score": 0.5,
    }
    unscored = services.comparison_create(
        task=task, inputs={"sentence": "s"}, prompt="p", outputs={"finetuned": {"text": " 1"}}
    )
    assert unscored.outputs["finetuned"]["score"] is None and unscored.expected == ""
    with pytest.raises(TypeError):
        services.comparison_create(task, {}, "p", {})  # keyword-only


def test_best_and_worst_picks_the_largest_and_smallest_gaps_without_repeats():
    finetuned = [{"score": s} for s in (1.0, 0.0, 1.0, 0.5, 0.0, 1.0)]
    base = [{"score": s} for s in (0.0, 0.0, 1.0, 0.0, 1.0, 0.0)]
    # gaps: +1, 0, 0, +0.5, -1, +1
    assert services.best_and_worst(finetuned, base, 2) == [0, 5, 4, 1]
    assert services.best_and_worst(finetuned[:2], base[:2], 2) == [0, 1]  # fewer than 2n


def test_a_stored_reference_answer_beats_a_gallery_one_and_failed_ones_are_skipped(catalog):
    task = Task.objects.get(slug="glue_sst2")
    failed = {"reference": {"text": "partial", "error": "HTTP 500", "model": "gpt-4"}}
    services.comparison_create(task=task, inputs={}, prompt="p", outputs=failed)
    assert selectors.stored_reference_for(task=task, prompt="p") is None
    services.comparison_create(
        task=task, inputs={}, prompt="p", outputs={"reference": {"text": "ok", "model": "m"}}
    )
    assert selectors.stored_reference_for(task=task, prompt="p")["source"] == "gallery"
    ReferenceOutput.objects.create(
        task=task,
        prompt="p",
        output="imported",
        model_name="gpt-4",
        template_sha256=template_digest(task.prompt_template),
    )
    assert selectors.stored_reference_for(task=task, prompt="p")["text"] == "imported"


def test_comparison_draft_refuses_an_empty_run(catalog):
    with pytest.raises(GenerationError) as caught:
        services.comparison_draft(task_slug="glue_sst2", generation_ids={}, session_key="k")
    assert caught.value.code == "INVALID_MESSAGE"
    with pytest.raises(GenerationError) as caught:
        services.comparison_draft(task_slug="nope", generation_ids={"base": "x"}, session_key="k")
    assert caught.value.code == "UNKNOWN_TASK"
