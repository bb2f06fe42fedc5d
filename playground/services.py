"""Every write to Task, Adapter, Generation, ReferenceOutput, Comparison and Vote rows, and every
enqueue of work, happens here."""

import contextlib
import errno
import hashlib
import importlib
import json
import os
import re
import shutil
import string
import threading
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from loraland_site.celery import app as celery_app
from worker.adapter_config import read_adapter_config
from worker.errors import GenerationError

from . import cancel, reference, selectors
from .adapters import AdapterRejected, UploadLimits, validate_upload
from .models import (
    Adapter,
    Comparison,
    EvaluationResult,
    EvaluationRun,
    Generation,
    ReferenceOutput,
    Task,
    Vote,
    current_base_model,
    prompt_digest,
    template_digest,
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
    is_reference = model_kind == Generation.ModelKind.REFERENCE
    if is_reference:
        check_reference_allowed(prompt=prompt, session_key=session_key)
    rendered = prompt is None  # from the task's template; a raw prompt comes from none
    prompt = prompt_from(task, inputs, prompt)
    checked = validate_params(params, max_new_tokens_limit=settings.LORALAND_MAX_NEW_TOKENS)
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
        base_model=current_base_model(),
        template_sha256=template_digest(task.prompt_template) if rendered else "",
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


def enqueue_generation(generation_id) -> None:
    enqueue(GENERATE_TASK, generation_id, queue="inference")


def enqueue_reference(generation_id) -> None:
    enqueue(REFERENCE_TASK, generation_id, queue="reference")


def enqueue(task_name: str, generation_id, *, queue: str) -> None:
    if not settings.LORALAND_IN_PROCESS:
        celery_app.send_task(task_name, args=[str(generation_id)], queue=queue)
        return
    # No Redis: the web process is the worker. The task's module is imported by its name (the
    # first time; not with Celery's import_default_modules, whose Django fixup sets Django up
    # again and resets logging) and the task runs on a thread of its own; the engine, and
    # torch, load when it first needs them.
    importlib.import_module(task_name.rpartition(".")[0])
    task = celery_app.tasks[task_name]
    threading.Thread(target=task.apply, args=([str(generation_id)],), daemon=True).start()


def generation_cancel(*, generation_id, session_key: str) -> None:
    """Ask the worker to stop; only the browser session that started it may."""
    generation = Generation.objects.filter(id=generation_id, session_key=session_key or "").first()
    if generation is None:
        raise GenerationError("UNKNOWN_GENERATION", "No such generation in this session.")
    if generation.status in (Generation.Status.QUEUED, Generation.Status.RUNNING):
        cancel.request_cancel(str(generation.id))


@transaction.atomic
@dataclass(frozen=True)
class CatalogLoad:
    """What catalog_load did: tasks loaded, and per task the fields it kept as edited."""

    count: int
    kept: dict[str, list[str]]


def catalog_load(*, tasks: list[dict], adapter_dir) -> CatalogLoad:
    """Create the Task rows that are missing and update the others to the shipped values,
    except the fields someone edited since (an admin's template, say), which stay as they
    are; then register each task's adapter found on disk.

    A field counts as edited when its value is not the one load_tasks last wrote (Task.shipped
    keeps that value's hash). A row written before that record existed has none: its fields
    are taken as shipped and updated once (so the templates of older releases are replaced)."""
    kept = {}
    for position, data in enumerate(tasks):
        task = Task.objects.filter(slug=data["slug"]).first()
        if task is None:
            task = Task(slug=data["slug"])
        edited = [
            name
            for name in data
            if task.pk
            and name in task.shipped
            and task.shipped[name] != shipped_hash(getattr(task, name))
        ]
        for name, value in data.items():
            if name not in edited:
                setattr(task, name, value)
                task.shipped[name] = shipped_hash(value)
        task.position = position
        task.save()
        if edited:
            kept[task.slug] = edited
        adapter_register_if_present(task=task, adapter_dir=adapter_dir)
    return CatalogLoad(count=len(tasks), kept=kept)


def shipped_hash(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()


def adapter_register_if_present(*, task: Task, adapter_dir) -> Adapter | None:
    path = adapter_dir / task.slug
    if not (path / "adapter_model.safetensors").is_file():
        return None
    config = read_adapter_config(path)
    values = {
        "task": task,
        "family": task.slug,  # an upload for the task becomes <slug>/2, then 3...
        "rank": config.get("r"),
        "alpha": config.get("lora_alpha"),
        "target_modules": sorted(config.get("target_modules") or []),
        "base_model": config.get("base_model_name_or_path") or "",
        "size_bytes": sum(p.stat().st_size for p in path.iterdir() if p.is_file()),
    }
    # is_active only when first registered: a demo adapter an admin switched off stays off.
    adapter, _ = Adapter.objects.update_or_create(
        name=task.slug, defaults=values, create_defaults={**values, "is_active": True}
    )
    return adapter


# --- Adapter uploads: validated, stored as the next version, served at once ------------------
# Uploads are validated in a temporary folder inside the adapter directory, so that putting one
# in place is a rename on the same filesystem: a worker sees the whole adapter or nothing.
INCOMING_DIR = ".incoming"
# A working folder this old belongs to an upload whose process died (requests end far sooner).
STALE_UPLOAD_S = 3600
# One segment of the engine's adapter names (worker/engine/adapters.py), at most 96 characters.
ADAPTER_FAMILY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,95}$")
TASK_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


@dataclass(frozen=True)
class NewTask:
    """A task created in the same upload as its first adapter."""

    name: str
    slug: str
    category: str
    metric: str  # a name from demo/metrics.py's METRICS
    prompt_template: str  # str.format template with {field} names
    description: str = ""
    example_inputs: list = field(default_factory=list)  # [{field: text, ...}, ...]


def adapter_upload(
    *,
    files: Iterable,
    task: Task | None = None,
    new_task: NewTask | None = None,
    family: str | None = None,
    uploaded_by=None,
) -> Adapter:
    """Validate an uploaded adapter, store it as `<family>/<version>/` and serve it.

    `files` are what playground.adapters.validate_upload takes (one archive or the two files).
    Give `task` (an existing one) or `new_task` (created in the same transaction). The family
    defaults to the task's latest one, else its slug; the version is the family's next. The
    new adapter is active, so its task serves it from now on; older versions stay on disk and
    in the admin for rollback. Raises AdapterRejected; a refused upload leaves no files and no
    rows (only the working folder INCOMING_DIR, empty, stays). Leftovers of uploads whose
    process was killed are removed by the next upload.
    """
    if (task is None) == (new_task is None):
        raise ValueError("Give either task or new_task.")
    if new_task is not None:
        check_new_task(new_task)
    family = family or adapter_default_family(task=task, new_task=new_task)
    check_family_name(family)
    adapter_dir = Path(settings.LORALAND_ADAPTER_DIR)
    remove_stale_uploads(adapter_dir / INCOMING_DIR)
    incoming = adapter_dir / INCOMING_DIR / uuid.uuid4().hex
    incoming.mkdir(parents=True)
    try:
        validated = validate_upload(
            files,
            dest=incoming,
            base_model=settings.LORALAND_BASE_MODEL,
            limits=UploadLimits.from_settings(),
        )
        return adapter_store(
            validated=validated,
            task=task,
            new_task=new_task,
            family_dir=adapter_dir / family,
            uploaded_by=uploaded_by,
        )
    finally:
        shutil.rmtree(incoming, ignore_errors=True)  # gone already when it was moved


def remove_stale_uploads(incoming_dir: Path) -> None:
    """Working folders left by uploads whose process was killed midway."""
    if not incoming_dir.is_dir():
        return
    cutoff = timezone.now().timestamp() - STALE_UPLOAD_S
    for folder in incoming_dir.iterdir():
        if folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)


