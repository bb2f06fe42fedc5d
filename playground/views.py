"""The pages: catalog, task chat, compare and leaderboard (the gallery's: gallery_views.py)."""

import json

from django.conf import settings
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from . import reference, selectors, services
from .errors import GenerationError
from .models import current_base_model
from .prompts import render_prompt


def catalog(request):
    return render(
        request,
        "playground/catalog.html",
        {
            "tasks": [task_card(t) for t in selectors.task_list()],
            "categories": selectors.task_categories(),
        },
    )


def task_card(task) -> dict:
    return {
        "slug": task.slug,
        "name": task.name,
        "category": task.category,
        "metric": task.metric,
        "description": task.description,
        "adapter_status": "ready" if task.has_adapter else "missing",
        "paper_finetuned": task.paper_finetuned,
        "paper_gpt4": task.paper_gpt4,
    }


@require_POST
def history_delete(request, slug: str):
    """The visitor's own prompts and answers on this task, deleted (the retention policy's
    other half: README)."""
    services.history_delete(task_slug=slug, session_key=request.session.session_key or "")
    return redirect(reverse("task", args=[slug]) + "#conversation-title")


def task_detail(request, slug: str):
    task = selectors.task_get(slug=slug)
    if task is None:
        raise Http404(f"No task {slug!r}")
    if not request.session.session_key:
        request.session.save()  # the WebSocket finds this conversation by the session key
    page_data = {
        **prompt_form_data(task),
        "history": selectors.conversation_for(task=task, session_key=request.session.session_key),
    }
    live = reference.is_configured()
    context = {
        "task": task,
        "page_data": page_data,
        "evaluation": task_evaluation(task),
        "training": selectors.task_training(task=task),
        "reference_configured": live,
        "reference_model": services.model_name("reference") if live else "",
        "retention_days": settings.LORALAND_RETENTION_DAYS,
    }
    return render(request, "playground/task.html", context)


def prompt_form_data(task) -> dict:
    """What prompt-form.js and socket.js need, shared by the task and compare pages."""
    return {
        "task": {
            "slug": task.slug,
            "name": task.name,
            "fields": task.fields,
            "optional_fields": task.optional_fields,
            "template": task.prompt_template,
            "answer_format": task.answer_format,
            # An example's meta (e.g. magicoder's hidden tests) is for scoring, on the server.
            "examples": [{k: v for k, v in e.items() if k != "meta"} for e in task.examples],
        },
        "limits": {
            "max_new_tokens": settings.LORALAND_MAX_NEW_TOKENS,
            "max_prompt_chars": settings.LORALAND_MAX_PROMPT_CHARS,
        },
        "defaults": {"max_new_tokens": 64, "temperature": 0.0, "top_p": 1.0},
        "ws_path": "/ws/generate/",
    }


def task_evaluation(task) -> dict:
    """The task's leaderboard row and a few evaluated examples, for "How the models score"."""
    row = next(iter(selectors.leaderboard_rows(slugs=[task.slug])), None)
    examples = selectors.task_evaluation_examples(task=task)
    models = ["base", "finetuned"] + (
        ["reference"] if any("reference" in e for e in examples) else []
    )
    return {
        "row": row,
        "has_scores": row is not None and any(v is not None for v in row["ours"].values()),
        "columns": [MODEL_LABELS[m] for m in models],
        "examples": [example_view(e, fields=task.fields, models=models) for e in examples],
    }


MODEL_LABELS = {"base": "Base output", "finetuned": "Fine-tuned output", "reference": "Reference"}


def example_view(example: dict, *, fields: list[str], models: list[str]) -> dict:
    """Inputs as (label, value) pairs in the task's field order; one output cell per model."""
    return {
        "inputs": input_pairs(example.get("inputs") or {}, fields),
        "expected": example.get("expected", ""),
        "outputs": [{"model": m, **(example.get(m) or {"missing": True})} for m in models],
    }


def field_label(name: str) -> str:
    words = str(name).replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:]


