"""The "training" queue's Celery task: a new task's adapter from a file of examples.

Phases, each shown live on the job's page (group "training.<id>", consumers.TrainingConsumer)
and kept on the row so that a reloaded page finds them: preparing (the seeded split, the
prompts), training (build_demo's recipe: LoRA r=8, alpha 16 on q_proj and v_proj, the loss on
the answer only), evaluating (base model against the new adapter on the held-out rows, with the
job's metric), registering. The adapter is registered through the upload service, so it passes
exactly an upload's validation and versioning (the one place a task calls a service); it is
served at once unless it scored no better than the base model, when a person must confirm it.

A cancelled or failed job leaves no adapter and no task: the work folder is removed.
Its own worker serves this queue (`-Q training`, one job at a time), so inference workers never
train.
"""

import logging
import math
import shutil
import threading
import time
from dataclasses import replace
from pathlib import Path

from celery import current_task, shared_task
from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from . import cancel, datasets, heartbeat
from .models import TrainingJob, current_base_model
from .prompts import template_fields
from .publish import Publisher
from .training_state import snapshot

log = logging.getLogger(__name__)
SAVE_EVERY_S = 1.0  # progress goes to the row at most this often (every step to the page)
EVAL_EXAMPLES = 100  # held-out examples scored per model, at most
# One job at a time in a process, even on a worker of many threads (in-process mode's)
_one_at_a_time = threading.Lock()


class Cancelled(Exception):
    pass


@shared_task(name="playground.training_tasks.train")
def train(job_id: str) -> None:
    with _one_at_a_time:
        train_one(job_id)