def adapter_store(*, validated, task, new_task, family_dir: Path, uploaded_by) -> Adapter:
    """Move a validated adapter into place and create its row: both happen, or neither."""
    placed = None
    try:
        with transaction.atomic():
            task = task_create(new_task=new_task) if new_task else locked_task(task)
            check_family_owner(family_dir.name, task)
            version = adapter_next_version(family_dir=family_dir)
            placed = move_into_place(validated.path, family_dir=family_dir, version=version)
            version = int(placed.name)
            return Adapter.objects.create(
                task=task,
                name=f"{family_dir.name}/{version}",
                family=family_dir.name,
                version=version,
                rank=validated.rank,
                alpha=validated.alpha,
                target_modules=list(validated.target_modules),
                base_model=validated.base_model_name_or_path or "",
                size_bytes=validated.total_bytes,
                warnings=list(validated.warnings),
                uploaded_by=uploaded_by,
                is_active=True,
            )
    except IntegrityError as exc:  # a task or version created at the same moment
        remove_placed(placed, family_dir=family_dir)
        raise AdapterRejected(
            "UPLOAD_CONFLICT", f"Another upload got there first ({exc}); upload again."
        ) from exc
    except BaseException:
        remove_placed(placed, family_dir=family_dir)
        raise


def locked_task(task: Task) -> Task:
    # Uploads to one task (so to one family) take turns from here to the commit: two of them
    # cannot pick the same version. (SQLite's IMMEDIATE transactions take turns anyway.)
    return Task.objects.select_for_update().get(pk=task.pk)


