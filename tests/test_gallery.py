"""The gallery: entries, filters, permalinks, votes on pairs of answers (one per pair and
session, named or blind, only where both answers exist), win rates, export, and the admin's
feature and delete."""

import csv
import io
import json
import re

import pytest
from django.test import Client

from playground import selectors, services
from playground.models import Comparison, Task, Vote

pytestmark = pytest.mark.django_db


GREEDY = {"max_new_tokens": 64, "temperature": 0.0, "top_p": 1.0, "seed": None}


def entry(slug: str, *, text="an answer", featured=False, expected="1", **outputs) -> Comparison:
    task = Task.objects.get(slug=slug)
    inputs = {field: f"{field} of {slug}" for field in task.fields}
    comparison = services.comparison_create(
        task=task,
        inputs=inputs,
        prompt=f"prompt of {slug}",
        expected=expected,
        outputs=outputs
        or {
            "finetuned": {"text": text, "score": 1.0, "model": slug},
            "base": {"text": "base says", "score": 0.0, "model": "loraland-mini", "params": GREEDY},
            "reference": {"text": "gpt says", "score": 0.5, "model": "gpt-4"},
        },
    )
    if featured:
        services.comparison_set_featured(comparison_ids=[comparison.pk], featured=True)
    return comparison


def entry_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-testid="gallery-entry" data-id="(\d+)"', html)]


def vote(client, comparison, choice: str, opponent: str = "reference", **extra):
    data = {"choice": choice, "opponent": opponent, **extra}
    return client.post(f"/gallery/{comparison.pk}/vote/", data)


def cast(comparison, session: str, choice: str, opponent: str = "reference"):
    return services.vote_cast(
        comparison_id=comparison.pk, session_key=session, opponent=opponent, choice=choice
    )


def test_the_gallery_shows_featured_entries_first_then_the_newest(client, catalog):
    old = entry("glue_sst2")
    featured = entry("gsm8k", featured=True)
    new = entry("webnlg")
    html = client.get("/gallery/").content.decode()
    assert entry_ids(html) == [featured.pk, new.pk, old.pk]
    assert html.count('data-testid="featured-badge"') == 1


def test_an_entry_shows_inputs_expected_answer_three_scored_outputs_and_votes(client, catalog):
    comparison = entry("glue_sst2", text="<b>bold</b> answer")
    html = client.get(f"/gallery/{comparison.pk}/").content.decode()
    assert "sentence of glue_sst2" in html
    assert re.search(r'data-testid="entry-expected">.*?1</pre>', html, re.S)
    for model, text in (("finetuned", "&lt;b&gt;bold&lt;/b&gt; answer"), ("base", "base says")):
        block = re.search(rf'data-testid="entry-output-{model}".*?</div>\s*</div>', html, re.S)
        assert text in block.group(0)
    assert "<b>bold</b>" not in html  # model output is text, never markup
    scores = re.findall(r'data-testid="entry-score">([^<]*)<', html)
    assert scores == ["1.000", "0.000", "0.500"]
    forms = re.findall(r'data-testid="vote-form" data-opponent="(\w+)"', html)
    assert forms == ["base", "reference"]  # a vote per pair: fine-tuned against each
    for choice in ("finetuned", "base", "reference", "tie", "both_bad"):
        assert f'data-testid="vote-{choice}"' in html
    assert f'href="/gallery/{comparison.pk}/"' in html  # its permalink
    assert client.get("/gallery/999999/").status_code == 404


def test_filters_by_task_and_category_and_an_empty_view_says_how_a_visitor_fills_it(
    client, catalog
):
    sst2, gsm8k = entry("glue_sst2"), entry("gsm8k")
    assert entry_ids(client.get("/gallery/?task=gsm8k").content.decode()) == [gsm8k.pk]
    by_category = client.get("/gallery/?category=Reasoning").content.decode()  # SST-2's
    assert entry_ids(by_category) == [sst2.pk]
    empty = client.get("/gallery/?task=webnlg").content.decode()
    assert entry_ids(empty) == [] and 'data-testid="gallery-empty"' in empty
    assert "compare page" in empty and "manage.py" not in empty
    assert 'href="?task=webnlg&amp;format=csv"' in empty  # export keeps the filter


