"""Every write to Task, Adapter and Generation rows, and every enqueue of work, happens here."""

import uuid
from dataclasses import asdict

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from worker import cancel
from worker.engine import GenerationError

from .models import Adapter, EvaluationResult, EvaluationRun, Generation, Task
from .prompts import render_prompt, validate_params
from .tokens import prompt_token_count


def generation_create(
    *,
    task_slug: str,
    model_kind: str,
    inputs: dict | None = None,
    prompt: str | None = None,
    params: dict | None = None,
    session_key: str = "",
    client_ref: str = "",
    generation_id: uuid.UUID | None = None,
) -> Generation:
    """Validate a request, store it as a queued Generation and enqueue it for a worker."""
    task = Task.objects.filter(slug=task_slug).first() if isinstance(task_slug, str) else None
    if task is None:
        raise GenerationError("UNKNOWN_TASK", f"There is no task {task_slug!r}.")
    adapter_name = adapter_for(task, model_kind)
    prompt = prompt_from(task, inputs, prompt)
    checked = validate_params(params, max_new_tokens_limit=settings.LORALAND_MAX_NEW_TOKENS)
    check_prompt_length(prompt)
    generation = Generation.objects.create(
        id=generation_id or uuid.uuid4(),
        task=task,
        model_kind=model_kind,
        adapter_name=adapter_name or "",
        session_key=session_key or "",
        client_ref=str(client_ref or "")[:128],
        inputs=inputs or {},
        prompt=prompt,
        params=asdict(checked),
    )
    transaction.on_commit(lambda: enqueue_generation(generation.id))
    return generation


def adapter_for(task: Task, model_kind: str) -> str | None:
    if model_kind == Generation.ModelKind.BASE:
        return None
    if model_kind == Generation.ModelKind.FINETUNED:
        adapter = task.active_adapter
        if adapter is None:
            raise GenerationError(
                "ADAPTER_NOT_FOUND", f"{task.name} has no adapter yet; try the base model."
            )
        return adapter.name
    if model_kind == Generation.ModelKind.REFERENCE:
        raise GenerationError("REFERENCE_UNAVAILABLE", "No reference model is configured.")
    raise GenerationError("INVALID_MODEL", "model must be finetuned, base or reference.")


def prompt_from(task: Task, inputs, prompt) -> str:
    if prompt is not None and inputs is not None:
        raise GenerationError("INVALID_INPUTS", "Send either inputs or prompt, not both.")
    if prompt is None:
        return render_prompt(task.prompt_template, inputs if inputs is not None else {})
    if not isinstance(prompt, str) or not prompt.strip():
        raise GenerationError("INVALID_INPUTS", "prompt must be non-empty text.")
    return prompt


def check_prompt_length(prompt: str) -> None:
    limit = settings.LORALAND_MAX_PROMPT_CHARS
    if len(prompt) > limit:
        raise GenerationError(
            "PROMPT_TOO_LONG", f"The prompt has {len(prompt)} characters; the limit is {limit}."
        )
    tokens, context = prompt_token_count(prompt)
    if tokens is not None and context and tokens >= context:
        raise GenerationError(
            "PROMPT_TOO_LONG",
            f"The prompt has {tokens} tokens; the model's context holds {context}.",
        )


def enqueue_generation(generation_id) -> None:
    from worker import tasks

    if settings.LORALAND_IN_PROCESS:
        tasks.run_in_process(str(generation_id))
    else:
        tasks.generate.apply_async(args=[str(generation_id)], queue="inference")


def generation_cancel(*, generation_id, session_key: str) -> None:
    """Ask the worker to stop; only the browser session that started it may."""
    generation = Generation.objects.filter(id=generation_id, session_key=session_key or "").first()
    if generation is None:
        raise GenerationError("UNKNOWN_GENERATION", "No such generation in this session.")
    if generation.status in (Generation.Status.QUEUED, Generation.Status.RUNNING):
        cancel.request_cancel(str(generation.id))


def generation_start(*, generation_id) -> Generation | None:
    """Mark a queued generation running; None if it is gone or was cancelled while queued."""
    updated = Generation.objects.filter(id=generation_id, status=Generation.Status.QUEUED).update(
        status=Generation.Status.RUNNING
    )
    return Generation.objects.select_related("task").get(id=generation_id) if updated else None


def generation_finish(*, generation_id, done) -> None:
    cancelled = done.finish_reason == "cancelled"
    Generation.objects.filter(id=generation_id).update(
        status=Generation.Status.CANCELLED if cancelled else Generation.Status.DONE,
        output=done.text,
        finish_reason=done.finish_reason,
        prompt_tokens=done.prompt_tokens,
        completion_tokens=done.completion_tokens,
        ttft_ms=done.ttft_ms,
        tokens_per_s=done.tokens_per_s,
        finished_at=timezone.now(),
    )


def generation_fail(*, generation_id, code: str, message: str, partial_text: str = "") -> None:
    Generation.objects.filter(id=generation_id).update(
        status=Generation.Status.ERROR,
        output=partial_text,
        error_code=code,
        error_message=message,
        finished_at=timezone.now(),
    )


@transaction.atomic
def catalog_load(*, tasks: list[dict], adapter_dir) -> int:
    """Create or update Task rows, and register each task's adapter found on disk."""
    for position, data in enumerate(tasks):
        task, _ = Task.objects.update_or_create(
            slug=data["slug"], defaults={**data, "position": position}
        )
        adapter_register_if_present(task=task, adapter_dir=adapter_dir)
    return len(tasks)


def adapter_register_if_present(*, task: Task, adapter_dir) -> Adapter | None:
    from worker.engine.lora import read_adapter_config

    path = adapter_dir / task.slug
    if not (path / "adapter_model.safetensors").is_file():
        return None
    config = read_adapter_config(path)
    adapter, _ = Adapter.objects.update_or_create(
        name=task.slug,
        defaults={
            "task": task,
            "rank": config.get("r"),
            "target_modules": sorted(config.get("target_modules") or []),
            "base_model": config.get("base_model_name_or_path") or "",
            "is_active": True,
        },
    )
    return adapter


@transaction.atomic
def evaluation_run_save(
    *, model_kinds: list[str], results: dict, limit: int | None, duration_s: float
) -> EvaluationRun:
    """Store one evaluation: results[slug][model] = list of {inputs, expected, output, score}."""
    summary = evaluation_summary(results)
    run = EvaluationRun.objects.create(
        model_kinds=model_kinds,
        tasks=list(results),
        limit=limit,
        duration_s=duration_s,
        summary=summary,
    )
    tasks = {t.slug: t for t in Task.objects.filter(slug__in=list(results))}
    EvaluationResult.objects.bulk_create(
        EvaluationResult(run=run, task=tasks[slug], model_kind=model, index=i, **row)
        for slug, by_model in results.items()
        for model, rows in by_model.items()
        for i, row in enumerate(rows)
    )
    return run


def evaluation_summary(results: dict) -> dict:
    """{"tasks": {slug: {model: mean score}}, "mean": {model: mean over tasks}}."""
    per_task = {
        slug: {
            model: round(sum(r["score"] for r in rows) / len(rows), 4)
            for model, rows in by_model.items()
            if rows
        }
        for slug, by_model in results.items()
    }
    models_seen = sorted({m for scores in per_task.values() for m in scores})
    mean = {}
    for model in models_seen:
        values = [scores[model] for scores in per_task.values() if model in scores]
        mean[model] = round(sum(values) / len(values), 4)
    return {"tasks": per_task, "mean": mean}