def adapter_next_version(*, family_dir: Path) -> int:
    """One more than any version of the family known to the database or found on disk."""
    family = family_dir.name
    known = Adapter.objects.filter(Q(family=family) | Q(name=family)).aggregate(Max("version"))
    on_disk = [int(p.name) for p in family_dir.glob("*") if p.name.isdigit()]
    # A folder without a row (a crashed upload, a deleted row) keeps its number: a worker may
    # still hold that name's weights, so a name is never given to other weights.
    return max([known["version__max"] or 0, *on_disk]) + 1


def move_into_place(source: Path, *, family_dir: Path, version: int) -> Path:
    """Rename `source` to family_dir/<version>, or to the next free number if another upload
    took that one meanwhile; the rename is atomic, so workers never see half an adapter."""
    for path in source.iterdir():  # on disk before the rename makes them visible
        with path.open("rb") as file:
            os.fsync(file.fileno())
    while True:
        family_dir.mkdir(parents=True, exist_ok=True)
        target = family_dir / str(version)
        try:
            os.rename(source, target)  # refuses a non-empty target: nothing is overwritten
            return target
        except OSError as exc:
            if exc.errno == errno.ENOENT and source.is_dir():
                continue  # a failed upload removed the family folder, empty, meanwhile
            if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                raise
            version += 1


def remove_placed(placed: Path | None, *, family_dir: Path) -> None:
    """Take a failed upload's files back out, and its family folder if that is left empty."""
    if placed is not None:
        shutil.rmtree(placed, ignore_errors=True)
    with contextlib.suppress(OSError):  # not empty: the family's other versions stay
        family_dir.rmdir()


def adapter_default_family(*, task: Task | None, new_task: NewTask | None) -> str:
    if new_task is not None:
        return new_task.slug
    latest = task.adapters.exclude(family="").order_by("-created_at", "-pk").first()
    return latest.family if latest else task.slug


def check_family_name(family: str) -> None:
    if not isinstance(family, str) or not ADAPTER_FAMILY.match(family) or ".." in family:
        raise AdapterRejected(
            "INVALID_NAME",
            f"{family!r} cannot name an adapter: use up to 96 letters, digits, '-', '_' or "
            "'.', starting with a letter or a digit.",
        )


def check_family_owner(family: str, task: Task) -> None:
    """A family's versions all serve one task, so a rollback never switches tasks; and no
    family is named after another task, whose built demo adapter `<slug>/` it would be."""
    other = Adapter.objects.filter(Q(family=family) | Q(name=family)).exclude(task=task).first()
    if other is not None:
        raise AdapterRejected(
            "NAME_TAKEN",
            f"The adapter name {family!r} is used by the task {other.task.name!r}; choose "
            "another name.",
        )
    if family in other_task_slugs(task):
        raise AdapterRejected(
            "NAME_TAKEN",
            f"{family!r} is the slug of another task, whose own adapter goes by that name "
            "(build_demo writes it there); choose another name.",
        )


