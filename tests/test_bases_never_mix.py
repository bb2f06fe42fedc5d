"""Results of another base model or another prompt template are never shown as current ones:
the leaderboard, the gallery and its win rates, kept reference answers, the task page's
examples, and the migration that tags the rows made before the base model changed."""

import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings

from playground import selectors, services
from playground.models import (
    Comparison,
    EvaluationRun,
    Generation,
    ReferenceOutput,
    Task,
    Vote,
    template_digest,
)

from .test_gallery import entry, entry_ids
from .test_leaderboard import cells, row_html, save_run

pytestmark = pytest.mark.django_db

# The tests' site serves the test demo's loraland-mini (conftest's demo_settings); this is
# another configuration of LORALAND_BASE_MODEL, whose base model is named by the last part.
OTHER_BASE = "/srv/models/SmolLM2-135M-Instruct"


def of_other_base():
    return override_settings(LORALAND_BASE_MODEL=OTHER_BASE)


def change_template(slug: str) -> Task:
    """The task's prompt template, changed as a new catalog would change it."""
    task = Task.objects.get(slug=slug)
    task.prompt_template = "Answer in the report's format.\n" + task.prompt_template
    task.save(update_fields=["prompt_template"])
    return task


# --- The leaderboard and the task page ---------------------------------------------------------
def test_the_leaderboard_shows_only_runs_of_the_current_base_model(client, catalog):
    ours = save_run({"glue_sst2": {"base": [0, 0], "finetuned": [1, 0]}}, days_ago=1)
    with of_other_base():
        theirs = save_run({"glue_sst2": {"base": [1, 1], "finetuned": [1, 1]}})  # newer
    assert (ours.base_model, theirs.base_model) == ("loraland-mini", "SmolLM2-135M-Instruct")

    html = client.get("/leaderboard/").content.decode()
    sst2 = cells(row_html(html, "glue_sst2"))
    assert (sst2["ours-base"], sst2["ours-finetuned"]) == ("0.000", "0.500")
    assert "Scores of <strong>loraland-mini</strong>" in html
    assert selectors.latest_evaluation_run() == ours

    with of_other_base():
        html = client.get("/leaderboard/").content.decode()
    assert cells(row_html(html, "glue_sst2"))["ours-base"] == "1.000"
    assert "Scores of <strong>SmolLM2-135M-Instruct</strong>" in html


def test_another_base_models_run_leaves_the_leaderboard_and_task_page_unevaluated(client, catalog):
    with of_other_base():
        save_run({"glue_sst2": {"base": [1, 0], "finetuned": [1, 1]}})
    leaderboard = client.get("/leaderboard/").content.decode()
    assert "No evaluation run of loraland-mini yet" in leaderboard
    assert cells(row_html(leaderboard, "glue_sst2"))["ours-finetuned"] == "—"
    task_page = client.get("/tasks/glue_sst2/").content.decode()
    assert 'data-testid="task-evaluation-empty"' in task_page
    assert 'data-testid="evaluation-example"' not in task_page
    assert selectors.task_evaluation_examples(task=Task.objects.get(slug="glue_sst2")) == []


# --- The gallery and its win rates ------------------------------------------------------------
def test_the_gallery_and_its_win_rates_leave_out_another_base_models_entries(client, catalog):
    ours = entry("glue_sst2")
    with of_other_base():
        theirs = entry("glue_sst2", text="another base's answer")
    assert (ours.base_model, theirs.base_model) == ("loraland-mini", "SmolLM2-135M-Instruct")
    Vote.objects.create(comparison=ours, session_key="a", choice="finetuned")
    Vote.objects.create(comparison=theirs, session_key="a", choice="reference")
    Vote.objects.create(comparison=theirs, session_key="b", choice="reference")

    html = client.get("/gallery/").content.decode()
    assert entry_ids(html) == [ours.pk]
    assert "Answers of <strong>loraland-mini</strong>" in html
    exported = client.get("/gallery/?format=json").json()["comparisons"]
    assert [(c["id"], c["base_model"]) for c in exported] == [(ours.pk, "loraland-mini")]
    assert client.get(f"/gallery/{theirs.pk}/").status_code == 404
    (rate,) = selectors.vote_win_rates()
    assert (rate["reference"]["total"], rate["reference"]["win_rate"]) == (1, 1.0)

    with of_other_base():
        assert entry_ids(client.get("/gallery/").content.decode()) == [theirs.pk]
        (rate,) = selectors.vote_win_rates()
        assert (rate["reference"]["total"], rate["reference"]["win_rate"]) == (2, 0.0)


def test_gallery_entries_of_a_tasks_former_template_are_left_out(client, catalog):
    sst2, gsm8k = entry("glue_sst2"), entry("gsm8k")
    Vote.objects.create(comparison=sst2, session_key="a", choice="finetuned")
    change_template("glue_sst2")
    assert entry_ids(client.get("/gallery/").content.decode()) == [gsm8k.pk]
    assert selectors.vote_win_rates() == []
    fresh = entry("glue_sst2")  # made with the new template
    assert entry_ids(client.get("/gallery/").content.decode()) == [fresh.pk, gsm8k.pk]


