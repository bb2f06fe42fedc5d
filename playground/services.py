"""Every write to Task, Adapter, Generation and ReferenceOutput rows, and every enqueue of work,
happens here."""

import json
import uuid
from collections.abc import Iterable
from dataclasses import asdict

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from worker import cancel
from worker.engine import GenerationError

from . import reference
from .models import (
    Adapter,
    EvaluationResult,
    EvaluationRun,
    Generation,
    ReferenceOutput,
    Task,
    prompt_digest,
)
from .prompts import render_prompt, template_fields, validate_params
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
    is_reference = model_kind == Generation.ModelKind.REFERENCE
    # Our base model's context says nothing about the reference model's.
    check_prompt_length(prompt, count_tokens=not is_reference)
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
    enqueue = enqueue_reference if is_reference else enqueue_generation
    transaction.on_commit(lambda: enqueue(generation.id))
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
        reference.reference_config()  # fail now, saying how to configure one, if there is none
        return None
    raise GenerationError("INVALID_MODEL", "model must be finetuned, base or reference.")


def prompt_from(task: Task, inputs, prompt) -> str:
    if prompt is not None and inputs is not None:
        raise GenerationError("INVALID_INPUTS", "Send either inputs or prompt, not both.")
    if prompt is None:
        return render_prompt(task.prompt_template, inputs if inputs is not None else {})
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


def enqueue_generation(generation_id) -> None:
    from worker import tasks

    if settings.LORALAND_IN_PROCESS:
        tasks.run_in_process(str(generation_id))
    else:
        tasks.generate.apply_async(args=[str(generation_id)], queue="inference")


def enqueue_reference(generation_id) -> None:
    from worker import tasks

    if settings.LORALAND_IN_PROCESS:
        tasks.run_in_process(str(generation_id), task=tasks.generate_reference)
    else:
        tasks.generate_reference.apply_async(args=[str(generation_id)], queue="inference")


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


# --- Reference answers (GPT-4 or another OpenAI-compatible model) ---------------------------
IMPORT_KEYS = ("task", "inputs", "prompt", "output", "model")


class ReferenceImportError(Exception):
    """Some lines of an import file are bad; `problems` names each one by its line number."""

    def __init__(self, problems: list[str]):
        super().__init__(f"{len(problems)} bad line(s)")
        self.problems = problems


def reference_outputs_import(*, lines: Iterable[str]) -> int:
    """Check every line first, then store them all in one transaction, or none of them.

    A line: {"task": slug, "inputs": {field: text} or "prompt": text, "output": text,
    "model": name}. Importing the same answer again replaces it rather than adding a copy.
    """
    tasks = {task.slug: task for task in Task.objects.all()}
    outputs, problems = [], []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue  # a blank line (the file's last newline, a spacer) holds nothing
        try:
            outputs.append(reference_output_from_line(line, tasks))
        except ValueError as exc:
            problems.append(f"line {number}: {exc}")
    if problems:
        raise ReferenceImportError(problems)
    with transaction.atomic():
        for output in outputs:
            ReferenceOutput.objects.filter(
                task=output.task,
                prompt_sha256=output.prompt_sha256,
                model_name=output.model_name,
                source=output.source,
            ).delete()
        ReferenceOutput.objects.bulk_create(outputs)
    return len(outputs)


def reference_output_from_line(line: str, tasks: dict[str, Task]) -> ReferenceOutput:
    """An unsaved ReferenceOutput, or ValueError saying what is wrong with the line."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    check_import_keys(data)
    task = tasks.get(data["task"]) if isinstance(data["task"], str) else None
    if task is None:
        raise ValueError(f"unknown task {data['task']!r}")
    prompt = import_prompt(task, data)
    return ReferenceOutput(
        task=task,
        prompt=prompt,
        prompt_sha256=prompt_digest(prompt),  # bulk_create skips save(), which sets it
        inputs=data.get("inputs") or {},
        output=import_text(data, "output"),
        model_name=import_text(data, "model")[:128],
        source=ReferenceOutput.Source.IMPORT,
    )


def check_import_keys(data: dict) -> None:
    missing = [key for key in ("task", "output", "model") if key not in data]
    unknown = sorted(set(data) - set(IMPORT_KEYS))
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    if unknown:
        raise ValueError(
            f"unknown key(s) {', '.join(unknown)}; a line has task, inputs or prompt, output, model"
        )
    if "inputs" in data and "prompt" in data:
        raise ValueError("has both inputs and prompt; give one of them")
    if "inputs" not in data and "prompt" not in data:
        raise ValueError("needs inputs (the task's fields) or a prompt")


def import_prompt(task: Task, data: dict) -> str:
    if "prompt" in data:
        return import_text(data, "prompt")
    inputs, fields = data["inputs"], template_fields(task.prompt_template)
    if not isinstance(inputs, dict):
        raise ValueError("inputs must be an object of field: text")
    mismatch = fields_mismatch(fields, inputs)
    if mismatch:
        raise ValueError(
            f"inputs do not match {task.slug}'s fields ({', '.join(fields)}): {mismatch}"
        )
    empty = [f for f in fields if not isinstance(inputs[f], str) or not inputs[f].strip()]
    if empty:
        raise ValueError(f"inputs: {', '.join(empty)} must be non-empty text")
    return render_prompt(task.prompt_template, inputs)


def fields_mismatch(fields: list[str], inputs: dict) -> str:
    missing = [f for f in fields if f not in inputs]
    unknown = sorted(set(inputs) - set(fields))
    problems = [f"missing {', '.join(missing)}"] if missing else []
    problems += [f"no field {', '.join(unknown)}"] if unknown else []
    return "; ".join(problems)


def import_text(data: dict, key: str) -> str:
    value = data[key]
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{key} must be non-empty text")
    return value


def reference_output_save(
    *, task: Task, prompt: str, inputs: dict, output: str, model_name: str, source: str
) -> ReferenceOutput:
    return ReferenceOutput.objects.create(
        task=task,
        prompt=prompt,
        inputs=inputs,
        output=output,
        model_name=model_name[:128],
        source=source,
    )
