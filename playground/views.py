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
    return render(request, "playground/task.html", {"task": task, "page_data": page_data})