def other_task_slugs(task: Task) -> set[str]:
    """The slugs of every task but this one, including the demo's not loaded yet."""
    from demo.catalog import read_tasks

    slugs = set(Task.objects.exclude(pk=task.pk).values_list("slug", flat=True))
    return (slugs | {info.slug for info in read_tasks()}) - {task.slug}


@transaction.atomic
def adapter_activate(*, adapter: Adapter) -> None:
    """Serve this version for its task (a rollback, or forward again): newer versions of the
    task are switched off, older ones stay as they are."""
    same_time_later_row = Q(created_at=adapter.created_at, pk__gt=adapter.pk)
    newer = Q(created_at__gt=adapter.created_at) | same_time_later_row
    Adapter.objects.filter(newer, task_id=adapter.task_id).update(is_active=False)
    Adapter.objects.filter(pk=adapter.pk).update(is_active=True)


def adapter_deactivate(*, adapter: Adapter) -> None:
    """Stop serving this version: its task falls back to its newest active one, if any."""
    Adapter.objects.filter(pk=adapter.pk).update(is_active=False)


# --- A new task, defined in the upload form ---------------------------------------------------


def check_new_task(new_task: NewTask) -> None:
    problems = new_task_problems(new_task)
    if problems:
        raise AdapterRejected(
            "INVALID_TASK", " ".join(f"{name}: {problem}" for name, problem in problems.items())
        )


def new_task_problems(new_task: NewTask) -> dict[str, str]:
    """What is wrong with a new task's definition, by field (empty: nothing)."""
    from demo.metrics import METRICS

    problems = {}
    for name, limit in (("name", 128), ("category", 64), ("description", 255)):
        value = getattr(new_task, name)
        if name != "description" and not value.strip():
            problems[name] = "This is needed."
        elif len(value) > limit:
            problems[name] = f"At most {limit} characters."
    if not TASK_SLUG.match(new_task.slug):
        problems["slug"] = "Use up to 64 lowercase letters, digits, '-' or '_'."
    elif Task.objects.filter(slug=new_task.slug).exists():
        problems["slug"] = f"A task {new_task.slug!r} exists; attach the adapter to it instead."
    if new_task.metric not in METRICS:
        problems["metric"] = f"Choose one of {', '.join(sorted(METRICS))}."
    template_problem = prompt_template_problem(new_task.prompt_template)
    if template_problem:
        problems["prompt_template"] = template_problem
    else:
        examples_problem = example_inputs_problem(
            new_task.example_inputs, template_fields(new_task.prompt_template)
        )
        if examples_problem:
            problems["example_inputs"] = examples_problem
    return problems


def prompt_template_problem(template: str) -> str | None:
    """The template must name at least one field, each a plain {name} that render_prompt fills."""
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        return (
            f"It cannot be parsed ({exc}). Write a field as {{name}} and a brace as {{{{ or }}}}."
        )
    fields = [(name, spec, conversion) for _, name, spec, conversion in parts if name is not None]
    if not fields:
        return "It has no {field} for the visitor's input, e.g. Review: {review}"
    for name, spec, conversion in fields:
        if not name.isidentifier():
            return f"{{{name}}} is not a field name: use letters, digits and '_', e.g. {{text}}."
        if spec or conversion:
            return f"Write {{{name}}} without a format spec or conversion."
    return None


def example_inputs_problem(examples, fields: list[str]) -> str | None:
    if not isinstance(examples, list):
        return "Give a list of examples, each an object of field: text."
    for number, example in enumerate(examples, start=1):
        if not isinstance(example, dict):
            return f"Example {number} is not an object of field: text."
        mismatch = fields_mismatch(fields, example)
        if mismatch:
            return f"Example {number} does not match the fields ({', '.join(fields)}): {mismatch}."
        if not all(isinstance(example[f], str) and example[f].strip() for f in fields):
            return f"Example {number}: every field must be non-empty text."
    return None


