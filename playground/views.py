"""The pages: catalog, task chat, compare, gallery, leaderboard and their JSON/CSV exports."""

import csv
import json

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST

from . import reference, selectors, services
from .errors import GenerationError
from .models import Vote, current_base_model
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
        "reference_configured": live,
        "reference_model": services.model_name("reference") if live else "",
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


# --- Gallery: saved comparisons, votes, export ------------------------------------------------
GALLERY_PAGE_SIZE = 20
EXPORT_FORMATS = ("json", "csv")


def gallery(request):
    filters = {
        "task_slug": request.GET.get("task", "").strip(),
        "category": request.GET.get("category", "").strip(),
    }
    comparisons = selectors.comparison_list(**filters)
    export = request.GET.get("format", "")
    if export and export not in EXPORT_FORMATS:
        return HttpResponseBadRequest("format must be json or csv")
    if export == "json":
        return gallery_json(request, comparisons, filters)
    if export == "csv":
        return gallery_csv(request, comparisons)
    page = Paginator(comparisons, GALLERY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "playground/gallery.html",
        {
            "entries": entry_views(request, page),
            "page": page,
            "filters": filters,
            "tasks": selectors.task_list(),
            "categories": selectors.task_categories(),
            "win_rates": selectors.vote_win_rates(**filters),
            "filter_query": filter_query(filters),
            "base_model": current_base_model(),  # whose entries these are: no other base's
        },
    )


def gallery_entry(request, pk: int):
    comparison = selectors.comparison_get(pk=pk)
    if comparison is None:
        raise Http404(f"No gallery entry {pk}")
    entry = entry_views(request, [comparison])[0]
    return render(request, "playground/gallery_entry.html", {"entry": entry})


@require_POST
def gallery_vote(request, pk: int):
    """A vote from a form; voting again on the same entry changes this session's vote."""
    if not request.session.session_key:
        request.session.save()
    try:
        services.vote_cast(
            comparison_id=pk,
            session_key=request.session.session_key,
            choice=request.POST.get("choice", ""),
        )
    except GenerationError as exc:
        if exc.code == "UNKNOWN_COMPARISON":
            raise Http404(exc.message) from None
        return HttpResponseBadRequest(exc.message)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("gallery-entry", args=[pk])
    return redirect(f"{back.split('#')[0]}#entry-{pk}")


def filter_query(filters: dict) -> str:
    """The gallery's filters as a query string, for the export links."""
    pairs = {"task": filters["task_slug"], "category": filters["category"]}
    return urlencode({k: v for k, v in pairs.items() if v})


def entry_views(request, comparisons) -> list[dict]:
    comparisons = list(comparisons)
    mine = selectors.session_votes(
        session_key=request.session.session_key, comparison_ids=[c.pk for c in comparisons]
    )
    return [entry_view(c, mine.get(c.pk)) for c in comparisons]


def entry_view(comparison, my_vote: str | None) -> dict:
    counts = selectors.vote_counts(comparison)
    return {
        "comparison": comparison,
        "inputs": input_pairs(comparison.inputs, comparison.task.fields),
        "outputs": [
            {"pane": m, "label": PANE_LABELS[m], **(comparison.outputs.get(m) or {"missing": True})}
            for m in PANES
        ],
        "votes": [
            {"choice": value, "label": label, "count": counts[value], "mine": value == my_vote}
            for value, label in Vote.Choice.choices
        ],
        "my_vote": dict(Vote.Choice.choices).get(my_vote),
    }


def input_pairs(inputs: dict, fields: list[str]) -> list[tuple[str, str]]:
    """(label, value) in the task's field order."""
    names = [f for f in fields if f in inputs] + [f for f in inputs if f not in fields]
    return [(field_label(name), inputs[name]) for name in names]


def gallery_json(request, comparisons, filters: dict) -> JsonResponse:
    entries = [
        {**selectors.comparison_as_dict(c), "url": entry_url(request, c)} for c in comparisons
    ]
    response = JsonResponse(
        {"filters": filters, "count": len(entries), "comparisons": entries},
        json_dumps_params={"indent": 2},
    )
    response["Content-Disposition"] = 'attachment; filename="loraland-gallery.json"'
    return response


CSV_OUTPUT_KEYS = ("text", "score", "model", "error", "params")


def gallery_csv(request, comparisons) -> HttpResponse:
    """One row per entry: its fields, each model's answer and score, the vote counts."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="loraland-gallery.csv"'
    writer = csv.writer(response)
    writer.writerow(
        ["id", "url", "task", "category", "metric", "source", "base_model", "featured"]
        + ["created_at"]
        + ["inputs", "prompt", "expected"]
        + [f"{m}_{key}" for m in PANES for key in CSV_OUTPUT_KEYS]
        + [f"votes_{c}" for c in selectors.VOTE_CHOICES]
    )
    for comparison in comparisons:
        data = selectors.comparison_as_dict(comparison)
        answers = [
            (data["outputs"].get(m) or {}).get(key) for m in PANES for key in CSV_OUTPUT_KEYS
        ]
        row = [data["id"], entry_url(request, comparison), data["task"], data["category"]]
        row += [data["metric"], data["source"], data["base_model"], data["featured"]]
        row += [data["created_at"]]
        row += [json.dumps(data["inputs"], ensure_ascii=False), data["prompt"], data["expected"]]
        row += answers + list(data["votes"].values())
        writer.writerow([csv_cell(value) for value in row])
    return response


def csv_cell(value):
    """A cell for the CSV: an answer's parameters as JSON; a text cell that a spreadsheet would
    run as a formula gets a leading apostrophe."""
    if isinstance(value, dict):  # an answer's sampling parameters
        return json.dumps(value, sort_keys=True)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def entry_url(request, comparison) -> str:
    return request.build_absolute_uri(reverse("gallery-entry", args=[comparison.pk]))
