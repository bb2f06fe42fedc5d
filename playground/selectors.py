"""Reads for the pages: tasks, their adapters and a session's conversation."""

from django.db.models import Exists, OuterRef

from .models import Adapter, Generation, Task


def task_list():
    has_adapter = Adapter.objects.filter(task=OuterRef("pk"), is_active=True)
    return Task.objects.annotate(has_adapter=Exists(has_adapter))


def task_get(*, slug: str) -> Task | None:
    return Task.objects.filter(slug=slug).first()


def task_categories() -> list[str]:
    return list(dict.fromkeys(Task.objects.values_list("category", flat=True)))


def conversation_for(*, task: Task, session_key: str | None, limit: int = 50) -> list[dict]:
    if not session_key:
        return []
    rows = Generation.objects.filter(task=task, session_key=session_key).order_by("-created_at")
    return [generation_as_dict(g) for g in reversed(rows[:limit])]


def generation_as_dict(generation: Generation) -> dict:
    return {
        "id": str(generation.id),
        "model": generation.model_kind,
        "inputs": generation.inputs,
        "prompt": generation.prompt,
        "output": generation.output,
        "status": generation.status,
        "finish_reason": generation.finish_reason or None,
        "prompt_tokens": generation.prompt_tokens,
        "completion_tokens": generation.completion_tokens,
        "ttft_ms": generation.ttft_ms,
        "tokens_per_s": generation.tokens_per_s,
        "error_message": generation.error_message or None,
    }