def task_create(*, new_task: NewTask) -> Task:
    last = Task.objects.aggregate(Max("position"))["position__max"]
    return Task.objects.create(
        slug=new_task.slug,
        name=new_task.name.strip(),
        category=new_task.category.strip(),
        metric=new_task.metric,
        description=new_task.description.strip(),
        prompt_template=new_task.prompt_template,
        fields=template_fields(new_task.prompt_template),
        examples=[{"inputs": inputs} for inputs in new_task.example_inputs],
        position=(last or 0) + 1,
    )


@transaction.atomic
def evaluation_run_save(
    *,
    model_kinds: list[str],
    results: dict,
    limit: int | None,
    duration_s: float,
    adapters: dict[str, str] | None = None,
) -> EvaluationRun:
    """Store one evaluation: results[slug][model] = list of {inputs, expected, output, score};
    adapters[slug] names the adapter scored as the task's "finetuned" (the summary keeps it).
    The run is of the current base model and of each task's current template."""
    summary = {**evaluation_summary(results), "adapters": dict(adapters or {})}
    tasks = {t.slug: t for t in Task.objects.filter(slug__in=list(results))}
    run = EvaluationRun.objects.create(
        model_kinds=model_kinds,
        tasks=list(results),
        limit=limit,
        duration_s=duration_s,
        summary=summary,
        base_model=current_base_model(),
        templates={slug: template_digest(task.prompt_template) for slug, task in tasks.items()},
    )
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
                template_sha256=output.template_sha256,
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
        template_sha256=template_digest(task.prompt_template),
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
    empty = [
        f
        for f in fields
        if not isinstance(inputs[f], str) or not (inputs[f].strip() or f in task.optional_fields)
    ]
    if empty:
        raise ValueError(f"inputs: {', '.join(empty)} must be non-empty text")
    return render_prompt(task.prompt_template, inputs, task.optional_fields)


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
    """Keep a reference answer to a prompt rendered from the task's current template."""
    return ReferenceOutput.objects.create(
        task=task,
        prompt=prompt,
        template_sha256=template_digest(task.prompt_template),
        inputs=inputs,
        output=output,
        model_name=model_name[:128],
        source=source,
    )


# --- Comparisons (the compare page, the gallery) and votes ----------------------------------
OUTPUT_KEYS = (
    "text",
    "score",
    "model",
    "ttft_ms",
    "tokens_per_s",
    "completion_tokens",
    "error",
    "params",  # the sampling parameters the answer was made with, when known
)
# `manage.py evaluate` decodes greedily (demo/evaluation.py).
EVALUATED_PARAMS = {"temperature": 0.0}


def comparison_create(
    *,
    task: Task,
    inputs: dict,
    prompt: str,
    outputs: dict[str, dict],
    expected: str = "",
    meta: dict | None = None,
    source: str = Comparison.Source.COMPARE,
    session_key: str = "",
    base_model: str | None = None,
    template_sha256: str | None = None,
) -> Comparison:
    """Store one input's answers by model; with an expected answer, unscored answers are scored.
    base_model and template_sha256 say what the answers were made with (default: the current
    base model and the task's current template)."""
    return Comparison.objects.create(
        task=task,
        inputs=inputs,
        prompt=prompt,
        expected=expected or "",
        outputs=scored_outputs(task, outputs, expected, meta),
        source=source,
        session_key=session_key or "",
        base_model=current_base_model() if base_model is None else base_model,
        template_sha256=(
            template_digest(task.prompt_template) if template_sha256 is None else template_sha256
        ),
    )


def scored_outputs(task: Task, outputs: dict, expected: str, meta: dict | None) -> dict:
    """Each answer with every key of the schema, scored under the task's metric when there is
    an expected answer and no score yet; a failed answer gets none (it is not the model's)."""
    scored = {}
    for model, output in outputs.items():
        output = {key: output.get(key) for key in OUTPUT_KEYS}
        if output["score"] is None and expected and not output["error"]:
            output["score"] = answer_score(task, output["text"] or "", expected, meta)
        scored[model] = output
    return scored


