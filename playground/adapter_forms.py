"""The admin's adapter upload form: the files, and the task they serve (existing or new)."""

import json

from django import forms
from django.utils.text import slugify

from worker.peft_format import CONFIG_FILE, WEIGHTS_FILE

from .models import Task
from .services import NewTask, new_task_problems

ACCEPTED = ".zip,.tar.gz,.tgz,.json,.safetensors"
# NewTask's fields -> the form's (the form also has the adapter's own name).
NEW_TASK_FIELDS = {
    "name": "task_name",
    "slug": "task_slug",
    "category": "category",
    "metric": "metric",
    "prompt_template": "prompt_template",
    "description": "description",
    "example_inputs": "example_inputs",
}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input, as Django's documentation shows."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPTED}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        one = super().clean
        if isinstance(data, list | tuple):
            return [one(item, initial) for item in data]
        return [one(data, initial)]


def metric_choices() -> list[tuple[str, str]]:
    from demo.metrics import METRICS

    return [("", "---------")] + [(name, name) for name in sorted(METRICS)]


class AdapterUploadForm(forms.Form):
    files = MultipleFileField(
        label="Adapter",
        help_text=(
            f"A .zip or .tar.gz of the PEFT adapter folder, or its two files {CONFIG_FILE} and "
            f"{WEIGHTS_FILE} (select both). Safetensors only."
        ),
    )
    task = forms.ModelChoiceField(
        Task.objects.all(),
        required=False,
        empty_label="(a new task, defined below)",
        help_text="The task it serves; a new version of the task's adapter if it has one.",
    )
    name = forms.CharField(
        label="Adapter name",
        required=False,
        max_length=96,
        help_text=(
            "Optional. Versions of one name replace each other; default: the name of the "
            "task's latest adapter, else the task's slug."
        ),
    )
    task_name = forms.CharField(label="Name", required=False, max_length=128)
    task_slug = forms.CharField(
        label="Slug", required=False, max_length=64, help_text="Default: made from the name."
    )
    category = forms.CharField(required=False, max_length=64)
    metric = forms.ChoiceField(choices=metric_choices, required=False)
    description = forms.CharField(required=False, max_length=255)
    prompt_template = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The prompt with a {field} for each input, e.g. Review: {review} Sentiment:",
    )
    example_inputs = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text='Optional JSON: a list of inputs, e.g. [{"review": "A warm, funny film."}]',
    )

    adapter_fields = ("files", "task", "name")
    new_task_fields = tuple(NEW_TASK_FIELDS.values())

    def adapter_section(self) -> list:  # bound fields, for the template
        return [self[name] for name in self.adapter_fields]

    def new_task_section(self) -> list:
        return [self[name] for name in self.new_task_fields]

    def clean(self):
        data = super().clean()
        filled = [name for name in self.new_task_fields if data.get(name)]
        if data.get("task") and filled:
            raise forms.ValidationError(
                "Choose an existing task or define a new one, not both: clear the new task's "
                "fields or the task."
            )
        data["new_task"] = None if data.get("task") else self.new_task(data)
        return data

    def new_task(self, data) -> NewTask:
        examples = self.parse_example_inputs(data.get("example_inputs") or "")
        new_task = NewTask(
            name=data.get("task_name") or "",
            slug=data.get("task_slug") or slugify(data.get("task_name") or ""),
            category=data.get("category") or "",
            metric=data.get("metric") or "",
            prompt_template=data.get("prompt_template") or "",
            description=data.get("description") or "",
            example_inputs=examples or [],  # None: not JSON, said on the field already
        )
        for field, problem in new_task_problems(new_task).items():
            self.add_error(NEW_TASK_FIELDS[field], problem)
        return new_task

    def parse_example_inputs(self, raw: str) -> list | None:
        if not raw.strip():
            return []
        try:
            return json.loads(raw)
        except json.JSONDecodeError as exc:
            self.add_error("example_inputs", f"This is not valid JSON ({exc}).")
            return None
