"""Reads for the pages: tasks, their adapters, a session's conversation, the gallery.

Results (evaluation runs, gallery entries, kept reference answers) are read only when they were
made with the current base model and, where a prompt matters, the task's current template:
another base's scores, or answers to another template's prompts, are not the current ones.
"""

from pathlib import Path

from django.conf import settings
from django.db.models import Case, Count, Exists, OuterRef, Q, When

from . import training_state
from .models import (
    Adapter,
    ApiKey,
    Comparison,
    EvaluationResult,
    EvaluationRun,
    Generation,
    ReferenceOutput,
    Task,
    TrainingJob,
    Vote,
    current_base_model,
    prompt_digest,
    template_digest,
)


def task_list():
    has_adapter = Adapter.objects.filter(task=OuterRef("pk"), is_active=True)
    return Task.objects.annotate(has_adapter=Exists(has_adapter))


def served_adapters() -> dict[str, str]:
    """{adapter name: task slug}: the adapter each task serves now, in catalog order."""
    served = {}
    for task in Task.objects.all():
        adapter = task.active_adapter
        if adapter is not None:
            served[adapter.name] = task.slug
    return served


def task_get(*, slug: str) -> Task | None:
    return Task.objects.filter(slug=slug).first()


def task_categories() -> list[str]:
    return list(dict.fromkeys(Task.objects.values_list("category", flat=True)))


def conversation_for(*, task: Task, session_key: str | None, limit: int = 50) -> list[dict]:
    if not session_key:
        return []
    rows = Generation.objects.filter(task=task, session_key=session_key).order_by("-created_at")
    return [generation_as_dict(g) for g in reversed(rows[:limit])]


def session_generation(*, generation_id, session_key: str | None) -> Generation | None:
    """The generation, if this browser session started it (else None: not for this reader)."""
    if not session_key:
        return None
    return Generation.objects.filter(id=generation_id, session_key=session_key).first()


def reference_output_for(
    *, task: Task, prompt: str, model_name: str | None = None
) -> ReferenceOutput | None:
    """The newest stored answer of model_name (by default the configured reference model,
    LORALAND_REFERENCE_MODEL) to exactly this prompt of this task, if any."""
    answers = reference_outputs_for(task=task, prompt=prompt)
    return answers.filter(model_name=model_name or settings.LORALAND_REFERENCE_MODEL).first()


def reference_outputs_for(*, task: Task, prompt: str):
    """Every model's stored answers to exactly this prompt of this task, newest first, stored
    while the task had its current template."""
    matches = ReferenceOutput.objects.filter(
        task=task,
        prompt_sha256=prompt_digest(prompt),
        prompt=prompt,
        template_sha256=template_digest(task.prompt_template),
    )
    return matches.order_by("-created_at", "-id")


def reference_generation_count(*, session_key: str, since) -> int:
    """How many live reference answers this browser session has asked for since then."""
    return Generation.objects.filter(
        model_kind=Generation.ModelKind.REFERENCE, session_key=session_key, created_at__gte=since
    ).count()


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


def current_base_runs():
    """Evaluation runs of the base model this site serves now."""
    return EvaluationRun.objects.filter(base_model=current_base_model())


def latest_scores() -> dict[str, dict[str, float]]:
    """Per task and model, the score of the current base's most recent run that covered it."""
    scores: dict[str, dict[str, float]] = {}
    for run in current_base_runs().order_by("-created_at").only("summary"):
        for slug, by_model in run.summary.get("tasks", {}).items():
            for model, value in by_model.items():
                scores.setdefault(slug, {}).setdefault(model, value)
    return scores


