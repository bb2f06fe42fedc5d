"""Evaluation runs: store a run's scores and examples; summarise them."""

from django.db import transaction

from ..models import (
    EvaluationResult,
    EvaluationRun,
    Task,
    current_base_model,
    template_digest,
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
