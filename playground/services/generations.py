"""Generations: validate a request, store it as a queued row, enqueue it by name; cancel."""

import uuid
from dataclasses import asdict
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from loraland_site import inprocess_worker
from loraland_site.celery import app as celery_app

from .. import cancel, reference, selectors, worker_routing
from ..errors import GenerationError
from ..models import (
    Generation,
    Task,
    current_base_model,
    template_digest,
)
from ..prompts import Params, render_prompt, validate_params
from ..tokens import prompt_token_count


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
    is_reference = model_kind == Generation.ModelKind.REFERENCE
    if is_reference:
        check_reference_allowed(prompt=prompt, session_key=session_key)
    rendered = prompt is None  # from the task's template; a raw prompt comes from none
    prompt = prompt_from(task, inputs, prompt)
    checked = validate_params(params, max_new_tokens_limit=settings.LORALAND_MAX_NEW_TOKENS)
    # Our base model's context says nothing about the reference model's.
    check_prompt_length(prompt, count_tokens=not is_reference)
    return store_generation(
        task=task,
        model_kind=model_kind,
        adapter_name=adapter_name,
        inputs=inputs,
        prompt=prompt,
        params=checked,
        rendered=rendered,
        session_key=session_key,
        client_ref=client_ref,
        generation_id=generation_id,
    )


def store_generation(
    *,
    task: Task | None,
    model_kind: str,
    adapter_name: str | None,
    inputs: dict | None,
    prompt: str,
    params: Params,
    rendered: bool,
    messages: list | None = None,
    session_key: str = "",
    client_ref: str = "",
    generation_id: uuid.UUID | None = None,
) -> Generation:
    """Store a checked request as a queued Generation and enqueue it once the row is saved."""
    generation = Generation.objects.create(
        id=generation_id or uuid.uuid4(),
        task=task,
        model_kind=model_kind,
        adapter_name=adapter_name or "",
        session_key=session_key or "",
        client_ref=str(client_ref or "")[:128],
        inputs=inputs or {},
        prompt=prompt,
        messages=messages,
        params={**asdict(params), "stop": list(params.stop)},  # as it reads back from JSON
        base_model=current_base_model(),
        template_sha256=template_digest(task.prompt_template) if task and rendered else "",
    )
    if model_kind == Generation.ModelKind.REFERENCE:
        transaction.on_commit(lambda: enqueue_reference(generation.id))
    else:
        adapter = adapter_name or None
        transaction.on_commit(lambda: enqueue_generation(generation.id, adapter=adapter))
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
        reference.reference_config()  # fail now if there is none
        return None
    raise GenerationError("INVALID_MODEL", "model must be finetuned, base or reference.")


def check_reference_allowed(*, prompt, session_key: str) -> None:
    """The reference runs on the operator's API key: only the task's own prompt, rendered from
    its inputs, and at most LORALAND_REFERENCE_MAX_PER_HOUR answers per browser session."""
    if prompt is not None:
        raise GenerationError(
            "REFERENCE_NEEDS_INPUTS",
            "The reference model answers only the task's own fields: send inputs, not a prompt.",
        )
    limit = settings.LORALAND_REFERENCE_MAX_PER_HOUR
    since = timezone.now() - timedelta(hours=1)
    used = selectors.reference_generation_count(session_key=session_key or "", since=since)
    if limit and used >= limit:
        raise GenerationError(
            "REFERENCE_QUOTA",
            f"This browser session has had its {limit} reference answers for this hour "
            f"(this site's limit, not the API's); try again later. The fine-tuned and base "
            f"models are not limited.",
        )


def prompt_from(task: Task, inputs, prompt) -> str:
    if prompt is not None and inputs is not None:
        raise GenerationError("INVALID_INPUTS", "Send either inputs or prompt, not both.")
    if prompt is None:
        return render_prompt(
            task.prompt_template, inputs if inputs is not None else {}, task.optional_fields
        )
    if not isinstance(prompt, str) or not prompt.strip():
        raise GenerationError("INVALID_INPUTS", "prompt must be non-empty text.")
    return prompt


def check_prompt_length(prompt: str, *, count_tokens: bool = True) -> None:
    limit = settings.LORALAND_MAX_PROMPT_CHARS
    if len(prompt) > limit:
        raise GenerationError(
            "PROMPT_TOO_LONG", f"The prompt has {len(prompt)} characters; the limit is {limit}."
        )
    if not count_tokens:
        return
    tokens, context = prompt_token_count(prompt)
    if tokens is not None and context and tokens >= context:
        raise GenerationError(
            "PROMPT_TOO_LONG",
            f"The prompt has {tokens} tokens; the model's context holds {context}.",
        )


# The Celery tasks' names (playground/tasks.py): the services enqueue by name and never import
# the tasks, so the web never loads the engine or torch.
GENERATE_TASK = "playground.tasks.generate"


REFERENCE_TASK = "playground.tasks.generate_reference"


def enqueue_generation(generation_id, adapter: str | None = None) -> None:
    """To a worker that holds the adapter, if one does (worker_routing.py), else to any."""
    enqueue(GENERATE_TASK, generation_id, queue=worker_routing.queue_for(adapter))


def enqueue_reference(generation_id) -> None:
    enqueue(REFERENCE_TASK, generation_id, queue="reference")


def enqueue(task_name: str, generation_id, *, queue: str) -> None:
    if settings.LORALAND_IN_PROCESS:
        inprocess_worker.ensure_started()  # no Redis: a worker on the web process's threads
    celery_app.send_task(task_name, args=[str(generation_id)], queue=queue)


def history_delete(*, task_slug: str, session_key: str) -> int:
    """A visitor deletes their own prompts and answers on a task (those still running end
    first and stay); how many were deleted. Gallery entries keep their own copies."""
    if not session_key:
        return 0
    mine = Generation.objects.filter(task__slug=task_slug, session_key=session_key).exclude(
        status__in=(Generation.Status.QUEUED, Generation.Status.RUNNING)
    )
    deleted, _ = mine.delete()
    return deleted


def generation_cancel(*, generation_id, session_key: str) -> None:
    """Ask the worker to stop; only the browser session that started it may."""
    generation = Generation.objects.filter(id=generation_id, session_key=session_key or "").first()
    if generation is None:
        raise GenerationError("UNKNOWN_GENERATION", "No such generation in this session.")
    if generation.status in (Generation.Status.QUEUED, Generation.Status.RUNNING):
        cancel.request_cancel(str(generation.id))
