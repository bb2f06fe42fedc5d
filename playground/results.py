"""The worker side's writes to a Generation row: running, finished with a `GenerationResult`
(the web's result type, which the tasks make from the engine's last event), or failed.

Layer: below the tasks, which call it; the services write the rows' other states."""

from dataclasses import dataclass

from django.utils import timezone

from .models import Generation


@dataclass(frozen=True)
class GenerationResult:
    """A finished answer, from the engine or the reference model's API."""

    text: str
    finish_reason: str  # stop | length | cancelled
    prompt_tokens: int | None
    completion_tokens: int
    ttft_ms: float | None = None
    tokens_per_s: float | None = None


def generation_start(*, generation_id, worker: str = "") -> Generation | None:
    """Mark a queued generation running on `worker`; None if it is gone or was cancelled while
    queued."""
    updated = Generation.objects.filter(id=generation_id, status=Generation.Status.QUEUED).update(
        status=Generation.Status.RUNNING, worker=worker
    )
    return Generation.objects.select_related("task").get(id=generation_id) if updated else None


def generation_finish(*, generation_id, result: GenerationResult) -> None:
    cancelled = result.finish_reason == "cancelled"
    Generation.objects.filter(id=generation_id).update(
        status=Generation.Status.CANCELLED if cancelled else Generation.Status.DONE,
        output=result.text,
        finish_reason=result.finish_reason,
        prompt_tokens=result.prompt_tokens,
        completion_tokens=result.completion_tokens,
        ttft_ms=result.ttft_ms,
        tokens_per_s=result.tokens_per_s,
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