def test_json_export_holds_exactly_the_filtered_entries(client, catalog):
    sst2 = entry("glue_sst2")
    entry("gsm8k")
    cast(sst2, "a", "finetuned")
    cast(sst2, "b", "base", opponent="base")
    response = client.get("/gallery/?task=glue_sst2&format=json")
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    data = response.json()
    assert data["count"] == 1 and data["filters"] == {"task_slug": "glue_sst2", "category": ""}
    (exported,) = data["comparisons"]
    assert exported["id"] == sst2.pk and exported["task"] == "glue_sst2"
    assert exported["url"] == f"http://testserver/gallery/{sst2.pk}/"
    assert exported["inputs"] == {"sentence": "sentence of glue_sst2"}
    assert exported["expected"] == "1"
    assert exported["outputs"]["reference"]["text"] == "gpt says"
    assert exported["outputs"]["finetuned"]["score"] == 1.0
    assert exported["votes"] == {
        "base": {"finetuned": 0, "base": 1, "tie": 0, "both_bad": 0},
        "reference": {"finetuned": 1, "reference": 0, "tie": 0, "both_bad": 0},
    }
    by_category = client.get("/gallery/?category=Math&format=json").json()
    assert [c["task"] for c in by_category["comparisons"]] == ["gsm8k"]


