"""Reads for the pages: tasks, their adapters and a session's conversation."""

from django.db.models import Exists, OuterRef

from .models import Adapter, Generation, ReferenceOutput, Task, prompt_digest


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


def reference_output_for(*, task: Task, prompt: str) -> ReferenceOutput | None:
    """The newest stored reference answer to exactly this prompt of this task, if any."""
    matches = ReferenceOutput.objects.filter(
        task=task, prompt_sha256=prompt_digest(prompt), prompt=prompt
    )
    return matches.order_by("-created_at", "-id").first()


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


OUR_MODELS = ("base", "finetuned", "reference")


def latest_scores() -> dict[str, dict[str, float]]:
    """Per task and model, the score of the most recent evaluation run that covered it."""
    from .models import EvaluationRun

    scores: dict[str, dict[str, float]] = {}
    for run in EvaluationRun.objects.order_by("-created_at").only("summary"):
        for slug, by_model in run.summary.get("tasks", {}).items():
            for model, value in by_model.items():
                scores.setdefault(slug, {}).setdefault(model, value)
    return scores


def latest_evaluation_run():
    from .models import EvaluationRun

    return EvaluationRun.objects.order_by("-created_at").first()


def leaderboard_rows(*, slugs: list[str] | None = None) -> list[dict]:
    scores = latest_scores()
    tasks = Task.objects.all() if slugs is None else Task.objects.filter(slug__in=slugs)
    rows = []
    for task in tasks:
        ours = {m: scores.get(task.slug, {}).get(m) for m in OUR_MODELS}
        rows.append(
            {
                "slug": task.slug,
                "name": task.name,
                "category": task.category,
                "metric": task.metric,
                "ours": ours,
                "paper": {
                    "base": task.paper_base,
                    "finetuned": task.paper_finetuned,
                    "gpt4": task.paper_gpt4,
                },
                "lift": lift(ours["base"], ours["finetuned"]),
                "paper_lift": lift(task.paper_base, task.paper_finetuned),
            }
        )
    return rows


def lift(base: float | None, finetuned: float | None) -> float | None:
    return None if base is None or finetuned is None else round(finetuned - base, 4)


def leaderboard_averages(rows: list[dict]) -> list[dict]:
    """Mean of each column per category and overall ("All tasks" last)."""
    groups = {}
    for row in rows:
        groups.setdefault(row["category"], []).append(row)
    groups["All tasks"] = rows
    return [{"category": name, **column_means(members)} for name, members in groups.items()]


def column_means(rows: list[dict]) -> dict:
    def mean(values):
        values = [v for v in values if v is not None]
        return round(sum(values) / len(values), 4) if values else None

    return {
        "tasks": len(rows),
        "ours": {m: mean(r["ours"][m] for r in rows) for m in OUR_MODELS},
        "paper": {m: mean(r["paper"][m] for r in rows) for m in ("base", "finetuned", "gpt4")},
        "lift": mean(r["lift"] for r in rows),
        "paper_lift": mean(r["paper_lift"] for r in rows),
    }


def task_evaluation_examples(*, task: Task, count: int = 4) -> list[dict]:
    """A few examples of the latest run that scored both base and fine-tuned on this task."""
    from .models import EvaluationResult

    latest = (
        EvaluationResult.objects.filter(task=task, model_kind="finetuned")
        .order_by("-run__created_at")
        .values_list("run_id", flat=True)
        .first()
    )
    if latest is None:
        return []
    examples: dict[int, dict] = {}
    for result in EvaluationResult.objects.filter(run_id=latest, task=task, index__lt=count):
        example = examples.setdefault(
            result.index, {"inputs": result.inputs, "expected": result.expected}
        )
        example[result.model_kind] = {"output": result.output, "score": result.score}
    return [examples[i] for i in sorted(examples)]
