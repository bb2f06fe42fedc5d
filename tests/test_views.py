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
    monkeypatch.setattr(services.generations, "enqueue_generation", lambda _id, **_: None)
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


VISITOR_PAGES = ["/", "/tasks/glue_stsb/", "/tasks/magicoder/", "/compare/glue_sst2/",
                 "/leaderboard/", "/gallery/"]  # fmt: skip


@pytest.mark.parametrize("url", VISITOR_PAGES)
def test_no_page_shows_a_visitor_settings_commands_or_file_paths(client, catalog, url):
    from django.conf import settings

    html = client.get(url).content.decode()
    assert "LORALAND_" not in html and "manage.py" not in html
    assert str(settings.BASE_DIR) not in html and "var/" not in html


def test_metric_names_read_as_words_and_report_scores_say_whose(client, catalog):
    stsb = client.get("/tasks/glue_stsb/").content.decode()
    assert "1 − MAE/5" in stsb and "one_minus_mae_over_5" not in stsb
    catalog_html = client.get("/").content.decode()
    assert "ROUGE-L" in catalog_html and catalog_html.count("report: fine-tuned") == 25


def test_code_tasks_answer_in_a_code_block_and_the_others_as_plain_text(client, catalog):
    assert page_data(client.get("/tasks/magicoder/"))["task"]["answer_format"] == "code"
    assert page_data(client.get("/tasks/wikisql/"))["task"]["answer_format"] == "code"
    assert page_data(client.get("/tasks/gsm8k/"))["task"]["answer_format"] == "text"


def test_favicon_ico_answers_for_browsers_that_ask_for_it(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file


def test_an_unknown_address_gets_the_site_s_own_404_page(client, catalog):
    response = client.get("/no/such/page/")
    html = response.content.decode()
    assert response.status_code == 404 and 'data-testid="not-found"' in html
    assert 'class="topnav"' in html  # the site's frame, with its way back
    unknown_task = client.get("/tasks/no_such_task/")
    assert (
        unknown_task.status_code == 404
        and 'data-testid="not-found"' in unknown_task.content.decode()
    )


def test_a_server_error_gets_the_site_s_own_500_page():
    from django.test import RequestFactory
    from django.views.defaults import server_error

    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500 and b'data-testid="server-error"' in response.content


def test_the_admin_s_adapter_list_names_bases_without_the_server_s_paths(admin_client, catalog):
    from playground.models import Adapter, Task

    Adapter.objects.create(
        task=Task.objects.get(slug="gsm8k"),
        name="maths/2",
        family="maths",
        version=2,
        base_model="/srv/models/deep/folders/SmolLM2-135M-Instruct",
    )
    listed = admin_client.get("/admin/playground/adapter/").content.decode()
    assert ">SmolLM2-135M-Instruct</span>" in listed and "maths/2" in listed
    assert ">/srv/models" not in listed  # the full path only as a tooltip


def test_a_visitor_deletes_their_own_history_and_old_answers_expire(client, catalog, settings):
    from datetime import timedelta

    from django.utils import timezone

    from playground import retention

    client.get("/tasks/glue_sst2/")  # a session
    mine = services.generation_create(
        task_slug="glue_sst2", model_kind="base", prompt="mine",
        session_key=client.session.session_key,
    )  # fmt: skip
    theirs = services.generation_create(
        task_slug="glue_sst2", model_kind="base", prompt="theirs", session_key="another"
    )
    Generation.objects.update(status="done")
    page = client.get("/tasks/glue_sst2/").content.decode()
    assert "kept for 30 days" in page and 'data-testid="history-delete"' in page
    response = client.post("/tasks/glue_sst2/history/delete/")
    assert response.status_code == 302
    assert list(Generation.objects.values_list("id", flat=True)) == [theirs.id]
    assert not Generation.objects.filter(id=mine.id).exists()

    Generation.objects.update(created_at=timezone.now() - timedelta(days=31))
    recent = services.generation_create(
        task_slug="glue_sst2", model_kind="base", prompt="new", session_key="another"
    )
    Generation.objects.filter(id=recent.id).update(status="done")
    assert retention.purge_old_generations() == 1
    assert list(Generation.objects.values_list("id", flat=True)) == [recent.id]
    settings.LORALAND_RETENTION_DAYS = 0
    Generation.objects.update(created_at=timezone.now() - timedelta(days=400))
    assert retention.purge_old_generations() == 0  # 0: kept for ever


def test_celery_beat_purges_old_answers_daily_on_the_light_worker():
    from django.conf import settings as django_settings

    from loraland_site.celery import app

    (entry,) = app.conf.beat_schedule.values()
    assert entry["task"] == "playground.maintenance.purge_old_generations"
    assert entry["schedule"].hour == {3}  # once a day
    routes = django_settings.CELERY_TASK_ROUTES
    assert routes["playground.maintenance.*"] == {"queue": "maintenance"}