def answer_score(task: Task, text: str, expected: str, meta: dict | None) -> float:
    # magicoder's pass@1 runs the code in demo/sandbox.py's subprocess, never in this process.
    from demo.metrics import score

    return round(score(task.slug, task.metric, text, expected, meta), 4)


def model_name(model_kind: str, adapter_name: str = "") -> str:
    if model_kind == Generation.ModelKind.FINETUNED:
        return adapter_name
    if model_kind == Generation.ModelKind.BASE:
        return current_base_model()
    return settings.LORALAND_REFERENCE_MODEL


def comparison_draft(*, task_slug: str, generation_ids: dict, session_key: str) -> dict:
    """comparison_create's arguments for one run of the compare page, from this session's
    generations ({"finetuned": id, "base": id, "reference": id}), scored when the input is an
    example. A reference that did not run (none configured) is the stored answer, if any."""
    task = Task.objects.filter(slug=task_slug).first() if isinstance(task_slug, str) else None
    if task is None:
        raise GenerationError("UNKNOWN_TASK", f"There is no task {task_slug!r}.")
    generations = run_generations(task, generation_ids, session_key)
    first = generations[0]  # run_generations checked that they share these
    inputs, prompt = first.inputs, first.prompt
    outputs = {g.model_kind: generation_output(g) for g in generations}
    stored = selectors.stored_reference_for(task=task, prompt=prompt)
    if "reference" not in outputs and stored:
        outputs["reference"] = {"text": stored["text"], "model": stored["model"]}
    example = selectors.task_example_for(task=task, inputs=inputs) or {}
    expected, meta = example.get("expected", ""), example.get("meta")
    return {
        "task": task,
        "inputs": inputs,
        "prompt": prompt,
        "expected": expected,
        "meta": meta,
        "outputs": scored_outputs(task, outputs, expected, meta),
        "base_model": first.base_model,
        "template_sha256": first.template_sha256,
    }


def run_generations(task: Task, generation_ids, session_key: str) -> list[Generation]:
    """The finished generations of one run, all of this session, this task and one prompt."""
    if not isinstance(generation_ids, dict) or not generation_ids:
        raise GenerationError("INVALID_MESSAGE", "generation_ids must name the run's answers.")
    generations = [
        run_generation(task, model, generation_id, session_key)
        for model, generation_id in generation_ids.items()
    ]
    if len({g.prompt for g in generations}) > 1:
        raise GenerationError("INVALID_INPUTS", "These answers are to different inputs.")
    # One gallery entry is of one base model and template, or it would mix results.
    if len({(g.base_model, g.template_sha256) for g in generations}) > 1:
        raise GenerationError(
            "INVALID_INPUTS", "These answers were made with different base models or templates."
        )
    if any(g.status in (Generation.Status.QUEUED, Generation.Status.RUNNING) for g in generations):
        raise GenerationError("STILL_RUNNING", "Wait until every answer has finished.")
    return generations


def run_generation(task: Task, model: str, generation_id, session_key: str) -> Generation:
    unknown = GenerationError("UNKNOWN_GENERATION", f"No {model} answer {generation_id!r} here.")
    try:
        pk = uuid.UUID(str(generation_id))
    except ValueError:
        raise unknown from None
    found = Generation.objects.filter(
        id=pk, task=task, model_kind=model, session_key=session_key
    ).first()
    if found is None or not session_key:  # rows without a session belong to no visitor
        raise unknown
    return found


def generation_output(generation: Generation) -> dict:
    return {
        "text": generation.output,
        "model": model_name(generation.model_kind, generation.adapter_name),
        "ttft_ms": generation.ttft_ms,
        "tokens_per_s": generation.tokens_per_s,
        "completion_tokens": generation.completion_tokens,
        "error": generation.error_message or None,
        "params": generation.params or None,
    }


