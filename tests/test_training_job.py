"""The training job's ends, in this process: an adapter no better than the base model is
registered but not served until a person confirms it; a job that fails says why."""

from pathlib import Path

import pytest
from django.test import override_settings

from playground import training_tasks
from playground.models import Task, TrainingJob
from playground.services import training

from .peft_adapters import save_peft_adapter

pytestmark = pytest.mark.django_db


@pytest.fixture
def adapter_dir(demo_config, demo_settings, tmp_path):
    with override_settings(LORALAND_ADAPTER_DIR=str(tmp_path / "adapters")):
        yield save_peft_adapter(demo_config.base_dir, tmp_path / "work" / "adapter", seed=1)


def running_job(**fields) -> TrainingJob:
    return TrainingJob.objects.create(
        status=TrainingJob.Status.RUNNING, file_name="reviews.jsonl", columns=["review", "label"],
        row_count=60, slug="reviews", name="Reviews", category="Sentiment",
        prompt_template="Review: {review}\nSentiment:", answer_column="label", metric="accuracy",
        **fields,
    )  # fmt: skip


def results(score: float) -> list[dict]:
    row = {"inputs": {"review": "fine"}, "expected": "positive", "output": "positive"}
    return [{**row, "score": score}] * 20


@pytest.mark.parametrize(("base", "finetuned", "served"), [(0.5, 0.5, False), (0.2, 0.9, True)])
def test_an_adapter_is_served_only_if_it_beats_the_base(adapter_dir, base, finetuned, served):
    job = running_job()
    scores = {"base": base, "finetuned": finetuned, "examples": 20}
    training_tasks.register(
        job, adapter_dir, scores, {"base": results(base), "finetuned": results(finetuned)}
    )
    job.refresh_from_db()
    task = Task.objects.get(slug="reviews")
    assert (job.task, job.adapter.name, job.adapter.version) == (task, "reviews/1", 1)
    assert job.adapter.is_active is served and job.needs_confirmation is not served
    assert task.examples == [{"inputs": {"review": "fine"}}]  # the page's example chips
    if not served:
        assert task.active_adapter is None
        training.training_confirm(job=job)  # a person says: serve it
        job.refresh_from_db()
        assert task.active_adapter == job.adapter and not job.needs_confirmation


def test_a_job_that_fails_says_why_and_leaves_nothing(demo_settings, tmp_path):
    with override_settings(LORALAND_TRAINING_DIR=str(tmp_path)):
        job = running_job(base_model="another-base")
        job.status = TrainingJob.Status.QUEUED
        job.save()
        (tmp_path / str(job.id) / "work").mkdir(parents=True)
        training_tasks.train.apply(args=[str(job.id)])
    job.refresh_from_db()
    assert job.status == "failed" and job.finished_at is not None
    assert "the job was defined on another-base" in job.error
    assert not (tmp_path / str(job.id) / "work").exists()
    assert not Task.objects.filter(slug="reviews").exists()


def test_examples_keep_the_template_s_fields_and_skip_blank_rows(adapter_dir):
    job = running_job()
    rows = [
        {"inputs": {"review": "   ", "id": "1"}, "expected": "x", "output": "x", "score": 1.0},
        {"inputs": {"review": "good", "id": "2"}, "expected": "x", "output": "x", "score": 1.0},
    ]
    scores = {"base": 0.0, "finetuned": 1.0, "examples": 2}
    training_tasks.register(job, adapter_dir, scores, {"base": rows, "finetuned": rows})
    assert Task.objects.get(slug="reviews").examples == [{"inputs": {"review": "good"}}]


def test_a_registration_that_fails_midway_leaves_no_adapter(adapter_dir, monkeypatch, settings):
    from playground.services import evaluations

    def broken(**_):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(evaluations, "evaluation_run_save", broken)
    job = running_job()
    scores = {"base": 0.0, "finetuned": 1.0, "examples": 20}
    with pytest.raises(RuntimeError):
        training_tasks.register(
            job, adapter_dir, scores, {"base": results(0), "finetuned": results(1)}
        )
    assert not Task.objects.filter(slug="reviews").exists()
    assert not (Path(settings.LORALAND_ADAPTER_DIR) / "reviews" / "1").exists()
    assert job.adapter is None


def test_a_diverged_loss_fails_the_job_and_an_ended_job_stays_ended(demo_settings):
    job = running_job(steps=10)
    progress = training_tasks.Progress(job)
    progress.step(1, 2.5)
    with pytest.raises(RuntimeError, match="loss diverged at step 2"):
        progress.step(2, float("nan"))
    TrainingJob.objects.filter(id=job.id).update(status="failed", error="reaped")
    progress.end(TrainingJob.Status.DONE)  # too late: the reaper failed it
    job.refresh_from_db()
    assert (job.status, job.error, job.losses) == ("failed", "reaped", [2.5])


def test_a_retrained_version_can_be_rolled_back_in_the_admin_s_way(adapter_dir, tmp_path):
    from playground.services import adapter_activate

    first = running_job()
    scores = {"base": 0.0, "finetuned": 1.0, "examples": 20}
    training_tasks.register(
        first, adapter_dir, scores, {"base": results(0), "finetuned": results(1)}
    )
    task = Task.objects.get(slug="reviews")
    again = running_job(task=task)
    training_tasks.register(
        again, adapter_dir, scores, {"base": results(0), "finetuned": results(1)}
    )
    assert (again.adapter.name, task.active_adapter) == ("reviews/2", again.adapter)
    adapter_activate(adapter=first.adapter)  # what the admin's "serve this version" does
    assert task.active_adapter == first.adapter