def leaderboard(request):
    rows = selectors.leaderboard_rows()
    has_scores = any(v is not None for row in rows for v in row["ours"].values())
    return render(
        request,
        "playground/leaderboard.html",
        {
            "rows": rows,
            "averages": selectors.leaderboard_averages(rows),
            "has_scores": has_scores,
            "latest_run": selectors.latest_evaluation_run(),
            "win_rates": selectors.vote_win_rates(),
            "base_model": current_base_model(),  # whose scores these are: no other base's
        },
    )


# --- Compare page: fine-tuned, base and reference side by side ------------------------------
PANES = ("finetuned", "base", "reference")
PANE_LABELS = {"finetuned": "Fine-tuned", "base": "Base", "reference": "Reference"}
ERROR_STATUS = {"UNKNOWN_TASK": 404, "UNKNOWN_GENERATION": 404, "STILL_RUNNING": 409}


def compare(request, slug: str):
    task = selectors.task_get(slug=slug)
    if task is None:
        raise Http404(f"No task {slug!r}")
    if not request.session.session_key:
        request.session.save()  # the WebSocket's generations, and Save, go by the session key
    page_data = {
        **prompt_form_data(task),
        "reference": reference_pane_data(task),
        "urls": {
            "score": reverse("compare-score", args=[slug]),
            "save": reverse("compare-save", args=[slug]),
        },
    }
    panes = [
        {"model": "finetuned", "label": "Fine-tuned adapter", "detail": adapter_label(task)},
        {"model": "base", "label": "Base model", "detail": services.model_name("base")},
    ]
    if page_data["reference"]["shown"]:  # live, or kept answers to show: else no such pane
        detail = page_data["reference"]["model"] or "kept answers"
        panes.append({"model": "reference", "label": "Reference", "detail": detail})
    return render(
        request,
        "playground/compare.html",
        {"task": task, "page_data": page_data, "panes": panes},
    )


def adapter_label(task) -> str:
    adapter = task.active_adapter
    return adapter.name if adapter else "no adapter yet"


def reference_pane_data(task) -> dict:
    """Live when configured; otherwise each example's kept answer, if any. How to configure one
    is for the operator (README, docs/reference-model.md), never shown to a visitor."""
    if reference.is_configured():
        return {"configured": True, "model": services.model_name("reference"), "shown": True}
    stored = [
        selectors.stored_reference_for(
            task=task, prompt=render_prompt(task.prompt_template, e["inputs"], task.optional_fields)
        )
        for e in task.examples
    ]
    return {"configured": False, "model": "", "stored": stored, "shown": any(stored)}


@require_POST
def compare_score(request, slug: str):
    """Each finished answer of a run scored under the task's metric, when its input is an
    example: {"expected": text or null, "outputs": {model: {"score", "text", "model"}}}."""
    try:
        draft = services.comparison_draft(
            task_slug=slug, **run_arguments(request), session_key=request.session.session_key
        )
    except GenerationError as exc:
        return error_json(exc)
    outputs = {
        model: {key: output[key] for key in ("score", "text", "model")}
        for model, output in draft["outputs"].items()
    }
    return JsonResponse({"expected": draft["expected"] or None, "outputs": outputs})


@require_POST
def compare_save(request, slug: str):
    try:
        comparison = services.comparison_save_run(
            task_slug=slug, **run_arguments(request), session_key=request.session.session_key
        )
    except GenerationError as exc:
        return error_json(exc)
    url = reverse("gallery-entry", args=[comparison.pk])
    return JsonResponse({"id": comparison.pk, "url": url}, status=201)


def run_arguments(request) -> dict:
    """{"generation_ids": {pane: id}} from a JSON body."""
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        raise GenerationError("INVALID_JSON", "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise GenerationError("INVALID_MESSAGE", "The request body must be a JSON object.")
    return {"generation_ids": body.get("generation_ids")}


def error_json(exc: GenerationError) -> JsonResponse:
    return JsonResponse(
        {"error": {"code": exc.code, "message": exc.message}},
        status=ERROR_STATUS.get(exc.code, 400),
    )


def input_pairs(inputs: dict, fields: list[str]) -> list[tuple[str, str]]:
    """(label, value) in the task's field order."""
    names = [f for f in fields if f in inputs] + [f for f in inputs if f not in fields]
    return [(field_label(name), inputs[name]) for name in names]
