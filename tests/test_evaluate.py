"""`manage.py evaluate` on the small test demo: real generation, real metrics, stored runs."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from playground.models import EvaluationResult, EvaluationRun

pytestmark = pytest.mark.django_db


def evaluate(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("evaluate", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_json_mode_prints_one_document_and_stores_every_example(catalog):
    out, _ = evaluate("--task", "glue_sst2", "--task", "gsm8k", "--limit", "4", "--json")
    summary = json.loads(out)  # stdout holds the JSON document and nothing else
    assert set(summary) == {"tasks", "mean"}
    assert set(summary["tasks"]) == {"glue_sst2", "gsm8k"}
    for scores in summary["tasks"].values():
        assert set(scores) == {"base", "finetuned"}
        assert all(0.0 <= v <= 1.0 for v in scores.values())
    run = EvaluationRun.objects.get()
    assert run.summary == summary and run.limit == 4
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
