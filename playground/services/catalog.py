"""The task catalog: load the shipped tasks (keeping admins' edits), register their adapters,
create new tasks."""

import hashlib
import json
import re
import string
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max

from worker import peft_format

from ..adapter_limits import AdapterRejected
from ..errors import GenerationError
from ..models import (
    Adapter,
    Task,
)
from ..prompts import check_inputs, template_fields

TASK_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


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
    if not (path / peft_format.WEIGHTS_FILE).is_file():
        return None
    try:
        config = peft_format.read_config(path)
    except peft_format.FormatError as exc:  # the same rules as an upload's
        raise AdapterRejected(exc.code, f"{path}: {exc.message}") from None
    values = {
        "task": task,
        "family": task.slug,  # an upload for the task becomes <slug>/2, then 3...
        "rank": config.rank,
        "alpha": config.alpha,
        "target_modules": list(peft_format.target_names(config.target_modules)),
        "base_model": config.base_model_name_or_path or "",
        "size_bytes": sum(p.stat().st_size for p in path.iterdir() if p.is_file()),
    }
    # is_active only when first registered: a demo adapter an admin switched off stays off.
    adapter, _ = Adapter.objects.update_or_create(
        name=task.slug, defaults=values, create_defaults={**values, "is_active": True}
    )
    return adapter


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
        try:
            check_inputs(fields, example)
        except GenerationError as exc:
            return f"Example {number}: {exc.message}"
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