def test_csv_export_has_one_row_per_filtered_entry_and_defuses_formulas(client, catalog):
    sst2 = entry("glue_sst2", text="=HYPERLINK(1)")
    entry("gsm8k")
    response = client.get("/gallery/?task=glue_sst2&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 1
    (row,) = rows
    assert row["id"] == str(sst2.pk) and row["task"] == "glue_sst2"
    assert row["category"] == "Reasoning" and row["expected"] == "1"
    assert row["inputs"] == '{"sentence": "sentence of glue_sst2"}'
    assert row["finetuned_text"] == "'=HYPERLINK(1)"  # a spreadsheet shows it, runs nothing
    assert row["base_text"] == "base says" and row["reference_score"] == "0.5"
    assert row["votes_vs_base_finetuned"] == "0" and row["url"].endswith(f"/gallery/{sst2.pk}/")
    assert row["votes_vs_reference_reference"] == "0"
    assert json.loads(row["base_params"]) == GREEDY and row["finetuned_params"] == ""
    assert client.get("/gallery/?format=xml").status_code == 400


def test_one_vote_per_pair_and_session_and_a_second_vote_changes_it(client, catalog):
    comparison = entry("glue_sst2")
    response = vote(client, comparison, "finetuned", next="/gallery/?task=glue_sst2")
    assert response.status_code == 302
    assert response["Location"] == f"/gallery/?task=glue_sst2#entry-{comparison.pk}"
    vote(client, comparison, "reference")
    vote(client, comparison, "finetuned", opponent="base")  # the other pair: a vote of its own
    assert sorted(Vote.objects.values_list("opponent", "choice")) == [
        ("base", "finetuned"),
        ("reference", "reference"),
    ]
    html = client.get(f"/gallery/{comparison.pk}/").content.decode()
    assert 'You voted "Reference better"' in html and 'You voted "Fine-tuned better"' in html
    assert re.search(r'data-testid="vote-reference">\s*Reference better <span[^>]*>1<', html)

    other = Client()
    vote(other, comparison, "tie")
    assert Vote.objects.filter(opponent="reference").count() == 2
    assert "You voted" not in Client().get(f"/gallery/{comparison.pk}/").content.decode()


def test_a_pair_with_a_missing_answer_gets_no_vote_and_old_such_votes_do_not_count(client, catalog):
    finetuned = {"text": "yes", "score": 1.0}
    lonely = entry("glue_sst2", finetuned=finetuned, base={"text": "no", "score": 0.0})
    html = client.get(f"/gallery/{lonely.pk}/").content.decode()
    assert re.findall(r'data-testid="vote-form" data-opponent="(\w+)"', html) == ["base"]
    assert vote(client, lonely, "finetuned").status_code == 400  # no reference answer
    failed = entry("gsm8k", finetuned=finetuned, reference={"text": "", "error": "rate limited"})
    assert vote(client, failed, "finetuned").status_code == 400
    # A vote cast against the missing reference before pairs existed: kept, not counted.
    Vote.objects.create(
        comparison=lonely, session_key="old", opponent="reference", choice="finetuned"
    )
    assert selectors.vote_win_rates() == []


def test_bad_votes_are_refused(client, catalog):
    comparison = entry("glue_sst2")
    assert vote(client, comparison, "maybe").status_code == 400
    assert vote(client, comparison, "base").status_code == 400  # not a side of this pair
    assert vote(client, comparison, "tie", opponent="gpt").status_code == 400
    assert vote(client, Comparison(pk=999999), "tie").status_code == 404
    assert client.get(f"/gallery/{comparison.pk}/vote/").status_code == 405
    strict = Client(enforce_csrf_checks=True)
    assert vote(strict, comparison, "tie").status_code == 403  # a form of this site only
    away = vote(client, comparison, "tie", next="https://elsewhere.example/")
    assert away["Location"] == f"/gallery/{comparison.pk}/#entry-{comparison.pk}"
    assert Vote.objects.count() == 1


def test_win_rates_count_decisive_votes_per_task_and_pair_on_the_gallery_and_leaderboard(
    client, catalog
):
    first, second = entry("glue_sst2"), entry("glue_sst2")
    for session, choice in (("a", "finetuned"), ("b", "finetuned"), ("c", "reference")):
        cast(first, session, choice)
    cast(second, "a", "tie")
    cast(first, "a", "finetuned", opponent="base")
    cast(entry("gsm8k"), "a", "both_bad")

    rates = {row["slug"]: row for row in selectors.vote_win_rates()}
    sst2 = rates["glue_sst2"]["reference"]
    assert sst2["win_rate"] == 0.6667
    assert sst2["counts"] == {"finetuned": 2, "reference": 1, "tie": 1, "both_bad": 0}
    assert sst2["total"] == 4 and sst2["decisive"] == 3
    assert rates["glue_sst2"]["base"]["win_rate"] == 1.0
    assert rates["glue_sst2"]["base"]["total"] == 1
    assert rates["gsm8k"]["reference"]["win_rate"] is None  # no decisive vote: no rate, not 0 %
    assert rates["gsm8k"]["base"]["total"] == 0
    assert [r["slug"] for r in selectors.vote_win_rates(category="Math")] == ["gsm8k"]

    for page in ("/gallery/", "/leaderboard/"):
        html = client.get(page).content.decode()
        row = re.search(r'data-testid="win-rate-row" data-slug="glue_sst2".*?</tr>', html, re.S)
        cells = dict(re.findall(r'data-col="([\w-]+)"[^>]*>([^<]*)<', row.group(0)))
        assert cells == {
            "base-win-rate": "100 %",
            "base-votes": "1",
            "reference-win-rate": "67 %",
            "reference-votes": "4",
        }
    filtered = client.get("/gallery/?task=gsm8k").content.decode()
    assert 'data-slug="glue_sst2"' not in filtered and 'data-slug="gsm8k"' in filtered


def test_without_votes_the_leaderboard_says_where_to_vote(client, catalog):
    html = client.get("/leaderboard/").content.decode()
    assert 'data-testid="win-rates-empty"' in html and 'href="/gallery/"' in html


def test_admins_feature_unfeature_and_delete_entries(admin_client, catalog):
    one, two = entry("glue_sst2"), entry("gsm8k")
    url = "/admin/playground/comparison/"

    def act(action, *comparisons, **extra):
        ids = [c.pk for c in comparisons]
        return admin_client.post(url, {"action": action, "_selected_action": ids, **extra})

    act("feature", one)
    assert list(Comparison.objects.filter(featured=True)) == [one]
    act("unfeature", one)
    assert not Comparison.objects.filter(featured=True).exists()
    act("delete_selected", two, post="yes")
    assert list(Comparison.objects.all()) == [one]
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(f"{url}{one.pk}/change/").status_code == 200
    assert admin_client.get(f"{url}add/").status_code == 403  # entries come from runs


def test_reference_outputs_and_votes_are_read_only_in_the_admin(admin_client, catalog):
    comparison = entry("glue_sst2")
    vote_row = cast(comparison, "a", "tie")
    assert admin_client.get("/admin/playground/vote/").status_code == 200
    assert admin_client.get("/admin/playground/vote/add/").status_code == 403
    change = f"/admin/playground/vote/{vote_row.pk}/change/"
    admin_client.post(change, {"choice": "finetuned"})
    assert Vote.objects.get().choice == "tie"
    assert admin_client.get("/admin/playground/referenceoutput/").status_code == 200
    assert admin_client.get("/admin/playground/referenceoutput/add/").status_code == 403


def test_the_sampling_summary_says_how_an_answer_was_made():
    from playground.templatetags.answers import sampling

    assert sampling(None) == "" and sampling({}) == ""
    assert sampling({"temperature": 0.0, "top_p": 0.5, "seed": 4}) == "greedy"
    assert sampling({"temperature": 0.7, "top_p": 1.0, "max_new_tokens": 8}) == (
        "temperature 0.7 · up to 8 tokens"
    )
    assert sampling({"temperature": 1.2, "top_p": 0.9, "seed": 0}) == (
        "temperature 1.2 · top_p 0.9 · seed 0"
    )


def test_a_blind_vote_shows_two_unnamed_answers_and_the_names_after_the_vote(client, catalog):
    comparison = entry("glue_sst2", text="tuned says")
    url = f"/gallery/{comparison.pk}/?blind=1"
    html = client.get(url).content.decode()
    assert 'data-testid="names-hidden"' in html and 'data-testid="entry-output-' not in html
    reference_form = re.search(r'data-opponent="reference".*?</form>', html, re.S).group(0)
    sides = dict(
        re.findall(
            r'data-testid="blind-side-(\w)">.*?<pre[^>]*>([^<]*)</pre>', reference_form, re.S
        )
    )
    assert sorted(sides.values()) == ["gpt says", "tuned says"]  # the two answers, no names
    assert "Fine-tuned" not in reference_form and "vote-count" not in reference_form
    # "A better" is a vote for whichever model this visitor's shuffle put on side A.
    vote(client, comparison, "a", opponent="reference", next=url)
    picked = "finetuned" if sides["A"] == "tuned says" else "reference"
    stored = Vote.objects.get(opponent="reference")
    assert (stored.choice, stored.blind) == (picked, True)
    html = client.get(url).content.decode()
    assert 'data-testid="names-hidden"' in html  # the base pair still awaits a vote
    assert re.search(r'data-opponent="reference".*?You voted', html, re.S)
    vote(client, comparison, "tie", opponent="base", next=url)
    revealed = client.get(url).content.decode()
    assert 'data-testid="names-hidden"' not in revealed
    assert 'data-testid="entry-output-finetuned"' in revealed
    # The same visitor sees the same sides on every load; the shuffle is per visitor and pair.
    from playground.gallery_views import blind_sides

    assert blind_sides("s", 1, "base") == blind_sides("s", 1, "base")
    assert {blind_sides(f"s{i}", 1, "base") for i in range(20)} == {
        ("finetuned", "base"),
        ("base", "finetuned"),
    }


def test_an_entry_without_a_reference_has_no_reference_column(client, catalog):
    finetuned = {"text": "yes", "score": 1.0}
    comparison = entry("glue_sst2", finetuned=finetuned, base={"text": "no", "score": 0.0})
    html = client.get(f"/gallery/{comparison.pk}/").content.decode()
    assert 'data-testid="entry-output-reference"' not in html and "entry-outputs-2" in html
    assert "No answer from this model" not in html
