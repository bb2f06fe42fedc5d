"""Staff pages of "New task from data": upload a file of examples, define the task, follow its
training live (training.js over /ws/training/<id>/), cancel it, confirm a weak adapter."""

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from . import selectors
from .datasets import DatasetError, DatasetLimits
from .models import Task, TrainingJob
from .services import training
from .services.training import Definition, TrainingError
from .training_state import snapshot

METRIC_CHOICES = TrainingJob.Metric.choices


@staff_member_required
def training_new(request: HttpRequest) -> HttpResponse:
    error = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = "Choose a .jsonl or .csv file."
        else:
            # read in one piece, at most one byte over the limit (the limit's check says so)
            limit = DatasetLimits.from_settings().max_bytes
            data = upload.read(limit + 1)
            try:
                job = training.dataset_upload(name=upload.name, data=data, created_by=request.user)
            except DatasetError as exc:
                error = str(exc)
            else:
                return redirect("training-job", job_id=job.id)
    context = {"error": error, "jobs": selectors.training_jobs()[:20]}
    return render(request, "playground/training_new.html", context, status=400 if error else 200)


@staff_member_required
def training_job(request: HttpRequest, job_id) -> HttpResponse:
    job = get_object_or_404(TrainingJob, id=job_id)
    problems: dict[str, str] = {}
    values = request.POST if request.method == "POST" else {}
    if request.method == "POST" and job.status == TrainingJob.Status.DRAFT:
        try:
            training.training_start(job=job, definition=definition_from(request.POST))
        except (TrainingError, ValueError) as exc:
            problems = getattr(exc, "problems", {"form": str(exc)})
        else:
            return redirect("training-job", job_id=job.id)
    context = {
        "job": job,
        "values": values,
        "problems": problems,
        "metrics": METRIC_CHOICES,
        "tasks": Task.objects.order_by("name"),
        "place": training.queue_place(job),
        "state": snapshot(job),
        "default_steps": training.DEFAULT_STEPS,
        "default_learning_rate": training.DEFAULT_LEARNING_RATE,
    }
    if job.status == TrainingJob.Status.DRAFT:
        rows = training.preview(job)
        context.update(
            preview=[[row[c] for c in job.columns] for row in rows],
            sample=rows[0] if rows else {},
        )
    return render(request, "playground/training_job.html", context, status=400 if problems else 200)


def definition_from(data) -> Definition:
    """The define form's fields (a number that is not one raises ValueError)."""
    return Definition(
        answer_column=data.get("answer_column", ""),
        # a browser sends a textarea's line breaks as CRLF; prompts use "\n"
        prompt_template=data.get("prompt_template", "").replace("\r\n", "\n"),
        metric=data.get("metric", ""),
        name=data.get("name", "").strip(),
        slug=data.get("slug", "").strip(),
        category=data.get("category", "").strip(),
        task_slug=data.get("task_slug", ""),
        test_share=float(data.get("test_share") or 0.1),
        seed=int(data.get("seed") or 0),
        steps=int(data.get("steps") or training.DEFAULT_STEPS),
        learning_rate=float(data.get("learning_rate") or training.DEFAULT_LEARNING_RATE),
    )


@staff_member_required
@require_POST
def training_cancel(request: HttpRequest, job_id) -> HttpResponse:
    job = get_object_or_404(TrainingJob, id=job_id)
    training.training_cancel(job=job)
    return redirect("training-job", job_id=job.id)


@staff_member_required
@require_POST
def training_confirm(request: HttpRequest, job_id) -> HttpResponse:
    job = get_object_or_404(TrainingJob, id=job_id)
    training.training_confirm(job=job)
    return redirect("training-job", job_id=job.id)


@staff_member_required
@require_POST
def training_delete(request: HttpRequest, job_id) -> HttpResponse:
    job = get_object_or_404(TrainingJob, id=job_id)
    training.draft_delete(job=job)
    return redirect("training-new")
