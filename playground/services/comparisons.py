"""Comparisons and votes: a compare run or an evaluation's examples saved to the gallery; one
vote per session."""

import uuid
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction

from .. import selectors
from ..errors import GenerationError
from ..models import (
    Comparison,
    Generation,
    Task,
    Vote,
    current_base_model,
    template_digest,
)

OUTPUT_KEYS = (
    "text",
    "score",
    "model",
    "ttft_ms",
    "tokens_per_s",
    "completion_tokens",
    "error",
    "params",  # the sampling parameters the answer was made with, when known
)


# `manage.py evaluate` decodes greedily (demo/evaluation.py).
EVALUATED_PARAMS = {"temperature": 0.0}


def comparison_create(
    *,
    task: Task,
    inputs: dict,
    prompt: str,
    outputs: dict[str, dict],
    expected: str = "",
    meta: dict | None = None,
    source: str = Comparison.Source.COMPARE,
    session_key: str = "",
    base_model: str | None = None,
    template_sha256: str | None = None,
) -> Comparison:
    """Store one input's answers by model; with an expected answer, unscored answers are scored.
    base_model and template_sha256 say what the answers were made with (default: the current
    base model and the task's current template)."""
    return Comparison.objects.create(
        task=task,
        inputs=inputs,
        prompt=prompt,
        expected=expected or "",
        outputs=scored_outputs(task, outputs, expected, meta),
        source=source,
        session_key=session_key or "",
        base_model=current_base_model() if base_model is None else base_model,
        template_sha256=(
            template_digest(task.prompt_template) if template_sha256 is None else template_sha256
        ),
    )


def scored_outputs(task: Task, outputs: dict, expected: str, meta: dict | None) -> dict:
    """Each answer with every key of the schema, scored under the task's metric when there is
    an expected answer and no score yet; a failed answer gets none (it is not the model's)."""
    scored = {}
    for model, output in outputs.items():
        output = {key: output.get(key) for key in OUTPUT_KEYS}
        if output["score"] is None and expected and not output["error"]:
            output["score"] = answer_score(task, output["text"] or "", expected, meta)
        scored[model] = output
    return scored


def answer_score(task: Task, text: str, expected: str, meta: dict | None) -> float:
    # magicoder's pass@1 runs the code in demo/sandbox.py's subprocess, never in this process.
    from demo.metrics import score

    return round(score(task.slug, task.metric, text, expected, meta), 4)


def model_name(model_kind: str, adapter_name: str = "") -> str:
    if model_kind == Generation.ModelKind.FINETUNED:
        return adapter_name
    if model_kind == Generation.ModelKind.BASE:
        return current_base_model()
    return settings.LORALAND_REFERENCE_MODEL


def comparison_draft(*, task_slug: str, generation_ids: dict, session_key: str) -> dict:
    """comparison_create's arguments for one run of the compare page, from this session's
    generations ({"finetuned": id, "base": id, "reference": id}), scored when the input is an
    example. A reference that did not run (none configured) is the stored answer, if any."""
    task = Task.objects.filter(slug=task_slug).first() if isinstance(task_slug, str) else None
    if task is None:
        raise GenerationError("UNKNOWN_TASK", f"There is no task {task_slug!r}.")
    generations = run_generations(task, generation_ids, session_key)
    first = generations[0]  # run_generations checked that they share these
    inputs, prompt = first.inputs, first.prompt
    outputs = {g.model_kind: generation_output(g) for g in generations}
    stored = selectors.stored_reference_for(task=task, prompt=prompt)
    if "reference" not in outputs and stored:
        outputs["reference"] = {"text": stored["text"], "model": stored["model"]}
    example = selectors.task_example_for(task=task, inputs=inputs) or {}
    expected, meta = example.get("expected", ""), example.get("meta")
    return {
        "task": task,
        "inputs": inputs,
        "prompt": prompt,
        "expected": expected,
        "meta": meta,
        "outputs": scored_outputs(task, outputs, expected, meta),
        "base_model": first.base_model,
        "template_sha256": first.template_sha256,
    }


def run_generations(task: Task, generation_ids, session_key: str) -> list[Generation]:
    """The finished generations of one run, all of this session, this task and one prompt."""
    if not isinstance(generation_ids, dict) or not generation_ids:
        raise GenerationError("INVALID_MESSAGE", "generation_ids must name the run's answers.")
    generations = [
        run_generation(task, model, generation_id, session_key)
        for model, generation_id in generation_ids.items()
    ]
    if len({g.prompt for g in generations}) > 1:
        raise GenerationError("INVALID_INPUTS", "These answers are to different inputs.")
    # One gallery entry is of one base model and template, or it would mix results.
    if len({(g.base_model, g.template_sha256) for g in generations}) > 1:
        raise GenerationError(
            "INVALID_INPUTS", "These answers were made with different base models or templates."
        )
    if any(g.status in (Generation.Status.QUEUED, Generation.Status.RUNNING) for g in generations):
        raise GenerationError("STILL_RUNNING", "Wait until every answer has finished.")
    return generations


def run_generation(task: Task, model: str, generation_id, session_key: str) -> Generation:
    unknown = GenerationError("UNKNOWN_GENERATION", f"No {model} answer {generation_id!r} here.")
    try:
        pk = uuid.UUID(str(generation_id))
    except ValueError:
        raise unknown from None
    found = Generation.objects.filter(
        id=pk, task=task, model_kind=model, session_key=session_key
    ).first()
    if found is None or not session_key:  # rows without a session belong to no visitor
        raise unknown
    return found