def comparison_save_run(*, task_slug: str, generation_ids: dict, session_key: str) -> Comparison:
    """Save a finished run of the compare page to the gallery."""
    draft = comparison_draft(
        task_slug=task_slug, generation_ids=generation_ids, session_key=session_key
    )
    return comparison_create(**draft, source=Comparison.Source.COMPARE, session_key=session_key)


def comparison_set_featured(*, comparison_ids: Iterable[int], featured: bool) -> int:
    return Comparison.objects.filter(pk__in=list(comparison_ids)).update(featured=featured)


@transaction.atomic
def comparisons_save_evaluation(
    *,
    results: dict,
    prompts: dict[str, list[str]],
    count: int,
    adapters: dict[str, str] | None = None,
) -> list[Comparison]:
    """Gallery entries from an evaluation (results and adapters as for evaluation_run_save):
    per task, the `count` examples where fine-tuned beat base by most and the `count` where it
    did worst. Saving a prompt again updates its entry, votes kept, rather than adding a copy."""
    saved = []
    for slug, by_model in results.items():
        if "finetuned" not in by_model or "base" not in by_model:
            continue  # best and worst mean fine-tuned against base
        task = Task.objects.get(slug=slug)
        for index in best_and_worst(by_model["finetuned"], by_model["base"], count):
            adapter = (adapters or {}).get(slug)
            saved.append(
                comparison_save_evaluated(task, by_model, index, prompts[slug][index], adapter)
            )
    return saved


def best_and_worst(finetuned: list[dict], base: list[dict], count: int) -> list[int]:
    """Indexes of the `count` largest fine-tuned minus base score gaps, then of the `count`
    smallest among the rest; on a tie the earlier example comes first."""
    gaps = [f["score"] - b["score"] for f, b in zip(finetuned, base, strict=True)]
    order = sorted(range(len(gaps)), key=lambda i: (-gaps[i], i))
    worst = sorted(order[count:], key=lambda i: (gaps[i], i))
    return order[:count] + worst[:count]


def comparison_save_evaluated(
    task: Task, by_model: dict, index: int, prompt: str, adapter_name: str | None = None
) -> Comparison:
    """One gallery entry of the current base model and template; "finetuned" is labelled with
    the adapter that was scored (default: the one the task serves now)."""
    row = by_model["finetuned"][index]
    if adapter_name is None:
        served = task.active_adapter
        adapter_name = served.name if served else task.slug
    outputs = {
        model: {
            "text": rows[index]["output"],
            "score": rows[index]["score"],
            "model": model_name(model, adapter_name),
            "params": EVALUATED_PARAMS,
        }
        for model, rows in by_model.items()
    }
    # An entry of another base or template stays as it was made: a new one is added instead.
    existing = Comparison.objects.filter(
        task=task,
        prompt=prompt,
        source=Comparison.Source.EVALUATE,
        base_model=current_base_model(),
        template_sha256=template_digest(task.prompt_template),
    ).first()
    if existing is None:
        return comparison_create(
            task=task,
            inputs=row["inputs"],
            prompt=prompt,
            expected=row["expected"],
            outputs=outputs,
            source=Comparison.Source.EVALUATE,
        )
    existing.expected = row["expected"]
    existing.outputs = scored_outputs(task, outputs, row["expected"], None)
    existing.save(update_fields=["expected", "outputs"])
    return existing


def vote_cast(*, comparison_id, session_key: str, choice: str) -> Vote:
    """One vote per comparison and browser session: voting again replaces the earlier vote."""
    if choice not in Vote.Choice.values:
        raise GenerationError("INVALID_VOTE", f"A vote is one of {', '.join(Vote.Choice.values)}.")
    if not session_key:
        raise GenerationError("NO_SESSION", "Voting needs cookies, to count one vote per visitor.")
    if not Comparison.objects.filter(pk=comparison_id).exists():
        raise GenerationError("UNKNOWN_COMPARISON", "That gallery entry no longer exists.")
    vote, _ = Vote.objects.update_or_create(
        comparison_id=comparison_id, session_key=session_key, defaults={"choice": choice}
    )
    return vote