def train_one(job_id: str) -> None:
    hostname = getattr(current_task.request, "hostname", None)
    started = TrainingJob.objects.filter(id=job_id, status=TrainingJob.Status.QUEUED).update(
        status=TrainingJob.Status.RUNNING,
        phase=TrainingJob.Phase.PREPARING,
        started_at=timezone.now(),
        worker=heartbeat.worker_identity(hostname) if hostname else "",
    )
    if not started:
        return  # cancelled while queued, or deleted
    job = TrainingJob.objects.get(id=job_id)
    progress = Progress(job)
    work = work_dir(job)
    try:
        run(job, progress, work)
    except Cancelled:
        progress.end(TrainingJob.Status.CANCELLED)
    except Exception as exc:  # the reason goes on the row and to the page
        log.exception("training job %s failed", job_id)
        progress.end(TrainingJob.Status.FAILED, error=f"{type(exc).__name__}: {exc}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
        progress.close()


def work_dir(job: TrainingJob) -> Path:
    return datasets.job_dir(job.id) / "work"


def run(job: TrainingJob, progress: "Progress", work: Path) -> None:
    if job.base_model != current_base_model():
        raise RuntimeError(
            f"The base model is {current_base_model()} now; the job was defined on "
            f"{job.base_model}. Define it again."
        )

    rows = datasets.read_rows(job.id)
    train_rows, test_rows = datasets.split_rows(rows, job.test_share, job.seed)
    pairs = [(prompt_of(job, row), row[job.answer_column]) for row in train_rows]
    test_rows = test_rows[:EVAL_EXAMPLES]
    progress.phase(TrainingJob.Phase.TRAINING)
    adapter_dir = work / "adapter"
    train_adapter(job, pairs, adapter_dir, progress)
    progress.phase(TrainingJob.Phase.EVALUATING)
    scores, results = evaluate(job, adapter_dir, train_rows, test_rows)
    progress.check_cancelled()
    progress.save(scores=scores)
    progress.phase(TrainingJob.Phase.REGISTERING)
    register(job, adapter_dir, scores, results)
    progress.end(TrainingJob.Status.DONE)


def prompt_of(job: TrainingJob, row: dict) -> str:
    """A row's prompt: the template filled from its columns (the answer's is not in it)."""
    return job.prompt_template.format(**row)


def train_adapter(job: TrainingJob, pairs: list, target: Path, progress: "Progress") -> None:
    from demo.specs import AdapterSpec
    from demo.training import train_lora_on_pairs

    spec = AdapterSpec(
        rank=8, alpha=16, target_modules=("q_proj", "v_proj"),
        steps=job.steps, learning_rate=job.learning_rate,
    )  # fmt: skip
    train_lora_on_pairs(
        Path(settings.LORALAND_BASE_MODEL), pairs, target, spec, job.seed,
        device=settings.LORALAND_DEVICE, show=False, on_step=progress.step,
    )  # fmt: skip


def evaluate(job: TrainingJob, adapter_dir: Path, train_rows: list, test_rows: list):
    """({"base", "finetuned", "examples"}, {model: [result rows]}) on the held-out rows."""
    from demo.evaluation import Job, answer_budget, answer_with_engine
    from demo.metrics import score
    from worker.engine import Engine

    from .services.evaluations import evaluation_summary
    from .tasks import engine_config

    prompts = [prompt_of(job, row) for row in test_rows]
    expected = [row[job.answer_column] for row in test_rows]
    # the serving engine's settings, on the new adapter's folder (`evaluate` batches alike)
    engine = Engine(replace(engine_config(), adapter_dir=str(adapter_dir.parent), max_batch=16))
    try:
        budget = answer_budget(engine.tokenizer, [row[job.answer_column] for row in train_rows])
        outputs = answer_with_engine(
            engine,
            [
                Job(job.slug, "base", None, prompts, budget),
                Job(job.slug, "finetuned", adapter_dir.name, prompts, budget),
            ],
        )[job.slug]
    finally:
        engine.close()
    results = {
        model: [
            {
                "inputs": {k: v for k, v in row.items() if k != job.answer_column},
                "expected": want,
                "output": out,
                "score": score(job.slug, job.metric, out, want),
            }
            for row, want, out in zip(test_rows, expected, texts, strict=True)
        ]
        for model, texts in outputs.items()
    }
    scores = evaluation_summary({job.slug: results})["tasks"][job.slug]
    return {**scores, "examples": len(test_rows)}, results


def register(job: TrainingJob, adapter_dir: Path, scores: dict, results: dict) -> None:
    """The adapter as the task's next version (a new task for version 1), with its scores."""
    from .services.catalog import NewTask
    from .services.evaluations import evaluation_run_save
    from .services.uploads import adapter_upload

    new_task = None
    if job.task is None:
        # the task page's example chips: up to five held-out rows, the template's fields only
        # (a column the template does not use is no field of the task), none left blank
        fields, examples = template_fields(job.prompt_template), []
        for row in results["finetuned"]:
            inputs = {field: row["inputs"][field] for field in fields}
            if all(v.strip() for v in inputs.values()) and inputs not in examples:
                examples.append(inputs)
        examples = examples[:5]
        new_task = NewTask(
            name=job.name, slug=job.slug, category=job.category, metric=job.metric,
            prompt_template=job.prompt_template, example_inputs=examples,
            description=f"Trained from {job.file_name}",
        )  # fmt: skip
    names = ("adapter_config.json", "adapter_model.safetensors")
    # Served at once only if it beats the base model; else registered, for a person to confirm
    better = scores["finetuned"] > scores["base"]
    handles = [(adapter_dir / name).open("rb") for name in names]
    adapter, before = None, (job.task, job.adapter, job.needs_confirmation)
    try:
        with transaction.atomic():  # the adapter, its task, the job and the scores, or none
            adapter = adapter_upload(
                files=[File(h, name=name) for h, name in zip(handles, names, strict=True)],
                task=job.task,
                new_task=new_task,
                uploaded_by=job.created_by,
                serve=better,
            )
            job.task, job.adapter, job.needs_confirmation = adapter.task, adapter, not better
            job.save(update_fields=["task", "adapter", "needs_confirmation"])
            evaluation_run_save(
                model_kinds=["base", "finetuned"],
                results={job.slug: results},
                limit=len(results["finetuned"]),
                duration_s=0.0,
                adapters={job.slug: adapter.name},
            )
    except BaseException:
        if adapter is not None:  # its rows are rolled back: its folder goes too
            shutil.rmtree(Path(settings.LORALAND_ADAPTER_DIR) / adapter.name, ignore_errors=True)
        job.task, job.adapter, job.needs_confirmation = before  # as the rolled-back row is
        raise
    finally:
        for handle in handles:
            handle.close()


class Progress:
    """A job's progress: to its page at every step, to its row at most every SAVE_EVERY_S."""

    def __init__(self, job: TrainingJob):
        self.job = job
        self.publisher = Publisher(job.id, group=f"training.{job.id}", keep=False, kind="training")
        self.started = time.monotonic()
        self.saved = 0.0
        self.cancel_key = f"training:{job.id}"

    def phase(self, phase: str) -> None:
        self.check_cancelled()
        self.job.phase = phase
        self.save()

    def step(self, number: int, loss: float) -> None:
        """After each training step (train_lora_on_pairs' on_step)."""
        if not math.isfinite(loss):  # nothing to learn from, nor to draw or store as JSON
            raise RuntimeError(
                f"The loss diverged at step {number} ({loss}); lower the learning rate."
            )
        job = self.job
        job.step = number
        job.losses.append(loss)
        if number == 1:
            self.started = time.monotonic()  # the model's load is not a step
        else:
            job.steps_per_s = round((number - 1) / (time.monotonic() - self.started), 3)
        if time.monotonic() - self.saved >= SAVE_EVERY_S or number == job.steps:
            self.save()
        else:
            self.send()
        self.check_cancelled()

    def check_cancelled(self) -> None:
        if cancel.is_cancel_requested(self.cancel_key):
            raise Cancelled

    def save(self, **fields) -> None:
        for name, value in fields.items():
            setattr(self.job, name, value)
        self.job.save(update_fields=["phase", "step", "losses", "steps_per_s", "scores", *fields])
        self.saved = time.monotonic()
        self.send()

    def end(self, status: str, error: str = "") -> None:
        """Only a job still running ends so: one the reaper failed meanwhile stays failed."""
        self.job.status, self.job.error = status, error[:2000]
        self.job.finished_at = timezone.now()
        TrainingJob.objects.filter(id=self.job.id, status=TrainingJob.Status.RUNNING).update(
            status=status, error=self.job.error, finished_at=self.job.finished_at
        )
        self.job.refresh_from_db(fields=["status", "error", "finished_at"])
        self.send()

    def send(self) -> None:
        """To the page; a frame that cannot be sent (Redis away a moment) is not worth a job:
        the row has the progress, and the page's next frame or reload shows it."""
        try:
            self.publisher.send("progress", snapshot(self.job, last_loss_only=True))
        except Exception:
            log.warning("training job %s: a frame was not sent", self.job.id, exc_info=True)

    def close(self) -> None:
        self.publisher.close()
