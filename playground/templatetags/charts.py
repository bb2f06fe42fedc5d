"""Score formatting and the leaderboard's grouped-bar chart, drawn as inline SVG on the server.

`score_chart_geometry(rows)` turns `selectors.leaderboard_rows()` into plain numbers (bars,
gridlines, labels, legend); `templates/playground/_score_chart.html` draws them. No JavaScript.
"""

import re

from django import template

register = template.Library()

# (key, label, where the value lives in a leaderboard row), in the order bars are drawn.
SERIES = (
    ("base", "Our base", ("ours", "base")),
    ("finetuned", "Our fine-tuned", ("ours", "finetuned")),
    ("reference", "Our reference", ("ours", "reference")),
    ("paper_finetuned", "Report fine-tuned", ("paper", "finetuned")),
    ("paper_gpt4", "Report GPT-4", ("paper", "gpt4")),
)
TICKS = (0.0, 0.25, 0.5, 0.75, 1.0)
MISSING = "—"

# Layout of the chart, in SVG user units (the SVG scales to its container's width).
WIDTH = 1020
MARGIN_LEFT = 40
MARGIN_RIGHT = 6
LEGEND_H = 30
CATEGORY_H = 22
PLOT_H = 250
LABEL_H = 86
LABEL_ANGLE = -40
GROUP_FILL = 0.8  # share of a group's width the bars take
CHAR_W = 6.6  # rough width of one 12px legend character


@register.filter
def score(value) -> str:
    """0.9587 -> "0.959"; None -> "—"."""
    return MISSING if value is None else f"{value:.3f}"


@register.filter
def signed(value) -> str:
    """A lift: 0.8441 -> "+0.844", -0.05 -> "-0.050"; None -> "—"."""
    return MISSING if value is None else f"{value:+.3f}"


@register.filter
def percent(value) -> str:
    """A share as a whole percentage: 0.667 -> "67 %"; None -> "—"."""
    return MISSING if value is None else f"{value * 100:.0f} %"


@register.filter
def pct(value) -> str:
    """A score as a bar width in percent, clamped to 0..100 ("0" when missing)."""
    return "0" if value is None else f"{clamp(value) * 100:.1f}"


@register.filter
def trend(value) -> str:
    """ "up", "down" or "flat" for a lift, "" when missing (for CSS classes)."""
    if value is None:
        return ""
    return "up" if value > 0 else "down" if value < 0 else "flat"


@register.filter
def outcome(value) -> str:
    """One example's score as "pass", "fail" or "partial" (for CSS classes)."""
    if value is None:
        return ""
    return "pass" if value >= 0.999 else "fail" if value <= 0.001 else "partial"


@register.inclusion_tag("playground/_score_chart.html")
def score_chart(rows):
    return {"chart": score_chart_geometry(rows)}


def clamp(value: float) -> float:
    return min(max(float(value), 0.0), 1.0)


def series_value(row: dict, where: tuple[str, str]) -> float | None:
    return row[where[0]][where[1]]


def short_names(rows: list[dict]) -> dict[str, str]:
    """Task labels for the axis: the dataset in parentheses ("SST-2"), unless two share it."""

    def paren(name):
        match = re.search(r"\(([^)]+)\)\s*$", name)
        return match.group(1) if match else name

    counts = {}
    for row in rows:
        counts[paren(row["name"])] = counts.get(paren(row["name"]), 0) + 1
    return {
        row["slug"]: paren(row["name"])
        if counts[paren(row["name"])] == 1
        else re.sub(r"\s*\([^)]*\)\s*$", "", row["name"])
        for row in rows
    }


def score_chart_geometry(rows: list[dict]) -> dict:
    """Bars for every (task, series) that has a score; a series with no score at all is left out."""
    series = [s for s in SERIES if any(series_value(r, s[2]) is not None for r in rows)]
    plot_top = LEGEND_H + CATEGORY_H
    plot_left, plot_right = MARGIN_LEFT, WIDTH - MARGIN_RIGHT
    plot_w = plot_right - plot_left
    group_w = plot_w / max(len(rows), 1)
    bar_w = group_w * GROUP_FILL / max(len(series), 1)
    baseline = plot_top + PLOT_H
    labels = short_names(rows)

    def y_of(value):
        return round(baseline - PLOT_H * clamp(value), 1)

    groups = []
    for i, row in enumerate(rows):
        left = plot_left + i * group_w + group_w * (1 - GROUP_FILL) / 2
        bars = []
        for j, (key, label, where) in enumerate(series):
            value = series_value(row, where)
            if value is None:
                continue
            height = max(PLOT_H * clamp(value), 1.0)  # a zero still shows as a hairline
            bars.append(
                {
                    "series": key,
                    "label": label,
                    "value": value,
                    "x": round(left + j * bar_w, 1),
                    "y": round(baseline - height, 1),
                    "width": round(max(bar_w - 1, 1.0), 1),
                    "height": round(height, 1),
                }
            )
        center = plot_left + (i + 0.5) * group_w
        groups.append(
            {
                "slug": row["slug"],
                "name": row["name"],
                "short": labels[row["slug"]],
                "category": row["category"],
                "bars": bars,
                "label_x": round(center + 4, 1),
                "label_y": baseline + 14,
            }
        )

    categories = []
    for i, row in enumerate(rows):
        if categories and categories[-1]["name"] == row["category"]:
            categories[-1]["end"] = i + 1
        else:
            categories.append({"name": row["category"], "start": i, "end": i + 1})
    for category in categories:
        category["x1"] = round(plot_left + category["start"] * group_w, 1)
        category["x2"] = round(plot_left + category["end"] * group_w, 1)
        category["mid"] = round((category["x1"] + category["x2"]) / 2, 1)
        category["wide"] = (category["end"] - category["start"]) * group_w > 9 * len(
            category["name"]
        )

    legend, x = [], plot_left
    for key, label, _ in series:
        legend.append({"series": key, "label": label, "x": round(x, 1), "text_x": round(x + 16, 1)})
        x += 16 + CHAR_W * len(label) + 22

    return {
        "width": WIDTH,
        "height": baseline + LABEL_H,
        "plot_left": plot_left,
        "plot_right": plot_right,
        "plot_top": plot_top,
        "baseline": baseline,
        "category_y": plot_top - 8,
        "label_angle": LABEL_ANGLE,
        "legend_y": 8,
        "legend_text_y": 17,
        "series": [{"series": key, "label": label} for key, label, _ in series],
        "legend": legend,
        "gridlines": [
            {"value": t, "y": y_of(t), "label": f"{t:.2f}", "axis": t == 0} for t in TICKS
        ],
        "categories": categories,
        "groups": groups,
        "bar_count": sum(len(g["bars"]) for g in groups),
    }


@register.filter
def loss_points(losses) -> str:
    """A loss curve as an SVG polyline's points in a 600 x 200 box (the training page's JS
    draws the same while a job runs)."""
    if not losses:
        return ""
    most, least = max(losses), min(losses)
    span, steps = (most - least) or 1.0, max(len(losses) - 1, 1)
    return " ".join(
        f"{600 * i / steps:.1f},{190 - 180 * (loss - least) / span:.1f}"
        for i, loss in enumerate(losses)
    )
