from django.conf import settings
from django.http import Http404
from django.shortcuts import render

from . import selectors


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


def task_detail(request, slug: str):
    task = selectors.task_get(slug=slug)
    if task is None:
        raise Http404(f"No task {slug!r}")
    if not request.session.session_key:
        request.session.save()  # the WebSocket finds this conversation by the session key
    page_data = {
        "task": {
            "slug": task.slug,
            "name": task.name,
            "fields": task.fields,
            "template": task.prompt_template,
            "examples": task.examples,
        },
        "limits": {
            "max_new_tokens": settings.LORALAND_MAX_NEW_TOKENS,
            "max_prompt_chars": settings.LORALAND_MAX_PROMPT_CHARS,
        },
        "defaults": {"max_new_tokens": 64, "temperature": 0.0, "top_p": 1.0},
        "history": selectors.conversation_for(task=task, session_key=request.session.session_key),
        "ws_path": "/ws/generate/",
    }
    return render(
        request,
        "playground/task.html",
        {"task": task, "page_data": page_data, "evaluation": task_evaluation(task)},
    )


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
    inputs = example.get("inputs") or {}
    names = [f for f in fields if f in inputs] + [f for f in inputs if f not in fields]
    return {
        "inputs": [(field_label(name), inputs[name]) for name in names],
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
        },
    )
