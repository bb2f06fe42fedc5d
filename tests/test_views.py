import json
import re

import pytest

from playground import services
from playground.models import Generation

pytestmark = pytest.mark.django_db


def page_data(response) -> dict:
    match = re.search(
        r'<script id="page-data" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    return json.loads(match.group(1))


def test_the_catalog_shows_all_25_tasks_with_adapter_status(client, catalog):
    html = client.get("/").content.decode()
    assert html.count('data-testid="task-card"') == 25
    assert 'href="/tasks/glue_sst2/"' in html
    assert "Sentiment (SST-2)" in html and "Math Word Problems (GSM8K)" in html
    assert html.count("adapter ready") >= 4


def test_the_task_page_holds_fields_examples_and_limits(client, catalog):
    response = client.get("/tasks/glue_sst2/")
    assert response.status_code == 200
    data = page_data(response)
    assert data["task"]["fields"] == ["sentence"]
    assert "{sentence}" in data["task"]["template"]
    assert len(data["task"]["examples"]) >= 3
    assert data["limits"]["max_new_tokens"] >= 64
    assert data["history"] == []


def test_an_unknown_task_is_a_404(client, catalog):
    assert client.get("/tasks/no-such-task/").status_code == 404


def test_the_conversation_comes_back_for_the_same_session_only(client, catalog, monkeypatch):
    monkeypatch.setattr(services.generations, "enqueue_generation", lambda _id: None)
    client.get("/tasks/glue_sst2/")
    mine = services.generation_create(
        task_slug="glue_sst2",
        model_kind="finetuned",
        inputs={"sentence": "<img src=x onerror=alert(1)>"},
        session_key=client.session.session_key,
    )
    Generation.objects.filter(id=mine.id).update(status="done", output="<script>alert(1)</script>")
    response = client.get("/tasks/glue_sst2/")
    history = page_data(response)["history"]
    assert [h["id"] for h in history] == [str(mine.id)]
    assert history[0]["output"] == "<script>alert(1)</script>"
    # json_script escapes <, > and & so the stored text cannot close the script tag.
    assert "<script>alert(1)</script>" not in response.content.decode()
    other = type(client)()
    assert page_data(other.get("/tasks/glue_sst2/"))["history"] == []