def test_evaluate_adds_an_entry_rather_than_rewrite_another_base_models_one(catalog):
    task = Task.objects.get(slug="glue_sst2")

    def by_model(base_output: str) -> dict:
        row = {"inputs": {"sentence": "s"}, "expected": "1", "score": 0.0}
        return {
            "finetuned": [{**row, "output": "1", "score": 1.0}],
            "base": [{**row, "output": base_output}],
        }

    with of_other_base():
        old = services.comparison_save_evaluated(task, by_model("their base"), 0, "prompt")
    new = services.comparison_save_evaluated(task, by_model("our base"), 0, "prompt")
    assert new.pk != old.pk and new.base_model == "loraland-mini"
    old.refresh_from_db()
    assert old.outputs["base"]["text"] == "their base"  # as it was made
    again = services.comparison_save_evaluated(task, by_model("our base, rerun"), 0, "prompt")
    assert again.pk == new.pk  # a rerun of the same base still updates its own entry


# --- Kept reference answers ------------------------------------------------------------------
def test_a_kept_reference_answer_of_a_former_template_is_not_matched(catalog, settings):
    settings.LORALAND_REFERENCE_MODEL = "gpt-4"
    task = Task.objects.get(slug="glue_sst2")
    prompt = task.prompt_template.format(sentence="a fine film")
    line = {"task": "glue_sst2", "prompt": prompt, "output": " 1", "model": "gpt-4"}
    services.reference_outputs_import(lines=[json.dumps(line)])
    assert ReferenceOutput.objects.get().template_sha256 == template_digest(task.prompt_template)
    assert selectors.reference_output_for(task=task, prompt=prompt).output == " 1"
    gallery_answer = {"reference": {"text": " 0", "model": "gpt-4-turbo"}}
    services.comparison_create(task=task, inputs={}, prompt=prompt, outputs=gallery_answer)
    ReferenceOutput.objects.all().delete()
    assert selectors.stored_reference_for(task=task, prompt=prompt)["source"] == "gallery"
    services.reference_outputs_import(lines=[json.dumps(line)])

    task = change_template("glue_sst2")  # the same prompt text, from another template now
    assert selectors.reference_output_for(task=task, prompt=prompt) is None
    assert selectors.stored_reference_for(task=task, prompt=prompt) is None  # nor the gallery's
    services.reference_outputs_import(lines=[json.dumps(line)])  # stored again, under the new
    assert selectors.reference_output_for(task=task, prompt=prompt).output == " 1"
    assert ReferenceOutput.objects.count() == 2  # the former template's is kept, not replaced


# --- New rows say what they were made with ---------------------------------------------------
def test_new_rows_record_the_base_model_and_the_tasks_template(catalog):
    task = Task.objects.get(slug="gsm8k")
    template = template_digest(task.prompt_template)
    with of_other_base():
        run = save_run({"gsm8k": {"base": [1], "finetuned": [1]}})
        comparison = entry("gsm8k")
    assert (run.base_model, run.templates) == ("SmolLM2-135M-Instruct", {"gsm8k": template})
    assert (comparison.base_model, comparison.template_sha256) == (
        "SmolLM2-135M-Instruct",
        template,
    )
    fetched = services.reference_output_save(
        task=task, prompt="p", inputs={}, output="4", model_name="gpt-4", source="live"
    )
    assert fetched.template_sha256 == template


# --- The migration: every older result was made with loraland-mini ---------------------------
BEFORE = [("playground", "0005_task_optional_fields_output_format")]


@pytest.mark.django_db(transaction=True)
def test_the_migration_tags_every_older_result_as_loraland_minis():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    task = old.get_model("playground", "Task").objects.create(
        slug="t", name="T", category="c", metric="exact_match", prompt_template="{text}"
    )
    old.get_model("playground", "Generation").objects.create(task=task, model_kind="base")
    old.get_model("playground", "EvaluationRun").objects.create(model_kinds=["base"])
    old.get_model("playground", "Comparison").objects.create(task=task, prompt="p")
    old.get_model("playground", "ReferenceOutput").objects.create(
        task=task, prompt="p", prompt_sha256="x", output="o", model_name="gpt-4"
    )

    executor.loader.build_graph()  # the migrations applied so far, read again
    executor.migrate(executor.loader.graph.leaf_nodes())

    for model in (Generation, Comparison):
        assert list(model.objects.values_list("base_model", "template_sha256")) == [
            ("loraland-mini", "")  # the templates are unknown: they match no current one
        ]
    assert list(EvaluationRun.objects.values_list("base_model", "templates")) == [
        ("loraland-mini", {})
    ]
    assert ReferenceOutput.objects.get().template_sha256 == ""
