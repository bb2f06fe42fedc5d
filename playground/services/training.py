"""New task from data: read a file of examples, define the task, queue its training, cancel it.

The file's rows are stored (datasets.py) once read (a refused file stores nothing); the
training itself runs on the "training" queue (playground/training_tasks.py), one at a time.
"""

import shutil
from dataclasses import dataclass, replace
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from loraland_site import inprocess_worker
from loraland_site.celery import app as celery_app

from .. import cancel, datasets
from ..datasets import DatasetLimits, read_dataset
from ..models import TrainingJob, current_base_model
from ..prompts import template_fields
from .catalog import NewTask, new_task_problems, prompt_template_problem

TRAIN_TASK = "playground.training_tasks.train"
MIN_TRAIN_EXAMPLES = 20
PREVIEW_ROWS = 5
# The recipe's defaults (docs/training.md): r=8, alpha 16 on q_proj and v_proj, 80 steps of 8
# examples at 3e-3, as build_demo trains its adapters.
DEFAULT_STEPS = 80
DEFAULT_LEARNING_RATE = 3e-3


class TrainingError(Exception):
    """A definition that cannot be trained: `problems` by field name."""

    def __init__(self, problems: dict[str, str]):
        super().__init__(" ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = problems


def dataset_upload(*, name: str, data: bytes, created_by=None) -> TrainingJob:
    """Read a file of examples (raises DatasetError, naming the row and column) and keep it as
    a draft job, to be defined and started with training_start."""
    dataset = read_dataset(name, data, DatasetLimits.from_settings())
    job = TrainingJob.objects.create(
        file_name=Path(name).name[:255],
        columns=dataset.columns,
        row_count=len(dataset.rows),
        created_by=created_by,
    )
    datasets.write_rows(job.id, dataset.rows)
    return job


def preview(job: TrainingJob) -> list[dict[str, str]]:
    return datasets.read_rows(job.id, PREVIEW_ROWS)


@dataclass(frozen=True)
class Definition:
    """What a person chooses for a draft job on its page."""

    answer_column: str
    prompt_template: str
    metric: str
    name: str = ""
    slug: str = ""
    category: str = ""
    task_slug: str = ""  # retrain this existing task instead of making a new one
    test_share: float = 0.1
    seed: int = 0
    steps: int = DEFAULT_STEPS
    learning_rate: float = DEFAULT_LEARNING_RATE


def template_problem(template: str, columns: list[str], answer_column: str) -> str | None:
    """Every {placeholder} must be an input column (not the answer). For a template the
    catalog's rules accept (prompt_template_problem: it parses, it names a field)."""
    for name in template_fields(template):
        if name == answer_column:
            return f"{{{name}}} is the answer column: the prompt must not hold the answer."
        if name not in columns:
            return f"{{{name}}} is not a column of the file ({', '.join(columns)})."
    return None


def definition_problems(job: TrainingJob, d: Definition) -> dict[str, str]:
    problems: dict[str, str] = {}
    if d.answer_column not in job.columns:
        problems["answer_column"] = f"Choose one of {', '.join(job.columns)}."
    else:
        # the catalog's own rules first ({name} only, no format spec): the task is made by them
        problem = prompt_template_problem(d.prompt_template) or template_problem(
            d.prompt_template, job.columns, d.answer_column
        )
        if problem:
            problems["prompt_template"] = problem
    if d.metric not in TrainingJob.Metric.values:
        problems["metric"] = f"Choose one of {', '.join(TrainingJob.Metric.values)}."
    if not 0.01 <= d.test_share <= 0.5:
        problems["test_share"] = "Between 0.01 and 0.5."
    else:
        train, test = datasets.split_sizes(job.row_count, d.test_share)
        if train < MIN_TRAIN_EXAMPLES:
            problems["test_share"] = (
                f"{job.row_count} examples leave {train} to train on after {test} for the test "
                f"(at least {datasets.MIN_TEST_EXAMPLES}); at least {MIN_TRAIN_EXAMPLES} are "
                "needed."
            )
    if not 1 <= d.steps <= settings.LORALAND_TRAIN_MAX_STEPS:
        problems["steps"] = f"Between 1 and {settings.LORALAND_TRAIN_MAX_STEPS}."
    if not 0 < d.learning_rate <= settings.LORALAND_TRAIN_MAX_LEARNING_RATE:
        problems["learning_rate"] = f"Above 0, at most {settings.LORALAND_TRAIN_MAX_LEARNING_RATE}."
    if not d.task_slug:
        new_task = NewTask(
            name=d.name, slug=d.slug, category=d.category, metric=d.metric,
            prompt_template=d.prompt_template or "{x}",
        )  # fmt: skip
        for field, problem in new_task_problems(new_task).items():
            if field in ("name", "slug", "category"):
                problems[field] = problem
    return problems


def training_start(*, job: TrainingJob, definition: Definition) -> TrainingJob:
    """Define a draft job's task and queue its training (raises TrainingError)."""
    from ..models import Task

    if job.status != TrainingJob.Status.DRAFT:
        raise TrainingError({"job": "This job has started already."})
    task = None
    if definition.task_slug:
        # A new version of a task answers the prompts the task renders: its template, and
        # its metric, whatever the form said.
        task = Task.objects.filter(slug=definition.task_slug).first()
        if task is None:
            raise TrainingError({"task_slug": "No such task."})
        definition = replace(definition, prompt_template=task.prompt_template, metric=task.metric)
    problems = definition_problems(job, definition)
    if task is not None and "prompt_template" in problems:
        problems["task_slug"] = f"The task's own template: {problems.pop('prompt_template')}"
    if task is not None and "metric" in problems:
        problems.pop("metric")
        problems["task_slug"] = (
            f"Its metric, {task.metric}, is not one a trained task is scored by here "
            f"({', '.join(TrainingJob.Metric.values)})."
        )
    if problems:
        raise TrainingError(problems)
    d = definition
    slug, name, category = (
        (task.slug, task.name, task.category) if task else (d.slug, d.name.strip(), d.category)
    )
    fields = dict(
        task=task, slug=slug, name=name, category=category,
        prompt_template=d.prompt_template, answer_column=d.answer_column, metric=d.metric,
        test_share=d.test_share, seed=d.seed, steps=d.steps, learning_rate=d.learning_rate,
        base_model=current_base_model(), status=TrainingJob.Status.QUEUED, queued_at=timezone.now(),
    )  # fmt: skip
    try:
        with transaction.atomic():
            # from a draft only: a second submit of the form must not start it again
            started = TrainingJob.objects.filter(id=job.id, status=TrainingJob.Status.DRAFT)
            if not started.update(**fields):
                raise TrainingError({"job": "This job has started already."})
    except IntegrityError:  # another job took this new task's slug a moment ago
        raise TrainingError({"slug": "Another job is training a task of this name."}) from None
    job.refresh_from_db()
    transaction.on_commit(lambda: enqueue_training(job.id))
    return job


def enqueue_training(job_id) -> None:
    if settings.LORALAND_IN_PROCESS:
        inprocess_worker.ensure_started()
    celery_app.send_task(TRAIN_TASK, args=[str(job_id)], queue="training")


def queue_place(job: TrainingJob) -> int | None:
    """1 for the next job to run, 2 for the one after...; None unless queued. One job runs at a
    time per base model."""
    if job.status != TrainingJob.Status.QUEUED:
        return None
    ahead = TrainingJob.objects.filter(
        base_model=job.base_model,
        status__in=(TrainingJob.Status.QUEUED, TrainingJob.Status.RUNNING),
        queued_at__lt=job.queued_at,
    ).count()
    return ahead + 1


def training_cancel(*, job: TrainingJob) -> None:
    """A queued job ends at once; a running one stops at its next step (its task cleans up)."""
    if job.status == TrainingJob.Status.QUEUED:
        updated = TrainingJob.objects.filter(id=job.id, status=TrainingJob.Status.QUEUED).update(
            status=TrainingJob.Status.CANCELLED, finished_at=timezone.now()
        )
        if updated:
            return
    if job.status in (TrainingJob.Status.QUEUED, TrainingJob.Status.RUNNING):
        cancel.request_cancel(f"training:{job.id}")


def training_confirm(*, job: TrainingJob) -> None:
    """Serve an adapter that scored no better than the base model: a person said so."""
    from .uploads import adapter_activate

    if job.adapter is None or not job.needs_confirmation:
        return
    adapter_activate(adapter=job.adapter)
    job.needs_confirmation = False
    job.save(update_fields=["needs_confirmation"])


def draft_delete(*, job: TrainingJob) -> None:
    if job.status == TrainingJob.Status.DRAFT:
        shutil.rmtree(datasets.job_dir(job.id), ignore_errors=True)
        job.delete()
