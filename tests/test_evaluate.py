"""`manage.py evaluate` on the small test demo: real generation, real metrics, stored runs."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from playground.models import Comparison, EvaluationResult, EvaluationRun

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


def test_save_gallery_keeps_each_tasks_best_and_worst_examples(catalog):
    out, err = evaluate("--task", "glue_sst2", "--limit", "6", "--save-gallery", "2", "--json")
    json.loads(out)  # stdout still holds the JSON document alone
    assert "gallery: saved 4 comparisons" in err
    saved = Comparison.objects.filter(source="evaluate", task__slug="glue_sst2")
    assert saved.count() == 4
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
        assert comparison.expected and sentence in comparison.prompt
        saved_gaps.append(
            comparison.outputs["finetuned"]["score"] - comparison.outputs["base"]["score"]
        )
    assert sorted(saved_gaps, reverse=True) == gaps[:2] + gaps[-2:]

    evaluate("--task", "glue_sst2", "--limit", "6", "--save-gallery", "2")
    assert Comparison.objects.count() == 4  # a rerun updates its entries, no copies