def latest_evaluation_run() -> EvaluationRun | None:
    return current_base_runs().order_by("-created_at").first()


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
    """A few examples of the current base's latest run that scored fine-tuned on this task."""
    latest = (
        EvaluationResult.objects.filter(
            task=task, model_kind="finetuned", run__base_model=current_base_model()
        )
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


# --- Comparisons: the compare page, the gallery and its votes --------------------------------
OPPONENTS = tuple(Vote.Opponent.values)  # base, reference: each against the fine-tuned model


def pair_choices(opponent: str) -> tuple[str, ...]:
    """The verdicts on the fine-tuned answer against `opponent`'s."""
    return ("finetuned", opponent, "tie", "both_bad")


def answer_exists(outputs: dict, model: str) -> bool:
    """Did this model answer (an empty answer counts; none, or an error, does not)?"""
    answer = outputs.get(model) or {}
    return "text" in answer and not answer.get("error")


def task_example_for(*, task: Task, inputs) -> dict | None:
    """The task's example with exactly these inputs (its expected answer and meta), if any."""
    return next((e for e in task.examples if e.get("inputs") == inputs), None)


def stored_reference_for(*, task: Task, prompt: str) -> dict | None:
    """A kept reference answer to this prompt, shown with its model's name: the configured
    model's imported or fetched one, else another model's, else a gallery's."""
    configured_first = Case(When(model_name=settings.LORALAND_REFERENCE_MODEL, then=0), default=1)
    answers = reference_outputs_for(task=task, prompt=prompt)
    stored = answers.order_by(configured_first, "-created_at", "-id").first()
    if stored is not None:
        return {"text": stored.output, "model": stored.model_name, "source": stored.source}
    # The reference is not our base model: any base's entry will do, if of the current template.
    gallery = Comparison.objects.filter(
        task=task, prompt=prompt, template_sha256=template_digest(task.prompt_template)
    )
    for comparison in gallery.only("outputs"):
        answer = comparison.outputs.get("reference") or {}
        if answer.get("text") and not answer.get("error"):
            return {"text": answer["text"], "model": answer.get("model") or "", "source": "gallery"}
    return None


def current_comparisons():
    """Comparisons made with the current base model and their task's current template."""
    # SQLite has no SHA-256 to hash a template in the query: one condition per task instead.
    of_current_template = Q(pk__in=[])  # matches nothing, for a catalog without tasks
    for task_id, template in Task.objects.values_list("pk", "prompt_template"):
        of_current_template |= Q(task_id=task_id, template_sha256=template_digest(template))
    return Comparison.objects.filter(of_current_template, base_model=current_base_model())


def comparison_list(*, task_slug: str = "", category: str = ""):
    """The current gallery entries, featured first, then newest."""
    comparisons = (
        current_comparisons().select_related("task").order_by("-featured", "-created_at", "-id")
    )
    if task_slug:
        comparisons = comparisons.filter(task__slug=task_slug)
    if category:
        comparisons = comparisons.filter(task__category=category)
    return comparisons


def comparison_get(*, pk) -> Comparison | None:
    return comparison_list().filter(pk=pk).first()


def pair_vote_counts(comparisons) -> dict[int, dict[str, dict[str, int]]]:
    """{comparison id: {opponent: {choice: n}}}: the counted votes (both answers exist) on
    each pair of these comparisons."""
    by_id = {c.pk: c for c in comparisons}
    counts = {
        pk: {o: dict.fromkeys(pair_choices(o), 0) for o in OPPONENTS if pair_exists(c, o)}
        for pk, c in by_id.items()
    }
    rows = Vote.objects.filter(comparison_id__in=list(by_id)).values(
        "comparison_id", "opponent", "choice"
    )
    for row in rows.annotate(n=Count("id")).order_by():
        pair = counts[row["comparison_id"]].get(row["opponent"])
        if pair is not None and row["choice"] in pair:
            pair[row["choice"]] = row["n"]
    return counts


def pair_exists(comparison: Comparison, opponent: str) -> bool:
    return answer_exists(comparison.outputs, "finetuned") and answer_exists(
        comparison.outputs, opponent
    )


def session_votes(*, session_key: str | None, comparison_ids) -> dict[tuple[int, str], str]:
    """This browser session's vote on each pair of these comparisons: {(id, opponent): choice}."""
    if not session_key:
        return {}
    votes = Vote.objects.filter(session_key=session_key, comparison_id__in=list(comparison_ids))
    return {
        (c, o): choice for c, o, choice in votes.values_list("comparison_id", "opponent", "choice")
    }


def vote_win_rates(*, task_slug: str = "", category: str = "") -> list[dict]:
    """Per task that has counted votes on current gallery entries, in catalog order, per pair
    (the fine-tuned model against base, and against reference): the count of each choice and
    the fine-tuned model's win rate, its share of the decisive votes. A vote on a pair one of
    whose answers does not exist is not counted."""
    comparisons = current_comparisons()
    if task_slug:
        comparisons = comparisons.filter(task__slug=task_slug)
    if category:
        comparisons = comparisons.filter(task__category=category)
    comparisons = list(comparisons.filter(votes__isnull=False).distinct().only("task", "outputs"))
    by_task: dict[int, dict[str, dict[str, int]]] = {}
    for pk, pairs in pair_vote_counts(comparisons).items():
        task_id = next(c.task_id for c in comparisons if c.pk == pk)
        totals = by_task.setdefault(
            task_id, {o: dict.fromkeys(pair_choices(o), 0) for o in OPPONENTS}
        )
        for opponent, counts in pairs.items():
            for choice, n in counts.items():
                totals[opponent][choice] += n
    rows = []
    for task in Task.objects.filter(pk__in=list(by_task)):
        pairs = {o: win_rate(counts, o) for o, counts in by_task[task.pk].items()}
        if any(pair["total"] for pair in pairs.values()):
            rows.append(
                {
                    "slug": task.slug,
                    "name": task.name,
                    "category": task.category,
                    **pairs,  # row["base"], row["reference"]
                    "pairs": [{"opponent": o, **pairs[o]} for o in OPPONENTS],
                }
            )
    return rows


def win_rate(counts: dict[str, int], opponent: str) -> dict:
    decisive = counts["finetuned"] + counts[opponent]
    return {
        "counts": counts,
        "other": counts[opponent],  # the opponent better
        "total": sum(counts.values()),
        "decisive": decisive,
        "win_rate": round(counts["finetuned"] / decisive, 4) if decisive else None,
    }


def comparison_as_dict(comparison: Comparison, votes: dict) -> dict:
    """One gallery entry as plain data (the JSON export), with its pairs' vote counts
    (pair_vote_counts)."""
    return {
        "id": comparison.pk,
        "task": comparison.task.slug,
        "task_name": comparison.task.name,
        "category": comparison.task.category,
        "metric": comparison.task.metric,
        "source": comparison.source,
        "base_model": comparison.base_model,
        "featured": comparison.featured,
        "created_at": comparison.created_at.isoformat(),
        "inputs": comparison.inputs,
        "prompt": comparison.prompt,
        "expected": comparison.expected,
        "outputs": comparison.outputs,
        "votes": votes,  # {opponent: {choice: n}}, for the pairs whose two answers exist
    }


# --- the OpenAI-compatible API -------------------------------------------------------------------
def api_key_for(*, key: str) -> ApiKey | None:
    """The live key whose SHA-256 this is, or None (unknown or revoked)."""
    return ApiKey.objects.filter(digest=ApiKey.digest_of(key), revoked_at=None).first()


def api_models() -> list[dict]:
    """The models /v1/models lists, in catalog order: per task, `<slug>` (the adapter it serves,
    with its template), `<slug>@<version>` (each active version, pinned) and `<slug>:base` (the
    base with the same template and chat wrapper as the compare page); then the base model's
    own name (raw prompts). The reference model is never listed: its key is the operator's."""
    base = current_base_model()
    base_created = int(Path(settings.LORALAND_BASE_MODEL, "config.json").stat().st_mtime)
    listed = []
    for task in Task.objects.all():
        served = task.active_adapter  # the one rule for which adapter a task serves
        if served is None:
            continue
        listed.append(api_model(task.slug, served.created_at, root=served.name, parent=base))
        active = task.adapters.filter(is_active=True).order_by("created_at", "pk")
        pinned = {adapter.version: adapter for adapter in active}  # the newest of a version
        for version, adapter in sorted(pinned.items()):
            listed.append(
                api_model(f"{task.slug}@{version}", adapter.created_at, adapter.name, base)
            )
        listed.append(api_model(f"{task.slug}:base", None, root=base, created=base_created))
    listed.append(api_model(base, None, root=base, created=base_created))
    return listed


def api_model(model_id: str, at, root: str, parent: str | None = None, created: int = 0) -> dict:
    return {
        "id": model_id,
        "object": "model",
        "created": int(at.timestamp()) if at else created,
        "owned_by": "loraland",
        "root": root,
        "parent": parent,
    }


def training_snapshot(*, job_id) -> dict | None:
    job = TrainingJob.objects.filter(id=job_id).first()
    return None if job is None else training_state.snapshot(job)


def training_jobs():
    return TrainingJob.objects.select_related("task").all()


def task_training(*, task: Task) -> TrainingJob | None:
    """The training job that made the adapter this task serves, if one did."""
    adapter = task.active_adapter
    if adapter is None:
        return None
    return TrainingJob.objects.filter(adapter=adapter, status=TrainingJob.Status.DONE).first()