def generation_output(generation: Generation) -> dict:
    return {
        "text": generation.output,
        "model": model_name(generation.model_kind, generation.adapter_name),
        "ttft_ms": generation.ttft_ms,
        "tokens_per_s": generation.tokens_per_s,
        "completion_tokens": generation.completion_tokens,
        "error": generation.error_message or None,
        "params": generation.params or None,
    }


def comparison_save_run(*, task_slug: str, generation_ids: dict, session_key: str) -> Comparison:
    """Save a finished run of the compare page to the gallery."""
    draft = comparison_draft(
        task_slug=task_slug, generation_ids=generation_ids, session_key=session_key
    )
    return comparison_create(**draft, source=Comparison.Source.COMPARE, session_key=session_key)


def comparison_set_featured(*, comparison_ids: Iterable[int], featured: bool) -> int:
    return Comparison.objects.filter(pk__in=list(comparison_ids)).update(featured=featured)


@transaction.atomic
def comparisons_save_evaluation(
    *,
    results: dict,
    prompts: dict[str, list[str]],
    count: int,
    adapters: dict[str, str] | None = None,
) -> list[Comparison]:
    """Gallery entries from an evaluation (results and adapters as for evaluation_run_save):
    per task, the `count` examples where fine-tuned beat base by most and the `count` where it
    did worst. Saving a prompt again updates its entry, votes kept, rather than adding a copy."""
    saved = []
    for slug, by_model in results.items():
        if "finetuned" not in by_model or "base" not in by_model:
            continue  # best and worst mean fine-tuned against base
        task = Task.objects.get(slug=slug)
        for index in best_and_worst(by_model["finetuned"], by_model["base"], count):
            adapter = (adapters or {}).get(slug)
            saved.append(
                comparison_save_evaluated(task, by_model, index, prompts[slug][index], adapter)
            )
    return saved


def best_and_worst(finetuned: list[dict], base: list[dict], count: int) -> list[int]:
    """Indexes of the `count` largest fine-tuned minus base score gaps, then of the `count`
    smallest among the rest; on a tie the earlier example comes first."""
    gaps = [f["score"] - b["score"] for f, b in zip(finetuned, base, strict=True)]
    order = sorted(range(len(gaps)), key=lambda i: (-gaps[i], i))
    worst = sorted(order[count:], key=lambda i: (gaps[i], i))
    return order[:count] + worst[:count]


def comparison_save_evaluated(
    task: Task, by_model: dict, index: int, prompt: str, adapter_name: str | None = None
) -> Comparison:
    """One gallery entry of the current base model and template; "finetuned" is labelled with
    the adapter that was scored (default: the one the task serves now)."""
    row = by_model["finetuned"][index]
    if adapter_name is None:
        served = task.active_adapter
        adapter_name = served.name if served else task.slug
    outputs = {
        model: {
            "text": rows[index]["output"],
            "score": rows[index]["score"],
            "model": model_name(model, adapter_name),
            "params": EVALUATED_PARAMS,
        }
        for model, rows in by_model.items()
    }
    # An entry of another base or template stays as it was made: a new one is added instead.
    existing = Comparison.objects.filter(
        task=task,
        prompt=prompt,
        source=Comparison.Source.EVALUATE,
        base_model=current_base_model(),
        template_sha256=template_digest(task.prompt_template),
    ).first()
    if existing is None:
        return comparison_create(
            task=task,
            inputs=row["inputs"],
            prompt=prompt,
            expected=row["expected"],
            outputs=outputs,
            source=Comparison.Source.EVALUATE,
        )
    existing.expected = row["expected"]
    existing.outputs = scored_outputs(task, outputs, row["expected"], None)
    existing.save(update_fields=["expected", "outputs"])
    return existing


def vote_cast(
    *, comparison_id, session_key: str, opponent: str, choice: str, blind: bool = False
) -> Vote:
    """A verdict on the fine-tuned answer against `opponent`'s (base or reference), when both
    answers exist: one per pair and browser session; voting again replaces the earlier one."""
    if opponent not in Vote.Opponent.values:
        raise GenerationError(
            "INVALID_VOTE", "A vote compares the fine-tuned model with base or reference."
        )
    allowed = ["finetuned", opponent, "tie", "both_bad"]
    if choice not in allowed:
        raise GenerationError(
            "INVALID_VOTE", f"A vote on this pair is one of {', '.join(allowed)}."
        )
    if not session_key:
        raise GenerationError("NO_SESSION", "Voting needs cookies, to count one vote per visitor.")
    comparison = Comparison.objects.filter(pk=comparison_id).only("outputs").first()
    if comparison is None:
        raise GenerationError("UNKNOWN_COMPARISON", "That gallery entry no longer exists.")
    missing = [
        m for m in ("finetuned", opponent) if not selectors.answer_exists(comparison.outputs, m)
    ]
    if missing:
        raise GenerationError(
            "NO_ANSWER", f"This entry has no answer from the {missing[0]} model to compare."
        )
    vote, _ = Vote.objects.update_or_create(
        comparison_id=comparison_id,
        session_key=session_key,
        opponent=opponent,
        defaults={"choice": choice, "blind": blind},
    )
    return vote
