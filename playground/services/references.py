"""Reference (GPT-4) answers: import them from a file, keep them for reuse."""

import json
from collections.abc import Iterable

from django.db import transaction

from ..errors import GenerationError
from ..models import (
    ReferenceOutput,
    Task,
    prompt_digest,
    template_digest,
)
from ..prompts import render_prompt

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
    try:
        return render_prompt(task.prompt_template, data["inputs"], task.optional_fields)
    except GenerationError as exc:
        raise ValueError(f"inputs for {task.slug}: {exc.message}") from None


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
