"""`load_tasks` runs at every web start: it creates what is missing, brings rows nobody edited to
the shipped values, and never overwrites what an admin edited."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from demo.catalog import read_tasks
from demo.generators import FORMATS
from playground import services
from playground.management.commands.load_tasks import task_row
from playground.models import Task

pytestmark = pytest.mark.django_db


def load(tasks: list[dict]) -> services.CatalogLoad:
    return services.catalog_load(tasks=tasks, adapter_dir=Path(settings.LORALAND_ADAPTER_DIR))


def shipped_rows() -> list[dict]:
    return [task_row(info) for info in read_tasks()]


def a_new_release(changes: dict[str, dict]) -> list[dict]:
    """The shipped rows, some of them changed as a later release might change them."""
    return [{**row, **changes.get(row["slug"], {})} for row in shipped_rows()]


def load_tasks() -> str:
    out = io.StringIO()
    call_command("load_tasks", stdout=out)
    return out.getvalue()


def test_it_serves_the_report_s_template_and_records_what_it_wrote(catalog):
    sst2 = Task.objects.get(slug="glue_sst2")
    assert sst2.prompt_template == FORMATS["glue_sst2"].template
    assert set(sst2.shipped) >= {"prompt_template", "fields", "examples", "paper_base"}


def test_an_admin_s_edited_template_stays_and_the_other_fields_still_update(catalog):
    edited = "Review: {sentence}\nSentiment (0 or 1):"
    Task.objects.filter(slug="glue_sst2").update(prompt_template=edited)
    done = load(
        a_new_release({"glue_sst2": {"prompt_template": "New {sentence}", "paper_base": 0.5}})
    )
    sst2 = Task.objects.get(slug="glue_sst2")
    assert sst2.prompt_template == edited
    assert sst2.paper_base == 0.5
    assert done.kept == {"glue_sst2": ["prompt_template"]}
    # and at the next web start, with the shipped rows, it still stays
    assert "kept the edited prompt_template of glue_sst2" in load_tasks()
    assert Task.objects.get(slug="glue_sst2").prompt_template == edited


def test_a_row_nobody_edited_takes_a_new_release_s_template(catalog):
    load(a_new_release({"conllpp": {"prompt_template": "Entities in: {text}"}}))
    assert Task.objects.get(slug="conllpp").prompt_template == "Entities in: {text}"
    assert load(shipped_rows()).kept == {}  # and back: still nobody's edit
    assert Task.objects.get(slug="conllpp").prompt_template == FORMATS["conllpp"].template


def test_rows_from_before_the_record_take_the_shipped_values_once(catalog):
    old = "### Sentence: {sentence}\n### Sentiment:"  # an older release's own template
    Task.objects.filter(slug="glue_sst2").update(prompt_template=old, shipped={})
    assert "kept" not in load_tasks()
    sst2 = Task.objects.get(slug="glue_sst2")
    assert sst2.prompt_template == FORMATS["glue_sst2"].template and sst2.shipped


def test_a_rerun_with_nothing_new_changes_nothing(catalog):
    before = {t.slug: (t.prompt_template, t.shipped) for t in Task.objects.all()}
    out = load_tasks()
    assert out.strip() == "loaded 25 tasks"
    assert {t.slug: (t.prompt_template, t.shipped) for t in Task.objects.all()} == before
