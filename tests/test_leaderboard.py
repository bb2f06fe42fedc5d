import re
from datetime import timedelta

import pytest
from django.utils import timezone

from playground import services
from playground.models import EvaluationRun
from playground.templatetags import charts

pytestmark = pytest.mark.django_db


def save_run(scores: dict, *, days_ago: float = 0, output: str = "1", inputs=None):
    """scores[slug][model] = per-example scores; stored through the real service."""
    results = {
        slug: {
            model: [
                {
                    "inputs": inputs or {"sentence": f"sentence {i}"},
                    "expected": "1",
                    "output": output if model == "base" else "1",
                    "score": score,
                }
                for i, score in enumerate(values)
            ]
            for model, values in by_model.items()
        }
        for slug, by_model in scores.items()
    }
    kinds = sorted({model for by_model in scores.values() for model in by_model})
    run = services.evaluation_run_save(
        model_kinds=kinds, results=results, limit=None, duration_s=1.0
    )
    # Make the order of runs explicit rather than relying on clock resolution.
    EvaluationRun.objects.filter(pk=run.pk).update(
        created_at=timezone.now() - timedelta(days=days_ago)
    )
    return run


def row_html(html: str, slug: str) -> str:
    match = re.search(rf'<tr data-testid="leaderboard-row" data-slug="{slug}".*?</tr>', html, re.S)
    assert match, f"no leaderboard row for {slug}"
    return match.group(0)


def average_html(html: str, category: str) -> str:
    match = re.search(
        rf'<tr data-testid="category-average-row" data-category="{category}".*?</tr>', html, re.S
    )
    assert match, f"no averages row for {category}"
    return match.group(0)


def cells(fragment: str) -> dict[str, str]:
    """data-col -> the text shown in that cell."""
    return dict(re.findall(r'data-col="([\w-]+)">(?:<span[^>]*>)?([^<]*)<', fragment))


def svg(html: str) -> str:
    match = re.search(r'<svg class="score-chart".*?</svg>', html, re.S)
    assert match, "no score chart"
    return match.group(0)


