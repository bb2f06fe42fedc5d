"""The gallery's pages: saved comparisons, votes on pairs of answers (named, or blind with the
sides shuffled and the names shown after the vote), and the JSON and CSV exports."""

import csv
import hashlib
import json

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST

from . import selectors, services
from .errors import GenerationError
from .models import Vote, current_base_model
from .views import input_pairs

GALLERY_PAGE_SIZE = 20
EXPORT_FORMATS = ("json", "csv")
PANES = ("finetuned", "base", "reference")
PANE_LABELS = {"finetuned": "Fine-tuned", "base": "Base", "reference": "Reference"}
CHOICE_LABELS = dict(Vote.Choice.choices)
CSV_OUTPUT_KEYS = ("text", "score", "model", "error", "params")


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
    blind = request.GET.get("blind") == "1"
    return render(
        request,
        "playground/gallery.html",
        {
            "entries": entry_views(request, page, blind=blind),
            "blind": blind,
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
    blind = request.GET.get("blind") == "1"
    entry = entry_views(request, [comparison], blind=blind)[0]
    return render(request, "playground/gallery_entry.html", {"entry": entry, "blind": blind})


@require_POST
def gallery_vote(request, pk: int):
    """A vote on one pair from a form; voting again on the same pair changes this session's
    vote. A blind vote names a side ("a" or "b"), which the server maps back to its model."""
    if not request.session.session_key:
        request.session.save()
    session_key = request.session.session_key
    opponent = request.POST.get("opponent", "")
    choice = request.POST.get("choice", "")
    blind = choice in ("a", "b")
    if blind:
        choice = blind_sides(session_key, pk, opponent)[0 if choice == "a" else 1]
    try:
        services.vote_cast(
            comparison_id=pk,
            session_key=session_key,
            opponent=opponent,
            choice=choice,
            blind=blind,
        )
    except GenerationError as exc:
        if exc.code == "UNKNOWN_COMPARISON":
            raise Http404(exc.message) from None
        return HttpResponseBadRequest(exc.message)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("gallery-entry", args=[pk])
    return redirect(f"{back.split('#')[0]}#entry-{pk}")


def blind_sides(session_key: str, comparison_id, opponent: str) -> tuple[str, str]:
    """Which model is answer A and which is B, for this visitor and pair: shuffled, and the
    same on every page load (a hash, not a stored draw)."""
    digest = hashlib.sha256(f"{session_key}:{comparison_id}:{opponent}".encode()).digest()
    return ("finetuned", opponent) if digest[0] % 2 else (opponent, "finetuned")


def filter_query(filters: dict) -> str:
    """The gallery's filters as a query string, for the export links."""
    pairs = {"task": filters["task_slug"], "category": filters["category"]}
    return urlencode({k: v for k, v in pairs.items() if v})


def entry_views(request, comparisons, *, blind: bool = False) -> list[dict]:
    comparisons = list(comparisons)
    if blind and not request.session.session_key:
        request.session.save()  # the sides are shuffled per visitor: the vote must find them
    session_key = request.session.session_key or ""
    mine = selectors.session_votes(
        session_key=session_key, comparison_ids=[c.pk for c in comparisons]
    )
    counts = selectors.pair_vote_counts(comparisons)
    return [entry_view(c, counts[c.pk], mine, session_key, blind) for c in comparisons]


def entry_view(comparison, counts: dict, mine: dict, session_key: str, blind: bool) -> dict:
    pairs = [
        pair_view(
            comparison,
            opponent,
            pair_counts,
            mine.get((comparison.pk, opponent)),
            session_key,
            blind,
        )
        for opponent, pair_counts in counts.items()
    ]
    return {
        "comparison": comparison,
        "inputs": input_pairs(comparison.inputs, comparison.task.fields),
        # the models that answered, or tried to: a run without a reference has no such column
        "outputs": [
            {"pane": m, "label": PANE_LABELS[m], **comparison.outputs[m]}
            for m in PANES
            if comparison.outputs.get(m)
        ],
        "pairs": pairs,
        # Blind: the named answers stay hidden until every pair of the entry has this
        # visitor's vote.
        "names_hidden": blind and any(not pair["my_vote"] for pair in pairs),
    }


def pair_view(comparison, opponent, counts, my_vote, session_key, blind) -> dict:
    """One pair's vote form: named buttons, or blind ones (answers A and B, shuffled)."""
    pair = {
        "opponent": opponent,
        "title": f"Fine-tuned vs {PANE_LABELS[opponent].lower()}",
        "my_vote": CHOICE_LABELS.get(my_vote),
        "blind": blind and not my_vote,
        "choices": [
            {"choice": c, "label": CHOICE_LABELS[c], "count": counts[c], "mine": c == my_vote}
            for c in selectors.pair_choices(opponent)
        ],
    }
    if pair["blind"]:
        sides = blind_sides(session_key, comparison.pk, opponent)
        pair["sides"] = [
            {"name": name, "text": (comparison.outputs.get(model) or {}).get("text", "")}
            for name, model in zip(("A", "B"), sides, strict=True)
        ]
        pair["choices"] = [
            {"choice": "a", "label": "A better"},
            {"choice": "b", "label": "B better"},
            {"choice": "tie", "label": "Tie"},
            {"choice": "both_bad", "label": "Both bad"},
        ]
    return pair


def gallery_json(request, comparisons, filters: dict) -> JsonResponse:
    comparisons = list(comparisons)
    counts = selectors.pair_vote_counts(comparisons)
    entries = [
        {**selectors.comparison_as_dict(c, counts[c.pk]), "url": entry_url(request, c)}
        for c in comparisons
    ]
    response = JsonResponse(
        {"filters": filters, "count": len(entries), "comparisons": entries},
        json_dumps_params={"indent": 2},
    )
    response["Content-Disposition"] = 'attachment; filename="loraland-gallery.json"'
    return response


def gallery_csv(request, comparisons) -> HttpResponse:
    """One row per entry: its fields, each model's answer and score, each pair's vote counts
    (empty for a pair one of whose answers does not exist)."""
    comparisons = list(comparisons)
    counts = selectors.pair_vote_counts(comparisons)
    vote_columns = [(o, c) for o in selectors.OPPONENTS for c in selectors.pair_choices(o)]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="loraland-gallery.csv"'
    writer = csv.writer(response)
    writer.writerow(
        ["id", "url", "task", "category", "metric", "source", "base_model", "featured"]
        + ["created_at"]
        + ["inputs", "prompt", "expected"]
        + [f"{m}_{key}" for m in PANES for key in CSV_OUTPUT_KEYS]
        + [f"votes_vs_{o}_{c}" for o, c in vote_columns]
    )
    for comparison in comparisons:
        data = selectors.comparison_as_dict(comparison, counts[comparison.pk])
        answers = [
            (data["outputs"].get(m) or {}).get(key) for m in PANES for key in CSV_OUTPUT_KEYS
        ]
        row = [data["id"], entry_url(request, comparison), data["task"], data["category"]]
        row += [data["metric"], data["source"], data["base_model"], data["featured"]]
        row += [data["created_at"]]
        row += [json.dumps(data["inputs"], ensure_ascii=False), data["prompt"], data["expected"]]
        row += answers + [data["votes"].get(o, {}).get(c) for o, c in vote_columns]
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
