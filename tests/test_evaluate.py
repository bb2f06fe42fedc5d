"""`manage.py evaluate` on the small test demo: real generation, real metrics, stored runs."""

import io
import json
import shutil
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from playground import services
from playground.models import (
    Adapter,
    Comparison,
    EvaluationResult,
    EvaluationRun,
    Task,
    template_digest,
)

from .peft_adapters import CONFIG_FILE, WEIGHTS_FILE, save_peft_adapter

pytestmark = pytest.mark.django_db


def evaluate(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("evaluate", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_json_mode_prints_one_document_and_stores_every_example(catalog):
    out, _ = evaluate("--task", "glue_sst2", "--task", "gsm8k", "--limit", "4", "--json")
    summary = json.loads(out)  # stdout holds the JSON document and nothing else
    assert set(summary) == {"tasks", "mean", "adapters"}
    assert summary["adapters"] == {"glue_sst2": "glue_sst2", "gsm8k": "gsm8k"}  # built ones
    assert set(summary["tasks"]) == {"glue_sst2", "gsm8k"}
    for scores in summary["tasks"].values():
        assert set(scores) == {"base", "finetuned"}
        assert all(0.0 <= v <= 1.0 for v in scores.values())
    run = EvaluationRun.objects.get()
    assert run.summary == summary and run.limit == 4
    # What the scores were made with: the test demo's base and each task's template now.
    assert run.base_model == "loraland-mini"
    assert run.templates == {
        slug: template_digest(Task.objects.get(slug=slug).prompt_template)
        for slug in ("glue_sst2", "gsm8k")
    }
    assert EvaluationResult.objects.filter(run=run).count() == 2 * 2 * 4
    example = EvaluationResult.objects.filter(
        task__slug="glue_sst2", model_kind="finetuned"
    ).first()
    assert example.expected in ("0", "1") and "sentence" in example.inputs


def test_the_table_has_a_row_per_task_and_a_mean(catalog):
    out, _ = evaluate("--task", "glue_sst2", "--limit", "3", "--models", "finetuned")
    assert "glue_sst2" in out and "mean" in out and "finetuned" in out
    assert EvaluationRun.objects.get().model_kinds == ["finetuned"]


def test_reference_is_skipped_with_a_note_when_unconfigured(catalog):
    _, err = evaluate("--task", "glue_sst2", "--limit", "2", "--models", "base,reference", "--json")
    assert "reference" in err and "skipped" in err
    assert EvaluationRun.objects.get().model_kinds == ["base"]


def test_bad_arguments_are_refused(catalog):
    with pytest.raises(CommandError, match="unknown task"):
        evaluate("--task", "nope")
    with pytest.raises(CommandError, match="--models"):
        evaluate("--models", "gpt5")
    with pytest.raises(CommandError, match="build_demo"):
        evaluate("--task", "boolq")  # no data built for it in the test demo


def test_save_gallery_keeps_each_tasks_best_and_worst_examples(catalog):
    out, err = evaluate("--task", "glue_sst2", "--limit", "6", "--save-gallery", "2", "--json")
    json.loads(out)  # stdout still holds the JSON document alone
    assert "gallery: saved 4 comparisons" in err
    saved = Comparison.objects.filter(source="evaluate", task__slug="glue_sst2")
    assert saved.count() == 4
    template = template_digest(Task.objects.get(slug="glue_sst2").prompt_template)
    assert {(c.base_model, c.template_sha256) for c in saved} == {("loraland-mini", template)}
    results = EvaluationResult.objects.filter(task__slug="glue_sst2")
    scores = {(r.model_kind, r.inputs["sentence"]): r.score for r in results}
    sentences = [r.inputs["sentence"] for r in results if r.model_kind == "finetuned"]
    gaps = sorted((scores["finetuned", s] - scores["base", s] for s in sentences), reverse=True)
    saved_gaps = []
    for comparison in saved:
        sentence = comparison.inputs["sentence"]
        assert set(comparison.outputs) == {"base", "finetuned"}
        assert comparison.outputs["finetuned"]["score"] == scores["finetuned", sentence]
        assert comparison.outputs["base"]["score"] == scores["base", sentence]
        assert comparison.outputs["finetuned"]["model"] == "glue_sst2"  # the adapter
        assert comparison.outputs["base"]["params"] == {"temperature": 0.0}  # greedy
        assert comparison.expected and sentence in comparison.prompt
        saved_gaps.append(
            comparison.outputs["finetuned"]["score"] - comparison.outputs["base"]["score"]
        )
    assert sorted(saved_gaps, reverse=True) == gaps[:2] + gaps[-2:]

    evaluate("--task", "glue_sst2", "--limit", "6", "--save-gallery", "2")
    assert Comparison.objects.count() == 4  # a rerun updates its entries, no copies


# --- Which adapter is "finetuned": the one the task serves; which tasks are evaluated ----------


@pytest.fixture
def own_adapter_dir(catalog, demo_config, settings, tmp_path) -> Path:
    """The test demo's glue_sst2 adapter, copied to a folder of this test's own to upload into."""
    folder = tmp_path / "adapters"
    shutil.copytree(demo_config.adapter_dir / "glue_sst2", folder / "glue_sst2")
    settings.LORALAND_ADAPTER_DIR = str(folder)
    return folder


def finetuned_outputs(run: EvaluationRun) -> list[str]:
    return [r.output for r in run.results.filter(model_kind="finetuned").order_by("index")]


def test_finetuned_is_the_uploaded_version_the_task_serves(own_adapter_dir, demo_config):
    args = ("--task", "glue_sst2", "--limit", "4", "--json")
    assert json.loads(evaluate(*args)[0])["adapters"] == {"glue_sst2": "glue_sst2"}
    v2 = save_peft_adapter(demo_config.base_dir, own_adapter_dir.parent / "v2", seed=3)
    files = [SimpleUploadedFile(n, (v2 / n).read_bytes()) for n in (CONFIG_FILE, WEIGHTS_FILE)]
    services.adapter_upload(files=files, task=Task.objects.get(slug="glue_sst2"))

    out, _ = evaluate(*args, "--save-gallery", "1")
    assert json.loads(out)["adapters"] == {"glue_sst2": "glue_sst2/2"}
    on_v1, on_v2 = EvaluationRun.objects.order_by("created_at", "pk")
    assert on_v2.summary["adapters"] == {"glue_sst2": "glue_sst2/2"}
    assert finetuned_outputs(on_v2) != finetuned_outputs(on_v1)  # v2's weights, not v1's
    saved = Comparison.objects.filter(source="evaluate")
    assert saved.count() == 2
    assert {c.outputs["finetuned"]["model"] for c in saved} == {"glue_sst2/2"}


def test_a_task_that_serves_no_adapter_is_scored_on_base_with_a_note(catalog):
    Adapter.objects.filter(task__slug="glue_sst2").update(is_active=False)  # "stop serving"
    out, err = evaluate("--task", "glue_sst2", "--limit", "2", "--json")
    summary = json.loads(out)
    assert summary["tasks"] == {"glue_sst2": {"base": summary["tasks"]["glue_sst2"]["base"]}}
    assert summary["adapters"] == {}
    assert "finetuned: skipped glue_sst2: it serves no adapter" in err


def test_without_task_it_skips_the_tasks_that_have_no_test_split(catalog, settings):
    Task.objects.exclude(slug__in=["glue_sst2", "boolq"]).delete()  # boolq: not built here
    Task.objects.create(slug="my_task", name="Mine", fields=["x"], prompt_template="{x}")
    out, err = evaluate("--limit", "2", "--models", "base", "--json")
    assert set(json.loads(out)["tasks"]) == {"glue_sst2"}
    (note,) = [line for line in err.splitlines() if "no test split" in line]
    assert "boolq" in note and "my_task" in note and str(settings.LORALAND_DATA_DIR) in note
    with pytest.raises(CommandError, match="no test split at .*my_task"):
        evaluate("--task", "my_task", "--models", "base")