def test_the_leaderboard_has_one_row_per_task_with_our_scores_and_the_lift(client, catalog):
    save_run(
        {
            "glue_sst2": {"base": [0, 1, 0, 0], "finetuned": [1, 1, 1, 0]},
            "gsm8k": {"base": [1, 0], "finetuned": [0, 0]},
        }
    )
    response = client.get("/leaderboard/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-testid="leaderboard-row"') == 25
    assert 'data-testid="leaderboard-table"' in html
    assert 'data-testid="leaderboard-empty"' not in html

    sst2 = row_html(html, "glue_sst2")
    assert 'href="/tasks/glue_sst2/"' in sst2 and "Sentiment (SST-2)" in sst2
    assert "Reasoning" in sst2 and "accuracy" in sst2
    assert cells(sst2) == {
        "ours-base": "0.250",
        "ours-finetuned": "0.750",
        "ours-reference": "—",
        "lift": "+0.500",
        "paper-base": "0.115",
        "paper-finetuned": "0.959",
        "paper-gpt4": "0.942",
        "paper-lift": "+0.844",
    }
    assert 'class="is-improved"' in sst2

    gsm8k = row_html(html, "gsm8k")
    assert cells(gsm8k)["ours-base"] == "0.500"
    assert cells(gsm8k)["ours-finetuned"] == "0.000"
    assert cells(gsm8k)["lift"] == "-0.500"
    assert 'class="is-regressed"' in gsm8k and "is-improved" not in gsm8k

    untouched = cells(row_html(html, "wikisql"))
    assert untouched["ours-base"] == untouched["ours-finetuned"] == untouched["lift"] == "—"
    assert untouched["paper-finetuned"] == "0.669"


def test_a_newer_run_replaces_an_older_score_only_for_what_it_covered(client, catalog):
    save_run(
        {
            "glue_sst2": {"base": [0, 1, 0, 0], "finetuned": [1, 1, 1, 0]},
            "gsm8k": {"base": [1, 0], "finetuned": [1, 0]},
        },
        days_ago=1,
    )
    save_run({"glue_sst2": {"finetuned": [1, 1]}})
    html = client.get("/leaderboard/").content.decode()

    sst2 = cells(row_html(html, "glue_sst2"))
    assert sst2["ours-finetuned"] == "1.000"  # the newer run
    assert sst2["ours-base"] == "0.250"  # only the older run scored the base model
    assert sst2["lift"] == "+0.750"
    gsm8k = cells(row_html(html, "gsm8k"))
    assert (gsm8k["ours-base"], gsm8k["ours-finetuned"], gsm8k["lift"]) == (
        "0.500",
        "0.500",
        "+0.000",
    )


def test_the_category_averages_are_means_over_scored_tasks(client, catalog):
    save_run(
        {
            "glue_sst2": {"base": [0, 1, 0, 0], "finetuned": [1, 1, 1, 0]},  # Reasoning
            "glue_mnli": {"base": [1, 0], "finetuned": [0, 1]},  # Reasoning
            "gsm8k": {"base": [1, 0, 0, 0], "finetuned": [1, 0]},  # Math
        }
    )
    html = client.get("/leaderboard/").content.decode()
    table = re.search(r'<table[^>]*data-testid="category-averages".*?</table>', html, re.S)
    assert table
    categories = re.findall(r'data-testid="category-average-row" data-category="([^"]+)"', html)
    assert categories == ["Coding", "Classic NLP", "Knowledge", "Reasoning", "Math", "All tasks"]

    reasoning = average_html(html, "Reasoning")
    assert ">9<" in reasoning  # tasks in the category
    assert cells(reasoning)["ours-base"] == "0.375"  # (0.25 + 0.5) / 2
    assert cells(reasoning)["ours-finetuned"] == "0.625"  # (0.75 + 0.5) / 2
    assert cells(reasoning)["lift"] == "+0.250"  # (0.5 + 0) / 2
    # The report's nine Reasoning base scores from tasks.csv: 3.554 / 9.
    assert cells(reasoning)["paper-base"] == "0.395"

    math = cells(average_html(html, "Math"))
    assert (math["ours-base"], math["ours-finetuned"], math["lift"]) == ("0.250", "0.500", "+0.250")
    assert (math["paper-base"], math["paper-finetuned"], math["paper-gpt4"]) == (
        "0.114",
        "0.520",
        "0.373",
    )

    coding = cells(average_html(html, "Coding"))
    assert coding["ours-base"] == coding["lift"] == "—"
    assert coding["paper-finetuned"] == "0.502"  # (0.335 + 0.669) / 2

    total = average_html(html, "All tasks")
    assert 'class="row-total"' in total and ">25<" in total
    assert cells(total)["ours-base"] == "0.333"  # (0.25 + 0.5 + 0.25) / 3
    assert cells(total)["ours-finetuned"] == "0.583"  # (0.75 + 0.5 + 0.5) / 3
    assert cells(total)["lift"] == "+0.250"  # (0.5 + 0 + 0.25) / 3


def test_the_chart_draws_one_bar_per_task_and_series_with_a_value(client, catalog):
    save_run(
        {
            "glue_sst2": {"base": [0, 1, 0, 0], "finetuned": [1, 1, 1, 0]},
            "gsm8k": {"base": [0, 0], "finetuned": [1, 0]},
        }
    )
    chart = svg(client.get("/leaderboard/").content.decode())
    assert 'data-testid="score-chart"' in chart
    series = re.findall(r'<rect class="bar [^"]*" data-series="([\w]+)"', chart)
    assert len(series) == chart.count("<rect") - chart.count("legend-swatch")
    assert series.count("base") == 2
    assert series.count("finetuned") == 2
    assert series.count("paper_finetuned") == 25
    assert series.count("paper_gpt4") == 25
    assert "reference" not in series
    assert chart.count('class="chart-group"') == 25
    assert 'data-series="finetuned" data-value="0.75"' in chart
    assert "Sentiment (SST-2) · Our fine-tuned: 0.750</title>" in chart
    assert "Math Word Problems (GSM8K) · Our base: 0.000</title>" in chart
    # y axis 0..1, gridlines every 0.25; a legend naming each series.
    ticks = re.findall(r'<text class="tick-label"[^>]*>([^<]*)</text>', chart)
    assert ticks == ["0.00", "0.25", "0.50", "0.75", "1.00"]
    legend = re.findall(r'<text class="legend-label"[^>]*>([^<]*)</text>', chart)
    assert legend == ["Our base", "Our fine-tuned", "Report fine-tuned", "Report GPT-4"]
    assert 'href="/tasks/glue_sst2/"' in chart


def test_the_chart_geometry_puts_bars_on_the_baseline_at_their_height():
    rows = [
        {
            "slug": slug,
            "name": name,
            "category": "Reasoning",
            "ours": {"base": base, "finetuned": 1.0, "reference": 0.5 if slug == "a" else None},
            "paper": {"base": 0.1, "finetuned": 0.9, "gpt4": None},
        }
        for slug, name, base in (("a", "Task A (Alpha)", 0.0), ("b", "Task B", 0.25))
    ]
    chart = charts.score_chart_geometry(rows)
    assert [s["series"] for s in chart["series"]] == [
        "base",
        "finetuned",
        "reference",
        "paper_finetuned",
    ]
    assert chart["bar_count"] == 7  # reference only for "a", no GPT-4 at all
    assert [g["short"] for g in chart["groups"]] == ["Alpha", "Task B"]
    for group in chart["groups"]:
        for bar in group["bars"]:
            assert bar["y"] + bar["height"] == pytest.approx(chart["baseline"], abs=0.11)
    by_value = {b["value"]: b["height"] for g in chart["groups"] for b in g["bars"]}
    full = by_value[1.0]
    assert by_value[0.25] == pytest.approx(full / 4, abs=0.11)
    assert 0 < by_value[0.0] <= 1  # a zero score still shows as a hairline
    assert [line["y"] for line in chart["gridlines"]][0] == chart["baseline"]


def test_without_a_run_the_leaderboard_shows_the_report_s_scores_and_says_so(client, catalog):
    html = client.get("/leaderboard/").content.decode()
    empty = re.search(r'data-testid="leaderboard-empty".*?</div>', html, re.S)
    assert empty and "report's published scores" in empty.group(0)
    assert "manage.py" not in html  # the operator's how-to is in the README
    assert html.count('data-testid="leaderboard-row"') == 25
    sst2 = cells(row_html(html, "glue_sst2"))
    assert sst2["ours-finetuned"] == "—"
    assert (sst2["paper-base"], sst2["paper-finetuned"], sst2["paper-gpt4"]) == (
        "0.115",
        "0.959",
        "0.942",
    )
    series = re.findall(r'data-series="([\w]+)"', svg(html))
    assert series.count("paper_finetuned") == series.count("paper_gpt4") == 25
    assert "base" not in series and "finetuned" not in series


def test_the_nav_links_to_the_leaderboard(client, catalog):
    html = client.get("/").content.decode()
    assert 'href="/leaderboard/"' in html
    page = client.get("/leaderboard/").content.decode()
    assert re.search(r'href="/leaderboard/"[^>]*aria-current="page"', page)


def test_the_task_page_shows_its_row_and_escaped_examples(client, catalog):
    hostile = "<script>alert(1)</script>"
    save_run(
        {"glue_sst2": {"base": [0, 1, 0, 0, 0], "finetuned": [1, 1, 1, 0, 1]}},
        output=hostile,
        inputs={"sentence": "<img src=x onerror=alert(1)> & more"},
    )
    html = client.get("/tasks/glue_sst2/").content.decode()
    section = re.search(r'<section class="task-evaluation".*?</section>', html, re.S)
    assert section
    section = section.group(0)
    assert 'data-testid="task-evaluation"' in section
    assert "How the models score" in section
    assert cells(section) == {
        "ours-base": "0.200",
        "paper-base": "0.115",
        "ours-finetuned": "0.800",
        "paper-finetuned": "0.959",
        "paper-gpt4": "0.942",
        "lift": "+0.600",
        "paper-lift": "+0.844",
    }
    assert section.count('data-testid="evaluation-example"') == 4
    first = re.search(r'data-testid="evaluation-example".*?</tr>', section, re.S).group(0)
    assert "<dt>Sentence</dt>" in first
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; more" in first
    assert '<td data-model="base">' in first and '<td data-model="finetuned">' in first
    assert ">0.000<" in first and ">1.000<" in first
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in section
    assert hostile not in html
    assert "<img src=x" not in html


def test_a_task_page_without_evaluation_says_so_in_one_line(client, catalog):
    save_run({"gsm8k": {"base": [1], "finetuned": [1]}})
    html = client.get("/tasks/glue_sst2/").content.decode()
    section = re.search(r'<section class="task-evaluation".*?</section>', html, re.S).group(0)
    assert 'data-testid="task-evaluation-empty"' in section
    assert "the scores above are the report" in section and "manage.py" not in section
    assert 'data-testid="evaluation-example"' not in section
    assert 'data-testid="task-evaluation-scores"' not in section
